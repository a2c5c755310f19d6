"""Using a trained image model: load it, encode and decode, sample from the prior, interpolate
between two images, reconstruct or restore images. Arrays in and out are (N, H, W) floats in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from musicvae_lite.core.latent import interpolate as interpolate_codes
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.image.autoencoder import Autoencoder, Restorer, pixel_mean
from musicvae_lite.image.corruptions import parse_corruption
from musicvae_lite.image.presets import ImageModelConfig


@dataclass
class ImageModel:
    """A trained image model with what it was trained on."""

    net: nn.Module  # a VAE, an Autoencoder or a Restorer, in eval mode
    config: ImageModelConfig
    step: int
    task: dict  # the checkpoint's task description: preset, data folder, class names
    source: str  # the run folder or checkpoint it came from

    @property
    def kind(self) -> str:
        return self.config.kind


def model_from_checkpoint(state, source: str) -> ImageModel:
    """The image model in an already loaded `Checkpoint` (core/checkpoint.py), in eval mode on the CPU."""
    from musicvae_lite.image.model import build_image_model, model_config_from_dict

    task = state.config["task"]
    cfg = model_config_from_dict(task["model"])
    net = build_image_model(cfg)
    net.load_state_dict(state.model)
    net.eval()
    return ImageModel(net, cfg, state.step, task, source)


def _tensor(images: np.ndarray) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.ndim == 2:
        x = x[None]
    return x.unsqueeze(1)  # (N, 1, H, W)


def _needs_code(m: ImageModel, what: str) -> None:
    if m.kind == "restore":
        raise MvaeError(f"{m.source} is a restoration model ({m.config.corruption}); it has no latent code to {what}")


@torch.no_grad()
def encode(m: ImageModel, images: np.ndarray) -> np.ndarray:
    """Codes (N, ...) of images: the posterior mean for VAEs."""
    _needs_code(m, "encode with")
    x = _tensor(images)
    code = m.net.encoder(x).mu if isinstance(m.net, VAE) else m.net.encoder(x)
    return code.float().numpy()


@torch.no_grad()
def decode(m: ImageModel, codes: np.ndarray) -> np.ndarray:
    """Images (N, H, W) from codes."""
    _needs_code(m, "decode")
    out = m.net.decoder(torch.as_tensor(np.asarray(codes, dtype=np.float32)))
    return pixel_mean(out, m.net.decoder.likelihood)[:, 0].numpy()


def sample(m: ImageModel, n: int, *, seed: int | None = None) -> np.ndarray:
    """n images decoded from z ~ N(0, I): VAEs only (a plain autoencoder's codes follow no known law)."""
    if not isinstance(m.net, VAE):
        raise MvaeError(f"{m.source} is a plain {m.kind} model: only VAEs have a prior to sample from")
    if n < 1:
        raise MvaeError(f"-n must be at least 1, got {n}")
    g = torch.Generator().manual_seed(seed if seed is not None else int(torch.seed() % 2**31))
    return decode(m, torch.randn(n, m.config.z_size, generator=g).numpy())


def interpolate(m: ImageModel, a: np.ndarray, b: np.ndarray, n: int, method: str = "slerp") -> np.ndarray:
    """n images from a to b, both ends included, decoded along the path between their codes."""
    if n < 2:
        raise MvaeError(f"-n must be at least 2 to include both ends, got {n}")
    codes = encode(m, np.stack([a, b]))  # (2, ...)
    flat = torch.from_numpy(codes.reshape(2, -1))
    path = interpolate_codes(flat[0], flat[1], n, method)  # (n, D)
    return decode(m, path.reshape(n, *codes.shape[1:]).numpy())


def grid(m: ImageModel, corners: np.ndarray, n: int) -> np.ndarray:
    """An n x n grid of images (n * n, H, W), row by row, decoded from the bilinear grid between the codes
    of four corner images (top-left, top-right, bottom-left, bottom-right)."""
    from musicvae_lite.core.latent import bilinear_grid

    if n < 2:
        raise MvaeError(f"-n must be at least 2 for a grid, got {n}")
    codes = encode(m, corners)  # (4, ...)
    cells = bilinear_grid(torch.from_numpy(codes.reshape(4, -1)), n, n).reshape(n * n, *codes.shape[1:])
    return decode(m, cells.numpy())


@torch.no_grad()
def reconstruct(m: ImageModel, images: np.ndarray, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(the model's input, its output), each (N, H, W): the corrupted image and its restoration for
    denoising and super-resolution models, the image and its reconstruction (from mu) otherwise."""
    clean = _tensor(images)
    x = parse_corruption(m.config.corruption)(clean, torch.Generator().manual_seed(seed))
    if isinstance(m.net, Restorer):
        out = m.net.restore(x)
    elif isinstance(m.net, VAE):
        out = pixel_mean(m.net.decoder(m.net.encoder(x).mu), m.net.decoder.likelihood)
    elif isinstance(m.net, Autoencoder):
        out = pixel_mean(m.net.decoder(m.net.encoder(x)), m.net.decoder.likelihood)
    else:
        raise TypeError(type(m.net).__name__)
    return x[:, 0].numpy(), out[:, 0].float().numpy()


def read_png(path: str | Path, size: int) -> np.ndarray:
    """A grayscale size x size image from a PNG, in [0, 1] (colour is averaged to grey)."""
    import matplotlib.image as mpimg

    try:
        img = mpimg.imread(str(path))
    except FileNotFoundError:
        raise MvaeError(f"{path}: no such file") from None
    except (OSError, ValueError, SyntaxError):
        raise MvaeError(f"{path}: not a readable PNG image (give a .png file or a test-set index)") from None
    img = np.asarray(img, dtype=np.float32)
    if img.ndim == 3:
        img = img[..., :3].mean(axis=-1)
    if img.max() > 1.0:
        img = img / 255.0
    if img.shape != (size, size):
        raise MvaeError(f"{path}: the model takes {size}x{size} images, this one is {img.shape[1]}x{img.shape[0]}")
    return img
