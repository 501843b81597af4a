"""The text loader: decoding, bad input, and table rows rebuilt from tab-separated lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import EmptyDocumentError, NotTextError
from ingest.loaders.text import load_text_bytes

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_utf8_bom_and_cp1252_are_decoded():
    src = load_text_bytes("\ufeffChild’s plan\n".encode())
    assert src.text.startswith("Child’s plan")
    src = load_text_bytes("The child’s plan – reviewed\n".encode("cp1252"))
    assert "child’s plan – reviewed" in src.text
    assert src.source_format == "txt"


def test_binary_data_is_refused_with_a_clear_message():
    with pytest.raises(NotTextError, match="binary"):
        load_text_bytes(b"PK\x03\x04\x00\x00binary\x00stuff")
    with pytest.raises(NotTextError):
        load_text_bytes(bytes(range(1, 32)) * 50)


@pytest.mark.parametrize("data", [b"", b"   \n\t\n  "])
def test_empty_input_is_refused(data):
    with pytest.raises(EmptyDocumentError, match="empty"):
        load_text_bytes(data)


def test_block_offsets_index_the_text_verbatim():
    for path in CORPUS.glob("*.txt"):
        src = load_text_bytes(path.read_bytes())
        assert src.text == path.read_bytes().decode("utf-8-sig")
        for b in src.blocks:
            assert src.text[b.start:b.end] == b.text
            for c in b.cells:
                assert src.text[c.start:c.end] == c.text


def test_multiline_cells_become_one_row():
    text = (
        "\tChildren in Need\n"
        "\t· Children will be visited at least every 4 weeks.\n"
        "· A second requirement for this cohort.\n"
        "\n"
        "\tSocial Worker\n"
        "\n"
        "\tChildren in Care\n"
        "\t· Visited within one week of placement.\n"
        "\tAssistant Team Manager/\n"
        "Team Manager\n"
    )
    rows = [b for b in load_text_bytes(text.encode()).blocks if b.kind == "row"]
    assert len(rows) == 2
    cells = [[c.text for c in r.cells if c.text] for r in rows]
    assert cells[0][0] == "Children in Need"
    assert cells[0][1].count("·") == 2
    assert cells[0][2] == "Social Worker"
    assert cells[1][2] == "Assistant Team Manager/\nTeam Manager"


def test_numbered_row_absorbs_its_explanation_until_the_role():
    text = (
        "\t10.1\tA strategy meeting takes place within 3 working days.\n"
        "\n"
        "An explanation paragraph that belongs to the standard.\n"
        "\n"
        "· a bullet of the explanation\n"
        "\tTeam Manager\n"
        "\n"
        "\t10.2\tThe next standard.\n"
        "\tSocial Worker\n"
    )
    rows = [b for b in load_text_bytes(text.encode()).blocks if b.kind == "row"]
    assert [r.cells[1].text for r in rows] == ["10.1", "10.2"]
    assert "a bullet of the explanation" in rows[0].cells[2].text
    assert rows[0].cells[3].text == "Team Manager"


def test_single_line_rows_and_paragraphs():
    text = "A.1.1\tI will record visits.\nA.1.2\tI will update the plan.\n\nCore Group Meetings\n\nPlain text.\n"
    blocks = load_text_bytes(text.encode()).blocks
    assert [b.kind for b in blocks] == ["row", "row", "heading", "paragraph"]
    assert blocks[0].cells[0].text == "A.1.1"


def test_bullet_followed_by_tab_is_not_a_cell():
    blocks = load_text_bytes("•\tChildren in Need – Every 4 weeks\n".encode()).blocks
    assert [b.kind for b in blocks] == ["paragraph"]
