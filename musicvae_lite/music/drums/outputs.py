"""What the drum verbs write for a set of windows: one MIDI file per window, one MIDI file playing them in
turn, a WAV of that (render.py's drum kit) and a drum-grid PNG (plots.py), `formats` choosing which; and
the same set as plain data for the web server (`drum_items`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.files import atomic_write
from musicvae_lite.music.audio import (
    DEFAULT_QPM,
    DEFAULT_SAMPLE_RATE,
    render_with_soundfont,
    write_wav,
)
from musicvae_lite.music.drums.encoding import DRUM_PITCHES, classes_to_hits
from musicvae_lite.music.drums.plots import plot_drum_grid
from musicvae_lite.music.drums.render import drum_midi_bytes, synthesize_drums
from musicvae_lite.music.grid import items_in_turn
from musicvae_lite.music.output_files import prepare_set

GAP_STEPS = 8  # half a bar of rest between windows in the stitched files, as for melodies


def as_windows(windows) -> list:
    """What render.py and plots.py take, one entry a window: 512-class windows (n, steps) become hits
    (steps, 9); a performance, the tuple (hits, velocities, offsets) of (n, steps, 9) arrays (GrooVAE's,
    music/drums/groove), becomes (hits, velocity, offset) tuples of (steps, 9) arrays."""
    if isinstance(windows, tuple):
        hits, vel, off = (np.asarray(a) for a in windows)
        return list(zip(hits, vel, off))
    return list(classes_to_hits(np.asarray(windows)))


def write_drum_set(out_dir: str | Path, stem: str, windows, *, titles: Sequence[str] | None = None,
                   ncols: int = 1, qpm: float | None = None, overwrite: bool = False,
                   formats: frozenset[str] | None = None, gap_steps: int = GAP_STEPS,
                   soundfont: str | Path | None = None) -> list[Path]:
    """Write windows (512 classes (n, steps), or a performance: see `as_windows`) as `<stem>_<i>.mid`,
    `<stem>.mid`, `<stem>.wav` (the drum kit of render.py, or FluidSynth with `soundfont`), `<stem>.png`;
    `gap_steps` of rest between them in the stitched files."""
    hits = as_windows(windows)  # per window: hits (steps, 9), or (hits, velocity, offset)
    out, formats = prepare_set(out_dir, stem, len(hits), formats, soundfont=soundfont, overwrite=overwrite)
    written = []
    if "mid" in formats:
        for i, h in enumerate(hits):
            data = drum_midi_bytes([h], qpm=qpm)
            written.append(atomic_write(out / f"{stem}_{i + 1:02d}.mid", lambda f, d=data: f.write(d), overwrite=True))
        stitched = drum_midi_bytes(hits, qpm=qpm, gap_steps=gap_steps)
        written.append(atomic_write(out / f"{stem}.mid", lambda f: f.write(stitched), overwrite=True))
    if "wav" in formats and soundfont is not None:
        written.append(render_with_soundfont(out / f"{stem}.mid", out / f"{stem}.wav", soundfont, overwrite=True))
    elif "wav" in formats:
        audio = synthesize_drums(hits, qpm=qpm or DEFAULT_QPM, gap_steps=gap_steps)
        written.append(write_wav(out / f"{stem}.wav", audio, DEFAULT_SAMPLE_RATE, overwrite=True))
    if "png" in formats:
        written.append(plot_drum_grid(hits, out / f"{stem}.png", titles=titles, ncols=ncols, overwrite=True))
    return written


def drum_items(windows: np.ndarray, *, titles: Sequence[str] | None = None, qpm: float | None = None) -> list[dict]:
    """The set as JSON-able dicts in play order (grid.items_in_turn): events (512 classes), notes (each hit
    one step at its class's General MIDI pitch, so a page can draw it), and where each window sits in the
    stitched files."""
    def notes(window: np.ndarray) -> list[list[int]]:
        return [[DRUM_PITCHES[d][0], int(s), int(s) + 1] for s, d in zip(*np.nonzero(classes_to_hits(window)))]

    return items_in_turn("drums", np.asarray(windows), notes, titles=titles, qpm=qpm or DEFAULT_QPM,
                         gap_steps=GAP_STEPS)
