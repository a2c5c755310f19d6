"""Training a drum VAE with the generic trainer (core/trainer.py): batches of 512-class windows, MusicVAE's
scheduled sampling, the named loss terms. No augmentation: a beat transposed is not a beat."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor, nn

from musicvae_lite.core.schedules import sampling_probability
from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.model import build_drum_vae, encoder_input, model_config_to_dict
from musicvae_lite.music.drums.names import FAMILY
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.sources import spread_indices


class DrumTask:
    """A `TrainTask` for drum VAEs."""

    def __init__(self, model: DrumModelConfig, train: DrumSplit, held_out: DrumSplit, source: str,
                 preset: str = "custom"):
        self.model_cfg, self.source, self.preset = model, source, preset
        self._train = torch.from_numpy(train.classes)  # (N, T) int64
        self._eval = torch.from_numpy(held_out.classes)

    def describe(self) -> dict:
        return {"family": FAMILY, "preset": self.preset, "model": model_config_to_dict(self.model_cfg),
                "data": self.source}

    def build_model(self) -> nn.Module:
        return build_drum_vae(self.model_cfg)

    def train_size(self) -> int:
        return len(self._train)

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        noise = torch.randn(len(indices), self.model_cfg.z_size, generator=generator)  # (B, Z)
        return {"events": self._train[indices].to(device, non_blocking=True), "noise": noise.to(device)}

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterator[tuple[dict, int]]:
        events = self._eval[torch.from_numpy(spread_indices(len(self._eval), limit))]
        for i in range(0, len(events), batch_size):
            chunk = events[i:i + batch_size]
            yield {"events": chunk.to(device)}, len(chunk)

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        cfg = self.model_cfg
        p = sampling_probability(step, cfg.sampling_rate, cfg.sampling_schedule) if train else 0.0
        x = batch["events"]  # (B, T) classes: the decoder's targets; the encoder reads their rolls
        terms = model(encoder_input(x), x, step=step, sampling_prob=p, sample_z=train, noise=batch.get("noise"))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms
