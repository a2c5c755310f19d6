"""What every command shares: turning library errors into one line on stderr and an exit code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from musicvae_lite.errors import MvaeError

EXIT_USER_ERROR = 2  # bad input or an impossible request
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it


@contextmanager
def user_errors() -> Iterator[None]:
    """Run a command body; a user-caused error becomes `error: ...` and exit code 2, Ctrl-C exit 130."""
    try:
        yield
    except MvaeError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
