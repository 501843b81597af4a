"""`standards compare`, `deadline` and `serve`: the service from the command line (ask: ask_cmds.py)."""

from __future__ import annotations

import json

import click


def _state():
    from service.state import load_state

    return load_state()


def _echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def register(cli: click.Group) -> None:
    @cli.command("compare")
    @click.argument("topic")
    @click.option("--cohort", help="Only this cohort (e.g. 'children in care').")
    @click.option("--authority", "-a", "authorities", multiple=True, help="Only these authorities (repeatable).")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
    def compare_command(topic: str, cohort: str | None, authorities: tuple[str, ...], as_json: bool) -> None:
        """Compare one topic across authorities as a table (e.g. standards compare "core group meeting")."""
        from service.compare import compare_topic
        from service.routes import resolve_authorities, resolve_topic

        state = _state()
        result = compare_topic(
            state, resolve_topic(state, topic), cohort=cohort,
            authorities=resolve_authorities(state, list(authorities)) or None,
        )
        if as_json:
            _echo_json(result)
            return
        click.echo(f"Topic: {result['topic']}" + (f" · cohort: {cohort}" if cohort else ""))
        width = max([len(a) for a in result["authorities"]] + [9])
        for row in result["rows"]:
            head = f"{row['kind']} · cohort: {row['cohort'] or 'not stated'}"
            if row["anchor"]:
                head += f" · from: {row['anchor']}"
            click.echo("\n" + head)
            click.echo("-" * min(len(head), 100))
            for authority, cells in row["cells"].items():
                if not cells:
                    click.echo(f"  {authority:<{width}}  —")
                for i, cell in enumerate(cells):
                    name = authority if i == 0 else ""
                    cit = cell["citation"] or {}
                    ref = f" {cit.get('clause_ref')}" if cit.get("clause_ref") else ""
                    click.echo(f"  {name:<{width}}  {cell['timescale']:<45} [{cit.get('section', '')}{ref}]")
            if row["strictest"]:
                click.echo(f"  strictest: {', '.join(row['strictest'])} · most lenient: {', '.join(row['most_lenient'])}")
        if result["gaps"]:
            click.echo(f"\nNo standard on {result['topic']}: {', '.join(result['gaps'])}")

    @cli.command("deadline")
    @click.option("--from", "from_", required=True, help="The date the timescale runs from, YYYY-MM-DD.")
    @click.option("--obligation", "obligation_id", help="An obligation id (see `standards ask --json`).")
    @click.option("--authority", "-a", help="With --topic: the authority.")
    @click.option("--topic", "-t", help="With --authority: the topic (name or synonym).")
    @click.option("--cohort", help="Prefer the standard for this cohort.")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
    def deadline_command(from_: str, obligation_id: str | None, authority: str | None, topic: str | None,
                         cohort: str | None, as_json: bool) -> None:
        """Work out a due date, counting working days without weekends and bank holidays.

        Example: standards deadline --from 2026-03-03 --authority Wokingham --topic "core group meeting"
        """
        from service.answer import deadline_for
        from service.deadlines import parse_iso_date
        from service.routes import resolve_authorities, resolve_topic

        if not obligation_id and not (authority and topic):
            raise click.UsageError("Give --obligation ID, or --authority and --topic.")
        state = _state()
        result = deadline_for(
            state, parse_iso_date(from_), obligation_id=obligation_id,
            authority=resolve_authorities(state, [authority])[0] if authority else None,
            topic=resolve_topic(state, topic) if topic else None, cohort=cohort,
        )
        if as_json:
            _echo_json(result)
            return
        cit = result["citation"] or {}
        click.echo(f"{result['authority']}: {result['timescale']} [{cit.get('section', '')}"
                   + (f", standard {cit['clause_ref']}" if cit.get("clause_ref") else "") + "]")
        for step in result["steps"]:
            click.echo(f"  {step}")
        if result.get("note"):
            click.echo(f"  {result['note']}")
        if result["alternatives"]:
            click.echo("Other standards on this topic (use --obligation ID):")
            for alt in result["alternatives"]:
                click.echo(f"  {alt['obligation_id']}: {alt['timescale']}" + (f" ({alt['cohort']})" if alt["cohort"] else ""))

    @cli.command("serve")
    @click.option("--host", default=None, help="Address to bind (default STANDARDS_HOST, 127.0.0.1).")
    @click.option("--port", default=None, type=int, help="Port (default STANDARDS_PORT, 8000).")
    def serve_command(host: str | None, port: int | None) -> None:
        """Serve the API and the web page (loads the store and the model once, then answers fast)."""
        import uvicorn

        from ingest.settings import load_settings
        from service.app import create_app

        settings = load_settings()
        host = host or settings.host
        port = port or settings.port
        click.echo(f"Serving Standards Assistant on http://{host}:{port} (API docs at /docs)", err=True)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
