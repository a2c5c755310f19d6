"""`mvae chords FILE`: the chords heard in a MIDI file's tracks besides the melody, one line per bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import user_errors


def chords(
    file: Annotated[Path, typer.Argument(help="A MIDI file with accompaniment (tracks besides the melody).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write them as a chord file in POP909's format (start s, end s, label), e.g. song.chords.txt beside song.mid.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the chord file.")] = False,
) -> None:
    """Print the chords heard in FILE's tracks besides the melody, per bar (template matching per beat)."""
    with user_errors():
        from musicvae_lite.music.chords import write_chord_file
        from musicvae_lite.music.melody.hear_chords import hear_chords

        heard = hear_chords(file)
        typer.echo(f"chords heard in {file} ({', '.join(heard.tracks)}):")
        for line in heard.lines():
            typer.echo(line)
        if out is not None:
            write_chord_file(out, heard.spans(file), overwrite=force)
            typer.echo(f"wrote {out}")
