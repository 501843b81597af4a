"""`standards induction` and `standards quiz`: training material from the stored obligations."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ingest.errors import StandardsError
from service.exports import INDUCTION_FORMATS, QUIZ_FORMATS, Rendered, render_induction, render_quiz
from service.records import ROLE_FILTER_MEANING


def _notes(notes: list[str]) -> None:
    """How a name was read ("Read 'wokinham' as Wokingham ..."), on stderr beside the file."""
    for note in notes:
        click.echo(f"Note: {note}", err=True)


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
    @click.option("--role", "-r", required=True,
                  help=f"Role, e.g. 'Social Worker', 'PA', 'IRO'. The pack lists {ROLE_FILTER_MEANING}.")
    @click.option("--cohort", help="Only duties for this cohort (plus those for all children).")
    @click.option("--topic", help="Only this topic, e.g. 'child protection visit'.")
    @click.option(
        "--format", "fmt", type=click.Choice(INDUCTION_FORMATS), default="docx", show_default=True
    )
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
    @click.option("--as-of", help="Build from an older version (label, #ordinal or YYYY-MM-DD; see `standards "
                                  "versions`); the pack then lists what has changed since.")
    def induction_command(
        authority: str | None,
        all_authorities: bool,
        role: str,
        cohort: str | None,
        topic: str | None,
        fmt: str,
        output: Path | None,
        as_of: str | None,
    ) -> None:
        """Build an induction pack: the timescales a ROLE owns, grouped by stage, with sources."""
        from service import query

        if bool(authority) == all_authorities:
            raise click.UsageError("Give either --authority A or --all-authorities.")
        try:
            source = query.open_source()
            wanted = query.induction_request(source, role, authority, cohort=cohort, topic=topic,
                                             all_authorities=all_authorities)
            rendered = render_induction(query.induction_pack(source, wanted, as_of=as_of), fmt)
        except StandardsError as exc:
            raise click.ClickException(exc.message) from exc
        _notes(wanted.notes)
        _deliver(rendered, output)

    @cli.command("quiz")
    @click.option("--authority", "-a", required=True, help="Authority whose standards the quiz covers.")
    @click.option("--role", "-r", help=f"Only {ROLE_FILTER_MEANING}.")
    @click.option("--n", "n", type=int, default=20, show_default=True, help="Number of questions.")
    @click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same quiz.")
    @click.option("--format", "fmt", type=click.Choice(QUIZ_FORMATS), default="docx", show_default=True)
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
    def quiz_command(
        authority: str, role: str | None, n: int, seed: int, fmt: str, output: Path | None
    ) -> None:
        """Build a multiple-choice quiz on an authority's timescales, with an answer key and sources."""
        from service import query

        try:
            source = query.open_source()
            wanted = query.quiz_request(source, authority, role)
            rendered = render_quiz(query.build_quiz(source, wanted, n=n, seed=seed), fmt)
        except StandardsError as exc:
            raise click.ClickException(exc.message) from exc
        _notes(wanted.notes)
        _deliver(rendered, output)
