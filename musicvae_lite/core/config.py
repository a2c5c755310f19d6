"""Torch-free configs shared by every family: how to train (`TrainConfig`), the `Preset` record of a
model config and its train config, the settings given on the command line (`--set key=value`, or a path
into a config's parts: `--set decoder.core.sizes=128`) applied to either, parsed to the type of the current
value, and a model config written to and rebuilt from the dict a checkpoint stores, parts and all.

Nothing here imports torch, so `mvae presets` answers as fast as `mvae --help`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

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


def config_to_dict(cfg) -> dict:
    """A config as the dict a checkpoint stores: its fields, each part (a nested config) as a dict of its own
    that names its `TYPE` where it has one, so that `config_from_dict` can tell which part it was."""
    out = {"type": cfg.TYPE} if hasattr(type(cfg), "TYPE") else {}
    for f in fields(cfg):
        value = getattr(cfg, f.name)
        out[f.name] = config_to_dict(value) if is_dataclass(value) else value
    return out


def config_from_dict(cls: type[C], d: dict) -> C:
    """Rebuild a config from its checkpointed dict (`config_to_dict`; tuples come back from JSON as lists):
    each part from its own dict, of the type the field allows whose `TYPE` the dict names. A setting the
    config does not know, or values it refuses, give an MvaeError naming them."""
    if not isinstance(d, dict):
        raise MvaeError(f"a {cls.__name__} must be stored as a dict of settings, got {type(d).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = set(d) - known - ({"type"} if hasattr(cls, "TYPE") else set())
    if unknown:
        raise MvaeError(f"checkpoint's {cls.__name__} has unknown settings: {', '.join(sorted(unknown))}")
    hints = get_type_hints(cls)
    values = {k: _value(hints[k], v, f"{cls.__name__}.{k}") for k, v in d.items() if k in known}
    try:
        return cls(**values)
    except (TypeError, ValueError) as e:
        raise MvaeError(f"{cls.__name__}: {e}") from None


def _value(hint, v, where: str):
    """A stored value back as the type `hint` declares: a part from its dict, a tuple from a list."""
    parts = [t for t in (get_args(hint) if get_origin(hint) in (Union, UnionType) else (hint,)) if is_dataclass(t)]
    if parts and isinstance(v, dict):
        typed = [t for t in parts if getattr(t, "TYPE", None) == v.get("type")]
        if len(typed) != 1 and len(parts) > 1:
            names = ", ".join(repr(getattr(t, "TYPE", t.__name__)) for t in parts)
            raise MvaeError(f"{where}: type {v.get('type')!r} is not one of {names}")
        return config_from_dict((typed or parts)[0], v)
    if parts and not any(isinstance(v, t) for t in parts):
        raise MvaeError(f"{where}: expected a part ({', '.join(t.__name__ for t in parts)}), got {v!r}")
    return tuple(v) if isinstance(v, list) else v


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


def _leaf(tree: dict, path: list[str]):
    """The dict holding the setting at `path` in a config's dict, or None when there is no such setting."""
    for name in path[:-1]:
        tree = tree.get(name)
        if not isinstance(tree, dict):
            return None
    return tree if path[-1] in tree and path[-1] != "type" else None


def setting_names(model) -> list[str]:
    """What `--set` can name in a model config: each setting by its path (`z_size`, `decoder.core.sizes`), and
    the flat names of the config's `settings()` where it has them (the form checkpoints had before configs
    had parts: `conductor_sizes`, `encoder_sizes`)."""
    def walk(tree: dict, prefix: str) -> list[str]:
        return [name for k, v in tree.items() if k != "type"
                for name in (walk(v, f"{prefix}{k}.") if isinstance(v, dict) else [f"{prefix}{k}"])]

    return sorted(set(walk(config_to_dict(model), "")) | set(_flat_settings(model)))


def _flat_settings(model) -> dict:
    try:
        return model.settings() if hasattr(model, "settings") else {}
    except ValueError:  # a composition the flat names cannot say: only paths reach its settings
        return {}


def override(preset: Preset, assignments: list[str]) -> Preset:
    """Apply `key=value` settings (`--set z_size=64 --set steps=100 --set decoder.core.sizes=128,128`) to the
    model or train config. A model config with flat `settings()` (the melody and drum configs) also takes
    those names (`--set conductor_sizes=16` gives a flat melody model a conductor). All settings are applied
    before the config checks them, so they may be given in any order."""
    model, train = preset.model, preset.train
    tree, flat = config_to_dict(model), _flat_settings(model)
    train_names = {f.name for f in fields(train)}
    by_path, by_flat_name, train_changes = [], [], {}
    for item in assignments:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise MvaeError(f"--set {item!r}: expected key=value")
        if "." not in key and key in flat and key not in tree:
            by_flat_name.append((key, value, item))
        elif _leaf(tree, key.split(".")) is not None:
            by_path.append((key, value, item))
        elif key in train_names:
            train_changes[key] = _parsed(item, value, getattr(train, key))
        else:
            known = sorted(set(setting_names(model)) | train_names)
            raise MvaeError(f"--set {key}: unknown setting; known: {', '.join(known)}")
    if by_flat_name:  # the flat names first, through the flat form, with the top-level settings given beside them
        flat = dict(flat)
        for key, value, item in by_flat_name + [a for a in by_path if a[0] in flat]:
            flat[key] = _parsed(item, value, flat[key])
        by_path = [a for a in by_path if a[0] not in flat]
        try:
            model = model.from_settings(flat)
        except (MvaeError, TypeError, ValueError) as e:
            raise MvaeError(f"--set {' '.join(a[2] for a in by_flat_name)}: {e}") from None
        tree = config_to_dict(model)
    for key, value, item in by_path:
        path = key.split(".")
        holder = _leaf(tree, path)
        if isinstance(holder[path[-1]], dict):
            raise MvaeError(f"--set {key}: a part, not a setting; set one of its settings "
                            f"({', '.join(n for n in setting_names(model) if n.startswith(key + '.'))})")
        holder[path[-1]] = _parsed(item, value, holder[path[-1]])
    if by_path:
        try:
            model = config_from_dict(type(model), tree)
        except MvaeError as e:  # a config may check its own values (a GrooVAE's view)
            raise MvaeError(f"--set {' '.join(a[2] for a in by_path)}: {e}") from None
    return replace(preset, model=model, train=replace(train, **train_changes))


def _parsed(item: str, value: str, current):
    try:
        return _parse(value, current)
    except ValueError:
        raise MvaeError(f"--set {item!r}: {value!r} is not a valid {type(current).__name__}") from None
