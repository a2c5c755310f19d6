"""Training a drum VAE with the generic trainer (core/trainer.py): batches of 512-class windows, MusicVAE's
scheduled sampling, the named loss terms. No augmentation: a beat transposed is not a beat."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.model import build_drum_vae, encoder_input, model_config_to_dict
from musicvae_lite.music.drums.names import FAMILY
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.sequence_task import SequenceTask


class DrumTask(SequenceTask):
    """A `TrainTask` for drum VAEs."""

    family = FAMILY
    build = staticmethod(build_drum_vae)
    config_to_dict = staticmethod(model_config_to_dict)

    def __init__(self, model: DrumModelConfig, train: DrumSplit, held_out: DrumSplit, source: str,
                 preset: str = "custom"):
        self.model_cfg, self.source, self.preset = model, source, preset
        self._train = torch.from_numpy(train.classes)  # (N, T) int64
        self._eval = torch.from_numpy(held_out.classes)

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        noise = self.noise(len(indices), generator)  # (B, Z)
        return {"events": self._train[indices].to(device, non_blocking=True), "noise": noise.to(device)}

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        p = self.sampling(step, train)
        x = batch["events"]  # (B, T) classes: the decoder's targets; the encoder reads their rolls
        terms = model(encoder_input(x), x, step=step, sampling_prob=p, sample_z=train, noise=batch.get("noise"))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms
