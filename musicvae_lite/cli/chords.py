"""`mvae chords FILE`: the chords heard in a MIDI file's tracks besides the melody, one line per bar; and
`mvae reharmonize FILE --chords "..."`: the file's melody decoded over new chords."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import Force, Program, Qpm, Seed, SoundFont, model_option, user_errors


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


def reharmonize(
    file: Annotated[str, typer.Argument(help="A MIDI file with a melody (a model may come first).")],
    chords: Annotated[str, typer.Option("--chords", help='The new chords: "C G Am F" (one a bar), "C G | Am F" (| between bars), "C:2 G:2" (beats), or a chord file in POP909\'s format; repeated or cut to the melody\'s length, with a notice.')],
    window: Annotated[Optional[int], typer.Option(help="Start at this window (see `mvae windows FILE`; default 0); the melody is read window by window from there, up to 32 bars.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the MIDI, WAV and PNG files (created if needed).")] = Path("out/reharmonize"),
    model: model_option("the bundled `chords` model") = None,
    temperature: Annotated[Optional[float], typer.Option(help="0 decodes greedily (default), higher samples more freely.")] = None,
    seed: Seed = None,
    chord_weight: Annotated[Optional[float], typer.Option("--chord-weight", help="How strongly to follow the new chords: 1 decodes as the model does, more follows their tones more (classifier-free guidance).")] = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    force: Force = False,
) -> None:
    """The melody of FILE over new chords: its code (read over its own chords: its chord file, else those heard
    in its other tracks, else chords guessed from the melody) decoded over --chords, so the rhythm and contour stay and the pitches fit the new
    harmony; the input and the result, each with a CHORDS track, as MIDI, WAV and a piano roll."""
    with user_errors():
        from musicvae_lite.cli.generate import CHORD_MODEL, _run

        _run("reharmonize", [file], model, out, force, default=CHORD_MODEL, chords=chords,
             window=None if window is None else [window], temperature=temperature, seed=seed,
             chord_weight=chord_weight, soundfont=soundfont,
             qpm=qpm, program=program)
