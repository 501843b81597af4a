"""PDF loader (pypdf): text per page, page map kept, repeated headers/footers removed.

Page furniture is found by comparison across pages, not by wording: a line near the top or
bottom of a page that recurs (digits ignored, so "Page 3 of 40" matches "Page 4 of 40") on
most pages is a running header/footer, and a bare page number at the top or bottom is
dropped. Everything else is kept in reading order, one ``paragraph`` block per line, so
numbered regulations ("3.—(1) ...") reach structure recovery with their numbers.

Tables in PDFs are read as lines of text; their cells are not recovered (PDF has no cells).
"""

from __future__ import annotations

import re
from collections import Counter
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
        page_lines = [_page_lines(page.extract_text() or "") for page in reader.pages]
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

    furniture = _furniture_keys(page_lines)
    text_parts: list[str] = []
    blocks: list[Block] = []
    pages: list[tuple[int, int, int]] = []
    offset = 0
    for number, lines in enumerate(page_lines, start=1):
        page_start = offset
        kept = _strip_furniture(lines, furniture)
        for line in kept:
            start = offset
            text_parts.append(line + "\n")
            offset += len(line) + 1
            if line.strip():
                blocks.append(Block(kind="paragraph", text=line, start=start, end=start + len(line), page=number))
        # A blank line between pages, inside the page span, so offsets map to a page.
        text_parts.append("\n")
        offset += 1
        pages.append((page_start, offset, number))
    text = "".join(text_parts)
    if not blocks:
        raise EmptyDocumentError(
            f"{name} has no extractable text (it may be a scanned image). Run it through OCR, or "
            "export a text-based PDF, and try again."
        )
    return SourceText(text=text, blocks=blocks, source_format="pdf", pages=pages)


def _page_lines(raw: str) -> list[str]:
    return [line.rstrip() for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


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


def _strip_furniture(lines: list[str], furniture: set[str]) -> list[str]:
    """Drop running headers/footers and bare page numbers at the edges of one page."""
    edges = set(_edge_indices(lines))
    drop = {i for i in edges if _key(lines[i]) in furniture}
    filled = [i for i, line in enumerate(lines) if line.strip()]
    # A bare number at the very top or bottom is a page number, not content.
    for i in filled[:1] + filled[-1:]:
        if _PAGE_NUMBER.match(lines[i]):
            drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."
