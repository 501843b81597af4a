"""Every bad input of the issue: a specific message, a non-zero exit, and an unchanged store.

The files are made here for real (pypdf's encrypt, zipfile, raw bytes); the store is a real
SQLite file that already holds a document, dumped row by row before and after.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from ingest import store
from ingest.errors import IngestError
from ingest.loaders import load_file
from ingest.settings import load_settings
from service.cli import cli

MB = 1024 * 1024


def _encrypted_pdf(path: Path) -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())


def _zip_bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
        # 64 MB of zeros deflate to ~64 KB: an inflation ratio no real document has.
        zf.writestr("word/media/padding.bin", b"\0" * (64 * MB))


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data)


# name, builder, error code, words the message must contain
CASES: list[tuple[str, Callable[[Path], None], str, list[str]]] = [
    ("empty.txt", _write(b""), "empty_document", ["empty"]),
    ("blank.md", _write(b"   \n\n\t\n"), "empty_document", ["no text"]),
    ("corrupt.pdf", _write(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nendobj\ngarbage\n"), "corrupt_file",
     ["damaged PDF"]),
    ("notpdf.pdf", _write(b"Just some words in a file named .pdf\n"), "corrupt_file", ["not a PDF"]),
    ("locked.pdf", _encrypted_pdf, "encrypted_file", ["password", "Remove the password"]),
    ("notzip.docx", _write(b"This is not a zip archive at all.\n"), "corrupt_file", ["not a valid .docx"]),
    ("bomb.docx", _zip_bomb, "corrupt_file", ["zip bomb"]),
    ("binary.txt", _write(bytes(range(256)) * 40), "not_text", ["binary data"]),
    ("sheet.xlsx", _write(b"PK\x03\x04not really"), "unsupported_format", [".xlsx", "Supported", ".docx", ".pdf"]),
]


@pytest.fixture
def seeded(data_dir: Path, corpus_dir: Path):
    """A store that already holds one shipped document."""
    result = CliRunner().invoke(cli, ["ingest", str(corpus_dir / "000_da2ac1c53df745bd.txt")])
    assert result.exit_code == 0, result.output
    conn = store.connect(load_settings().db_path)
    yield conn
    conn.close()


@pytest.mark.parametrize(("name", "build", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(name, build, code, words, tmp_path: Path, seeded, store_dump) -> None:
    path = tmp_path / "in" / name
    path.parent.mkdir()
    build(path)

    with pytest.raises(IngestError) as err:
        load_file(path, 50 * MB)
    assert err.value.code == code
    for word in words:
        assert word in err.value.message

    before = store_dump(seeded)
    result = CliRunner().invoke(cli, ["ingest", str(path), "--authority", "Testshire"])
    assert result.exit_code == 1
    assert err.value.message in result.output
    assert store_dump(seeded) == before


def test_over_size_limit(tmp_path: Path, seeded, store_dump, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text("1. A standard that is long enough.\n" * 100)  # 3.5 KB
    monkeypatch.setenv("STANDARDS_MAX_FILE_MB", "0.001")  # about 1 KB
    before = store_dump(seeded)
    result = CliRunner().invoke(cli, ["ingest", str(path), "--authority", "Testshire"])
    assert result.exit_code == 1
    assert "big.txt is 3.4 KB; the limit is 1.0 KB" in result.output
    assert "STANDARDS_MAX_FILE_MB" in result.output
    assert store_dump(seeded) == before


def test_not_in_manifest_without_authority(tmp_path: Path, seeded, store_dump, corpus_dir: Path) -> None:
    path = tmp_path / "lonely.txt"
    shutil.copy(corpus_dir / "000_da2ac1c53df745bd.txt", path)
    before = store_dump(seeded)
    result = CliRunner().invoke(cli, ["ingest", str(path)])
    assert result.exit_code == 1
    assert "lonely.txt: no authority for this file" in result.output and "--authority" in result.output
    assert store_dump(seeded) == before


def test_carries_on_after_a_failure(tmp_path: Path, seeded, corpus_dir: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_bytes((corpus_dir / "002_93ba2dc2b9b16c50.txt").read_bytes())
    result = CliRunner().invoke(cli, ["ingest", str(bad), str(good), "--authority", "Wilts"])
    assert result.exit_code == 1
    assert "empty.txt is empty" in result.output
    docs = {d.id: d for d in store.list_documents(seeded)}
    assert docs["wiltshire--good"].authority == "Wiltshire"  # alias resolved through the manifest
    assert docs["wiltshire--good"].clause_count > 0
    assert not any(d.source_name == "empty.txt" for d in docs.values())


def test_cp1252_text_is_decoded(tmp_path: Path, seeded) -> None:
    path = tmp_path / "legacy.txt"
    text = (
        "Visiting Standards\n\n"
        "1. The child\u2019s social worker will visit within 5 working days \u2013 and see the child alone.\n"
        "2. The caf\u00e9 meeting is recorded within 1 working day.\n"
    )
    path.write_bytes(text.encode("cp1252"))
    result = CliRunner().invoke(cli, ["ingest", str(path), "--authority", "Testshire", "--title", "Legacy"])
    assert result.exit_code == 0, result.output
    texts = " ".join(c.text for c in store.current_clauses(seeded, "Testshire"))
    assert "child\u2019s social worker" in texts
    assert "caf\u00e9" in texts
