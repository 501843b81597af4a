"""Ingest throughput (pages/s, clauses/s) for the shipped corpus as TXT, DOCX and PDF, and peak memory.

    .venv/bin/python benchmarks/ingest_bench.py [--repeat N]

DOCX and PDF versions of each corpus document are generated in a temporary folder from the
text loader's view of it (``source_to_docx`` / ``source_to_pdf``, also used by the format
equivalence tests): headings become heading styles, tab-separated rows real tables, every
other line a paragraph. Each format is ingested into its own fresh store through the same
``service.pipeline.ingest_paths`` the CLI uses. Pages: PDF pages as printed; for TXT and DOCX
the same document's PDF page count, so the three rates are comparable.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.records import SourceText  # noqa: E402

_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _lines(source: SourceText) -> list[tuple[str, object]]:
    """Each line of the text with the block starting there (or None for blank/unblocked lines)."""
    by_start = {b.start: b for b in source.blocks}
    out, offset = [], 0
    for line in source.text.split("\n"):
        out.append((line, by_start.get(offset)))
        offset += len(line) + 1
    if out and out[-1][0] == "":
        out.pop()
    return out


def source_to_docx(source: SourceText, path: Path) -> None:
    """Write a .docx holding the same lines: heading styles, one real table per row, paragraphs."""
    import docx

    document = docx.Document()
    for line, block in _lines(source):
        clean = _XML_BAD.sub("", line)
        kind = getattr(block, "kind", None)
        if kind == "heading":
            document.add_heading(clean, min(max(block.level or 1, 1), 9))
        elif kind == "row" and block.cells:
            cells = [_XML_BAD.sub("", c.text) for c in block.cells]
            table = document.add_table(rows=1, cols=len(cells))
            for cell, text in zip(table.rows[0].cells, cells, strict=True):
                cell.text = text
        else:
            document.add_paragraph(clean)
    document.save(str(path))


def source_to_pdf(source: SourceText, path: Path) -> int:
    """Write an A4 PDF of the same lines (rows as real tables); return its page count."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(FONT.with_name("DejaVuSans-Bold.ttf")))
    pdf.add_page()
    for raw, block in _lines(source):
        line = raw.replace("\t", "    ")  # a tab that is not a table row is spacing on paper
        kind = getattr(block, "kind", None)
        if kind == "row" and block.cells:
            pdf.set_font("DejaVu", size=9)
            cells = [c.text.replace("\t", " ") for c in block.cells]
            width = pdf.epw / len(cells)
            tallest = max(len(pdf.multi_cell(width - 2, 5, t or " ", dry_run=True, output="LINES")) for t in cells)
            if tallest * 5 > pdf.eph - 10:
                # A row taller than a page cannot be a table row in fpdf2: set its cells as paragraphs.
                for text in cells:
                    if text.strip():
                        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
                continue
            with pdf.table(col_widths=[width] * len(cells), first_row_as_headings=False,
                           borders_layout="NONE", line_height=5) as table:
                row = table.row()
                for text in cells:
                    row.cell(text)
        elif kind == "heading":
            pdf.set_font("DejaVu", "B", size=13)
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        elif line.strip():
            pdf.set_font("DejaVu", size=10)
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(3)
    pdf.output(str(path))
    return pdf.page_no()


def _run(files: list[Path], settings, label: str, pages: int) -> dict:
    """Ingest ``files`` into a fresh store: load, structure, extract, store and FTS, per file.

    The FAISS step (embedding) is timed separately: it is the retrieval stage's cost, and it
    would otherwise hide the ingest rate. Peak memory is a second, traced pass (tracemalloc
    slows Python several-fold, so it is not on the timed pass).
    """
    import dataclasses

    from ingest import store
    from service.pipeline import ingest_one, plan_paths

    def ingest(data_dir: Path) -> tuple[float, list]:
        run_settings = dataclasses.replace(settings, data_dir=data_dir, database_url="")  # scratch SQLite
        conn = store.connect(run_settings.db_path)
        t0 = time.perf_counter()
        outcomes = [ingest_one(conn, item, run_settings, sync_index=False)
                    for item in plan_paths(files, run_settings)]
        elapsed = time.perf_counter() - t0
        conn.close()
        return elapsed, outcomes

    elapsed, outcomes = ingest(settings.data_dir / "timed")
    tracemalloc.start()
    ingest(settings.data_dir / "traced")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    failed = [o for o in outcomes if o.failed]
    clauses = sum(o.clause_count for o in outcomes)
    return {"format": label, "files": len(files), "failed": len(failed), "pages": pages, "clauses": clauses,
            "seconds": elapsed, "pages_s": pages / elapsed, "clauses_s": clauses / elapsed,
            "peak_mb": peak / 1048576, "errors": [o.error for o in failed]}


def _embedding_run(settings) -> tuple[int, float]:
    """Time the FAISS step (model load + embedding + index write) over the timed TXT store."""
    import dataclasses

    from index.dense import sync_dense
    from ingest import store

    run_settings = dataclasses.replace(settings, data_dir=settings.data_dir / "timed", database_url="")
    conn = store.connect(run_settings.db_path)
    t0 = time.perf_counter()
    dense = sync_dense(conn, run_settings)
    elapsed = time.perf_counter() - t0
    conn.close()
    return len(dense), elapsed


def main() -> None:
    """Generate the corpus in three formats, ingest each into a fresh store, print a table."""
    import os
    import resource
    import shutil

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()

    from dataclasses import replace

    from ingest.loaders import load_file
    from ingest.manifest import load_manifest
    from ingest.settings import load_settings

    entries = load_manifest(args.corpus)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        base = load_settings()
        total_pages = 0
        folders = {fmt: tmp_path / fmt for fmt in ("txt", "docx", "pdf")}
        for folder in folders.values():
            folder.mkdir()
        manifest = (args.corpus / "manifest.yaml").read_text(encoding="utf-8")
        for path, _meta in entries:
            source = load_file(path, base.max_file_bytes)
            shutil.copy(path, folders["txt"] / path.name)
            source_to_docx(source, folders["docx"] / (path.stem + ".docx"))
            total_pages += source_to_pdf(source, folders["pdf"] / (path.stem + ".pdf"))
        for fmt, folder in folders.items():
            (folder / "manifest.yaml").write_text(
                manifest if fmt == "txt" else manifest.replace(".txt", f".{fmt}"), encoding="utf-8"
            )
            settings = replace(base, data_dir=tmp_path / f"data-{fmt}", corpus_dir=folder)
            files = sorted(p for p in folder.iterdir() if p.suffix == f".{fmt}")
            results.append(_run(files, settings, fmt, total_pages))
            if fmt == "txt":
                embedded = _embedding_run(settings)
    print(f"corpus: {len(entries)} documents, {total_pages} A4 pages as PDF; cpu count {os.cpu_count()}")
    print(f"{'format':<7}{'files':>6}{'failed':>7}{'pages':>7}{'clauses':>9}{'seconds':>9}{'pages/s':>9}"
          f"{'clauses/s':>11}{'peak MB':>9}")
    for r in results:
        print(f"{r['format']:<7}{r['files']:>6}{r['failed']:>7}{r['pages']:>7}{r['clauses']:>9}{r['seconds']:>9.2f}"
              f"{r['pages_s']:>9.1f}{r['clauses_s']:>11.0f}{r['peak_mb']:>9.1f}")
        for error in r["errors"]:
            print(f"    failed: {error}")
    print(f"FAISS step (model load + embedding {embedded[0]} clauses + index write): {embedded[1]:.1f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("ingest = load + structure + obligation extraction + SQLite/FTS writes; peak MB: traced Python heap")
    print(f"whole process max RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
