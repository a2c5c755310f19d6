"""Input corruptions for the image models: what the model sees instead of the clean image.

A denoising autoencoder (Vincent et al. 2008) reads the image with noise added; a super-resolution
model reads a low-resolution copy. Both are corruptions handed to the one trainer (see task.py),
each drawn fresh for every batch from the trainer's generator; the lesson's notebook instead adds one
fixed noise tensor to every batch.

Super-resolution follows the pre-upsampling design of SRCNN and VDSR (Dong et al. 2014; Kim et al.
2016): the low-resolution image (the clean one averaged over factor x factor blocks) is brought back
to full size by bicubic interpolation, and the network learns what bicubic misses. That bicubic image
is also the baseline the model must beat. On Fashion-MNIST's test set these baselines score 12.8 dB
(noise sigma 0.3, clipped to [0, 1]), 19.4 dB (x2) and 16.1 dB (x4), the figures the issue measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from musicvae_lite.errors import MvaeError


class Corruption:
    """Clean images (B, 1, H, W) in [0, 1] -> the model's input, same shape."""

    name = "none"

    def __call__(self, clean: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return clean

    @property
    def restores(self) -> bool:
        """Whether the model's job is to undo this corruption (so the input is a baseline to beat)."""
        return False

    def spec(self) -> str:
        return self.name


@dataclass(frozen=True)
class GaussianNoise(Corruption):
    """Additive N(0, sigma^2) noise, clipped to [0, 1] so the input is still an image."""

    sigma: float = 0.3  # noise standard deviation, in pixel units

    def __post_init__(self):
        if not self.sigma > 0:
            raise MvaeError(f"noise sigma must be positive, got {self.sigma}")

    def __call__(self, clean: Tensor, generator: torch.Generator | None = None) -> Tensor:
        noise = torch.randn(clean.shape, generator=generator, dtype=clean.dtype).to(clean.device)  # (B, 1, H, W)
        return (clean + self.sigma * noise).clamp(0.0, 1.0)

    @property
    def restores(self) -> bool:
        return True

    def spec(self) -> str:
        return f"noise:{self.sigma:g}"


@dataclass(frozen=True)
class Downsample(Corruption):
    """Average over factor x factor blocks, then bicubic upsampling back to full size (clipped)."""

    factor: int = 2  # resolution divisor; must divide the image size

    def __post_init__(self):
        if self.factor < 2:
            raise MvaeError(f"a downsampling factor must be at least 2, got {self.factor}")

    def low_res(self, clean: Tensor) -> Tensor:
        """(B, 1, H, W) -> (B, 1, H / factor, W / factor)."""
        H, W = clean.shape[-2:]
        if H % self.factor or W % self.factor:
            raise MvaeError(f"{H}x{W} images cannot be downsampled by {self.factor}")
        return F.avg_pool2d(clean, self.factor)

    def __call__(self, clean: Tensor, generator: torch.Generator | None = None) -> Tensor:
        small = self.low_res(clean)
        return F.interpolate(small, size=clean.shape[-2:], mode="bicubic", align_corners=False).clamp(0.0, 1.0)

    @property
    def restores(self) -> bool:
        return True

    def spec(self) -> str:
        return f"downsample:{self.factor}"


def parse_corruption(spec: str) -> Corruption:
    """"none", "noise:SIGMA" or "downsample:FACTOR" -> a Corruption."""
    kind, _, value = spec.partition(":")
    try:
        if kind == "none" and not value:
            return Corruption()
        if kind == "noise":
            return GaussianNoise(float(value) if value else 0.3)
        if kind == "downsample":
            return Downsample(int(value) if value else 2)
    except ValueError:
        pass
    raise MvaeError(f"unknown corruption {spec!r}: use none, noise:SIGMA or downsample:FACTOR")
