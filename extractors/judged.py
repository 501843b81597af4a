"""Judged-sample evaluation: a random sample of extracted obligations for a blind reader.

The development labels measure how well extraction fits the wording it was written against;
a blind reader of a random sample measures how right it is on wording nobody wrote a rule
for. ``draw_sample`` parses the shipped corpus (its manifest) and the other authorities'
excerpts (their ``manifest-*.jsonl``) straight from the files, extracts obligations, and draws
``n`` of them at random (seeded) plus a sample of the conflicts the extractor reports.
``write_sample`` writes them as YAML with reading instructions and empty judgement slots;
``score_judged`` reads a filled-in file back and scores each field.

Nothing is stored: the sample is reproducible from the files, the seed and the code.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from extractors.records import Conflict, Obligation
from ingest.errors import BadRequestError
from ingest.records import Clause, DocumentMeta

Encode = Callable[[list[str]], np.ndarray]

# The fields a reader judges, in the order they are shown. The first five are the issue's
# table (timescale, topic, anchor, cohort, actor): "every field right" is computed over them so
# that a before/after comparison does not depend on fields the old extractor did not have.
CORE_FIELDS = ("timescale", "topic", "anchor", "cohort", "actor")
FRAME_FIELDS = ("action", "phase", "conditions")
FIELDS = CORE_FIELDS + FRAME_FIELDS
VERDICTS = ("right", "wrong", "n/a")
# How many conflicts a sample lists by default: enough to estimate the share that are real
# within about +-0.1 (binomial, 95%) when the extractor reports many.
DEFAULT_CONFLICTS = 40

INSTRUCTIONS = """\
You are reading obligations that a program extracted from English local authorities'
children's social care practice standards. Judge each one against its sentence and clause
only, using ../shared/DOMAIN.md and ../shared/TOPICS.md (the canonical topics). You do not
need to know how the program works; do not look at its code or rules.

For every item fill in `judgement` (leave nothing blank):
  is_duty:     yes | no  - does the sentence state a duty someone must carry out within or at
               this time (a deadline, a frequency, or "immediately")? No for a performance target
               ("80% within 1 month"), statute quoted as background, the document's own review
               date, an age, how long a programme lasts, an example or a description of the past.
               If no: leave the field verdicts as n/a (the item counts wrong for timescale and
               for "every field right").
  timescale:   right | wrong - the binding figure, unit and kind (deadline / frequency /
               immediate). In a hedge ("ideally weekly, but at least every two weeks") the binding
               figure is the firm one (every 2 weeks); "immediately or within 24 hours" binds at
               24 hours. "10 working days" is not "10 days".
  topic:       right | wrong - the canonical topic of what must be done (the action and its object,
               e.g. recording a conference outcome is a record/recording duty, not the conference).
               A blank topic is right only when no canonical topic in TOPICS.md fits.
  anchor:      right | wrong | n/a - the event the time runs from (or before): right when the
               extracted anchor names the same event the sentence states, with before/after right.
               n/a when the sentence states no anchor and none was extracted. Wrong when the
               sentence states one and it is missing, cut to a bare word ("meeting") that does not
               say which, or a different event.
  cohort:      right | wrong - the children (or carers) the duty is about, with the qualifiers that
               narrow it (under 1s, disability team, red-rated, placed with parents...). A blank
               cohort is right only when the duty applies to every child.
  actor:       right | wrong | n/a - who must do it (sentence subject, "by X", table role column,
               "I will" = the practitioner). n/a when neither the text nor its table/section says.
  action:      right | wrong | n/a - the verb and object, in the document's words ("sign off the core
               group minutes"). n/a when the old program shows none and the sentence has no verb.
  phase:       right | wrong | n/a - which occurrence, when the text distinguishes them (first,
               second, subsequent, first year vs later years). n/a when the text does not.
  conditions:  right | wrong | n/a - when the duty applies ("if complex", "in an emergency"). n/a when
               the text states no condition and none was extracted.
  note:        free text: what is wrong, what it should be.

For every conflict fill in `judgement.real`: yes when the two sentences state the SAME duty
(same action, same children with the same qualifiers, same phase/occurrence, same condition,
same anchor event and before/after) AND give materially different figures for it; no otherwise
(different duties, sub-groups, phases, RAG ratings, a visit against its recording, or figures
that are in fact the same time written differently). For an item of kind "equivalent" answer
yes when it is the same duty with the same time worded differently. Add a note.
"""


@dataclass
class SourceDoc:
    """One document to sample from: its file and what the manifest says about it."""

    path: Path
    meta: DocumentMeta
    group: str  # "corpus" or "other-authorities"


@dataclass
class SampleItem:
    """One obligation in a sample, with the context a reader needs."""

    obligation: Obligation
    clause: Clause
    group: str


@dataclass
class Sample:
    """What ``draw_sample`` returns: the items and conflicts, and where they were drawn from."""

    seed: int
    population: int
    items: list[SampleItem]
    conflicts: list[Conflict]
    conflict_population: int
    documents: int
    clauses_by_id: dict[str, Clause] = field(default_factory=dict)


def source_documents(corpus_dir: Path, other_dir: Path | None) -> list[SourceDoc]:
    """The shipped corpus (manifest.yaml) and the other authorities' excerpts (manifest-*.jsonl)."""
    from ingest.manifest import load_manifest

    docs = [SourceDoc(p, m, "corpus") for p, m in load_manifest(corpus_dir)]
    if other_dir is None:
        return docs
    manifests = sorted(Path(other_dir).glob("manifest-*.jsonl"))
    if not manifests:
        raise BadRequestError(f"{other_dir}: no manifest-*.jsonl here (expected the other-authorities folder "
                              "with docs/ and its manifests), or pass --no-other-authorities.")
    for manifest in manifests:
        for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                path = Path(other_dir) / "docs" / entry["file"]
                meta = DocumentMeta(authority=entry["authority"], title=entry.get("title") or entry["file"])
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise BadRequestError(f"{manifest}:{n}: not an entry with file and authority ({exc}).") from None
            docs.append(SourceDoc(path, meta, "other-authorities"))
    return docs


def extract_sources(docs: list[SourceDoc], encode: Encode | None = None
                    ) -> tuple[list[SampleItem], dict[str, Clause]]:
    """Parse and extract every document (nothing stored); one item per obligation."""
    import inspect

    from extractors.obligations import extract_obligations
    from ingest.parse import parse_file
    from ingest.settings import load_settings

    settings = load_settings()
    takes_encode = "encode" in inspect.signature(extract_obligations).parameters
    items: list[SampleItem] = []
    clauses: dict[str, Clause] = {}
    for doc in docs:
        parsed = parse_file(doc.path, doc.meta, settings)
        by_id = {c.id: c for c in parsed.clauses}
        clauses.update(by_id)
        obligations = (extract_obligations(parsed.clauses, parsed.source.text, encode=encode) if takes_encode
                       else extract_obligations(parsed.clauses, parsed.source.text))
        items.extend(SampleItem(o, by_id[o.clause_id], doc.group) for o in obligations)
    return items, clauses


def draw_sample(docs: list[SourceDoc], n: int, seed: int, n_conflicts: int = DEFAULT_CONFLICTS,
                encode: Encode | None = None) -> Sample:
    """``n`` obligations drawn uniformly at random (seeded) and up to ``n_conflicts`` conflicts."""
    from extractors.conflicts import find_conflicts

    if n < 1:
        raise BadRequestError("--n must be at least 1.")
    items, clauses = extract_sources(docs, encode)
    rng = random.Random(seed)
    chosen = rng.sample(items, min(n, len(items)))
    conflicts = find_conflicts([i.obligation for i in items], include_equivalent=True)
    picked = rng.sample(conflicts, min(n_conflicts, len(conflicts))) if n_conflicts > 0 else []
    picked.sort(key=lambda c: (c.authority, c.topic or "", c.obligations[0].citation.start))
    return Sample(seed=seed, population=len(items), items=chosen, conflicts=picked,
                  conflict_population=len(conflicts), documents=len(docs), clauses_by_id=clauses)


def citation_label(o: Obligation) -> str:
    """"Wokingham › Core Group Meetings, standard 12": authority, the section, the clause's number."""
    c = o.citation
    section = c.section.split(" › ")[-1] if c.section else ""
    where = f"{c.authority} › {section}" if section else c.authority
    if c.clause_ref:
        return f"{where}, standard {c.clause_ref}"
    if c.page:
        return f"{where}, page {c.page}"
    return where


def _timescale_text(o: Obligation) -> str:
    try:
        return o.timescale.describe()
    except (KeyError, ValueError, TypeError):  # an unusual unit: the phrase as written is still readable
        return o.timescale.phrase


def _sentence(o: Obligation) -> str:
    return o.citation.quote


def _fields(o: Obligation) -> dict:
    t = o.timescale
    return {
        "timescale": _timescale_text(o),
        "timescale_as_written": " ".join(t.phrase.split()),
        "hedge": t.hedge,
        "alternative": t.alternative,
        "topic": o.topic,
        "anchor": t.anchor,
        "anchor_as_written": t.anchor_text,
        "anchor_relation": t.anchor_relation,
        "cohort": o.cohort,
        "qualifiers": list(o.qualifiers or []),
        "actor": o.actor,
        # "no": the text names nobody; the actor shown is the usual role for the topic.
        "actor_stated": "no" if o.extra.get("actor_stated") is False else "yes",
        "action": o.action,
        "label": o.label,
        "phase": o.phase,
        "conditions": o.conditions,
    }


def _empty_judgement() -> dict:
    return {"is_duty": "", **{f: "" for f in FIELDS}, "note": ""}


def sample_to_dict(sample: Sample) -> dict:
    """The sample as the plain structure written to the file."""
    items = []
    for i, item in enumerate(sample.items, 1):
        o, c = item.obligation, item.clause
        items.append({
            "n": i,
            "id": o.id,
            "from": item.group,
            "citation": citation_label(o),
            "headings": list(c.heading_path),
            "table_row": c.cohort_context,
            "table_role": c.role_context,
            "sentence": " ".join(_sentence(o).split()),
            "clause": " ".join(c.plain_text.split()),
            "extracted": _fields(o),
            "judgement": _empty_judgement(),
        })
    conflicts = []
    for i, cf in enumerate(sample.conflicts, 1):
        conflicts.append({
            "n": i,
            "authority": cf.authority,
            "kind": cf.kind,
            "topic": cf.topic,
            "why_same_duty": cf.same_duty or cf.reason,
            "statements": [{"citation": citation_label(o), "sentence": " ".join(o.citation.quote.split()),
                            "timescale": _timescale_text(o), "action": o.action, "cohort": o.cohort,
                            "qualifiers": list(o.qualifiers or []), "phase": o.phase,
                            "conditions": o.conditions} for o in cf.obligations],
            "judgement": {"real": "", "note": ""},
        })
    return {
        "seed": sample.seed,
        "drawn_from": {"documents": sample.documents, "obligations": sample.population,
                       "conflicts": sample.conflict_population},
        "items": items,
        "conflicts": conflicts,
    }


def write_sample(sample: Sample, path: Path | None) -> str:
    """Write the sample as YAML (instructions first); returns the text (also when ``path`` is None)."""
    header = "".join(f"# {line}\n" if line else "#\n" for line in INSTRUCTIONS.splitlines())
    body = yaml.safe_dump(sample_to_dict(sample), sort_keys=False, allow_unicode=True, width=100)
    text = header + "\n" + body
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


# --- scoring a judged file -----------------------------------------------------------------

@dataclass
class FieldScore:
    """Right / judged for one field (n/a verdicts are not judged)."""

    right: int = 0
    judged: int = 0

    @property
    def share(self) -> float | None:
        return self.right / self.judged if self.judged else None


@dataclass
class JudgedReport:
    """Scores of a judged sample: per field, every field right, and the conflicts judged real."""

    items: int
    duties: int
    fields: dict[str, FieldScore]
    all_core_right: int
    all_fields_right: int
    conflicts: int
    conflicts_real: int
    equivalents: int
    equivalents_real: int
    unjudged: list[str]

    def as_dict(self) -> dict:
        """Plain figures (shares rounded to 3 places)."""
        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 3)

        return {
            "items": self.items, "duties": self.duties,
            "fields": {k: {"right": v.right, "judged": v.judged, "share": r(v.share)} for k, v in self.fields.items()},
            "every_field_right": r(self.all_core_right / self.items if self.items else None),
            "every_field_right_with_frame": r(self.all_fields_right / self.items if self.items else None),
            "conflicts": self.conflicts, "conflicts_real": self.conflicts_real,
            "conflicts_real_share": r(self.conflicts_real / self.conflicts if self.conflicts else None),
            "equivalents": self.equivalents, "equivalents_real": self.equivalents_real,
            "unjudged": self.unjudged,
        }

    def to_text(self) -> str:
        """The figures as a short table."""
        d = self.as_dict()
        lines = [f"judged obligations: {self.items} ({self.duties} judged duties)"]
        for name, f in d["fields"].items():
            share = "-" if f["share"] is None else f"{f['share']:.3f}"
            lines.append(f"  {name:<11} {share}  ({f['right']}/{f['judged']})")
        lines.append(f"  every field right ({', '.join(CORE_FIELDS)}): {d['every_field_right']}")
        lines.append(f"  every field right, with action/phase/conditions: {d['every_field_right_with_frame']}")
        if self.conflicts:
            lines.append(f"conflicts judged real: {self.conflicts_real}/{self.conflicts} = {d['conflicts_real_share']}")
        else:
            lines.append("conflicts judged real: none listed")
        if self.equivalents:
            lines.append(f"equivalents judged the same duty: {self.equivalents_real}/{self.equivalents}")
        if self.unjudged:
            lines.append(f"not judged (blank or unknown verdicts): {', '.join(self.unjudged[:20])}"
                         + (" ..." if len(self.unjudged) > 20 else ""))
        return "\n".join(lines)


def _verdict(value: object) -> str:
    """A reader's verdict in canonical form: right | wrong | n/a | '' (blank or unknown)."""
    v = str(value if value is not None else "").strip().lower()
    if v in ("right", "r", "yes", "y", "correct", "ok", "true"):
        return "right"
    if v in ("wrong", "w", "no", "n", "incorrect", "false"):
        return "wrong"
    if v in ("n/a", "na", "n.a.", "none", "not applicable", "-"):
        return "n/a"
    return ""


def score_judged(path: Path) -> JudgedReport:
    """Score a judged sample file (see INSTRUCTIONS). Raises BadRequestError for a malformed file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadRequestError(f"{path}: no such file.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"{path}: not a readable YAML sample file ({exc}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BadRequestError(f"{path}: expected a sample written by `standards eval sample` (with 'items').")
    fields = {f: FieldScore() for f in FIELDS}
    items = duties = all_core = all_fields = 0
    unjudged: list[str] = []
    for item in data["items"]:
        j = (item or {}).get("judgement") or {}
        label = f"item {item.get('n', '?')}"
        duty = _verdict(j.get("is_duty"))
        if duty == "":
            unjudged.append(f"{label} is_duty")
            continue
        items += 1
        if duty == "wrong":
            # Not a duty: the extracted timescale should not exist, so it is wrong, and so is the item.
            fields["timescale"].judged += 1
            continue
        duties += 1
        verdicts = {}
        for f in FIELDS:
            v = _verdict(j.get(f))
            if v == "":
                unjudged.append(f"{label} {f}")
                v = "n/a"
            verdicts[f] = v
            if v != "n/a":
                fields[f].judged += 1
                fields[f].right += v == "right"
        if all(verdicts[f] != "wrong" for f in CORE_FIELDS):
            all_core += 1
            if all(verdicts[f] != "wrong" for f in FRAME_FIELDS):
                all_fields += 1
    conflicts = real = equivalents = equivalents_real = 0
    for cf in data.get("conflicts") or []:
        j = (cf or {}).get("judgement") or {}
        v = _verdict(j.get("real"))
        if v in ("", "n/a"):
            unjudged.append(f"conflict {cf.get('n', '?')}")
            continue
        if cf.get("kind") == "equivalent":
            equivalents += 1
            equivalents_real += v == "right"
        else:
            conflicts += 1
            real += v == "right"
    return JudgedReport(items=items, duties=duties, fields=fields, all_core_right=all_core,
                        all_fields_right=all_fields, conflicts=conflicts, conflicts_real=real,
                        equivalents=equivalents, equivalents_real=equivalents_real, unjudged=unjudged)

