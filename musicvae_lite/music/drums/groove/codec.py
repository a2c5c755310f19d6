"""GrooVAE's codec (music/codec.py): MIDI files -> performances, a window being the tuple (hits bool,
velocities, offsets) of (steps, 9) arrays (groove/generate.py reads them in the model's view), and
performances -> General MIDI drums with their velocities and micro-timing, the drum kit's audio, drum grids
that show the offsets, and the page's items (the hits as 512-class events, with each hit's velocity and
offset). magenta's `GrooveConverter` (music_vae/data.py) pairs the same two directions. Torch-free."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from musicvae_lite.music.drums.codec import DrumCodec
from musicvae_lite.music.playback import Playback


class GrooveCodec(DrumCodec):
    def read(self, model: Any, path: str | Path, window: int = 0) -> tuple[tuple, Playback]:
        from musicvae_lite.music.drums.groove.generate import read_window

        return read_window(model, path, window)

    def read_whole(self, model: Any, path: str | Path) -> tuple[tuple, Playback]:
        """All of a file as consecutive windows ((n, T, 9) arrays, groove/generate.whole_file) and the
        Playback it is played back with: the file's tempo map (groove/generate.read_whole), so the result
        follows the source through every tempo change."""
        from musicvae_lite.music.drums.groove.generate import read_whole

        whole = read_whole(model, path)
        return whole.perf, Playback(qpm=whole.qpm, tempo_map=whole.tempo_map)

    def stack(self, windows: Sequence[tuple]) -> tuple:
        return tuple(np.stack(a) for a in zip(*windows))

    def split(self, batch: tuple) -> list[tuple]:
        return list(zip(*(np.asarray(a) for a in batch)))

    def concat(self, batches: Sequence[tuple]) -> tuple:
        return tuple(np.concatenate(a) for a in zip(*batches))

    def played(self, windows: Sequence[Any]) -> list:
        return [tuple(np.asarray(a) for a in w) for w in windows]

    def events(self, window: tuple) -> np.ndarray:
        from musicvae_lite.music.drums.encoding import hits_to_classes

        return hits_to_classes(np.asarray(window[0]))

    def item_extra(self, window: tuple) -> dict:
        """Each hit's velocity (0..1) and offset (a fraction of a step), in the order of the item's notes
        (step, then drum), as the MIDI file and the WAV play them (render.py: clipped the same way)."""
        from musicvae_lite.music.drums.render import _window_arrays

        hits, velocity, offset = _window_arrays(*window)
        at = np.nonzero(hits)
        return {"velocities": [round(float(v), 6) for v in velocity[at]],
                "offsets": [round(float(o), 6) for o in offset[at]]}


GROOVE = GrooveCodec()
