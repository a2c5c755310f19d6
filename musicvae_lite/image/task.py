"""Training an image model with the generic trainer (core/trainer.py): batches of clean images, the
preset's corruption drawn fresh for every batch, and the posterior's noise for VAEs.

Evaluation uses the official test set with corruption and posterior noise drawn from a fixed seed, so
every evaluation of every run sees the same inputs; a VAE's eval loss is then the single-sample
negative ELBO that pytorch/examples reports as its test loss.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.errors import MvaeError
from musicvae_lite.image.corruptions import parse_corruption
from musicvae_lite.image.datasets import ImageData
from musicvae_lite.image.names import FAMILY
from musicvae_lite.image.model import build_image_model, model_config_to_dict
from musicvae_lite.image.presets import ImageModelConfig

EVAL_SEED = 20_180_101  # seeds the test set's corruption and posterior noise


def to_float(images: np.ndarray | Tensor) -> Tensor:
    """uint8 images (N, H, W) -> float (N, 1, H, W) in [0, 1]."""
    t = torch.as_tensor(images)
    return t.unsqueeze(1).float().div_(255.0)


class ImageTask:
    """A `TrainTask` for image autoencoders, VAEs and restoration networks."""

    def __init__(self, model: ImageModelConfig, data: ImageData, preset: str = "custom"):
        H, W = data.image_shape
        if H != W or H != model.image_size:
            raise MvaeError(f"{data.source} has {H}x{W} images; this model takes "
                            f"{model.image_size}x{model.image_size}")
        self.model_cfg = model
        self.data = data
        self.preset = preset
        self.corruption = parse_corruption(model.corruption)
        self._train = torch.from_numpy(np.ascontiguousarray(data.train_images))  # (N, H, W) uint8
        self._test = torch.from_numpy(np.ascontiguousarray(data.test_images))

    def describe(self) -> dict:
        return {"family": FAMILY, "preset": self.preset, "model": model_config_to_dict(self.model_cfg),
                "data": self.data.source, "data_name": self.data.name, "class_names": self.data.class_names}

    def build_model(self) -> nn.Module:
        return build_image_model(self.model_cfg)

    def train_size(self) -> int:
        return len(self._train)

    def _batch(self, images: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        clean = to_float(images)  # (B, 1, H, W)
        batch = {"input": self.corruption(clean, generator), "target": clean}
        if self.model_cfg.kind == "vae":
            batch["noise"] = torch.randn(len(clean), self.model_cfg.z_size, generator=generator)  # (B, Z)
        return {k: v.to(device, non_blocking=True) for k, v in batch.items()}

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        return self._batch(self._train[indices], generator, device)

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterator[tuple[dict, int]]:
        generator = torch.Generator().manual_seed(EVAL_SEED)
        images = self._test[:limit]
        for i in range(0, len(images), batch_size):
            chunk = images[i:i + batch_size]
            yield self._batch(chunk, generator, device), len(chunk)

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        return model(batch["input"], batch["target"], step=step, sample_z=True, noise=batch.get("noise"))
