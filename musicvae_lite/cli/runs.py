"""The library calls behind `mvae train` and `mvae eval`, kept out of the typer functions so that
they stay thin and the heavy imports happen only when a command runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from musicvae_lite.errors import MvaeError


def train_run(config: str, data: Path, out: Path, *, steps, batch_size, device, precision, seed, resume,
              assignments, progress):
    from musicvae_lite.core.trainer import Trainer
    from musicvae_lite.music.melody_data import load_melody_data
    from musicvae_lite.music.presets import get_preset, override
    from musicvae_lite.music.task import MelodyTask

    preset = override(get_preset(config), assignments)
    if resume:
        preset = _preset_of_run(out, preset)
    train = preset.train
    for key, value in (("steps", steps), ("batch_size", batch_size), ("seed", seed), ("device", device),
                       ("precision", precision)):
        if value is not None:
            train = replace(train, **{key: value})
    melodies = load_melody_data(data, preset.model.bars)
    if not len(melodies.train):
        raise MvaeError(f"{data} has no training windows (train.npz)")
    task = MelodyTask(preset.model, melodies, preset.name)
    return Trainer(task, train, out, resume=resume, progress=progress).fit()


def _preset_of_run(out: Path, preset):
    """On --resume the run's own model settings win: the checkpoint rebuilds the same model."""
    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint
    from musicvae_lite.music.model import model_config_from_dict

    latest = CheckpointManager(out).latest() if out.exists() else None
    if latest is None:
        raise MvaeError(f"--resume: no checkpoint in {out}")
    task = load_checkpoint(latest).config.get("task", {})
    if task.get("preset") not in (None, preset.name):
        raise MvaeError(f"--resume: {out} was trained from preset {task.get('preset')}, not {preset.name}")
    return replace(preset, model=model_config_from_dict(task["model"]))


def eval_run(model: str, data: Path, *, batch_size: int, device: str, progress: bool):
    from musicvae_lite.core.device import pick_device
    from musicvae_lite.music.evaluate import evaluate_melodies
    from musicvae_lite.music.generate import load_model
    from musicvae_lite.music.melody_data import load_melody_data

    loaded = load_model(model)  # a bundled name, a run folder or a checkpoint
    melodies = load_melody_data(data, loaded.config.bars)
    if not len(melodies.eval):
        raise MvaeError(f"{data} has no evaluation windows")
    return evaluate_melodies(loaded.vae, melodies.eval, batch_size=batch_size, device=pick_device(device),
                             progress=progress), loaded.step
