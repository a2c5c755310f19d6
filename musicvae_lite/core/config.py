"""Torch-free configs shared by every family: how to train (`TrainConfig`), the `Preset` record of a
model config and its train config, the settings given on the command line (`--set key=value`) applied
to either, parsed to the type of the current value, and a model config rebuilt from a checkpoint.

Nothing here imports torch, so `mvae presets` answers as fast as `mvae --help`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from musicvae_lite.errors import MvaeError

C = TypeVar("C")  # a model config dataclass


@dataclass
class TrainConfig:
    """How to train; each family's presets supply their own values (music/melody/presets.py, image/presets.py)."""

    steps: int = 1000  # optimizer steps in all (a resumed run continues up to this)
    batch_size: int = 512  # global batch: split across data-parallel processes
    learning_rate: float = 1e-3  # initial learning rate (Adam)
    decay_rate: float = 0.9999  # learning rate decay per step
    min_learning_rate: float = 1e-5  # the floor it decays to
    grad_clip: float = 1.0  # clip gradients to this global norm; 0 disables
    log_every: int = 20  # steps between metric rows in metrics.csv
    eval_every: int = 500  # steps between evaluations on held-out data (0: only at the end)
    eval_examples: int = 4096  # held-out examples each periodic evaluation looks at (bounds its cost)
    checkpoint_every: int = 500  # steps between checkpoints (and one at the end)
    keep_last: int = 3  # checkpoints kept besides best.pt
    seed: int = 0  # seeds model initialization, batch order, augmentation and sampling
    device: str = "auto"  # auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N, mps
    precision: str = "auto"  # auto, fp32, bf16 or fp16 (see core/device.py)


@dataclass(frozen=True)
class Preset:
    """A model and how to train it."""

    name: str
    description: str
    model: Any  # the family's model config: MelodyModelConfig, ImageModelConfig
    train: TrainConfig = field(default_factory=TrainConfig)


def config_from_dict(cls: type[C], d: dict) -> C:
    """Rebuild a model config from its checkpointed dict (tuples come back from JSON as lists)."""
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise MvaeError(f"checkpoint's {cls.__name__} has unknown settings: {', '.join(sorted(unknown))}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})


def _parse(value: str, current):
    if isinstance(current, bool):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(value)
    if isinstance(current, tuple):
        return tuple(int(v) for v in value.strip("()[] ").split(",") if v.strip())
    return type(current)(value)


def override(preset: Preset, assignments: list[str]) -> Preset:
    """Apply `key=value` settings (`--set z_size=64 --set steps=100`) to the model or train config."""
    model, train = preset.model, preset.train
    for item in assignments:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep:
            raise MvaeError(f"--set {item!r}: expected key=value")
        target = "model" if key in {f.name for f in fields(model)} else \
            "train" if key in {f.name for f in fields(train)} else None
        if target is None:
            known = sorted({f.name for f in fields(model)} | {f.name for f in fields(train)})
            raise MvaeError(f"--set {key}: unknown setting; known: {', '.join(known)}")
        obj = model if target == "model" else train
        try:
            parsed = _parse(value.strip(), getattr(obj, key))
        except ValueError:
            raise MvaeError(f"--set {item!r}: {value!r} is not a valid {type(getattr(obj, key)).__name__}") from None
        try:  # a config may check its own values (a GrooVAE's view)
            if target == "model":
                model = replace(model, **{key: parsed})
            else:
                train = replace(train, **{key: parsed})
        except ValueError as e:
            raise MvaeError(f"--set {item!r}: {e}") from None
    return replace(preset, model=model, train=train)
