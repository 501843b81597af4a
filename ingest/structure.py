"""Structure recovery: loader blocks -> sections (heading paths) and citable clauses.

Works from ``Block`` records of any loader: ``heading`` blocks (styled or recognised),
``paragraph`` blocks (a line or paragraph of running text; PDF lines carry pages) and ``row``
blocks with ``cells``. A clause is what a practitioner would cite: a numbered standard
("D.2.3", "10.1", "8"), one bullet of a table row's requirements cell (with the row's label as
``cohort_context`` and its trailing cell as ``role_context``), or a paragraph. Wrapped lines,
text continued over a page break and text interrupted by a footnote or page furniture are
joined into one clause; tables of contents, revision histories, document-control fields and
page furniture never become clauses.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.normalise import (
    bullet_prefix_len,
    fold,
    furniture_lines,
    has_letters,
    heading_info,
    is_all_caps,
    is_doc_control,
    is_footnote_body,
    is_page_number,
    is_revision_header,
    is_revision_heading,
    is_revision_row,
    is_toc_entry,
    is_toc_heading,
    is_url_only,
    normalise_title,
    plain_text,
    strip_bookmarks,
    toc_title,
)
from ingest.records import Block, Clause, Section, SourceText

# A clause reference as printed: "12", "1.4", "10.1", "D.2.3", "A.1.10", "D2.3".
_REF = r"(?:[A-Z]\.?)?\d{1,3}(?:\.\d{1,3}){0,3}"
_REF_ONLY_RE = re.compile(rf"^\(?({_REF})[.)]?$")
# A reference opening running text: "- 8. The first...", "**6.** The ...", "1.17   The case".
_LEAD_REF_RE = re.compile(rf"^(?:\*\*)?({_REF})(?:[.)](?:\*\*)?\s*|(?:\*\*)?\s+)(?=\S)")
_TERMINAL_RE = re.compile(r"[.!?:;]['\"’”)\]*]*$")
# Words after which an English sentence cannot end: a line ending on one was cut (page break).
_OPEN_ENDINGS = {
    "a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "by", "at", "from", "as",
    "into", "that", "which", "who", "whom", "whose", "their", "his", "her", "its", "our", "your",
    "be", "is", "are", "was", "were", "will", "should", "must", "has", "have", "been", "than",
    "under", "within", "between", "about", "this", "these", "those", "if", "when", "where", "but",
    "not", "no", "any", "all", "each", "every", "per", "via", "including", "such",
}


@dataclass
class _Open:
    """A clause being assembled from one or more source spans."""

    pieces: list[tuple[int, int]]
    ref: str | None
    heading_path: list[str]
    cohort: str | None = None
    role: str | None = None
    from_row: bool = False
    extra: list[str] = field(default_factory=list)


def _is_ref(text: str) -> str | None:
    m = _REF_ONLY_RE.match(fold(text))
    return m.group(1) if m else None


def _lead_ref(text: str) -> tuple[str, int] | None:
    """Reference at the start of ``text`` and the offset where the clause text begins."""
    m = _LEAD_REF_RE.match(text)
    if not m:
        return None
    ref = m.group(1)
    rest = text[m.end():]
    sep = text[len(m.group(0).rstrip()) - 1] if m.group(0).strip() else ""
    # "5 working days ..." is a quantity, not a list number: without a full stop or bracket the
    # number must be followed by a capitalised word (or bold/italic markup).
    if not re.match(rf"^(?:\*\*)?{re.escape(ref)}(?:[.)]|\*\*)", text) and not rest[:1].isupper() \
            and not rest.startswith(("*", "<", "‘", "'", '"', "“")):
        return None
    if "." not in ref and ref.isdigit() and int(ref) > 200:
        return None  # a year or a count, not a list number
    del sep
    return ref, m.end()


def _terminated(text: str) -> bool:
    t = plain_text(text)
    return not t or bool(_TERMINAL_RE.search(t))


def open_ending(text: str) -> bool:
    """Whether ``text`` stops where a sentence cannot ("... of the", "... and,"): what follows
    on the next line continues it."""
    t = plain_text(text)
    if not t:
        return False
    if t[-1] in ",-–/(&":
        return True
    last = re.sub(r"[^\w']", "", t.split()[-1].lower())
    return last in _OPEN_ENDINGS


def _starts_lower(text: str) -> bool:
    t = plain_text(text)
    return bool(t) and t[0].islower()


def _label_text(text: str) -> str:
    return plain_text(text).rstrip(":").strip()


class _Recoverer:
    def __init__(self, source: SourceText, document_id: str, authority: str, id_prefix: str):
        self.src = source
        self.text = source.text
        self.document_id = document_id
        self.authority = authority
        self.id_prefix = id_prefix
        self.clauses: list[Clause] = []
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str, bool]] = []  # (level, title, structural)
        self.open: _Open | None = None
        self.last_was_heading = False
        self.last_row_context: tuple[str | None, str | None] | None = None
        self.furniture = furniture_lines(self.text, source.pages)
        self.toc_titles: set[str] = set()
        self.toc_base = 1
        self.seen_plain: Counter[str] = Counter()
        self.boilerplate: set[str] = set()

    # --- headings ----------------------------------------------------------------------
    def heading_path(self) -> list[str]:
        return [t for _, t, _ in self.stack]

    def push_heading(self, block: Block, level: int | None, title: str, from_row: bool = False) -> None:
        self.close()
        title = _label_text(strip_bookmarks(title)) or fold(title)
        structural = level is not None
        if from_row:
            base = next((lv for lv, _, s in reversed(self.stack) if s), 0)
            level = base + 1
            structural = False
        elif level is None:
            if normalise_title(title) in self.toc_titles:
                level, structural = self.toc_base, True
            elif not self.stack:
                level = 1
            elif self.last_was_heading:
                level = self.stack[-1][0] + 1
            else:
                last_level, _, last_structural = self.stack[-1]
                level = last_level + 1 if last_structural else last_level
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title, structural))
        self.sections.append(Section(heading_path=self.heading_path(), start=block.start, end=block.end,
                                     ordinal=len(self.sections) + 1))
        self.last_was_heading = True
        self.last_row_context = None

    # --- clauses ------------------------------------------------------------------------
    def close(self) -> None:
        """Finish the open clause (if any) and emit it."""
        if self.open is None:
            return
        o, self.open = self.open, None
        pieces = [(s, e) for s, e in o.pieces if e > s]
        if not pieces:
            return
        # Verbatim source between the pieces when only whitespace separates them (so
        # text == source[start:end]); a newline where furniture or a footnote was cut out.
        parts = [self.text[pieces[0][0]:pieces[0][1]]]
        for (_, prev_end), (s, e) in zip(pieces, pieces[1:], strict=False):
            gap = self.text[prev_end:s] if s >= prev_end else ""
            parts.append(gap if not gap.strip() else "\n")
            parts.append(self.text[s:e])
        raw = "".join(parts)
        text = strip_bookmarks(raw)
        if text != raw:
            text = text.strip()
        plain = plain_text(text)
        if not plain or not has_letters(plain):
            return
        key = _boiler_key(plain)
        if key in self.boilerplate:
            self.seen_plain[key] += 1
            if self.seen_plain[key] > 1:
                return
        start, end = pieces[0][0], pieces[-1][1]
        ordinal = len(self.clauses) + 1
        self.clauses.append(Clause(
            id=f"{self.id_prefix}-{ordinal:04d}",
            document_id=self.document_id,
            authority=self.authority,
            ordinal=ordinal,
            heading_path=list(o.heading_path),
            clause_ref=o.ref,
            text=text,
            plain_text=plain,
            start=start,
            end=end,
            page=self.src.page_at(start),
            cohort_context=o.cohort or None,
            role_context=o.role or None,
        ))

    def start(self, start: int, end: int, ref: str | None, cohort: str | None = None,
              role: str | None = None, from_row: bool = False) -> None:
        self.close()
        self.open = _Open(pieces=[(start, end)], ref=ref, heading_path=self.heading_path(),
                          cohort=cohort, role=role, from_row=from_row)
        self.last_was_heading = False

    def can_continue(self, start: int, raw: str, bulleted: bool) -> bool:
        """Does text at ``start`` continue the open clause (wrapped line, page break, footnote)?"""
        if self.open is None:
            return False
        prev = self.text[self.open.pieces[-1][0]:self.open.pieces[-1][1]]
        if _terminated(prev):
            return False
        if _starts_lower(raw):
            return True
        if bulleted:
            return False
        between = self.text[self.open.pieces[-1][1]:start]
        adjacent = between.count("\n") <= 1
        return adjacent or open_ending(prev)

    def extend(self, start: int, end: int) -> None:
        assert self.open is not None
        self.open.pieces.append((start, end))
        self.last_was_heading = False

    # --- pre-pass -----------------------------------------------------------------------
    def classify(self, blocks: list[Block]) -> list[str]:
        """Label each block: skip | footnote | heading | row | para (TOC, revision history,
        document control and furniture become ``skip``)."""
        kinds: list[str] = []
        in_toc = in_rev = in_ctl = False
        ctl_open_end = False
        for b in blocks:
            cells = [c.text for c in b.cells] if b.kind == "row" else b.text.split("\t")
            line = fold(strip_bookmarks(b.text))
            kind = "row" if b.kind == "row" else ("heading" if b.kind == "heading" else "para")
            first_cell = next((fold(c) for c in cells if fold(c)), "")
            # tables of contents
            if is_toc_heading(line) or (b.kind == "row" and is_toc_heading(first_cell)):
                in_toc = True
                kinds.append("skip")
                continue
            if in_toc:
                if is_toc_entry(cells) or (b.kind != "row" and re.search(r"\s\(?\d{1,3}(?:[-–]\d{1,3})?\)?$", line)
                                           and len(line.split()) <= 16):
                    self.toc_titles.add(toc_title(cells))
                    kinds.append("skip")
                    continue
                in_toc = False
            if "_Toc" in b.text or re.search(r"\.{5,}\s*\d{1,4}\s*$", b.text):
                self.toc_titles.add(toc_title(cells))
                kinds.append("skip")
                continue
            # revision histories
            if b.kind != "row" and is_revision_heading(line) and len(line.split()) <= 4:
                in_rev = True
                kinds.append("skip")
                continue
            if b.kind == "row" and is_revision_header(cells):
                in_rev = True
                kinds.append("skip")
                continue
            if in_rev:
                if b.kind == "row" or is_revision_row(cells):
                    kinds.append("skip")
                    continue
                in_rev = False
            # document control
            if is_doc_control(b.text) or (in_ctl and b.kind == "row" and len([c for c in cells if fold(c)]) <= 2
                                          and len(first_cell.split()) <= 4):
                in_ctl = True
                ctl_open_end = open_ending(b.text)
                kinds.append("skip")
                continue
            if in_ctl and ctl_open_end and b.kind != "row" and len(line.split()) <= 8:
                ctl_open_end = False
                kinds.append("skip")
                continue
            in_ctl = False
            # furniture and other non-standards
            if b.kind != "row" and (line in self.furniture or is_page_number(line) or is_url_only(b.text)):
                kinds.append("skip")
                continue
            if b.kind != "row" and is_footnote_body(b.text):
                kinds.append("footnote")
                continue
            if b.kind == "row" and not has_letters("".join(cells)):
                kinds.append("skip")
                continue
            kinds.append(kind)
        if any(t.startswith(("section", "part ", "chapter")) for t in self.toc_titles) or any(
            re.match(r"^(section|part|chapter)\s", fold(b.text).lower()) for b in blocks if b.kind == "heading"
        ):
            self.toc_base = 2
        self.toc_titles = {normalise_title(t) for t in self.toc_titles if t}
        # boilerplate: the same long passage three times or more (a repeated preamble)
        counts = Counter(
            _boiler_key(plain_text(b.text)) for b, k in zip(blocks, kinds, strict=True) if k in ("para", "row")
        )
        self.boilerplate = {t for t, n in counts.items() if n >= 3 and len(t.split()) >= 12}
        return kinds

    # --- blocks -------------------------------------------------------------------------
    def paragraph(self, b: Block) -> None:
        raw = b.text
        info = heading_info(raw)
        if info is not None:
            level, title = info
            ref = _lead_ref(plain_text(raw).lstrip("#").strip())
            long_titled = len(fold(raw).split()) > 12 and ":" in raw
            self.push_heading(b, level, title)
            if long_titled:  # "1. Visiting ...: Practitioners will ..." is also a standard
                self.start(b.start, b.end, ref[0] if ref else None)
            return
        nb = bullet_prefix_len(raw)
        body_off = nb
        rest = raw[nb:]
        lead = _lead_ref(rest)
        ref = None
        if lead:
            ref, off = lead
            body_off = nb + off
        s = b.start + body_off
        body = raw[body_off:]
        if not plain_text(body):
            return  # an empty bullet ("·", "-")
        if ref is None and self.open is not None and self.can_continue(b.start, body, bulleted=bool(nb)):
            # a continuation keeps its first character verbatim ("– for these children")
            self.extend(b.start, b.end)
            return
        self.start(s, b.end, ref)

    def row(self, b: Block) -> None:
        cells = [c for c in b.cells if fold(c.text)]
        if not cells:
            return
        texts = [fold(c.text) for c in cells]
        leading_empty = bool(b.cells) and not fold(b.cells[0].text)
        # heading rows: "10<TAB>A STRATEGY MEETING/DISCUSSION", "CHILD PROTECTION STANDARDS"
        if len(cells) <= 2 and len(" ".join(texts).split()) <= 14:
            title = " ".join(texts)
            if (len(cells) == 2 and _is_ref(texts[0]) and is_all_caps(texts[1])) or (
                    len(cells) == 1 and (is_all_caps(texts[0]) or heading_info(texts[0]) is not None)):
                self.push_heading(b, None, title, from_row=True)
                return
        # header rows: every cell a short capitalised label
        if len(cells) >= 2 and all(is_all_caps(t) and len(t.split()) <= 6 for t in texts):
            self.close()
            self.last_row_context = None
            return
        # a row continuing the previous clause over a page break ("<TAB>shared and where ...")
        ref = _is_ref(texts[0])
        if ref is None and leading_empty and self.open is not None and self.open.from_row:
            first = cells[0]
            if _starts_lower(first.text) or len(cells) == 1 and not _terminated(
                    self.text[self.open.pieces[-1][0]:self.open.pieces[-1][1]]):
                self.extend(first.start, first.end)
                return
        body_i: int | None = None
        body_off = 0
        if ref is not None and len(cells) >= 2:
            body_i = 1
        elif ref is None:
            lead = _lead_ref(cells[0].text)
            if lead and len(texts[0].split()) >= 4:
                ref, body_off = lead
                body_i = 0
        if body_i is None:
            ref = None
            body_i = next((i for i, c in enumerate(cells) if _bodyish(c.text)), None)
        if body_i is None:
            # a grid row (e.g. event | system step | timescale): the whole row is one clause
            self.start(b.start, b.end, None, from_row=True)
            self.close()
            return
        labels = [t for i, t in enumerate(texts[:body_i]) if not (i == 0 and _is_ref(t))]
        trailer = [c.text for c in cells[body_i + 1:]]
        cohort = _label_text(" ".join(labels)) or None
        role = _role_text(trailer) or None
        if ref is None and cohort is None and role is None and leading_empty and self.last_row_context:
            cohort, role = self.last_row_context  # a merged cell carries on down the table
        body = cells[body_i]
        if ref is not None:
            self.start(body.start + body_off, body.end, ref, cohort, role, from_row=True)
        else:
            self.cell_items(body.start, body.end, cohort, role)
        self.last_row_context = (cohort, role) if (cohort or role) else self.last_row_context

    def cell_items(self, start: int, end: int, cohort: str | None, role: str | None) -> None:
        """One clause per bullet of a requirements cell (or one for the whole cell)."""
        cell = self.text[start:end]
        lines = []
        pos = 0
        for ln in cell.split("\n"):
            lines.append((start + pos, start + pos + len(ln), ln))
            pos += len(ln) + 1
        has_bullets = any(bullet_prefix_len(ln) for _, _, ln in lines)
        if not has_bullets:
            self.start(start, end, None, cohort, role, from_row=True)
            return
        self.close()
        for s, e, ln in lines:
            content = ln.rstrip()
            e = s + len(content)
            if not plain_text(content):
                continue
            nb = bullet_prefix_len(content)
            if nb:
                if not plain_text(content[nb:]):
                    continue  # an empty bullet
                if self.open is not None and _starts_lower(content[nb:]) and not _terminated(
                        self.text[self.open.pieces[-1][0]:self.open.pieces[-1][1]]):
                    self.extend(s + nb, e)
                    continue
                self.start(s + nb, e, None, cohort, role, from_row=True)
            elif self.open is not None:
                self.extend(s + (len(content) - len(content.lstrip())), e)
            else:
                self.start(s + (len(content) - len(content.lstrip())), e, None, cohort, role, from_row=True)

    def run(self, blocks: list[Block]) -> tuple[list[Section], list[Clause]]:
        kinds = self.classify(blocks)
        for b, kind in zip(blocks, kinds, strict=True):
            if kind == "skip":
                continue
            if kind == "footnote":
                # a footnote interrupting a clause: emit it on its own, keep the clause open
                held, self.open = self.open, None
                self.start(b.start, b.end, None)
                self.close()
                self.open = held
                continue
            if kind == "heading":
                level = b.level
                info = heading_info(b.text)
                title = info[1] if info else fold(b.text)
                if level is None and info is not None:
                    level = info[0]
                long_titled = len(fold(b.text).split()) > 12 and ":" in b.text
                self.push_heading(b, level, title)
                if long_titled:
                    lead = _lead_ref(plain_text(b.text))
                    self.start(b.start, b.end, lead[0] if lead else None)
                continue
            if kind == "row":
                self.row(b)
                continue
            self.last_row_context = None  # running text ends a table
            self.paragraph(b)
        self.close()
        self._section_ends()
        return self.sections, self.clauses

    def _section_ends(self) -> None:
        levels = [len(s.heading_path) for s in self.sections]
        for i, s in enumerate(self.sections):
            s.end = len(self.text)
            for j in range(i + 1, len(self.sections)):
                if levels[j] <= levels[i]:
                    s.end = self.sections[j].start
                    break


def _boiler_key(plain: str) -> str:
    """Comparison key for repeated passages: case and quote style do not matter."""
    return plain.lower().translate(str.maketrans("‘’“”", "''\"\""))


def _role_text(cells: list[str]) -> str:
    """Responsible-role cells as one label; a role wrapped over lines ("Assistant Team Manager/",
    "Team Manager", "EDS Social Worker") lists alternatives, so its lines are joined with "/"."""
    parts = []
    for cell in cells:
        lines = [plain_text(ln).strip(" /") for ln in cell.split("\n")]
        lines = [ln for ln in lines if ln]
        if lines:
            parts.append("/".join(lines))
    return re.sub(r"\s*/\s*", "/", " ".join(parts)).rstrip(":").strip()


def _bodyish(text: str) -> bool:
    """A requirements cell: bullets, a sentence, or long text (not a label)."""
    t = text.strip()
    first = next((ln for ln in t.split("\n") if ln.strip()), "")
    if bullet_prefix_len(first):
        return True
    words = fold(t).split()
    return len(words) >= 20 or (bool(re.search(r"[.;!?]['’”)]*$", fold(t))) and len(words) >= 6)


def recover_structure(
    source: SourceText, document_id: str, authority: str, id_prefix: str
) -> tuple[list[Section], list[Clause]]:
    """Recover the outline and the citable clauses of one document.

    Clause ids are ``f"{id_prefix}-{ordinal:04d}"`` (ordinals from 1, in document order).
    ``Clause.text`` is the source text of the clause (markup kept, bookmarks removed, pieces
    interrupted by furniture or footnotes joined by a newline); ``start``/``end`` span it in
    ``source.text``.
    """
    blocks = sorted(source.blocks, key=lambda b: b.start)
    return _Recoverer(source, document_id, authority, id_prefix).run(blocks)
