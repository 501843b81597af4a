"""Calibrate the similarity thresholds (``extractors.similarity``) on the development labels.

For every gold obligation the extractor matches, the duty's core words (who or what, verb,
object: the text extraction embeds) are ranked against the taxonomy's topic definitions, and
the anchor as written against the canonical anchors. A threshold keeps a similarity decision
when the best score reaches it; the best threshold maximises right minus wrong decisions (a
wrong topic costs as much as a right one gains; below the threshold the topic is left None).

Run with ``standards eval calibrate`` (it passes the embedding model's encoder).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.evaluate import read_gold, score
from extractors.similarity import SENTENCE_TOPIC_MARGIN, TOPIC_SIMILARITY_THRESHOLD, Encode, rank
from extractors.taxonomy import load_taxonomy

# Thresholds tried, in steps of 0.05 over the range where MiniLM cosine scores of short phrases fall.
CANDIDATES = [round(0.2 + 0.05 * i, 2) for i in range(11)]


@dataclass
class Sweep:
    """Right and wrong decisions per threshold, and the best threshold."""

    name: str
    rows: list[tuple[float, int, int]]  # (threshold, right, wrong)
    total: int

    @property
    def best(self) -> float:
        # Ties go to the higher (more cautious) threshold.
        return max(self.rows, key=lambda r: (r[1] - r[2], r[0]))[0]

    def to_text(self) -> str:
        lines = [f"{self.name}: {self.total} gold items; threshold, right, wrong (best = {self.best})"]
        lines += [f"  {t:.2f}  {r:3d}  {w:3d}" for t, r, w in self.rows]
        return "\n".join(lines)


def _sweep(name: str, scored: list[tuple[float, bool]]) -> Sweep:
    rows = []
    for t in CANDIDATES:
        kept = [ok for s, ok in scored if s >= t]
        rows.append((t, sum(kept), len(kept) - sum(kept)))
    return Sweep(name, rows, len(scored))


def calibrate(corpus_dir: Path, gold_path: Path, encode: Encode) -> tuple[Sweep, Sweep, Sweep]:
    """(topic sweep, anchor sweep, sentence sweep) on the gold obligations of ``corpus_dir``'s documents.

    The sentence sweep scores the second chance extraction gives a duty whose core words reach
    no topic at ``TOPIC_SIMILARITY_THRESHOLD``: the whole sentence's best topic, kept when it
    beats the runner-up by ``SENTENCE_TOPIC_MARGIN``; each row counts both decisions together."""
    from extractors.obligations import extract_obligations
    from ingest.manifest import load_manifest
    from ingest.parse import parse_file
    from ingest.settings import load_settings

    tax = load_taxonomy()
    gold = read_gold(gold_path)
    wanted = {Path(g.doc).stem for g in gold}
    settings = load_settings()
    texts, predictions = {}, {}
    for path, meta in load_manifest(corpus_dir):
        if path.stem not in wanted:  # gold names files; document ids also carry the authority
            continue
        parsed = parse_file(path, meta, settings)
        texts[path.stem] = parsed.source.text
        predictions[path.stem] = extract_obligations(parsed.clauses, parsed.source.text)
    pairs = [p for p in score(gold, predictions, texts).pairs if p.predicted is not None]
    topic_pairs = [p for p in pairs if p.predicted.extra.get("core_query") and p.gold.topic]
    ranked = rank("topics", [p.predicted.extra["core_query"] for p in topic_pairs], tax, encode)
    topics = [(best[0][1], best[0][0] == p.gold.topic) for p, best in zip(topic_pairs, ranked, strict=True)]
    whole = rank("topics", [" ".join(p.predicted.citation.quote.split()) for p in topic_pairs], tax, encode)
    sentence = []
    for p, core, best in zip(topic_pairs, ranked, whole, strict=True):
        if core[0][1] >= TOPIC_SIMILARITY_THRESHOLD:
            sentence.append((1.0, core[0][0] == p.gold.topic))  # the core words decide at any threshold
        elif best[0][1] - best[1][1] >= SENTENCE_TOPIC_MARGIN:
            sentence.append((best[0][1], best[0][0] == p.gold.topic))
    anchor_pairs = [p for p in pairs if p.predicted.timescale.anchor_text and p.gold.anchor in tax.anchors]
    ranked = rank("anchors", [p.predicted.timescale.anchor_text for p in anchor_pairs], tax, encode)
    anchors = [(best[0][1], best[0][0] == p.gold.anchor) for p, best in zip(anchor_pairs, ranked, strict=True)]
    return (_sweep("topic similarity", topics), _sweep("anchor similarity", anchors),
            _sweep("topic similarity of the whole sentence, behind the core words", sentence))
