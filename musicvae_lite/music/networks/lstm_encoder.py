"""MusicVAE's bidirectional LSTM encoder: melody events -> a diagonal Gaussian posterior over z.

References: Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning Long-Term Structure
in Music", section 3.1 (a two-layer bidirectional LSTM encoder; its final states give mu and sigma);
magenta's music_vae/lstm_models.py (`BidirectionalLstmEncoder`: a stack of bidirectional layers, each
direction with the full layer size `enc_rnn_size[i]`, the next layer reading both directions'
outputs; the code is the last layer's final forward h concatenated with its final backward h) and
base_model.py (`MusicVAE.encode`: `mu = dense(code)`, `sigma = dense(code, activation=softplus)`,
both kernels drawn from N(0, 0.001^2)). Sizes in magenta's configs.py: `cat-mel_2bar_small` has
`enc_rnn_size=[512]`, `z_size=256`; `hierdec-mel_16bar` has `enc_rnn_size=[2048, 2048]`, `z_size=512`.

One departure: magenta parameterizes the posterior by sigma = softplus(dense(code)); following the
house style (core/vae.py) this encoder outputs log-variance, std = exp(0.5 * logvar). With the same
tiny initialization both start near a unit-scale posterior (softplus(0) = 0.69, exp(0) = 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.core.vae import Encoder, Posterior

OUTPUT_INIT_STD = 0.001  # magenta's kernel initializer for the mu and sigma layers


class BidirectionalLstmEncoder(Encoder):
    """Int64 events (B, T) in 0..num_classes-1 -> Posterior with (B, z_size) mu and logvar.

    Events are one-hot encoded here. Every layer is bidirectional with `hidden_sizes[i]` units per
    direction; layer i+1 reads the (B, T, 2 * hidden_sizes[i]) outputs of layer i.
    """

    def __init__(
        self,
        num_classes: int,  # event classes: the family's encoding gives them (melody 90, drums 512)
        hidden_sizes: Sequence[int] = (512,),  # units per direction of each layer (cat-mel_2bar_small)
        z_size: int = 256,  # latent size (cat-mel_2bar_small)
        dropout: float = 0.0,  # on each layer's outputs and the code while training (none in magenta)
        control_size: int = 0,  # features read beside each step's event (the meter's: music/meter.py)
    ):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        if not hidden_sizes:
            raise ValueError("the encoder needs at least one LSTM layer")
        self.num_classes = num_classes
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        self.z_size = z_size
        self.control_size = control_size
        self.layers = bidirectional_layers(num_classes + control_size, self.hidden_sizes)
        code_size = 2 * self.hidden_sizes[-1]
        self.mu, self.logvar = posterior_heads(code_size, z_size)

    def code(self, x: Tensor, controls: Tensor | None = None) -> Tensor:
        """The final forward and backward hidden states of the last layer, concatenated: (B, 2H)."""
        if x.is_floating_point():  # already feature vectors (B, T, C), e.g. the drums' 9-hit roll
            h = x.to(self.mu.weight.dtype)
        else:
            h = F.one_hot(x, self.num_classes).to(self.mu.weight.dtype)  # (B, T, C)
        return read_both_ways(self.layers, with_controls(h, controls, self.control_size), self.dropout)

    def forward(self, x: Tensor, controls: Tensor | None = None) -> Posterior:
        """x: int64 events (B, T), with controls (B, T, K) when the encoder reads them -> Posterior(mu,
        logvar), each (B, z_size)."""
        code = self.code(x, controls)  # (B, 2H)
        return Posterior(mu=self.mu(code), logvar=self.logvar(code))


def check_controls(controls: Tensor | None, batch: int, steps: int, control_size: int) -> None:
    """A one-line error unless `controls` fit a network that reads `control_size` per step (0: none) over
    (batch, steps): (batch, steps, control_size), or None for a network that reads none."""
    if control_size == 0:
        if controls is not None:
            raise ValueError("this network reads no controls")
        return
    if controls is None or tuple(controls.shape) != (batch, steps, control_size):
        got = "none" if controls is None else tuple(controls.shape)
        raise ValueError(f"this network reads {control_size} controls a step, shape {(batch, steps, control_size)}; "
                         f"got {got}")


def with_controls(h: Tensor, controls: Tensor | None, control_size: int) -> Tensor:
    """Each step's features (B, T, C) with its controls (B, T, K) appended (checked: `check_controls`)."""
    check_controls(controls, h.shape[0], h.shape[1], control_size)
    return h if controls is None else torch.cat([h, controls.to(h.dtype)], dim=-1)


def bidirectional_layers(input_size: int, hidden_sizes: Sequence[int]) -> nn.ModuleList:
    """Bidirectional LSTM layers, each reading both directions' outputs of the one before."""
    layers = []
    for size in hidden_sizes:
        layers.append(nn.LSTM(input_size, size, batch_first=True, bidirectional=True))
        input_size = 2 * size
    return nn.ModuleList(layers)


def read_both_ways(layers: nn.ModuleList, h: Tensor, dropout: nn.Module) -> Tensor:
    """Features (B, T, C) through bidirectional `layers` -> the last layer's final forward and backward
    hidden states, concatenated: (B, 2H)."""
    B = h.shape[0]  # batch
    h_n = None
    for layer in layers:
        h, (h_n, _) = layer(h)  # h: (B, T, 2H); h_n: (2, B, H), forward then backward
        h = dropout(h)
    # The backward direction ends at t = 0: its final state has read the whole sequence.
    return dropout(h_n.transpose(0, 1).reshape(B, -1))  # (B, 2H): [h_fw, h_bw]


def posterior_heads(code_size: int, z_size: int) -> tuple[nn.Linear, nn.Linear]:
    """The dense layers from an encoder's code to the posterior's mean and log-variance, with magenta's
    tiny initial kernels (so that the posterior starts near N(0, I))."""
    mu, logvar = nn.Linear(code_size, z_size), nn.Linear(code_size, z_size)
    for linear in (mu, logvar):
        nn.init.normal_(linear.weight, std=OUTPUT_INIT_STD)
        nn.init.zeros_(linear.bias)
    return mu, logvar

