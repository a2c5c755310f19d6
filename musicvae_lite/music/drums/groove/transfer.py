"""Groove transfer: a beat's hits played with the timing and dynamics of another performance, its "feel"
(GrooVAE's groove-transfer idea, Gillick et al. 2019, section 5.3; the methods here are ours, chosen by
benchmarks/bench_groove_transfer.py on the Groove MIDI Dataset's validation split, reported on its test
split: README, "Groove transfer").

A feel is summed up per position in the bar (16 sixteenths) and drum, over all its windows:

    template  (the default) the feel's own mean velocity and offset, put on the beat's hits; the humanize
              model is not used. Where the feel is the beat's own groove (another stretch of the same
              performance) this is the closest to how the drummer played the beat, by far.
    residual  how the feel departs from what the humanize model predicts for the feel's own hits (the
              mean of played minus predicted velocity and offset), added to the beat's humanized
              performance: the model says how a beat like this is played, the feel how this drummer
              departs from that. Closer to humanize; the safer of the two with a feel from another piece.

Means are shrunk towards the drum's mean over all positions (and that towards the mean of all hits; for
`residual`, that towards no departure) by `shrink` pseudo-hits; a position the feel never plays gets its
drum's mean, a drum it never plays the mean of all its hits. Performances are (hits, velocities, offsets)
arrays as in generate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.grid import STEPS_PER_BAR

METHODS = ("template", "residual")
DEFAULT_METHOD = "template"  # the better on the validation split's same-file pairs (the bench)
SHRINK = {"template": 0.0, "residual": 1.0}  # pseudo-hits: the best of each there


@dataclass(frozen=True)
class Feel:
    """A feel summed up: per bar position and drum (bar, 9) velocities and offsets (the feel's own, for
    `template`; its departures from the humanize model, for `residual`), over `hits` hits."""

    method: str
    velocity: np.ndarray
    offset: np.ndarray
    hits: int


def position_sums(hits, values, *, bar: int = STEPS_PER_BAR) -> tuple[np.ndarray, np.ndarray]:
    """(bar, 9) hit counts and sums of `values` over `hits` at each position in the bar and drum, over
    (..., T, 9) arrays (T a multiple of `bar`)."""
    h = np.asarray(hits, bool).reshape(-1, bar, NUM_DRUMS)
    v = np.where(h, np.asarray(values, np.float64).reshape(h.shape), 0.0)
    return h.sum(axis=0).astype(np.float64), v.sum(axis=0)


def shrunk_means(n: np.ndarray, total: np.ndarray, *, shrink: float = 0.0, to_zero: bool = False) -> np.ndarray:
    """(bar, 9) means from `position_sums`, each shrunk by `shrink` pseudo-hits towards its drum's mean over
    all positions, that towards the mean of all hits, and that (`to_zero`) towards 0; where there is no hit
    and no shrinkage, the level above stands in (0 at the root)."""
    N, S = float(n.sum()), float(total.sum())
    root = shrink if to_zero else 0.0
    overall = S / (N + root) if N + root > 0 else 0.0
    d_n, d_total = n.sum(axis=0), total.sum(axis=0)  # (9,)
    drum = np.where(d_n + shrink > 0, (d_total + shrink * overall) / np.maximum(d_n + shrink, 1e-9), overall)
    pos = np.where(n + shrink > 0, (total + shrink * drum) / np.maximum(n + shrink, 1e-9), drum)
    return pos.astype(np.float32)


def position_means(hits, values, *, bar: int = STEPS_PER_BAR, shrink: float = 0.0, to_zero: bool = False):
    """`shrunk_means` of `values` over `hits` ((..., T, 9) arrays): (bar, 9)."""
    return shrunk_means(*position_sums(hits, values, bar=bar), shrink=shrink, to_zero=to_zero)


def feel_from_sums(method: str, n, velocity_sum, offset_sum, *, shrink: float | None = None) -> Feel:
    """A Feel from `position_sums` of the feel's velocities and offsets (for `residual`: of its departures
    from the humanize model's performance of its hits)."""
    if method not in METHODS:
        raise MvaeError(f"unknown groove transfer method {method!r}; one of {', '.join(METHODS)}")
    k = SHRINK[method] if shrink is None else shrink
    zero = method == "residual"  # a departure the feel hardly shows is no departure
    return Feel(method, shrunk_means(n, velocity_sum, shrink=k, to_zero=zero),
                shrunk_means(n, offset_sum, shrink=k, to_zero=zero), int(np.sum(n)))


def _tiled(template: np.ndarray, shape: tuple) -> np.ndarray:
    bar = template.shape[0]
    if shape[-2] % bar:
        raise MvaeError(f"a window of {shape[-2]} steps is not whole bars of {bar}")
    return np.broadcast_to(np.tile(template, (shape[-2] // bar, 1)), shape)


def _as_perf(perf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hits, vel, off = (np.asarray(a) for a in perf)
    return hits.astype(bool), vel.astype(np.float32), off.astype(np.float32)


def feel_of(model, feel, *, method: str = DEFAULT_METHOD, shrink: float | None = None,
            predicted=None) -> Feel:
    """Sum up a feel performance ((n, T, 9) arrays, a whole file's windows) for `method`. `predicted`:
    the humanize model's performance of the feel's hits, when already at hand (else made here)."""
    if method not in METHODS:
        raise MvaeError(f"unknown groove transfer method {method!r}; one of {', '.join(METHODS)}")
    hits, vel, off = _as_perf(feel)
    if not hits.any():
        raise MvaeError("the feel has no drum hits; give a performance with drums (--feel)")
    if method == "residual":
        if predicted is None:
            from musicvae_lite.music.drums.groove.generate import humanize

            predicted = humanize(model, (hits, vel, off))
        vel, off = vel - np.asarray(predicted[1]), off - np.asarray(predicted[2])
    n, vel_sum = position_sums(hits, vel)
    return feel_from_sums(method, n, vel_sum, position_sums(hits, off)[1], shrink=shrink)


def apply_feel(feel: Feel, hits, humanized=None):
    """A beat's `hits` ((..., T, 9) bool, kept) played with `feel`: for `residual`, its
    humanized performance (`humanized`, the humanize model's) moved by the feel's departures; for
    `template`, the feel's means put on its hits."""
    hits = np.asarray(hits, bool)
    vel_t, off_t = _tiled(feel.velocity, hits.shape), _tiled(feel.offset, hits.shape)
    if feel.method == "residual":
        if humanized is None:
            raise ValueError("the residual method needs the humanized beat")
        vel_t = np.asarray(humanized[1]) + vel_t
        off_t = np.asarray(humanized[2]) + off_t
    vel = np.where(hits, np.clip(vel_t, 1 / 127, 1.0), 0.0).astype(np.float32)
    off = np.where(hits, np.clip(off_t, -0.5, 0.499), 0.0).astype(np.float32)
    return hits, vel, off


def transfer(model, perf, feel, *, method: str = DEFAULT_METHOD, temperature: float = 0.0,
             seed: int | None = None):
    """The Python API: `perf`'s hits ((T, 9) or (n, T, 9) arrays) played with the timing and dynamics of
    `feel` (a performance, e.g. `read_feel`'s), by a humanize GrooVAE `model` (the bundled `groove`)."""
    from musicvae_lite.music.drums.groove.generate import _stacked, humanize

    summed = feel_of(model, feel, method=method)
    beat = _stacked(model, perf)
    played = humanize(model, beat, temperature=temperature, seed=seed) if method == "residual" else None
    return apply_feel(summed, beat[0], played)


def read_feel(model, path: str | Path):
    """A feel file's performance, whole ((n, T, 9) arrays); a one-line error for a file that is not MIDI, is
    empty, has no drums, or has none in 4/4 or 2/2."""
    from musicvae_lite.music.drums.extract import drum_stretches
    from musicvae_lite.music.drums.groove.generate import read_whole
    from musicvae_lite.music.errors import MusicDataError
    from musicvae_lite.music.midi_read import read_midi

    give = "give a drum performance in 4/4 or 2/2 as the feel"
    try:
        midi = read_midi(path)
        drum_stretches(midi)
    except MusicDataError as e:
        raise MvaeError(f"--feel {e.path}: {e.reason}; {give}") from None
    perf = read_whole(model, path, midi=midi).perf
    if not np.asarray(perf[0]).any():
        raise MvaeError(f"--feel {path}: no drum hits; {give}")
    return perf
