"""Text normalisation and the detectors structure recovery uses to tell standards from noise.

Everything here is about the *shape* of documents (bullets, markup, tables of contents,
revision histories, document-control fields, repeated page furniture, footnotes), never about
the wording of any one authority's standards.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import cache
from pathlib import Path

import yaml

# --- characters and markup ----------------------------------------------------------------
# Bullet glyphs seen in text exported from Word/PDF: middle dot, bullet, private-use Symbol-font
# bullet (U+F0B7), squares, circles, arrows, and the markdown/ASCII dash or star.
BULLET_CHARS = "·•●▪◦‣∙○■□◆◇➢➤►▶✓✔\uf0b7\uf0a7\uf0d8\uf076"
_BULLET_RE = re.compile(rf"^[ \t\u00a0]*(?:[{BULLET_CHARS}]|[-–—*+](?=[ \t\u00a0]|$))[ \t\u00a0]*")
SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
_BOOKMARK_RE = re.compile(r"\[bookmark:[^\]]*\]")
_TOC_ANCHOR_RE = re.compile(r"_Toc\d+")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
_CARET_NOTE_RE = re.compile(r"\^\{[^}]{0,6}\}")  # ^{*}, ^{1}: pandoc-style footnote markers
_SUPER_RE = re.compile(rf"[{SUPERSCRIPTS}]+")
_BOLD_RE = re.compile(r"\*\*|__")
# an italic span may wrap onto the next line (PDF lines, wrapped cells), not across a blank line
_ITALIC_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)((?:[^*\n]|\n(?!\s*\n)){1,300}?)(?<=\S)\*(?![\w*])")
_WS_RE = re.compile(r"\s+")
_MD_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+")


def fold(text: str) -> str:
    """Collapse every run of whitespace (tabs, newlines, no-break spaces) to one space."""
    return _WS_RE.sub(" ", text.replace("\u00a0", " ")).strip()


def strip_bookmarks(text: str) -> str:
    """Remove Word bookmark anchors such as ``[bookmark: _GoBack]`` and ``_Toc...`` anchors."""
    return _TOC_ANCHOR_RE.sub("", _BOOKMARK_RE.sub("", text))


def bullet_prefix_len(line: str) -> int:
    """Length of a leading bullet marker (glyph, dash or star plus spacing), 0 when none."""
    m = _BULLET_RE.match(line)
    return m.end() if m else 0


def plain_text(raw: str) -> str:
    """Normalise a clause for display and embedding.

    Strips markdown bold/italic markers and headings, inline HTML tags, HTML entities, bullet
    glyphs at line starts, bookmarks, footnote markers (superscript digits, ``^{*}``) and folds
    whitespace. The result never contains markup, so it can be shown as-is.
    """
    text = strip_bookmarks(raw)
    text = _HTML_TAG_RE.sub(" ", text)
    text = html.unescape(text)
    text = _CARET_NOTE_RE.sub("", text)
    text = _SUPER_RE.sub("", text)
    lines = []
    for line in text.split("\n"):
        line = _MD_HEADING_RE.sub("", line)
        n = bullet_prefix_len(line)
        lines.append(line[n:] if n else line)
    text = "\n".join(lines)
    text = _BOLD_RE.sub("", text)
    text = _ITALIC_STAR_RE.sub(r"\1", text)
    return fold(text)


# --- line classes ---------------------------------------------------------------------------
_FOOTNOTE_BODY_RE = re.compile(rf"^\s*(?:[{SUPERSCRIPTS}]+|\^\{{[^}}]{{0,6}}\}})\s*\S")
_PAGE_NUMBER_RE = re.compile(r"^\s*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_URL_RE = re.compile(r"^\s*<?(?:https?://|www\.)\S+", re.IGNORECASE)


def is_footnote_body(line: str) -> bool:
    """True for a footnote's text: a line that *starts* with a footnote marker (¹, ², ^{*})."""
    return bool(_FOOTNOTE_BODY_RE.match(line))


def is_page_number(line: str) -> bool:
    """True for a bare page number ("12", "Page 3", "3 of 20")."""
    return bool(_PAGE_NUMBER_RE.match(line))


def is_url_only(line: str) -> bool:
    """True for a line that is a link and little else (a reference list, not a standard)."""
    p = plain_text(line)
    return bool(_URL_RE.match(p)) and len(p.split()) <= 8


def has_letters(text: str) -> bool:
    """True when the text contains at least two letters (drops "--", "·", "12")."""
    return sum(ch.isalpha() for ch in text) >= 2


# --- tables of contents -------------------------------------------------------------------
_TOC_HEADING_RE = re.compile(r"^\s*(?:table\s+of\s+)?contents?\s*(?:page/?s?)?\s*$", re.IGNORECASE)
_PAGE_REF_RE = re.compile(r"^\(?\d{1,4}(?:\s*[-–]\s*\d{1,4})?\)?$")
_DOT_LEADER_RE = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){4,})\s*\d{1,4}\s*$")


def is_toc_heading(text: str) -> bool:
    """True for "Contents", "CONTENTS", "Table of contents" (optionally with a "Page/s" column)."""
    return bool(_TOC_HEADING_RE.match(fold(text).replace("\t", " ")))


def is_page_ref(text: str) -> bool:
    """True for a TOC page reference: "12", "6-7", "(17-18)"."""
    return bool(_PAGE_REF_RE.match(fold(text)))


def is_toc_entry(cells: list[str]) -> bool:
    """True for one TOC line split into cells: a title followed by a page reference (or an empty
    page cell), a ``_Toc`` anchor, or dot leaders ending in a page number."""
    joined = "\t".join(cells)
    if "_Toc" in joined or _DOT_LEADER_RE.search(joined):
        return True
    nonempty = [fold(c) for c in cells if fold(c)]
    if len(cells) < 2 or not nonempty:
        return False
    last = fold(cells[-1])
    title_words = len(" ".join(nonempty[:-1] if last else nonempty).split())
    return (last == "" or is_page_ref(last)) and 0 < title_words <= 20


def toc_title(cells: list[str]) -> str:
    """The title part of a TOC entry, folded and lower-cased, for matching headings against."""
    parts = [strip_bookmarks(fold(c)) for c in cells]
    parts = [p for p in parts if p and not is_page_ref(p)]
    text = _DOT_LEADER_RE.sub("", " ".join(parts))
    return normalise_title(text)


def normalise_title(text: str) -> str:
    """Lower-case, markup-free, number-free form of a heading, for comparing headings."""
    text = plain_text(text).lower().rstrip(":.- ")
    text = re.sub(r"^(?:[a-z](?=[.\d\s])\.?)?(?:\d+(?:\.\d+)*)?\.?\)?\s*[-–:]?\s*", "", text)
    return re.sub(r"[^a-z0-9&' ]+", " ", text).strip()


# --- revision histories and document control ----------------------------------------------
_REVISION_HEADER_WORDS = re.compile(
    r"\b(version|date|description|revision|editor|author|changes?|amendments?|summary of changes|issue)\b",
    re.IGNORECASE,
)
_REVISION_HEADING_RE = re.compile(r"^\s*(revision|version|change|amendment|document)\s+(history|log|control)\b", re.IGNORECASE)
_DATE_RE = re.compile(r"^\s*(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}|[A-Za-z]{3,9}\s+\d{4})\s*$")
_VERSION_RE = re.compile(r"^\s*(?:version|ver\.?|v)\s*\d+(?:\.\d+)*\b", re.IGNORECASE)

# Field names of document-control blocks (cover sheets of policy documents). Generic document
# metadata, not standards wording.
DOC_CONTROL_FIELDS = (
    "title", "document title", "owner", "document owner", "author", "authors", "organisation",
    "organization", "filename", "file name", "subject", "protective marking", "classification",
    "security classification", "review date", "next review date", "date of next review",
    "date published", "publication date", "date of publication", "effective date", "date approved",
    "approval date", "approved by", "version", "version number", "status", "reference",
    "document reference", "audience", "lead officer", "contact", "department", "directorate",
)
_DOC_CONTROL_RE = re.compile(
    r"^\s*(?:" + "|".join(re.escape(f) for f in sorted(DOC_CONTROL_FIELDS, key=len, reverse=True)) + r")\s*(?::|\t|$)",
    re.IGNORECASE,
)
_DOC_CONTROL_HEADING_RE = re.compile(r"^\s*document\s+(control|information|details|properties)\b", re.IGNORECASE)


def is_revision_heading(text: str) -> bool:
    """True for "Revision history", "Version control", "Document history"..."""
    return bool(_REVISION_HEADING_RE.match(fold(text)))


def is_revision_header(cells: list[str]) -> bool:
    """True for the header row of a revision-history table (Version | Date | Description ...)."""
    nonempty = [fold(c) for c in cells if fold(c)]
    if len(nonempty) < 2 or any(len(c.split()) > 4 for c in nonempty):
        return False
    hits = sum(1 for c in nonempty if _REVISION_HEADER_WORDS.search(c))
    return hits >= 2


def is_revision_row(cells: list[str]) -> bool:
    """True for a revision-history row: its first cell is a version number or a date."""
    nonempty = [fold(c) for c in cells if fold(c)]
    if len(nonempty) < 2:
        return False
    first = nonempty[0]
    return bool(_VERSION_RE.match(first) and len(first.split()) <= 3) or bool(_DATE_RE.match(first))


def is_doc_control(text: str) -> bool:
    """True for a document-control field ("Owner: ...", "Review date<TAB>July 2019") or heading."""
    t = text.replace("\u00a0", " ")
    return bool(_DOC_CONTROL_RE.match(t) or _DOC_CONTROL_HEADING_RE.match(t))


# --- headings -------------------------------------------------------------------------------
# "Section 2: Referral ...", "Appendix 1 - ...", "PART 3" (but not "Section 47 Enquiries": the
# number of a statute section is not a document section).
_SECTION_RE = re.compile(
    r"^(?:section|part|chapter|appendix|annex|schedule)\s+[\dA-Z]{1,3}\s*(?:[:.\-–—]|$)", re.IGNORECASE
)
_LETTER_SECTION_RE = re.compile(r"^[A-Z]\s*(?:[-–—:.]\s*|\s+)(?=[A-Z])")
_LETTER_SUB_RE = re.compile(r"^[A-Z]\.?\d{1,2}(?:\.\d{1,2})?\s*[-–—.:]?\s*(?=[A-Z])")
_NUMBERED_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:[.)]\s*|\s+)(?=\S)")
_MODAL_RE = re.compile(r"\b(will|should|must|shall|may|can|are|is|was|were)\b")
_SMALL_WORDS = {
    "a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "by", "at", "from", "as",
    "into", "under", "&", "-", "–", "/", "vs", "per", "via", "our", "their", "its", "who", "what",
}


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s/]+", text) if w]


def is_all_caps(text: str) -> bool:
    """True when every letter is upper case and there are at least four letters."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _title_ratio(text: str) -> float:
    words = [w for w in _words(text) if w.lower().strip("()'\"’:,") not in _SMALL_WORDS]
    words = [w for w in words if any(c.isalpha() for c in w)]
    if not words:
        return 0.0
    caps = sum(1 for w in words if w.lstrip("(\"'‘“*")[:1].isupper() or w.lstrip("(\"'‘“*")[:1].isdigit())
    return caps / len(words)


def heading_info(line: str) -> tuple[int | None, str] | None:
    """Decide whether one line of running text is a heading.

    Returns ``(level, title)`` (``level`` None when the numbering says nothing about depth) or
    None for ordinary text. Headings are short, end without sentence punctuation, and are
    numbered ("Section 2: ...", "D2 ...", "1. Introduction"), marked (markdown ``#``), all in
    capitals, or in title case. A long numbered line "1. Title: description" yields the title.
    """
    raw = line.strip()
    md = _MD_HEADING_RE.match(raw)
    if md:
        return len(md.group(1)), plain_text(raw)
    text = plain_text(raw)
    if not text or not has_letters(text) or bullet_prefix_len(raw) or is_footnote_body(raw):
        return None
    if text[0].islower() or text[0] in "([\"'‘“<":
        return None
    words = text.split()
    # "1. Visiting Children and Young People: Practitioners will see ..." -> titled standard
    num = _NUMBERED_RE.match(text)
    if num and ":" in text and len(words) > 12:
        head = text[: text.index(":")]
        if 2 <= len(head.split()) <= 9 and _title_ratio(head[num.end():]) >= 0.75:
            return head.count(".") if "." in num.group(1) else 1, head.strip()
        return None
    if len(words) > 14 or len(text) > 120:
        return None
    if text[-1] in ".,;!?" and not is_all_caps(text):
        return None
    body = text
    level: int | None = None
    if _SECTION_RE.match(text):
        level = 1
    elif _LETTER_SUB_RE.match(text) and not _NUMBERED_RE.match(text):
        level = 2
        body = text[_LETTER_SUB_RE.match(text).end():]
    elif _LETTER_SECTION_RE.match(text) and is_all_caps(text[1:]):
        level = 1
    elif num:
        # "20 The Transition" style numbers without a full stop are list items far more often
        # than headings, unless the title is in capitals.
        rest = text[num.end():]
        if not (raw.lstrip("*").startswith(num.group(1) + ".") or is_all_caps(rest)):
            return None
        # a numbered sentence ("34.—(1) The registered person must ...") is a clause, not a title
        if not is_all_caps(rest) and (_MODAL_RE.search(rest.lower()) or _title_ratio(rest) < 0.6
                                      or rest.rstrip()[-1:] in "—–-"):
            return None
        level = num.group(1).count(".") + 1
        body = rest
    if not has_letters(body):
        return None
    if text.endswith(":") and _MODAL_RE.search(text.lower()):
        return None  # a lead-in sentence ("The Youth Offending Service will:")
    if level is None and _MODAL_RE.search(text.lower()) and not is_all_caps(text):
        return None
    if level is None and not is_all_caps(text) and _title_ratio(text) < 0.75:
        return None
    if level is None and len(words) == 1 and len(text) < 4:
        return None
    return level, text.rstrip(":").strip()


# --- page furniture -------------------------------------------------------------------------
@cache
def web_chrome_lines() -> frozenset[str]:
    """Folded, case-folded lines a saved web page carries around its text (``web_chrome.yaml``):
    skip links, logo alt text, menus. Text exported from a web page keeps them as lines."""
    data = yaml.safe_load(Path(__file__).with_name("web_chrome.yaml").read_text(encoding="utf-8"))
    return frozenset(fold(str(x)).casefold() for x in data["lines"])


def furniture_lines(text: str, pages: list[tuple[int, int, int]] | None = None) -> set[str]:
    """Lines repeated as page headers/footers ("CHILDREN'S SERVICES", a strapline).

    Returns their folded forms. Without a page map, a short line counts when it recurs and at
    least half of its occurrences sit at a page boundary (the document start, or next to a run
    of blank lines, which is how page breaks survive text extraction). With a page map (PDF), a
    line counts when it opens or closes at least half the pages (and two or more). A line of
    web-page chrome (``web_chrome_lines``) counts wherever it stands, even once.
    """
    lines = text.split("\n")
    folded = [fold(strip_bookmarks(x)) for x in lines]
    counts = Counter(f for f in folded if f)
    # "near a page boundary": within 3 non-blank lines of the start or of >= 3 blank lines
    near_break = [False] * len(lines)
    blank_run = 3  # the document start counts as a break
    since = 0
    for i, f in enumerate(folded):
        if not f:
            blank_run += 1
            continue
        if blank_run >= 3:
            since = 0
        near_break[i] = since < 2
        since += 1
        blank_run = 0
    # ...and the mirror image: lines just before a run of blanks (footers)
    blank_run = 3
    since = 0
    for i in range(len(lines) - 1, -1, -1):
        f = folded[i]
        if not f:
            blank_run += 1
            continue
        if blank_run >= 3:
            since = 0
        near_break[i] = near_break[i] or since < 1
        since += 1
        blank_run = 0
    chrome = web_chrome_lines()
    furniture: set[str] = {f for f in folded if f and f.casefold() in chrome}
    near = Counter(f for i, f in enumerate(folded) if f and near_break[i])
    for i, f in enumerate(folded):
        if pages or not f or counts[f] < 2 or len(f.split()) > 14 or "\t" in lines[i]:
            continue  # with a page map (PDF) only page edges decide, below
        if _NUMBERED_RE.match(f) or bullet_prefix_len(lines[i]) or f[0] in "([":
            continue
        # most occurrences sit at page boundaries: a repeated list item or heading does not
        if near[f] >= 1 and near[f] * 2 >= counts[f]:
            furniture.add(f)
    # A repeated line that is only furniture at some occurrences is still furniture: but a
    # heading used twice ("Reviews") is not near a break at either, so it is never added.
    if pages and len(pages) >= 2:
        edge = Counter()
        for start, end, _ in pages:
            page_lines = [fold(x) for x in text[start:end].split("\n") if fold(x)]
            for f in set(page_lines[:2] + page_lines[-2:]) - set(page_lines[2:-2]):
                edge[f] += 1
        for f, n in edge.items():
            if n >= 2 and n >= len(pages) / 2 and len(f.split()) <= 14 and f[0] not in "([":
                furniture.add(f)
    return furniture
