"""Renderers for induction packs and quizzes: DOCX (python-docx), Markdown, CSV and JSON.

Every format carries the same items: the DOCX, the Markdown and the CSV of one pack list the
same obligations with the same timescales and sources, so a trainer can pick the format that
suits the course. DOCX uses Word's own heading styles (so the navigation pane and a table of
contents work) and a real table for the at-a-glance page.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from ingest.errors import BadRequestError
from service.changes import pack_csv_rows, pack_notes
from service.induction import GLANCE_JOIN, InductionPack, PackItem
from service.quiz import LETTERS, Quiz
from service.records import NATIONAL_LABEL

INDUCTION_FORMATS = ("docx", "md", "csv")
QUIZ_FORMATS = ("docx", "md", "json")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
CSV_COLUMNS = [
    "record",
    "authority",
    "role",
    "stage",
    "topic",
    "duty",
    "requirement",
    "timescale",
    "anchor",
    "cohort",
    "actor",
    "document",
    "section",
    "clause",
    "page",
    "source",
    # The national figure for the same duty (labelled national, never the authority's own).
    "national_figure",
    "national_source",
    "national_url",
    "local_against_national",
]
GLANCE_HEADER = ["Stage", "Duty", "Cohort", "Timescale", "Source", NATIONAL_LABEL]
NO_CONFLICTS = "No conflicting figures were found for these duties in the standards."


@dataclass
class Rendered:
    """A file ready to send: its bytes, media type and a download name."""

    content: bytes
    media_type: str
    filename: str


def render_induction(pack: InductionPack, fmt: str) -> Rendered:
    """Render ``pack`` as ``fmt`` (docx, md or csv)."""
    fmt = _check_format(fmt, INDUCTION_FORMATS, "induction pack")
    where = "all-authorities" if pack.cross_authority else pack.authorities[0]
    name = _slug("induction", where, pack.role, pack.topic or "", pack.cohort or "") + f".{fmt}"
    if fmt == "docx":
        content = induction_docx(pack)
    elif fmt == "md":
        content = induction_markdown(pack).encode("utf-8")
    else:
        content = induction_csv(pack).encode("utf-8")
    return Rendered(content, MEDIA_TYPES[fmt], name)


def render_quiz(quiz: Quiz, fmt: str) -> Rendered:
    """Render ``quiz`` as ``fmt`` (docx, md or json)."""
    fmt = _check_format(fmt, QUIZ_FORMATS, "quiz")
    name = _slug("quiz", quiz.authority, quiz.role or "") + f".{fmt}"
    if fmt == "docx":
        content = quiz_docx(quiz)
    elif fmt == "md":
        content = quiz_markdown(quiz).encode("utf-8")
    else:
        content = (json.dumps(quiz.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return Rendered(content, MEDIA_TYPES[fmt], name)


# --- induction: shared pieces ---------------------------------------------------------------
def glance_header(pack: InductionPack) -> list[str]:
    """Columns of the at-a-glance table (an Authority column for cross-authority packs)."""
    return (["Authority"] if pack.cross_authority else []) + GLANCE_HEADER


def glance_rows(pack: InductionPack) -> list[list[str]]:
    """Cells of the at-a-glance table, one list per row, in ``glance_header`` order."""
    rows = []
    for row in pack.glance:
        cells = [stage_title(row.stage), row.topic, row.cohort or "—", row.timescale, row.reference, row.national or "—"]
        rows.append(([row.authority] if pack.cross_authority else []) + cells)
    return rows


def stage_title(stage: str) -> str:
    """A journey stage as a heading: "child protection" -> "Child protection"."""
    return stage[:1].upper() + stage[1:]


def item_details(item: PackItem, cross_authority: bool) -> str:
    """The line under an item: authority (cross-authority packs), who, cohort and anchor."""
    parts = []
    if cross_authority:
        parts.append(f"Authority: {item.authority}")
    if item.actor:
        parts.append(f"Who: {item.actor}")
    parts.append(f"Cohort: {item.cohort or 'not stated'}")
    if item.anchor or item.kind == "deadline":  # a frequency usually runs from nothing in particular
        parts.append(f"Runs from: {item.anchor or 'not stated'}")
    return " · ".join(parts)


def item_source(item: PackItem) -> str:
    """The source line of an item, as every format prints it: the citation label (section and
    standard number), then the document."""
    return f"Source: {item.citation} — {item.document_title}"


def item_national(item: PackItem) -> list[str]:
    """The lines under an item giving the national figure for the same duty, each labelled
    "National (statutory guidance)" with its source and how the local figure compares."""
    return [n.line for n in item.national]


def _intro(pack: InductionPack) -> list[str]:
    where = ", ".join(pack.authorities)
    lines = [
        f"Role: {pack.role}. Authority: {where}."
        + (f" Topic: {pack.topic}." if pack.topic else "")
        + (f" Cohort: {pack.cohort}." if pack.cohort else ""),
        f"{len(pack.items)} timed duties from "
        + "; ".join(title for _, title in pack.documents)
        + ". Each item quotes its requirement and gives its source; check the source before relying on it.",
        f"Where national law or statutory guidance sets a figure for the same duty, it is shown beside the local one "
        f"as '{NATIONAL_LABEL}' with its source; only national figures verified against their source are shown.",
    ]
    return lines + pack_notes(pack.sources)  # the versions built from, what changed since (service.changes)


def _topic_groups(items: list[PackItem]) -> list[tuple[str, list[PackItem]]]:
    groups: list[tuple[str, list[PackItem]]] = []
    for item in items:
        topic = item.topic or "Other duties"
        if not groups or groups[-1][0] != topic:
            groups.append((topic, []))
        groups[-1][1].append(item)
    return groups


# --- induction: DOCX ------------------------------------------------------------------------
def induction_docx(pack: InductionPack) -> bytes:
    """The pack as a Word document: Title, Heading 1 per stage, Heading 2 per topic, one table."""
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.title = pack.title
    doc.add_heading(pack.title, level=0)
    for line in _intro(pack):
        doc.add_paragraph(line)

    doc.add_heading("Timescales at a glance", level=1)
    header = glance_header(pack)
    rows = glance_rows(pack)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    # Small type keeps the at-a-glance table to about one page.
    for row in table.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(8)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for group in pack.stages:
        doc.add_heading(stage_title(group.stage), level=1)
        for topic, items in _topic_groups(group.items):
            doc.add_heading(topic[:1].upper() + topic[1:], level=2)
            for item in items:
                para = doc.add_paragraph(style="List Bullet")
                para.add_run(item.timescale[:1].upper() + item.timescale[1:]).bold = True
                para.add_run(f" — {item.duty}: {item.requirement}")
                doc.add_paragraph(item_details(item, pack.cross_authority))
                source = doc.add_paragraph()
                source.add_run(item_source(item)).italic = True
                for line in item_national(item):
                    doc.add_paragraph(line)

    doc.add_heading("Conflicts in the standards", level=1)
    if not pack.conflicts:
        doc.add_paragraph(NO_CONFLICTS)
    for conflict in pack.conflicts:
        doc.add_heading(_conflict_title(conflict), level=2)
        doc.add_paragraph(conflict.reason)
        for words, source in conflict.figures:
            para = doc.add_paragraph(style="List Bullet")
            para.add_run(words).bold = True
            para.add_run(f" — {source}")

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# --- induction: Markdown --------------------------------------------------------------------
def induction_markdown(pack: InductionPack) -> str:
    """The pack as Markdown with the same headings, table and items as the DOCX."""
    out = [f"# {pack.title}", ""]
    for line in _intro(pack):
        out += [line, ""]
    out += ["## Timescales at a glance", ""]
    header = glance_header(pack)
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join("---" for _ in header) + "|")
    for values in glance_rows(pack):
        out.append("| " + " | ".join(_md_cell(v) for v in values) + " |")
    out.append("")
    for group in pack.stages:
        out += [f"## {stage_title(group.stage)}", ""]
        for topic, items in _topic_groups(group.items):
            out += [f"### {topic[:1].upper() + topic[1:]}", ""]
            for item in items:
                words = item.timescale[:1].upper() + item.timescale[1:]
                out.append(f"- **{_md(words)}** — {_md(item.duty)}: {_md(item.requirement)}  ")
                out.append(f"  {_md(item_details(item, pack.cross_authority))}  ")
                out.append(f"  *{_md(item_source(item))}*")
                out += [f"  - {_md(line)}" for line in item_national(item)]  # a sub-bullet: its own line
            out.append("")
    out += ["## Conflicts in the standards", ""]
    if not pack.conflicts:
        out += [NO_CONFLICTS, ""]
    for conflict in pack.conflicts:
        out += [f"### {_conflict_title(conflict)}", "", _md(conflict.reason), ""]
        for words, source in conflict.figures:
            out.append(f"- **{_md(words)}** — {_md(source)}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# --- induction: CSV -------------------------------------------------------------------------
def induction_csv(pack: InductionPack) -> str:
    """One row per item (``record`` = item), then one per conflict (``record`` = conflict)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for item in pack.items:
        writer.writerow(
            {
                "record": "item",
                "authority": item.authority,
                "role": pack.role,
                "stage": item.stage,
                "topic": item.topic or "",
                "duty": item.duty,
                "requirement": item.requirement,
                "timescale": item.timescale,
                "anchor": item.anchor or "",
                "cohort": item.cohort or "",
                "actor": item.actor or "",
                "document": item.document_title,
                "section": item.section,
                "clause": item.clause_ref or "",
                "page": "" if item.page is None else item.page,
                "source": item_source(item).removeprefix("Source: "),
                "national_figure": GLANCE_JOIN.join(n.description for n in item.national),
                "national_source": GLANCE_JOIN.join(n.source for n in item.national),
                "national_url": GLANCE_JOIN.join(n.url for n in item.national),
                "local_against_national": GLANCE_JOIN.join(n.verdict for n in item.national),
            }
        )
    for row in pack_csv_rows(pack.sources):  # built_from / changed_since rows (service.changes)
        writer.writerow({"role": pack.role, **row})
    for conflict in pack.conflicts:
        writer.writerow(
            {
                "record": "conflict",
                "authority": conflict.authority,
                "role": pack.role,
                "topic": conflict.topic,
                "requirement": conflict.reason,
                "timescale": " | ".join(words for words, _ in conflict.figures),
                "anchor": conflict.anchor or "",
                "cohort": conflict.cohort or "",
                "source": " | ".join(source for _, source in conflict.figures),
            }
        )
    return buffer.getvalue()


# --- quiz -----------------------------------------------------------------------------------
def quiz_docx(quiz: Quiz) -> bytes:
    """Questions with lettered options, then a page break and the answer key as a table."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    doc = Document()
    doc.core_properties.title = quiz.title
    doc.add_heading(quiz.title, level=0)
    doc.add_paragraph(_quiz_intro(quiz))
    doc.add_heading("Questions", level=1)
    for item in quiz.items:
        doc.add_heading(f"Question {item.number}", level=2)
        doc.add_paragraph(item.question)
        for letter, option in zip(LETTERS, item.options, strict=False):
            doc.add_paragraph(f"{letter}. {option}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading("Answer key", level=1)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["No.", "Answer", "Source", "What the standard says"], strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for item in quiz.items:
        cells = table.add_row().cells
        values = [str(item.number), f"{item.answer_letter}. {item.answer}", item.citation, item.quote]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def quiz_markdown(quiz: Quiz) -> str:
    """The quiz as Markdown: questions, then the answer key with sources."""
    out = [f"# {quiz.title}", "", _quiz_intro(quiz), "", "## Questions", ""]
    for item in quiz.items:
        out += [f"### Question {item.number}", "", _md(item.question), ""]
        out += [f"- {letter}. {_md(option)}" for letter, option in zip(LETTERS, item.options, strict=False)]
        out.append("")
    out += ["## Answer key", ""]
    for item in quiz.items:
        out.append(f"{item.number}. **{item.answer_letter}. {_md(item.answer)}** — {_md(item.citation)}  ")
        out.append(f"   > {_md(item.quote)}")
    return "\n".join(out).rstrip() + "\n"


def _quiz_intro(quiz: Quiz) -> str:
    return (
        f"{len(quiz.items)} questions on the timescales in {quiz.authority}'s practice standards"
        + (f" that a {quiz.role} owns" if quiz.role else "")
        + f". Choose one answer for each; the answer key with sources follows. (Seed {quiz.seed}.)"
    )


# --- helpers --------------------------------------------------------------------------------
def _conflict_title(conflict) -> str:
    title = f"{conflict.authority}: {conflict.topic}"
    if conflict.cohort:
        title += f" ({conflict.cohort})"
    return title


def _check_format(fmt: str, allowed: tuple[str, ...], what: str) -> str:
    fmt = (fmt or "").strip().lower().lstrip(".")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in allowed:
        raise BadRequestError(f"Unknown format '{fmt}' for a {what}. Choose one of: {', '.join(allowed)}.")
    return fmt


def _slug(*parts: str) -> str:
    words = "-".join(p for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", words.casefold()).strip("-")


def _md(text: str) -> str:
    """Escape the characters Markdown would read as formatting inside running text."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", text)


def _md_cell(text: str) -> str:
    return _md(text).replace("\n", " ")
