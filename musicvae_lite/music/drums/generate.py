"""The drum generation API the drum family's verbs are thin shells over: a trained drum VAE, the windows
of a MIDI file fit for it, and encode / decode / interpolate / grid / sample over 512-class windows
(steps,) or (n, steps). Codes are posterior means; decoding is greedy at temperature 0 and samples the
categorical outputs otherwise, as for melodies (magenta's music_vae TrainedModel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_CLASSES, hits_to_classes
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.errors import NoDrumsError
from musicvae_lite.music.sequence_generate import (
    TrainedSequenceModel,
    decode_codes,
    grid_between,
    interpolate_between,
    prior_codes,
    trained_from_checkpoint,
)


@dataclass
class DrumModel(TrainedSequenceModel):
    """A trained drum VAE ready to use (CPU, eval mode)."""

    config: DrumModelConfig


def model_from_checkpoint(state, name: str) -> DrumModel:
    from musicvae_lite.music.drums.model import build_drum_vae, model_config_from_dict

    return trained_from_checkpoint(DrumModel, state, name, model_config_from_dict, build_drum_vae)


def drums_from_file(model: DrumModel, path: str | Path, window: int = 0) -> np.ndarray:
    """Window `window` of a MIDI file's drums as 512-class events (steps,) int64."""
    from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file

    try:
        found = extract_drum_file(path, DrumConfig(bars=model.config.bars))
    except NoDrumsError as e:
        hint = "; for melodies use a melody model (--model default)" if e.kind == "no-drums" else ""
        raise MvaeError(f"no {model.config.bars}-bar drum beat in {e.path}: {e.reason}{hint}") from None
    if not 0 <= window < len(found):
        raise MvaeError(f"{path}: --window {window} does not exist; it has drum windows 0..{len(found) - 1}")
    return hits_to_classes(found.hits[window])


def _batch(model: DrumModel, events) -> torch.Tensor:
    arr = np.asarray(events)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != model.steps:
        raise MvaeError(f"drum windows must be ({model.steps},) or (n, {model.steps}) classes, got shape {arr.shape}")
    if arr.size and (arr.min() < 0 or arr.max() >= NUM_CLASSES):
        raise MvaeError(f"drum classes must lie in 0..{NUM_CLASSES - 1}")
    return torch.from_numpy(arr.astype(np.int64))


@torch.no_grad()
def encode(model: DrumModel, events) -> np.ndarray:
    """Posterior means (n, Z) float32."""
    from musicvae_lite.music.drums.model import encoder_input

    return model.vae.encoder(encoder_input(_batch(model, events))).mu.numpy().astype(np.float32)


def decode(model: DrumModel, codes, *, temperature: float = 0.0, seed: int | None = None) -> np.ndarray:
    """Windows (n, steps) int64 of 512 classes from codes (Z,) or (n, Z)."""
    return decode_codes(model.vae, model.z_size, codes, temperature=temperature, seed=seed)


def interpolate(model: DrumModel, a, b, n: int = 7, *, temperature: float = 0.0, seed: int | None = None) -> np.ndarray:
    """n windows from a to b through latent space (spherical), both ends included."""
    return interpolate_between(lambda x: encode(model, x),
                               lambda z: decode(model, z, temperature=temperature, seed=seed), a, b, n)


def grid(model: DrumModel, corners, n: int = 5, *, temperature: float = 0.0, seed: int | None = None) -> np.ndarray:
    """The n x n bilinear grid between four corner beats (top-left, top-right, bottom-left, bottom-right),
    row by row (Beat Blender's grid)."""
    return grid_between(lambda x: encode(model, x), lambda z: decode(model, z, temperature=temperature, seed=seed),
                        corners, n)


def sample(model: DrumModel, n: int = 8, *, temperature: float = 0.5, seed: int | None = None) -> np.ndarray:
    """n new beats from z ~ N(0, I)."""
    return decode(model, prior_codes(model.z_size, n, seed), temperature=temperature,
                  seed=None if seed is None else seed + 1)
