"""Training a GrooVAE with the generic trainer (core/trainer.py): each window's view for the encoder and
its performance (27 floats a step) for the decoder, both computed once from the drum dataset
(music/drums/dataset.py); teacher forcing throughout (decoder.py). No augmentation of its own: a groove
moved in time is not the same groove (a dataset cut on a beat hop has more windows, each where it falls in
its bar: position.py)."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.groove.model import build_groove_vae, model_config_to_dict
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.groove.views import model_inputs, performance
from musicvae_lite.music.drums.names import FAMILY
from musicvae_lite.music.sequence_task import SequenceTask


def tensors(cfg: GrooveModelConfig, split: DrumSplit) -> tuple[Tensor, Tensor]:
    """(encoder inputs (N, T, F), targets (N, T, 27), or (N, T, 27 + C) with the decoder's control (views.py))
    float32 of a split."""
    hits = split.hits
    view, control = model_inputs(cfg, hits, split.velocity, split.offset, split.phase)
    target = performance(hits, split.velocity, split.offset)
    if control is not None:
        target = np.concatenate([target, control], axis=-1)
    return torch.from_numpy(view), torch.from_numpy(target)


class GrooveTask(SequenceTask):
    """A `TrainTask` for GrooVAEs."""

    family = FAMILY
    build = staticmethod(build_groove_vae)
    config_to_dict = staticmethod(model_config_to_dict)
    fields = ("inputs", "targets")

    def __init__(self, model: GrooveModelConfig, train: DrumSplit, held_out: DrumSplit, source: str,
                 preset: str = "custom"):
        self.model_cfg, self.source, self.preset = model, source, preset
        self._train = tensors(model, train)
        self._eval = tensors(model, held_out)

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        noise = self.noise(len(indices), generator)  # (B, Z)
        x, y = self._train
        return {"inputs": x[indices].to(device), "targets": y[indices].to(device), "noise": noise.to(device)}

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        return model(batch["inputs"], batch["targets"], step=step, sample_z=train, noise=batch.get("noise"))
