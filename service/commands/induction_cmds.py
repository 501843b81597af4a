"""`standards induction` and `standards quiz`: training material from the stored obligations."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from ingest.errors import StandardsError
from service.exports import INDUCTION_FORMATS, QUIZ_FORMATS, Rendered, render_induction, render_quiz


def _open_store() -> sqlite3.Connection:
    from ingest.settings import load_settings
    from ingest.store import connect

    return connect(load_settings().database)


def _deliver(rendered: Rendered, output: Path | None) -> None:
    """Write to ``output``; with no -o, text formats go to stdout and DOCX to its default name."""
    if output is None and not rendered.filename.endswith(".docx"):
        sys.stdout.write(rendered.content.decode("utf-8"))
        return
    target = output or Path(rendered.filename)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rendered.content)
    click.echo(f"Wrote {target} ({len(rendered.content):,} bytes).", err=True)


def register(cli: click.Group) -> None:
    @cli.command("induction")
    @click.option("--authority", "-a", help="Authority whose standards the pack covers.")
    @click.option(
        "--all-authorities",
        is_flag=True,
        help="Cross-authority pack: what each authority expects of the role, side by side.",
    )
    @click.option("--role", "-r", required=True, help="Role, e.g. 'Social Worker', 'PA', 'IRO'.")
    @click.option("--cohort", help="Only duties for this cohort (plus those for all children).")
    @click.option("--topic", help="Only this topic, e.g. 'child protection visit'.")
    @click.option(
        "--format", "fmt", type=click.Choice(INDUCTION_FORMATS), default="docx", show_default=True
    )
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
    def induction_command(
        authority: str | None,
        all_authorities: bool,
        role: str,
        cohort: str | None,
        topic: str | None,
        fmt: str,
        output: Path | None,
    ) -> None:
        """Build an induction pack: the timescales a ROLE owns, grouped by stage, with sources."""
        from service.induction import build_cross_authority_pack, build_induction_pack

        if bool(authority) == all_authorities:
            raise click.UsageError("Give either --authority A or --all-authorities.")
        try:
            conn = _open_store()
            try:
                if all_authorities:
                    pack = build_cross_authority_pack(conn, role, topic=topic, cohort=cohort)
                else:
                    pack = build_induction_pack(conn, authority or "", role, cohort=cohort, topic=topic)
            finally:
                conn.close()
            rendered = render_induction(pack, fmt)
        except StandardsError as exc:
            raise click.ClickException(exc.message) from exc
        _deliver(rendered, output)

    @cli.command("quiz")
    @click.option("--authority", "-a", required=True, help="Authority whose standards the quiz covers.")
    @click.option("--role", "-r", help="Only duties this role owns.")
    @click.option("--n", "n", type=int, default=20, show_default=True, help="Number of questions.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same quiz.")
    @click.option("--format", "fmt", type=click.Choice(QUIZ_FORMATS), default="docx", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
    def quiz_command(
        authority: str, role: str | None, n: int, seed: int, fmt: str, output: Path | None
    ) -> None:
        """Build a multiple-choice quiz on an authority's timescales, with an answer key and sources."""
        from service.quiz import build_quiz

        try:
            conn = _open_store()
            try:
                quiz = build_quiz(conn, authority, role=role, n=n, seed=seed)
            finally:
                conn.close()
            rendered = render_quiz(quiz, fmt)
        except StandardsError as exc:
            raise click.ClickException(exc.message) from exc
        _deliver(rendered, output)
