"""The drum decoder's output as nine drums rather than 512 unrelated classes.

MusicVAE's drum models predict each step as one of the 512 combinations of 9 drums with a softmax: each
combination is learned apart, so what a step's kick says about its hi-hat is learned once per combination.
magenta's best drum model in its colab (the NADE variant of `drums_2bar`) writes the 9 drums one after another
instead, each conditioned on the ones before it. This output does the same with a fully visible sigmoid
belief net over the drums of a step (Neal 1992; NADE, Larochelle & Murray 2011, is its hidden-layer form):

    logit of drum d  =  a_d(h) + sum over d' < d of V[d, d'] * hit_d'

where a(h) is a linear map of the decoder's state h and V a learned strictly lower-triangular matrix. Because
V does not depend on h, the log-probability of every one of the 512 combinations comes out in closed form at
once, log p(c) = sum_d [bit_cd log sigmoid(logit_cd) + (1 - bit_cd) log sigmoid(-logit_cd)], and they sum to
one: the decoder's loss (cross-entropy over the 512 classes), its accuracy and its sampling at a temperature
serve it unchanged (a normalized log-probability is its own log-softmax). With V fixed at zero (`chained=False`)
the drums are independent given the state.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.music.drums.encoding import NUM_CLASSES, NUM_DRUMS


def class_bits() -> Tensor:
    """(512, 9) float: the hits of each class, bit d of the class index being drum d (drums/encoding.py)."""
    classes = torch.arange(NUM_CLASSES)[:, None]
    return ((classes >> torch.arange(NUM_DRUMS)[None]) & 1).float()


class HitsOutput(nn.Module):
    """Decoder state (..., H) -> log-probabilities (..., 512) of the step's hit combinations."""

    def __init__(self, hidden_size: int, chained: bool = True):
        super().__init__()
        self.drums = nn.Linear(hidden_size, NUM_DRUMS)
        self.chained = chained
        self.between = nn.Parameter(torch.zeros(NUM_DRUMS, NUM_DRUMS)) if chained else None  # V
        self.register_buffer("bits", class_bits(), persistent=False)  # (512, 9)
        self.register_buffer("before", torch.ones(NUM_DRUMS, NUM_DRUMS).tril(-1), persistent=False)

    def forward(self, h: Tensor) -> Tensor:
        a = self.drums(h).float()  # (..., 9)
        if self.between is None:  # independent drums: (..., 9) @ (9, 512)
            return F.logsigmoid(a) @ self.bits.T + F.logsigmoid(-a) @ (1.0 - self.bits).T
        logits = a.unsqueeze(-2) + self.bits @ (self.between * self.before).T  # (..., 512, 9)
        on, off = F.logsigmoid(logits), F.logsigmoid(-logits)
        return (self.bits * on + (1.0 - self.bits) * off).sum(-1)  # (..., 512)
