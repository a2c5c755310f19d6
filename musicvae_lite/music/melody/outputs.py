"""What the generation commands write for a set of melodies: one MIDI file per melody, one MIDI file
playing them all in turn, a WAV of that (built-in synthesizer, or FluidSynth with a SoundFont) and a
piano-roll PNG (`formats` picks which kinds). Nothing is overwritten unless asked, and every path
written is returned. `melody_items` is the same set as plain data for the web server: events, notes
and each melody's span in the stitched MIDI and WAV."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.audio import (
    DEFAULT_QPM,
    DEFAULT_SAMPLE_RATE,
    check_soundfont,
    render_with_soundfont,
    write_wav,
)
from musicvae_lite.music.grid import items_in_turn
from musicvae_lite.music.melody.encoding import events_to_notes
from musicvae_lite.music.melody.plots import plot_grid, plot_pianoroll
from musicvae_lite.music.melody.render import melody_midi_bytes, synthesize

GAP_STEPS = 8  # half a bar of rest between melodies in the stitched files
FORMATS = frozenset({"mid", "wav", "png"})


def write_melody_set(out_dir: str | Path, stem: str, melodies: np.ndarray, *, titles: Sequence[str] | None = None,
                     grid: tuple[int, int] | None = None, qpm: float | None = None, soundfont: str | Path | None = None,
                     overwrite: bool = False, each: bool = True, formats: frozenset[str] | None = None) -> list[Path]:
    """Write `melodies` (n, steps) as `<stem>_<i>.mid` (when `each`), `<stem>.mid` (all in turn),
    `<stem>.wav` and `<stem>.png` (a grid of rows x cols panels when `grid` is given); `formats` (a
    subset of "mid", "wav", "png"; default all) says which of those to write."""
    formats = FORMATS if formats is None else frozenset(formats)
    if not formats or not formats <= FORMATS:
        raise MvaeError(f"formats must be a non-empty subset of {', '.join(sorted(FORMATS))}, got {sorted(formats)}")
    if soundfont is not None and "wav" in formats:
        check_soundfont(Path(soundfont))  # before anything is written
        formats |= {"mid"}  # FluidSynth renders the stitched MIDI file
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise MvaeError(f"{out} exists and is not a folder")
    melodies = np.asarray(melodies)
    targets = ([out / f"{stem}_{i + 1:02d}.mid" for i in range(len(melodies))] if each and "mid" in formats else []) + \
        [out / f"{stem}.{kind}" for kind in ("mid", "wav", "png") if kind in formats]
    clashes = [p for p in targets if p.exists()]
    if clashes and not overwrite:  # check everything first: never leave a half-written set
        raise OverwriteError(clashes[0], detail=f" ({len(clashes)} of the files to write do)",
                             hint=", or write to another folder")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "mid" in formats:
        if each:
            for path, melody in zip(targets, melodies):
                data = melody_midi_bytes(melody, qpm=qpm)
                written.append(atomic_write(path, lambda f, d=data: f.write(d), overwrite=True))
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
