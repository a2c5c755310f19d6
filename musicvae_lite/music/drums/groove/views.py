"""What a GrooVAE's encoder reads and its decoder writes, from the three arrays of a drum window
(music/drums/extract.py): hits (..., T, 9) bool, velocities and offsets (..., T, 9) float, 0 where no hit.

The decoder's target is the whole performance, 27 floats a step (`performance`: hits, velocities,
offsets, magenta's `GrooveConverter` layout). The encoder reads one view of it (presets.py):

    humanize  (..., T, 9)   the hits alone: the quantized beat
    drumify   (..., T, 2)   a tap (1 where any drum is hit) and its offset: the earliest hit's, as a
                            tapped rhythm starts the step where its first onset falls
    full      (..., T, 27)  the performance itself

A decoder that takes a control (presets.py) reads one more view at each step (`control_view`): the
encoder's own for humanize and drumify; for full, the hits (magenta's `groovae_2bar_hits_control`: the
encoder reads how a window is played, the decoder is told what is played, so the code carries the feel
and a feel's code can be decoded over another beat's hits: groove transfer, transfer.py).

A model with `bar_position` (presets.py) also reads, in its encoder and its decoder's control, each step's
place in the bar (position.py: the sine and cosine of its phase), so that windows cut on a hop shorter
than a bar (datasets built with --hop) say where their bars begin. Windows of a file start on a bar.
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.drums.position import bar_position

VIEW_SIZES = {"humanize": NUM_DRUMS, "drumify": 2, "full": 3 * NUM_DRUMS}
CONTROL_VIEW = {"humanize": "humanize", "drumify": "drumify", "full": "humanize"}  # view -> what its decoder reads
COMMAND = {"humanize": "groove", "drumify": "drumify"}  # view -> its command, and its bundled model's name


def _checked(hits, velocity, offset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hits = np.asarray(hits, bool)
    velocity = np.asarray(velocity, np.float32)
    offset = np.asarray(offset, np.float32)
    if hits.shape[-1:] != (NUM_DRUMS,) or velocity.shape != hits.shape or offset.shape != hits.shape:
        raise ValueError(f"hits, velocities and offsets must share a (..., steps, {NUM_DRUMS}) shape, got "
                         f"{hits.shape}, {velocity.shape}, {offset.shape}")
    return hits, np.where(hits, velocity, 0.0).astype(np.float32), np.where(hits, offset, 0.0).astype(np.float32)


def performance(hits, velocity, offset) -> np.ndarray:
    """(..., T, 27) float32: hits, velocities in [0, 1], offsets in [-0.5, 0.5), zeros where no hit."""
    hits, velocity, offset = _checked(hits, velocity, offset)
    return np.concatenate([hits.astype(np.float32), np.clip(velocity, 0, 1), np.clip(offset, -0.5, 0.5)], axis=-1)


def split_performance(steps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(..., T, 27) -> hits bool, velocities, offsets, each (..., T, 9)."""
    steps = np.asarray(steps, np.float32)
    return steps[..., :NUM_DRUMS] > 0.5, steps[..., NUM_DRUMS:2 * NUM_DRUMS], steps[..., 2 * NUM_DRUMS:]


def taps(hits, offset) -> tuple[np.ndarray, np.ndarray]:
    """A window's rhythm: (tap (..., T) bool, its offset (..., T) float32, the earliest hit's in the step)."""
    hits = np.asarray(hits, bool)
    tap = hits.any(axis=-1)
    earliest = np.where(hits, np.asarray(offset, np.float32), np.inf).min(axis=-1)
    return tap, np.where(tap, earliest, 0.0).astype(np.float32)


def control_view(view: str, hits, velocity, offset) -> np.ndarray:
    """What the decoder of a `view` model that takes a control reads at each step (module docstring)."""
    if view not in VIEW_SIZES:
        raise ValueError(f"unknown view {view!r}; one of {', '.join(VIEW_SIZES)}")
    return encoder_view(CONTROL_VIEW[view], hits, velocity, offset)


def encoder_view(view: str, hits, velocity, offset) -> np.ndarray:
    """What the encoder of a `view` model reads: (..., T, VIEW_SIZES[view]) float32."""
    if view not in VIEW_SIZES:
        raise ValueError(f"unknown view {view!r}; one of {', '.join(VIEW_SIZES)}")
    hits, velocity, offset = _checked(hits, velocity, offset)
    if view == "humanize":
        return hits.astype(np.float32)
    if view == "drumify":
        tap, tap_offset = taps(hits, offset)
        return np.stack([tap.astype(np.float32), tap_offset], axis=-1)
    return performance(hits, velocity, offset)


def model_inputs(cfg, hits, velocity, offset, phase=None) -> tuple[np.ndarray, np.ndarray | None]:
    """What a GrooVAE of config `cfg` reads of windows (..., T, 9): its encoder's input (the view, with the
    bar position if the model reads it) and its decoder's control (None when it takes none)."""
    view = encoder_view(cfg.view, hits, velocity, offset)
    control = control_view(cfg.view, hits, velocity, offset) if cfg.control else None
    if cfg.bar_position:
        pos = bar_position(view.shape, phase, bar=cfg.grid.steps_per_bar)
        view = np.concatenate([view, pos], axis=-1)
        control = None if control is None else np.concatenate([control, pos], axis=-1)
    return view, control
