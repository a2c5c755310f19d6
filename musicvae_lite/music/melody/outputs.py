"""What the generation commands write for a set of melodies (the Python API's `write_melody_set`): the
shared set writer (music/output_set.py) over the melody codec (codec.py) — one MIDI file per melody, one
playing them all in turn, a WAV of that and a piano-roll PNG — and the same set as the page's items."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.music.melody.codec import MELODY
from musicvae_lite.music.output_set import GAP_STEPS, set_items, write_set
from musicvae_lite.music.playback import Playback

__all__ = ["GAP_STEPS", "melody_items", "write_melody_set"]


def write_melody_set(out_dir: str | Path, stem: str, melodies: np.ndarray, *, titles: Sequence[str] | None = None,
                     grid: tuple[int, int] | None = None, qpm: float | None = None, soundfont: str | Path | None = None,
                     overwrite: bool = False, each: bool = True, formats: frozenset[str] | None = None) -> list[Path]:
    """Write `melodies` (n, steps) as `<stem>_<i>.mid` (when `each`), `<stem>.mid` (all in turn),
    `<stem>.wav` and `<stem>.png` (a grid of rows x cols panels when `grid` is given); `formats` (a
    subset of "mid", "wav", "png"; default all) says which of those to write."""
    playback = Playback().with_overrides(qpm=qpm)
    return write_set(MELODY, out_dir, stem, list(np.asarray(melodies)), playback=playback, titles=titles, grid=grid,
                     soundfont=soundfont, overwrite=overwrite, each=each, formats=formats)


def melody_items(melodies: np.ndarray, *, titles: Sequence[str] | None = None, qpm: float | None = None) -> list[dict]:
    """The set `write_melody_set` writes, as JSON-able dicts in play order (output_set.set_items)."""
    return set_items(MELODY, list(np.asarray(melodies)), titles=titles, playback=Playback().with_overrides(qpm=qpm))
