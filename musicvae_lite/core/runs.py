"""Composing a training run from a family's preset and what the user asked for: a fresh run, a run
resumed from its newest checkpoint (its own settings win over the preset's), a run started from
another model's weights (`--init-from`: fine-tuning, or a second stage with new loss settings), or a
new model warm-started from the weights of another that fit it (`--warm-start`: `warm_weights`).

The family is given, never looked up here: `core` imports no family (the registry in
musicvae_lite/families.py does that for the command line).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from musicvae_lite.core.config import Preset, TrainConfig, override
from musicvae_lite.core.family import Family
from musicvae_lite.errors import MvaeError


@dataclass
class RunRequest:
    """What `mvae train` was asked; None keeps the preset's (or a resumed run's) own value."""

    out: Path
    data: Path | None = None
    steps: int | None = None
    batch_size: int | None = None
    device: str | None = None
    precision: str | None = None
    seed: int | None = None
    resume: bool = False
    assignments: tuple[str, ...] = ()  # --set key=value
    init_from: Path | None = None  # a checkpoint file or run folder to take weights and model settings from
    warm_start: Path | None = None  # a checkpoint file or run folder to take the weights that fit from
    threads: str | int | None = "auto"  # see core/threads.py
    progress: bool = True


def train_run(family: Family, preset: Preset, request: RunRequest, say: Callable[[str], None] | None = None):
    """Train `preset` of `family` as `request` says with the one trainer; returns its `TrainResult`.
    A resumed run already at or past its steps trains nothing (the result's `trained` is 0). `say` gets
    lines for the user before training starts (how much a warm start took)."""
    from musicvae_lite.core.trainer import Trainer, TrainResult

    preset, weights, at_step = _compose(family, preset, request)
    train = preset.train
    for key in ("steps", "batch_size", "seed", "device", "precision"):
        value = getattr(request, key)
        if value is not None:
            train = replace(train, **{key: value})
    if at_step is not None and at_step[0] >= train.steps:
        return TrainResult(at_step[0], at_step[1], start_step=at_step[0])
    task = family.task(preset, request.data)
    if request.warm_start is not None and not request.resume:
        weights, note = _warm_weights(family, task, train.seed, request.warm_start)
        if say is not None:
            say(note)
    return Trainer(task, train, request.out, resume=request.resume, progress=request.progress,
                   init_weights=weights, threads=request.threads).fit()


def warm_weights(target: dict[str, Any], source: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The tensors of `target` (a fresh model's state dict) replaced by those of `source` that fit: the same
    name and shape, or the same shape under the name with one inner part left out, so that a module nested
    one level deeper takes its flat twin's weights (a hierarchical decoder's bar decoder, `decoder.core.*`,
    takes a flat model's `decoder.*`). Returns the state dict to load and the names taken."""
    out, taken = dict(target), []
    for name, tensor in target.items():
        parts = name.split(".")
        candidates = [name] + [".".join(parts[:i] + parts[i + 1:]) for i in range(1, len(parts) - 1)]
        for cand in candidates:
            if cand in source and tuple(source[cand].shape) == tuple(tensor.shape):
                out[name] = source[cand].to(tensor.dtype)
                taken.append(name)
                break
    return out, taken


def _warm_weights(family: Family, task, seed: int, path: Path) -> tuple[dict[str, Any], str]:
    """A fresh model's weights with those of the model at `path` that fit (`warm_weights`), and a line
    saying how much was taken."""
    import torch

    from musicvae_lite.core.checkpoint import load_family_checkpoint

    try:
        state, _ = load_family_checkpoint(path, family.name, f"a {family.name} model, which a {family.name} preset needs")
    except MvaeError as e:
        raise MvaeError(f"--warm-start: {e}") from None
    torch.manual_seed(seed)
    fresh = task.build_model().state_dict()
    weights, taken = warm_weights(fresh, state.model)
    if not taken:
        raise MvaeError(f"--warm-start: no weight of {path} fits this model (names and shapes differ)")
    n_taken = sum(fresh[k].numel() for k in taken)
    n_all = sum(t.numel() for t in fresh.values())
    return weights, (f"warm start from {path}: {len(taken)} of {len(fresh)} tensors, {n_taken:,} of {n_all:,} "
                     f"parameters ({100 * n_taken / n_all:.0f}%); the rest freshly initialized")


def _compose(family: Family, preset: Preset, request: RunRequest) -> tuple[Preset, Any, tuple[int, Path] | None]:
    """The preset to train, the weights to start from (None: a fresh initialization) and, on --resume,
    (the step, the checkpoint) it resumes from."""
    weights = None
    if request.init_from is not None and request.warm_start is not None:
        raise MvaeError("give --init-from (fine-tuning the same model) or --warm-start (another model's weights "
                        "that fit), not both")
    if request.init_from is not None and not request.resume:
        from musicvae_lite.core.checkpoint import load_family_checkpoint

        try:
            state, task = load_family_checkpoint(request.init_from, family.name,
                                                 f"a {family.name} model, which a {family.name} preset needs")
        except MvaeError as e:
            raise MvaeError(f"--init-from: {e}") from None
        preset = replace(preset, model=family.model_config_from_dict(task["model"]))
        weights = state.model
    preset = override(preset, list(request.assignments))
    at_step = None
    if request.resume:
        preset, at_step = _preset_of_run(family, request.out, preset, request.assignments)
    return preset, weights, at_step


def _preset_of_run(family: Family, out: Path, preset: Preset, assignments) -> tuple[Preset, tuple[int, Path]]:
    """On --resume the run's own settings win: the checkpoint's model config rebuilds the same model, and
    its train config continues the same schedules; `--set` may still change training settings (and the
    command's --steps and the like apply after this)."""
    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint

    latest = CheckpointManager(out).latest() if out.exists() else None
    if latest is None:
        raise MvaeError(f"--resume: no checkpoint in {out}")
    state = load_checkpoint(latest)
    task = state.config.get("task", {})
    if task.get("family") not in (None, family.name):
        raise MvaeError(f"--resume: {out} holds a {task.get('family')} run, not a {family.name} one")
    if task.get("preset") not in (None, preset.name):
        raise MvaeError(f"--resume: {out} was trained from preset {task.get('preset')}, not {preset.name}")
    known = {f.name for f in fields(TrainConfig)}
    train = TrainConfig(**{k: v for k, v in state.config.get("train", {}).items() if k in known}) \
        if state.config.get("train") else preset.train
    resumed = replace(preset, model=family.model_config_from_dict(task["model"]), train=train)
    return override(resumed, [a for a in assignments if a.partition("=")[0].strip() in known]), (state.step, latest)
