"""Induction packs built from the shipped corpus, ingested by the real pipeline, read back as files."""

from __future__ import annotations

import csv
import io
import re

import docx
import pytest
from click.testing import CliRunner

from extractors.taxonomy import load_taxonomy
from ingest.errors import UnknownAuthorityError, UnknownRoleError, UnknownTopicError
from ingest.store import get_clause
from service.exports import GLANCE_HEADER, induction_csv, induction_docx, induction_markdown, stage_title
from service.induction import (
    GLANCE_JOIN,
    build_cross_authority_pack,
    build_induction_pack,
    journey_stages,
    known_roles,
    roles_of_obligation,
    roles_with_obligations,
)

AUTHORITY = "Sandwell"
ROLE = "Social Worker"


@pytest.fixture(scope="module")
def pack(corpus_conn):
    return build_induction_pack(corpus_conn, AUTHORITY, ROLE)


@pytest.fixture(scope="module")
def pack_docx(pack):
    return docx.Document(io.BytesIO(induction_docx(pack)))


def _docx_items(document) -> list[tuple[str, str]]:
    """(timescale, source) per item: a bulleted paragraph whose bold run is the timescale, then a Source line."""
    out: list[tuple[str, str]] = []
    paragraphs = document.paragraphs
    in_conflicts = False
    for i, para in enumerate(paragraphs):
        if para.style.name == "Heading 1":
            in_conflicts = para.text == "Conflicts in the standards"
        if in_conflicts or para.style.name != "List Bullet":
            continue
        bold = "".join(r.text for r in para.runs if r.bold)
        source = paragraphs[i + 2].text
        out.append((bold, source))
    return out


def _norm(words: str) -> str:
    return words[:1].lower() + words[1:]


def test_docx_has_title_and_journey_headings(pack, pack_docx):
    assert pack.items, "the Sandwell social worker pack has items"
    paragraphs = pack_docx.paragraphs
    assert paragraphs[0].style.name == "Title"
    assert ROLE in paragraphs[0].text and AUTHORITY in paragraphs[0].text
    level1 = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert level1[0] == "Timescales at a glance"
    assert level1[-1] == "Conflicts in the standards"
    stages = level1[1:-1]
    assert stages == [stage_title(g.stage) for g in pack.stages]
    # Stages follow the child's journey, each once.
    order = [stage_title(s) for s in journey_stages()]
    positions = [order.index(s) for s in stages]
    assert positions == sorted(positions) and len(set(stages)) == len(stages)


def test_docx_glance_table_rows(pack, pack_docx):
    assert len(pack_docx.tables) == 1
    table = pack_docx.tables[0]
    assert [c.text for c in table.rows[0].cells] == GLANCE_HEADER
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(body) == len(pack.glance) > 0
    item_timescales = {it.timescale for it in pack.items}
    shown = set()
    for row, glance in zip(body, pack.glance, strict=True):
        assert row[3] == glance.timescale and row[4] == glance.reference
        figures = row[3].split(GLANCE_JOIN)
        assert set(figures) <= item_timescales and len(set(figures)) == len(figures)
        assert all(ref.startswith(AUTHORITY) for ref in row[4].split(GLANCE_JOIN))
        shown.update(figures)
    # Every distinct figure of the pack is on the at-a-glance page, one row per duty and cohort.
    assert shown == item_timescales
    assert len({(r[1], r[2]) for r in body}) == len(body)


def test_docx_every_item_has_a_citation(corpus_conn, pack, pack_docx):
    items = _docx_items(pack_docx)
    assert len(items) == len(pack.items)
    for (bold, source), item in zip(items, pack.items, strict=True):
        assert _norm(bold) == item.timescale
        assert source.startswith("Source: ") and item.document_title in source
        # The shared citation label: the section with the standard's number (never a bare "Sandwell 5").
        assert item.clause_ref and f"standard {item.clause_ref}" in source, "Sandwell numbers every statement"
        assert item.citation in source and item.citation.startswith(f"{item.authority} › ")
        clause = get_clause(corpus_conn, item.clause_id)
        assert clause is not None and clause.clause_ref == item.clause_ref
        assert clause.section == item.section and item.section in source


def test_items_are_owned_by_the_role_and_quote_their_clause(corpus_conn, pack):
    from extractors.store import load_obligations

    by_id = {o.id: o for o in load_obligations(corpus_conn, authority=AUTHORITY)}
    for item in pack.items:
        ob = by_id[item.obligation_id]
        assert ROLE in roles_of_obligation(ob, get_clause(corpus_conn, ob.clause_id))
        clause = get_clause(corpus_conn, item.clause_id)
        assert ob.timescale.phrase in clause.text
        # The requirement shown is the clause's own sentence, not a paraphrase.
        words = re.findall(r"[a-z0-9]+", item.requirement.lower())
        clause_words = " ".join(re.findall(r"[a-z0-9]+", clause.plain_text.lower()))
        assert " ".join(words[:6]) in clause_words


def test_markdown_and_csv_agree_with_docx(pack, pack_docx):
    from_docx = [(_norm(bold), source.removeprefix("Source: ")) for bold, source in _docx_items(pack_docx)]

    rows = list(csv.DictReader(io.StringIO(induction_csv(pack))))
    from_csv = [(r["timescale"], r["source"]) for r in rows if r["record"] == "item"]
    assert from_csv == from_docx
    assert all(r["role"] == ROLE and r["authority"] == AUTHORITY for r in rows)
    assert len([r for r in rows if r["record"] == "conflict"]) == len(pack.conflicts)

    md = induction_markdown(pack)
    md_items = re.findall(r"^- \*\*(.+?)\*\* — .*\n  .*\n  \*Source: (.+)\*$", md, flags=re.M)
    unescape = lambda s: re.sub(r"\\(.)", r"\1", s)  # noqa: E731
    assert [(_norm(unescape(t)), unescape(s)) for t, s in md_items] == from_docx
    headings = re.findall(r"^## (.+)$", md, flags=re.M)
    assert headings == ["Timescales at a glance", *[stage_title(g.stage) for g in pack.stages],
                        "Conflicts in the standards"]
    table_rows = [line for line in md.splitlines() if line.startswith("| ")]
    assert len(table_rows) == 1 + len(pack.glance)


def test_conflicts_are_inside_the_authority_with_sources(pack, pack_docx):
    for conflict in pack.conflicts:
        assert conflict.authority == AUTHORITY
        assert len(conflict.figures) >= 2
        assert all(source for _, source in conflict.figures)
    paragraphs = pack_docx.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == "Conflicts in the standards")
    level2 = [p for p in paragraphs[start:] if p.style.name == "Heading 2"]
    assert len(level2) == len(pack.conflicts)


def test_role_synonym_gives_the_same_pack(corpus_conn, pack):
    again = build_induction_pack(corpus_conn, "sandwell", "SW")
    assert again.role == ROLE and again.authorities == [AUTHORITY]
    assert [i.obligation_id for i in again.items] == [i.obligation_id for i in pack.items]


def test_cohort_filter_narrows_the_pack(corpus_conn, pack):
    cohort = "children subject to a child protection plan"
    narrowed = build_induction_pack(corpus_conn, AUTHORITY, ROLE, cohort=cohort)
    assert 0 < len(narrowed.items) <= len(pack.items)
    taxonomy = load_taxonomy()
    for item in narrowed.items:
        if item.cohort:
            canonical = taxonomy.canonical_cohort(item.cohort)
            assert canonical in (cohort, "all children") or cohort in item.cohort.lower()


def test_cross_authority_pack_for_a_topic(corpus_conn):
    pack = build_cross_authority_pack(corpus_conn, ROLE, topic="CP visit")
    assert pack.cross_authority and pack.topic == "child protection visit"
    authorities = {i.authority for i in pack.items}
    assert len(authorities) >= 2, authorities
    assert all(i.topic == "child protection visit" for i in pack.items)
    document = docx.Document(io.BytesIO(induction_docx(pack)))
    header = [c.text for c in document.tables[0].rows[0].cells]
    assert header == ["Authority", *GLANCE_HEADER]
    assert {row.cells[0].text for row in document.tables[0].rows[1:]} == authorities
    assert len(_docx_items(document)) == len(pack.items)


def test_unknown_role_lists_known_roles(corpus_conn):
    with pytest.raises(UnknownRoleError) as err:
        build_induction_pack(corpus_conn, AUTHORITY, "Astronaut")
    assert "Astronaut" in err.value.message
    assert all(role in err.value.message for role in known_roles())


def test_role_without_obligations_lists_roles_that_have_some(corpus_conn):
    owners = roles_with_obligations(corpus_conn, AUTHORITY)
    idle = [r for r in known_roles() if r not in owners]
    assert owners and idle
    with pytest.raises(UnknownRoleError) as err:
        build_induction_pack(corpus_conn, AUTHORITY, idle[0])
    message = err.value.message
    assert idle[0] in message and f"Roles with obligations in {AUTHORITY}" in message
    assert all(role in message for role in owners)


def test_unknown_authority_and_topic(corpus_conn):
    with pytest.raises(UnknownAuthorityError) as err:
        build_induction_pack(corpus_conn, "Atlantis", ROLE)
    assert "Atlantis" in err.value.message and AUTHORITY in err.value.message
    with pytest.raises(UnknownTopicError):
        build_cross_authority_pack(corpus_conn, ROLE, topic="underwater basket weaving")


def test_cli_writes_each_format_and_refuses_the_empty_case(corpus_env, tmp_path):
    from service.cli import cli

    runner = CliRunner()
    for fmt in ("docx", "md", "csv"):
        out = tmp_path / f"pack.{fmt}"
        result = runner.invoke(
            cli, ["induction", "--authority", AUTHORITY, "--role", ROLE, "--format", fmt, "-o", str(out)],
            env=corpus_env,
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert docx.Document(str(tmp_path / "pack.docx")).paragraphs[0].style.name == "Title"

    cross = runner.invoke(
        cli, ["induction", "--all-authorities", "--role", ROLE, "--topic", "core group meeting", "--format", "csv"],
        env=corpus_env,
    )
    assert cross.exit_code == 0, cross.output
    assert len({r["authority"] for r in csv.DictReader(io.StringIO(cross.stdout))}) >= 2

    empty = tmp_path / "empty.docx"
    result = runner.invoke(
        cli, ["induction", "--authority", AUTHORITY, "--role", "Astronaut", "-o", str(empty)], env=corpus_env
    )
    assert result.exit_code == 1
    assert "Unknown role 'Astronaut'" in result.output and ROLE in result.output
    assert not empty.exists()
