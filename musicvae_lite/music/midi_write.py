"""Melody events -> notes -> a standard MIDI file (one piano track, 4/4, velocity 80).

The inverse of extraction: `events_to_notes` (encoding.py) gives notes on the 16th-note grid; here they
get ticks (480 per quarter, 120 per step), a tempo (the source's when known, else 120 qpm) and are
written with symusic. Files are written atomically and never over an existing file unless asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.encoding import STEPS_PER_QUARTER, Note, events_to_notes

TICKS_PER_QUARTER = 480
DEFAULT_QPM = 120.0  # used when the source's tempo is unknown
VELOCITY = 80  # magenta's default when decoding melodies


def melody_midi_bytes(sequences: Sequence[np.ndarray] | np.ndarray, *, qpm: float | None = None,
                      program: int = 0, gap_steps: int = 0) -> bytes:
    """A MIDI file playing each event sequence in turn (with `gap_steps` of rest between them)."""
    import symusic

    qpm = DEFAULT_QPM if qpm is None else float(qpm)
    if not 1.0 <= qpm <= 1000.0:
        raise MvaeError(f"tempo {qpm} qpm is outside 1..1000")
    seqs = [np.asarray(sequences)] if np.asarray(sequences).ndim == 1 else list(sequences)
    tick = TICKS_PER_QUARTER // STEPS_PER_QUARTER
    score = symusic.Score(TICKS_PER_QUARTER)
    score.tempos.append(symusic.Tempo(0, qpm=qpm))
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    track = symusic.Track("melody", program, False)
    offset = 0
    for events in seqs:
        for n in events_to_notes(events):
            track.notes.append(symusic.Note((offset + n.start) * tick, (n.end - n.start) * tick, n.pitch, VELOCITY))
        offset += len(events) + gap_steps
    score.tracks.append(track)
    return score.dumps_midi()


def write_melody_midi(path: str | Path, events: np.ndarray, *, qpm: float | None = None,
                      overwrite: bool = False) -> Path:
    """Write one melody (steps,) or several in sequence (n, steps) as a MIDI file."""
    data = melody_midi_bytes(events, qpm=qpm)
    return atomic_write(path, lambda f: f.write(data), overwrite=overwrite)


__all__ = ["Note", "melody_midi_bytes", "write_melody_midi"]
