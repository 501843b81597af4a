"""Version comparison benchmark: how well old clauses are lined up with new ones, and how fast.

Run:  .venv/bin/python benchmarks/changes_bench.py [--other ../shared/eval/other-authorities] [--json FILE]

Documents: the shipped corpus and (when given, read in place) the other-authorities excerpts,
each parsed by the real loader and structure recovery. For each document a revision is made
from its clauses with a seeded random generator and a known truth: some clauses get a figure
changed, a few words replaced (light rewording), about 40% of their words replaced (heavy
rewording), are removed, are moved elsewhere, and clauses from other documents are inserted.
Vectors come from the real embedding model (the same text the index embeds).

Reported:
1. "Impostors": for every clause, the best word similarity and cosine to any *other* clause of
   its document: what a wrong pairing would score (the thresholds must sit above these).
2. For a grid of thresholds, pair precision and recall over the clauses whose text changed
   (identical text always pairs), per edit kind; and how many removed clauses were wrongly
   paired with an inserted one.
3. Time to align each document with the chosen thresholds (shared 2-core machine: read as a
   ratio to the identical-text floor measured in the same run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np  # noqa: E402

from ingest.records import Clause, DocumentMeta  # noqa: E402

SEED = 16
EDIT_RATES = {"figure": 0.05, "light": 0.05, "heavy": 0.05, "remove": 0.04, "move": 0.03}
INSERT_RATE = 0.04
HEAVY_SHARE = 0.4
GRID_WORD = (0.4, 0.5, 0.6, 0.7)
GRID_COSINE = (0.75, 0.8, 0.85, 0.9, 1.01)  # 1.01: words only
GRID_FLOOR = (0.2, 0.3, 0.4)
_NUM = re.compile(r"\b\d+\b")


def _documents(other: Path | None) -> list[tuple[str, list[Clause]]]:
    from ingest.manifest import load_manifest
    from ingest.parse import parse_file
    from ingest.settings import load_settings

    settings = load_settings()
    out = []
    for path, meta in load_manifest(ROOT / "corpus"):
        out.append((path.name, parse_file(path, meta, settings).clauses))
    if other is not None:
        for manifest in sorted(other.glob("manifest-*.jsonl")):
            for line in manifest.read_text(encoding="utf-8").splitlines():
                entry = json.loads(line)
                path = other / "docs" / entry["file"]
                meta = DocumentMeta(authority=entry["authority"], title=entry["title"])
                try:
                    out.append((entry["file"], parse_file(path, meta, settings).clauses))
                except Exception as exc:  # an excerpt the loader refuses is skipped, and said so
                    print(f"skipped {entry['file']}: {exc}", file=sys.stderr)
    return [(name, clauses) for name, clauses in out if len(clauses) >= 3]


def _edit(clause: Clause, kind: str, rng: random.Random, vocab: list[str], k: int) -> Clause:
    words = clause.plain_text.split()
    if kind == "figure":
        nums = list(_NUM.finditer(clause.plain_text))
        if nums:
            m = rng.choice(nums)
            text = clause.plain_text[: m.start()] + str(int(m.group()) + 1) + clause.plain_text[m.end():]
            return dataclasses.replace(clause, id=f"new-{k}", plain_text=text, text=text)
        kind = "light"
    if kind == "light":
        for _ in range(min(2, max(1, len(words) // 10))):
            words[rng.randrange(len(words))] = rng.choice(vocab)
    elif kind == "heavy":
        for pos in rng.sample(range(len(words)), max(1, int(len(words) * HEAVY_SHARE))):
            words[pos] = rng.choice(vocab)
    text = " ".join(words)
    return dataclasses.replace(clause, id=f"new-{k}", plain_text=text, text=text)


def _revise(clauses: list[Clause], pool: list[Clause], rng: random.Random):
    """A revised clause list and the truth: old index -> (new index, edit kind); inserted new indexes."""
    vocab = [w for c in clauses for w in c.plain_text.split()] or ["word"]
    kept: list[tuple[int, Clause, str]] = []
    moved: list[tuple[int, Clause, str]] = []
    for i, c in enumerate(clauses):
        r = rng.random()
        kind, acc = "same", 0.0
        for name, rate in EDIT_RATES.items():
            acc += rate
            if r < acc:
                kind = name
                break
        if kind == "remove":
            continue
        new = c if kind in ("same", "move") else _edit(c, kind, rng, vocab, i)
        if new is c:
            new = dataclasses.replace(c, id=f"new-{i}")
        (moved if kind == "move" else kept).append((i, new, kind))
    for item in moved:
        kept.insert(rng.randrange(len(kept) + 1), item)
    out: list[Clause] = []
    truth: dict[int, tuple[int, str]] = {}
    inserted: set[int] = set()
    for i, new, kind in kept:
        if pool and rng.random() < INSERT_RATE:
            extra = rng.choice(pool)
            inserted.add(len(out))
            out.append(dataclasses.replace(extra, id=f"ins-{len(out)}"))
        truth[i] = (len(out), kind)
        out.append(new)
    return out, truth, inserted


def _embed(embedder, clauses: list[Clause]) -> dict[str, np.ndarray]:
    from index.embedder import clause_text_for

    if not clauses:
        return {}
    vecs = embedder.encode([clause_text_for(c) for c in clauses])
    return {c.id: v / (np.linalg.norm(v) or 1.0) for c, v in zip(clauses, vecs, strict=True)}


def main() -> None:
    from index.embedder import load_embedder
    from ingest.settings import load_settings
    from service.changes import Thresholds, align_clauses, word_similarity, words

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, default=ROOT.parent / "shared" / "eval" / "other-authorities")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    other = args.other if args.other and args.other.is_dir() else None

    docs = _documents(other)
    embedder = load_embedder(load_settings())
    rng = random.Random(SEED)
    print(f"{len(docs)} documents, {sum(len(c) for _, c in docs)} clauses")

    # 1. impostors
    from service.changes import Thresholds as Chosen

    best_word, best_cos, passes = [], [], 0
    vectors_by_doc = {}
    for name, clauses in docs:
        vecs = _embed(embedder, clauses)
        vectors_by_doc[name] = vecs
        ws = [words(c.plain_text) for c in clauses]
        mat = np.stack([vecs[c.id] for c in clauses])
        cos = mat @ mat.T
        np.fill_diagonal(cos, -1.0)
        for i, c in enumerate(clauses):
            if len(ws[i]) < 5:
                continue
            others = [(word_similarity(ws[i], ws[j]), float(cos[i, j]))
                      for j in range(len(clauses)) if j != i and ws[j] != ws[i]]
            best_word.append(max((w for w, _ in others), default=0.0))
            best_cos.append(float(cos[i].max()))
            limits = Chosen()
            passes += any(w >= limits.word or (c >= limits.cosine and w >= limits.floor) for w, c in others)
    q = lambda xs, p: float(np.percentile(xs, p))  # noqa: E731
    impostors = {
        "clauses": len(best_word),
        "word_p50": q(best_word, 50), "word_p95": q(best_word, 95), "word_p99": q(best_word, 99),
        "cosine_p50": q(best_cos, 50), "cosine_p95": q(best_cos, 95), "cosine_p99": q(best_cos, 99),
        # Share of clauses that some *other* clause of the same document would pass for with the
        # module's thresholds: the risk when a clause is removed and a similar one added.
        "share_with_a_passing_impostor": round(passes / max(1, len(best_word)), 3),
    }
    print("impostors (best score against another clause of the same document):")
    print(json.dumps(impostors, indent=2))

    # 2. revisions
    revisions = []
    for n, (name, clauses) in enumerate(docs):
        pool = [c for m, (_, cs) in enumerate(docs) if m != n for c in cs]
        new, truth, inserted = _revise(clauses, pool, rng)
        vecs = dict(vectors_by_doc[name])
        changed = [c for c in new if c.id.startswith(("new-", "ins-"))]
        vecs.update(_embed(embedder, changed))
        revisions.append((name, clauses, new, truth, inserted, vecs))

    grid = []
    for w in GRID_WORD:
        for cth in GRID_COSINE:
            for fl in GRID_FLOOR if cth <= 1 else (1.0,):
                limits = Thresholds(word=w, cosine=cth, floor=fl)
                stats = {"tp": 0, "fp": 0, "fn": 0, "false_pairs_removed_inserted": 0}
                per_kind: dict[str, list[int]] = {}
                for _, old, new, truth, inserted, vecs in revisions:
                    al = align_clauses(old, new, vecs, limits)
                    got = {i: j for i, j, _ in al.pairs}
                    for i, (j, kind) in truth.items():
                        if kind == "same" or kind == "move":
                            continue  # identical text: always paired, not what the thresholds decide
                        ok = got.get(i) == j
                        per_kind.setdefault(kind, [0, 0])
                        per_kind[kind][0] += ok
                        per_kind[kind][1] += 1
                        stats["tp" if ok else "fn"] += 1
                    for i, j in got.items():
                        if truth.get(i, (None,))[0] != j:
                            stats["fp"] += 1
                            if i not in truth and j in inserted:
                                stats["false_pairs_removed_inserted"] += 1
                p = stats["tp"] / max(1, stats["tp"] + stats["fp"])
                r = stats["tp"] / max(1, stats["tp"] + stats["fn"])
                f1 = 2 * p * r / max(1e-9, p + r)
                row = {"word": w, "cosine": cth if cth <= 1 else None, "floor": fl if cth <= 1 else None,
                       "precision": round(p, 3), "recall": round(r, 3), "f1": round(f1, 3), **stats,
                       "recall_by_kind": {k: round(a / b, 3) for k, (a, b) in sorted(per_kind.items())}}
                grid.append(row)
    grid.sort(key=lambda r: -r["f1"])
    print("threshold grid (best F1 first; pairs of clauses whose text changed):")
    for row in grid[:12]:
        print(json.dumps(row))

    # 3. speed with the module's thresholds, against the identical-text floor
    from service.changes import Thresholds as T

    timings, floors = [], []
    for _, old, new, _, _, vecs in revisions:
        t = time.perf_counter()
        align_clauses(old, new, vecs, T())
        timings.append(time.perf_counter() - t)
        same = [dataclasses.replace(c, id=f"same-{k}") for k, c in enumerate(old)]
        t = time.perf_counter()
        align_clauses(old, same, {}, T())
        floors.append(time.perf_counter() - t)
    speed = {"align_total_s": round(sum(timings), 3), "identical_floor_total_s": round(sum(floors), 3),
             "ratio_to_floor": round(sum(timings) / max(1e-9, sum(floors)), 1),
             "largest_document_s": round(max(timings), 3)}
    print("speed:", json.dumps(speed))
    chosen = next(r for r in grid if r["word"] == T().word and r["cosine"] == T().cosine and r["floor"] == T().floor)
    print("module thresholds:", json.dumps(chosen))
    if args.json:
        args.json.write_text(json.dumps({"impostors": impostors, "grid": grid, "speed": speed, "chosen": chosen},
                                        indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
