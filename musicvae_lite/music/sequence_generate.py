"""Generation in the latent space of any sequence VAE of this package (melodies, drums): decoding codes
(greedy at temperature 0, sampled from the softmax otherwise, from a seeded generator when a seed is
given: magenta's music_vae TrainedModel does the same), the path between two windows' codes (spherical
by default, core/latent.py), the bilinear grid between four corners (magenta.js's 4-corner
interpolation, Beat Blender's grid) and codes drawn from the prior. A family gives its own `encode`
(its windows -> posterior means) and wraps the results in its own types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import torch

from musicvae_lite.core.latent import bilinear_grid
from musicvae_lite.core.latent import interpolate as interpolate_codes
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError

Encode = Callable[[np.ndarray], np.ndarray]  # windows (n, steps) -> codes (n, Z) float32
Decode = Callable[[np.ndarray], np.ndarray]  # codes (n, Z) -> windows (n, steps)
M = TypeVar("M", bound="TrainedSequenceModel")


@dataclass
class TrainedSequenceModel:
    """A trained sequence VAE ready to use (CPU, eval mode); each family subclasses it with its config type
    (melody/generate.py, drums/generate.py, drums/groove/generate.py)."""

    vae: VAE
    config: Any  # the family's model config: `steps` and `z_size` at least
    step: int  # training steps behind it
    name: str  # bundled name or path

    @property
    def steps(self) -> int:
        """Events per window."""
        return self.config.steps

    @property
    def z_size(self) -> int:
        return self.config.z_size


def trained_from_checkpoint(cls: type[M], state, name: str, config_from_dict: Callable[[dict], Any],
                            build: Callable[[Any], VAE]) -> M:
    """`cls` around the VAE in an already loaded `Checkpoint` (core/checkpoint.py): its config rebuilt from
    the checkpoint's `task.model`, the model built from it, the weights loaded, eval mode, CPU."""
    cfg = config_from_dict(state.config["task"]["model"])
    vae = build(cfg)
    vae.load_state_dict(state.model)
    vae.eval()
    return cls(vae, cfg, state.step, name)


@torch.no_grad()
def decode_codes(vae: VAE, z_size: int, codes, *, temperature: float = 0.0, seed: int | None = None) -> np.ndarray:
    """Windows (n, steps) int64 from codes (Z,) or (n, Z)."""
    z = torch.as_tensor(np.asarray(codes, np.float32))
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != z_size:
        raise MvaeError(f"codes must be (n, {z_size}) for this model, got shape {tuple(z.shape)}")
    if temperature < 0:
        raise MvaeError(f"temperature must be 0 (greedy) or more, got {temperature}")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    return vae.decoder.generate(z, temperature=temperature, generator=gen).numpy()


def interpolate_between(encode: Encode, decode: Decode, a, b, n: int, method: str = "slerp") -> np.ndarray:
    """n windows from a to b through latent space, both ends included."""
    if n < 2:
        raise MvaeError(f"an interpolation needs at least 2 steps, got {n}")
    za, zb = encode(np.stack([np.asarray(a), np.asarray(b)]))
    return decode(np.asarray(interpolate_codes(torch.from_numpy(za), torch.from_numpy(zb), n, method=method)))


def grid_between(encode: Encode, decode: Decode, corners, n: int) -> np.ndarray:
    """The n x n grid (n * n, steps), row by row, between four corners (top-left, top-right, bottom-left,
    bottom-right): the bilinear grid of their codes."""
    if n < 2:
        raise MvaeError(f"a grid needs n of at least 2, got {n}")
    codes = torch.from_numpy(encode(np.stack([np.asarray(c) for c in corners])))
    if len(codes) != 4:
        raise MvaeError(f"a grid has four corners, got {len(codes)}")
    return decode(bilinear_grid(codes, n, n).reshape(n * n, -1).numpy())


def prior_codes(z_size: int, n: int, seed: int | None = None) -> np.ndarray:
    """n codes z ~ N(0, I), (n, Z) float32, from `seed` when given."""
    if n < 1:
        raise MvaeError(f"asked for {n} samples")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    return torch.randn(n, z_size, generator=gen).numpy()
