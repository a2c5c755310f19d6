"""The image family: the lesson's autoencoders, VAEs and restoration U-Nets on MNIST-format data behind
the family contract (core/family.py) — presets, training tasks, loading, evaluation on the official test
split, and the verbs sample, interpolate, grid, reconstruct and plot, each writing PNG pictures.

Images to work on are named by PNG files or by test-set indices ("0", "17"), in any mix. This module
imports no torch at the top: `mvae presets` lists the presets without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from musicvae_lite.core.config import Preset
from musicvae_lite.core.family import Evaluation, Family, Output, Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.image.names import FAMILY
from musicvae_lite.image.presets import IMAGE_PRESETS, steps_per_epoch

SHOWN = 12  # test images `reconstruct` shows when given none
EVAL_NAMES = {"neg_elbo": ("negative ELBO", "nats/image"), "iwae_bound": ("IWAE bound", "nats/image"),
              "bce": ("BCE", "nats/image"), "kl": ("KL", "nats/image"), "psnr": ("PSNR", "dB"),
              "baseline_psnr": ("baseline PSNR", "dB"), "gain_db": ("gain over baseline", "dB")}


class ImageFamily(Family):
    name = FAMILY
    description = "autoencoders, VAEs, denoising and super-resolution on MNIST-format images"
    OPTIONS = {
        "sample": ("n", "seed"),
        "interpolate": ("n", "data"),
        "grid": ("n", "data"),
        "reconstruct": ("data",),
        "plot": ("data",),
    }
    EVAL_OPTIONS = ("batch_size", "limit", "iwae_k")

    # -- presets and training ---------------------------------------------------------------------

    def presets(self) -> Mapping[str, Preset]:
        return IMAGE_PRESETS

    def describe_preset(self, preset: Preset) -> str:
        m, t = preset.model, preset.train
        extra = f", {m.corruption}" if m.corruption != "none" else ""
        return (f"image {m.kind}, {m.architecture}{extra}, batch {t.batch_size}, "
                f"{t.steps} steps ({t.steps / steps_per_epoch(t.batch_size):g} epochs)")

    def model_config_from_dict(self, d: dict):
        from musicvae_lite.image.model import model_config_from_dict

        return model_config_from_dict(d)

    def task(self, preset: Preset, data: Path | None):
        from musicvae_lite.image.datasets import load_image_data
        from musicvae_lite.image.task import ImageTask

        return ImageTask(preset.model, load_image_data(data), preset.name)

    def after_training(self, run_dir: Path, data: Path | None) -> list[str]:
        """The pictures of the run, as `mvae plot` draws them."""
        from musicvae_lite.core.checkpoint import load_family_checkpoint

        state, _ = load_family_checkpoint(run_dir, FAMILY, "an image model")
        output = self.plot(self.load(state, str(run_dir)), Request(options={"data": data}))
        return [f"pictures: {', '.join(p.name for p in output.paths)} in {run_dir / 'plots'}", *output.lines]

    # -- trained models ---------------------------------------------------------------------------

    def load(self, checkpoint, name: str):
        from musicvae_lite.image.generate import model_from_checkpoint

        return model_from_checkpoint(checkpoint, name)

    def evaluate(self, model, data: Path, *, device: str, progress: bool, options: Mapping[str, Any]) -> Evaluation:
        from musicvae_lite.core.device import pick_device
        from musicvae_lite.image.datasets import load_image_data
        from musicvae_lite.image.evaluate import evaluate_images

        test = load_image_data(data, given_as="DATA").test_images
        if options.get("limit") is not None:
            test = test[:options["limit"]]
        figures = evaluate_images(model.net, model.config, test, iwae_k=options.get("iwae_k") or 0,
                                  batch_size=options.get("batch_size") or 500, device=pick_device(device),
                                  progress=progress)
        figures = {"model": model.source, "preset": model.task.get("preset"), "step": model.step, "data": str(data),
                   **figures}
        lines = [f"{figures['model']} ({figures['preset']}, step {figures['step']}) on {figures['images']} test "
                 f"images of {figures['data']}"]
        lines += [f"  {name:<20} {figures[key]:9.3f} {unit}" for key, (name, unit) in EVAL_NAMES.items()
                  if key in figures]
        if "neg_elbo" in figures and "iwae_bound" not in figures:
            lines.append("  (the IWAE bound: add --iwae-k 100, about 50 times as long as this evaluation)")
        return Evaluation(figures, lines)

    # -- generation -------------------------------------------------------------------------------

    def _data(self, model, data: Path | None):
        """The test data: --data, else the folder the model was trained on, else the usual places."""
        from musicvae_lite.image.datasets import load_image_data

        if data is not None:
            return load_image_data(data)
        recorded = model.task.get("data")
        return load_image_data(recorded if recorded and Path(recorded).exists() else None)

    def _images(self, model, items, data: Path | None):
        """Images named by PNG paths or test-set indices, in any mix -> (N, H, W) floats in [0, 1] and
        a label for each."""
        import numpy as np

        from musicvae_lite.image.generate import read_png

        test = None
        images, labels = [], []
        for item in items:
            if item.isdigit() and not Path(item).exists():
                if test is None:
                    test = self._data(model, data).test_images
                if int(item) >= len(test):
                    raise MvaeError(f"test image {item} does not exist; the test set has {len(test)} images "
                                    f"(0..{len(test) - 1})")
                images.append(test[int(item)].astype(np.float32) / 255.0)
                labels.append(f"test #{item}")
            else:
                images.append(read_png(item, model.config.image_size))
                labels.append(Path(item).name)
        return np.stack(images), labels

    def _folder(self, request: Request) -> Path:
        request.out.mkdir(parents=True, exist_ok=True)
        return request.out

    def sample(self, model, request: Request) -> Output:
        from musicvae_lite.image import generate as g
        from musicvae_lite.image.plots import save_image_grid

        if request.inputs:
            raise MvaeError(f"sample takes the run alone; got extra arguments {' '.join(request.inputs)}")
        n = request.get("n", 8)
        images = g.sample(model, n, seed=request.get("seed"))
        return Output([save_image_grid(images, self._folder(request) / "samples.png",
                                       title=f"{n} samples from the prior", overwrite=request.force)])

    def interpolate(self, model, request: Request) -> Output:
        from musicvae_lite.image import generate as g
        from musicvae_lite.image.plots import save_image_rows

        if len(request.inputs) != 2:
            raise MvaeError(f"give the run and two images (PNG files or test-set indices), got "
                            f"{len(request.inputs)} images")
        (a, b), names = self._images(model, request.inputs, request.get("data"))
        strip = g.interpolate(model, a, b, request.get("n", 7))
        return Output([save_image_rows([(f"{names[0]} -> {names[1]}", strip)],
                                       self._folder(request) / "interpolation.png",
                                       title=f"interpolation in {model.config.kind.upper()} code space",
                                       overwrite=request.force)])

    def grid(self, model, request: Request) -> Output:
        from musicvae_lite.image import generate as g
        from musicvae_lite.image.plots import save_image_grid

        if len(request.inputs) != 4:
            raise MvaeError(f"give the run and four corner images, got {len(request.inputs)}")
        corners, _ = self._images(model, request.inputs, request.get("data"))
        n = request.get("n", 5)
        cells = g.grid(model, corners, n)
        return Output([save_image_grid(cells, self._folder(request) / "grid.png", ncols=n,
                                       title=f"{n} x {n} grid between four corners", overwrite=request.force)])

    def reconstruct(self, model, request: Request) -> Output:
        from musicvae_lite.image import generate as g
        from musicvae_lite.image.plots import save_image_rows

        items = list(request.inputs) or [str(i) for i in range(SHOWN)]
        images, _ = self._images(model, items, request.get("data"))
        given, output = g.reconstruct(model, images)
        first = "input" if model.kind != "restore" else f"input ({model.config.corruption})"
        rows = [(first, given), ("model", output)] + ([("original", images)] if model.kind == "restore" else [])
        return Output([save_image_rows(rows, self._folder(request) / "reconstruction.png", overwrite=request.force)])

    def plot(self, model, request: Request) -> Output:
        """All pictures of a run. Into RUN/plots by default, which the run owns and which is redrawn; any
        other folder keeps its files unless --force."""
        from musicvae_lite.core.checkpoint import resolve_checkpoint
        from musicvae_lite.image.report import plot_run

        source = Path(model.source)
        run_dir = source if source.is_dir() else resolve_checkpoint(source).parent
        owned = request.out is None
        target = run_dir / "plots" if owned else request.out
        paths, found = plot_run(model, self._data(model, request.get("data")), target,
                                metrics_csv=run_dir / "metrics.csv", overwrite=request.force or owned)
        lines = [f"{found['k']}-NN label accuracy in 2-D: code {found['knn_latent']:.3f}, "
                 f"PCA {found['knn_pca']:.3f}"] if found else []
        return Output(paths, lines)
