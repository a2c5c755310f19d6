"""`--humanize` on the drum VAE's verbs: its windows (512-class steps, every hit at one velocity on the grid)
played by the bundled `groove` model (a humanize GrooVAE) before they are written, so the MIDI and WAV
have a drummer's timing and dynamics; with `--feel FILE`, that performance's feel (groove/transfer.py).
Windows of any length (a continuation's primer and new bars) are humanized two bars at a time. Imports no
torch at the top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_DRUMS, classes_to_hits
from musicvae_lite.music.drums.names import BUNDLED

GROOVE_MODEL = "groove"  # the bundled humanize GrooVAE (drums/names.py BUNDLED)


def humanize_hits(model: Any, hits: Sequence[np.ndarray], *, feel=None, temperature: float = 0.0,
                  seed: int | None = None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each (T_i, 9) hits array as a performance (hits, velocities, offsets) of the same length, played by
    the humanize GrooVAE `model` in windows of its length (the last padded with silence), in one batch;
    with `feel` (transfer.Feel) that feel."""
    from musicvae_lite.music.drums.groove.generate import humanize
    from musicvae_lite.music.drums.groove.transfer import apply_feel

    T = model.steps
    chunks = [np.concatenate([h, np.zeros((-len(h) % T, NUM_DRUMS), bool)]).reshape(-1, T, NUM_DRUMS)
              for h in (np.asarray(h, bool) for h in hits)]
    every = np.concatenate(chunks)
    zeros = np.zeros(every.shape, np.float32)
    played = humanize(model, (every, zeros, zeros), temperature=temperature, seed=seed)
    if feel is not None:
        played = apply_feel(feel, every, played)
    out, at = [], 0
    for h, c in zip(hits, chunks):
        part = tuple(np.asarray(a[at:at + len(c)]).reshape(-1, NUM_DRUMS)[:len(h)] for a in played)
        out.append(part)
        at += len(c)
    return out


def groove_model() -> Any:
    """The bundled humanize GrooVAE (`groove`), loaded from its checkpoint."""
    from musicvae_lite.core.bundled import bundled_file
    from musicvae_lite.core.checkpoint import load_checkpoint
    from musicvae_lite.music.drums.groove.generate import model_from_checkpoint

    return model_from_checkpoint(load_checkpoint(bundled_file(BUNDLED[GROOVE_MODEL])), GROOVE_MODEL)


def humanized_windows(windows: Sequence[Any], request: Any, steps_per_bar: int) -> tuple[list, list[str]]:
    """The drum VAE's windows (512-class steps) played by the bundled `groove` model (with `--feel`, that
    performance's feel), as GrooVAE performances the groove codec writes, and a line that says so."""
    from pathlib import Path

    model = groove_model()
    if steps_per_bar != model.steps // model.config.bars:
        raise MvaeError(f"--humanize plays bars of {model.steps // model.config.bars} steps (4/4); this drum model "
                        f"writes bars of {steps_per_bar}")
    feel, line = None, "humanized by the bundled `groove` model (a drummer's timing and velocities)"
    if request.get("feel"):
        from musicvae_lite.music.drums.groove.transfer import feel_of, read_feel

        feel = feel_of(model, read_feel(model, request.get("feel")))
        line = f"played with the feel of {Path(request.get('feel')).name} ({feel.hits} hits) by the `groove` model"
    hits = [classes_to_hits(np.asarray(w)) for w in windows]
    played = humanize_hits(model, hits, feel=feel)  # greedy: the hits are given, only how they are played decoded
    return played, [line]
