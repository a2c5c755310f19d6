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
    """List the melody windows of a MIDI file: index, start bar, notes, pitch range."""
    with user_errors():
        from musicvae_lite.music.encoding import events_to_notes, pitch_name
        from musicvae_lite.music.extract import ExtractConfig, extract_file

        w = extract_file(file, ExtractConfig(bars=bars, compat=compat))
        typer.echo(f"{len(w)} windows of {bars} bars in {file}")
        typer.echo("index  bar  notes  range")
        for i, (events, bar) in enumerate(zip(w.events, w.start_bar.tolist())):
            notes = events_to_notes(events)
            low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
            typer.echo(f"{i:5d} {bar + 1:4d} {len(notes):6d}  {pitch_name(low)}-{pitch_name(high)}")
