"""Retrieval quality on both store engines in one run: SQLite (FTS5) beside PostgreSQL (tsvector).

Ingests the shipped corpus with the real pipeline into a fresh SQLite file and into a fresh
PostgreSQL schema, then runs the retrieval evaluation (``standards eval retrieval``: Recall@1/5/10
and MRR of BM25, dense and hybrid) on each, and prints them side by side with the targets one
engine's BM25 finds in its top 5 and the other's does not. Dense search is the same FAISS code
over the same vectors on both, so it is the control: its figures must agree.

    .venv/bin/python benchmarks/engines_eval.py [--gold eval/qa-dev.jsonl] [--database-url URL]

Without ``--database-url`` (or ``STANDARDS_TEST_DATABASE_URL``) a throwaway PostgreSQL cluster
is started with scripts/test_postgres.sh and stopped at the end. Results: printed, and written to
benchmarks/results/engines_eval.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from instances_bench import fresh_schema_url, postgres_url  # noqa: E402

from index.evaluate import KS, RetrievalReport, evaluate_retrieval  # noqa: E402
from ingest.settings import load_settings  # noqa: E402
from ingest.store import connect  # noqa: E402
from service.pipeline import ingest_paths  # noqa: E402

TOP = 5  # the rank the per-target comparison is made at (Recall@5, the project's headline figure)


def build_and_evaluate(name: str, settings, gold: Path) -> RetrievalReport:
    """Ingest the shipped corpus into ``settings``' store and evaluate retrieval on it."""
    print(f"{name}: ingesting the shipped corpus ...", file=sys.stderr)
    conn = connect(settings.database)
    try:
        failed = [o for o in ingest_paths(conn, [ROOT / "corpus"], settings) if o.status == "failed"]
        if failed:
            raise SystemExit(f"{name}: ingest failed: {failed}")
        print(f"{name}: evaluating {gold.name} ...", file=sys.stderr)
        return evaluate_retrieval(conn, settings, gold)
    finally:
        conn.close()


def found(report: RetrievalReport, mode: str) -> set[tuple[str, str]]:
    """(question id, authority) of the targets ``mode`` finds within the first ``TOP``."""
    return {(r.target.question_id, r.target.authority) for r in report.results
            if r.rank.get(mode) is not None and r.rank[mode] <= TOP}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "qa-dev.jsonl")
    parser.add_argument("--database-url", default=os.environ.get("STANDARDS_TEST_DATABASE_URL"),
                        help="a PostgreSQL server to use (an empty schema is made in it)")
    args = parser.parse_args()
    base = dataclasses.replace(load_settings(), corpus_dir=ROOT / "corpus")
    with tempfile.TemporaryDirectory(prefix="engines-eval-") as tmp, postgres_url(args.database_url) as server:
        sqlite = dataclasses.replace(base, data_dir=Path(tmp) / "sqlite", database_url="")
        pg = dataclasses.replace(base, data_dir=Path(tmp) / "pg", database_url=fresh_schema_url(server))
        reports = {"sqlite (FTS5)": build_and_evaluate("sqlite", sqlite, args.gold),
                   "postgresql (tsvector)": build_and_evaluate("postgresql", pg, args.gold)}

    (lite_name, lite), (pg_name, pgr) = reports.items()
    print(f"\nRetrieval on {args.gold.relative_to(ROOT) if args.gold.is_relative_to(ROOT) else args.gold}, "
          f"the shipped corpus ingested into each engine in this run")
    head = f"{'mode':<8}{'engine':<24}" + "".join(f"{'R@' + str(k):>7}" for k in KS) + f"{'MRR':>7}"
    print(head)
    print("-" * len(head))
    for mode in lite.metrics:
        for name, report in reports.items():
            m = report.metrics[mode]
            print(f"{mode:<8}{name:<24}" + "".join(f"{m.recall[k]:>7.3f}" for k in KS) + f"{m.mrr:>7.3f}")
    print(f"{len(lite.results)} targets from {lite.questions} questions "
          f"({lite.skipped_unanswerable} unanswerable not scored)")
    diff: dict[str, dict[str, list]] = {}
    for mode in lite.metrics:
        only_lite, only_pg = found(lite, mode) - found(pgr, mode), found(pgr, mode) - found(lite, mode)
        diff[mode] = {"only_sqlite": sorted(only_lite), "only_postgresql": sorted(only_pg)}
        print(f"{mode}: in the top {TOP} on SQLite only: {len(only_lite)}; on PostgreSQL only: {len(only_pg)}"
              + (f" ({', '.join(f'{q}/{a}' for q, a in sorted(only_lite | only_pg))})" if only_lite | only_pg else ""))
    out = ROOT / "benchmarks" / "results" / "engines_eval.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"gold": str(args.gold), "results": {n: r.to_dict()["metrics"] for n, r in reports.items()},
                               "top": TOP, "differences": diff}, indent=2))


if __name__ == "__main__":
    main()
