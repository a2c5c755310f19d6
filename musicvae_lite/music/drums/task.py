"""Training a drum VAE with the generic trainer (core/trainer.py): batches of 512-class windows, MusicVAE's
scheduled sampling, the named loss terms, each window's bar position for a model that reads it. No
augmentation: a beat transposed is not a beat."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.model import build_drum_vae, controls, encoder_input, model_config_to_dict
from musicvae_lite.music.drums.names import FAMILY
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.sequence_task import SequenceTask


class DrumTask(SequenceTask):
    """A `TrainTask` for drum VAEs."""

    family = FAMILY
    build = staticmethod(build_drum_vae)
    config_to_dict = staticmethod(model_config_to_dict)
    fields = ("events", "phase")

    def __init__(self, model: DrumModelConfig, train: DrumSplit, held_out: DrumSplit, source: str,
                 preset: str = "custom"):
        self.model_cfg, self.source, self.preset = model, source, preset
        self._train = (torch.from_numpy(train.classes), phases(train))  # (N, T) int64, (N,) int64
        self._eval = (torch.from_numpy(held_out.classes), phases(held_out))

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        noise = self.noise(len(indices), generator)  # (B, Z)
        events, phase = self._train
        return {"events": events[indices].to(device, non_blocking=True), "phase": phase[indices],
                "noise": noise.to(device)}

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        p = self.sampling(step, train)
        x = batch["events"]  # (B, T) classes: the decoder's targets; the encoder reads their rolls
        extra = controls(self.model_cfg, len(x), batch["phase"].cpu().numpy())
        terms = model(encoder_input(x), x, step=step, sampling_prob=p, sample_z=train, noise=batch.get("noise"),
                      controls=None if extra is None else extra.to(x.device))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms


def phases(split: DrumSplit) -> Tensor:
    """(N,) int64: the step of its bar each window of `split` starts on (0 for a dataset without a hop)."""
    if split.phase is None:
        return torch.zeros(len(split), dtype=torch.int64)
    return torch.from_numpy(split.phase.astype(np.int64))
