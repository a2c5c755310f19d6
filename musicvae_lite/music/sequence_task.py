"""What every sequence family's training task shares (core/trainer.py's `TrainTask`): the run's description
(family, preset, model config with its parts, data), building the model from its config, batches of the
held-out windows spread evenly through the data, and MusicVAE's scheduled-sampling probability (Roberts et
al. 2018; magenta's `sampling_schedule`). A family's task (melody/task.py, drums/task.py,
drums/groove/task.py) says what its windows are and how its loss reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import torch
from torch import Tensor, nn

from musicvae_lite.core.schedules import sampling_probability
from musicvae_lite.music.sources import spread_indices


class SequenceTask:
    """Subclasses set `family`, `build` and `config_to_dict`, and `model_cfg`, `preset`, `source`,
    `_train` and `_eval` (a tensor of windows, or a tuple of tensors with one row a window) in __init__."""

    family: ClassVar[str]  # what the checkpoints record as their `task.family`
    build: ClassVar[Callable[[Any], nn.Module]]  # model config -> network
    config_to_dict: ClassVar[Callable[[Any], dict]]  # model config -> the dict the checkpoint stores
    fields: ClassVar[tuple[str, ...]] = ("events",)  # the batch's names of the windows' tensors

    model_cfg: Any
    preset: str
    source: str
    _train: Tensor | tuple[Tensor, ...]
    _eval: Tensor | tuple[Tensor, ...]

    def describe(self) -> dict:
        return {"family": self.family, "preset": self.preset, "model": type(self).config_to_dict(self.model_cfg),
                "data": self.source}

    def build_model(self) -> nn.Module:
        return type(self).build(self.model_cfg)

    def _parts(self, split: Tensor | tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        return split if isinstance(split, tuple) else (split,)

    def train_size(self) -> int:
        return len(self._parts(self._train)[0])

    def noise(self, count: int, generator: torch.Generator) -> Tensor:
        """The posterior's noise for a batch, drawn from the batch's generator: (B, Z)."""
        return torch.randn(count, self.model_cfg.z_size, generator=generator)

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterator[tuple[dict, int]]:
        parts = self._parts(self._eval)
        keep = torch.from_numpy(spread_indices(len(parts[0]), limit))  # evenly through the collections
        parts = [p[keep] for p in parts]
        for i in range(0, len(parts[0]), batch_size):
            chunk = [p[i:i + batch_size] for p in parts]
            yield {name: p.to(device) for name, p in zip(self.fields, chunk)}, len(chunk[0])

    def sampling(self, step: int, train: bool) -> float:
        """Scheduled sampling's probability of feeding the decoder its own output (none when evaluating)."""
        cfg = self.model_cfg
        return sampling_probability(step, cfg.sampling_rate, cfg.sampling_schedule) if train else 0.0
