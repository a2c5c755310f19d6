"""Training a melody VAE with the generic trainer: batches of windows with random transposition,
MusicVAE's scheduled sampling, and the named loss terms."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.core.schedules import sampling_probability
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.networks.code_training import code_loss
from musicvae_lite.music.melody.data import MelodyData, transpose
from musicvae_lite.music.melody.model import build_melody_vae, model_config_to_dict
from musicvae_lite.music.melody.names import FAMILY
from musicvae_lite.music.melody.presets import MelodyModelConfig
from musicvae_lite.music.sources import spread_indices


class MelodyTask:
    """A `TrainTask` (core/trainer.py) for melody VAEs."""

    def __init__(self, model: MelodyModelConfig, data: MelodyData, preset: str = "custom"):
        self.model_cfg = model
        self.data = data
        self.preset = preset
        self._train = torch.from_numpy(data.train.astype(np.int64))  # (N, T)
        self._eval = torch.from_numpy(data.eval.astype(np.int64))

    def describe(self) -> dict:
        return {"family": FAMILY, "preset": self.preset, "model": model_config_to_dict(self.model_cfg),
                "data": self.data.source}

    def build_model(self) -> nn.Module:
        return build_melody_vae(self.model_cfg)

    def train_size(self) -> int:
        return len(self._train)

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        """Transposed windows and the posterior's noise, both drawn from `generator` (so data-parallel
        shards of one global batch see exactly what a single process would)."""
        events = transpose(self._train[indices], self.model_cfg.transpose, generator)  # (B, T)
        noise = torch.randn(len(indices), self.model_cfg.z_size, generator=generator)  # (B, Z)
        return {"events": events.to(device, non_blocking=True), "noise": noise.to(device, non_blocking=True)}

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterator[tuple[dict, int]]:
        events = self._eval[torch.from_numpy(spread_indices(len(self._eval), limit))]  # evenly through the collections
        for i in range(0, len(events), batch_size):
            chunk = events[i:i + batch_size]
            yield {"events": chunk.to(device)}, len(chunk)

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        """Training: z sampled with the batch's noise, scheduled sampling on. Evaluation: z = mu, no sampling."""
        cfg = self.model_cfg
        p = sampling_probability(step, cfg.sampling_rate, cfg.sampling_schedule) if train else 0.0
        x = batch["events"]
        if cfg.train_on_codes:
            if isinstance(model, nn.parallel.DistributedDataParallel):  # its loss bypasses the wrapper's forward
                raise MvaeError("train_on_codes trains in one process (about 1 s a step on one CPU core): "
                                "run mvae train without torchrun")
            terms = code_loss(model, x, step=step, sample_z=train, noise=batch.get("noise"))
        else:
            terms = model(x, x, step=step, sampling_prob=p, sample_z=train, noise=batch.get("noise"))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms
