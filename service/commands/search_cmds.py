"""`standards search`, `standards eval retrieval`, `standards index rebuild|status`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from ingest.settings import load_settings
from service.records import citation_label


def _connect():
    from ingest import store

    settings = load_settings()
    return settings, store.connect(settings.database)


def register(cli: click.Group) -> None:
    @cli.command("search")
    @click.argument("query")
    @click.option("--authority", "authorities", multiple=True, help="Only this authority (repeatable; names or aliases).")
    @click.option("--document", "document_ids", multiple=True, help="Only this document id (repeatable).")
    @click.option("--topic", help="Only clauses on this topic (canonical name, synonym or abbreviation).")
    @click.option("--cohort", help="Only clauses for this cohort (e.g. 'children in care', 'LAC').")
    @click.option("-k", "--top", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="How many clauses.")
    @click.option(
        "--mode", type=click.Choice(["hybrid", "bm25", "dense"]), default="hybrid", show_default=True,
        help="Fused ranking, or one retriever alone.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the API's JSON (as POST /api/search returns it).")
    def search_command(
        query: str, authorities: tuple[str, ...], document_ids: tuple[str, ...], topic: str | None,
        cohort: str | None, k: int, mode: str, as_json: bool,
    ) -> None:
        """Print the clauses that best match QUERY, ranked, with citation and score."""
        from service import query as queries

        result = queries.search(queries.open_source(), query, k=k, authorities=list(authorities), topic=topic,
                                cohort=cohort, document_ids=list(document_ids), mode=mode)
        if as_json:
            click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
            return
        click.echo(render_search(result))

    @cli.group("index")
    def index_group() -> None:
        """Inspect or rebuild the search indexes (FTS5 and FAISS)."""

    @index_group.command("rebuild")
    def rebuild_command() -> None:
        """Re-sync the full-text index and rebuild the dense index with the configured model.

        Use after changing STANDARDS_MODEL_PATH, or when told the index was built by another
        model. Clause texts already embedded with this model are not embedded again.
        """
        from index.dense import rebuild_dense
        from index.lexical import sync_lexical
        from ingest.store import transaction

        settings, conn = _connect()
        with transaction(conn):
            added, removed = sync_lexical(conn)
        dense = rebuild_dense(conn, settings)
        click.echo(
            f"Full-text index: {added} row(s) added, {removed} removed. Dense index: {len(dense)} clause(s), "
            f"{dense.kind}, model {dense.model_id}, generation {dense.generation}, in {settings.index_dir}."
        )

    @index_group.command("status")
    def status_command() -> None:
        """Show what the indexes hold compared with the store."""
        from index.dense import read_sidecar
        from ingest.store import generation

        settings, conn = _connect()
        current = conn.execute("SELECT COUNT(*) FROM clauses WHERE is_current = 1").fetchone()[0]
        fts = conn.execute("SELECT COUNT(*) FROM clauses_fts").fetchone()[0]
        meta = read_sidecar(settings.index_dir)
        click.echo(f"store: generation {generation(conn)}, {current} current clause(s)")
        click.echo(f"full-text: {fts} row(s)")
        if meta is None:
            click.echo("dense: no index file yet (built on first search or `standards index rebuild`)")
        else:
            click.echo(
                f"dense: {meta['count']} vector(s), {meta['kind']}, model {meta['model']}, generation {meta['generation']}"
            )
        from index.dense import dense_status

        status = dense_status(conn, settings)
        click.echo(f"dense status: {status.state} ({status.message})")

    from service.commands.eval_group import eval_group

    @eval_group.command("retrieval")
    @click.option("--gold", "gold", required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False),
                  help="Question gold file (JSON Lines; see eval/SCHEMA.md).")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON (metrics and per-target ranks).")
    @click.option("--show-misses", is_flag=True, help="List targets hybrid did not find in its top 5.")
    def eval_retrieval_command(gold: Path, as_json: bool, show_misses: bool) -> None:
        """Recall@1/5/10 and MRR of BM25, dense and hybrid retrieval on a question gold set."""
        from index.evaluate import evaluate_retrieval
        from service.evaluate_qa import read_gold_lines

        read_gold_lines(gold)  # an empty or non-UTF-8 file is a message, not a traceback or a 0/0 table
        settings, conn = _connect()
        report = evaluate_retrieval(conn, settings, gold)
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2))
            return
        click.echo(report.table())
        if show_misses:
            for r in report.results:
                rank = r.rank.get("hybrid")
                if rank is None or rank > 5:
                    click.echo(f"  miss {r.target.question_id} [{r.target.authority}] ranks={r.rank}: {r.target.question}")


def render_search(result) -> str:
    """``SearchResults`` as text: rank, score and each retriever's rank, the citation, the clause."""
    lines = [f"Note: {n}" for n in result.notes]
    if not result.results:
        return "\n".join(lines + ["No matching clauses."])
    for r in result.results:
        ranks = f"bm25 #{r.bm25_rank or '-'}, dense #{r.dense_rank or '-'}"
        label = citation_label(r.clause.authority, r.clause.section, r.clause.clause_ref, r.clause.page)
        lines.append(f"{r.rank:>2}. [{r.score:.4f}; {ranks}] {label}  ({r.clause.document_id}, id {r.clause.id})")
        lines.append(textwrap.indent(textwrap.fill(r.clause.plain_text, 100), "    "))
    return "\n".join(lines)
