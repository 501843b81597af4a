"""Score extracted obligations against a gold set (eval/SCHEMA.md, obligations-*.jsonl).

Matching: a gold line is located in its document (``doc`` is the source file name; documents
are keyed by its stem) by its quote after whitespace folding. Predicted obligations of that
document whose timescale phrase lies in the quote are its candidates. A candidate with the
same kind + value + unit is a true positive; if none has, the gold line is a miss and the
nearest candidate (if any) is a wrong prediction (a false positive).

The gold set is a sample of the obligations in the documents, so predictions are judged only
where the gold labels something:
- ``precision`` = TP / (TP + wrong): predictions paired with a gold line;
- ``strict precision`` also counts as false positives the extra predictions inside labelled
  quotes (they may be obligations labelled in the held-back half, or real errors — listed);
- predictions outside any labelled quote are counted but not judged.
Anchor, topic, actor and cohort accuracy are measured on true-positive pairs.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from extractors.records import Obligation
from extractors.taxonomy import Taxonomy, load_taxonomy
from ingest.errors import BadRequestError, NotFoundError


@dataclass
class GoldItem:
    """One gold obligation line."""

    id: str
    doc: str
    authority: str
    quote: str
    topic: str | None
    actor: str | None
    cohort: str | None
    kind: str
    value: float | None
    unit: str | None
    anchor: str | None
    modality: str | None


@dataclass
class Pair:
    """A gold line and the prediction matched to it (None = missed)."""

    gold: GoldItem
    predicted: Obligation | None
    timescale_ok: bool
    anchor_ok: bool = False
    topic_ok: bool = False
    actor_ok: bool = False
    cohort_ok: bool = False


@dataclass
class ExtractionReport:
    """Precision/recall/F1 of timescales and field accuracies on matched pairs."""

    gold_count: int
    tp: int
    wrong: int
    extras: int
    unjudged: int
    missed_quotes: list[str]
    pairs: list[Pair]
    extra_predictions: list[Obligation] = field(default_factory=list)
    clauses: int = 0
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.wrong) if self.tp + self.wrong else 0.0

    @property
    def strict_precision(self) -> float:
        denom = self.tp + self.wrong + self.extras
        return self.tp / denom if denom else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold_count if self.gold_count else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def accuracy(self, name: str) -> float:
        matched = [p for p in self.pairs if p.timescale_ok]
        return sum(getattr(p, f"{name}_ok") for p in matched) / len(matched) if matched else 0.0

    @property
    def clauses_per_second(self) -> float:
        return self.clauses / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "gold": self.gold_count, "true_positives": self.tp, "wrong": self.wrong, "extras": self.extras,
            "unjudged": self.unjudged, "precision": round(self.precision, 3),
            "strict_precision": round(self.strict_precision, 3), "recall": round(self.recall, 3),
            "f1": round(self.f1, 3), "anchor_accuracy": round(self.accuracy("anchor"), 3),
            "topic_accuracy": round(self.accuracy("topic"), 3), "actor_accuracy": round(self.accuracy("actor"), 3),
            "cohort_accuracy": round(self.accuracy("cohort"), 3), "clauses": self.clauses,
            "clauses_per_second": round(self.clauses_per_second, 1),
            "quotes_not_found": self.missed_quotes,
        }

    def to_text(self, show_details: bool = True) -> str:
        """The report as people read it, with misses and false positives listed."""
        lines = [
            f"Gold obligations: {self.gold_count}   matched timescales (TP): {self.tp}   "
            f"wrong: {self.wrong}   extra in labelled quotes: {self.extras}   outside labels (not judged): "
            f"{self.unjudged}",
            f"Timescale precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}"
            f"   (strict precision, extras as FP: {self.strict_precision:.3f})",
            f"On matched pairs: anchor {self.accuracy('anchor'):.3f}  topic {self.accuracy('topic'):.3f}  "
            f"actor {self.accuracy('actor'):.3f}  cohort {self.accuracy('cohort'):.3f}",
        ]
        if self.seconds:
            lines.append(f"Extraction speed: {self.clauses} clauses in {self.seconds:.2f}s "
                         f"= {self.clauses_per_second:.0f} clauses/s")
        if self.missed_quotes:
            lines.append(f"Gold quotes not found in their document: {', '.join(self.missed_quotes)}")
        if not show_details:
            return "\n".join(lines)
        misses = [p for p in self.pairs if not p.timescale_ok]
        if misses:
            lines.append("\nMisses (gold not extracted with the right timescale):")
            for p in misses:
                g = p.gold
                got = _fmt(p.predicted) if p.predicted else "nothing"
                lines.append(f"  {g.id} [{g.kind} {_num(g.value)} {g.unit}] {g.quote[:110]!r}\n      got: {got}")
        wrong_fields = [p for p in self.pairs if p.timescale_ok and not (p.topic_ok and p.anchor_ok and p.actor_ok)]
        if wrong_fields:
            lines.append("\nMatched, with a field wrong:")
            for p in wrong_fields:
                g, o = p.gold, p.predicted
                bits = []
                if not p.topic_ok:
                    bits.append(f"topic {o.topic!r} (gold {g.topic!r})")
                if not p.anchor_ok:
                    bits.append(f"anchor {o.timescale.anchor!r} (gold {g.anchor!r})")
                if not p.actor_ok:
                    bits.append(f"actor {o.actor!r} (gold {g.actor!r})")
                lines.append(f"  {g.id}: " + "; ".join(bits))
        if self.extra_predictions:
            lines.append("\nExtra predictions inside labelled quotes (false positives under strict precision):")
            for o in self.extra_predictions:
                lines.append(f"  {o.document_id} {_fmt(o)}  in {o.citation.quote[:90]!r}")
        return "\n".join(lines)


def _num(v: float | None) -> str:
    return "-" if v is None else (str(int(v)) if float(v).is_integer() else str(v))


def _fmt(o: Obligation) -> str:
    t = o.timescale
    return f"[{t.kind} {_num(t.value)} {t.unit}] {t.phrase!r} topic={o.topic!r} anchor={t.anchor!r}"


def read_gold(path: Path) -> list[GoldItem]:
    """Read a gold obligations file; raises NotFoundError / BadRequestError with the line number."""
    if not path.is_file():
        raise NotFoundError(f"Gold file not found: {path}. Pass --gold with an obligations-*.jsonl file.")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise BadRequestError(f"{path} is not UTF-8 text; a gold file is JSON Lines (see eval/SCHEMA.md).") from None
    except OSError as exc:
        raise BadRequestError(f"Cannot read the gold file {path}: {exc.strerror or exc}.") from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            t = d["timescale"]
            out.append(GoldItem(d["id"], d["doc"], d.get("authority", ""), d["quote"], d.get("topic"),
                                d.get("actor"), d.get("cohort"), t["kind"], t.get("value"), t.get("unit"),
                                t.get("anchor"), d.get("modality")))
        except (ValueError, KeyError, TypeError) as exc:
            raise BadRequestError(f"{path}:{n}: not a gold obligation line ({exc}); see eval/SCHEMA.md.") from None
    if not out:  # scoring nothing would print a meaningless 0/0
        raise BadRequestError(f"{path} holds no gold obligations: it needs one JSON object per line (see eval/SCHEMA.md).")
    return out


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Whitespace-folded text and, for each folded character, its offset in ``text``."""
    chars: list[str] = []
    index: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space:
                chars.append(" ")
                index.append(i)
            in_space = True
        else:
            chars.append(ch)
            index.append(i)
            in_space = False
    return "".join(chars), index


def _loose(s: str) -> str:
    return s.replace("*", "").replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace(
        "\u201d", '"')


def locate_quote(doc_text: str, quote: str, folded: tuple[str, list[int]] | None = None) -> tuple[int, int] | None:
    """Span of ``quote`` in ``doc_text`` after whitespace folding (bold markers tolerated)."""
    text, index = folded or _fold_with_map(doc_text)
    q = re.sub(r"\s+", " ", quote).strip()
    pos = text.find(q)
    if pos < 0:
        # Same-length loose comparison cannot drop characters, so compare with markup removed.
        keep = [i for i, ch in enumerate(text) if ch != "*"]
        stripped = "".join(_loose(text[i]) for i in keep)
        lq = re.sub(r"\s+", " ", _loose(q)).strip()
        p2 = stripped.find(lq)
        if p2 < 0:
            return None
        return index[keep[p2]], index[keep[p2 + len(lq) - 1]] + 1
    return index[pos], index[pos + len(q) - 1] + 1


def _anchor_ok(tax: Taxonomy, gold: str | None, o: Obligation) -> bool:
    pred = o.timescale.anchor
    if not gold:
        return not pred
    if not pred:
        return False
    gold_before = "(before)" in gold
    if gold_before != (o.timescale.anchor_relation == "before"):
        return False
    g = gold.replace("(before)", "").strip()
    g_can = tax.canonical_anchor(g) or g.lower()
    p_can = tax.canonical_anchor(pred) or pred.lower()
    if g_can == p_can:
        return True
    gw, pw = set(re.findall(r"\w+", g.lower())), set(re.findall(r"\w+", pred.lower()))
    return bool(gw and pw) and len(gw & pw) / len(gw | pw) >= 0.5


def _actor_ok(tax: Taxonomy, gold: str | None, predicted: str | None) -> bool:
    if not gold:
        return predicted is None
    if not predicted:
        return False
    if predicted in tax.roles_in(gold) or predicted.lower() == gold.lower():
        return True
    # An actor naming several roles ("Social Worker and Team Manager", a role column's "ATM/TM"):
    # right when every role it names is one of the gold's (as a single role is, above); a gold
    # naming one role of a column (labelled when the first role stood for all) is matched by
    # that first role.
    named, wanted = tax.roles_in(predicted), tax.roles_in(gold)
    return len(named) > 1 and (set(named) <= set(wanted) or (len(wanted) == 1 and named[0] == wanted[0]))


def _cohort_ok(tax: Taxonomy, gold: str | None, predicted: str | None) -> bool:
    if not gold:
        return predicted is None
    return predicted is not None and predicted in {m.canonical for m in tax.find("cohorts", gold)}


def score(gold: list[GoldItem], predictions: dict[str, list[Obligation]], texts: dict[str, str]) -> ExtractionReport:
    """Match ``predictions`` (keyed by source file stem) to ``gold`` given each document's text."""
    tax = load_taxonomy()
    pairs: list[Pair] = []
    missed_quotes: list[str] = []
    used: set[str] = set()
    in_labelled: dict[str, Obligation] = {}
    folded_cache: dict[str, tuple[str, list[int]]] = {}
    by_span: dict[tuple[str, int, int], list[GoldItem]] = {}
    for g in gold:
        doc_id = Path(g.doc).stem
        text = texts.get(doc_id)
        span = None
        if text is not None:
            if doc_id not in folded_cache:
                folded_cache[doc_id] = _fold_with_map(text)
            folded = folded_cache[doc_id]
            span = locate_quote(text, g.quote, folded)
        if span is None:
            missed_quotes.append(g.id)
            pairs.append(Pair(g, None, False))
            continue
        by_span.setdefault((doc_id, *span), []).append(g)

    for (doc_id, qs, qe), items in by_span.items():
        cands = [o for o in predictions.get(doc_id, [])
                 if o.citation.start < qe and qs < o.citation.end and o.extra.get("span_verified", True)]
        for o in cands:
            in_labelled[o.id] = o
        for g in items:
            hit = next((o for o in cands if o.id not in used and o.timescale.kind == g.kind
                        and _same_value(o.timescale.value, g.value) and o.timescale.unit == g.unit), None)
            if hit is None:
                pairs.append(Pair(g, None, False))
                continue
            used.add(hit.id)
            pairs.append(Pair(g, hit, True, anchor_ok=_anchor_ok(tax, g.anchor, hit), topic_ok=hit.topic == g.topic,
                              actor_ok=_actor_ok(tax, g.actor, hit.actor),
                              cohort_ok=_cohort_ok(tax, g.cohort, hit.cohort)))
        # A labelled quote whose label was not found: the nearest unused candidate is wrong.
        for i, p in enumerate(pairs):
            if p.predicted is None and not p.timescale_ok and p.gold in items:
                spare = next((o for o in cands if o.id not in used), None)
                if spare is not None:
                    used.add(spare.id)
                    pairs[i] = Pair(p.gold, spare, False)
    tp = sum(p.timescale_ok for p in pairs)
    wrong = sum(1 for p in pairs if p.predicted is not None and not p.timescale_ok)
    extras = [o for oid, o in in_labelled.items() if oid not in used]
    total = sum(len(v) for v in predictions.values())
    pairs.sort(key=lambda p: p.gold.id)
    return ExtractionReport(len(gold), tp, wrong, len(extras), total - len(in_labelled), missed_quotes, pairs,
                            extras)


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


def _warm_up() -> None:
    """Load the taxonomy, grammar and spaCy once so the speed figure measures extraction only."""
    from extractors.frame import parse
    from extractors.obligations import split_sentences
    from extractors.timescale import find_timescales

    load_taxonomy()
    parse("The parser is loaded once, before the clock starts.")
    split_sentences("A warm-up sentence. Another one.")
    find_timescales("within 10 working days")


def evaluate_extraction(conn: sqlite3.Connection, gold_path: Path, encode=None) -> ExtractionReport:
    """Score the current obligations in the store against ``gold_path``.

    Extraction is re-run on the stored clauses (timed, for the speed figure) so the score
    reflects the code and taxonomy as they are now, not when the documents were ingested.
    """
    from extractors.obligations import extract_obligations
    from ingest.store import current_clauses

    gold = read_gold(gold_path)
    texts: dict[str, str] = {}
    # Gold lines name their document by file name; document ids also carry the authority
    # ("wokingham--004_f6e1..."), so documents are keyed by their source file's stem here.
    stem_of: dict[str, str] = {}
    for row in conn.execute(
        "SELECT d.id, d.source_name, v.text FROM documents d JOIN document_versions v ON v.id = d.current_version_id"
    ):
        stem_of[row[0]] = Path(row[1]).stem
        texts[stem_of[row[0]]] = row[2]
    if not texts:
        raise NotFoundError("The store holds no documents. Run `standards ingest corpus/` first, "
                            "or pass --corpus to parse a folder directly.")
    clauses_by_doc: dict[str, list] = {}
    for c in current_clauses(conn):
        clauses_by_doc.setdefault(stem_of.get(c.document_id, c.document_id), []).append(c)
    predictions: dict[str, list[Obligation]] = {}
    _warm_up()
    n = 0
    t0 = time.perf_counter()
    for doc_id, clauses in clauses_by_doc.items():
        predictions[doc_id] = extract_obligations(clauses, texts.get(doc_id, ""), encode=encode)
        n += len(clauses)
    seconds = time.perf_counter() - t0
    report = score(gold, predictions, texts)
    report.clauses, report.seconds = n, seconds
    return report


def evaluate_extraction_corpus(corpus_dir: Path, gold_path: Path, encode=None) -> ExtractionReport:
    """Parse the documents of ``corpus_dir`` (manifest.yaml) and score extraction on them."""
    from extractors.obligations import extract_obligations
    from ingest.manifest import load_manifest
    from ingest.parse import parse_file
    from ingest.settings import load_settings

    gold = read_gold(gold_path)
    wanted = {Path(g.doc).stem for g in gold}
    settings = load_settings()
    texts: dict[str, str] = {}
    predictions: dict[str, list[Obligation]] = {}
    n, seconds = 0, 0.0
    _warm_up()
    for path, meta in load_manifest(corpus_dir):
        if path.stem not in wanted:  # gold names files; ids also carry the authority
            continue
        parsed = parse_file(path, meta, settings)
        texts[path.stem] = parsed.source.text
        t0 = time.perf_counter()
        predictions[path.stem] = extract_obligations(parsed.clauses, parsed.source.text, encode=encode)
        seconds += time.perf_counter() - t0
        n += len(parsed.clauses)
    report = score(gold, predictions, texts)
    report.clauses, report.seconds = n, seconds
    return report
