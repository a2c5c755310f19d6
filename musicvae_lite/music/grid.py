"""The 16th-note grid every music family works on, and a note placed on it.

MusicVAE quantizes to 4 steps per quarter note (16 per 4/4 bar) for melodies, drums and grooves alike
(Roberts et al. 2018; magenta's music_vae configs use `steps_per_quarter=4`). A `Note` is the one
currency between a family's encoding and the shared writers: MIDI (midi_write.py), audio (audio.py).
Passages played in turn (a stitched interpolation) each start on a bar line (`starts_in_turn`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from musicvae_lite.errors import MvaeError

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


def starts_in_turn(lengths: Sequence[int], *, gap_steps: int = 0, bar_steps: int = STEPS_PER_BAR
                   ) -> tuple[list[int], int]:
    """Where passages of `lengths` steps start when played in turn, each on a bar line: the next one
    starts at the first bar line (a multiple of `bar_steps`) at or after the end of the one before plus
    `gap_steps` of rest. Returns the starts and the total length (the last passage's end).

    With the default `gap_steps=0`, passages of whole bars follow one another with no rest and a passage
    that ends inside a bar is padded to the bar line: magenta joins an interpolation's steps the same way
    (its colab's `concatenate_sequences`), a DAW shows every step on a bar line, and reading the file back
    (a 2-bar window at every bar, or a whole file cut into consecutive windows) finds the same windows."""
    if int(gap_steps) != gap_steps or gap_steps < 0:
        raise MvaeError(f"gap_steps must be a whole number >= 0, got {gap_steps}")
    if int(bar_steps) != bar_steps or bar_steps < 1:
        raise MvaeError(f"bar_steps must be a whole number >= 1, got {bar_steps}")
    starts, end = [], 0
    for i, steps in enumerate(lengths):
        begin = 0 if i == 0 else -(-(end + int(gap_steps)) // int(bar_steps)) * int(bar_steps)  # ceil to a bar
        starts.append(begin)
        end = begin + int(steps)
    return starts, end


def lay_out(parts: list[tuple[list[Note], int]], gap_steps: int = 0, *,
            bar_steps: int = STEPS_PER_BAR) -> tuple[list[Note], int]:
    """Several passages played in turn, each on a bar line (`starts_in_turn`): each part is (its notes,
    its length in steps); returns the notes moved to their places and the total length in steps."""
    starts, total = starts_in_turn([steps for _, steps in parts], gap_steps=gap_steps, bar_steps=bar_steps)
    notes: list[Note] = []
    for (part_notes, _), offset in zip(parts, starts):
        notes += [Note(n.pitch, n.start + offset, n.end + offset) for n in part_notes]
    return notes, total


def items_in_turn(kind: str, windows, notes_of, *, titles=None, qpm: float, gap_steps: int = 0,
                  bar_steps: int = STEPS_PER_BAR) -> list[dict]:
    """Windows of event classes played in turn, each on a bar line (`starts_in_turn`, as the stitched MIDI
    and WAV files lay them out), as JSON-able dicts for the web page: `kind`, `title`, `steps`, `events`,
    `notes` ([pitch, start, end] in steps, from `notes_of(window)`), `start_step`, `start_s`, `end_s`
    in the stitched files (at `qpm`, rounded as the writers round it: music/tempo.py), and the `qpm` and
    `bar_steps` the page plays and draws them with."""
    from musicvae_lite.music.tempo import round_qpm, steps_to_seconds

    starts, _ = starts_in_turn([len(w) for w in windows], gap_steps=gap_steps, bar_steps=bar_steps)
    items = []
    for i, (window, offset) in enumerate(zip(windows, starts)):
        steps = len(window)
        start_s, end_s = steps_to_seconds([offset, offset + steps], qpm=qpm).tolist()
        items.append({"kind": kind, "title": titles[i] if titles else str(i + 1), "steps": steps,
                      "events": [int(e) for e in window], "notes": notes_of(window), "start_step": offset,
                      "start_s": start_s, "end_s": end_s, "qpm": round_qpm(qpm), "bar_steps": bar_steps})
    return items
