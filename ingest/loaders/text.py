"""Plain-text and markdown loader.

Text exported from Word keeps a table row as its cells joined by tabs, and a cell that holds
several paragraphs spreads over several lines, so one row can run like this::

    <TAB>Children in Need                      <- row label cell
    <TAB>· Children will be visited ...        <- requirements cell (bullets, may wrap)
    · further bullet
    <TAB>Social Worker                         <- responsible-role cell (may wrap: "Team Manager/\\nEDS")

The loader rebuilds such rows from general cues (a line with text before its first tab starts a
row; a line-start cell with further tabs on the same line starts a row; a short label after a
row's body is its trailing cell; body text keeps absorbing lines while the row still expects a
trailing cell) and leaves every other line as a paragraph or heading block. Offsets always index
the decoded text verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.errors import EmptyDocumentError, NotTextError
from ingest.normalise import bullet_prefix_len, fold, has_letters, heading_info, plain_text
from ingest.records import Block, Cell, SourceText

_REF_CELL_RE = re.compile(r"^\s*(?:[A-Z]\.?)?\d{1,3}(?:\.\d{1,3}){0,3}\.?(?:\s|$)")


def decode_text(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), falling back to Windows-1252.

    Raises NotTextError for binary data and EmptyDocumentError for empty/blank text.
    """
    if not data.strip():
        raise EmptyDocumentError(
            "The file is empty (or only whitespace): there is nothing to ingest. Check that you "
            "exported the document's text, then try again."
        )
    if b"\x00" in data[:65536]:
        raise NotTextError(
            "The file contains NUL bytes, so it is binary data rather than text (perhaps a Word, "
            "PDF or image file renamed to .txt). Ingest the original file with its real extension."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; decode them leniently rather than fail.
        text = data.decode("cp1252", errors="replace")
    sample = text[:65536]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    if sample and bad / len(sample) > 0.05:
        raise NotTextError(
            f"The file does not look like text ({bad} of the first {len(sample)} characters are "
            "control or undecodable characters). Ingest the original document (PDF, DOCX, HTML) "
            "or save it as UTF-8 text."
        )
    if not text.strip():
        raise EmptyDocumentError(
            "The file contains no text after decoding. Check the export and try again."
        )
    return text


def _is_blank(line: str) -> bool:
    """Whitespace only (no-break spaces included); a tab still marks a cell boundary."""
    return "\t" not in line and not line.replace("\u00a0", " ").strip()


def _label_like(text: str) -> bool:
    """A short label (row label, role): no bullet, no sentence, not a lower-case continuation."""
    t = fold(text)
    if not t or bullet_prefix_len(t) or t[0].islower():
        return False
    words = t.split()
    return len(words) <= 14 and not re.search(r"[.;!?]$", t) and has_letters(t)


def _is_bodyish(text: str) -> bool:
    """A requirements cell: bullets, or a sentence, or long text."""
    t = text.strip()
    if not t:
        return False
    first = next((ln for ln in t.split("\n") if not _is_blank(ln)), "")
    if bullet_prefix_len(first):
        return True
    words = fold(t).split()
    return len(words) >= 20 or bool(re.search(r"[.;!?]\s*$", fold(t)) and len(words) >= 6)


@dataclass
class _Cell:
    start: int
    end: int
    kind: str  # "lead" (text before a row's first tab) | "linestart" | "inline"


@dataclass
class _Row:
    cells: list[_Cell] = field(default_factory=list)
    has_body: bool = False
    trailer: int | None = None  # index of the trailing cell, once seen
    numbered: bool = False


class _Lines:
    """The text split into lines with offsets (without the newline)."""

    def __init__(self, text: str):
        self.items: list[tuple[int, int]] = []
        pos = 0
        for line in text.split("\n"):
            end = pos + len(line)
            content_end = end - 1 if line.endswith("\r") else end
            self.items.append((pos, content_end))
            pos = end + 1
        self.text = text

    def __len__(self) -> int:
        return len(self.items)

    def line(self, i: int) -> str:
        s, e = self.items[i]
        return self.text[s:e]


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Tab-separated segments of one line as spans; a bare bullet before the first tab stays
    with the text after it ("•<TAB>Children in Need" is a bullet, not two cells)."""
    spans = []
    pos = start
    while True:
        tab = text.find("\t", pos, end)
        if tab < 0:
            spans.append((pos, end))
            break
        spans.append((pos, tab))
        pos = tab + 1
    if len(spans) > 1:
        first = text[spans[0][0]:spans[0][1]].strip()
        if first and bullet_prefix_len(first) == len(first):
            spans[0:2] = [(spans[0][0], spans[1][1])]
    return spans


def _has_cell_tab(lines: _Lines, i: int) -> bool:
    s, e = lines.items[i]
    return len(_segments(lines.text, s, e)) > 1


def load_text_bytes(data: bytes, fmt: str = "txt") -> SourceText:
    """Decode a .txt/.md file and split it into heading, paragraph and table-row blocks."""
    text = decode_text(data)
    return SourceText(text=text, blocks=text_blocks(text), source_format=fmt)


def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text document (see the module docstring for the table-row rules)."""
    lines = _Lines(text)
    blocks: list[Block] = []
    row: _Row | None = None

    def cell_text(c: _Cell) -> str:
        return text[c.start:c.end]

    def close_row() -> None:
        nonlocal row
        if row is not None and row.cells:
            cells = []
            for c in row.cells:
                raw = text[c.start:c.end]
                lstrip = len(raw) - len(raw.lstrip())
                rstrip = len(raw.rstrip())
                s, e = c.start + lstrip, c.start + max(lstrip, rstrip)
                cells.append(Cell(text=text[s:e], start=s, end=e))
            start = row.cells[0].start
            end = max(c.end for c in cells) if cells else start
            end = max(end, start)
            if any(c.text.strip() for c in cells):
                blocks.append(Block(kind="row", text=text[start:end], start=start, end=end, cells=cells))
        row = None

    def cell_content_first_line(i: int, seg_start: int, seg_end: int) -> str:
        """First non-blank text of a cell that starts at line i (may be on the next lines)."""
        seg = text[seg_start:seg_end]
        if not _is_blank(seg):
            return seg.strip()
        j = i + 1
        while j < len(lines) and _is_blank(lines.line(j)):
            j += 1
        if j < len(lines) and not _has_cell_tab(lines, j):
            return lines.line(j).strip()
        return ""

    def cell_full_text(i: int, seg_start: int, seg_end: int) -> str:
        """The cell's text up to the next tab line (for judging what kind of cell it is)."""
        parts = [text[seg_start:seg_end]]
        j = i + 1
        while j < len(lines) and not _has_cell_tab(lines, j):
            ln = lines.line(j)
            if _is_blank(ln) and j + 1 < len(lines) and not _is_blank(lines.line(j + 1)) \
                    and not _has_cell_tab(lines, j + 1):
                break
            parts.append(ln)
            j += 1
        return "\n".join(parts)

    def next_tab_line(i: int) -> int | None:
        j = i
        while j < len(lines):
            if _has_cell_tab(lines, j):
                return j
            j += 1
        return None

    def trailer_candidate(j: int) -> bool:
        """Line j starts a lone line-start cell that reads as a short label (a role)."""
        while j < len(lines):
            s, e = lines.items[j]
            segs = _segments(text, s, e)
            if len(segs) != 2 or not _is_blank(text[segs[0][0]:segs[0][1]]):
                return False
            first = cell_content_first_line(j, *segs[1])
            if first:
                return _label_like(first)
            # an empty spacer cell: the role may sit in the next lone cell
            j += 1
            while j < len(lines) and _is_blank(lines.line(j)):
                j += 1
            if j >= len(lines) or not _has_cell_tab(lines, j):
                return False
        return False

    def mark_kind(r: _Row, c: _Cell) -> None:
        """Update what the row has seen once a cell is known."""
        t = cell_text(c)
        if not t.strip():
            return
        if not r.has_body:
            upto = r.cells[: r.cells.index(c) + 1]
            nonempty = [x for x in upto if cell_text(x).strip()]
            if len(nonempty) == 1 and _REF_CELL_RE.match(t) and len(fold(t).split()) == 1:
                r.numbered = True
                return
            if r.numbered or _is_bodyish(t) or _REF_CELL_RE.match(t) and len(fold(t).split()) > 3:
                r.has_body = True
                r.numbered = r.numbered or bool(_REF_CELL_RE.match(t))
            return

    def extend_last_cell(end: int) -> None:
        assert row is not None
        row.cells[-1].end = end

    i = 0
    pending_blank = False
    while i < len(lines):
        s, e = lines.items[i]
        line = text[s:e]
        if _is_blank(line):
            if row is not None:
                pending_blank = True
            i += 1
            continue
        segs = _segments(text, s, e)
        if len(segs) > 1:
            lead_blank = _is_blank(text[segs[0][0]:segs[0][1]])
            if not lead_blank:
                close_row()
                row = _Row()
                for k, (a, b) in enumerate(segs):
                    row.cells.append(_Cell(a, b, "lead" if k == 0 else "inline"))
            else:
                siblings = len(segs) > 2
                full = cell_full_text(i, *segs[1])
                first = cell_content_first_line(i, *segs[1])
                labels = 0 if row is None else sum(1 for c in row.cells if cell_text(c).strip())
                new_row = (
                    row is None
                    or siblings
                    or row.trailer is not None
                    or (row.has_body and first and not _label_like(first))
                    # a header/label-only row already holding two labels is complete
                    or (not row.has_body and not row.numbered and labels >= 2 and _label_like(first))
                )
                if new_row:
                    close_row()
                    row = _Row()
                    row.cells.append(_Cell(segs[0][0], segs[0][1], "linestart"))
                for k, (a, b) in enumerate(segs[1:]):
                    kind = "linestart" if k == 0 else "inline"
                    row.cells.append(_Cell(a, b, kind))
                if not new_row and row.has_body and full.strip():
                    row.trailer = len(row.cells) - 1
            for c in row.cells[-len(segs):]:
                mark_kind(row, c)
            pending_blank = False
            i += 1
            continue

        # a line without cell tabs
        if row is None:
            blocks.append(_line_block(text, s, e))
            i += 1
            continue
        if not pending_blank:
            last = row.cells[-1]
            in_trailer = row.trailer is not None and row.trailer == len(row.cells) - 1
            if in_trailer and not _label_like(line):
                close_row()
                blocks.append(_line_block(text, s, e))
            else:
                extend_last_cell(e)
                if not row.has_body:
                    mark_kind(row, last)
            i += 1
            continue
        # after blank line(s): keep absorbing only while the row still expects its trailing cell
        j = next_tab_line(i)
        last = row.cells[-1]
        spacer = (row.trailer is None and row.has_body and last.kind == "linestart"
                  and not cell_text(last).strip())
        if spacer or (row.trailer is not None and row.trailer == len(row.cells) - 1):
            # a role after an empty spacer cell, or a wrapped role split by blank lines
            # ("Social Worker\n\n\nAssistant Team Manager /"): short labels up to the next row
            k = i
            group_end = None
            while k < len(lines) and not _has_cell_tab(lines, k):
                if not _is_blank(lines.line(k)):
                    if not _label_like(lines.line(k)) or len(fold(lines.line(k)).split()) > 6:
                        break
                    group_end = k
                k += 1
            reached_row = k >= len(lines) or _has_cell_tab(lines, k)
            if group_end is not None and reached_row:
                while i <= group_end:
                    if not _is_blank(lines.line(i)):
                        extend_last_cell(lines.items[i][1])
                    i += 1
                row.trailer = len(row.cells) - 1
                pending_blank = False
                continue
        if row.trailer is None and (row.has_body or row.numbered) and j is not None and trailer_candidate(j):
            while i < j:
                if not _is_blank(lines.line(i)):
                    extend_last_cell(lines.items[i][1])
                i += 1
            pending_blank = False
            continue
        close_row()
        pending_blank = False
        blocks.append(_line_block(text, s, e))
        i += 1
    close_row()
    return blocks


def _line_block(text: str, start: int, end: int) -> Block:
    """A paragraph or heading block for one line (trimmed to its content)."""
    raw = text[start:end]
    lstrip = len(raw) - len(raw.lstrip())
    s, e = start + lstrip, start + len(raw.rstrip())
    line = text[s:e]
    info = heading_info(line) if "\t" not in line else None
    if info is not None and plain_text(line):
        level, _title = info
        return Block(kind="heading", text=line, start=s, end=e, level=level)
    return Block(kind="paragraph", text=line, start=s, end=e)
