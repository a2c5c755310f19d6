"""MusicVAE's hierarchical decoder: a "conductor" LSTM gives one embedding per bar, and a shared
categorical LSTM decoder writes each bar from its embedding.

References: Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning Long-Term Structure
in Music", section 3.2 (z -> tanh(dense) -> the conductor's initial state; the conductor produces U
embeddings; each initializes, through a shared tanh(dense), the state of a bottom-layer decoder
whose input at every step is the previous output concatenated with the embedding; the bottom decoder
is shared across bars); magenta's music_vae/lstm_models.py (`HierarchicalLstmDecoder` with
`disable_autoregression=True`, as in `hierdec-mel_16bar`: the conductor's inputs are zeros of width
1; during training each bar's inputs are its slice of the whole shifted target, so a bar's first
input is the previous bar's last target event; during sampling it is the previous bar's last sample,
`start_inputs=all_samples[-1][:, -1]`). Sizes in magenta's configs.py, `hierdec-mel_16bar`:
`level_lengths=[16, 16]` (16 bars of 16 steps), `dec_rnn_size=[1024, 1024]` for the conductor and
the bar decoder alike, `z_size=512`.

The bar decoder is a `CategoricalLstmDecoder` (lstm_decoder.py) conditioned on the bar embedding in
place of z; this module reuses its sequence, step and loss functions. Training runs all bars at once
as a batch of (B * num_bars, steps_per_bar) sequences whose previous-token inputs come from the
shifted full target: the same computation as decoding bar after bar under teacher forcing, because a
bar's decoder starts from its embedding alone. Scheduled sampling is the same two-pass parallel
variant, over the full sequence, so a bar's first input may be a sample for the previous bar's last
step, as in generation.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from musicvae_lite.core.vae import Decoder
from musicvae_lite.music.networks.lstm_decoder import (
    START,
    CategoricalLstmDecoder,
    LstmStack,
    parallel_scheduled_sampling,
    shift_right,
)

CONDUCTOR_INPUT_SIZE = 1  # magenta feeds the non-autoregressive conductor zeros of width 1


class DenseConductor(nn.Module):
    """z (B, Z) -> (B, num_bars, out_size) at once: tanh hidden layers, then one linear map to every bar's
    embedding. The conductor of a code-sequence model (music/networks/code_training.py), where an LSTM conductor
    driven by its initial state alone learned the 2-bar codes several times slower (the README's levers)."""

    def __init__(self, z_size: int, hidden_sizes: Sequence[int], num_bars: int, out_size: int, dropout: float = 0.0):
        super().__init__()
        layers: list[nn.Module] = []
        size = z_size
        for hidden in hidden_sizes:
            layers += [nn.Linear(size, hidden), nn.Tanh(), nn.Dropout(dropout)]
            size = hidden
        layers.append(nn.Linear(size, num_bars * out_size))
        self.net = nn.Sequential(*layers)
        self.num_bars, self.output_size = num_bars, out_size

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).reshape(z.shape[0], self.num_bars, self.output_size)


class HierarchicalDecoder(Decoder):
    """z (B, Z) -> logits (B, num_bars * steps_per_bar, C) through a conductor and a bar decoder."""

    def __init__(
        self,
        num_classes: int,  # event classes: the family's encoding gives them (melody 90, drums 512)
        hidden_sizes: Sequence[int] = (1024, 1024),  # units of each bar-decoder layer (hierdec-mel_16bar)
        conductor_sizes: Sequence[int] = (1024, 1024),  # units of each conductor layer (hierdec-mel_16bar)
        z_size: int = 512,  # size of the code z (hierdec-mel_16bar)
        num_bars: int = 16,  # conductor steps: one embedding per bar (hierdec-mel_16bar)
        steps_per_bar: int = 16,  # events per segment the core decodes (hierdec-mel_16bar: a 4/4 bar; models give their grid's)
        dropout: float = 0.0,  # on each LSTM layer's outputs while training (none in magenta)
        code_size: int = 0,  # > 0: a linear layer maps the conductor's outputs to codes of this size
        independent_bars: bool = False,  # each bar's decoder starts from START, not the last bar's event
        dense_conductor: bool = False,  # a DenseConductor (conductor_sizes: its hidden layers) writes the codes
        control_size: int = 0,  # per-step controls the bar decoder reads (the meter's); bars then have any length
    ):
        super().__init__()
        self.num_classes = num_classes
        self.z_size = z_size
        self.num_bars = num_bars
        self.steps_per_bar = steps_per_bar
        self.independent_bars = independent_bars
        if dense_conductor:
            if not code_size:
                raise ValueError("a dense conductor writes codes: give code_size")
            self.conductor = DenseConductor(z_size, conductor_sizes, num_bars, code_size, dropout)
            self.to_code = None
        else:
            self.conductor = LstmStack(CONDUCTOR_INPUT_SIZE, conductor_sizes, z_size, dropout)
            # With code_size, a bar's embedding is a code of a shorter model's latent space (unbounded, where
            # an LSTM's outputs lie in (-1, 1)), which that model's decoder, warm-started here, can read.
            self.to_code = nn.Linear(self.conductor.output_size, code_size) if code_size else None
        embedding_size = code_size or self.conductor.output_size
        # The bar embedding plays the part of z for the bar decoder: its initial state and every input.
        self.control_size = control_size
        self.core = CategoricalLstmDecoder(num_classes, hidden_sizes, embedding_size,
                                           max_steps=steps_per_bar, dropout=dropout, control_size=control_size)

    @property
    def max_steps(self) -> int:
        """Events in a full sequence."""
        return self.num_bars * self.steps_per_bar

    def bar_embeddings(self, z: Tensor) -> Tensor:
        """The conductor: z (B, Z) -> one embedding per bar (B, num_bars, E)."""
        if isinstance(self.conductor, DenseConductor):
            return self.conductor(z)
        B = z.shape[0]  # batch
        zeros = z.new_zeros(B, self.num_bars, CONDUCTOR_INPUT_SIZE)  # (B, U, 1)
        embeddings, _ = self.conductor(zeros, self.conductor.initial_state(z))  # (B, U, E)
        return self.to_code(embeddings) if self.to_code is not None else embeddings

    def _bar_steps(self, T: int) -> int:
        """Steps in each of the bars (segments) of a sequence of T: `steps_per_bar`, or T / num_bars for a
        decoder that reads the meter."""
        U = self.num_bars
        S = T // U if self.control_size else self.steps_per_bar
        if T != U * S:
            raise ValueError(f"the hierarchical decoder takes {U} bars of {S} steps ({U * S} events), got {T}")
        return S

    def forward(self, z: Tensor, target: Tensor, *, sampling_prob: float = 0.0,
                controls: Tensor | None = None) -> Tensor:
        """z (B, Z), target (B, num_bars * steps_per_bar) int64 -> logits (B, T, C): teacher forcing on
        the shifted target, with parallel scheduled sampling when `sampling_prob > 0`."""
        B, T = target.shape  # batch, time
        U, S = self.num_bars, self._bar_steps(T)  # bars, steps per bar
        embeddings = self.bar_embeddings(z).reshape(B * U, -1)  # (B*U, E): bar u of example b at b*U + u
        c = None if controls is None else controls.reshape(B * U, S, -1)

        def run(prev_tokens: Tensor) -> Tensor:  # (B, T) -> (B, T, C), all bars as one batch
            logits = self.core.decode(embeddings, prev_tokens.reshape(B * U, S), c)  # (B*U, S, C)
            return logits.reshape(B, T, -1)

        if self.independent_bars:  # each bar's inputs: START, then its own events
            prev = shift_right(target.reshape(B * U, S)).reshape(B, T)
        else:  # the whole target shifted: a bar's first input is the previous bar's last event
            prev = shift_right(target)
        return parallel_scheduled_sampling(run, prev, sampling_prob)

    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """(cross-entropy summed over the whole sequence per example in nats (B,), {"accuracy"})."""
        return self.core.reconstruction(outputs, target)

    @torch.no_grad()
    def generate(self, z: Tensor, *, temperature: float = 1.0,
                 generator: torch.Generator | None = None, controls: Tensor | None = None) -> Tensor:
        """z (B, Z) -> events (B, num_bars * steps_per_bar) int64, bar by bar: each bar's decoder starts
        from its embedding and reads the previous bar's last event first. Temperature 0 is greedy. With
        controls (B, T, K) (a decoder that reads the meter) the sequence is T steps."""
        return self.complete(z, z.new_zeros(len(z), 0, dtype=torch.long), temperature=temperature,
                             generator=generator, controls=controls)

    @torch.no_grad()
    def complete(self, z: Tensor, prefix: Tensor, steps: int | None = None, *, temperature: float = 1.0,
                 generator: torch.Generator | None = None, controls: Tensor | None = None) -> Tensor:
        """The whole sequence (B, T) that starts with `prefix` (B, P): the bars the prefix covers kept as they
        are, a bar it covers in part completed after it, the rest decoded bar by bar from their embeddings
        (infilling the window after its first bars). `steps`, when given, is checked against T."""
        B, P = prefix.shape  # batch, events given
        embeddings = self.bar_embeddings(z)  # (B, U, E)
        prev = torch.full((B,), START, dtype=torch.long, device=z.device)  # (B,)
        S = self.steps_per_bar if controls is None else self._bar_steps(controls.shape[1])
        if steps is not None and steps != self.num_bars * S:
            raise ValueError(f"the hierarchical decoder writes {self.num_bars * S} events here, not {steps}")
        bars = []
        for u in range(self.num_bars):
            given = prefix[:, u * S:(u + 1) * S]  # (B, <= S)
            c = None if controls is None else controls[:, u * S:(u + 1) * S]
            bar = given if given.shape[1] == S else self.core.complete(
                embeddings[:, u], given, S, first_prev=prev, temperature=temperature, generator=generator,
                controls=c)  # (B, S)
            bars.append(bar)
            if not self.independent_bars:
                prev = bar[:, -1]  # (B,)
        return torch.cat(bars, dim=1)  # (B, U*S)
