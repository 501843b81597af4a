"""The `standards` command.

Subcommands live in ``service/commands/<area>.py``; each module defines
``register(cli: click.Group) -> None``. They are discovered here so that each stage's
commands stay beside each other and no single file becomes a merge point.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from ingest.errors import StandardsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Standards Assistant: cited answers from children's social care practice standards.

    Ingest documents, search and ask them, compare authorities, list obligations and
    conflicts, build induction packs, run evaluations, and serve the web page.
    Settings come from STANDARDS_* environment variables (see `standards settings`).
    """


def _load_commands() -> None:
    import service.commands as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"service.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_load_commands()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI (``argv`` or the process arguments), turning StandardsError into a message and exit 1."""
    try:
        cli.main(args=argv, prog_name="standards", standalone_mode=False)
    except StandardsError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
