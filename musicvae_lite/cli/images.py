"""The image halves of the shared commands (`mvae sample RUN`, `interpolate RUN A B`, `reconstruct RUN`,
`eval RUN DIR`, `plot RUN`): each parses what the melody side does not, calls the library and reports.
Which half runs is decided by the model: `family_of` reads it from the checkpoint."""

from __future__ import annotations

from pathlib import Path

import typer

from musicvae_lite.errors import MvaeError


def family_of(model: str) -> str:
    """"image" or "melody": the family recorded in a run folder's or checkpoint's config. Anything
    else (a bundled model's name, a MIDI file, a folder of them) is left to the melody side, which
    says what is wrong with it."""
    path = Path(model)
    if not path.exists() or path.suffix.lower() in (".mid", ".midi"):
        return "melody"
    if (path / "config.json").is_file():  # a run folder: its trainer wrote the family there too
        import json

        try:
            return json.loads((path / "config.json").read_text()).get("task", {}).get("family", "melody")
        except (OSError, ValueError, AttributeError):
            pass  # unreadable: ask the checkpoint
    from musicvae_lite.core.checkpoint import load_checkpoint, resolve_checkpoint

    try:
        return load_checkpoint(resolve_checkpoint(path)).config.get("task", {}).get("family", "melody")
    except MvaeError:
        return "melody"


def _load(run: str):
    import torch

    from musicvae_lite.image.generate import load_image_model

    torch.set_num_threads(1)  # a few small images: one thread is fastest and leaves the machine alone
    return load_image_model(run)


def _data(m, data: Path | None):
    """The test data: --data, else the folder the model was trained on, else the usual places."""
    from musicvae_lite.image.datasets import load_image_data

    if data is not None:
        return load_image_data(data)
    recorded = m.task.get("data")
    return load_image_data(recorded if recorded and Path(recorded).exists() else None)


def _images(m, items: list[str], data: Path | None):
    """Images named by PNG paths or test-set indices -> (N, H, W) floats and their labels for titles."""
    import numpy as np

    from musicvae_lite.image.generate import read_png

    size = m.config.image_size
    if all(item.isdigit() for item in items):
        test = _data(m, data).test_images
        for item in items:
            if int(item) >= len(test):
                raise MvaeError(f"test image {item} does not exist; the test set has {len(test)} images (0..{len(test) - 1})")
        return np.stack([test[int(i)] for i in items]).astype(np.float32) / 255.0, [f"test #{i}" for i in items]
    return np.stack([read_png(item, size) for item in items]), [Path(item).name for item in items]


def sample(run: str, n: int, seed: int | None, out: Path, force: bool) -> list[Path]:
    from musicvae_lite.image import generate as g
    from musicvae_lite.image.plots import save_image_grid

    m = _load(run)
    images = g.sample(m, n, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    return [save_image_grid(images, out / "samples.png", title=f"{n} samples from the prior", overwrite=force)]


def interpolate(run: str, items: list[str], n: int, data: Path | None, out: Path, force: bool) -> list[Path]:
    from musicvae_lite.image import generate as g
    from musicvae_lite.image.plots import save_image_rows

    if len(items) != 2:
        raise MvaeError(f"give the run and two images (PNG files or test-set indices), got {len(items)} images")
    m = _load(run)
    (a, b), names = _images(m, items, data)
    strip = g.interpolate(m, a, b, n)
    out.mkdir(parents=True, exist_ok=True)
    return [save_image_rows([(f"{names[0]} -> {names[1]}", strip)], out / "interpolation.png",
                            title=f"interpolation in {m.config.kind.upper()} code space", overwrite=force)]


def reconstruct(run: str, items: list[str], data: Path | None, out: Path, force: bool) -> list[Path]:
    from musicvae_lite.image import generate as g
    from musicvae_lite.image.plots import save_image_rows

    m = _load(run)
    images, _ = _images(m, items or [str(i) for i in range(12)], data)
    given, output = g.reconstruct(m, images)
    out.mkdir(parents=True, exist_ok=True)
    first = "input" if m.kind != "restore" else f"input ({m.config.corruption})"
    rows = [(first, given), ("model", output)] + ([("original", images)] if m.kind == "restore" else [])
    return [save_image_rows(rows, out / "reconstruction.png", overwrite=force)]


def evaluate(run: str, data: Path, *, iwae_k: int, limit: int | None, device: str, progress: bool) -> dict:
    from musicvae_lite.core.device import pick_device
    from musicvae_lite.image.datasets import load_image_data
    from musicvae_lite.image.evaluate import evaluate_images
    from musicvae_lite.image.generate import load_image_model

    m = load_image_model(run)
    test = load_image_data(data).test_images
    if limit is not None:
        test = test[:limit]
    figures = evaluate_images(m.net, m.config, test, iwae_k=iwae_k, device=pick_device(device), progress=progress)
    return {"model": run, "preset": m.task.get("preset"), "step": m.step, "data": str(data), **figures}


def report(figures: dict) -> None:
    """Print `evaluate`'s figures, one per line, with units."""
    typer.echo(f"{figures['model']} ({figures['preset']}, step {figures['step']}) on {figures['images']} test images "
               f"of {figures['data']}")
    names = {"neg_elbo": ("negative ELBO", "nats/image"), "iwae_bound": ("IWAE bound", "nats/image"),
             "bce": ("BCE", "nats/image"), "kl": ("KL", "nats/image"), "psnr": ("PSNR", "dB"),
             "baseline_psnr": ("baseline PSNR", "dB"), "gain_db": ("gain over baseline", "dB")}
    for key, (name, unit) in names.items():
        if key in figures:
            typer.echo(f"  {name:<20} {figures[key]:9.3f} {unit}")


def plot(run: str, data: Path | None, out: Path | None, force: bool) -> tuple[list[Path], dict]:
    """All pictures of a run. Into RUN/plots by default, which the run owns and which is redrawn; any
    other folder keeps its files unless --force."""
    from musicvae_lite.core.checkpoint import resolve_checkpoint
    from musicvae_lite.image.report import plot_run

    m = _load(run)
    run_dir = Path(run) if Path(run).is_dir() else resolve_checkpoint(run).parent
    target = out if out is not None else run_dir / "plots"
    owned = out is None
    return plot_run(m, _data(m, data), target, metrics_csv=run_dir / "metrics.csv", overwrite=force or owned)
