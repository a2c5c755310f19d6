"""Simple musical attributes of melody windows, for latent attribute vectors and evaluation.

Note density, average interval and syncopation are among the attributes Roberts et al. 2018 ("A
Hierarchical Latent Vector Model for Learning Long-Term Structure in Music", section 5.4) build
latent attribute vectors for (with C-diatonic membership and 8th/16th-note syncopation); mean pitch,
pitch range and note count are added here. The
pitch-class histogram is the octave-independent pitch feature of Yang & Lerch 2020 ("On the
evaluation of generative models in music"), counted here over note onsets.

Syncopation is measured as the share of note onsets that fall off the quarter-note beat (on a 16th
position not divisible by 4): a plain onset-position measure of the kind surveyed by Gomez, Melvin,
Rappaport & Toussaint 2005 ("Mathematical measures of syncopation"), simpler than the
metrical-weight measure of Longuet-Higgins & Lee 1984. Step 0 of a window is taken as a downbeat
(windows are cut at bar lines).

Input: events of the 90-class encoding (`encoding.py`), one window (steps,) or a batch (n, steps).
A "note" is a note-on event (classes 2..89); rests, holds and note-offs are not notes. Every
attribute returns a float for one window and an (n,) float64 array for a batch. Windows where an
attribute is undefined give NaN: no notes for mean pitch, pitch range, syncopation and the
pitch-class histogram; fewer than two notes for the mean interval. Counts (note count, note
density) are 0 for a window without notes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.encoding import NUM_SPECIAL, PITCH_OFFSET, check_events
from musicvae_lite.music.meter import DEFAULT_METER, Meter


def _batch(events) -> tuple[np.ndarray, bool]:
    """Events as an (n, steps) int64 array, and whether the input was a single window."""
    try:
        ev = check_events(np.asarray(events))
    except ValueError as e:
        raise MvaeError(str(e)) from None
    return ev.astype(np.int64).reshape(-1, ev.shape[-1]), ev.ndim == 1  # (n, steps)


def _out(values: np.ndarray, single: bool) -> float | np.ndarray:
    """A float for one window, the (n,) float64 array for a batch."""
    values = np.asarray(values, np.float64)
    return float(values[0]) if single else values


def _onsets(ev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Note-on mask (n, steps) and MIDI pitch at each step (n, steps; meaningless where no onset)."""
    return ev >= NUM_SPECIAL, ev + PITCH_OFFSET


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den elementwise, NaN where den is 0."""
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def note_count(events) -> float | np.ndarray:
    """Number of note-ons in the window."""
    ev, single = _batch(events)
    on, _ = _onsets(ev)
    return _out(on.sum(1), single)


def note_density(events, meter: Meter = DEFAULT_METER) -> float | np.ndarray:
    """Note-ons per bar of `meter` (4/4: 16 steps): note count / (steps / steps per bar)."""
    ev, single = _batch(events)
    on, _ = _onsets(ev)
    return _out(on.sum(1) / (ev.shape[1] / meter.steps_per_bar), single)


def mean_pitch(events) -> float | np.ndarray:
    """Mean MIDI pitch over the note-ons (each note counted once, whatever its length); NaN without notes."""
    ev, single = _batch(events)
    on, pitch = _onsets(ev)
    return _out(_divide(np.where(on, pitch, 0).sum(1), on.sum(1)), single)


def pitch_range(events) -> float | np.ndarray:
    """Highest minus lowest MIDI pitch among the note-ons, in semitones; NaN without notes."""
    ev, single = _batch(events)
    on, pitch = _onsets(ev)
    hi = np.where(on, pitch, -1).max(1)  # (n,)
    lo = np.where(on, pitch, 1 << 30).min(1)  # (n,)
    return _out(np.where(on.any(1), hi - lo, np.nan), single)


def mean_interval(events) -> float | np.ndarray:
    """Mean absolute interval in semitones between consecutive note-ons (rests between them ignored);
    NaN with fewer than two notes."""
    ev, single = _batch(events)
    on, pitch = _onsets(ev)
    steps = np.arange(ev.shape[1])
    last = np.maximum.accumulate(np.where(on, steps, -1), axis=1)  # (n, steps) latest onset at or before
    prev = np.concatenate([np.full((len(ev), 1), -1), last[:, :-1]], axis=1)  # (n, steps) strictly before
    has_prev = on & (prev >= 0)  # (n, steps) onsets that follow another onset
    prev_pitch = np.take_along_axis(pitch, np.maximum(prev, 0), axis=1)  # (n, steps)
    jumps = np.where(has_prev, np.abs(pitch - prev_pitch), 0)  # (n, steps)
    return _out(_divide(jumps.sum(1), has_prev.sum(1)), single)


def syncopation(events, meter: Meter = DEFAULT_METER) -> float | np.ndarray:
    """Share of note-ons off the beat of `meter` (4/4: the quarter, step % 4 != 0; 6/8: the dotted
    quarter), in [0, 1]; NaN without notes."""
    ev, single = _batch(events)
    on, _ = _onsets(ev)
    off_beat = (np.arange(ev.shape[1]) % meter.steps_per_beat) != 0  # (steps,)
    return _out(_divide((on & off_beat).sum(1), on.sum(1)), single)


ATTRIBUTES: dict[str, Callable[[np.ndarray], float | np.ndarray]] = {
    "note_count": note_count,
    "note_density": note_density,
    "mean_pitch": mean_pitch,
    "pitch_range": pitch_range,
    "mean_interval": mean_interval,
    "syncopation": syncopation,
}  # name -> attribute of a window (steps,) or a batch (n, steps)


_METRIC = frozenset({"note_density", "syncopation"})  # the attributes that ask the meter


def attribute(name: str, events, meter: Meter = DEFAULT_METER) -> float | np.ndarray:
    """The attribute called `name` (a key of ATTRIBUTES) of `events`, whose bars are those of `meter`."""
    if name not in ATTRIBUTES:
        raise MvaeError(f"unknown melody attribute {name!r}; choose one of: {', '.join(ATTRIBUTES)}")
    return ATTRIBUTES[name](events, meter) if name in _METRIC else ATTRIBUTES[name](events)


def pitch_class_histogram(events) -> np.ndarray:
    """Share of note-ons on each pitch class, C=0 .. B=11, summing to 1: (12,) for one window, (n, 12)
    for a batch; all NaN for a window without notes."""
    ev, single = _batch(events)
    on, pitch = _onsets(ev)
    counts = np.zeros((len(ev), 12), np.float64)  # (n, 12)
    rows, steps = np.nonzero(on)
    np.add.at(counts, (rows, pitch[rows, steps] % 12), 1.0)
    hist = _divide(counts, counts.sum(1, keepdims=True).repeat(12, axis=1))  # (n, 12)
    return hist[0] if single else hist


def onset_position_histogram(events, steps_per_bar: int) -> np.ndarray:
    """Where in the bar the notes of windows (steps,) or (n, steps) start: the share of note-ons on each of the
    bar's `steps_per_bar` positions (windows start on a bar line), (steps_per_bar,) summing to 1 (all zeros
    when there is no note). A 6/8 tune puts its notes on positions 0, 2, 4, 6, 8, 10 of 12 and stresses 0
    and 6; a 3/4 tune stresses 0, 4 and 8."""
    ev, _ = _batch(events)
    on, _ = _onsets(ev)
    positions = np.nonzero(on)[1] % steps_per_bar
    counts = np.bincount(positions, minlength=steps_per_bar).astype(np.float64)
    return counts / counts.sum() if counts.sum() else counts


def histogram_overlap(p: np.ndarray, q: np.ndarray) -> float:
    """The overlapping area of two histograms that each sum to 1: sum of the smaller share at each position
    (1 when equal, 0 when disjoint)."""
    return float(np.minimum(np.asarray(p, np.float64), np.asarray(q, np.float64)).sum())
