"""Training schedules: the learning rate, scheduled sampling, gradient clipping.

Values and formulas are MusicVAE's (Roberts et al. 2018; magenta's music_vae/base_model.py and
lstm_utils.py): the learning rate decays exponentially per step down to a floor
(1e-3 * 0.9999**step, floored at 1e-5); the probability of feeding the decoder its own prediction
rises along an inverse sigmoid, `1 - k / (k + exp(step / k))` (Bengio et al. 2015, "Scheduled
Sampling for Sequence Prediction with Recurrent Neural Networks"); gradients are clipped by their
global norm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch


def learning_rate(step: int, initial: float = 1e-3, decay_rate: float = 0.9999, minimum: float = 1e-5) -> float:
    """(initial - minimum) * decay_rate**step + minimum, magenta's exponential decay to a floor."""
    return (initial - minimum) * decay_rate**step + minimum


def sampling_probability(step: int, rate: float = 1000.0, schedule: str = "inverse_sigmoid") -> float:
    """Probability of feeding the model's own prediction at `step`: 'constant' (rate itself),
    'inverse_sigmoid' (1 - k / (k + exp(step / k))) or 'exponential' (1 - rate**step)."""
    if schedule == "constant":
        return float(rate)
    if schedule == "inverse_sigmoid":
        k = float(rate)
        x = step / k
        return 1.0 if x > 700 else 1.0 - k / (k + math.exp(x))
    if schedule == "exponential":
        return 1.0 - float(rate) ** step
    raise ValueError(f"unknown sampling schedule {schedule!r}: constant, inverse_sigmoid or exponential")


def clip_gradients(parameters: Iterable[torch.nn.Parameter], max_norm: float) -> float:
    """Clip by global norm (max_norm <= 0: no clipping); returns the norm before clipping."""
    params = [p for p in parameters if p.grad is not None]
    if not params:
        return 0.0
    if max_norm <= 0:
        return float(torch.linalg.vector_norm(torch.stack([p.grad.detach().norm() for p in params])))
    return float(torch.nn.utils.clip_grad_norm_(params, max_norm))
