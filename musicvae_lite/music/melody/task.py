"""Training a melody VAE with the generic trainer: batches of windows with random transposition,
MusicVAE's scheduled sampling, and the named loss terms."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.networks.code_training import code_loss
from musicvae_lite.music.melody.data import MelodyData, transpose
from musicvae_lite.music.melody.model import build_melody_vae, model_config_to_dict
from musicvae_lite.music.melody.names import FAMILY
from musicvae_lite.music.melody.presets import MelodyModelConfig
from musicvae_lite.music.sequence_task import SequenceTask


class MelodyTask(SequenceTask):
    """A `TrainTask` (core/trainer.py) for melody VAEs."""

    family = FAMILY
    build = staticmethod(build_melody_vae)
    config_to_dict = staticmethod(model_config_to_dict)

    def __init__(self, model: MelodyModelConfig, data: MelodyData, preset: str = "custom"):
        self.model_cfg = model
        self.data = data
        self.preset = preset
        self.source = data.source
        self._train = torch.from_numpy(data.train.astype(np.int64))  # (N, T)
        self._eval = torch.from_numpy(data.eval.astype(np.int64))

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        """Transposed windows and the posterior's noise, both drawn from `generator` (so data-parallel
        shards of one global batch see exactly what a single process would)."""
        events = transpose(self._train[indices], self.model_cfg.transpose, generator)  # (B, T)
        noise = self.noise(len(indices), generator)  # (B, Z)
        return {"events": events.to(device, non_blocking=True), "noise": noise.to(device, non_blocking=True)}

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        """Training: z sampled with the batch's noise, scheduled sampling on. Evaluation: z = mu, no sampling."""
        p = self.sampling(step, train)
        x = batch["events"]
        if self.model_cfg.train_on_codes:
            if isinstance(model, nn.parallel.DistributedDataParallel):  # its loss bypasses the wrapper's forward
                raise MvaeError("train_on_codes trains in one process (about 1 s a step on one CPU core): "
                                "run mvae train without torchrun")
            terms = code_loss(model, x, step=step, sample_z=train, noise=batch.get("noise"))
        else:
            terms = model(x, x, step=step, sampling_prob=p, sample_z=train, noise=batch.get("noise"))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms
