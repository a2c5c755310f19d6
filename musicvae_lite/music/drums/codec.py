"""The drum codec (music/codec.py): MIDI files -> 2-bar windows of magenta's 512 drum classes (9 drums,
any combination in a step) with the Playback each carries, and windows -> General MIDI drums
(drums/render.py), the drum kit's audio, drum-grid pictures (drums/plots.py) and the page's notes;
magenta's `DrumsConverter` (music_vae/data.py) pairs the same two directions. GrooVAE's performances
(groove/codec.py) are a codec of the same files with velocities and offsets. Torch-free."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.codec import Codec
from musicvae_lite.music.drums.names import METER_REASON
from musicvae_lite.music.playback import Playback


def _extract(model: Any, path: str | Path, bars: int, *, quiet: bool = False):
    """The drum windows of `bars` bars of a file (a one-line error when there are none; with `quiet`, a file
    whose drums are only too short raises NoDrumsError instead)."""
    from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file
    from musicvae_lite.music.errors import NoDrumsError

    try:
        return extract_drum_file(path, DrumConfig(bars=bars, steps_per_bar=model.config.grid.steps_per_bar))
    except NoDrumsError as e:
        if quiet and e.kind == "too-short":
            raise
        hint = {"no-drums": "; for melodies use a melody model (--model default)",
                "unsupported-meter": f"; {METER_REASON}"}.get(e.kind, "")
        raise MvaeError(f"no {bars}-bar drum beat in {e.path}: {e.reason}{hint}") from None


class DrumCodec(Codec):
    kind = "drums"

    def read(self, model: Any, path: str | Path, window: int = 0) -> tuple[np.ndarray, Playback]:
        from musicvae_lite.music.drums.encoding import hits_to_classes

        found = _extract(model, path, model.config.bars)
        if not 0 <= window < len(found):
            raise MvaeError(f"{path}: --window {window} does not exist; it has drum windows 0..{len(found) - 1} "
                            f"(see `mvae windows --family drums {path}`)")
        return hits_to_classes(found.hits[window]), found.playback(window)

    def windows_of(self, model: Any, path: str | Path, bars: int):
        from musicvae_lite.music.drums.encoding import hits_to_classes
        from musicvae_lite.music.errors import NoDrumsError

        try:
            found = _extract(model, path, bars, quiet=True)
        except NoDrumsError:
            return None  # shorter than `bars`
        return np.stack([hits_to_classes(h) for h in found.hits]), found.playback

    def played(self, windows: Sequence[Any]) -> list:
        """What drums/render.py and drums/plots.py take, one entry a window: hits (steps, 9)."""
        from musicvae_lite.music.drums.encoding import classes_to_hits

        return [classes_to_hits(np.asarray(w)) for w in windows]

    def midi_bytes(self, windows: Sequence[Any], playback: Playback, gap_steps: int = 0) -> bytes:
        from musicvae_lite.music.drums.render import drum_midi_bytes

        return drum_midi_bytes(self.played(windows), qpm=playback.qpm, gap_steps=gap_steps, meter=playback.meter,
                               tempo_map=playback.tempo_map)

    def audio(self, windows: Sequence[Any], playback: Playback, gap_steps: int = 0) -> np.ndarray:
        from musicvae_lite.music.drums.render import synthesize_drums

        return synthesize_drums(self.played(windows), qpm=playback.qpm, gap_steps=gap_steps, meter=playback.meter,
                                tempo_map=playback.tempo_map)

    def picture(self, windows: Sequence[Any], path: Path, *, titles: Sequence[str] | None,
                grid: tuple[int, int] | None, playback: Playback) -> Path:
        from musicvae_lite.music.drums.plots import plot_drum_grid

        return plot_drum_grid(self.played(windows), path, titles=titles, ncols=grid[1] if grid else 1,
                              overwrite=True, meter=playback.meter)

    def item_notes(self, events: np.ndarray) -> list[list[int]]:
        """Each hit one step at its class's General MIDI pitch, so a page can draw it."""
        from musicvae_lite.music.drums.encoding import DRUM_PITCHES, classes_to_hits

        return [[DRUM_PITCHES[d][0], int(s), int(s) + 1] for s, d in zip(*np.nonzero(classes_to_hits(events)))]


DRUMS = DrumCodec()
