"""What the generation commands write for a set of melodies: one MIDI file per melody, one MIDI file
playing them all in turn, a WAV of that (built-in synthesizer, or FluidSynth with a SoundFont) and a
piano-roll PNG (`formats` picks which kinds). Nothing is overwritten unless asked, and every path
written is returned. `melody_items` is the same set as plain data for the web server: events, notes
and each melody's span in the stitched MIDI and WAV."""

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
from musicvae_lite.music.grid import items_in_turn
from musicvae_lite.music.melody.encoding import events_to_notes
from musicvae_lite.music.melody.plots import plot_grid, plot_pianoroll
from musicvae_lite.music.melody.render import melody_midi_bytes, synthesize
from musicvae_lite.music.output_files import prepare_set

GAP_STEPS = 8  # half a bar of rest between melodies in the stitched files


def write_melody_set(out_dir: str | Path, stem: str, melodies: np.ndarray, *, titles: Sequence[str] | None = None,
                     grid: tuple[int, int] | None = None, qpm: float | None = None, soundfont: str | Path | None = None,
                     overwrite: bool = False, each: bool = True, formats: frozenset[str] | None = None) -> list[Path]:
    """Write `melodies` (n, steps) as `<stem>_<i>.mid` (when `each`), `<stem>.mid` (all in turn),
    `<stem>.wav` and `<stem>.png` (a grid of rows x cols panels when `grid` is given); `formats` (a
    subset of "mid", "wav", "png"; default all) says which of those to write."""
    melodies = np.asarray(melodies)
    out, formats = prepare_set(out_dir, stem, len(melodies) if each else 0, formats, soundfont=soundfont,
                               overwrite=overwrite)
    written = []
    if "mid" in formats:
        if each:
            for i, melody in enumerate(melodies):
                data = melody_midi_bytes(melody, qpm=qpm)
                written.append(atomic_write(out / f"{stem}_{i + 1:02d}.mid", lambda f, d=data: f.write(d),
                                            overwrite=True))
        stitched = melody_midi_bytes(list(melodies), qpm=qpm, gap_steps=GAP_STEPS)
        written.append(atomic_write(out / f"{stem}.mid", lambda f: f.write(stitched), overwrite=True))
    if "wav" in formats:
        if soundfont is not None:
            written.append(render_with_soundfont(out / f"{stem}.mid", out / f"{stem}.wav", soundfont, overwrite=True))
        else:
            audio = synthesize(list(melodies), qpm=qpm or DEFAULT_QPM, gap_steps=GAP_STEPS)
            written.append(write_wav(out / f"{stem}.wav", audio, DEFAULT_SAMPLE_RATE, overwrite=True))
    if "png" not in formats:
        return written
    if grid is not None:
        rows, cols = grid
        panels = [list(melodies[r * cols:(r + 1) * cols]) for r in range(rows)]
        grid_titles = [list(titles[r * cols:(r + 1) * cols]) for r in range(rows)] if titles else None
        written.append(plot_grid(panels, out / f"{stem}.png", titles=grid_titles, qpm=qpm, overwrite=True))
    else:
        written.append(plot_pianoroll(list(melodies), out / f"{stem}.png", titles=titles, qpm=qpm, overwrite=True))
    return written


def melody_items(melodies: np.ndarray, *, titles: Sequence[str] | None = None, qpm: float | None = None) -> list[dict]:
    """The set `write_melody_set` writes, as JSON-able dicts in play order (grid.items_in_turn): events,
    notes ([pitch, start, end] in steps), and where each melody sits in the stitched MIDI and WAV."""
    return items_in_turn("melody", np.asarray(melodies),
                         lambda m: [[n.pitch, n.start, n.end] for n in events_to_notes(m)],
                         titles=titles, qpm=qpm or DEFAULT_QPM, gap_steps=GAP_STEPS)
