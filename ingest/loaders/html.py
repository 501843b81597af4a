"""HTML loader (stdlib ``html.parser``): headings, paragraphs, list items and table rows as blocks.

Nothing is executed or fetched: ``script``, ``style``, ``template``, ``noscript``, ``head``
content and comments are dropped; entities are decoded. The text is laid out like a
plain-text export (one line per block, table cells separated by tabs), so structure recovery
treats every format alike. List items keep a bullet ("• ") so they read as bullets.
"""

from __future__ import annotations

import codecs
import contextlib
import re
from collections import Counter
from html.parser import HTMLParser

from ingest.errors import EmptyDocumentError, NotTextError
from ingest.records import Block, Cell, SourceText

_SKIP = {"script", "style", "template", "noscript", "head", "title", "svg", "math", "iframe", "object"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote",
    "pre", "address", "figure", "figcaption", "dd", "dt", "dl", "ul", "ol", "form", "fieldset",
    "body", "html", "table", "thead", "tbody", "tfoot", "caption", "hr",
}  # fmt: skip
_VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
_HEADING = re.compile(r"^h([1-6])$")
# A saved web page's own chrome: its navigation always, and a header or footer outside the
# document's content (main / article), where the HTML standard makes it the site's banner or
# footer. Pages built from divs mark the same regions with ARIA landmark roles. Their text is
# dropped only once the region closes, so a page whose markup never closes one loses nothing.
_NAV_TAGS = {"nav"}
_PAGE_CHROME_TAGS = {"header", "footer"}
_CONTENT_TAGS = ("main", "article")
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "search"}
# Registered text codecs that encode something other than a page's characters, and UTF-16/32,
# which a <meta> found in ASCII-compatible bytes cannot be (the HTML standard reads it as
# UTF-8): a page that "declares" one of them is decoded by the fallbacks instead.
_NOT_PAGE_ENCODINGS = frozenset({
    "punycode", "idna", "raw-unicode-escape", "unicode-escape", "undefined",
    "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
})


def decode_html(data: bytes) -> str:
    """Decode HTML bytes: BOM, then a declared charset, then UTF-8, then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", data[:4096], re.IGNORECASE)
    if declared:
        codec = _text_codec(declared.group(1).decode("ascii"))
        # A charset the bytes do not match is ignored: the UTF-8 / cp1252 fallbacks below
        # still decode the page. Codecs raise more than UnicodeDecodeError on bad input
        # (punycode raises a bare UnicodeError, others ValueError), so all of those count.
        if codec is not None:
            with contextlib.suppress(UnicodeError, ValueError, TypeError, OverflowError):
                return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _text_codec(name: str) -> str | None:
    """The codec a declared charset names, if it is a real text encoding (not e.g. 'zlib' or
    'punycode', which the registry knows but no web page is written in); else None."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # Private flag: False for bytes-to-bytes and str-to-str codecs (base64, rot13...).
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_PAGE_ENCODINGS:
        return None
    return info.name


def load_html(data: bytes | str) -> SourceText:
    """Extract headings, paragraphs, list items and table rows from an HTML document."""
    markup = decode_html(data) if isinstance(data, bytes) else data
    if "\x00" in markup:
        raise NotTextError("The HTML file contains binary data. Save the page as HTML (UTF-8) and try again.")
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    parser.flush_text()
    blocks = parser.builder.blocks
    if not blocks and parser.dropped_chrome:
        raise EmptyDocumentError(
            "The HTML page holds only its site navigation, banner or footer, no document text. Save the page "
            "that shows the standards themselves (or its printable version) and try again."
        )
    if not blocks:
        raise EmptyDocumentError("The HTML document has no visible text. Check that you saved the page itself.")
    return SourceText(text="".join(parser.builder.parts), blocks=blocks, source_format="html")


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.blocks: list[Block] = []
        self.offset = 0

    def checkpoint(self) -> tuple[int, int, int]:
        """Where the output stands now, for ``rollback``."""
        return len(self.parts), len(self.blocks), self.offset

    def rollback(self, mark: tuple[int, int, int]) -> None:
        """Drop everything written since ``mark``."""
        parts, blocks, offset = mark
        del self.parts[parts:]
        del self.blocks[blocks:]
        self.offset = offset

    def line(self, text: str, kind: str = "paragraph", level: int | None = None) -> None:
        start = self.offset
        self.parts.append(text + "\n")
        self.offset += len(text) + 1
        self.blocks.append(Block(kind=kind, text=text, start=start, end=start + len(text), level=level))  # type: ignore[arg-type]

    def row(self, cells: list[str]) -> None:
        line = "\t".join(cells)
        start = self.offset
        self.parts.append(line + "\n")
        self.offset += len(line) + 1
        out: list[Cell] = []
        pos = start
        for c in cells:
            out.append(Cell(text=c, start=pos, end=pos + len(c)))
            pos += len(c) + 1
        self.blocks.append(Block(kind="row", text=line, start=start, end=start + len(line), cells=out))


def _fold(text: str) -> str:
    return " ".join(text.split())


class _Extractor(HTMLParser):
    """Streams text into blocks; a block ends at any block-level tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.builder = _Builder()
        self.skip_depth = 0
        self.buffer: list[str] = []
        self.heading_level: int | None = None
        self.in_li = 0
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.table_depth = 0
        self.open_tags: Counter[str] = Counter()
        # the open chrome region: its tag, how many of that tag were open, and the output mark
        self.chrome: tuple[str, int, tuple[int, int, int], int] | None = None
        self.dropped_chrome = False  # some navigation, banner or footer text was left out

    # -- page chrome ------------------------------------------------------------------------
    def _is_chrome(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        role = next((v for k, v in attrs if k == "role" and v), "")
        if tag in _NAV_TAGS or role.strip().lower() in _CHROME_ROLES:
            return True
        return tag in _PAGE_CHROME_TAGS and not any(self.open_tags[t] for t in _CONTENT_TAGS)

    def _open_tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        if self.chrome is None and self.row is None and self._is_chrome(tag, attrs):
            self.flush_text()
            self.chrome = (tag, self.open_tags[tag] + 1, self.builder.checkpoint(), self.in_li)
        self.open_tags[tag] += 1

    def _close_tag(self, tag: str) -> bool:
        """Count a closing tag; True when it closed a chrome region (whose text is dropped)."""
        if not self.open_tags[tag]:
            return False
        closes = self.chrome is not None and self.chrome[0] == tag and self.chrome[1] == self.open_tags[tag]
        self.open_tags[tag] -= 1
        if closes:
            _tag, _count, mark, in_li = self.chrome  # type: ignore[misc]
            pending = _fold("".join(self.buffer))
            self.dropped_chrome = self.dropped_chrome or bool(pending) or self.builder.checkpoint() != mark
            self.buffer = []
            self.heading_level = None
            self.in_li = in_li
            self.builder.rollback(mark)
            self.chrome = None
        return closes

    # -- text flow ------------------------------------------------------------------------
    def flush_text(self) -> None:
        text = _fold("".join(self.buffer))
        self.buffer = []
        if not text:
            return
        if self.heading_level:
            self.builder.line(text, kind="heading", level=self.heading_level)
        elif self.in_li:
            self.builder.line(f"• {text}")
        else:
            self.builder.line(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if self.skip_depth:
            return
        self._open_tag(tag, attrs)
        if self.cell is not None:
            # Inside a table cell everything is cell text; line breaks become newlines.
            if tag in ("br", "p", "li", "div") and self.cell and not self.cell[-1].endswith("\n"):
                self.cell.append("\n")
            if tag == "li":
                self.cell.append("• ")
            if tag == "table":
                self.table_depth += 1
            return
        if tag == "br":
            self.buffer.append("\n")
            self.flush_text()
            return
        if tag == "table":
            self.flush_text()
            self.table_depth += 1
            return
        if tag == "tr" and self.table_depth:
            self.flush_text()
            self.row = []
            return
        if tag in ("td", "th") and self.row is not None:
            self.cell = []
            return
        heading = _HEADING.match(tag)
        if heading:
            self.flush_text()
            self.heading_level = int(heading.group(1))
            return
        if tag == "li":
            self.flush_text()
            self.in_li += 1
            return
        if tag in _BLOCK_TAGS:
            self.flush_text()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if self._close_tag(tag):
            return
        if self.cell is not None and tag not in ("td", "th", "tr", "table"):
            return
        if self.cell is not None and tag == "table" and self.table_depth > 1:
            self.table_depth -= 1
            return
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            lines = [_fold(part) for part in "".join(self.cell).split("\n")]
            self.row.append("\n".join(line for line in lines if line))
            self.cell = None
            return
        if tag == "tr" and self.row is not None:
            self._end_row()
            return
        if tag == "table":
            if self.row is not None:
                self._end_row()
            self.table_depth = max(0, self.table_depth - 1)
            return
        if _HEADING.match(tag):
            self.flush_text()
            self.heading_level = None
            return
        if tag == "li":
            self.flush_text()
            self.in_li = max(0, self.in_li - 1)
            return
        if tag in _BLOCK_TAGS:
            self.flush_text()

    def _end_row(self) -> None:
        if self.cell is not None and self.row is not None:
            self.row.append(_fold("".join(self.cell)))
            self.cell = None
        if self.row and any(c.strip() for c in self.row):
            self.builder.row(self.row)
        self.row = None

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.row is None:
            self.buffer.append(data)
