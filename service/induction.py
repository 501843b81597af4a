"""Induction packs: the timescales one role owns in one authority (or across authorities).

A pack is a typed record (``InductionPack``) built from stored obligations; the renderers in
``service/exports.py`` turn it into DOCX, Markdown or CSV. Items are grouped by stage of the
child's journey (the stage each topic carries in the taxonomy), each with the timescale in
plain words, its anchor, cohort and a citation computed from stored offsets.

Which obligations a role owns: the obligation's actor (e.g. "Social Worker/Team Manager")
names that role through the taxonomy's role synonyms; a first-person "I will ..." statement
with no named actor counts for the practitioner roles the document addresses (see
``roles_of_obligation``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from extractors.records import Citation, Conflict, Obligation
from ingest.errors import UnknownAuthorityError, UnknownRoleError
from ingest.records import Clause
from service.records import citation_label
from service.resolver import Resolver

# A first-person commitment ("I will ensure ...", "I'll ..."): the practitioner reading it owns it.
_FIRST_PERSON = re.compile(r"(?:^|[\s.;:'\"‘“(])I(?:\s+will|'ll|’ll|\s+must|\s+shall)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9‘'\"(])")
_BOLD = re.compile(r"\*\*|__")

OTHER_STAGE = "other duties"
ALL_CHILDREN = "all children"
GLANCE_JOIN = "; "  # between the figures (and references) of one at-a-glance row
DATA_PATH = Path(__file__).parent / "data" / "induction.yaml"


@dataclass
class PackNational:
    """The national figure for an item's duty, beside the local one: always labelled national.

    From ``service.baseline.assess_obligation`` (the same matching as the baseline report);
    only figures verified against their source are shown.
    """

    entry_id: str
    description: str  # "at least every 6 weeks"
    source: str  # "national: Care Planning Regulations 2010, reg 28(2)(b)"
    url: str
    verdict: str  # how the local figure stands: stricter / same / looser (than national)
    conversion: str | None = None  # how the units were compared, when they differ

    @property
    def line(self) -> str:
        """How every format prints it: "National (statutory guidance): ... [source]; local figure ...".
        """
        from service.records import NATIONAL_LABEL

        words = {"stricter": "stricter than national", "same": "same as national",
                 "looser": "LOOSER than national"}.get(self.verdict, self.verdict)
        text = f"{NATIONAL_LABEL}: {self.description} [{self.source}]; the local figure is {words}"
        return text + (f" (approximately: {self.conversion})" if self.conversion else "") + "."


@dataclass
class PackItem:
    """One obligation as a trainee reads it."""

    obligation_id: str
    authority: str
    stage: str
    topic: str | None
    requirement: str  # the sentence of the clause that states the duty, in plain text
    timescale: str  # plain words: "within 10 working days of the initial child protection conference"
    kind: str
    anchor: str | None
    cohort: str | None
    actor: str | None  # who the standard says owns it, or how the pack attributed it
    modality: str | None
    document_id: str
    document_title: str
    section: str
    clause_ref: str | None
    page: int | None
    clause_id: str
    clause_ordinal: int
    quote: str
    # What must be done, verb first in the document's words ("sign off core group minutes").
    label: str | None = None
    qualifiers: list[str] = field(default_factory=list)
    phase: str | None = None
    conditions: str | None = None
    # The national figure(s) for the same duty, where there is one (never the authority's own).
    national: list[PackNational] = field(default_factory=list)

    @property
    def citation(self) -> str:
        """The shared citation label: "Wokingham › ... › Core Group Meetings, standard 12"."""
        return citation_label(self.authority, self.section, self.clause_ref, self.page)

    @property
    def duty(self) -> str:
        """How a trainee reads the duty: its action label, else its topic, else its sentence."""
        return self.label or self.topic or _short(self.requirement, 60)

    @property
    def source(self) -> str:
        """One-line source reference: document, section, clause number and page."""
        return format_source(self.document_title, self.section, self.clause_ref, self.page)


@dataclass
class StageGroup:
    """The items of one stage of the child's journey, in journey then document order."""

    stage: str
    items: list[PackItem] = field(default_factory=list)


@dataclass
class GlanceRow:
    """One row of the "timescales at a glance" table."""

    authority: str
    stage: str
    topic: str
    cohort: str | None
    timescale: str
    reference: str  # short: "Sandwell D.2.3, p. 12"
    national: str = ""  # the national figure(s) for the duty with their source, labelled national


@dataclass
class PackConflict:
    """Two or more figures one authority gives for the same duty, with their sources."""

    authority: str
    topic: str
    cohort: str | None
    anchor: str | None
    reason: str
    figures: list[tuple[str, str]]  # (timescale in plain words, source)


@dataclass
class InductionPack:
    """Everything a pack shows; ``authorities`` has one entry unless the pack is cross-authority."""

    role: str
    authorities: list[str]
    cohort: str | None
    topic: str | None
    stages: list[StageGroup]
    glance: list[GlanceRow]
    conflicts: list[PackConflict]
    documents: list[tuple[str, str]]  # (document id, title) cited by the pack
    # The document versions the pack was built from, each with what changed since (service.changes).
    sources: list = field(default_factory=list)

    @property
    def cross_authority(self) -> bool:
        return len(self.authorities) > 1

    @property
    def items(self) -> list[PackItem]:
        """All items in the order the pack shows them."""
        return [item for group in self.stages for item in group.items]

    @property
    def title(self) -> str:
        where = "all authorities" if self.cross_authority else self.authorities[0]
        scope = f" — {self.topic}" if self.topic else ""
        who = f" ({self.cohort})" if self.cohort else ""
        return f"Induction pack: {self.role}, {where}{scope}{who}"


# --- public API -----------------------------------------------------------------------------
def build_induction_pack(
    conn: sqlite3.Connection,
    authority: str,
    role: str,
    cohort: str | None = None,
    topic: str | None = None,
    resolver: Resolver | None = None,
    as_of: str | None = None,
) -> InductionPack:
    """Build the pack of obligations ``role`` owns in ``authority``.

    Names go through the one resolver (``resolver``, else one built from the store): raises
    UnknownAuthorityError, UnknownRoleError (role unknown to the taxonomy, or owning no
    obligation there: the message lists the roles that do), UnknownTopicError and
    UnknownCohortError. Callers that show notes resolve first (``service.query``).
    ``as_of`` builds it from an older version (``service.changes.pack_basis``: a version label,
    #ordinal or date); the pack then lists what has changed since.
    """
    names = resolver or store_resolver(conn)
    return _build(conn, [names.authority(authority).name], role, cohort, topic, names, as_of)


def build_cross_authority_pack(
    conn: sqlite3.Connection,
    role: str,
    topic: str | None = None,
    cohort: str | None = None,
    authorities: Iterable[str] | None = None,
    resolver: Resolver | None = None,
    as_of: str | None = None,
) -> InductionPack:
    """What each authority expects of ``role`` (optionally on one topic), side by side."""
    known = _store_authorities(conn)
    if not known:
        raise UnknownAuthorityError("No documents are ingested yet. Run `standards ingest corpus/` first.")
    names = resolver or store_resolver(conn)
    chosen = [names.authority(a).name for a in authorities] if authorities else known
    return _build(conn, chosen, role, cohort, topic, names, as_of)


def known_roles() -> list[str]:
    """Canonical role names from the taxonomy, in the taxonomy's order."""
    return list(_taxonomy().roles)


def roles_of_obligation(ob: Obligation, clause: Clause | None = None) -> set[str]:
    """The canonical roles that own ``ob`` (see ``ownership``)."""
    return ownership(ob, clause)[0]


def ownership(ob: Obligation, clause: Clause | None = None) -> tuple[set[str], str]:
    """The canonical roles that own ``ob``, and how we know, in words for the pack.

    - every role the actor names ("Social Worker/Team Manager" -> both), through the taxonomy's
      synonyms, plus every role of the clause's responsible-role column when the actor is one
      of them (a table row "Social Worker/Assistant Team Manager/Team Manager" binds all three);
    - a first-person statement ("I will ...") naming no role is addressed to its reader, the
      generic practitioner;
    - a duty naming no role at all ("Children will be seen every 10 working days") belongs to
      the service its section is about (the taxonomy's role ``services``), if any.
    A duty of the generic practitioner also counts for the practitioner roles of
    ``service/data/induction.yaml`` (a social worker reading "I will visit ..." owns that visit).
    """
    taxonomy = _taxonomy()
    roles = set(taxonomy.roles_in(ob.actor)) if ob.actor else set()
    basis = ob.actor or ""
    if ob.actor and ob.extra.get("actor_stated") is False:
        # The text names nobody: the actor is the role that usually owns such duties; say so.
        basis = f"not named in the standard; usually the {ob.actor}'s duty"
    if clause is not None and clause.role_context:
        column = set(taxonomy.roles_in(clause.role_context))
        if column and (not roles or roles & column):
            roles |= column
            basis = " ".join(clause.role_context.split())
    # Only the obligation's own sentence: a clause mixing "I will" with "the panel will" is not
    # all addressed to the reader.
    if not roles and ob.citation.quote and _FIRST_PERSON.search(ob.citation.quote):
        roles.add(generic_role())
        basis = "the reader (\"I will ...\")"
    if not roles and clause is not None:
        for heading in reversed(clause.heading_path):
            service = taxonomy.service_role(heading)
            if service:
                roles.add(service)
                basis = f"not named; the duty sits under \"{heading.strip()}\""
                break
    if generic_role() in roles:
        roles.update(practitioner_roles())
    return roles, basis


def generic_role() -> str:
    """The taxonomy role that stands for "any practitioner" ("Practitioner")."""
    return str(_settings_data()["generic_role"])


def practitioner_roles() -> list[str]:
    """Roles that a duty of the generic practitioner (or an unnamed "I will") applies to."""
    return list(_settings_data().get("practitioner_roles", []))


def roles_with_obligations(conn: sqlite3.Connection, authority: str | None = None) -> list[str]:
    """Canonical roles owning at least one current obligation (in ``authority`` if given)."""
    from extractors.store import load_obligations

    clauses = _clauses(conn)
    owners: set[str] = set()
    for ob in load_obligations(conn, authority=authority):
        owners |= roles_of_obligation(ob, clauses.get(ob.clause_id))
    return [r for r in known_roles() if r in owners]


def stage_of_topic(topic: str | None) -> str:
    """The journey stage the taxonomy gives ``topic`` (OTHER_STAGE when it gives none)."""
    entry = _taxonomy().topics.get(topic or "")
    return entry.stage if entry is not None else OTHER_STAGE


def journey_stages() -> list[str]:
    """Stages of the child's journey in the taxonomy's order, then OTHER_STAGE."""
    return [*_taxonomy().stages, OTHER_STAGE]


def format_source(document_title: str, section: str, clause_ref: str | None, page: int | None) -> str:
    """"<title>, <section>, clause <ref>, p. <page>" leaving out what the document does not have."""
    parts = [document_title]
    if section:
        parts.append(section)
    if clause_ref:
        parts.append(f"clause {clause_ref}")
    if page is not None:
        parts.append(f"p. {page}")
    return ", ".join(parts)


def short_reference(authority: str, clause_ref: str | None, page: int | None, section: str) -> str:
    """A table's reference: the section and the standard's number ("Wokingham › Core Group
    Meetings, standard 12"), never a bare number that cannot be found in the document."""
    last = section.split(" › ")[-1] if section else ""
    return citation_label(authority, last, clause_ref, page)


def requirement_sentence(clause_text: str, start: int, end: int) -> str:
    """The sentence of ``clause_text`` holding the span ``start:end``, in plain text."""
    if not clause_text:
        return ""
    start = max(0, min(start, len(clause_text)))
    end = max(start, min(end, len(clause_text)))
    bounds = [0] + [m.end() for m in _SENTENCE_END.finditer(clause_text)] + [len(clause_text)]
    first = max(b for b in bounds if b <= start)
    last = min((b for b in bounds if b >= end and b > first), default=len(clause_text))
    return _plain(clause_text[first:last])


# --- building -------------------------------------------------------------------------------
def _build(
    conn: sqlite3.Connection,
    authorities: list[str],
    role: str,
    cohort: str | None,
    topic: str | None,
    names: Resolver,
    as_of: str | None = None,
) -> InductionPack:
    from extractors.store import load_obligations
    from service.changes import pack_basis, pack_sources

    canonical_role = names.role(role)
    canonical_topic = names.topic(topic) if topic else None
    canonical_cohort = names.cohort(cohort) if cohort else None
    clauses = _clauses(conn)
    titles = _document_titles(conn)

    owned: list[Obligation] = []
    by_authority: dict[str, list[Obligation]] = {}
    version_ids: dict[str, int] = {}
    for authority in authorities:
        if as_of:  # an older version's duties and clauses (service.changes)
            basis = pack_basis(conn, authority, as_of)
            all_obs, version_ids = basis.obligations, version_ids | basis.version_ids
            clauses.update(basis.clauses)
        else:
            all_obs = load_obligations(conn, authority=authority)
        by_authority[authority] = all_obs
        for ob in all_obs:
            if canonical_role not in roles_of_obligation(ob, clauses.get(ob.clause_id)):
                continue
            if canonical_topic and ob.topic != canonical_topic:
                continue
            if canonical_cohort and not _cohort_matches(ob.cohort, canonical_cohort):
                continue
            owned.append(ob)

    if not owned:
        _raise_empty(conn, authorities, canonical_role, canonical_topic, canonical_cohort)

    stage_order = {s: i for i, s in enumerate(journey_stages())}
    topic_order = {name: i for i, name in enumerate(_taxonomy().topics)}
    authority_order = {a: i for i, a in enumerate(authorities)}
    items = [_item(ob, clauses.get(ob.clause_id), titles) for ob in _dedupe(owned)]
    _add_national(items, {ob.id: ob for ob in owned}, clauses)
    items.sort(
        key=lambda it: (
            stage_order.get(it.stage, len(stage_order)),
            topic_order.get(it.topic or "", len(topic_order)),
            authority_order.get(it.authority, 0),
            it.document_id,
            it.clause_ordinal,
            it.obligation_id,
        )
    )
    groups: list[StageGroup] = []
    for it in items:
        if not groups or groups[-1].stage != it.stage:
            groups.append(StageGroup(stage=it.stage))
        groups[-1].items.append(it)

    conflicts = _conflicts(by_authority, owned, titles)
    cited = sorted({it.document_id for it in items})
    return InductionPack(
        role=canonical_role,
        authorities=authorities,
        cohort=canonical_cohort,
        topic=canonical_topic,
        stages=groups,
        glance=_glance(items),
        conflicts=conflicts,
        documents=[(d, titles.get(d, d)) for d in cited],
        sources=pack_sources(
            conn, cited, version_ids,
            keep=lambda ob, clause: canonical_role in roles_of_obligation(ob, clause)
            and (not canonical_topic or ob.topic == canonical_topic),
        ),
    )


def _item(ob: Obligation, clause: Clause | None, titles: dict[str, str]) -> PackItem:
    _, owner = ownership(ob, clause)
    c: Citation = ob.citation
    t = ob.timescale
    # The extractor's sentence (it knows abbreviations that do not end sentences); else our own.
    requirement = _plain(c.quote) or (requirement_sentence(clause.text, t.start, t.end) if clause else "")
    return PackItem(
        obligation_id=ob.id,
        authority=ob.authority,
        stage=stage_of_topic(ob.topic),
        topic=ob.topic,
        requirement=requirement,
        timescale=t.describe(),
        kind=t.kind,
        anchor=t.anchor,
        cohort=ob.cohort,
        actor=owner or None,
        modality=ob.modality,
        document_id=ob.document_id,
        document_title=titles.get(ob.document_id, ob.document_id),
        section=c.section,
        clause_ref=c.clause_ref,
        page=c.page,
        clause_id=ob.clause_id,
        clause_ordinal=clause.ordinal if clause else 0,
        quote=_plain(c.quote),
        label=ob.label,
        qualifiers=list(ob.qualifiers or []),
        phase=ob.phase,
        conditions=ob.conditions,
    )


def _add_national(items: list[PackItem], obligations: dict[str, Obligation], clauses: dict[str, Clause]) -> None:
    """Give each item the verified national figure for the same duty, if there is one."""
    from service.baseline import assess_obligation, load_national

    baseline = load_national()
    verified = [e for e in baseline.entries if e.verified and e.timescale is not None]
    for item in items:
        ob = obligations[item.obligation_id]
        compared, _ = assess_obligation(ob, verified, clauses.get(ob.clause_id), baseline)
        for v in compared:
            if any(n.entry_id == v.entry_id for n in item.national):
                continue
            conversion = v.comparison.conversion if v.comparison and v.comparison.approximate else None
            item.national.append(PackNational(entry_id=v.entry_id, description=v.national_figure,
                                              source=v.national_label, url=v.national_url, verdict=v.verdict,
                                              conversion=conversion))


def _dedupe(obligations: list[Obligation]) -> list[Obligation]:
    """One obligation per figure of a clause: the same figure read twice ("5 days before" and
    "at least 5 days before") is shown once, in its longest wording."""
    best: dict[tuple, Obligation] = {}
    for ob in obligations:
        t = ob.timescale
        key = (ob.clause_id, ob.topic, ob.cohort, t.kind, t.value, t.value_max, t.unit, t.anchor, t.anchor_relation)
        kept = best.get(key)
        if kept is None or len(t.phrase) > len(kept.timescale.phrase):
            best[key] = ob
    keep = {id(ob) for ob in best.values()}
    return [ob for ob in obligations if id(ob) in keep]


def _glance(items: list[PackItem]) -> list[GlanceRow]:
    """One row per duty (authority, action, cohort with qualifiers, phase, condition), its
    distinct figures joined, in pack order.

    A row is one duty, so a row's figures are that duty's: the core group meeting and the
    sign-off of its minutes are two rows, and the first year and later years are two rows.
    """
    rows: dict[tuple, GlanceRow] = {}
    for it in items:
        topic = it.duty
        cohort = it.cohort + (f" ({', '.join(it.qualifiers)})" if it.qualifiers else "") if it.cohort else None
        if it.phase:
            topic += f" ({it.phase})"
        if it.conditions:
            topic += f", {it.conditions}"
        key = (it.authority, topic, cohort)
        ref = short_reference(it.authority, it.clause_ref, it.page, it.section)
        row = rows.get(key)
        if row is None:
            row = rows[key] = GlanceRow(it.authority, it.stage, topic, cohort, it.timescale, ref)
        for n in it.national:
            shown = f"{n.description} ({n.source})"
            if shown not in row.national.split(GLANCE_JOIN):
                row.national = f"{row.national}{GLANCE_JOIN}{shown}" if row.national else shown
        if it.timescale not in row.timescale.split(GLANCE_JOIN):
            row.timescale += GLANCE_JOIN + it.timescale
        if ref not in row.reference.split(GLANCE_JOIN):
            row.reference += GLANCE_JOIN + ref
    return list(rows.values())


def _conflicts(
    by_authority: dict[str, list[Obligation]],
    owned: list[Obligation],
    titles: dict[str, str],
) -> list[PackConflict]:
    """Conflicts inside each authority's standards about a duty the role owns (the same duty:
    extractors.conflicts decides; a conflict about a neighbouring duty of the topic is not shown)."""
    from extractors.conflicts import duty_key, find_conflicts

    owned_duties = {duty_key(ob) for ob in owned}
    out: list[PackConflict] = []
    for _authority, obs in by_authority.items():
        found: list[Conflict] = find_conflicts(obs)
        for conflict in found:
            if not any(duty_key(o) in owned_duties for o in conflict.obligations):
                continue
            figures = [
                (
                    o.timescale.describe(),
                    citation_label(o.authority, o.citation.section, o.citation.clause_ref, o.citation.page),
                )
                for o in conflict.obligations
            ]
            out.append(
                PackConflict(
                    authority=conflict.authority,
                    topic=conflict.topic,
                    cohort=conflict.cohort,
                    anchor=conflict.anchor,
                    reason=conflict.reason,
                    figures=figures,
                )
            )
    return out


def _raise_empty(
    conn: sqlite3.Connection,
    authorities: list[str],
    role: str,
    topic: str | None,
    cohort: str | None,
) -> None:
    where = authorities[0] if len(authorities) == 1 else "any authority"
    scope = "".join([f" on '{topic}'" if topic else "", f" for '{cohort}'" if cohort else ""])
    owners = roles_with_obligations(conn, authorities[0] if len(authorities) == 1 else None)
    if owners:
        listing = f"Roles with obligations in {where}: {', '.join(owners)}."
    else:
        listing = f"No obligations are stored for {where}; ingest its documents first."
    raise UnknownRoleError(f"No obligations for role '{role}'{scope} in {where}. {listing}")


# --- store helpers --------------------------------------------------------------------------
def _store_authorities(conn: sqlite3.Connection) -> list[str]:
    from ingest.store import authorities

    return authorities(conn)


def store_resolver(conn: sqlite3.Connection) -> Resolver:
    """The one resolver over this store's authorities (with the corpus manifest's aliases)."""
    from ingest.settings import load_settings

    return Resolver.from_store(conn, load_settings().corpus_dir, _taxonomy())


def _document_titles(conn: sqlite3.Connection) -> dict[str, str]:
    return {r["id"]: r["title"] for r in conn.execute("SELECT id, title FROM documents")}


def _clauses(conn: sqlite3.Connection) -> dict[str, Clause]:
    from ingest.store import current_clauses

    return {c.id: c for c in current_clauses(conn)}


# --- taxonomy and data helpers --------------------------------------------------------------
def _taxonomy():
    from extractors.taxonomy import load_taxonomy

    return load_taxonomy()


@lru_cache(maxsize=1)
def _settings_data() -> dict:
    return yaml.safe_load(DATA_PATH.read_text(encoding="utf-8")) or {}


def _cohort_matches(ob_cohort: str | None, wanted: str) -> bool:
    """Duties for the wanted cohort, plus those for all children or with no stated cohort."""
    if not ob_cohort:
        return True
    canonical = _taxonomy().canonical_cohort(ob_cohort) or ob_cohort
    return canonical.casefold() in (wanted.casefold(), ALL_CHILDREN) or wanted.casefold() in ob_cohort.casefold()


# --- text helpers ---------------------------------------------------------------------------
def _plain(text: str) -> str:
    try:
        from ingest.normalise import plain_text
    except ImportError:  # the normaliser lands with the ingest helpers; fall back to the basics
        plain_text = None
    out = plain_text(text) if plain_text else _BOLD.sub("", text)
    return " ".join(out.split())


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
