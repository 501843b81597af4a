"""Loaders on real files made here: DOCX (python-docx), PDF (fpdf2), HTML; dispatch and sniffing."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from ingest.errors import EmptyDocumentError, UnsupportedFormatError
from ingest.loaders import load_file, sniff
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.pdf import load_pdf

MB = 1024 * 1024


def _check_offsets(source) -> None:
    for block in source.blocks:
        assert source.text[block.start : block.end] == block.text
        for cell in block.cells:
            assert source.text[cell.start : cell.end] == cell.text


def test_docx_paragraphs_and_tables_in_document_order(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("Core Standards", 1)
    d.add_paragraph("Before the table.")
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Children in Need"  # a cohort row spanning the table
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Visits"  # vertically merged label
    table.cell(1, 1).text = "Seen every 4 weeks."
    table.cell(1, 2).text = "Social Worker"
    table.cell(2, 1).text = "Seen alone."
    table.cell(2, 2).text = "Team Manager"
    d.add_heading("Reviews", 2)
    d.add_paragraph("After the table.")
    path = tmp_path / "doc.docx"
    d.save(path)

    source = load_docx(path)
    _check_offsets(source)
    kinds = [(b.kind, b.level, b.text) for b in source.blocks]
    assert kinds[0] == ("heading", 1, "Core Standards")
    assert kinds[1] == ("paragraph", None, "Before the table.")
    rows = [b for b in source.blocks if b.kind == "row"]
    assert [[c.text for c in r.cells] for r in rows] == [
        ["Children in Need"],  # merged across: once
        ["Visits", "Seen every 4 weeks.", "Social Worker"],
        ["", "Seen alone.", "Team Manager"],  # merged down: not repeated, columns kept
    ]
    assert kinds[-2] == ("heading", 2, "Reviews")
    assert kinds[-1] == ("paragraph", None, "After the table.")
    assert source.source_format == "docx"


_BODY = [
    "Children are visited within five working days of the strategy meeting.",
    "Plans are reviewed at every core group and recorded on the file.",
    "Supervision takes place monthly and the record is signed by both people.",
    "Assessments are completed within forty-five working days of referral.",
    "Managers record their oversight and the reasons for each decision.",
    "Young people are invited to their reviews and helped to take part.",
]


def _pdf_with_furniture(path: Path, pages: int = 4) -> None:
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_xy(10, 8)
        pdf.cell(0, 5, "Testshire Council - Practice Standards (Draft)")
        pdf.set_xy(10, 30)
        pdf.multi_cell(0, 6, f"{n}. {_BODY[n % len(_BODY)]}\n{_BODY[(n + 2) % len(_BODY)]}")
        pdf.set_xy(10, 280)
        pdf.cell(0, 5, f"Page {n} of {pages}")
    pdf.output(str(path))


def test_pdf_pages_and_furniture(tmp_path: Path) -> None:
    path = tmp_path / "p.pdf"
    _pdf_with_furniture(path)
    source = load_pdf(path)
    _check_offsets(source)
    assert "Testshire Council - Practice Standards" not in source.text
    assert "Page 1 of 4" not in source.text
    assert [p for _, _, p in source.pages] == [1, 2, 3, 4]
    for n in range(1, 5):
        at = source.text.index(f"{n}. {_BODY[n % len(_BODY)]}")
        assert source.page_at(at) == n
        block = next(b for b in source.blocks if b.text.startswith(f"{n}. "))
        assert block.page == n


def test_html_strips_scripts_and_keeps_blocks() -> None:
    source = load_html(
        b"<!doctype html><html><head><title>T</title><script>var x = '<p>not text</p>';</script>"
        b"<style>p { color: red }</style></head><body><h2>Core Group &amp; Reviews</h2>"
        b"<p>The first <b>core group</b> is held within 10&nbsp;working days.</p>"
        b"<ul><li>Item one</li></ul><table><tr><td>Children in Need</td><td>Visit monthly</td>"
        b"<td>Social Worker</td></tr></table><noscript>enable js</noscript></body></html>"
    )
    _check_offsets(source)
    assert "not text" not in source.text and "color" not in source.text and "enable js" not in source.text
    assert ("heading", 2, "Core Group & Reviews") in [(b.kind, b.level, b.text) for b in source.blocks]
    assert "The first core group is held within 10\xa0working days." in source.text or (
        "The first core group is held within 10 working days." in source.text
    )
    assert "• Item one" in source.text
    row = next(b for b in source.blocks if b.kind == "row")
    assert [c.text for c in row.cells] == ["Children in Need", "Visit monthly", "Social Worker"]


def test_html_page_chrome_is_dropped_but_the_documents_own_header_kept() -> None:
    """A saved web page: site navigation, its banner and footer are not the standards; an
    article's own header is. Landmark roles mark the same regions on div-built pages."""
    source = load_html(
        b"<body><header><img alt='Council logo'><nav><ul><li><a>Home</a></li><li><a>Procedures</a></li>"
        b"</ul></nav></header><div role='navigation'><p>Site map</p></div>"
        b"<main><article><header><h1>Placement Visits</h1></header>"
        b"<ul><li>The child is visited within one week of the placement.</li></ul></article></main>"
        b"<footer><p>Copyright 2026 Council</p></footer></body>"
    )
    _check_offsets(source)
    assert [(b.kind, b.text) for b in source.blocks] == [
        ("heading", "Placement Visits"),
        ("paragraph", "• The child is visited within one week of the placement."),
    ]


def test_a_page_of_navigation_only_says_so() -> None:
    with pytest.raises(EmptyDocumentError, match="only its site navigation"):
        load_html(b"<body><nav><ul><li><a>Home</a></li><li><a>Procedures</a></li></ul></nav></body>")
    with pytest.raises(EmptyDocumentError, match="only its site navigation"):
        load_html(b"<body><header><a>Council home</a></header></body>")


def test_html_chrome_left_open_by_broken_markup_loses_nothing() -> None:
    """A navigation element that is never closed may hold the document itself: keep it all."""
    source = load_html(b"<body><nav><a>Home</a><h2>Reviews</h2><p>Reviews are held every six months.</p></body>")
    assert "Reviews are held every six months." in source.text and "Home" in source.text


def test_dispatch_trusts_content(tmp_path: Path) -> None:
    pdf_named_txt = tmp_path / "report.txt"
    _pdf_with_furniture(pdf_named_txt)
    assert load_file(pdf_named_txt, 50 * MB).source_format == "pdf"

    d = docx.Document()
    d.add_paragraph("1. A standard in a docx named .txt.")
    docx_named_txt = tmp_path / "notes.txt"
    d.save(docx_named_txt)
    assert load_file(docx_named_txt, 50 * MB).source_format == "docx"

    html = tmp_path / "page.htm"
    html.write_bytes(b"<html><body><p>1. Visit within 5 days.</p></body></html>")
    assert load_file(html, 50 * MB).source_format == "html"


def test_unsupported_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04whatever")
    with pytest.raises(UnsupportedFormatError) as err:
        load_file(path, 50 * MB)
    assert ".xlsx" in err.value.message and ".docx" in err.value.message and ".pdf" in err.value.message


def test_sniff() -> None:
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"PK\x03\x04rest") == "zip"
    assert sniff(b"\x00\x01\x02binary") == "binary"
    assert sniff("Plain text, caf\u00e9".encode("cp1252")) == "text"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html><html>") == "html"
