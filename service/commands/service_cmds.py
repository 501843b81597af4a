"""`standards compare`, `deadline` and `serve`: the service from the command line (ask, chat, eval qa:
ask_cmds.py).

`compare` and `deadline` print a rendering of the query layer's records (``--json``: the API's
JSON, the record's ``to_dict()``); they never resolve names or filter by themselves.
"""

from __future__ import annotations

import json
import textwrap

import click


def _source():
    from service.query import open_source

    return open_source()


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def register(cli: click.Group) -> None:
    @cli.command("compare")
    @click.argument("topic")
    @click.option("--cohort", help="Only this cohort, e.g. 'children in care' or LAC (duties stating no cohort are kept).")
    @click.option("--authority", "-a", "authorities", multiple=True, help="Only these authorities (repeatable; names or aliases).")
    @click.option("--include-unverified", is_flag=True,
                  help="Also show national figures not verified against their source (flagged as unverified).")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
    def compare_command(topic: str, cohort: str | None, authorities: tuple[str, ...], include_unverified: bool,
                        as_json: bool) -> None:
        """Compare one topic across authorities as a table (e.g. standards compare "core group meeting").

        Rows whose duty is a national duty also show the national figure, labelled
        "National (statutory guidance)" with its source and wording, and each authority's verdict.
        """
        from service.compare import compare

        result = compare(_source(), topic, cohort=cohort, authorities=list(authorities),
                         include_unverified=include_unverified)
        if as_json:
            _echo_json(result.to_dict())
            return
        click.echo(render_comparison(result))

    @cli.command("deadline")
    @click.option("--from", "from_", required=True, help="The date the timescale runs from, YYYY-MM-DD.")
    @click.option("--obligation", "obligation_id", help="An obligation id (see `standards obligations --format jsonl`).")
    @click.option("--authority", "-a", help="With --topic: the authority (name or alias).")
    @click.option("--topic", "-t", help="With --authority: the topic (name or synonym).")
    @click.option("--cohort", help="Prefer the standard for this cohort.")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
    def deadline_command(from_: str, obligation_id: str | None, authority: str | None, topic: str | None,
                         cohort: str | None, as_json: bool) -> None:
        """Work out a due date, counting working days without weekends and bank holidays.

        Example: standards deadline --from 2026-03-03 --authority Wokingham --topic "core group meeting"
        """
        from service.deadlines import parse_iso_date
        from service.query import deadline

        start = parse_iso_date(from_)
        if not obligation_id and not (authority and topic):
            raise click.UsageError("Give --obligation ID, or --authority and --topic.")
        result = deadline(_source(), start, obligation_id=obligation_id, authority=authority, topic=topic,
                          cohort=cohort)
        if as_json:
            _echo_json(result.to_dict())
            return
        click.echo(render_deadline(result))

    @cli.command("serve")
    @click.option("--host", default=None, help="Address to bind (default STANDARDS_HOST, 127.0.0.1).")
    @click.option("--port", default=None, type=int, help="Port (default STANDARDS_PORT, 8000).")
    def serve_command(host: str | None, port: int | None) -> None:
        """Serve the API and the web page (loads the store and the model once, then answers fast)."""
        from ingest.settings import load_settings
        from service.app import serve

        settings = load_settings()
        host = host or settings.host
        port = port or settings.port
        click.echo(f"Serving Standards Assistant on http://{host}:{port} (API docs at /docs)", err=True)
        serve(settings, host, port)


def _notes(notes: list[str]) -> list[str]:
    return [f"Note: {n}" for n in notes]


def render_comparison(result) -> str:
    """A ``Comparison`` as text: one block per duty row, one line per authority's figure."""
    lines = _notes(result.notes)
    lines.append(f"Topic: {result.topic}" + (f" · cohort: {result.cohort}" if result.cohort else ""))
    width = max([len(a) for a in result.authorities] + [9])
    for row in result.rows:
        head = " · ".join(filter(None, [
            row.label, "how often" if row.kind == "frequency" else "deadline",
            f"phase: {row.phase}" if row.phase else None, f"cohort: {row.cohort or 'not stated'}",
            f"qualifiers: {', '.join(row.qualifiers)}" if row.qualifiers else None,
            f"from: {row.anchor}" if row.anchor else None,
        ]))
        lines += ["", head, "-" * min(len(head), 100)]
        for authority, cells in row.cells.items():
            if not cells:
                lines.append(f"  {authority:<{width}}  —")
            for i, cell in enumerate(cells):
                name = authority if i == 0 else ""
                label = cell.citation.label if cell.citation else cell.obligation.citation_label
                lines.append(f"  {name:<{width}}  {cell.obligation.description:<45} [{label}]")
        if row.strictest:
            lines.append(f"  strictest: {', '.join(row.strictest)} · most lenient: {', '.join(row.most_lenient or [])}")
        if row.national:
            lines += _national_lines(row)
    if result.gaps:
        lines.append(f"\nNo standard on {result.topic}: {', '.join(result.gaps)}")
    return "\n".join(lines)


# How the national column words each authority's verdict.
VERDICT_WORDS = {"stricter": "stricter than national", "same": "same as national",
                 "looser": "LOOSER THAN NATIONAL (red flag)", "silent": "silent: the national figure applies",
                 "not_comparable": "not compared"}


def _national_lines(row) -> list[str]:
    """The row's national figure (never an authority's own) and each authority's verdict."""
    n = row.national
    flag = "" if n.verified else " — NOT VERIFIED against its source"
    lines = [f"  {n.label}{flag}: {n.description}   [{n.source}]",
             textwrap.fill(f'"{n.quote}"', 100, initial_indent="      ", subsequent_indent="      ")]
    for authority in row.cells:
        name = row.verdicts.get(authority)
        why = row.national_explanations.get(authority, "")
        lines.append(f"    {authority}: {VERDICT_WORDS.get(name, name) if name else 'compared in another row'}")
        if name in (None, "looser", "not_comparable") or "approximately" in why:
            lines.append(textwrap.fill(why, 100, initial_indent="      ", subsequent_indent="      "))
    return lines


def render_deadline(result) -> str:
    """A ``DeadlineResult`` as text: the duty, the calculation step by step, the alternatives."""
    ob = result.obligation
    label = result.citation.label if result.citation else ob.citation_label
    lines = _notes(result.notes)
    lines.append(f"{ob.obligation.authority}: {ob.description} [{label}]")
    lines += [f"  {step}" for step in result.deadline.steps]
    if result.deadline.note:
        lines.append(f"  {result.deadline.note}")
    if result.alternatives:
        lines.append("Other standards on this topic (use --obligation ID):")
        lines += [f"  {alt.obligation.id}: {alt.description}" + (f" ({alt.obligation.cohort})" if alt.obligation.cohort else "")
                  for alt in result.alternatives]
    return "\n".join(lines)
