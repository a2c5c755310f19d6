"""What every family's presets share (music/presets.py, image/presets.py): the `Preset` record of a
model config and its train config, the settings given on the command line (`--set key=value`) applied
to either, parsed to the type of the current value, and a model config rebuilt from a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from musicvae_lite.core.trainer import TrainConfig
from musicvae_lite.errors import MvaeError

C = TypeVar("C")  # a model config dataclass


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
        if target == "model":
            model = replace(model, **{key: parsed})
        else:
            train = replace(train, **{key: parsed})
    return replace(preset, model=model, train=train)
