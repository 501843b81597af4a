"""`standards baseline`: one authority's standards checked against the national minimum."""

from __future__ import annotations

import json
import textwrap

import click

FORMATS = ("table", "csv", "json")
# Width the table wraps quoted text to (a terminal's usual 100 columns, less the indent).
WRAP_WIDTH = 94


def _wrap(text: str, indent: int) -> str:
    return textwrap.fill(" ".join(text.split()), WRAP_WIDTH, initial_indent=" " * indent,
                         subsequent_indent=" " * indent)


def _scope(entry) -> str:
    parts = [entry.topic, entry.cohort]
    if entry.phase:
        parts.append(entry.phase)
    return " · ".join(parts)


def _verdict_lines(v, indent: int = 4) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}{v.local.authority}: {v.local_figure}   [{v.local.label}]"]
    if v.local.sentence:
        lines.append(_wrap(f'"{v.local.sentence}"', indent + 4))
    lines.append(f"{pad}National: {v.national_figure}   [{v.national_label}]")
    if v.comparison and v.comparison.approximate and v.comparison.conversion:
        lines.append(_wrap(f"approximate: {v.comparison.conversion}", indent + 4))
    for note in v.notes:
        lines.append(_wrap(note, indent + 4))
    return lines


def render_table(report) -> str:
    """The report as text: red flags first, then duties not mentioned, then the rest."""
    lines = []
    summary = report.summary()
    lines.append(f"{report.authority}: checked against {len(report.duties)} national duties"
                 + (" (including figures not verified against their source)" if report.include_unverified else ""))
    lines.append("  " + " · ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(summary.items())))
    lines.append("")
    lines.append("LOOSER THAN NATIONAL (red flags)")
    if not report.looser:
        lines.append("  none")
    for d in report.looser:
        lines.append(f"  {_scope(d.entry)}")
        for v in d.matches:
            if v.verdict == "looser":
                lines.extend(_verdict_lines(v))
        if d.entry.note:
            lines.append(_wrap(f"Note on the national figure: {d.entry.note}", 4))
    lines.append("")
    lines.append("NATIONAL DUTIES THE STANDARDS DO NOT MENTION (the national figure applies)")
    if not report.silent:
        lines.append("  none")
    for d in report.silent:
        lines.append(f"  {_scope(d.entry)}: {d.entry.description}   [{d.entry.label}]")
    others = [d for d in report.duties if d.verdict == "not_comparable"]
    if others:
        lines.append("")
        lines.append("NOT COMPARED (not the same duty: another group or case, phase or event; the national figure applies)")
        for d in others:
            lines.append(f"  {_scope(d.entry)}: national {d.entry.description}   [{d.entry.label}]")
            for v in d.related:
                lines.append(f"    {v.local.authority}: {v.local_figure}   [{v.local.label}]")
                if v.reason:
                    lines.append(_wrap(f"not compared: {v.reason}", 8))
    met = [d for d in report.duties if d.verdict in ("same", "stricter")]
    if met:
        lines.append("")
        lines.append("SAME AS OR STRICTER THAN NATIONAL")
        for d in met:
            figures = "; ".join(sorted({f"{v.local_figure} ({v.verdict})" for v in d.matches}))
            lines.append(f"  {_scope(d.entry)}: {figures} · national {d.entry.description}   [{d.entry.label}]")
    none = [d for d in report.duties if d.verdict == "no_national_figure"]
    if none:
        lines.append("")
        lines.append("NO NATIONAL FIGURE (the local figure stands alone)")
        for d in none:
            figures = "; ".join(sorted({v.local_figure for v in d.local_figures})) or "none"
            lines.append(f"  {d.entry.topic}: {report.authority} {figures}")
    if report.unverified_not_compared:
        lines.append("")
        lines.append("NOT VERIFIED AGAINST THEIR SOURCE, SO NOT COMPARED (--include-unverified to compare)")
        for e in report.unverified_not_compared:
            lines.append(f"  {_scope(e)}: commonly stated {e.description}")
    for note in report.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def register(cli: click.Group) -> None:
    @cli.command("baseline")
    @click.option("--authority", "-a", help="One authority (name or alias); all held authorities if left out.")
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                  help="A readable table, CSV rows, or the API's JSON.")
    @click.option("--include-unverified", is_flag=True,
                  help="Also compare with national figures not verified against their source (labelled so).")
    def baseline_command(authority: str | None, fmt: str, include_unverified: bool) -> None:
        """Check an authority's standards against the national minimum.

        Lists every duty where its figure is looser than national (with both figures and both
        citations) and every national duty its standards do not mention.

        Example: standards baseline --authority Dudley
        """
        from service import query
        from service.baseline import rows_to_csv

        result = query.baseline(query.open_source(), authority, include_unverified=include_unverified)
        for note in result.notes:
            click.echo(f"Note: {note}", err=True)
        if fmt == "json":
            click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        elif fmt == "csv":
            click.echo(rows_to_csv(result.csv_rows()), nl=False)
        else:
            click.echo("\n\n".join(render_table(r) for r in result.reports))
