"""Training a GrooVAE with the generic trainer (core/trainer.py): each window's view for the encoder and
its performance (27 floats a step) for the decoder, both computed once from the drum dataset
(music/drums/dataset.py); teacher forcing throughout (decoder.py). No augmentation: a groove moved
in time is not the same groove."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.groove.model import build_groove_vae, model_config_to_dict
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.groove.views import encoder_view, performance
from musicvae_lite.music.drums.names import FAMILY
from musicvae_lite.music.sources import spread_indices


def tensors(cfg: GrooveModelConfig, split: DrumSplit) -> tuple[Tensor, Tensor]:
    """(encoder inputs (N, T, F), targets (N, T, 27), or (N, T, 27 + F) with the view as the decoder's
    control) float32 of a split."""
    hits = split.hits
    view = encoder_view(cfg.view, hits, split.velocity, split.offset)
    target = performance(hits, split.velocity, split.offset)
    if cfg.control:
        target = np.concatenate([target, view], axis=-1)
    return torch.from_numpy(view), torch.from_numpy(target)


class GrooveTask:
    """A `TrainTask` for GrooVAEs."""

    def __init__(self, model: GrooveModelConfig, train: DrumSplit, held_out: DrumSplit, source: str,
                 preset: str = "custom"):
        self.model_cfg, self.source, self.preset = model, source, preset
        self._train = tensors(model, train)
        self._eval = tensors(model, held_out)

    def describe(self) -> dict:
        return {"family": FAMILY, "preset": self.preset, "model": model_config_to_dict(self.model_cfg),
                "data": self.source}

    def build_model(self) -> nn.Module:
        return build_groove_vae(self.model_cfg)

    def train_size(self) -> int:
        return len(self._train[0])

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        noise = torch.randn(len(indices), self.model_cfg.z_size, generator=generator)  # (B, Z)
        x, y = self._train
        return {"inputs": x[indices].to(device), "targets": y[indices].to(device), "noise": noise.to(device)}

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterator[tuple[dict, int]]:
        keep = torch.from_numpy(spread_indices(len(self._eval[0]), limit))
        x, y = self._eval[0][keep], self._eval[1][keep]
        for i in range(0, len(x), batch_size):
            yield {"inputs": x[i:i + batch_size].to(device), "targets": y[i:i + batch_size].to(device)}, \
                len(x[i:i + batch_size])

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        return model(batch["inputs"], batch["targets"], step=step, sample_z=train, noise=batch.get("noise"))
