"""MusicVAE's hierarchical encoder: a bidirectional LSTM encoder reads each segment of a long sequence,
a second bidirectional LSTM reads what it made of the segments, and the posterior over z comes from the
second one's final states.

References: magenta's music_vae/lstm_models.py (`HierarchicalLstmEncoder`: the sequence split into
segments of `level_lengths[0]` steps, each encoded by a `BidirectionalLstmEncoder`, the results grouped
and encoded again until one is left) and configs.py (`hier-mel_16bar`: `HierarchicalLstmEncoder(
BidirectionalLstmEncoder, [16, 16])` with the hierarchical decoder, beside `hierdec-mel_16bar`, whose
encoder is flat).

One departure: magenta's upper level reads each segment's final LSTM states; here the segment level is a
whole short-window encoder (music/networks/lstm_encoder.py, with its own posterior) and the upper level reads its
codes (the posterior means), with a bidirectional LSTM as magenta's does or, `dense`, with dense layers
over all segments' codes at once (for a code-sequence model; see music/networks/code_training.py). With 2-bar
segments that level has exactly a 2-bar model's shape, so `mvae train --warm-start` gives it that model's
encoder (its names are the 2-bar encoder's one level deeper: `encoder.segments.*` takes `encoder.*`), and
a long window becomes a sequence of the 2-bar model's codes, which the hierarchical decoder's conductor
can learn to produce (music/networks/code_training.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from musicvae_lite.core.vae import Encoder, Posterior
from musicvae_lite.music.networks.lstm_encoder import (
    BidirectionalLstmEncoder,
    bidirectional_layers,
    posterior_heads,
    read_both_ways,
)


class HierarchicalEncoder(Encoder):
    """Int64 events (B, U * S) -> Posterior with (B, z_size) mu and logvar, through U segments of S steps."""

    def __init__(
        self,
        num_classes: int,  # event classes: the family's encoding gives them (melody 90, drums 512)
        segment_sizes: Sequence[int] = (256,),  # units per direction of each layer reading a segment
        segment_z: int = 128,  # code size of the segment level
        upper_sizes: Sequence[int] = (256,),  # units per direction of each layer reading the segment codes
        z_size: int = 256,  # latent size
        num_segments: int = 8,  # U: segments of a sequence
        segment_steps: int = 32,  # S: events in a segment (32: two 16-step bars)
        dropout: float = 0.0,  # on each layer's outputs and the codes while training
        dense: bool = False,  # the upper level: tanh dense layers `upper_sizes` (maybe none) over all codes at once
        control_size: int = 0,  # per-step controls the segment level reads (the meter's); segments then have any length
    ):
        super().__init__()
        if not upper_sizes and not dense:
            raise ValueError("the hierarchical encoder's upper level needs at least one LSTM layer")
        self.num_segments = num_segments
        self.segment_steps = segment_steps
        self.z_size = z_size
        self.dense = dense
        self.control_size = control_size
        self.segments = BidirectionalLstmEncoder(num_classes, segment_sizes, segment_z, dropout=dropout,
                                                 control_size=control_size)
        self.dropout = nn.Dropout(dropout)
        if dense:
            layers: list[nn.Module] = []
            code_size = num_segments * segment_z
            for hidden in upper_sizes:
                layers += [nn.Linear(code_size, hidden), nn.Tanh(), nn.Dropout(dropout)]
                code_size = hidden
            self.upper = nn.Sequential(*layers)
        else:
            self.upper = bidirectional_layers(segment_z, upper_sizes)
            code_size = 2 * int(upper_sizes[-1])
        self.mu, self.logvar = posterior_heads(code_size, z_size)

    def segment_posteriors(self, x: Tensor, controls: Tensor | None = None) -> Posterior:
        """Each segment's posterior under the segment level: mu and logvar (B, U, segment_z). With controls
        (B, T, K) the segments are T / U steps long, whatever the meter makes them."""
        B, T = x.shape  # batch, time
        U = self.num_segments
        S = T // U if self.control_size else self.segment_steps
        if T != U * S:
            raise ValueError(f"the hierarchical encoder takes {U} segments of {S} steps ({U * S} events), got {T}")
        c = None if controls is None else controls.reshape(B * U, S, -1)
        post = self.segments(x.reshape(B * U, S), c)  # (B*U, Zs): segment u of example b at b*U + u
        return Posterior(mu=post.mu.reshape(B, U, -1), logvar=post.logvar.reshape(B, U, -1))

    def from_segments(self, codes: Tensor) -> Posterior:
        """The posterior over z from the segments' codes (B, U, segment_z)."""
        if self.dense:
            code = self.upper(codes.flatten(1))  # (B, hidden or U * segment_z)
        else:
            code = read_both_ways(self.upper, codes, self.dropout)  # (B, 2H)
        return Posterior(mu=self.mu(code), logvar=self.logvar(code))

    def forward(self, x: Tensor, controls: Tensor | None = None) -> Posterior:
        return self.from_segments(self.segment_posteriors(x, controls).mu)
