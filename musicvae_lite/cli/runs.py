"""The library calls behind `mvae train` and `mvae eval`, kept out of the typer functions so that
they stay thin and the heavy imports happen only when a command runs."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from musicvae_lite.errors import MvaeError
from musicvae_lite.core.presets import override


def train_run(config: str, data: Path | None, out: Path, *, steps, batch_size, device, precision, seed, resume,
              assignments, progress, init_from: str | None = None):
    """Train melody preset or image preset `config` (their names differ) with the one trainer; with
    `init_from` (a run, checkpoint or bundled model of the same family) start from its weights and
    model settings, to which `assignments` still apply (e.g. a new free-bits budget)."""
    from musicvae_lite.core.trainer import Trainer
    from musicvae_lite.image.presets import IMAGE_PRESETS
    from musicvae_lite.music.presets import PRESETS

    if config in IMAGE_PRESETS:
        from musicvae_lite.image import model as family
        from musicvae_lite.image.datasets import load_image_data
        from musicvae_lite.image.task import ImageTask

        preset, weights = _start(IMAGE_PRESETS[config], assignments, init_from, family, resume, out)
        task = ImageTask(preset.model, load_image_data(data), preset.name)
    elif config in PRESETS:
        from musicvae_lite.music import model as family
        from musicvae_lite.music.melody_data import load_melody_data
        from musicvae_lite.music.task import MelodyTask

        preset, weights = _start(PRESETS[config], assignments, init_from, family, resume, out)
        if data is None:
            raise MvaeError("a melody preset needs --data: a dataset folder from `mvae data build`")
        melodies = load_melody_data(data, preset.model.bars)
        if not len(melodies.train):
            raise MvaeError(f"{data} has no training windows (train.npz)")
        task = MelodyTask(preset.model, melodies, preset.name)
    else:
        raise MvaeError(f"unknown preset {config!r}; choose one of: {', '.join([*PRESETS, *IMAGE_PRESETS])}")
    train = preset.train
    for key, value in (("steps", steps), ("batch_size", batch_size), ("seed", seed), ("device", device),
                       ("precision", precision)):
        if value is not None:
            train = replace(train, **{key: value})
    return Trainer(task, train, out, resume=resume, progress=progress, init_weights=weights).fit()


def _start(preset, assignments, init_from, family, resume, out):
    """The preset to train and the weights to start from (None: a fresh initialization)."""
    weights = None
    if init_from is not None and not resume:
        from musicvae_lite.core.checkpoint import load_family_checkpoint

        try:
            state, task = load_family_checkpoint(_checkpoint_path(init_from), family.FAMILY,
                                                 f"a {family.FAMILY} model, which a {family.FAMILY} preset needs")
        except MvaeError as e:
            raise MvaeError(f"--init-from: {e}") from None
        preset = replace(preset, model=family.model_config_from_dict(task["model"]))
        weights = state.model
    preset = override(preset, assignments)
    if resume:
        preset = _preset_of_run(out, preset, family.model_config_from_dict, assignments)
    return preset, weights


def _checkpoint_path(name: str) -> Path:
    """A bundled model's file, or the path given."""
    from musicvae_lite.music.bundled import bundled_path

    return bundled_path(name) or Path(name)


def _preset_of_run(out: Path, preset, config_from_dict, assignments):
    """On --resume the run's own settings win: the checkpoint's model config rebuilds the same model, and
    its train config continues the same schedules; `--set` may still change training settings (and the
    command's --steps and the like apply after this)."""
    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint
    from musicvae_lite.core.trainer import TrainConfig

    latest = CheckpointManager(out).latest() if out.exists() else None
    if latest is None:
        raise MvaeError(f"--resume: no checkpoint in {out}")
    config = load_checkpoint(latest).config
    task = config.get("task", {})
    if task.get("preset") not in (None, preset.name):
        raise MvaeError(f"--resume: {out} was trained from preset {task.get('preset')}, not {preset.name}")
    known = {f.name for f in fields(TrainConfig)}
    train = TrainConfig(**{k: v for k, v in config.get("train", {}).items() if k in known}) \
        if config.get("train") else preset.train
    resumed = replace(preset, model=config_from_dict(task["model"]), train=train)
    return override(resumed, [a for a in assignments if a.partition("=")[0].strip() in known])


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
