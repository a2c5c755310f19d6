"""Notes on the step grid -> a standard MIDI file (one track, 4/4), for every music family.

Notes get ticks (480 per quarter, 120 per 16th-note step) and are written with symusic, played the way
the source was (music/playback.py): its tempo, or its whole tempo map for a verb that writes a whole
file (music/tempo.py: (step, qpm) changes, each a Set Tempo event at its step), its General MIDI program
and, for notes that carry none, its velocity. The defaults (120 qpm, program 0: acoustic grand piano,
velocity 80) are what an output made from nothing gets. A family turns its events into notes first (the
melodies' `melody/render.py`). Files are written atomically and never over an existing file unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.grid import STEPS_PER_QUARTER, Note
from musicvae_lite.music.meter import DEFAULT_METER, Meter
from musicvae_lite.music.tempo import DEFAULT_QPM, as_tempo_map

TICKS_PER_QUARTER = 480
TICKS_PER_STEP = TICKS_PER_QUARTER // STEPS_PER_QUARTER
VELOCITY = 80  # magenta's default when decoding melodies


def check_program(program: int) -> int:
    """A General MIDI program number 0..127 (0 is the acoustic grand piano), or a one-line MvaeError."""
    if isinstance(program, bool) or int(program) != program or not 0 <= program <= 127:
        raise MvaeError(f"General MIDI program {program!r} must be a whole number 0..127")
    return int(program)


def check_velocity(velocity: int) -> int:
    """A MIDI note velocity 1..127, or a one-line MvaeError."""
    if isinstance(velocity, bool) or int(velocity) != velocity or not 1 <= velocity <= 127:
        raise MvaeError(f"velocity {velocity!r} must be a whole number 1..127")
    return int(velocity)


def new_score(*, qpm: float | None = None, tempo_map: Sequence[tuple[int, float]] | None = None,
              meter: Meter = DEFAULT_METER):
    """An empty symusic Score in `meter`'s time signature (4/4 by default) with its tempo: `tempo_map`'s
    (step, qpm) changes, `qpm` (default 120) from step 0 until the first of them (music/tempo.py)."""
    import symusic

    score = symusic.Score(TICKS_PER_QUARTER)
    for step, q in as_tempo_map(tempo_map, qpm):
        score.tempos.append(symusic.Tempo(step * TICKS_PER_STEP, qpm=q))
    score.time_signatures.append(symusic.TimeSignature(0, meter.numerator, meter.denominator))
    return score


def notes_midi_bytes(notes: Sequence[Note], *, qpm: float | None = None, program: int = 0, is_drum: bool = False,
                     name: str = "melody", velocity: int = VELOCITY,
                     tempo_map: Sequence[tuple[int, float]] | None = None, meter: Meter = DEFAULT_METER) -> bytes:
    """A MIDI file of one track holding `notes` (General MIDI `program`; channel 10 when `is_drum`), each
    at `velocity`, at `qpm` or under `tempo_map` ((step, qpm) changes; `qpm` holds before the first), in
    `meter`'s time signature; a `Playback` (music/playback.py) holds the values a source gave."""
    import symusic

    score = new_score(qpm=qpm, tempo_map=tempo_map, meter=meter)
    track = symusic.Track(name, check_program(program), is_drum)
    velocity = check_velocity(velocity)
    for n in notes:
        track.notes.append(symusic.Note(n.start * TICKS_PER_STEP, (n.end - n.start) * TICKS_PER_STEP, n.pitch,
                                        velocity))
    score.tracks.append(track)
    return score.dumps_midi()


__all__ = ["DEFAULT_QPM", "TICKS_PER_QUARTER", "TICKS_PER_STEP", "VELOCITY", "check_program", "check_velocity",
           "new_score", "notes_midi_bytes"]
