"""`standards versions`, `changes`, `amendments`, `gaps` and `question-log purge`: what changed, and what is not answered."""

from __future__ import annotations

import json
import sys
import textwrap

import click

FORMATS = click.Choice(["table", "json", "csv"])
VERSION_HELP = ("A version: its label (e.g. 1.2), date (YYYY-MM-DD), #ordinal (1 = oldest), 'current' or "
                "'previous'. `standards versions` lists them.")


def _open():
    from ingest.settings import load_settings
    from ingest.store import connect

    settings = load_settings()
    return settings, connect(settings.database)


def _authority(conn, settings, name: str) -> str:
    """The canonical authority through the one resolver; a guessed spelling is said on stderr."""
    from service.query import stored_authority

    notes: list[str] = []
    name = stored_authority(conn, settings, name, notes)
    for note in notes:
        click.echo(note, err=True)
    return name


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: list[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _counts_line(counts: dict[str, int]) -> str:
    parts = []
    for key in ("obligations_changed", "obligations_added", "obligations_removed", "clauses_reworded",
                "clauses_added", "clauses_removed", "clauses_moved", "clauses_renumbered", "clauses_renamed"):
        if counts.get(key):
            what, kind = key.split("_")
            what = "sections" if kind == "renamed" else what
            parts.append(f"{counts[key]} {what[:-1] if counts[key] == 1 else what} {kind}")
    return ", ".join(parts) or "no change to any clause's text"


def render_report(report) -> str:
    """A change report as text: obligations first (the figures), then clauses."""
    wrap = lambda text, indent: textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent)  # noqa: E731
    out = [f"{report.authority} — {report.title} ({report.document_id})",
           f"{report.from_version.name} → {report.to_version.name}: {_counts_line(report.counts)}"]
    if report.obligations:
        out.append("\nObligations")
        for ob in report.obligations:
            out.append(wrap(f"{ob.kind:<8} {ob.summary}", "  "))
            if ob.old:
                out.append(wrap(f"was: {ob.old.clause.citation} (clause {ob.old.clause.clause_id})", "           "))
            if ob.new:
                out.append(wrap(f"now: {ob.new.clause.citation} (clause {ob.new.clause.clause_id})", "           "))
    if report.clauses:
        out.append("\nClauses")
        for cl in report.clauses:
            where = (cl.new or cl.old).citation
            out.append(wrap(f"{cl.kind:<10} {where}", "  "))
            out.append(wrap(cl.summary, " " * 13))
    return "\n".join(out)


def register(cli: click.Group) -> None:
    @cli.command("versions")
    @click.option("--authority", "-a", help="Only this authority's documents.")
    @click.option("--document", "-d", help="Only this document (id or title).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def versions_command(authority: str | None, document: str | None, as_json: bool) -> None:
        """List the stored versions of documents: how to name them in `standards changes --from/--to`."""
        from service.changes import documents_of, list_versions

        settings, conn = _open()
        if authority:
            docs = documents_of(conn, _authority(conn, settings, authority), document)
        else:
            if document:
                raise click.UsageError("--document needs --authority (a title is only unique within an authority).")
            docs = [(r[0], r[1]) for r in conn.execute("SELECT id, title FROM documents ORDER BY authority, title")]
        listing = {doc_id: list_versions(conn, doc_id) for doc_id, _ in docs}
        if as_json:
            click.echo(json.dumps({d: [v.to_dict() for v in vs] for d, vs in listing.items()}, indent=2))
            return
        rows = [[doc_id, f"#{v.ordinal}", v.version or "", v.date or "", v.ingested_at[:16].replace("T", " "),
                 str(v.clause_count), "current" if v.is_current else ""]
                for doc_id, vs in listing.items() for v in vs]
        if not rows:
            click.echo("No documents yet. Run: standards ingest corpus/")
            return
        click.echo(_table(["document", "#", "version", "date", "ingested", "clauses", ""], rows))

    @cli.command("changes")
    @click.option("--authority", "-a", required=True, help="The authority (name or alias).")
    @click.option("--document", "-d", help="One of its documents (id, title, or part of the title).")
    @click.option("--from", "from_", help="The older version. " + VERSION_HELP + " Default: the one before --to.")
    @click.option("--to", help="The newer version. Default: the current one.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    def changes_command(authority: str, document: str | None, from_: str | None, to: str | None, fmt: str) -> None:
        """What changed between two versions: figures changed, duties added or removed, clauses reworded or moved.

        Without --from/--to: the latest change of each of the authority's documents that has history.
        Example: standards changes --authority Wokingham --from 1.2 --to current
        """
        from service.changes import changes_for_authority, reports_csv

        settings, conn = _open()
        reports = changes_for_authority(conn, _authority(conn, settings, authority), document, from_, to)
        if fmt == "json":
            click.echo(json.dumps([r.to_dict() for r in reports], indent=2, ensure_ascii=False))
        elif fmt == "csv":
            click.echo(reports_csv(reports), nl=False)
        elif not reports:
            click.echo("None of its documents has more than one stored version yet (see `standards versions`).")
        else:
            click.echo("\n\n".join(render_report(r) for r in reports))

    @cli.command("amendments")
    @click.option("--authority", "-a", required=True, help="The authority (name or alias).")
    @click.option("--format", "fmt", type=FORMATS, default="csv", show_default=True)
    def amendments_command(authority: str, fmt: str) -> None:
        """The amendments log of an authority: each stored version of its documents, newest first, with its changes."""
        from service.changes import amendments_csv, amendments_log

        settings, conn = _open()
        log = amendments_log(conn, _authority(conn, settings, authority))
        if fmt == "json":
            click.echo(json.dumps(log.to_dict(), indent=2, ensure_ascii=False))
        elif fmt == "csv":
            click.echo(amendments_csv(log), nl=False)
        else:
            for entry in log.entries:
                head = f"{entry.title} — {entry.version.name}"
                if entry.report is None:
                    click.echo(f"{head}: first version stored")
                else:
                    click.echo(f"{head}: {_counts_line(entry.report.counts)}")
                    for ob in entry.report.obligations:
                        click.echo(f"    {ob.kind:<8} {ob.summary}")

    @cli.command("gaps")
    @click.option("--authority", "-a", help="Only this authority.")
    @click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Topics per authority.")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    def gaps_command(authority: str | None, limit: int, fmt: str) -> None:
        """The topics practitioners asked about that the standards did not answer (the question log).

        Needs STANDARDS_QUESTION_LOG=on on the server that takes the questions; records are redacted.
        """
        from extractors.taxonomy import load_taxonomy
        from service.question_log import gaps, gaps_csv

        settings, conn = _open()
        name = _authority(conn, settings, authority) if authority else None
        report = gaps(conn, load_taxonomy(), settings, name, limit)
        if fmt == "json":
            click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
            return
        if fmt == "csv":
            click.echo(gaps_csv(report), nl=False)
            return
        if not report.enabled:
            click.echo("The question log is off (STANDARDS_QUESTION_LOG); nothing new is being recorded.", err=True)
        if not report.topics:
            click.echo("No unanswered questions are recorded" + (f" for {name}." if name else "."))
            return
        rows = [[t.authority or "(none named)", t.topic, str(t.count), str(t.abstained), str(t.not_helpful),
                 t.last_asked, t.examples[0] if t.examples else ""] for t in report.topics]
        click.echo(_table(["authority", "topic", "asked", "abstained", "not helpful", "last asked", "for example"],
                          rows))

    @cli.group("question-log")
    def question_log_group() -> None:
        """The question log's records (see `standards gaps`)."""

    @question_log_group.command("purge")
    @click.option("--days", type=click.IntRange(min=1), help="Keep this many days (default STANDARDS_QUESTION_LOG_DAYS).")
    def purge_command(days: int | None) -> None:
        """Delete records older than the retention period (writes also do this)."""
        from service.question_log import purge

        settings, conn = _open()
        gone = purge(conn, days or settings.question_log_days)
        click.echo(f"Deleted {gone} record(s) older than {days or settings.question_log_days} days.", file=sys.stderr)
