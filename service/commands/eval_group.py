"""The `standards eval` group: each evaluation (extraction, retrieval, qa) adds a subcommand."""

from __future__ import annotations

import click


@click.group("eval")
def eval_group() -> None:
    """Score the system against gold sets (see eval/SCHEMA.md)."""


def register(cli: click.Group) -> None:
    if "eval" not in cli.commands:
        cli.add_command(eval_group)
