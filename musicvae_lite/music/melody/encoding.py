"""MusicVAE's 90-class melody encoding (Roberts et al. 2018, "A Hierarchical Latent Vector Model for
Learning Long-Term Structure in Music"; magenta's `OneHotMelodyConverter` with note-seq's
`MelodyOneHotEncoding(21, 109)`).

One event per 16th note (4 steps per quarter, 16 per 4/4 bar):

    0       no event: the sounding note is held, or the rest goes on
    1       note-off: the sounding note stops here
    2..89   note-on of MIDI pitch 21..108 (the piano's range); a note-on also ends the previous note

This module is the encoding alone: events <-> notes on the step grid. Extraction from MIDI lives in
`rules.py` and `extract.py`, MIDI writing and audio in `render.py` (over the shared `music/`
writers).
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.music.grid import STEPS_PER_BAR, STEPS_PER_QUARTER, Note, pitch_name  # noqa: F401 (re-exported)

NO_EVENT = 0  # hold the sounding note, or keep resting
NOTE_OFF = 1  # stop the sounding note
MIN_PITCH = 21  # A0, lowest piano key: class 2
MAX_PITCH = 108  # C8, highest piano key: class 89
NUM_SPECIAL = 2  # classes before the first pitch
NUM_CLASSES = MAX_PITCH - MIN_PITCH + 1 + NUM_SPECIAL  # 90
PITCH_OFFSET = MIN_PITCH - NUM_SPECIAL  # class = pitch - 19


def pitch_to_class(pitch: int) -> int:
    """The note-on class of a MIDI pitch in 21..108."""
    if not MIN_PITCH <= pitch <= MAX_PITCH:
        raise ValueError(f"pitch {pitch} is outside the encodable range {MIN_PITCH}..{MAX_PITCH}")
    return pitch - PITCH_OFFSET


def check_events(events: np.ndarray) -> np.ndarray:
    """Return `events` as a 1-D or 2-D integer array, or raise ValueError naming what is wrong."""
    arr = np.asarray(events)
    if arr.ndim not in (1, 2) or arr.size == 0:
        raise ValueError(f"melody events must be a non-empty 1-D or 2-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"melody events must be integers, got {arr.dtype}")
    bad = (arr < 0) | (arr >= NUM_CLASSES)
    if bad.any():
        raise ValueError(f"melody events must lie in 0..{NUM_CLASSES - 1}, found {int(arr[bad][0])}")
    return arr


def events_to_notes(events: np.ndarray) -> list[Note]:
    """Decode one event sequence (steps,) into notes.

    A note starts at its note-on and ends at the next note-off or note-on, or at the end of the
    sequence when it is still sounding there. A note-off with nothing sounding is ignored.
    """
    ev = check_events(events)
    if ev.ndim != 1:
        raise ValueError(f"events_to_notes takes one sequence (steps,), got shape {ev.shape}")
    notes: list[Note] = []
    pitch, start = -1, 0
    for step in np.flatnonzero(ev != NO_EVENT).tolist():
        if pitch >= 0:
            notes.append(Note(pitch, start, step))
            pitch = -1
        cls = int(ev[step])
        if cls >= NUM_SPECIAL:
            pitch, start = cls + PITCH_OFFSET, step
    if pitch >= 0:
        notes.append(Note(pitch, start, len(ev)))
    return notes
