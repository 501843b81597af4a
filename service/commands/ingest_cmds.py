"""`standards ingest`, `standards documents`, `standards show`, `standards remove`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ingest import store
from ingest.loaders import supported_list
from ingest.settings import load_settings


def _connect():
    settings = load_settings()
    return settings, store.connect(settings.database)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table, columns padded to their widest cell."""
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


_INGEST_HELP = (
    "Ingest documents (files or folders) into the store.\n\n"
    "A folder's manifest.yaml gives each file's authority and title; for other files pass "
    "--authority (and --title). Unchanged files are skipped; a changed file becomes a new "
    "version (the old one is kept as history). Supported: " + supported_list() + ". "
    "Exits with status 1 if any file failed; the store is unchanged for that file."
)


def register(cli: click.Group) -> None:
    @cli.command("ingest", help=_INGEST_HELP)
    @click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
    @click.option("--authority", help="Authority for files not listed in a manifest.yaml (overrides the manifest).")
    @click.option("--title", help="Title for a single file not listed in a manifest.yaml.")
    def ingest_command(paths: tuple[Path, ...], authority: str | None, title: str | None) -> None:
        """Ingest documents (files or folders) into the store (help text: _INGEST_HELP)."""
        from service.pipeline import ingest_planned, plan_paths

        settings, conn = _connect()
        planned = plan_paths(paths, settings, authority, title)
        with click.progressbar(
            planned, label="Ingesting", file=sys.stderr, item_show_func=lambda p: p.path.name if p else None
        ) as bar:
            outcomes = ingest_planned(conn, bar, settings)
        rows = [
            [o.document_id or "-", o.authority or "-", o.status, str(o.clause_count) if not o.failed else "-",
             (o.title or o.path.name)[:60]]
            for o in outcomes
        ]
        click.echo(_table(["document", "authority", "status", "clauses", "title"], rows))
        failed = [o for o in outcomes if o.failed]
        done = len(outcomes) - len(failed)
        click.echo(f"{done} of {len(outcomes)} file(s) ingested; {len(failed)} failed.")
        for o in failed:
            click.echo(f"Error: {o.path}: [{o.error_code}] {o.error}", err=True)
        if failed:
            sys.exit(1)

    @cli.command("documents")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON (GET /api/documents).")
    def documents_command(as_json: bool) -> None:
        """List stored documents with their clause and obligation counts."""
        from service.query import documents, open_source

        result = documents(open_source())
        if as_json:
            click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
            return
        if not result.documents:
            click.echo("No documents yet. Run: standards ingest corpus/")
            return
        rows = [
            [d.id, d.authority, d.source_format, str(d.page_count or ""), str(d.clause_count), str(d.obligation_count),
             d.version or "", d.title[:50]]
            for d in result.documents
        ]
        click.echo(_table(["document", "authority", "format", "pages", "clauses", "obligations", "version", "title"], rows))

    @cli.command("show")
    @click.argument("clause_id")
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON (GET /api/clauses/ID).")
    def show_command(clause_id: str, as_json: bool) -> None:
        """Show one clause: its text, reference, heading path, table context, page, span and timescales."""
        from service.query import clause_view, open_source

        view = clause_view(open_source(), clause_id)
        if as_json:
            click.echo(json.dumps(view.to_dict(), indent=2, ensure_ascii=False))
            return
        clause = view.clause
        fields = [
            ("clause", clause.id),
            ("document", f"{clause.document_id} ({view.document_title or '?'})"),
            ("authority", clause.authority),
            ("version", "current" if view.is_current else f"history (version {clause.version_id}, superseded)"),
            ("reference", clause.clause_ref or "-"),
            ("section", clause.section or "-"),
            ("cohort", clause.cohort_context or "-"),
            ("role", clause.role_context or "-"),
            ("page", str(clause.page) if clause.page is not None else "-"),
            ("span", f"{clause.start}-{clause.end}"),
        ]
        for name, value in fields:
            click.echo(f"{name + ':':<11}{value}")
        click.echo("")
        click.echo(clause.plain_text)
        if view.obligations:
            click.echo("")
            for ob in view.obligations:
                click.echo(f"timescale: {ob.description}" + (f" ({ob.obligation.topic})" if ob.obligation.topic else ""))

    @cli.command("remove")
    @click.argument("document_id")
    def remove_command(document_id: str) -> None:
        """Remove a document and all its versions (history included) from the store."""
        from service.pipeline import remove_document

        settings, conn = _connect()
        remove_document(conn, document_id, settings)
        click.echo(f"Removed {document_id}.")
