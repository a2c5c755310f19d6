"""Long-term structure of melodies, bar by bar: how often a bar repeats an earlier bar, exactly or
transposed, and how alike neighbouring bars are. Long melodies are what MusicVAE's hierarchical decoder
is for: a flat decoder's samples are known to wander and repeat less than music does (Roberts et al.
2018, section 5.2); these figures show whether ours do (benchmarks/bench_structure.py).

Input: events of the 90-class encoding, one window (steps,) or a batch (n, steps), steps a whole
number of 16-step bars. A bar "has notes" when it holds a note-on; bars without one (rests, or a
note held over) are not counted as repeats or as repeated, so that held notes and silence do not
pass for structure.

- `exact_repeats`: the share of bars with notes that equal an earlier bar with notes, event for
  event (the same rhythm, the same pitches, the same rests).
- `transposed_repeats`: the share of bars with notes that equal an earlier bar shifted by a nonzero
  number of semitones (every note-on moved by the same amount, everything else the same), and do
  not repeat any earlier bar exactly.
- `bar_similarity`: for each pair of neighbouring bars, the share of their 16 steps that hold the same
  event; (n, bars - 1). `adjacent_similarity` is its mean per window.

Each returns NaN for a window where it is undefined (no bar with notes after the first).
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.encoding import NUM_SPECIAL, check_events
from musicvae_lite.music.meter import DEFAULT_METER, Meter


def bars_of(events, meter: Meter = DEFAULT_METER) -> tuple[np.ndarray, bool]:
    """Events as (n, bars, steps per bar) int64 (4/4: 16), and whether the input was one window."""
    try:
        ev = check_events(np.asarray(events))
    except ValueError as e:
        raise MvaeError(str(e)) from None
    single = ev.ndim == 1
    ev = ev.astype(np.int64).reshape(-1, ev.shape[-1])  # (n, steps)
    bar = meter.steps_per_bar
    if ev.shape[1] % bar or ev.shape[1] < 2 * bar:
        raise MvaeError(f"structure needs two or more whole bars ({meter.label}: {bar} steps each), "
                        f"got {ev.shape[1]} steps")
    return ev.reshape(len(ev), -1, bar), single  # (n, bars, steps per bar)


def _out(values: np.ndarray, single: bool):
    return float(values[0]) if single else values


def _repeats(bars: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per window: bars with notes after the first such bar, and how many of them repeat an earlier bar
    exactly, and how many transposed (and not exactly). Each (n,)."""
    n, num_bars, _ = bars.shape
    onset = bars >= NUM_SPECIAL  # (n, bars, steps per bar)
    has_notes = onset.any(axis=2)  # (n, bars)
    lowest = np.where(onset, bars, 10_000).min(axis=2)  # (n, bars): the lowest note-on class of each bar
    shape = np.where(onset, bars - lowest[..., None], bars)  # the bar moved so its lowest note is 0
    exact = np.zeros((n, num_bars), bool)
    moved = np.zeros((n, num_bars), bool)
    for b in range(1, num_bars):
        earlier = has_notes[:, :b]  # (n, b)
        same = (bars[:, :b] == bars[:, b:b + 1]).all(axis=2) & earlier  # (n, b)
        same_shape = (shape[:, :b] == shape[:, b:b + 1]).all(axis=2) & earlier
        exact[:, b] = same.any(axis=1)
        moved[:, b] = same_shape.any(axis=1) & ~exact[:, b]
    counted = has_notes.copy()
    first = np.argmax(has_notes, axis=1)  # the first bar with notes repeats nothing
    counted[np.arange(n), first] = False
    exact &= counted
    moved &= counted
    return counted.sum(axis=1), exact.sum(axis=1), moved.sum(axis=1)


def exact_repeats(events, meter: Meter = DEFAULT_METER):
    bars, single = bars_of(events, meter)
    counted, exact, _ = _repeats(bars)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _out(np.where(counted > 0, exact / np.maximum(counted, 1), np.nan), single)


def transposed_repeats(events, meter: Meter = DEFAULT_METER):
    bars, single = bars_of(events, meter)
    counted, _, moved = _repeats(bars)
    return _out(np.where(counted > 0, moved / np.maximum(counted, 1), np.nan), single)


def bar_similarity(events, meter: Meter = DEFAULT_METER) -> np.ndarray:
    """(n, bars - 1): the share of steps two neighbouring bars have in common (one window: (bars - 1,))."""
    bars, single = bars_of(events, meter)
    sim = (bars[:, 1:] == bars[:, :-1]).mean(axis=2)  # (n, bars - 1)
    return sim[0] if single else sim


def adjacent_similarity(events, meter: Meter = DEFAULT_METER):
    bars, single = bars_of(events, meter)
    return _out((bars[:, 1:] == bars[:, :-1]).mean(axis=(1, 2)), single)


STRUCTURE = {"exact_repeats": exact_repeats, "transposed_repeats": transposed_repeats,
             "adjacent_similarity": adjacent_similarity}
