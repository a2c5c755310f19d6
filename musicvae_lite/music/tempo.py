"""Tempo on the step grid: a file's tempo map read as (step, qpm) changes, the seconds each step starts
at under such a map, and the rounding every tempo gets before it is printed or written.

A standard MIDI file keeps its tempo as Set Tempo meta events, microseconds per quarter note at a tick
(SMF 1.0, "Set Tempo", FF 51 03); a tempo holds until the next one, and 120 qpm holds before the first
(the SMF default, 500,000 us per quarter). On our grid of `meter.DEFAULT_STEPS_PER_QUARTER` steps per quarter a
change at tick t falls on step t / (ticks per quarter / steps per quarter), rounded to the nearest step:
the writers can only place a change on a step, and a change inside a step moves later onsets by less
than a step. A tempo read from a file is rounded to a hundredth of a qpm (`round_qpm`): 631,578 us per
quarter reads as 95.00006 qpm and is written and printed as 95.

Torch-free, and symusic is not needed: the readers (midi_read.py) have parsed the file already.
"""

from __future__ import annotations

from collections.abc import Sequence

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.meter import DEFAULT_STEPS_PER_QUARTER as STEPS_PER_QUARTER

DEFAULT_QPM = 120.0  # the SMF default before any Set Tempo event (500,000 us per quarter)
MIN_QPM, MAX_QPM = 1.0, 1000.0  # tempos the writers accept
QPM_DECIMALS = 2  # a tempo keeps a hundredth of a qpm: 95.00006 -> 95, 133.3333 -> 133.33

TempoMap = tuple[tuple[int, float], ...]  # (step, qpm) changes, steps increasing, the first at step 0


def round_qpm(qpm: float) -> float:
    """A tempo as it is printed and written: to a hundredth of a qpm (95.0001 -> 95.0)."""
    return round(float(qpm), QPM_DECIMALS) + 0.0  # + 0.0: never -0.0


def check_qpm(qpm: float) -> float:
    """`qpm` as a float, or a one-line MvaeError when it is outside MIN_QPM..MAX_QPM (or not a number)."""
    try:
        value = float(qpm)
    except (TypeError, ValueError):
        raise MvaeError(f"tempo {qpm!r} is not a number of quarter notes a minute") from None
    if not MIN_QPM <= value <= MAX_QPM:  # also refuses NaN
        raise MvaeError(f"tempo {qpm} qpm is outside {MIN_QPM:g}..{MAX_QPM:g}")
    return value


def as_tempo_map(tempo_map: Sequence[tuple[int, float]] | None, qpm: float | None = None) -> TempoMap:
    """A checked tempo map: `tempo_map`'s (step, qpm) changes with `qpm` (default 120) from step 0 until
    the first of them; None gives the constant `qpm`. Each tempo is rounded (`round_qpm`); a change to
    the tempo already in force is dropped, and of several changes at one step the last holds."""
    start = DEFAULT_QPM if qpm is None else check_qpm(qpm)
    changes: dict[int, float] = {0: round_qpm(start)}
    last = -1
    for item in tempo_map or ():
        try:
            step, value = item
        except (TypeError, ValueError):
            raise MvaeError(f"a tempo map is (step, qpm) pairs, got {item!r}") from None
        if int(step) != step or step < 0 or step < last:
            raise MvaeError(f"tempo map steps must be whole numbers >= 0 in order, got {step!r} after {last}")
        last = int(step)
        changes[last] = round_qpm(check_qpm(value))
    out: list[tuple[int, float]] = []
    for step in sorted(changes):
        if not out or changes[step] != out[-1][1]:
            out.append((step, changes[step]))
    return tuple(out)


def steps_to_seconds(steps, tempo_map: Sequence[tuple[int, float]] | None = None, *, qpm: float | None = None,
                     steps_per_quarter: int = STEPS_PER_QUARTER):
    """The time in seconds at which each of `steps` (any shape, fractions allowed: a groove's offsets)
    falls, under `tempo_map` (`as_tempo_map(tempo_map, qpm)`). Returns a float64 array of `steps`' shape."""
    import numpy as np  # deferred: tempo.py is imported by modules `mvae --help` loads

    changes = as_tempo_map(tempo_map, qpm)
    at = np.array([s for s, _ in changes], dtype=np.float64)  # (k,) steps where a tempo begins
    step_s = np.array([60.0 / q / steps_per_quarter for _, q in changes])  # (k,) seconds per step there
    begins_s = np.concatenate([[0.0], np.cumsum(np.diff(at) * step_s[:-1])])  # (k,) seconds at each change
    x = np.asarray(steps, dtype=np.float64)
    k = np.searchsorted(at, x, side="right") - 1  # the change in force at each step (negative steps: the first)
    k = np.clip(k, 0, len(at) - 1)
    return begins_s[k] + (x - at[k]) * step_s[k]


def tempo_map_of(midi, stretches: Sequence[tuple[int, int]] | None = None, *,
                 steps_per_quarter: int = STEPS_PER_QUARTER) -> TempoMap:
    """The tempo map of a parsed file (`midi_read.MidiData`: its `tempos` are (tick, us per quarter) and
    its `ticks_per_quarter`) on the step grid. The file's tempo before its first change is 120 qpm.

    `stretches`, (start tick, length in steps) each, are the parts of the file a verb keeps, played one
    after another (the whole-file verbs leave out the stretches in another meter, music/drums/extract.py
    `drum_stretches`): each stretch starts with the tempo in force at its first tick, and its changes
    come at their steps inside it. None: the whole file from tick 0."""
    tick_per_step = midi.ticks_per_quarter / steps_per_quarter
    tempos = [(int(tick), 60_000_000.0 / mspq) for tick, mspq in midi.tempos]
    spans = [(0, None)] if stretches is None else [(int(a), int(n)) for a, n in stretches]
    changes: list[tuple[int, float]] = []
    offset = 0
    for start_tick, steps in spans:
        before = [q for tick, q in tempos if tick <= start_tick]
        changes.append((offset, before[-1] if before else DEFAULT_QPM))
        for tick, q in tempos:
            step = round((tick - start_tick) / tick_per_step)
            if tick > start_tick and (steps is None or step < steps):
                changes.append((offset + step, q))
        offset += steps or 0
    return as_tempo_map(changes)


def describe(tempo_map: Sequence[tuple[int, float]] | None, qpm: float | None = None) -> str:
    """A tempo map in words for a report line: '96 qpm', or '120 -> 80 qpm' for one that changes
    (its first and last tempo, with the count of changes when there are more than one)."""
    changes = as_tempo_map(tempo_map, qpm)
    first, last = changes[0][1], changes[-1][1]
    if len(changes) == 1:
        return f"{first:g} qpm"
    more = f" ({len(changes) - 1} changes)" if len(changes) > 2 else ""
    return f"{first:g} -> {last:g} qpm{more}"


__all__ = ["DEFAULT_QPM", "TempoMap", "as_tempo_map", "check_qpm", "describe", "round_qpm", "steps_to_seconds",
           "tempo_map_of"]
