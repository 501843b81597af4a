"""Question-log benchmark: what redaction costs on questions that hold no personal data.

Run:  .venv/bin/python benchmarks/question_log_bench.py [--gold FILE ...] [--json FILE]

The gold questions (eval/qa-dev.jsonl and, read in place, the other-authorities sets) are
practitioners' questions with no personal data in them, so everything redaction takes out of
them is a false positive. Reported: how many questions redaction changed and which words it
took (as placeholders), and whether the topic ``standards gaps`` groups a question under is the
same before and after redaction (the authorities each question names count as held, as they
would be on a server holding their standards). Also the time per question of each step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["HF_HUB_OFFLINE"] = "1"

DEFAULT_GOLD = [ROOT / "eval" / "qa-dev.jsonl",
                ROOT.parent / "shared" / "eval" / "other-authorities" / "qa-a.jsonl",
                ROOT.parent / "shared" / "eval" / "other-authorities" / "qa-b.jsonl"]


def main() -> None:
    from extractors.taxonomy import load_taxonomy
    from ingest.manifest import authority_aliases
    from service.question_log import NO_TOPIC, question_topic
    from service.redaction import protected_words, redact

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, nargs="*", default=[p for p in DEFAULT_GOLD if p.exists()])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rows = [json.loads(line) for path in args.gold for line in path.read_text(encoding="utf-8").splitlines() if line]
    taxonomy = load_taxonomy()
    held = authority_aliases(ROOT / "corpus")
    for row in rows:
        for name in row.get("authorities") or []:
            held.setdefault(name, [])
    protected = protected_words(taxonomy, held)

    changed, same_topic, topic_before, removed = [], 0, 0, Counter()
    redact_s = topic_s = 0.0
    for row in rows:
        text = row["question"]
        t = time.perf_counter()
        out = redact(text, protected)
        redact_s += time.perf_counter() - t
        if out.text != text:
            changed.append({"question": text, "redacted": out.text})
            removed.update(out.removed)
        t = time.perf_counter()
        after = question_topic(taxonomy, out.text)
        topic_s += time.perf_counter() - t
        before = question_topic(taxonomy, text)
        topic_before += before != NO_TOPIC
        same_topic += before == after
    result = {
        "questions": len(rows),
        "changed_by_redaction": len(changed),
        "removed_kinds": dict(removed),
        "topic_recognised": topic_before,
        "topic_unchanged_by_redaction": same_topic,
        # shared 2-core machine: read the two as a ratio (redaction is the part on the request's time)
        "ms_per_question_redact": round(redact_s * 1000 / max(1, len(rows)), 2),
        "ms_per_question_topic": round(topic_s * 1000 / max(1, len(rows)), 2),
        "examples": changed[:15],
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
