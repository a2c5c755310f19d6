"""MusicVAE's flat categorical LSTM decoder: z -> logits over the 90 melody classes, step by step.

References: Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning Long-Term Structure
in Music" (the flat baseline decoder; z concatenated to every input); magenta's
music_vae/lstm_models.py (`CategoricalLstmDecoder` / `BaseLstmDecoder`: the previous output one-hot,
a zero vector at step 0, concatenated with z as each step's input; a dense output projection;
softmax cross-entropy summed over time per sequence; `metrics/accuracy` of argmax against the
target; sampling from `OneHotCategorical(logits / temperature)`) and lstm_utils.py
(`initial_cell_state_from_embedding`: every layer's (c, h) from one `dense(z, activation=tanh)` with
a N(0, 0.001^2) kernel, split in the order c0, h0, c1, h1, ...). `cat-mel_2bar_small` in magenta's
configs.py: `dec_rnn_size=[256, 256]`, `z_size=256`, `max_seq_len=32`.

Scheduled sampling (Bengio et al. 2015). magenta's `ScheduledOutputTrainingHelper` decodes step by
step and, at each step, feeds a token sampled from the previous step's output instead of the target
with probability `sampling_prob`. That needs a Python loop over time, which on a CPU is many times
slower than one `nn.LSTM` call over the whole sequence. We use the two-pass parallel variant instead
(Mihaylova & Martins 2019, "Scheduled Sampling for Transformers"; Duckworth et al. 2019, "Parallel
Scheduled Sampling"): a teacher-forced first pass without gradients gives a prediction at every step;
each input token (after the start) is replaced, with probability `sampling_prob`, by a token sampled
from the prediction for that position; the second pass, on the mixed inputs, is the one trained. It
differs from magenta's in that a replaced token comes from a teacher-forced context rather than
from a context that itself contains earlier samples. With `sampling_prob == 0` there is one pass,
which is plain teacher forcing.

The pieces here (`LstmStack`, `one_hot_inputs`, `shift_right`, `parallel_scheduled_sampling`,
`sample_tokens`, `categorical_reconstruction`, and the decoder's `decode` / `decode_autoregressive`)
are reused by the hierarchical decoder in hierarchical.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.core.vae import Decoder
from musicvae_lite.music.networks.lstm_encoder import check_controls, with_controls

START = -1  # the "previous token" before the first step: a zero one-hot vector
STATE_INIT_STD = 0.001  # magenta's kernel initializer for the z -> initial state layer

LstmState = list[tuple[Tensor, Tensor]]  # per layer (h, c), each (1, B, H)


def one_hot_inputs(prev_tokens: Tensor, num_classes: int, z: Tensor) -> Tensor:
    """Decoder inputs: previous tokens (B, T) int64 (START gives zeros) one-hot, with z (B, Z) appended
    at every step -> (B, T, num_classes + Z)."""
    B, T = prev_tokens.shape  # batch, time
    present = (prev_tokens >= 0).unsqueeze(-1)  # (B, T, 1): False at START
    one_hot = F.one_hot(prev_tokens.clamp(min=0), num_classes).to(z.dtype) * present  # (B, T, C)
    return torch.cat([one_hot, z.unsqueeze(1).expand(B, T, z.shape[-1])], dim=-1)  # (B, T, C + Z)


def shift_right(target: Tensor) -> Tensor:
    """Teacher-forcing inputs: the target (B, T) shifted one step right, START first -> (B, T)."""
    start = torch.full_like(target[:, :1], START)  # (B, 1)
    return torch.cat([start, target[:, :-1]], dim=1)  # (B, T)


def sample_tokens(logits: Tensor, temperature: float, generator: torch.Generator | None = None) -> Tensor:
    """One token per row of logits (..., C): categorical at `temperature`, argmax at 0 -> (...,) int64."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    C = logits.shape[-1]  # classes
    probs = F.softmax(logits.float().reshape(-1, C) / temperature, dim=-1)  # (N, C)
    return torch.multinomial(probs, 1, generator=generator).view(logits.shape[:-1])


def parallel_scheduled_sampling(run: Callable[[Tensor], Tensor], prev_tokens: Tensor,
                                sampling_prob: float) -> Tensor:
    """Two-pass parallel scheduled sampling (see the module docstring).

    run: teacher-forced logits (B, T, C) from previous tokens (B, T); prev_tokens: (B, T), START at
    step 0. Returns the logits of the pass to train on: one teacher-forced pass when
    `sampling_prob == 0`; otherwise a gradient-free first pass, then each input after the start
    replaced with probability `sampling_prob` by a token sampled (temperature 1) from the first
    pass's prediction of that position, then the second pass on those inputs.
    """
    if not 0.0 <= sampling_prob <= 1.0:
        raise ValueError(f"sampling_prob must lie in [0, 1], got {sampling_prob}")
    B, T = prev_tokens.shape  # batch, time
    if sampling_prob == 0.0 or T < 2:
        return run(prev_tokens)
    with torch.no_grad():
        predictions = sample_tokens(run(prev_tokens)[:, :-1], 1.0)  # (B, T-1): a guess of steps 0..T-2
    replace = torch.rand(B, T - 1, device=prev_tokens.device) < sampling_prob  # (B, T-1)
    replace &= prev_tokens[:, 1:] != START  # a START inside (a bar that restarts) stays
    mixed = prev_tokens.clone()  # (B, T)
    mixed[:, 1:] = torch.where(replace, predictions, prev_tokens[:, 1:])  # input t is step t-1's token
    return run(mixed)


def categorical_reconstruction(logits: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
    """Cross-entropy summed over time per example, in nats (B,), and token accuracy (mean over all).

    logits: (B, T, C); target: (B, T) int64.
    """
    B, T, C = logits.shape  # batch, time, classes
    nll = F.cross_entropy(logits.float().reshape(B * T, C), target.reshape(B * T), reduction="none")
    accuracy = (logits.argmax(dim=-1) == target).float().mean()
    return nll.view(B, T).sum(dim=1), {"accuracy": accuracy.detach()}


class LstmStack(nn.Module):
    """Stacked unidirectional LSTM layers (sizes may differ) whose initial state comes from an
    embedding: every layer's (c, h) from one tanh(Linear(embedding)), as magenta's
    `initial_cell_state_from_embedding`.

    `forward` runs any number of steps from a given state, so one call covers a whole teacher-forced
    sequence and a (B, 1, I) slice covers one step of autoregressive decoding with the same weights.
    While training, `dropout` zeroes each layer's outputs (the non-recurrent connections, as Zaremba
    et al. 2014, "Recurrent Neural Network Regularization"); magenta's MusicVAE has none.
    """

    def __init__(self, input_size: int, hidden_sizes: Sequence[int], embedding_size: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        if not hidden_sizes:
            raise ValueError("an LSTM stack needs at least one layer")
        self.hidden_sizes = tuple(int(h) for h in hidden_sizes)
        sizes = (input_size, *self.hidden_sizes)
        self.layers = nn.ModuleList(nn.LSTM(i, h, batch_first=True) for i, h in zip(sizes[:-1], sizes[1:]))
        self.to_state = nn.Linear(embedding_size, 2 * sum(self.hidden_sizes))
        nn.init.normal_(self.to_state.weight, std=STATE_INIT_STD)
        nn.init.zeros_(self.to_state.bias)

    @property
    def output_size(self) -> int:
        return self.hidden_sizes[-1]

    def initial_state(self, embedding: Tensor) -> LstmState:
        """embedding (B, E) -> per layer (h, c), each (1, B, H)."""
        flat = torch.tanh(self.to_state(embedding))  # (B, 2 * sum(H)): c0, h0, c1, h1, ...
        parts = flat.split([s for h in self.hidden_sizes for s in (h, h)], dim=-1)
        return [(parts[2 * i + 1].unsqueeze(0).contiguous(), parts[2 * i].unsqueeze(0).contiguous())
                for i in range(len(self.hidden_sizes))]

    def forward(self, inputs: Tensor, state: LstmState) -> tuple[Tensor, LstmState]:
        """inputs (B, T, I), state from `initial_state` or a previous call -> (outputs (B, T, H_last),
        the state after the last step)."""
        h = inputs
        new_state = []
        for layer, layer_state in zip(self.layers, state):
            h, layer_state = layer(h, layer_state)  # (B, T, H)
            h = self.dropout(h)
            new_state.append(layer_state)
        return h, new_state


class CategoricalLstmDecoder(Decoder):
    """z (B, Z) -> logits (B, T, C) over event classes, autoregressive over the previous event.

    The input at step t is the one-hot of event t-1 (zeros at t = 0) concatenated with z; the initial
    state of every layer is tanh(Linear(z)).
    """

    def __init__(
        self,
        num_classes: int,  # event classes: the family's encoding gives them (melody 90, drums 512)
        hidden_sizes: Sequence[int] = (256, 256),  # units of each LSTM layer (cat-mel_2bar_small)
        z_size: int = 256,  # size of the code z (cat-mel_2bar_small)
        max_steps: int = 32,  # steps `generate` decodes by default: 2 bars of 16 steps
        dropout: float = 0.0,  # on each LSTM layer's outputs while training (none in magenta)
        control_size: int = 0,  # features read beside each step's input (the meter's: music/meter.py)
        output_controls: int = 0,  # the last this many of them also read by the output layer directly
    ):
        super().__init__()
        self.num_classes = num_classes
        self.z_size = z_size
        self.max_steps = max_steps
        self.control_size = control_size
        self.rnn = LstmStack(num_classes + z_size + control_size, hidden_sizes, z_size, dropout)
        self.output = nn.Linear(self.rnn.output_size, num_classes)
        if not 0 <= output_controls <= control_size:
            raise ValueError(f"output_controls must lie in 0..{control_size}, got {output_controls}")
        self.output_controls = output_controls
        if output_controls:  # a step's chord straight to its logits (music/chord_controls.py), zero at first
            self.control_output = nn.Linear(output_controls, num_classes, bias=False)
            nn.init.zeros_(self.control_output.weight)

    def _logits(self, outputs: Tensor, controls: Tensor | None) -> Tensor:
        """The output layer: logits (B, T, C) of the top LSTM layer's outputs (B, T, H), plus the direct path of
        the last `output_controls` controls (B, T, K) when the decoder has one."""
        logits = self.output(outputs)
        if self.output_controls and controls is not None:
            logits = logits + self.control_output(controls[..., -self.output_controls:].to(logits.dtype))
        return logits

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return self.rnn.hidden_sizes

    def _inputs(self, prev_tokens: Tensor, z: Tensor, controls: Tensor | None) -> Tensor:
        """A step's inputs (B, T, C + Z [+ K]): the previous tokens one-hot, z, and the controls when read."""
        return with_controls(one_hot_inputs(prev_tokens, self.num_classes, z), controls, self.control_size)

    def decode(self, z: Tensor, prev_tokens: Tensor, controls: Tensor | None = None) -> Tensor:
        """Teacher-forced logits (B, T, C) given z (B, Z), each step's previous token (B, T) and, for a
        decoder that reads them, each step's controls (B, T, K)."""
        outputs, _ = self.rnn(self._inputs(prev_tokens, z, controls), self.rnn.initial_state(z))
        return self._logits(outputs, controls)  # (B, T, C)

    def forward(self, z: Tensor, target: Tensor, *, sampling_prob: float = 0.0,
                controls: Tensor | None = None) -> Tensor:
        """z (B, Z), target (B, T) int64 -> logits (B, T, C): teacher forcing on the shifted target,
        with parallel scheduled sampling when `sampling_prob > 0`."""
        return parallel_scheduled_sampling(lambda prev: self.decode(z, prev, controls), shift_right(target),
                                           sampling_prob)

    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """(cross-entropy summed over time per example in nats (B,), {"accuracy": token accuracy})."""
        return categorical_reconstruction(outputs, target)

    def decode_autoregressive(self, z: Tensor, state: LstmState, first_prev: Tensor, steps: int, *,
                              temperature: float, generator: torch.Generator | None,
                              controls: Tensor | None = None, guidance: float = 1.0,
                              allowed: Tensor | None = None) -> Tensor:
        """Decode `steps` tokens one at a time from `state`, each fed back as the next input.

        z: (B, Z) appended to every input; first_prev: (B,) the token before the first step (START for
        none); controls: (B, steps, K) for a decoder that reads them. Returns (B, steps) int64.
        With `guidance` w != 1 the batch is two halves of one set of B/2 sequences, the first read with a
        condition in its controls and the second without (`complete` builds them): each token is drawn from
        u + w * (c - u), c and u the halves' logits, and fed back to both (classifier-free guidance, Ho &
        Salimans 2022, for a model trained with the condition dropped; w > 1 follows the condition more).
        Returns the first half's tokens then, (B/2, steps). `allowed` (B or B/2, steps, C) bool limits each step
        to the classes it marks (a melody's rhythm kept while its pitches are chosen anew).
        """
        check_controls(controls, len(z), steps, self.control_size)
        prev = first_prev  # (B,)
        tokens = []
        for t in range(steps):
            step_controls = None if controls is None else controls[:, t:t + 1]
            out, state = self.rnn(self._inputs(prev.unsqueeze(1), z, step_controls), state)
            logits = self._logits(out, step_controls)[:, 0]  # (B, C)
            if guidance != 1.0:
                cond, plain = logits.chunk(2)
                logits = plain + guidance * (cond - plain)  # (B/2, C)
            if allowed is not None:
                logits = logits.masked_fill(~allowed[:, t], float("-inf"))
            token = sample_tokens(logits, temperature, generator)  # (B or B/2,)
            prev = token.repeat(2) if guidance != 1.0 else token
            tokens.append(token)
        return torch.stack(tokens, dim=1)  # (B or B/2, steps)

    @torch.no_grad()
    def generate(self, z: Tensor, *, temperature: float = 1.0, steps: int | None = None,
                 generator: torch.Generator | None = None, controls: Tensor | None = None,
                 guide: tuple[Tensor, float] | None = None, allowed: Tensor | None = None) -> Tensor:
        """z (B, Z) -> events (B, steps) int64 in 0..C-1, sampled step by step at `temperature`
        (argmax at 0); `steps` defaults to `max_steps`, or to the controls' length when given; `guide` and
        `allowed` as `complete` takes them."""
        steps = (self.max_steps if controls is None else controls.shape[1]) if steps is None else steps
        return self.complete(z, z.new_zeros(len(z), 0, dtype=torch.long), steps, temperature=temperature,
                             generator=generator, controls=controls, guide=guide, allowed=allowed)

    @torch.no_grad()
    def complete(self, z: Tensor, prefix: Tensor, steps: int, *, first_prev: Tensor | None = None,
                 temperature: float = 1.0, generator: torch.Generator | None = None,
                 controls: Tensor | None = None, guide: tuple[Tensor, float] | None = None,
                 allowed: Tensor | None = None) -> Tensor:
        """The `steps` events (B, steps) that start with `prefix` (B, P): the prefix fed as it is (teacher
        forcing), the rest sampled after it step by step (a continuation, as magenta's `primer` inputs).
        first_prev: (B,) the event before the prefix (START when None); controls: (B, steps, K) when read;
        guide: (the controls without the condition (B, steps, K), weight w) to decode with classifier-free
        guidance; allowed: (B, steps, C) bool, the classes each step may take (`decode_autoregressive`)."""
        if guide is not None and guide[1] != 1.0:
            plain, weight = guide
            twice = lambda t: None if t is None else torch.cat([t, t])  # noqa: E731
            out = self._complete(twice(z), twice(prefix), steps, first_prev=twice(first_prev),
                                 temperature=temperature, generator=generator,
                                 controls=torch.cat([controls, plain]), guidance=weight, allowed=allowed)
            return torch.cat([prefix, out[:, prefix.shape[1]:]], dim=1)
        return self._complete(z, prefix, steps, first_prev=first_prev, temperature=temperature, generator=generator,
                              controls=controls, allowed=allowed)

    def _complete(self, z: Tensor, prefix: Tensor, steps: int, *, first_prev: Tensor | None,
                  temperature: float, generator: torch.Generator | None, controls: Tensor | None,
                  guidance: float = 1.0, allowed: Tensor | None = None) -> Tensor:
        B, P = prefix.shape  # batch, events given
        prev = torch.full((B,), START, dtype=torch.long, device=z.device) if first_prev is None else first_prev
        state = self.rnn.initial_state(z)
        if P:
            given = torch.cat([prev[:, None], prefix[:, :-1]], dim=1)  # (B, P): each given event's input
            _, state = self.rnn(self._inputs(given, z, None if controls is None else controls[:, :P]), state)
            prev = prefix[:, -1]
        rest = self.decode_autoregressive(z, state, prev, steps - P, temperature=temperature, generator=generator,
                                          controls=None if controls is None else controls[:, P:steps],
                                          guidance=guidance, allowed=None if allowed is None else allowed[:, P:steps])
        return torch.cat([prefix[:len(rest)], rest], dim=1)  # (B, steps), or the guided half
