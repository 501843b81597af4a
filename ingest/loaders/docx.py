"""DOCX loader (python-docx): paragraphs and tables in document order.

The body XML is walked in order (python-docx's ``paragraphs`` and ``tables`` lists lose the
interleaving). Text is laid out the way the text loader sees a plain-text export: one line per
paragraph, one line per table row with cells separated by tabs, so structure recovery reads
every format alike. Heading styles ("Heading 1".."Heading 9", "Title") and explicit outline
levels become ``heading`` blocks (with their level, unless all headings share one level, which
says nothing about nesting); table rows become ``row`` blocks with their cells, where a
merged cell (horizontal or vertical) is reported once.

Before python-docx opens the archive, its declared sizes are checked so a zip bomb is refused
without being inflated: the whole archive (size and ratio) and each part on its own, because
a modest ratio over a large part (a 34 MB file whose document.xml inflates to 314 MB) still
costs gigabytes once lxml builds its tree. The declared sizes can be trusted as a bound:
``zipfile`` never returns more than a member's declared size and fails its CRC otherwise.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyDocumentError
from ingest.records import Block, Cell, SourceText

# Zip-bomb limits: what a genuine Word document never needs.
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, over the whole archive
MAX_ENTRIES = 10_000
_RATIO_FLOOR = 16 * 1024 * 1024  # ratios only matter once the inflated size is large
# One part's inflated size: word/document.xml of a 300-page standards document with tables is
# 5-10 MB; lxml needs about ten times a part's size in memory, so this keeps a parse well under
# a gigabyte. STANDARDS_MAX_DOCX_PART_MB sets it for the pipeline.
MAX_PART_BYTES = 32 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


def check_zip(path: Path, max_bytes: int | None = None, max_part_bytes: int | None = None) -> None:
    """Refuse archives that are not zips, or that would inflate far beyond any real document
    (in total, by ratio, or in any one part)."""
    name = Path(path).name
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if "word/document.xml" not in zf.namelist():
                raise CorruptFileError(
                    f"{name} is a zip archive but not a Word document (no word/document.xml). "
                    "Re-save it from Word as .docx and try again."
                )
    except zipfile.BadZipFile as exc:
        raise CorruptFileError(
            f"{name} is not a valid .docx (the zip archive is damaged: {exc}). Re-save it from Word "
            "as .docx and try again."
        ) from exc
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    limit = MAX_UNCOMPRESSED_BYTES if max_bytes is None else max(MAX_UNCOMPRESSED_BYTES, 10 * max_bytes)
    if len(infos) > MAX_ENTRIES or total > limit or (total > _RATIO_FLOOR and total / packed > MAX_RATIO):
        raise CorruptFileError(
            f"{name} would expand to {total / 1048576:.0f} MB from {packed / 1048576:.1f} MB "
            f"({len(infos)} entries): this looks like a zip bomb, not a Word document. It was not "
            "opened. Re-save the document from Word and try again."
        )
    part_limit = MAX_PART_BYTES if max_part_bytes is None else max_part_bytes
    biggest = max(infos, key=lambda i: i.file_size, default=None)
    if biggest is not None and biggest.file_size > part_limit:
        raise CorruptFileError(
            f"{name}: its part {biggest.filename} would expand to {biggest.file_size / 1048576:.0f} MB "
            f"(the limit for one part is {part_limit / 1048576:.0f} MB, STANDARDS_MAX_DOCX_PART_MB). It was "
            "not opened. Split the document, or re-save it from Word without embedded objects."
        )


def load_docx(path: Path, max_bytes: int | None = None, max_part_bytes: int | None = None) -> SourceText:
    """Read paragraphs and tables of the .docx at ``path`` in document order."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(path, max_bytes, max_part_bytes)
    name = Path(path).name
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise CorruptFileError(f"{name} is a damaged .docx ({exc}). Re-save it from Word and try again.") from exc
    except Exception as exc:  # lxml raises XMLSyntaxError for a damaged document.xml
        raise CorruptFileError(
            f"{name} is a damaged .docx ({type(exc).__name__}: {exc}). Re-save it from Word and try again."
        ) from exc

    builder = _Builder()
    body = document.element.body
    for child in body.iterchildren():
        if child.tag == f"{_W}p":
            builder.paragraph(docx.text.paragraph.Paragraph(child, document))
        elif child.tag == f"{_W}tbl":
            builder.table(docx.table.Table(child, document))
        elif child.tag == f"{_W}sdt":  # content controls wrap ordinary paragraphs/tables
            for inner in child.iter(f"{_W}p"):
                builder.paragraph(docx.text.paragraph.Paragraph(inner, document))
    _drop_flat_levels(builder.blocks)
    if not any(b.text.strip() for b in builder.blocks):
        raise EmptyDocumentError(f"{name} has no text in its paragraphs or tables. Check that you picked the right file.")
    return SourceText(text="".join(builder.parts), blocks=builder.blocks, source_format="docx")


class _Builder:
    """Accumulates the text and its blocks, keeping offsets exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.blocks: list[Block] = []
        self.offset = 0

    def _emit(self, text: str) -> int:
        start = self.offset
        self.parts.append(text + "\n")
        self.offset += len(text) + 1
        return start

    def paragraph(self, paragraph) -> None:  # docx.text.paragraph.Paragraph
        text = paragraph.text
        start = self._emit(text)
        if not text.strip():
            return  # kept as a blank line (paragraph break), not a block
        level = _heading_level(paragraph)
        kind = "heading" if level else "paragraph"
        self.blocks.append(Block(kind=kind, text=text, start=start, end=start + len(text), level=level))

    def table(self, table) -> None:  # docx.table.Table
        # Each <w:tc> already reported: merged cells come back once per grid column/row they
        # span. The elements themselves are kept so lxml hands back the same proxy objects.
        seen: set = set()
        for row in table.rows:
            texts: list[str] = []
            in_row: set = set()
            for cell in row.cells:
                if cell._tc in in_row:
                    continue  # spans several grid columns of this row: once
                in_row.add(cell._tc)
                if cell._tc in seen:
                    # Continues a vertical merge: its text was given in the row above; an
                    # empty cell keeps the later columns (e.g. the role) in their places.
                    texts.append("")
                    continue
                seen.add(cell._tc)
                texts.append(_cell_text(cell))
            if not any(t.strip() for t in texts):
                self._emit("")
                continue
            line = "\t".join(texts)
            start = self._emit(line)
            cells: list[Cell] = []
            pos = start
            for t in texts:
                cells.append(Cell(text=t, start=pos, end=pos + len(t)))
                pos += len(t) + 1
            self.blocks.append(Block(kind="row", text=line, start=start, end=start + len(line), cells=cells))


def _drop_flat_levels(blocks: list[Block]) -> None:
    """Forget heading levels when every heading has the same one.

    A document whose headings are all "Heading 1" (or Title plus Heading 1 everywhere) says
    which paragraphs are headings but nothing about how they nest. Such headings are handed on
    without a level, like the heading lines of a text export, so structure recovery infers the
    outline from numbering, the table of contents and the order of headings in every format.
    """
    headings = [b for b in blocks if b.kind == "heading"]
    if len({b.level for b in headings}) == 1:
        for b in headings:
            b.level = None


def _cell_text(cell) -> str:
    """A cell's paragraphs (and nested tables' text), one per line, tabs made spaces."""
    lines = [p.text.replace("\t", " ") for p in cell.paragraphs]
    for nested in cell.tables:
        for row in nested.rows:
            lines.append(" ".join(c.text.replace("\t", " ").replace("\n", " ") for c in row.cells))
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _heading_level(paragraph) -> int | None:
    """Heading level from the style (or its base styles) or an explicit outline level."""
    ppr = paragraph._p.pPr
    if ppr is not None:
        outline = ppr.find(f"{_W}outlineLvl")
        if outline is not None:
            value = outline.get(f"{_W}val")
            if value is not None and value.isdigit() and int(value) < 9:
                return int(value) + 1
    style = paragraph.style
    depth = 0
    while style is not None and depth < 10:
        style_name = (style.name or "").strip()
        if style_name.lower() == "title":
            return 1
        match = _HEADING_STYLE.match(style_name)
        if match:
            return int(match.group(1))
        style = style.base_style
        depth += 1
    return None
