"""`standards settings`: show every setting, its environment variable, value and help."""

from __future__ import annotations

import click

from ingest.db import redact
from ingest.settings import SETTINGS, get


def register(cli: click.Group) -> None:
    @cli.command("settings")
    def settings_command() -> None:
        """Show every STANDARDS_* setting with its current value and what it does."""
        for s in SETTINGS:
            value = redact(get(s.name)) if s.name == "DATABASE_URL" else get(s.name)  # never a password
            click.echo(f"{s.env_var}={value!r}\n    {s.help}")
