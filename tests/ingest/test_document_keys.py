"""Document ids keyed by authority and a stable slug (issue 12), the 006_document_keys migration,
authority names that cannot be stored, the per-part DOCX cap and HTML codecs that raise."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import docx
import pytest

from ingest import db, store
from ingest.errors import AuthorityConflictError, CorruptFileError, InvalidAuthorityError
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.parse import check_authority_name, document_id, slug
from ingest.records import DocumentMeta
from ingest.settings import load_settings

STANDARD = (
    "Testshire Practice Standards\n\nCore Group Meetings\n"
    "1. The first core group meeting will be held within 8 working days of the Initial Child Protection "
    "Conference.\n2. Thereafter, core group meetings will be held at least every 4 weeks.\n"
)


def test_ids_carry_the_authority_and_stay_url_safe() -> None:
    assert document_id("Wokingham", "004_f6e1279407d87ed7.txt") == "wokingham--004_f6e1279407d87ed7"
    assert document_id("Evilshire", "004_f6e1279407d87ed7.txt") != document_id("Wokingham", "004_f6e1279407d87ed7.txt")
    # The same file name, spelt differently in case or punctuation, is one document.
    assert document_id("Reading", "Practice Standards.docx") == document_id("reading", "practice-standards.md")
    # Non-ASCII names: distinct, ASCII, stable.
    names = ["文件.txt", "規則.txt", "Café.txt", "Cafe.txt", "Ärzte.pdf"]
    ids = [document_id("Testshire", n) for n in names]
    assert len(set(ids)) == len(ids) and all(i.isascii() for i in ids)
    assert ids == [document_id("Testshire", n) for n in names]
    # Long names: bounded, and two that share a 300-character start stay apart.
    long_a, long_b = "a" * 300 + "1.txt", "a" * 300 + "2.txt"
    assert document_id("T", long_a) != document_id("T", long_b)
    assert all(len(document_id("T", n)) < 80 for n in (long_a, long_b))
    for value in ids + [document_id("T", long_a), slug("St. Helen's / Knowsley")]:
        assert all(c.isalnum() and c.isascii() or c in "-_" for c in value), value


@pytest.mark.parametrize("name", ["all", "ALL", "All Authorities", "*", "Evil\x00shire", "Line\nbreak",
                                  "zero\u200bwidth", "", "   ", "x" * 200])
def test_authority_names_that_cannot_be_stored(name: str) -> None:
    with pytest.raises(InvalidAuthorityError):
        check_authority_name(name)


def test_authority_names_are_tidied() -> None:
    assert check_authority_name("  Bath and   North East Somerset ") == "Bath and North East Somerset"
    assert check_authority_name("Allerdale") == "Allerdale"  # starts like the keyword, is not it


def test_a_replacement_keeps_its_authority(data_dir: Path, tmp_path: Path, store_target) -> None:
    from service.pipeline import add_document

    settings = load_settings()
    conn = store.connect(store_target)
    path = tmp_path / "standards.txt"
    path.write_text(STANDARD, encoding="utf-8")
    first = add_document(conn, path, DocumentMeta(authority="St Helens", title="One"), settings, sync_index=False)
    # Same file, same authority typed in another case: one document, the stored spelling kept.
    path.write_text(STANDARD.replace("8 working days", "9 working days"), encoding="utf-8")
    again = add_document(conn, path, DocumentMeta(authority="st helens", title="One"), settings, sync_index=False)
    assert again.document_id == first.document_id and again.status == "replaced"
    assert store.get_document(conn, first.document_id).authority == "St Helens"
    # A name with the same slug but another spelling is another authority: refused, not moved.
    path.write_text(STANDARD.replace("8 working days", "10 working days"), encoding="utf-8")
    before = store.get_document(conn, first.document_id)
    with pytest.raises(AuthorityConflictError, match="belongs to St Helens"):
        add_document(conn, path, DocumentMeta(authority="St. Helens", title="One"), settings, sync_index=False)
    assert store.get_document(conn, first.document_id) == before
    conn.close()


def _rekey_back(conn, new_id: str, old_id: str) -> None:
    """Put a document back under the id an older version gave it (the file stem), on either engine:
    the old row is inserted, every child moved to it, the new row deleted (PostgreSQL checks the
    foreign keys per statement), and the obligations' JSON rewritten."""
    columns = ", ".join(f'"{c}"' for c in db.column_names(conn, "documents") if c != "id")
    conn.execute(f"INSERT INTO documents(id, {columns}) SELECT ?, {columns} FROM documents WHERE id = ?",
                 (old_id, new_id))
    for table in ("document_versions", "clauses", "obligations", "clauses_fts"):
        conn.execute(f"UPDATE {table} SET document_id = ? WHERE document_id = ?", (old_id, new_id))
    conn.execute("DELETE FROM documents WHERE id = ?", (new_id,))
    for row_id, data in conn.execute("SELECT id, data FROM obligations").fetchall():
        record = json.loads(data)
        record["document_id"] = record["citation"]["document_id"] = old_id
        conn.execute("UPDATE obligations SET data = ? WHERE id = ?", (json.dumps(record), row_id))


def test_migration_006_rekeys_old_ids_in_every_table(data_dir: Path, tmp_path: Path, store_target) -> None:
    from service.pipeline import add_document

    settings = load_settings()
    conn = store.connect(store_target)
    path = tmp_path / "testshire_standards.txt"
    path.write_text(STANDARD, encoding="utf-8")
    new_id = add_document(conn, path, DocumentMeta(authority="Testshire", title="T"), settings,
                          sync_index=False).document_id
    assert new_id == "testshire--testshire_standards"
    assert conn.execute("SELECT COUNT(*) FROM obligations WHERE document_id = ?", (new_id,)).fetchone()[0] > 0
    # Put the store back as an older version left it: ids were the file stem.
    before = store.generation(conn)
    with store.transaction(conn):
        _rekey_back(conn, new_id, "testshire_standards")
        conn.execute("DELETE FROM migrations WHERE name = '006_document_keys'")
    assert [r[0] for r in conn.execute("SELECT id FROM documents")] == ["testshire_standards"]
    conn.close()

    conn = store.connect(store_target)  # migrates
    assert [r[0] for r in conn.execute("SELECT id FROM documents")] == [new_id]
    for table in ("document_versions", "clauses", "obligations", "clauses_fts"):
        assert {r[0] for r in conn.execute(f"SELECT DISTINCT document_id FROM {table}")} == {new_id}, table
    for (data,) in conn.execute("SELECT data FROM obligations"):
        record = json.loads(data)
        assert record["document_id"] == record["citation"]["document_id"] == new_id
    # The rename is a change every instance must pick up: the generation moved on.
    assert store.generation(conn) > before
    if not db.is_postgres(conn):  # PostgreSQL checked every foreign key as each statement ran
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


def test_a_docx_part_over_the_cap_is_refused_without_inflating_it(tmp_path: Path) -> None:
    d = docx.Document()
    for i in range(4000):
        d.add_paragraph(f"{i}. The social worker will visit the child every 6 weeks and record the visit.")
    path = tmp_path / "large.docx"
    d.save(path)
    assert load_docx(path).text  # under the default cap: read
    with zipfile.ZipFile(path) as zf:
        body = zf.getinfo("word/document.xml")
    assert body.file_size / body.compress_size < 50  # a modest ratio: the whole-archive checks pass it
    with pytest.raises(CorruptFileError, match="word/document.xml would expand"):
        load_docx(path, max_part_bytes=body.file_size // 2)


@pytest.mark.parametrize("charset", ["punycode", "idna", "zlib", "rot13", "utf-16", "undefined", "no-such"])
def test_html_declaring_a_codec_that_raises_is_read_with_the_fallbacks(charset: str) -> None:
    page = (f'<html><head><meta charset="{charset}"></head><body><h1>Standards</h1>'
            "<p>1. Children in need are seen every 4 weeks \u2014 caf\u00e9 \u00e9t\u00e9.</p></body></html>")
    source = load_html(page.encode("utf-8"))
    assert "every 4 weeks \u2014 caf\u00e9" in source.text


def test_a_batch_carries_on_past_bad_files_and_exits_1(data_dir: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from service.cli import cli

    files = tmp_path / "batch"
    files.mkdir()
    (files / "a_empty.txt").write_bytes(b"")
    # Used to end the batch with a traceback (UnicodeError from the punycode codec).
    (files / "b_punycode.html").write_bytes(
        b'<html><head><meta charset="punycode"></head><body><h1>Standards</h1>'
        b"<p>1. Children in need are visited at least every 4 weeks.</p></body></html>")
    (files / "c_good.txt").write_text(STANDARD, encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(files / "a_empty.txt"), str(files / "b_punycode.html"),
                                      str(files / "c_good.txt"), "--authority", "Testshire"])
    assert result.exit_code == 1, result.output
    assert "a_empty.txt is empty" in result.output and "Traceback" not in result.output
    assert "2 of 3 file(s) ingested; 1 failed." in result.output
    conn = store.connect(load_settings().db_path)
    assert {d.id for d in store.list_documents(conn)} == {"testshire--b_punycode", "testshire--c_good"}
    conn.close()
