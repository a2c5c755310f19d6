"""Piano-roll pictures of melodies: one panel per melody, or a rows x cols grid, saved as PNG.

A piano roll draws each note as a horizontal bar (time to the right, pitch upward), the layout of
MusicVAE's figures (Roberts et al. 2018, figs. 3-5) and of magenta's notebooks. Here: the pitch axis
covers only the range the melodies use (padded by two semitones, shared by all panels so they can be
compared) and is labelled with pitch names (C4, E4, ...); black-key rows are shaded; bar lines (every
16 steps) are dark and beat lines (every 4) light; each panel has a title ("A", "2", ..., "B" for an
interpolation, see `interpolation_titles`).

Drawing uses matplotlib's object API on an Agg canvas (no pyplot, so no global figure state and no
display needed), imported inside the functions so importing this module stays light.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.melody.render import MelodyInput, as_melodies
from musicvae_lite.music.tempo import round_qpm
from musicvae_lite.music.melody.encoding import events_to_notes, pitch_name
from musicvae_lite.music.meter import DEFAULT_METER, Meter

DPI = 120  # sharp on screen and in a README, a few hundred kB at most
MAX_FIG_WIDTH_IN = 21.0  # panels wrap into rows beyond this width
PAD_SEMITONES = 2  # empty rows above and below the melodies' range
MIN_SPAN = 12  # the pitch axis shows at least an octave
EMPTY_RANGE = (60, 72)  # C4..C5 when every melody is all rests
NOTE_COLOR, NOTE_EDGE = "#3a6fb0", "#1b3a63"
BAR_LINE, BEAT_LINE, BLACK_KEY_ROW = "#6b6b6b", "#d4d4d4", "#f1f1f1"
CHORD_COLOR = "#8a3b12"  # chord names over the bars
BLACK_KEYS = {1, 3, 6, 8, 10}  # pitch classes of C#, D#, F#, G#, A#


def interpolation_titles(n: int) -> list[str]:
    """Panel titles for an interpolation of `n` melodies: 'A', '2', ..., 'n-1', 'B'."""
    if n < 2:
        raise MvaeError(f"an interpolation has at least 2 melodies, got {n}")
    return ["A"] + [str(i) for i in range(2, n)] + ["B"]


def _pitch_range(melodies: list[np.ndarray]) -> tuple[int, int]:
    """The lowest and highest pitch row to show, shared by every panel."""
    pitches = [n.pitch for m in melodies for n in events_to_notes(m)]
    if not pitches:
        return EMPTY_RANGE
    lo, hi = min(pitches) - PAD_SEMITONES, max(pitches) + PAD_SEMITONES
    if hi - lo < MIN_SPAN:
        lo -= (MIN_SPAN - (hi - lo)) // 2
        hi = lo + MIN_SPAN
    return max(lo, 0), min(hi, 127)


def _pitch_ticks(lo: int, hi: int, panel_h_in: float) -> list[int]:
    """Pitches to label: every one if they fit (about 10 pt each), else white keys, C-E-G, or C only."""
    fits = panel_h_in * 72.0 / 10.0
    for keep in (set(range(12)), {0, 2, 4, 5, 7, 9, 11}, {0, 4, 7}, {0}):
        ticks = [p for p in range(lo, hi + 1) if p % 12 in keep]
        if len(ticks) <= fits:
            return ticks
    return ticks


def _panel_size(steps: int, span: int) -> tuple[float, float]:
    """(width, height) of one panel in inches: width grows with length, height with the pitch range."""
    return min(max(0.8 + 0.06 * steps, 2.4), 16.0), min(max(0.6 + 0.11 * span, 1.8), 4.0)


def _box(start: float, end: float, pitch: int, height: float) -> list[tuple[float, float]]:
    """The corners of a bar from `start` to `end` centred on the row of `pitch`."""
    y0, y1 = pitch - height / 2, pitch + height / 2
    return [(start, y0), (end, y0), (end, y1), (start, y1)]


def _draw_panel(ax, events: np.ndarray, lo: int, hi: int, title: str | None, ticks: list[int], meter: Meter,
                chords: np.ndarray | None = None) -> None:
    """One melody (steps,) on `ax`: shaded black-key rows, `meter`'s beat and bar lines, notes, labels, and
    the names of its chords (steps,) at each change, along the top (`_draw_chords`)."""
    from matplotlib.collections import PolyCollection

    steps = len(events)
    black = [p for p in range(lo, hi + 1) if p % 12 in BLACK_KEYS]
    ax.add_collection(PolyCollection([_box(0, steps, p, 1.0) for p in black], facecolors=BLACK_KEY_ROW,
                                     linewidths=0, zorder=0))
    beats, bars = meter.beat_steps(steps), meter.bar_steps(steps)
    ax.vlines(beats, lo - 0.5, hi + 0.5, colors=BEAT_LINE, lw=0.6, zorder=1)
    ax.vlines(bars, lo - 0.5, hi + 0.5, colors=BAR_LINE, lw=1.1, zorder=1)
    notes = events_to_notes(events)
    if notes:
        ax.add_collection(PolyCollection([_box(n.start, n.end, n.pitch, 0.8) for n in notes], facecolors=NOTE_COLOR,
                                         edgecolors=NOTE_EDGE, linewidths=0.6, zorder=2))
    else:
        ax.text(steps / 2, (lo + hi) / 2, "(rest)", ha="center", va="center", color="#888888", fontsize=9)
    ax.set_xlim(0, steps)
    ax.set_ylim(lo - 0.5, hi + 0.5)
    starts = [b for b in bars if b < steps]  # bar numbers at the bars' first steps (not at the end line)
    every = max(1, math.ceil(len(starts) / 16))  # at most about 16 bar numbers per panel
    ax.set_xticks(starts[::every], [str(b // meter.steps_per_bar + 1) for b in starts[::every]], fontsize=7)
    ax.set_yticks(ticks, [pitch_name(p) for p in ticks], fontsize=7)
    ax.tick_params(length=2, pad=1.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is not None:
        ax.set_title(title, fontsize=10, fontweight="bold", pad=3)
    if chords is not None:
        _draw_chords(ax, chords, hi)


def _draw_chords(ax, chords: np.ndarray, hi: int) -> None:
    """The chord names (music/chord_track.py `chord_changes`) written inside the panel's top row, each at
    the step where it starts ('N': no chord; steps whose chord is not given are left blank)."""
    from musicvae_lite.music.chord_track import chord_changes

    for step, name in chord_changes(chords):
        if name != "?":
            ax.text(step + 0.3, hi + 0.4, name, ha="left", va="top", fontsize=7, color=CHORD_COLOR,
                    fontweight="bold", zorder=3)


def _save(melodies: list[np.ndarray], titles: list[str | None], nrows: int, ncols: int, path: str | Path, *,
          qpm: float | None, suptitle: str | None, overwrite: bool, meter: Meter = DEFAULT_METER,
          chords: Sequence[np.ndarray | None] | None = None) -> Path:
    """Lay out the panels row by row on one figure and write it as PNG, atomically."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lo, hi = _pitch_range(melodies)
    panel_w, panel_h = _panel_size(max(len(m) for m in melodies), hi - lo)
    panel_w = max(min(panel_w, (MAX_FIG_WIDTH_IN + 3.0) / ncols), 1.8)  # a wide grid squeezes its panels
    ticks = _pitch_ticks(lo, hi, panel_h)
    top_in = 0.3 + (0.4 if suptitle else 0.0)  # titles above the first row
    width, height = 0.8 + ncols * panel_w, 0.6 + nrows * (panel_h + 0.45) + (0.4 if suptitle else 0.0)
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    # Fixed margins in inches rather than constrained layout, which draws the figure twice.
    fig.subplots_adjust(left=0.55 / width, right=1 - 0.15 / width, bottom=0.55 / height, top=1 - top_in / height,
                        wspace=0.25 / panel_w * ncols / max(ncols, 1), hspace=0.45 / panel_h)
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)  # (rows, cols); inner pitch labels hidden
    for i, ax in enumerate(axes.flat):
        if i < len(melodies):
            _draw_panel(ax, melodies[i], lo, hi, titles[i], ticks, meter, None if chords is None else chords[i])
        else:
            ax.set_visible(False)
    qpm = None if qpm is None else round_qpm(qpm)  # as the MIDI file says it: 95.0001 -> 95
    bar_s = None if qpm is None else meter.steps_per_bar / meter.steps_per_quarter * 60.0 / qpm
    shown = "bar" if meter == DEFAULT_METER else f"bar of {meter.label}"
    fig.supxlabel(shown if qpm is None else f"{shown} ({qpm:g} qpm: {bar_s:.3g} s per bar)", fontsize=9)
    if suptitle:
        fig.suptitle(suptitle, fontsize=12)
    return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=DPI, facecolor="white"), overwrite=overwrite)


def _check_common(qpm: float | None, path: str | Path) -> None:
    if qpm is not None and not 1.0 <= float(qpm) <= 1000.0:
        raise MvaeError(f"tempo {qpm} qpm is outside 1..1000")
    if Path(path).suffix.lower() != ".png":
        raise MvaeError(f"piano rolls are written as PNG; give a path ending in .png, not {path}")


def plot_pianoroll(sequences: MelodyInput, path: str | Path, *, titles: Sequence[str] | None = None,
                   qpm: float | None = None, ncols: int | None = None, suptitle: str | None = None,
                   overwrite: bool = False, meter: Meter = DEFAULT_METER,
                   chords: Sequence[np.ndarray | None] | None = None) -> Path:
    """Write a PNG of one melody (steps,) or several ((n, steps) or a list), one panel each.

    Panels run left to right and wrap into rows when the figure would pass ~21 inches (7 two-bar
    melodies fit one row); `ncols` overrides that. `titles` defaults to '1'..'n' (one panel: none).
    With `qpm` the time axis says how long a bar lasts; bar and beat lines are `meter`'s; `chords`, one
    (steps,) array of chord classes per melody (or None), writes the chord names over its bars. Returns the path.
    """
    _check_common(qpm, path)
    melodies = as_melodies(sequences, "piano roll")
    n = len(melodies)
    if titles is None:
        titles = [None] if n == 1 else [str(i + 1) for i in range(n)]
    elif isinstance(titles, str) or len(titles) != n:
        raise MvaeError(f"give one title per melody: {n} melodies, titles {titles!r}")
    if ncols is None:
        lo, hi = _pitch_range(melodies)
        panel_w, _ = _panel_size(max(len(m) for m in melodies), hi - lo)
        ncols = max(1, min(n, int(MAX_FIG_WIDTH_IN // panel_w)))
        ncols = math.ceil(n / math.ceil(n / ncols))  # balance the rows: 7 in 2 rows is 4 + 3, not 6 + 1
    elif int(ncols) != ncols or ncols < 1:
        raise MvaeError(f"ncols must be a whole number >= 1, got {ncols}")
    ncols = min(int(ncols), n)
    if chords is not None and len(chords) != n:
        raise MvaeError(f"give one chord array per melody: {n} melodies, {len(chords)} chord arrays")
    return _save(melodies, list(titles), math.ceil(n / ncols), ncols, path, qpm=qpm, suptitle=suptitle,
                 overwrite=overwrite, meter=meter, chords=chords)


def _grid_rows(sequences_2d) -> list[list[np.ndarray]]:
    """Check a (rows, cols, steps) array or a list of rows of 1-D sequences; return the checked rows."""
    if isinstance(sequences_2d, np.ndarray):
        if sequences_2d.ndim != 3 or 0 in sequences_2d.shape:
            raise MvaeError(f"a melody grid must be (rows, cols, steps) and non-empty, got shape {sequences_2d.shape}")
        sequences_2d = [list(row) for row in sequences_2d]
    if not isinstance(sequences_2d, (list, tuple)) or not sequences_2d:
        raise MvaeError("a melody grid must be a (rows, cols, steps) array or a non-empty list of rows")
    grid = []
    for r, row in enumerate(sequences_2d):
        if isinstance(row, np.ndarray) and row.ndim == 2:
            row = list(row)
        if not isinstance(row, (list, tuple)) or not row or any(np.ndim(m) != 1 for m in row):
            raise MvaeError(f"grid row {r + 1} must be a list of 1-D event sequences (rows, cols, steps)")
        grid.append(as_melodies(list(row), f"grid row {r + 1}"))
    return grid


def plot_grid(sequences_2d, path: str | Path, *, titles: Sequence[Sequence[str]] | None = None,
              qpm: float | None = None, suptitle: str | None = None, overwrite: bool = False,
              meter: Meter = DEFAULT_METER, chords: Sequence[np.ndarray | None] | None = None) -> Path:
    """Write a PNG of a rows x cols grid of melodies (e.g. a 4-corner interpolation), one panel each.

    `sequences_2d` is an array (rows, cols, steps) or a list of rows, each a list of equally many 1-D
    event sequences. `titles` is rows x cols (nested) and defaults to 'row,col' (1-based); `chords`, one
    (steps,) array per panel row by row (flat), as `plot_pianoroll` takes them. Returns the path.
    """
    _check_common(qpm, path)
    grid = _grid_rows(sequences_2d)
    ncols = len(grid[0])
    if any(len(row) != ncols for row in grid):
        raise MvaeError(f"every grid row needs the same number of melodies; got {[len(row) for row in grid]}")
    nrows = len(grid)
    if titles is None:
        flat_titles = [f"{r + 1},{c + 1}" for r in range(nrows) for c in range(ncols)]
    else:
        if isinstance(titles, str) or len(titles) != nrows or any(
                isinstance(t, str) or len(t) != ncols for t in titles):
            raise MvaeError(f"give titles as {nrows} rows of {ncols}, got {titles!r}")
        flat_titles = [str(t) for row in titles for t in row]
    return _save([m for row in grid for m in row], flat_titles, nrows, ncols, path, qpm=qpm, suptitle=suptitle,
                 overwrite=overwrite, meter=meter, chords=chords)


__all__ = ["interpolation_titles", "plot_grid", "plot_pianoroll"]
