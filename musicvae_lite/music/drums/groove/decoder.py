"""GrooVAE's decoder: z -> for every step and each of the 9 drums a hit, a velocity and a timing offset
(Gillick, Roberts, Engel, Eck, Bamman 2019, "Learning to Groove with Inverse Sequence Transformations",
section 4; magenta's music_vae/lstm_models.py `GrooveLstmDecoder`, whose facts this follows: an LSTM fed
the previous step's 27 values with z, a dense layer to 27 outputs per step; hits scored by sigmoid
cross-entropy, velocities and offsets by squared error; the code is ours).

A step is the 27 floats (hits[9], velocities[9], offsets[9]), as `GrooveConverter` lays them out:
hits 0/1, velocities in [0, 1], offsets in [-0.5, 0.5) of a step, both 0 where no drum is hit. Outputs
pass through a sigmoid (hits, velocities) and 0.5 * tanh (offsets). Squared errors are taken at every
step, zeros included, as magenta's loss does, so a silent drum is pushed towards velocity and offset 0.
Generation samples each hit from its Bernoulli (at `temperature`; 0 thresholds at 1/2) and keeps
velocities and offsets only where a drum is hit.

Two options depart from magenta's decoder, each measured against it (README, model cards):
- `masked` scores velocities and offsets only where the target has a hit, so they are "how this hit is
  played" rather than that times the chance of a hit; unmasked, a drum the decoder is unsure of gets a
  velocity shrunk towards 0 even where the hit is given.
- `control_size` > 0 feeds each step's control (what the encoder read at that step: the quantized hits
  for humanize, the tap for drumify) to the decoder with the previous step, as magenta's
  `groovae_2bar_hits_control` feeds the hits: the decoder then knows where the onsets are and decodes
  how they are played (humanize) or which drums play them (drumify). Training targets then carry the
  control after the 27 values (B, T, 27 + C); generation needs it (`control`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.core.vae import Decoder
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.networks.lstm_decoder import LstmStack

STEP_SIZE = 3 * NUM_DRUMS  # 27: hits, velocities, offsets


def split_step(x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(..., 27) -> hits, velocities, offsets, each (..., 9)."""
    return x[..., :NUM_DRUMS], x[..., NUM_DRUMS:2 * NUM_DRUMS], x[..., 2 * NUM_DRUMS:]


class GrooveLstmDecoder(Decoder):
    """z (B, Z) -> raw outputs (B, T, 27): hit logits, velocity logits, offset pre-activations."""

    def __init__(
        self,
        hidden_sizes: Sequence[int] = (256, 256),  # units of each LSTM layer (GrooVAE: [256, 256])
        z_size: int = 256,  # size of the code z (GrooVAE: 256)
        max_steps: int = 32,  # steps `generate` decodes by default: 2 bars
        dropout: float = 0.0,  # on each LSTM layer's outputs while training
        masked: bool = False,  # velocity and offset errors only where the target has a hit (magenta: False)
        control_size: int = 0,  # per-step control inputs (0: none, as magenta's humanize and tap models)
    ):
        super().__init__()
        self.z_size = z_size
        self.max_steps = max_steps
        self.masked = masked
        self.control_size = control_size
        self.rnn = LstmStack(STEP_SIZE + control_size + z_size, hidden_sizes, z_size, dropout)
        self.output = nn.Linear(self.rnn.output_size, STEP_SIZE)

    def _inputs(self, prev: Tensor, z: Tensor, control: Tensor | None) -> Tensor:
        B, T, _ = prev.shape  # batch, time, 27
        parts = [prev] + ([control] if self.control_size else []) + [z.unsqueeze(1).expand(B, T, z.shape[-1])]
        return torch.cat(parts, dim=-1)  # (B, T, 27 + C + Z)

    def forward(self, z: Tensor, target: Tensor, *, sampling_prob: float = 0.0) -> Tensor:
        """Teacher forcing: step t reads target step t-1 (zeros before the first) and its own control.
        Scheduled sampling is not offered for continuous outputs."""
        if sampling_prob:
            raise ValueError("the groove decoder trains with teacher forcing only (sampling_prob 0)")
        if target.shape[-1] != STEP_SIZE + self.control_size:
            raise ValueError(f"targets must be (B, T, {STEP_SIZE + self.control_size}), got {tuple(target.shape)}")
        steps, control = target[..., :STEP_SIZE], target[..., STEP_SIZE:]
        prev = F.pad(steps[:, :-1], (0, 0, 1, 0))  # (B, T, 27): zeros, then the target shifted right
        out, _ = self.rnn(self._inputs(prev, z, control), self.rnn.initial_state(z))
        return self.output(out)  # (B, T, 27)

    @staticmethod
    def values(outputs: Tensor) -> Tensor:
        """Raw outputs -> (hit probabilities, velocities in [0, 1], offsets in [-0.5, 0.5]) as (..., 27)."""
        hits, vel, off = split_step(outputs)
        return torch.cat([torch.sigmoid(hits), torch.sigmoid(vel), 0.5 * torch.tanh(off)], dim=-1)

    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """Per example (B,): hit cross-entropy plus velocity and offset squared errors, summed over steps
        and drums; metrics: hit accuracy (threshold 1/2), mean squared errors of velocity and offset
        (where hit)."""
        hits, vel, off = split_step(outputs.float())
        t_hits, t_vel, t_off = split_step(target[..., :STEP_SIZE].float())
        bce = F.binary_cross_entropy_with_logits(hits, t_hits, reduction="none").sum(dim=(1, 2))  # (B,)
        v_err = (torch.sigmoid(vel) - t_vel).pow(2)  # (B, T, 9)
        o_err = (0.5 * torch.tanh(off) - t_off).pow(2)
        hit_mask = t_hits > 0.5
        scored = hit_mask if self.masked else torch.ones_like(hit_mask)
        loss = bce + (v_err * scored).sum(dim=(1, 2)) + (o_err * scored).sum(dim=(1, 2))
        n_hits = hit_mask.sum().clamp(min=1)
        metrics = {"accuracy": ((hits > 0) == hit_mask).float().mean().detach(),
                   "velocity_mse": (v_err * hit_mask).sum().detach() / n_hits,
                   "offset_mse": (o_err * hit_mask).sum().detach() / n_hits}
        return loss, metrics

    @torch.no_grad()
    def generate(self, z: Tensor, *, temperature: float = 1.0, steps: int | None = None,
                 generator: torch.Generator | None = None, hits: Tensor | None = None,
                 control: Tensor | None = None, threshold: float = 0.5) -> Tensor:
        """z (B, Z) -> steps (B, T, 27) of hits (0/1), velocities and offsets (0 where not hit).

        With `hits` (B, T, 9) the hits are given rather than drawn (humanizing keeps the input's hits and
        decodes only how they are played); the decoder reads them back as it would its own. A decoder
        with control inputs needs `control` (B, T, C), which also sets the length. At temperature 0 a drum
        is hit where its probability passes `threshold`."""
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        B = z.shape[0]  # batch
        if self.control_size and control is None:
            raise ValueError("this decoder decodes under a control: give `control`")
        if steps is None:
            steps = hits.shape[1] if hits is not None else control.shape[1] if self.control_size else self.max_steps
        if self.control_size and tuple(control.shape) != (B, steps, self.control_size):
            raise ValueError(f"control must be ({B}, {steps}, {self.control_size}), got {tuple(control.shape)}")
        if hits is not None and tuple(hits.shape) != (B, steps, NUM_DRUMS):
            raise ValueError(f"given hits must be ({B}, {steps}, {NUM_DRUMS}), got {tuple(hits.shape)}")
        state = self.rnn.initial_state(z)
        prev = torch.zeros(B, 1, STEP_SIZE, device=z.device)  # (B, 1, 27)
        out_steps = []
        for t in range(steps):
            here = control[:, t:t + 1].to(prev.dtype) if self.control_size else None
            out, state = self.rnn(self._inputs(prev, z, here), state)
            raw = self.output(out)  # (B, 1, 27)
            p_hit, vel, off = split_step(self.values(raw))
            if hits is not None:
                hit = hits[:, t:t + 1].to(p_hit.dtype)
            elif temperature == 0:
                hit = (p_hit > threshold).float()
            else:
                logits = torch.logit(p_hit.clamp(1e-6, 1 - 1e-6)) / temperature
                hit = torch.bernoulli(torch.sigmoid(logits), generator=generator)
            prev = torch.cat([hit, vel * hit, off * hit], dim=-1)  # (B, 1, 27)
            out_steps.append(prev)
        return torch.cat(out_steps, dim=1)  # (B, T, 27)
