"""Induction packs show the national figure beside each local one for the same duty, labelled
national with its source, in DOCX, Markdown and CSV (the shipped corpus, the real store and API)."""

from __future__ import annotations

import csv
import io

import docx
import pytest

from service.baseline import load_national
from service.exports import GLANCE_HEADER, induction_csv, induction_docx, induction_markdown
from service.induction import GLANCE_JOIN, build_induction_pack
from service.records import NATIONAL_LABEL

pytestmark = pytest.mark.slow
BASELINE = load_national()


@pytest.fixture(scope="module")
def dudley(corpus_conn):
    return build_induction_pack(corpus_conn, "Dudley", "Social Worker")


def test_items_carry_the_verified_national_figure_for_their_duty(dudley) -> None:
    with_national = [it for it in dudley.items if it.national]
    assert with_national, "Dudley's social worker duties include statutory visits"
    for item in with_national:
        for n in item.national:
            entry = BASELINE.get(n.entry_id)
            assert entry.verified and entry.topic == item.topic
            assert n.source == entry.label and n.source.startswith("national: ")
            assert n.description == entry.description and n.verdict in ("stricter", "same", "looser")
            assert n.line.startswith(f"{NATIONAL_LABEL}: {entry.description} [{entry.label}]")
            # The local figure is the authority's own; the national one is never put in its place.
            assert item.timescale != n.line and n.description not in item.requirement
    # A duty on a topic national law leaves local (supervision) or with no verified figure gets none.
    for item in dudley.items:
        verified = [e for e in BASELINE.entries if e.topic == item.topic and e.verified and e.timescale]
        if not verified:
            assert item.national == []
    first_visit = [it for it in dudley.items if any(n.entry_id == "child-in-care-visit-first" for n in it.national)]
    assert first_visit and all(n.verdict == "same" for it in first_visit for n in it.national)


def test_every_format_shows_the_national_figure_labelled_national(dudley) -> None:
    lines = [n.line for it in dudley.items for n in it.national]
    md = induction_markdown(dudley)
    assert md.count(f"  - {NATIONAL_LABEL}: ") == len(lines)
    document = docx.Document(io.BytesIO(induction_docx(dudley)))
    paragraphs = [p.text for p in document.paragraphs]
    assert [p for p in paragraphs if p.startswith(f"{NATIONAL_LABEL}: ")] == lines
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header == GLANCE_HEADER and header[-1] == NATIONAL_LABEL
    national_cells = [row.cells[-1].text for row in document.tables[0].rows[1:]]
    assert any("(national: Care Planning Regulations 2010, reg 28(2)(a))" in c for c in national_cells)
    rows = [r for r in csv.DictReader(io.StringIO(induction_csv(dudley))) if r["record"] == "item"]
    assert len(rows) == len(dudley.items)
    for row, item in zip(rows, dudley.items, strict=True):
        assert row["national_figure"] == GLANCE_JOIN.join(n.description for n in item.national)
        assert row["national_source"] == GLANCE_JOIN.join(n.source for n in item.national)
        assert all(s.startswith("national: ") for s in row["national_source"].split(GLANCE_JOIN) if s)


def test_api_induction_csv_has_the_national_columns(client) -> None:
    response = client.get("/api/export/induction", params={"role": "Social Worker", "authority": "Dudley", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    sources = [r["national_source"] for r in rows if r["record"] == "item" and r["national_source"]]
    assert "national: Care Planning Regulations 2010, reg 28(2)(a)" in sources
