"""The query layer for everything but ``ask``: obligations, conflicts, topics, documents,
clauses, search, deadlines and the trainer exports' parameters (compare is in
``service/compare.py``).

Each function takes what a user typed, turns every name into a canonical one through the one
resolver (``source.resolver``: a misspelt authority is read as the closest held one and a note
says so; an unknown name is the specific ``Unknown*Error`` listing the known ones) and returns
a typed record from ``service/records.py``. HTTP routes return ``record.to_dict()``; CLI
commands print a rendering of the same record. Neither resolves or filters by itself.

``source`` is a ``ServiceState``: the server's, or for a CLI command ``open_source()`` (the same
state without the model warm-up; the model loads only if a search needs it).
"""

from __future__ import annotations

import json
from datetime import date

from extractors.records import Obligation
from ingest.errors import BadRequestError, NotFoundError
from ingest.records import Clause
from ingest.settings import Settings, load_settings
from service.records import (
    BaselineList,
    CitationView,
    ClauseView,
    ConflictList,
    ConflictView,
    DeadlineResult,
    DocumentList,
    DocumentSection,
    DocumentView,
    ExportRequest,
    ObligationList,
    ObligationView,
    SearchResult,
    SearchResults,
    TopicEntry,
    TopicList,
)
from service.state import ServiceState

MAX_QUERY_CHARS = 1000
SEARCH_MODES = ("hybrid", "bm25", "dense")
# What a trainer types for a pack covering every authority (the page's "all" option).
ALL_AUTHORITIES = frozenset({"all", "*", "all authorities", "all-authorities"})

class StoreSource(ServiceState):
    """The server's ``ServiceState`` for one CLI command: nothing is warmed up front (ask's
    topic caches fill on demand, the model loads when a search first needs it)."""

    def _warm_caches(self) -> None:
        """Nothing ahead of time: one command reads a few obligations, not all of them."""


def open_source(settings: Settings | None = None) -> ServiceState:
    """The store as the query layer reads it, for CLI commands (``StoreSource``)."""
    from extractors.taxonomy import load_taxonomy
    from index.search import Retriever
    from ingest.store import connect

    settings = settings or load_settings()
    conn = connect(settings.database)
    state = StoreSource(settings=settings, conn=conn, retriever=Retriever(conn, settings), taxonomy=load_taxonomy())
    state.refresh(force=True)
    return state


# --- names ---------------------------------------------------------------------------------
def resolve_authority(source: ServiceState, name: str | None, notes: list[str]) -> str | None:
    """The canonical authority for ``name`` (None when blank); a guessed name adds its note."""
    if name is None or not str(name).strip():
        return None
    found = source.resolver.authority(str(name))
    if found.note:
        notes.append(found.note)
    return found.name


def stored_authority(conn, settings: Settings, name: str, notes: list[str]) -> str:
    """The canonical authority for ``name`` in an open store, without loading the retriever
    (commands that only read versions and question logs); a guessed name adds its note."""
    from service.resolver import Resolver

    found = Resolver.from_store(conn, settings.corpus_dir).authority(name)
    if found.note:
        notes.append(found.note)
    return found.name


def resolve_authorities(source: ServiceState, names: list[str] | None, notes: list[str]) -> list[str]:
    """Canonical authorities for ``names`` (blank ones skipped, duplicates dropped), notes added."""
    out = []
    for found in source.resolver.authorities(names):
        if found.note:
            notes.append(found.note)
        out.append(found.name)
    return out


def _given(value: str | None) -> bool:
    return value is not None and bool(str(value).strip())


# --- obligations and conflicts ---------------------------------------------------------------
# Ownership is a pure function of these inputs (and the taxonomy, fixed for a process), so it is
# remembered: listing every obligation otherwise re-reads every actor and role column per request.
_OWNERS: dict[tuple, tuple[list[str], str | None]] = {}
OWNERS_CACHE_SIZE = 100_000  # obligations remembered; about 10 MB at the most


def obligation_view(source: ServiceState, ob: Obligation) -> ObligationView:
    """``ob`` with the roles that own it (the role filter's meaning) and how that is known."""
    from service.induction import ownership

    clause = source.clause(ob.clause_id)
    key = (ob.id, ob.actor, ob.citation.quote, clause.role_context if clause else None,
           tuple(clause.heading_path) if clause else None)
    found = _OWNERS.get(key)
    if found is None:
        owners, basis = ownership(ob, clause)
        found = (sorted(owners), basis)
        if len(_OWNERS) >= OWNERS_CACHE_SIZE:
            _OWNERS.clear()
        _OWNERS[key] = found
    return ObligationView(ob, owners=list(found[0]), owned_by=found[1])


def _filtered(source: ServiceState, authority: str | None, topic: str | None, cohort: str | None,
              role: str | None, notes: list[str]) -> tuple[list[ObligationView], dict[str, str | None]]:
    """Current obligations matching the filters, as views, and the filters as resolved."""
    where = resolve_authority(source, authority, notes)
    canonical_topic = source.resolver.topic(topic) if _given(topic) else None
    canonical_cohort = source.resolver.cohort(cohort) if _given(cohort) else None
    canonical_role = source.resolver.role(role) if _given(role) else None
    source.refresh()
    views = []
    for ob in source.obligations(where, canonical_topic):
        if canonical_cohort and ob.cohort != canonical_cohort:
            continue
        view = obligation_view(source, ob)
        if canonical_role and canonical_role not in view.owners:
            continue
        views.append(view)
    filters = {"authority": where, "topic": canonical_topic, "cohort": canonical_cohort, "role": canonical_role}
    return views, filters


def obligations(source: ServiceState, authority: str | None = None, topic: str | None = None,
                cohort: str | None = None, role: str | None = None) -> ObligationList:
    """Current obligations, filtered by authority, topic, cohort and the role that owns them
    (``ROLE_FILTER_MEANING``), in authority, document and reading order."""
    notes: list[str] = []
    views, filters = _filtered(source, authority, topic, cohort, role, notes)
    views.sort(key=lambda v: (v.obligation.authority, v.obligation.document_id, v.obligation.citation.start))
    texts = {}
    for v in views:
        clause = source.clause(v.obligation.clause_id)
        if clause is not None:
            texts[clause.id] = clause.text
    return ObligationList(views, filters, notes, texts)


def conflicts(source: ServiceState, authority: str | None = None, topic: str | None = None,
              include_equivalent: bool = False) -> ConflictList:
    """Places where one authority's standards give different timescales for the same duty
    (``include_equivalent``: also the same duty's time worded differently, kind "equivalent")."""
    from extractors.conflicts import find_conflicts

    notes: list[str] = []
    views, filters = _filtered(source, authority, topic, None, None, notes)
    by_id = {v.obligation.id: v for v in views}
    found = find_conflicts([v.obligation for v in views], include_equivalent=include_equivalent)
    out = [ConflictView(c, [by_id.get(o.id) or obligation_view(source, o) for o in c.obligations]) for c in found]
    return ConflictList(out, {"authority": filters["authority"], "topic": filters["topic"]}, notes)


# --- topics ------------------------------------------------------------------------------------
def topics(source: ServiceState) -> TopicList:
    """Canonical topics (journey order) with who has duties on them; the cohorts and roles known."""
    coverage: dict[str, set[str]] = {}
    for ob in source.obligations():
        if ob.topic:
            coverage.setdefault(ob.topic, set()).add(ob.authority)
    taxonomy = source.taxonomy
    entries = []
    for name in source.resolver.topic_names:
        item = taxonomy.topics[name]
        entries.append(TopicEntry(
            name=name,
            definition=getattr(item, "definition", None),
            synonyms=list(getattr(item, "synonyms", []) or []),
            abbreviations=list(getattr(item, "abbreviations", []) or []),
            stage=getattr(item, "stage", None) or getattr(item, "journey_stage", None),
            authorities=sorted(coverage.get(name, set())),
        ))
    return TopicList(entries, list(taxonomy.cohort_names()), list(taxonomy.role_names()))


# --- documents and clauses ------------------------------------------------------------------------
def documents(source: ServiceState) -> DocumentList:
    """The stored documents (current versions) with clause and obligation counts."""
    from ingest.store import list_documents

    with source.lock:
        return DocumentList(list_documents(source.conn))


def group_by_section(sections: list[DocumentSection], clauses: list[Clause]) -> list[DocumentSection]:
    """Attach each clause to the innermost section whose span holds the clause's start.

    Sections nest (a chapter's span holds its subsections), so the innermost is the one that
    starts last among those containing the clause. Clauses before the first heading go into a
    leading section with an empty heading path. Sections keep document order, empty ones too,
    so the outline shows every heading.
    """
    ordered = sorted(sections, key=lambda s: (s.start, s.ordinal))
    lead = DocumentSection(ordinal=-1, heading_path=[], start=0, end=0)
    for c in clauses:
        home = None
        for s in ordered:
            if s.start > c.start:
                break
            if c.start < s.end:
                home = s  # later starts are deeper: keep the last that holds the clause
        (home or lead).clauses.append(c)
    return ([lead] if lead.clauses else []) + ordered


def document_view(source: ServiceState, document_id: str) -> DocumentView:
    """One document's current version: its sections with their clauses, obligations and conflicts."""
    from extractors.conflicts import find_conflicts
    from ingest.store import get_document, version_clauses

    with source.lock:
        doc = get_document(source.conn, document_id)
        if doc is None:
            raise NotFoundError(f"No document with id {document_id!r}; see GET /api/documents for the ids.")
        clauses = version_clauses(source.conn, doc.version_id)
        rows = source.conn.execute(
            'SELECT ordinal, heading_path, start, "end" FROM sections WHERE version_id = ? ORDER BY ordinal',
            (doc.version_id,),
        ).fetchall()
    sections = [DocumentSection(r["ordinal"], json.loads(r["heading_path"]), r["start"], r["end"]) for r in rows]
    authority_obs = source.obligations(doc.authority)
    views = {ob.id: obligation_view(source, ob) for ob in authority_obs}
    clause_ids = {c.id for c in clauses}
    # Conflicts are found across all of the authority's documents; keep those touching this one.
    found = [cf for cf in find_conflicts(authority_obs) if any(o.clause_id in clause_ids for o in cf.obligations)]
    return DocumentView(
        document=doc,
        sections=group_by_section(sections, clauses),
        obligations=[views[ob.id] for ob in authority_obs if ob.document_id == doc.id],
        conflicts=[ConflictView(cf, [views.get(o.id) or obligation_view(source, o) for o in cf.obligations])
                   for cf in found],
    )


def clause_view(source: ServiceState, clause_id: str) -> ClauseView:
    """One clause (current or history) with its document, neighbours and obligations."""
    from ingest.store import get_document, row_to_clause

    source.refresh()
    clause = source.clause(clause_id)
    if clause is None:
        raise NotFoundError(
            f"No clause with id {clause_id!r}. Clause ids come with search results and answers "
            "(standards search, GET /api/search)."
        )
    with source.lock:
        doc = get_document(source.conn, clause.document_id)
        rows = source.conn.execute(
            "SELECT * FROM clauses WHERE version_id = ? AND ordinal IN (?, ?) ORDER BY ordinal",
            (clause.version_id, clause.ordinal - 1, clause.ordinal + 1),
        ).fetchall()
    neighbours = [row_to_clause(r) for r in rows]
    return ClauseView(
        clause=clause,
        document_title=doc.title if doc else None,
        is_current=doc is not None and doc.version_id == clause.version_id,
        previous=next((n for n in neighbours if n.ordinal < clause.ordinal), None),
        next=next((n for n in neighbours if n.ordinal > clause.ordinal), None),
        obligations=[obligation_view(source, o) for o in source.obligations(clause.authority)
                     if o.clause_id == clause.id],
    )


# --- search ---------------------------------------------------------------------------------------
def search(source: ServiceState, query: str, k: int = 10, authorities: list[str] | None = None,
           topic: str | None = None, cohort: str | None = None, document_ids: list[str] | None = None,
           mode: str = "hybrid") -> SearchResults:
    """The ``k`` best current clauses for ``query`` under the filters (names resolved first)."""
    from index.records import SearchFilters

    text = (query or "").strip()
    if not text or len(text) > MAX_QUERY_CHARS:
        raise BadRequestError(f"The query must be 1 to {MAX_QUERY_CHARS} characters long.")
    if mode not in SEARCH_MODES:
        raise BadRequestError(f"Unknown search mode {mode!r}; use one of {', '.join(SEARCH_MODES)}.")
    notes: list[str] = []
    filters = SearchFilters(
        authorities=resolve_authorities(source, authorities, notes),
        document_ids=[d for d in (document_ids or []) if d and d.strip()],
        topic=source.resolver.topic(topic) if _given(topic) else None,
        cohort=source.resolver.cohort(cohort) if _given(cohort) else None,
    )
    hits = source.search(text, k=k, filters=filters, mode=mode)
    if mode == "hybrid" and (note := source.retrieval_note()):  # dense index still building: BM25 ranked these
        notes.append(note)
    results = [SearchResult(i, h.clause, h.score, h.bm25_rank, h.dense_rank) for i, h in enumerate(hits, 1)]
    shown = {"authorities": filters.authorities, "document_ids": filters.document_ids, "topic": filters.topic,
             "cohort": filters.cohort}
    return SearchResults(text, mode, shown, results, notes)


# --- deadlines -------------------------------------------------------------------------------------
def deadline(source: ServiceState, start: str | date, obligation_id: str | None = None,
             authority: str | None = None, topic: str | None = None, cohort: str | None = None) -> DeadlineResult:
    """The due date for one obligation (by id, or an authority's standard on a topic) from ``start``.

    With authority + topic, a deadline is preferred over a frequency and the cohort narrows
    the choice (when the authority has a duty for it); the authority's other duties on the
    topic come back as alternatives.
    """
    from service.deadlines import compute_deadline, parse_iso_date

    day = start if isinstance(start, date) else parse_iso_date(start)
    if not _given(obligation_id) and not (_given(authority) and _given(topic)):
        raise BadRequestError("Give either 'obligation_id', or 'authority' and 'topic', together with 'from' (YYYY-MM-DD).")
    notes: list[str] = []
    source.refresh()
    alternatives: list[Obligation] = []
    if _given(obligation_id):
        found = [ob for ob in source.obligations() if ob.id == str(obligation_id).strip()]
        if not found:
            raise NotFoundError(f"No current obligation with id {obligation_id!r}; list the current obligations and their ids "
                                "with `standards obligations` or GET /api/obligations.")
        ob = found[0]
    else:
        where = resolve_authority(source, authority, notes)
        canonical_topic = source.resolver.topic(topic or "")
        wanted = source.resolver.cohort(cohort) if _given(cohort) else None
        pool = source.obligations(where, canonical_topic)
        if wanted:
            pool = [o for o in pool if o.cohort == wanted] or pool
        if not pool:
            raise NotFoundError(f"{where} has no standard with a timescale on {canonical_topic!r}.")
        pool.sort(key=lambda o: (o.timescale.kind == "frequency", o.citation.start))
        ob, alternatives = pool[0], pool[1:]
    clause = source.clause(ob.clause_id)
    return DeadlineResult(
        deadline=compute_deadline(ob.timescale, day),
        obligation=obligation_view(source, ob),
        citation=CitationView.from_clause(clause) if clause else None,
        alternatives=[obligation_view(source, o) for o in alternatives],
        notes=notes,
    )


# --- trainer exports ---------------------------------------------------------------------------------
def induction_request(source: ServiceState, role: str, authority: str | None, cohort: str | None = None,
                      topic: str | None = None, all_authorities: bool = False) -> ExportRequest:
    """An induction pack's parameters resolved: the role, one authority or all ('all'), topic, cohort."""
    notes: list[str] = []
    cross = all_authorities or (authority or "").strip().casefold() in ALL_AUTHORITIES
    if cross:
        where = source.authorities()
        if not where:
            from ingest.errors import UnknownAuthorityError

            raise UnknownAuthorityError("No documents are ingested yet. Run `standards ingest corpus/` first.")
    else:
        if not _given(authority):
            raise BadRequestError(
                f"Give an authority (one of: {', '.join(source.authorities())}), or 'all' for a cross-authority pack."
            )
        where = [resolve_authority(source, authority, notes) or ""]
    return ExportRequest(
        role=source.resolver.role(role),
        authorities=where,
        cross_authority=cross,
        cohort=source.resolver.cohort(cohort) if _given(cohort) else None,
        topic=source.resolver.topic(topic) if _given(topic) else None,
        notes=notes,
    )


def induction_pack(source: ServiceState, request: ExportRequest, as_of: str | None = None):  # -> InductionPack
    """The pack for a resolved request (``induction_request``); ``as_of`` builds it from an older
    version (label, #ordinal or date) and lists what has changed since."""
    from service.induction import build_cross_authority_pack, build_induction_pack

    with source.lock:
        if request.cross_authority:
            return build_cross_authority_pack(source.conn, request.role or "", topic=request.topic,
                                              cohort=request.cohort, resolver=source.resolver, as_of=as_of)
        return build_induction_pack(source.conn, request.authorities[0], request.role or "",
                                    cohort=request.cohort, topic=request.topic, resolver=source.resolver,
                                    as_of=as_of)


def quiz_request(source: ServiceState, authority: str, role: str | None = None) -> ExportRequest:
    """A quiz's parameters resolved: one authority and, optionally, the role whose duties it asks about."""
    notes: list[str] = []
    if not _given(authority):
        raise BadRequestError(f"Give an authority (one of: {', '.join(source.authorities())}).")
    where = resolve_authority(source, authority, notes) or ""
    return ExportRequest(role=source.resolver.role(role) if _given(role) else None, authorities=[where],
                         cross_authority=False, notes=notes)


def build_quiz(source: ServiceState, request: ExportRequest, n: int, seed: int):  # -> service.quiz.Quiz
    """The quiz for a resolved request (``quiz_request``)."""
    from service.quiz import build_quiz as build

    with source.lock:
        return build(source.conn, request.authorities[0], role=request.role, n=n, seed=seed,
                     resolver=source.resolver)


# --- national baseline -----------------------------------------------------------------------------
def baseline(source: ServiceState, authority: str | None = None, include_unverified: bool = False) -> BaselineList:
    """One authority's standards (every held authority's when none is given) against the national
    minimum (``service.baseline``)."""
    from service.baseline import baseline_for

    notes: list[str] = []
    if authority is not None:  # a blank one is a 422 saying so, not "every authority"
        found = source.resolver.authority(authority)
        notes += [found.note] if found.note else []
        names = [found.name]
    else:
        names = source.authorities()
        if not names:
            raise NotFoundError("No standards are held yet; ingest some first: standards ingest corpus/")
    return BaselineList([baseline_for(source, name, include_unverified=include_unverified) for name in names], notes)
