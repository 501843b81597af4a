"""`standards ingest / documents / show / remove` on the shipped corpus, through click's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from ingest import store
from ingest.settings import load_settings
from service.cli import cli


def _conn():
    return store.connect(load_settings().db_path)


def test_ingest_corpus_documents_show(data_dir: Path, corpus_dir: Path, store_dump) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["ingest", str(corpus_dir)])
    assert result.exit_code == 0, result.output
    assert "5 of 5 file(s) ingested; 0 failed." in result.output
    # Document ids are keyed by authority and file name.
    for doc_id in ("dudley--000_da2ac1c53df745bd", "wokingham--004_f6e1279407d87ed7"):
        assert doc_id in result.output

    conn = _conn()
    docs = {d.id: d for d in store.list_documents(conn)}
    assert set(docs) == {f"{d.authority.lower()}--{d.source_name.removesuffix('.txt')}" for d in docs.values()}
    assert {d.source_name for d in docs.values()} == {p.name for p in corpus_dir.glob("*.txt")}
    assert docs["sandwell--003_b840afe54436e221"].authority == "Sandwell"
    assert docs["sandwell--003_b840afe54436e221"].version == "V7 Final for Printing"
    assert docs["sandwell--003_b840afe54436e221"].date == "2019-04-02"
    assert all(d.clause_count > 0 for d in docs.values())

    listing = runner.invoke(cli, ["documents"])
    assert listing.exit_code == 0
    assert "Wokingham" in listing.output and str(docs["wokingham--004_f6e1279407d87ed7"].clause_count) in listing.output

    clause = next(c for c in store.current_clauses(conn, "Sandwell") if c.clause_ref == "D.2.3")
    shown = runner.invoke(cli, ["show", clause.id])
    assert shown.exit_code == 0, shown.output
    assert "reference: D.2.3" in shown.output
    assert clause.section in shown.output
    assert f"span:      {clause.start}-{clause.end}" in shown.output
    assert "version:   current" in shown.output

    missing = runner.invoke(cli, ["show", "00000000-9999"])
    assert missing.exit_code != 0

    # Re-ingesting the unchanged corpus writes nothing.
    before = store_dump(conn)
    again = runner.invoke(cli, ["ingest", str(corpus_dir)])
    assert again.exit_code == 0
    assert again.output.count("unchanged") == 5
    assert store_dump(conn) == before
    conn.close()


def test_changed_file_replaces_and_keeps_history(data_dir: Path, corpus_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "wilts.txt"
    original = (corpus_dir / "002_93ba2dc2b9b16c50.txt").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    assert runner.invoke(cli, ["ingest", str(path), "--authority", "Wiltshire"]).exit_code == 0
    conn = _conn()
    old = {c.id: c for c in store.current_clauses(conn, "Wiltshire")}
    old_version = store.get_document(conn, "wiltshire--wilts").version_id

    changed = original.replace("within 40 working days", "within 30 working days")
    assert changed != original
    path.write_text(changed, encoding="utf-8")
    result = runner.invoke(cli, ["ingest", str(path), "--authority", "Wiltshire"])
    assert result.exit_code == 0, result.output
    assert "replaced" in result.output

    current = store.current_clauses(conn, "Wiltshire")
    assert not set(old) & {c.id for c in current}  # new version, new ids
    assert any("within 30 working days" in c.text for c in current)
    assert not any("within 40 working days" in c.text for c in current)
    history = store.version_clauses(conn, old_version)
    assert {c.id for c in history} == set(old)  # old clauses still there, not current
    assert any("within 40 working days" in c.text for c in history)
    shown = runner.invoke(cli, ["show", history[0].id])
    assert "history" in shown.output
    versions = store.document_versions(conn, "wiltshire--wilts")
    assert [v.is_current for v in versions] == [False, True]
    conn.close()


def test_remove(data_dir: Path, corpus_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "extract.txt"
    shutil.copy(corpus_dir / "000_da2ac1c53df745bd.txt", path)
    assert runner.invoke(cli, ["ingest", str(path), "--authority", "Dudley", "--title", "Extract"]).exit_code == 0
    result = runner.invoke(cli, ["remove", "dudley--extract"])
    assert result.exit_code == 0, result.output
    conn = _conn()
    assert store.list_documents(conn) == []
    assert conn.execute("SELECT COUNT(*) FROM clauses").fetchone()[0] == 0
    conn.close()
