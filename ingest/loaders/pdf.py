"""PDF loader (pypdf): text per page, page map kept, repeated headers/footers removed.

Page furniture is found by comparison across pages, not by wording: a line near the top or
bottom of a page that recurs (digits ignored, so "Page 3 of 40" matches "Page 4 of 40") on
most pages is a running header/footer, and a bare page number at the top or bottom is
dropped. Everything else is kept in reading order, so numbered regulations ("3.—(1) ...")
reach structure recovery with their numbers.

Lines are grouped the way a reader sees them on the page, so a PDF hands structure recovery
the same blocks a text export of the document would: a vertical gap wider than the document's
usual line pitch is a paragraph break (kept as a blank line in the text, as in a text export);
a line that fills its column and is followed, at the usual pitch and in the same type size, by
a line that does not open a list item is a wrapped line, joined into one ``paragraph`` block
with it. A short block set clearly larger than the body text is a ``heading``. Without usable
positions (unusual PDFs) every line stays its own block.

Tables in PDFs are read as lines of text; their cells are not recovered (PDF has no cells).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import CorruptFileError, EmptyDocumentError, EncryptedFileError
from ingest.records import Block, SourceText

# How many lines at each end of a page are candidates for running headers/footers.
_EDGE_LINES = 4
# A candidate recurring on at least this share of pages (and on 3+ pages) is furniture.
_FURNITURE_SHARE = 0.5
_PAGE_NUMBER = re.compile(r"^\s*(page\s*)?\d{1,4}(\s*(of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)


def load_pdf(path: Path) -> SourceText:
    """Extract the text of every page of the PDF at ``path`` with its page numbers."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

    name = Path(path).name
    try:
        reader = PdfReader(str(path), strict=False)
        encrypted = reader.is_encrypted
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorruptFileError(
            f"{name} is a damaged PDF and cannot be read ({_short(exc)}). Re-export or re-download it "
            "and try again."
        ) from exc
    if encrypted:
        # Many PDFs are encrypted with an empty user password (only editing is restricted):
        # those open without a password, so only refuse when a password is really needed.
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise EncryptedFileError(
                f"{name} is encrypted with AES, which needs the 'cryptography' package to open. Remove "
                "the password/encryption (e.g. print to PDF) and try again."
            ) from exc
        except Exception:  # damaged encryption dictionaries surface as several types
            opened = 0
        if not opened:
            raise EncryptedFileError(
                f"{name} is password-protected. Remove the password (e.g. print to PDF or use "
                "'Save without password') and try again."
            )
    try:
        if len(reader.pages) == 0:
            raise CorruptFileError(f"{name} is a damaged PDF: it has no pages. Re-export it and try again.")
        page_lines = [_positioned_lines(page) for page in reader.pages]
    except CorruptFileError:
        raise
    except FileNotDecryptedError as exc:
        raise EncryptedFileError(
            f"{name} is password-protected. Remove the password and try again."
        ) from exc
    except Exception as exc:  # pypdf surfaces corrupt content streams as many exception types
        raise CorruptFileError(
            f"{name}: a page of this PDF is damaged and its text cannot be extracted ({_short(exc)}). "
            "Re-export the PDF and try again."
        ) from exc

    furniture = _furniture_keys([[ln.text for ln in lines] for lines in page_lines])
    kept: list[_Line] = []
    for number, lines in enumerate(page_lines, start=1):
        for line in _strip_furniture(lines, furniture):
            line.page = number
            kept.append(line)
    layout = _Layout(kept)
    text_parts: list[str] = []
    blocks: list[Block] = []
    page_starts: dict[int, int] = {}
    offset = 0
    page = 0

    def emit(part: str) -> None:
        nonlocal offset
        text_parts.append(part)
        offset += len(part)

    def turn_to(number: int) -> None:
        nonlocal page
        for n in range(page + 1, number + 1):
            page_starts[n] = offset
        page = number

    for para in layout.paragraphs(kept):
        first = para.lines[0].page
        if first != page:
            if page:
                emit("\n")  # a blank line between pages, as page breaks survive a text export
            turn_to(first)
        elif para.gap_before and blocks:
            emit("\n")  # a paragraph break, as a blank line of a text export
        start = offset
        for k, line in enumerate(para.lines):
            if k:
                emit("\n")
            if line.page != page:
                turn_to(line.page)  # a paragraph continued on the next page
            emit(line.text)
        kind = "heading" if layout.is_heading(para) else "paragraph"
        body = "\n".join(ln.text for ln in para.lines)
        blocks.append(Block(kind=kind, text=body, start=start, end=offset, page=first))
        emit("\n")
    if page:
        emit("\n")
    turn_to(len(page_lines))
    ends = [page_starts.get(n + 1, offset) for n in range(1, len(page_lines) + 1)]
    pages = [(page_starts[n], ends[n - 1], n) for n in range(1, len(page_lines) + 1)]
    text = "".join(text_parts)
    if not blocks:
        raise EmptyDocumentError(
            f"{name} has no extractable text (it may be a scanned image). Run it through OCR, or "
            "export a text-based PDF, and try again."
        )
    return SourceText(text=text, blocks=blocks, source_format="pdf", pages=pages)


@dataclass
class _Line:
    """One extracted line with where it sits: left edge, baseline (None when unknown), type size."""

    text: str
    x: float | None = None
    y: float | None = None
    size: float | None = None
    page: int = 0


@dataclass
class _Para:
    lines: list[_Line]
    gap_before: bool = False


def _positioned_lines(page) -> list[_Line]:
    """The page's text as pypdf extracts it, line by line, with each line's position and size.

    pypdf hands the visitor exactly the pieces it concatenates into ``extract_text()``, so the
    lines are the same as a plain extraction; positions come from the text and current matrices.
    """
    lines: list[_Line] = [_Line("")]
    sizes: list[Counter] = [Counter()]

    def visit(text: str, cm, tm, _font, font_size) -> None:
        pieces = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for k, piece in enumerate(pieces):
            if k:
                lines.append(_Line(""))
                sizes.append(Counter())
            line = lines[-1]
            line.text += piece
            if not piece.strip():
                continue
            try:
                # rendering matrix = tm x cm: where the piece starts and how tall its type is
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = abs(tm[2] * cm[1] + tm[3] * cm[3]) or abs(tm[0] * cm[0] + tm[1] * cm[2])
                size = float(font_size) * scale
            except (TypeError, IndexError, ValueError):
                continue
            if line.x is None:
                line.x, line.y = float(x), float(y)
            if size > 0:
                sizes[-1][round(size * 2) / 2] += len(piece.strip())

    raw = page.extract_text(visitor_text=visit) or ""
    if "".join(ln.text for ln in lines).replace("\n", "") != raw.replace("\r", "").replace("\n", ""):
        # The visitor did not see what the extraction returned: keep the text, drop positions.
        return [_Line(t.rstrip()) for t in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    for line, counter in zip(lines, sizes, strict=True):
        line.text = line.text.rstrip()
        if counter:
            line.size = counter.most_common(1)[0][0]  # the size most of its characters are set in
    return lines


# A line opening a list item: a bullet or dash, "(a)", "(2)", "1.", "12)", "D.2.3", "1.4 ".
_LIST_START = re.compile(
    r"^\s*(?:[\u2022\u00b7\uf0b7\u25aa\u25cf\u25e6\u2023\u2043\u2219o\-–—*+](?:\s|$)|\((?:[a-z]{1,4}|\d{1,3})\)"
    r"|(?:[A-Z]\.?)?\d{1,3}(?:\.\d{1,3})*[.)](?:\s|—|–|$)|(?:[A-Z]\.?)?\d{1,3}(?:\.\d{1,3})+\s)"
)


def _length(text: str) -> int:
    """Printed length in characters (justified text's stretched spaces count once)."""
    return len(" ".join(text.split()))


class _Layout:
    """Typical measures of one document's body text, for telling wraps from paragraph ends."""

    def __init__(self, lines: list[_Line]):
        placed = [ln for ln in lines if ln.text.strip() and ln.y is not None and ln.size]
        weights: Counter = Counter()
        for ln in placed:
            weights[ln.size] += _length(ln.text)
        self.body_size = weights.most_common(1)[0][0] if weights else None
        # usual pitch (baseline to baseline, in type sizes) between lines of one size
        ratios = sorted(
            (a.y - b.y) / a.size
            for a, b in zip(placed, placed[1:], strict=False)
            if a.size == b.size and 0 < a.y - b.y < 3 * a.size
        )
        self.pitch = ratios[len(ratios) // 2] if ratios else None
        # the length of a full line, per type size: only where many lines share one length
        # (wrapped paragraphs); otherwise no line counts as full and nothing is joined
        self.full: dict[float, int] = {}
        by_size: dict[float, list[int]] = {}
        for ln in placed:
            by_size.setdefault(ln.size, []).append(_length(ln.text))
        for size, lengths in by_size.items():
            if len(lengths) < 20:
                continue
            lengths.sort()
            top = lengths[int(len(lengths) * 0.95)]
            near = sum(1 for n in lengths if n >= top * 0.85)
            if top >= 30 and near >= max(5, len(lengths) * 0.15):
                self.full[size] = top

    def _gap(self, a: _Line, b: _Line) -> bool | None:
        """True: b sits below a with more space than the usual pitch; None: not the next line."""
        if a.y is None or b.y is None or not a.size or not b.size or self.pitch is None:
            return False
        dy = a.y - b.y
        if dy <= 0 or (a.x is not None and b.x is not None and abs(a.x - b.x) > 40 * max(a.size, b.size)):
            return None  # back up the page or far across it: another column or table cell
        return dy > self.pitch * max(a.size, b.size) * 1.35

    def _wraps(self, a: _Line, b: _Line) -> bool:
        """Is b the continuation of a's paragraph (a filled its line; b opens no list item)?"""
        full = self.full.get(a.size) if a.size else None
        if full is None or a.size != b.size or _LIST_START.match(b.text):
            return False
        first = len(b.text.split()[0]) if b.text.split() else 0
        # b's first word would have fitted on a's line: a ended there on purpose
        return _length(a.text) + 1 + first > full * 0.92

    def _wrapped_heading(self, a: _Line, b: _Line) -> bool:
        """Two lines at the usual pitch in the same heading-sized type: one heading over two lines."""
        return bool(
            self.body_size and a.size and a.size == b.size and a.size >= self.body_size * 1.15
            and not re.search(r"[.;:!?]$", a.text.strip()) and not _LIST_START.match(b.text)
        )

    def paragraphs(self, lines: list[_Line]) -> list[_Para]:
        """The document's lines grouped into paragraphs (blank lines dropped). A paragraph whose
        last line on a page fills it goes on with the next page's first line."""
        paras: list[_Para] = []
        prev: _Line | None = None
        gap_pending = False
        for ln in lines:
            if not ln.text.strip():
                gap_pending = gap_pending or (prev is not None and prev.page == ln.page)
                continue
            if prev is None:
                joined, gap = False, False
            elif prev.page != ln.page:
                joined, gap = not gap_pending and self._wraps(prev, ln), False
                gap_pending = False
            else:
                gap = self._gap(prev, ln)
                joined = gap is False and not gap_pending and (
                    self._wraps(prev, ln) or self._wrapped_heading(prev, ln))
            if joined:
                paras[-1].lines.append(ln)
            else:
                paras.append(_Para([ln], gap_before=bool(gap) or gap_pending))
            prev, gap_pending = ln, False
        return paras

    def is_heading(self, para: _Para) -> bool:
        """A short paragraph set clearly larger than the body text, not a sentence or list item."""
        size = para.lines[0].size
        if self.body_size is None or not size or size < self.body_size * 1.15 or len(para.lines) > 3:
            return False
        text = " ".join(ln.text for ln in para.lines)
        words = text.split()
        # a sentence ends in a full stop; a heading may end in ":" or "?" ("Why develop ...?")
        return (
            0 < len(words) <= 16
            and sum(ch.isalpha() for ch in text) >= 2
            and not re.search(r"[.;,!]$", text.strip())
            and not _LIST_START.match(text)
        )


def _key(line: str) -> str:
    """Comparison key for furniture: whitespace folded, digits ignored."""
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _edge_indices(lines: list[str]) -> list[int]:
    """Indices of the first and last few non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _furniture_keys(page_lines: list[list[str]]) -> set[str]:
    """Keys of lines that recur at the top/bottom of most pages."""
    if len(page_lines) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in page_lines:
        counts.update({_key(lines[i]) for i in _edge_indices(lines)})
    threshold = max(3, int(len(page_lines) * _FURNITURE_SHARE + 0.5))
    return {key for key, n in counts.items() if n >= threshold and key.strip("# ")}


def _strip_furniture(lines: list[_Line], furniture: set[str]) -> list[_Line]:
    """Drop running headers/footers and bare page numbers at the edges of one page."""
    texts = [ln.text for ln in lines]
    edges = set(_edge_indices(texts))
    drop = {i for i in edges if _key(texts[i]) in furniture}
    filled = [i for i, line in enumerate(texts) if line.strip()]
    # A bare number at the very top or bottom is a page number, not content.
    for i in filled[:1] + filled[-1:]:
        if _PAGE_NUMBER.match(texts[i]):
            drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
