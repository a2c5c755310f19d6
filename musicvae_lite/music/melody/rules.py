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

from musicvae_lite.music.melody.encoding import NOTE_OFF, PITCH_OFFSET, STEPS_PER_BAR


def track_windows(start: np.ndarray, end: np.ndarray, pitch: np.ndarray, *, steps: int, max_steps: int,
                  bar: int = STEPS_PER_BAR, gap: int = STEPS_PER_BAR) -> tuple[np.ndarray, np.ndarray]:
    """Every window of every melody of one track, in order, without a loop over melodies.

    start, end, pitch: (n,) quantized notes of the track (end > start), pitches in 21..108, steps
    counted from a bar line. steps: window length; windows start on each bar line of a melody.
    max_steps: a melody's events past this many steps are dropped (magenta's max_bars * 16).
    Returns (windows (k, steps) uint8, first step of each window (k,)).

    Melodies never overlap (the next one starts on a bar line at or after the previous one's padded
    end), so all of them are written into one event array and the windows are cut from it.
    """
    n = len(start)
    if n == 0:
        return np.empty((0, steps), np.uint8), np.empty(0, np.int64)
    if n == 1 or (start[1:] > start[:-1]).all():  # already in order, one note per onset
        s, e, p = start, end, pitch
    else:
        order = np.lexsort((-pitch.astype(np.int16), start))  # by onset, then highest pitch first
        s, e, p = start[order], end[order], pitch[order]
        first = np.empty(n, bool)
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        s, e, p = s[first], e[first], p[first]
    m = len(s)
    new_melody = np.empty(m, bool)  # a note that starts a melody
    new_melody[0] = True
    np.greater_equal(s[1:] - e[:-1], gap, out=new_melody[1:])
    heads = np.flatnonzero(new_melody)
    tails = np.append(heads[1:] - 1, m - 1)
    origin = s[heads] - s[heads] % bar  # the bar line at or before each melody's first onset
    length = e[tails] - origin  # up to the last note's end
    kept = np.minimum(length + (-length % bar), max_steps)  # padded to whole bars, truncated
    count = np.maximum((kept - steps) // bar + 1, 0)  # windows per melody
    total = int(count.sum())
    if total == 0:
        return np.empty((0, steps), np.uint8), np.empty(0, np.int64)
    events = np.zeros(int((origin + kept).max()), np.uint8)
    # A note-off where a note ends before the next onset; at a melody's end only when padding follows.
    off = np.empty(m, bool)
    np.less(e[:-1], s[1:], out=off[:-1])
    off[tails] = e[tails] % bar != 0
    at = e[off]
    events[at[at < len(events)]] = NOTE_OFF
    on = s < len(events)
    events[s[on]] = p[on] - PITCH_OFFSET
    first_step = np.repeat(origin, count) + bar * (np.arange(total) - np.repeat(np.cumsum(count) - count, count))
    return events[first_step[:, None] + np.arange(steps)], first_step


def section_windows(tracks: list[tuple[np.ndarray, np.ndarray, np.ndarray]], *, steps: int, max_steps: int,
                    bar: int = STEPS_PER_BAR, gap: int = STEPS_PER_BAR) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`track_windows` of several tracks in one pass: the tracks are laid end to end, a gap apart
    and on bar lines, so that each melody stays within its track. Returns (windows, first step of
    each window within its own track, which of `tracks` each window comes from)."""
    if len(tracks) == 1:
        wins, first = track_windows(*tracks[0], steps=steps, max_steps=max_steps, bar=bar, gap=gap)
        return wins, first, np.zeros(len(wins), np.int64)
    offsets, at = [], 0
    for _, end, _ in tracks:
        offsets.append(at)
        span = int(end.max())
        at += span + (-span % bar) + gap + (-gap % bar)
    offsets = np.array(offsets)
    start = np.concatenate([t[0] + o for t, o in zip(tracks, offsets)])
    end = np.concatenate([t[1] + o for t, o in zip(tracks, offsets)])
    pitch = np.concatenate([t[2] for t in tracks])
    wins, first = track_windows(start, end, pitch, steps=steps, max_steps=max_steps, bar=bar, gap=gap)
    part = np.searchsorted(offsets, first, side="right") - 1
    return wins, first - offsets[part], part
