"""Monophonic melodies from a track's quantized notes, as magenta extracts them, and their windows.

The rules are those of note-seq's `Melody.from_quantized_sequence` driven by magenta's
`extract_melodies` with MusicVAE's melody settings (gap_bars=1, ignore_polyphonic_notes=True,
pad_end=True, min_bars=1, min_unique_pitches=1), restated here in vector form:

* notes are taken by onset; on equal onsets the highest pitch wins;
* a new onset cuts the sounding note (no note-off is written then);
* a silence of at least one bar (from a note's end to the next onset) ends the melody, and the next
  melody starts at that onset;
* a melody starts on the bar line at or before its first onset and is padded with rests to whole
  bars; the final note-off is written only when padding follows it;
* magenta truncates a melody to `max_bars` (100 in the 2-bar configs) before slicing windows.

Windows are `bars` bars long and start on every bar line of a melody (a 1-bar hop).
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.music.encoding import NOTE_OFF, PITCH_OFFSET, STEPS_PER_BAR


def melodies(start: np.ndarray, end: np.ndarray, pitch: np.ndarray, *, max_steps: int,
             bar: int = STEPS_PER_BAR, gap: int = STEPS_PER_BAR) -> list[tuple[int, np.ndarray]]:
    """Melodies of one track as (first step, events (steps,) uint8), in order.

    start, end, pitch: (n,) int arrays of quantized notes (end > start), pitches in 21..108.
    max_steps: events beyond this many steps of a melody are dropped (magenta's max_bars * 16).
    """
    n = len(start)
    if n == 0:
        return []
    if n == 1 or (start[1:] > start[:-1]).all():  # already in order, one note per onset
        s, e, p = start, end, pitch
    else:
        order = np.lexsort((-pitch.astype(np.int16), start))  # by onset, then highest pitch first
        s, e, p = start[order], end[order], pitch[order]
        first = np.empty(n, bool)
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        s, e, p = s[first], e[first], p[first]
    breaks = (np.flatnonzero(s[1:] - e[:-1] >= gap) + 1).tolist()
    out = []
    for a, b in zip([0] + breaks, breaks + [len(s)]):
        origin = int(s[a]) - int(s[a]) % bar
        ss, ee = s[a:b] - origin, e[a:b] - origin
        length = int(ee[-1])  # the last note's end
        padded = length + (-length % bar)
        events = np.zeros(min(padded, max_steps), np.uint8)
        offs = ee[:-1][ee[:-1] < ss[1:]]  # notes that end before the next onset
        if padded > length:
            offs = np.append(offs, length)
        events[offs[offs < len(events)]] = NOTE_OFF
        on = ss < len(events)
        events[ss[on]] = p[a:b][on] - PITCH_OFFSET
        out.append((origin, events))
    return out


def windows(events: np.ndarray, steps: int, hop: int = STEPS_PER_BAR) -> np.ndarray:
    """All windows of `steps` events starting every `hop` steps: (k, steps)."""
    k = (len(events) - steps) // hop + 1
    if k <= 0:
        return np.empty((0, steps), events.dtype)
    return events[np.arange(0, k * hop, hop)[:, None] + np.arange(steps)]
