"""Continuing a melody (or a beat) with a sequence VAE: the bars after a primer, in its meter and key.

A VAE has no "next" built in: its decoder writes a whole window from one code. A continuation is that window
with its first bars given. For each window (the model's length: 16 bars for `melody_16bar`, 2 for `default`)
the bars already there, the *context* (the primer's last bars, at most the window less one bar), choose the
code, and the decoder writes the rest of the window after them, reading the context as its own earlier output
(the networks' `complete`; magenta's `primer` inputs do the same for its LSTM models). The code: the encoder's
code of the window the context fills when repeated (the guess that the tune goes on as it went), moved `away`
of the way along the sphere towards a random code of the prior (core/latent.py `slerp`, as `vary` moves), so
that the continuation is not the context again. With the 16-bar model a primer of up to 15 bars is infilled in
one window (its bars kept, the rest written so that the whole is one piece); with the 2-bar model a
continuation grows a bar at a time, each window's context the last bar written.

Measured (benchmarks/bench_continue.py, 96 held-out 16-bar tunes, bars 9-16 from bars 1-8, per-tune
pitch-class / onset-position OA against the real bars, T = 0.5): the guess alone 0.729 / 0.868 but the primer
copied in 64% of continuations; `away` 0.2: 0.680 / 0.849 with 4% copies; 0.35: 0.633 / 0.809, none. A
search for the code that best explains the context (Adam on -log p(context | z) + |eps|^2 / 2 from 8 prior
draws and the guess, 10 steps) did worse (0.559 / 0.802, 30x slower): many codes explain the given bars
equally well under teacher forcing; the encoder's code also says how the piece goes on. The 2-bar model's
bar-at-a-time continuation drifts off the key (0.41 / 0.66 against 0.56 / 0.78 for repeating the primer's last
two bars): `mvae continue` uses the 16-bar model. Imports torch; `continuation` is the Python API's
function (over music/sequence_generate.py's trained models).
"""

from __future__ import annotations

import numpy as np
import torch

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.sequence_generate import TrainedSequenceModel, as_meter, encode, meter_prior_index

AWAY = 0.2  # the default share of the way from the context's code to a random one


def starting_codes(model, context: torch.Tensor, steps: int, meter, *, away: float = AWAY,
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """The code (B, Z) of each window whose first events are a row of `context` (B, P): the encoder's code of
    the context repeated to the window's `steps`, moved `away` of the way towards a random code drawn from the
    model's prior of the meter (standard normal noise through core/latent.py `draw_codes`)."""
    from musicvae_lite.core.latent import draw_codes, prior_noise, slerp

    scale = getattr(model.config, "code_prior_scale", 1.0)
    index = meter_prior_index(model, meter)
    repeated = context.repeat(1, -(-steps // context.shape[1]))[:, :steps]  # (B, steps)
    unique, row = np.unique(repeated.numpy(), axis=0, return_inverse=True)  # n continuations of one primer: one
    guess = torch.from_numpy(encode(model, unique, meter=meter))[torch.from_numpy(row.reshape(-1))]  # (B, Z)
    if not away:
        return guess
    noise = prior_noise(model.vae, guess, scale, index)  # in the prior's standard normal coordinates
    moved = torch.stack([slerp(g, r, away) for g, r in zip(noise, torch.randn(noise.shape, generator=generator))])
    return draw_codes(model.vae, moved, scale, index).float()


def continue_windows(model, primers: np.ndarray, bars: int, meter, *, temperature: float = 0.5,
                     seed: int | None = None, away: float = AWAY) -> np.ndarray:
    """The `bars` bars (B, bars * bar steps) after each of B primers (B, P), whole bars of `meter` (None, for a
    model that does not read the meter: its own bar). Each window's context is the last bars written (at most
    the window less one bar); the decoder completes the window after it, and the bars it wrote are kept."""
    primers = np.asarray(primers)
    S = model.steps // model.config.bars if meter is None else meter.steps_per_bar  # steps per bar
    W = model.config.bars  # bars per window
    if primers.ndim != 2 or primers.shape[1] < S or primers.shape[1] % S:
        raise MvaeError(f"a primer is whole bars of {S} steps (at least one), got {primers.shape[-1]} steps")
    if bars < 1:
        raise MvaeError(f"--bars must be 1 or more, got {bars}")
    steps, B = W * S, len(primers)
    history = torch.from_numpy(primers.astype(np.int64))  # (B, P)
    gen = torch.Generator().manual_seed(seed + 1) if seed is not None else None
    controls = model.controls(meter, steps, B)
    made = 0
    while made < bars:
        context = history[:, -min(history.shape[1] // S, W - 1) * S:]  # (B, C)
        z = starting_codes(model, context, steps, meter, away=away, generator=gen)
        window = model.vae.decoder.complete(z, context, steps, temperature=temperature, generator=gen,
                                            controls=controls)  # (B, steps)
        new = min(bars - made, W - context.shape[1] // S)
        history = torch.cat([history, window[:, context.shape[1]:context.shape[1] + new * S]], dim=1)
        made += new
    return history[:, primers.shape[1]:].numpy()


def continuation(model: TrainedSequenceModel, primer, bars: int = 4, n: int = 1, *, temperature: float = 0.5,
                 seed: int | None = None, meter=None) -> np.ndarray:
    """n continuations (n, bars * steps per bar) of a primer (whole bars of `meter`; None: 4/4, or the model's own
    meter): the bars that follow it, each window's code fitted to the bars before it and the rest decoded after
    them at `temperature` (continue_windows). With a 16-bar model a primer of up to 15 bars is infilled."""
    from musicvae_lite.music.meter import DEFAULT_METER

    if n < 1:
        raise MvaeError(f"asked for {n} continuations")
    if temperature < 0:
        raise MvaeError(f"temperature must be 0 (greedy) or more, got {temperature}")
    meter = as_meter(meter) or (DEFAULT_METER if model.reads_meter else None)
    model.controls(meter, model.steps_for(meter) if meter is not None else model.steps, 1)  # the meter's one line
    if meter is not None and not model.reads_meter:
        meter = None  # the model's own (controls said it is)
    primer = np.asarray(primer)
    if primer.ndim != 1:
        raise MvaeError(f"a primer is one melody (steps,), got shape {primer.shape}")
    model.batch(np.resize(primer, model.steps_for(meter) if meter is not None else model.steps))  # classes checked
    out = continue_windows(model, np.repeat(primer[None], n, axis=0), bars, meter,
                           temperature=temperature, seed=seed)
    return out.astype(model.events_dtype)
