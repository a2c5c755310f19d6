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


def _contexts() -> tuple[Tensor, Tensor, Tensor]:
    """The 511 (drum d, hits of the drums before it) pairs a chained logit depends on, pair k = 2**d - 1 + the
    earlier drums' bits: the drum of each (511,), the earlier hits of each (511, 9), and the pair each class
    meets at each drum as a (512, 511) 0/1 matrix."""
    drum = torch.cat([torch.full((2 ** d,), d) for d in range(NUM_DRUMS)])  # (511,)
    prefix = torch.cat([torch.arange(2 ** d) for d in range(NUM_DRUMS)])  # (511,)
    earlier = ((prefix[:, None] >> torch.arange(NUM_DRUMS)[None]) & 1).float()  # (511, 9)
    classes = torch.arange(NUM_CLASSES)[:, None]
    met = (2 ** torch.arange(NUM_DRUMS) - 1)[None] + (classes & (2 ** torch.arange(NUM_DRUMS) - 1)[None])  # (512, 9)
    meets = torch.zeros(NUM_CLASSES, len(drum)).scatter_(1, met, 1.0)  # (512, 511)
    return drum, earlier, meets


class HitsOutput(nn.Module):
    """Decoder state (..., H) -> log-probabilities (..., 512) of the step's hit combinations.

    With logsigmoid(x) = x - softplus(x), log p(c) = sum_d bit_cd * logit_cd - sum_d softplus(logit_cd); a chained
    logit depends on the state and on the drums before it only, so the softplus is taken once for each of the 511
    (drum, earlier hits) pairs and summed into the classes by a fixed 0/1 matrix (9 times less work than per class
    and drum, which is what training pays for)."""

    def __init__(self, hidden_size: int, chained: bool = True):
        super().__init__()
        self.drums = nn.Linear(hidden_size, NUM_DRUMS)
        self.chained = chained
        self.between = nn.Parameter(torch.zeros(NUM_DRUMS, NUM_DRUMS)) if chained else None  # V
        drum, earlier, meets = _contexts()
        for name, value in (("bits", class_bits()), ("drum", drum), ("earlier", earlier), ("meets", meets),
                            ("before", torch.ones(NUM_DRUMS, NUM_DRUMS).tril(-1))):
            self.register_buffer(name, value, persistent=False)

    def forward(self, h: Tensor) -> Tensor:
        a = self.drums(h).float()  # (..., 9)
        if self.between is None:  # independent drums: (..., 9) @ (9, 512)
            return F.logsigmoid(a) @ self.bits.T + F.logsigmoid(-a) @ (1.0 - self.bits).T
        V = self.between * self.before  # (9, 9), strictly below the diagonal
        offset = (self.earlier * V[self.drum]).sum(-1)  # (511,) each pair's part from the earlier drums
        on_bits = (self.bits * (self.bits @ V.T)).sum(-1)  # (512,) sum over a class's hits of their offsets
        return a @ self.bits.T + on_bits - F.softplus(a[..., self.drum] + offset) @ self.meets.T
