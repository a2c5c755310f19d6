"""Drum grids as PNG: one panel per window, the 9 drum classes as rows (kick at the bottom), the 16th-note
steps as columns, each hit a cell shaded by its velocity; with timing offsets (grooves) each cell is
drawn moved from its step by its offset, so a laid-back snare sits visibly behind the grid line. Bar
lines dark, beats light, as the melodies' piano rolls draw them (melody/plots.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.drums.encoding import DRUM_NAMES, NUM_DRUMS
from musicvae_lite.music.drums.render import _window_arrays
from musicvae_lite.music.meter import DEFAULT_METER, Meter

DPI = 110
STEP_IN = 0.09  # inches per step: a 2-bar window is about 3 inches wide
ROW_IN = 0.16  # inches per drum row
MAX_PANELS = 256


def plot_drum_grid(windows: Sequence, path: str | Path, *, titles: Sequence[str] | None = None,
                   ncols: int = 1, overwrite: bool = False, meter: Meter = DEFAULT_METER) -> Path:
    """Write the windows (hits (steps, 9), or (hits, velocity, offset) tuples) as one PNG, `ncols` panels a
    row (a 4-corner grid: n), row by row, with `meter`'s beat and bar lines."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    panels = [_window_arrays(*w) if isinstance(w, tuple) else _window_arrays(w, None, None) for w in windows]
    if not panels or len(panels) > MAX_PANELS:
        raise MvaeError(f"a drum grid picture takes 1..{MAX_PANELS} windows, got {len(panels)}")
    if titles is not None and len(titles) != len(panels):
        raise MvaeError(f"{len(titles)} titles for {len(panels)} windows")
    ncols = max(1, min(int(ncols), len(panels)))
    nrows = -(-len(panels) // ncols)
    steps = max(len(h) for h, _, _ in panels)
    panel_w, panel_h = steps * STEP_IN, NUM_DRUMS * ROW_IN
    width, height = 1.1 + ncols * (panel_w + 0.2), 0.3 + nrows * (panel_h + 0.45)
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=1.0 / width, right=1 - 0.1 / width, bottom=0.25 / height, top=1 - 0.3 / height,
                        wspace=0.2 / panel_w, hspace=0.45 / panel_h)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True)
    for i, ax in enumerate(axes.flat):
        if i >= len(panels):
            ax.set_visible(False)
            continue
        hits, vel, off = panels[i]
        n = len(hits)
        ax.set_xlim(0, n)
        ax.set_ylim(0, NUM_DRUMS)
        bar = meter.steps_per_bar
        for s in sorted(meter.beat_steps(n) + meter.bar_steps(n)):
            ax.axvline(s, color="#555" if s % bar == 0 else "#ddd", lw=0.8 if s % bar == 0 else 0.5, zorder=0)
        for s, d in zip(*np.nonzero(hits)):
            shade = 0.25 + 0.75 * float(vel[s, d])  # quiet hits pale, loud ones dark
            ax.add_patch(Rectangle((s + off[s, d] + 0.08, d + 0.12), 0.84, 0.76, lw=0,
                                   color=(0.13, 0.36, 0.55, shade)))
        ax.set_yticks(np.arange(NUM_DRUMS) + 0.5, DRUM_NAMES, fontsize=6)
        ax.set_xticks(range(0, n, bar), [str(b + 1) for b in range(-(-n // bar))], fontsize=6)
        ax.tick_params(length=0, pad=1.5)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, fontweight="bold", pad=2)
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=DPI, facecolor="white"), overwrite=overwrite)
