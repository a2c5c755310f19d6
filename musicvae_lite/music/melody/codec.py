"""The melody codec (music/codec.py): MIDI files -> MusicVAE's 90-class melody windows with the Playback
each carries, and windows -> MIDI, audio (melody/render.py), piano rolls (melody/plots.py) and the page's
notes; magenta's `OneHotMelodyConverter` (music_vae/data.py) pairs the same two directions. Torch-free."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.codec import Codec
from musicvae_lite.music.playback import Playback


def _extract(model: Any, path: str | Path, bars: int | None = None, *, quiet: bool = False):
    """The windows of `bars` bars (default: the model's) of a file, as the model reads it (a one-line error
    when there are none; with `quiet`, a file whose melody is only too short raises NoMelodyError instead)."""
    from musicvae_lite.music.errors import NoMelodyError
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    bars = bars or model.config.bars
    try:
        own = getattr(model.config, "meter_controls", False)  # a model that reads the meter: the tune's own
        return extract_file(path, ExtractConfig(bars=bars, steps_per_bar=0 if own else model.config.grid.steps_per_bar))
    except NoMelodyError as e:  # say what the model needed, once: "no 2-bar melody in x.mid: it only has drums"
        if quiet and e.kind == "too-short":
            raise
        hint = "; for drums use a drum model (a drums run, or a bundled one from `mvae models`)" \
            if e.kind == "only-drums" else ""
        raise MvaeError(f"no {_bars(bars)} melody in {e.path}: {e.reason}{hint}") from None


def _bars(n: int) -> str:
    return "1-bar" if n == 1 else f"{n}-bar"


class MelodyCodec(Codec):
    kind = "melody"
    encodes_all = True  # `mvae encode` of a melody file without --window: every window

    def read(self, model: Any, path: str | Path, window: int = 0) -> tuple[np.ndarray, Playback]:
        found = _extract(model, path)
        if not 0 <= window < len(found):
            raise MvaeError(f"{path}: --window {window} does not exist; it has windows 0..{len(found) - 1} "
                            f"(see `mvae windows {path}`)")
        return found.events[window], found.playback(window)

    def read_all(self, model: Any, path: str | Path) -> np.ndarray:
        return _extract(model, path).events

    def windows_of(self, model: Any, path: str | Path, bars: int):
        from musicvae_lite.music.errors import NoMelodyError

        try:
            found = _extract(model, path, bars, quiet=True)
        except NoMelodyError:
            return None  # shorter than `bars`
        return found.events, found.playback

    def read_all_meters(self, model: Any, path: str | Path) -> tuple[np.ndarray, list]:
        """Every window of a file and the meter of each."""
        found = _extract(model, path)
        return found.events, [found.playback(i).meter for i in range(len(found))]

    def midi_bytes(self, windows: Sequence[np.ndarray], playback: Playback, gap_steps: int = 0) -> bytes:
        from musicvae_lite.music.melody.render import melody_midi_bytes

        return melody_midi_bytes(list(windows), qpm=playback.qpm, program=playback.program, velocity=playback.velocity,
                                 gap_steps=gap_steps, meter=playback.meter, tempo_map=playback.tempo_map)

    def audio(self, windows: Sequence[np.ndarray], playback: Playback, gap_steps: int = 0) -> np.ndarray:
        from musicvae_lite.music.melody.render import synthesize

        return synthesize(list(windows), qpm=playback.qpm, program=playback.program, gap_steps=gap_steps,
                          meter=playback.meter, tempo_map=playback.tempo_map)

    def picture(self, windows: Sequence[np.ndarray], path: Path, *, titles: Sequence[str] | None,
                grid: tuple[int, int] | None, playback: Playback) -> Path:
        from musicvae_lite.music.melody.plots import plot_grid, plot_pianoroll

        if grid is None:
            return plot_pianoroll(list(windows), path, titles=titles, qpm=playback.qpm, overwrite=True,
                                  meter=playback.meter)
        rows, cols = grid
        panels = [list(windows[r * cols:(r + 1) * cols]) for r in range(rows)]
        grid_titles = [list(titles[r * cols:(r + 1) * cols]) for r in range(rows)] if titles else None
        return plot_grid(panels, path, titles=grid_titles, qpm=playback.qpm, overwrite=True, meter=playback.meter)

    def item_notes(self, events: np.ndarray) -> list[list[int]]:
        from musicvae_lite.music.melody.encoding import events_to_notes

        return [[n.pitch, n.start, n.end] for n in events_to_notes(events)]


class ChordedMelodyCodec(MelodyCodec):
    """The melody codec for melodies made over chords (`--chords`, `mvae reharmonize`): a window is the pair
    (events (steps,), chords (steps,) uint8 classes of music/chords.py), written with a CHORDS track beside the
    melody, a WAV that plays both, chord names over the piano roll's bars, and the chords in the page's items
    (music/chord_track.py), in bars of `bar_steps` (the chord track strikes each chord again at a bar line). A set
    without chords is written by the plain codec, unchanged."""

    def __init__(self, bar_steps: int = 16):
        self.bar_steps = bar_steps  # steps of the outputs' bar (their meter's)

    def events(self, window) -> np.ndarray:
        return np.asarray(window[0])

    def chords(self, window) -> np.ndarray:
        """The window's chord classes (steps,)."""
        return np.asarray(window[1], np.uint8)

    def split(self, batch) -> list:
        events, chords = batch
        return [(e, c) for e, c in zip(np.asarray(events), np.asarray(chords))]

    def midi_bytes(self, windows: Sequence, playback: Playback, gap_steps: int = 0) -> bytes:
        from musicvae_lite.music.melody.render import melody_chords_midi_bytes

        return melody_chords_midi_bytes([self.events(w) for w in windows], [self.chords(w) for w in windows],
                                        qpm=playback.qpm, program=playback.program, velocity=playback.velocity,
                                        gap_steps=gap_steps, meter=playback.meter, tempo_map=playback.tempo_map)

    def audio(self, windows: Sequence, playback: Playback, gap_steps: int = 0) -> np.ndarray:
        from musicvae_lite.music.melody.render import synthesize_with_chords

        return synthesize_with_chords([self.events(w) for w in windows], [self.chords(w) for w in windows],
                                      qpm=playback.qpm, program=playback.program, gap_steps=gap_steps,
                                      meter=playback.meter, tempo_map=playback.tempo_map)

    def picture(self, windows: Sequence, path: Path, *, titles: Sequence[str] | None,
                grid: tuple[int, int] | None, playback: Playback) -> Path:
        from musicvae_lite.music.melody.plots import plot_grid, plot_pianoroll

        events, chords = [self.events(w) for w in windows], [self.chords(w) for w in windows]
        if grid is None:
            return plot_pianoroll(events, path, titles=titles, qpm=playback.qpm, overwrite=True, meter=playback.meter,
                                  chords=chords)
        rows, cols = grid
        panels = [events[r * cols:(r + 1) * cols] for r in range(rows)]
        grid_titles = [list(titles[r * cols:(r + 1) * cols]) for r in range(rows)] if titles else None
        return plot_grid(panels, path, titles=grid_titles, qpm=playback.qpm, overwrite=True, meter=playback.meter,
                         chords=chords)

    def item_extra(self, window) -> dict:
        """What the page's item of a window carries besides its notes: `chords`, [step, name] at each change,
        and `chord_notes`, the voiced chord track's [pitch, start, end] in steps."""
        from musicvae_lite.music.chord_track import chord_changes, chord_notes

        chords = self.chords(window)
        return {"chords": [[s, n] for s, n in chord_changes(chords)],
                "chord_notes": [[n.pitch, n.start, n.end] for n in chord_notes(chords, self.bar_steps)]}


MELODY = MelodyCodec()
CHORDED_MELODY = ChordedMelodyCodec()  # in 4/4; the verbs make one in the outputs' meter
