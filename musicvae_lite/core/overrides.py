"""Settings given on the command line (`--set key=value`) applied to a preset: its model config or its
train config, whichever has the key, parsed to the type of the current value. Any preset with
`model` and `train` dataclasses (music/presets.py, image/presets.py) works."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TypeVar

from musicvae_lite.errors import MvaeError

Preset = TypeVar("Preset")  # a frozen dataclass with `model` and `train` fields


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
