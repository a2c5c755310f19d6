"""Features of drum windows, for judging samples against real beats (benchmarks/bench_drums.py): hits per
bar, how often each of the 9 drums plays, and syncopation. The issue's targets compare their
distributions for prior samples and held-out windows by overlapping area (Yang & Lerch 2020).

Input: 512-class windows (steps,) or (n, steps), or hits (..., steps, 9). Syncopation is the share of hits
that fall off the eighth-note grid (on an odd 16th): the plain onset-position measure the melodies use
(melody/attributes.py), here over all drums; NaN for a window without hits.
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_DRUMS, classes_to_hits
from musicvae_lite.music.meter import DEFAULT_METER, Meter


def _hits(windows, meter: Meter = DEFAULT_METER) -> tuple[np.ndarray, bool]:
    """(n, steps, 9) bool and whether one window was given."""
    arr = np.asarray(windows)
    try:
        hits = arr.astype(bool) if arr.dtype == bool or (arr.ndim >= 2 and arr.shape[-1] == NUM_DRUMS
                                                          and arr.max(initial=0) <= 1) else classes_to_hits(arr)
    except ValueError as e:
        raise MvaeError(str(e)) from None
    single = hits.ndim == 2
    hits = hits.reshape(-1, *hits.shape[-2:])
    if hits.shape[1] % meter.steps_per_bar:
        raise MvaeError(f"drum windows must be whole {meter.label} bars of {meter.steps_per_bar} steps, "
                        f"got {hits.shape[1]}")
    return hits, single


def hits_per_bar(windows, meter: Meter = DEFAULT_METER):
    hits, single = _hits(windows, meter)
    out = hits.sum(axis=(1, 2)) / (hits.shape[1] / meter.steps_per_bar)
    return float(out[0]) if single else out.astype(np.float64)


def drum_density(windows) -> np.ndarray:
    """(n, 9): the share of steps on which each drum plays (one window: (9,))."""
    hits, single = _hits(windows)
    out = hits.mean(axis=1).astype(np.float64)
    return out[0] if single else out


def syncopation(windows):
    hits, single = _hits(windows)
    total = hits.sum(axis=(1, 2)).astype(np.float64)
    off = hits[:, 1::2].sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(total > 0, off / np.maximum(total, 1), np.nan)
    return float(out[0]) if single else out


FEATURES = {"hits_per_bar": hits_per_bar, "drum_density": drum_density, "syncopation": syncopation}
