"""Each step's place in its bar, as a model reads it beside the step: the sine and cosine of its phase.

Windows cut on a hop shorter than a bar (`mvae data build --family drums --hop 4`) start anywhere in a bar;
a drum model told where its bars begin (a drum VAE's or a GrooVAE's `bar_position`) can learn from them and
still write beats that start on the bar. Windows of a file, and every held-out window, start on a bar.
"""

from __future__ import annotations

import numpy as np

POSITION_SIZE = 2  # sine and cosine of a step's phase in the bar


def bar_position(shape: tuple, phase=None, *, bar: int = 16) -> np.ndarray:
    """(..., T, 2) float32: the sine and cosine of each step's phase in the bar, for windows of `shape`
    (..., T, ...) whose first step is step `phase` ((...) ints, 0 where None) of its bar."""
    lead, steps = tuple(shape[:-2]), shape[-2]
    start = np.zeros(lead, np.int64) if phase is None else np.broadcast_to(np.asarray(phase, np.int64), lead)
    angle = 2 * np.pi * ((start[..., None] + np.arange(steps)) % bar) / bar
    return np.stack([np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)
