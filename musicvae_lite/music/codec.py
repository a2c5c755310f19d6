"""A family's codec: both directions between files and a model's windows in one object, as magenta's
`DataConverter` (music_vae/data.py: `to_tensors` / `from_tensors`) pairs them for each kind of sequence.

Reading: `read(model, path, window)` gives one window of a file fit for the model and the `Playback`
(tempo, instrument, loudness: music/playback.py) it carries to the outputs. Writing: a window (or several
played in turn, `gap_steps` apart) back to MIDI bytes, audio, a picture, and the events and notes the web
page draws. One set writer and one items builder (music/output_set.py) serve every family through these
methods; a family's codec (melody/codec.py, drums/codec.py, drums/groove/codec.py) fills them in.

A read window's Playback comes from the readers (music/playback.py `WindowContext.playback`). Torch-free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.grid import Note
from musicvae_lite.music.playback import Playback


class Codec:
    """Files <-> windows of one kind of sequence. A window is what the family's generation takes and
    gives for one example (an event array, or a tuple of arrays for a performance); `stack` and `split`
    turn a list of them into the batch the model takes and back."""

    kind: ClassVar[str]  # the items' `kind` for the web page: "melody", "drums"
    encodes_all: ClassVar[bool] = False  # `encode` without --window takes every window of each file

    # -- reading ----------------------------------------------------------------------------------

    def read(self, model: Any, path: str | Path, window: int = 0) -> tuple[Any, Playback]:
        """Window `window` (in `mvae windows` order) of the file at `path`, fit for `model`, and its
        Playback; a one-line MvaeError naming what the model needs when the file has none."""
        raise NotImplementedError

    def read_all(self, model: Any, path: str | Path) -> Any:
        """Every window of a file as one batch (for `encode` when `encodes_all`)."""
        raise NotImplementedError

    def windows_of(self, model: Any, path: str | Path, bars: int) -> tuple[Any, Callable[[int], Playback]] | None:
        """The windows of `bars` bars a file gives the model (a batch) and the Playback of window i; None when
        its music is shorter than that, a one-line MvaeError when it has none the model can read at all."""
        raise MvaeError(f"{model.name} does not continue {self.kind} files")

    def read_primer(self, model: Any, path: str | Path, window: int | None = None) -> tuple[Any, Playback]:
        """The passage of a file to continue (`continue`) and its Playback: the file's music when it is at most
        the model's window (window `window` of the longest whole-bar length it gives, found by bisection);
        window `window` of the model's length when it is longer and a window is named (`mvae windows`), else a
        one-line MvaeError."""
        most = model.config.bars
        longer = self.windows_of(model, path, most + 1)
        if longer is not None and window is not None:
            return self.read(model, path, window)
        if longer is not None:
            bigger = ", or use --model melody_16bar for up to 16" if most < 16 and self.kind == "melody" else ""
            raise MvaeError(f"{path}: it holds more than {most} bars of {self.kind}; {model.name} continues a primer "
                            f"of 1 to {most} bars (pick a {most}-bar passage with --window K, see `mvae windows`, "
                            f"or cut the file{bigger})")
        window = window or 0
        low, high = 1, most
        found = self.windows_of(model, path, 1)
        if found is None:
            raise MvaeError(f"{path}: no whole bar of {self.kind} to continue")
        while low < high:  # the longest length with a window: bisect
            mid = (low + high + 1) // 2
            got = self.windows_of(model, path, mid)
            low, high, found = (mid, high, got) if got is not None else (low, mid - 1, found)
        events, playback = found
        if not 0 <= window < len(events):
            raise MvaeError(f"{path}: --window {window} does not exist; its {low}-bar {self.kind} has windows "
                            f"0..{len(events) - 1}")
        return events[window], playback(window)

    def stack(self, windows: Sequence[Any]) -> Any:
        """A list of windows -> the batch the model's generation takes."""
        return np.stack([np.asarray(w) for w in windows])

    def split(self, batch: Any) -> list[Any]:
        """A batch the generation gave -> a list of windows."""
        return list(np.asarray(batch))

    def concat(self, batches: Sequence[Any]) -> Any:
        """Several batches -> one."""
        return np.concatenate([np.asarray(b) for b in batches])

    # -- writing ----------------------------------------------------------------------------------

    def midi_bytes(self, windows: Sequence[Any], playback: Playback, gap_steps: int = 0) -> bytes:
        """A MIDI file playing `windows` in turn, `gap_steps` of rest between them."""
        raise NotImplementedError

    def audio(self, windows: Sequence[Any], playback: Playback, gap_steps: int = 0) -> np.ndarray:
        """The built-in synthesizer's float32 mono audio of `windows` in turn (as `midi_bytes` lays them
        out), at `DEFAULT_SAMPLE_RATE` (music/audio.py)."""
        raise NotImplementedError

    def picture(self, windows: Sequence[Any], path: Path, *, titles: Sequence[str] | None,
                grid: tuple[int, int] | None, playback: Playback) -> Path:
        """A PNG of `windows` (a rows x cols grid of panels when `grid` is given)."""
        raise NotImplementedError

    def events(self, window: Any) -> np.ndarray:
        """The window as event classes (steps,): what the page's items carry."""
        return np.asarray(window)

    def item_notes(self, events: np.ndarray) -> list[list[int]]:
        """The notes the page draws for a window's events: [pitch, start, end] in steps."""
        raise NotImplementedError

    def item_extra(self, window: Any) -> dict:
        """What the page's item of a window carries besides its events and notes (a performance's velocities
        and timing, so that the page plays it as the WAV does); nothing by default."""
        return {}

    def notes(self, window: Any) -> list[Note]:
        """The window as notes on the step grid (music/grid.py), as the page draws them."""
        return [Note(*n) for n in self.item_notes(self.events(window))]
