"""Notes on the step grid -> a standard MIDI file (one track, 4/4), for every music family.

Notes get ticks (480 per quarter, 120 per 16th-note step) and a tempo (the source's when known, else
120 qpm) and are written with symusic. A family turns its events into notes first (the melodies'
`melody/render.py`). Files are written atomically and never over an existing file unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.grid import STEPS_PER_QUARTER, Note

TICKS_PER_QUARTER = 480
DEFAULT_QPM = 120.0  # used when the source's tempo is unknown
VELOCITY = 80  # magenta's default when decoding melodies


def notes_midi_bytes(notes: Sequence[Note], *, qpm: float | None = None, program: int = 0, is_drum: bool = False,
                     name: str = "melody", velocity: int = VELOCITY) -> bytes:
    """A MIDI file of one track holding `notes` (General MIDI `program`; channel 10 when `is_drum`)."""
    import symusic

    qpm = DEFAULT_QPM if qpm is None else float(qpm)
    if not 1.0 <= qpm <= 1000.0:
        raise MvaeError(f"tempo {qpm} qpm is outside 1..1000")
    tick = TICKS_PER_QUARTER // STEPS_PER_QUARTER
    score = symusic.Score(TICKS_PER_QUARTER)
    score.tempos.append(symusic.Tempo(0, qpm=qpm))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track(name, program, is_drum)
    for n in notes:
        track.notes.append(symusic.Note(n.start * tick, (n.end - n.start) * tick, n.pitch, velocity))
    score.tracks.append(track)
    return score.dumps_midi()
