"""`mvae windows FILE`: the melody windows a MIDI file gives, one line each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from musicvae_lite.cli.common import user_errors


def windows(
    file: Annotated[Path, typer.Argument(help="A MIDI file.")],
    bars: Annotated[int, typer.Option(help="Window length in bars.")] = 2,
    compat: Annotated[bool, typer.Option("--compat", help="magenta-compatible extraction (4/4 only).")] = False,
) -> None:
    """List the melody windows of a MIDI file: index (what --window takes), start bar, track, notes, pitch range."""
    with user_errors():
        from musicvae_lite.music.melody.extract import ExtractConfig, extract_file, window_table

        for line in window_table(file, extract_file(file, ExtractConfig(bars=bars, compat=compat)), bars):
            typer.echo(line)
