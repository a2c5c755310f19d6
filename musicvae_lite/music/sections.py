"""Cutting a MIDI file into sections of one meter and quantizing their notes to the 16th-note grid.

Two timings, one result (`Section`s whose notes are in steps from the section's start):

* `compat_sections` reproduces magenta/note-seq exactly (note-seq 0.0.5 `midi_io`, `sequences_lib.
  split_note_sequence_on_time_changes` and `quantize_note_sequence`, which MusicVAE's data converters
  call): times in seconds computed as pretty_midi computes them (its tick-scale table, the same float
  operations), a split at every tempo or time-signature change, and each note rounded to the nearest
  step with note-seq's cutoff of 0.5 (`int(seconds * steps_per_second + 0.5)`). Zero-length notes are
  dropped, as pretty_midi drops them.
* `tick_sections` (the default mode) quantizes in ticks, exactly, with the same rounding rule, and
  splits only where the meter changes: a tempo change (a ritardando, a tempo map from a performance)
  does not move notes on the score's grid, so it need not cut a melody.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from musicvae_lite.music.grid import STEPS_PER_QUARTER
from musicvae_lite.music.midi_read import MidiData, Track

DEFAULT_QPM = 120.0  # MIDI's default tempo, and note-seq's


def bar_steps(numerator: int, denominator: int) -> float:
    """Steps in one bar of a meter: 16 for 4/4 and 2/2, 8 for 2/4, 12 for 3/4 and 6/8 (note-seq's formula)."""
    return STEPS_PER_QUARTER * (4.0 / denominator) * numerator


@dataclass
class Section:
    """A stretch of one meter. Notes are (start, end, pitch) step arrays per track, from the section
    start; they are left empty (unquantized) when the meter is not one the caller can use."""

    numerator: int
    denominator: int
    start_tick: int  # where the section starts in the file
    notes: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    parts: list[int] = field(default_factory=list)  # which of the given tracks each entry of `notes` is

    @property
    def bar_steps(self) -> float:
        return bar_steps(self.numerator, self.denominator)


def _round_half_up_ticks(ticks: np.ndarray, tpq: int) -> np.ndarray:
    """int(ticks * 4 / tpq + 0.5) in exact integer arithmetic."""
    return (ticks * (2 * STEPS_PER_QUARTER) + tpq) // (2 * tpq)


def _quantized(start, end, quantize) -> tuple[np.ndarray, np.ndarray]:
    qs, qe = quantize(start), quantize(end)
    qe = qe + (qe == qs)  # a note shorter than half a step still lasts one step (note-seq's rule)
    return qs, qe


def _meter_changes(midi: MidiData, before_tick: int | None = None):
    """Time-signature events that change the meter, as (tick, numerator, denominator); 4/4 is implied at 0."""
    meter = (4, 4)
    out = []
    for tick, n, d in midi.time_signatures:
        if before_tick is not None and tick >= before_tick:
            break
        if (n, d) != meter:
            out.append((tick, n, d))
            meter = (n, d)
    return out


def meter_spans(midi: MidiData, end_tick: int) -> list[tuple[int, int, int, int]]:
    """The file up to `end_tick` cut where the meter changes: (start tick, end tick, numerator,
    denominator) per stretch, 4/4 until the first time signature."""
    bounds = [(0, 4, 4)]
    for tick, n, d in _meter_changes(midi, before_tick=end_tick):
        if tick > bounds[-1][0]:
            bounds.append((tick, n, d))
        else:  # a change at the stretch's first tick sets its meter
            bounds[-1] = (bounds[-1][0], n, d)
    return [(a, bounds[i + 1][0] if i + 1 < len(bounds) else end_tick, n, d) for i, (a, n, d) in enumerate(bounds)]


def _meter_at_start(midi: MidiData) -> tuple[int, int]:
    """The meter in force at tick 0: the last time signature there, else 4/4."""
    at0 = [(n, d) for tick, n, d in midi.time_signatures if tick == 0]
    return at0[-1] if at0 else (4, 4)


def _inside(ticks, end_tick: int) -> bool:
    """Whether any tick lies strictly between the start and `end_tick`."""
    return any(0 < t < end_tick for t in ticks)


def tick_sections(midi: MidiData, tracks: list[Track], usable: Callable[[float], bool]) -> list[Section]:
    """Sections split at meter changes; notes quantized from ticks exactly in sections whose bar
    length (in steps) is `usable`."""
    if not tracks:
        return []
    tpq = midi.ticks_per_quarter
    end_tick = max(int(t.end.max()) for t in tracks)

    def quantize(ticks):
        return _round_half_up_ticks(ticks, tpq)

    if not _inside((t[0] for t in midi.time_signatures), end_tick):  # one meter: one section
        meter = _meter_at_start(midi)
        if not usable(bar_steps(*meter)):
            return [Section(*meter, 0, [])]
        return [Section(*meter, 0, [(*_quantized(t.start, t.end, quantize), t.pitch) for t in tracks],
                        list(range(len(tracks))))]
    spans = meter_spans(midi, end_tick)
    sections = []
    for i, (a, b, n, d) in enumerate(spans):
        if i == len(spans) - 1:
            b = None  # the last section runs to the end of every note
        notes, parts = [], []
        for k, t in enumerate(tracks):
            keep = t.start >= a if b is None else (t.start >= a) & (t.start < b)
            if not keep.any():
                continue
            start, end, pitch = t.start[keep] - a, t.end[keep], t.pitch[keep]
            end = (end if b is None else np.minimum(end, b)) - a
            notes.append((start, end, pitch))
            parts.append(k)
        if notes:
            ok = usable(bar_steps(n, d))
            sections.append(Section(n, d, a, [(*_quantized(s, e, quantize), p) for s, e, p in notes] if ok else [],
                                    parts if ok else []))
    return sections


def _tick_scales(midi: MidiData) -> tuple[np.ndarray, np.ndarray]:
    """pretty_midi's (tick, seconds-per-tick) table: default 120 qpm, a tempo at tick 0 replaces it,
    later ones are kept only when they change the scale."""
    res = midi.ticks_per_quarter
    ticks, scales = [0], [60.0 / (DEFAULT_QPM * res)]
    for tick, mspq in midi.tempos:
        scale = 60.0 / ((6e7 / mspq) * res)
        if tick == 0:
            ticks, scales = [0], [scale]
        elif scale != scales[-1]:
            ticks.append(tick)
            scales.append(scale)
    return ticks, scales


class _Clock:
    """Ticks to seconds with pretty_midi's arithmetic: time = T_k + scale_k * (tick - tick_k)."""

    def __init__(self, midi: MidiData):
        self.ticks, self.scales = _tick_scales(midi)
        self.origin = [0.0]
        for k in range(1, len(self.ticks)):
            self.origin.append(self.origin[-1] + self.scales[k - 1] * float(self.ticks[k] - self.ticks[k - 1]))
        self.qpm = [60.0 / (scale * midi.ticks_per_quarter) for scale in self.scales]  # get_tempo_changes

    def seconds(self, tick: int) -> float:
        k = max(i for i, t in enumerate(self.ticks) if t <= tick)
        return self.origin[k] + self.scales[k] * float(tick - self.ticks[k])

    def __call__(self, ticks: np.ndarray) -> np.ndarray:
        if len(self.ticks) == 1:  # 0.0 + scale * ticks, as pretty_midi computes it
            return self.scales[0] * ticks.astype(np.float64)
        k = np.searchsorted(self.ticks, ticks, side="right") - 1
        origin, scales, starts = np.array(self.origin), np.array(self.scales), np.array(self.ticks)
        return origin[k] + scales[k] * (ticks - starts[k]).astype(np.float64)


def compat_sections(midi: MidiData, tracks: list[Track], end_tick: int,
                    usable: Callable[[float], bool]) -> list[Section]:
    """Sections exactly as note-seq splits and quantizes them. `tracks` are the melodic tracks kept
    by the converter's filters; `end_tick` is the last note-off of the whole file (drums too), which
    sets the sequence's length and so which time changes count."""
    if not tracks:
        return []
    clock = _Clock(midi)
    if not _inside((t[0] for t in midi.time_signatures), end_tick) and not _inside(clock.ticks, end_tick):
        # The common case, one tempo and one meter: a single section, times are scale * ticks.
        scale, sps = clock.scales[0], STEPS_PER_QUARTER * clock.qpm[0] / 60.0

        def quantize_ticks(ticks):  # note-seq: int(seconds * steps_per_second + 0.5)
            return (ticks * scale * sps + 0.5).astype(np.int64)

        meter = _meter_at_start(midi)
        if not usable(bar_steps(*meter)):
            return [Section(*meter, 0, [])]
        return [Section(*meter, 0, [(*_quantized(t.start, t.end, quantize_ticks), t.pitch) for t in tracks],
                        list(range(len(tracks))))]
    total_time = clock.seconds(end_tick)

    # Time changes in note-seq's order: time signatures before tempos at equal times (a stable sort).
    changes = [(clock.seconds(tick), 0, tick, (n, d)) for tick, n, d in midi.time_signatures]
    changes += [(t, 1, tick, q) for t, tick, q in zip(clock.origin, clock.ticks, clock.qpm)]
    changes.sort(key=lambda c: c[0])
    meter, qpm = (4, 4), DEFAULT_QPM
    splits = [(0.0, 0)]  # (seconds, tick)
    for time, kind, tick, value in changes:
        if time >= total_time:
            continue
        if value == (meter if kind == 0 else qpm):
            continue
        if time > splits[-1][0]:
            splits.append((time, tick))
        if kind == 0:
            meter = value
        else:
            qpm = value
    splits.append((total_time, None))

    def state_at(time: float, kind: int, default):
        value = default
        for t, k, _, v in changes:  # sorted by time: the last event at or before `time` wins
            if t > time:
                break
            if k == kind:
                value = v
        return value

    tracks_s = [(clock(t.start), clock(t.end), t.pitch) for t in tracks]
    sections = []
    for i in range(len(splits) - 1):
        a, a_tick = splits[i]
        b = splits[i + 1][0]
        n, d = state_at(a, 0, (4, 4))
        sps = STEPS_PER_QUARTER * state_at(a, 1, DEFAULT_QPM) / 60.0

        def quantize(seconds, sps=sps):  # this section's steps per second
            return (seconds * sps + 0.5).astype(np.int64)

        notes, parts = [], []
        for k, (s, e, p) in enumerate(tracks_s):
            keep = (s >= a) & (s < b)
            if keep.any():
                notes.append((s[keep] - a, np.minimum(e[keep], b) - a, p[keep]))
                parts.append(k)
        if notes:
            ok = usable(bar_steps(n, d))
            sections.append(Section(n, d, a_tick, [(*_quantized(s, e, quantize), p) for s, e, p in notes] if ok else [],
                                    parts if ok else []))
    return sections


def qpm_at(midi: MidiData, ticks: np.ndarray) -> np.ndarray:
    """The tempo in force at each tick in quarters per minute, rounded to 0.01 (a tempo of 631,578 us per
    quarter is 95.0 qpm, not 95.0001): the last tempo event at or before it, MIDI's 120 before the first."""
    ticks = np.asarray(ticks, np.int64)
    if not midi.tempos:
        return np.full(len(ticks), DEFAULT_QPM)
    at = np.array([tick for tick, _ in midi.tempos], np.int64)
    qpm = 60_000_000.0 / np.array([mspq for _, mspq in midi.tempos], np.float64)
    k = np.searchsorted(at, ticks, side="right") - 1  # the last event on a tick is the one in force
    return np.round(np.where(k >= 0, qpm[np.maximum(k, 0)], DEFAULT_QPM), 2)


def bar_of_tick(midi: MidiData, ticks: np.ndarray) -> np.ndarray:
    """The 0-based bar index holding each tick, counting bars with the file's time signatures."""
    ticks = np.asarray(ticks, np.int64)
    tpq = midi.ticks_per_quarter
    bars = np.zeros(len(ticks), np.int64)
    seg_start, seg_bar, bar_ticks = 0, 0.0, 4 * tpq
    for tick, n, d in _meter_changes(midi):
        here = ticks >= seg_start
        bars[here] = np.floor(seg_bar + (ticks[here] - seg_start) / bar_ticks).astype(np.int64)
        seg_bar += -(-(tick - seg_start) // bar_ticks) if tick > seg_start else 0
        seg_start, bar_ticks = tick, tpq * 4 * n / d
    here = ticks >= seg_start
    bars[here] = np.floor(seg_bar + (ticks[here] - seg_start) / bar_ticks).astype(np.int64)
    return bars
