"""MusicVAE's drum encoding: 9 drum classes on the 16th-note grid, a step's hits as a 9-bit roll or as one
of 2^9 = 512 classes (magenta's `cat-drums_2bar` models), and the roll input magenta's `roll_input`
feeds the encoder (the 9 hits plus a "no hit" flag).

Facts from note-seq 0.0.5 (`drums_encoder_decoder.DEFAULT_DRUM_TYPE_PITCHES`, `MultiDrumOneHotEncoding`)
and magenta's music_vae/data.py (`DrumsConverter`): the General MIDI percussion pitches each class
gathers, class i is bit i of the one-hot index, and decoding plays the first pitch of each class.
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.music.grid import Note

DRUM_NAMES = ("kick", "snare", "closed hi-hat", "open hi-hat", "low tom", "mid tom", "high tom", "crash", "ride")
DRUM_PITCHES: tuple[tuple[int, ...], ...] = (  # the first pitch of each is the one written back
    (36, 35),
    (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
    (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
    (46, 67, 72, 74, 79, 81, 26),
    (45, 29, 41, 43, 61, 64, 84),
    (48, 47, 60, 63, 77, 86, 87),
    (50, 30, 62, 76, 83),
    (49, 52, 55, 57, 58),
    (51, 53, 59, 82),
)
NUM_DRUMS = len(DRUM_PITCHES)  # 9
NUM_CLASSES = 2 ** NUM_DRUMS  # 512: every combination of hits in one step
PITCH_TO_DRUM = np.full(128, -1, np.int8)  # MIDI pitch -> drum class, -1 for pitches no class gathers
for _drum, _pitches in enumerate(DRUM_PITCHES):
    PITCH_TO_DRUM[list(_pitches)] = _drum
_BITS = (1 << np.arange(NUM_DRUMS)).astype(np.int64)  # (9,) the weight of each drum's bit


def drum_of_pitch(pitch: int) -> int:
    """The drum class of a General MIDI percussion pitch, -1 when none gathers it."""
    return int(PITCH_TO_DRUM[pitch]) if 0 <= pitch < 128 else -1


def hits_to_classes(hits: np.ndarray) -> np.ndarray:
    """Hits (..., steps, 9) bool -> one class per step (..., steps) int64 in 0..511 (0: silence)."""
    hits = np.asarray(hits, bool)
    if hits.shape[-1:] != (NUM_DRUMS,):
        raise ValueError(f"hits must end in {NUM_DRUMS} drums, got shape {hits.shape}")
    return hits.astype(np.int64) @ _BITS


def classes_to_hits(classes: np.ndarray) -> np.ndarray:
    """Classes (..., steps) in 0..511 -> hits (..., steps, 9) bool."""
    classes = np.asarray(classes)
    if not np.issubdtype(classes.dtype, np.integer) or classes.size and (classes.min() < 0 or classes.max() >= NUM_CLASSES):
        raise ValueError(f"drum classes must be integers in 0..{NUM_CLASSES - 1}")
    return (classes[..., None].astype(np.int64) & _BITS) > 0


def roll_input(hits: np.ndarray) -> np.ndarray:
    """magenta's `roll_input`: (..., steps, 9) hits -> (..., steps, 10) floats, the hits and a last column
    that is 1 where no drum is hit."""
    hits = np.asarray(hits, bool)
    return np.concatenate([hits, ~hits.any(axis=-1, keepdims=True)], axis=-1).astype(np.float32)


def roll_of_classes(classes: np.ndarray) -> np.ndarray:
    """`roll_input` of 512-class events (..., steps) -> (..., steps, 10) float32, by table lookup."""
    return ROLL_TABLE[np.asarray(classes)]


def hits_to_notes(hits: np.ndarray) -> list[Note]:
    """One window's hits (steps, 9) -> a one-step note per hit at its class's first pitch."""
    hits = np.asarray(hits, bool)
    steps, drums = np.nonzero(hits)
    return [Note(DRUM_PITCHES[d][0], int(s), int(s) + 1) for s, d in zip(steps.tolist(), drums.tolist())]


ROLL_TABLE = roll_input(classes_to_hits(np.arange(NUM_CLASSES)))  # (512, 10): the roll of each class
ROLL_SIZE = NUM_DRUMS + 1  # the encoder's input: 9 hits and "no hit"
