"""The 16th-note grid every music family works on, and a note placed on it.

MusicVAE quantizes to 4 steps per quarter note (16 per 4/4 bar) for melodies, drums and grooves alike
(Roberts et al. 2018; magenta's music_vae configs use `steps_per_quarter=4`). A `Note` is the one
currency between a family's encoding and the shared writers: MIDI (midi_write.py), audio (audio.py).
"""

from __future__ import annotations

from typing import NamedTuple

STEPS_PER_QUARTER = 4  # 16th-note grid
STEPS_PER_BAR = 16  # a 4/4 bar (or two 2/4 bars read as one, see melody/extract.py)


class Note(NamedTuple):
    """A note on the step grid: sounds from `start` (inclusive) to `end` (exclusive)."""

    pitch: int
    start: int
    end: int


def pitch_name(pitch: int) -> str:
    """Scientific pitch name: 60 -> 'C4', 61 -> 'C#4'."""
    return f"{('C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B')[pitch % 12]}{pitch // 12 - 1}"


def lay_out(parts: list[tuple[list[Note], int]], gap_steps: int = 0) -> tuple[list[Note], int]:
    """Several passages played in turn, `gap_steps` of rest between them: each part is (its notes, its
    length in steps); returns the notes moved to their places and the total length in steps."""
    notes: list[Note] = []
    offset = 0
    for part_notes, steps in parts:
        notes += [Note(n.pitch, n.start + offset, n.end + offset) for n in part_notes]
        offset += steps + gap_steps
    return notes, max(offset - gap_steps, 0)


def items_in_turn(kind: str, windows, notes_of, *, titles=None, qpm: float, gap_steps: int) -> list[dict]:
    """Windows of event classes played in turn, `gap_steps` apart (as the stitched MIDI and WAV files lay
    them out), as JSON-able dicts for the web page: `kind`, `title`, `steps`, `events`, `notes` ([pitch,
    start, end] in steps, from `notes_of(window)`), and `start_step`, `start_s`, `end_s` in the
    stitched files."""
    step_s = 60.0 / qpm / STEPS_PER_QUARTER
    items, offset = [], 0
    for i, window in enumerate(windows):
        steps = len(window)
        items.append({"kind": kind, "title": titles[i] if titles else str(i + 1), "steps": steps,
                      "events": [int(e) for e in window], "notes": notes_of(window), "start_step": offset,
                      "start_s": offset * step_s, "end_s": (offset + steps) * step_s})
        offset += steps + gap_steps
    return items
