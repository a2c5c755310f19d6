"""`mvae train` and `mvae eval`: thin commands over the generic trainer and the evaluators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import EXIT_INTERRUPTED, user_errors
from musicvae_lite.errors import MvaeError


def train(
    config: Annotated[str, typer.Argument(help="Preset name, e.g. mel_2bar_small or mnist_conv_vae (see `mvae presets`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder: checkpoints, metrics.csv, config.json.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="Melodies: a dataset folder from `mvae data build`. Images: a folder of MNIST-format IDX files (default: $MVAE_DATA, then well-known places such as /usr/share/datasets/fashion-mnist).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimizer steps in all (default: the preset's).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Global batch size (default: the preset's).")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps (default: the preset's, auto).")] = None,
    precision: Annotated[Optional[str], typer.Option(help="auto (bf16 where the hardware has it), fp32, bf16 or fp16 (default: the preset's).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the preset's).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its newest checkpoint.")] = False,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a setting: key=value (repeatable).")] = None,
    init_from: Annotated[Optional[str], typer.Option("--init-from", help="Start from this model's weights and settings (a run, checkpoint or bundled model's name): fine-tuning. --set still applies.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a model preset on a dataset. Under torchrun, trains data-parallel (NCCL on GPUs, gloo on CPUs)."""
    with user_errors():
        from musicvae_lite.cli.runs import train_run

        result = train_run(config, data, out, steps=steps, batch_size=batch_size, device=device,
                           precision=precision, seed=seed, resume=resume, assignments=set_ or [],
                           progress=not quiet, init_from=init_from)
        if result is None:
            return
        if result.interrupted:
            typer.echo(f"interrupted at step {result.step}; saved {result.checkpoint}; "
                       f"continue with --resume", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)
        figures = ", ".join(f"{k} {v:.4g}" for k, v in result.eval_metrics.items())
        typer.echo(f"trained {result.step} steps in {result.seconds:.0f} s; eval: {figures}")
        typer.echo(f"checkpoint: {result.checkpoint}")
        from musicvae_lite.cli import images
        from musicvae_lite.image.presets import IMAGE_PRESETS

        if config in IMAGE_PRESETS:  # the pictures of the run, as `mvae plot` draws them
            paths, found = images.plot(str(out), data, None, force=False)
            typer.echo(f"pictures: {', '.join(p.name for p in paths)} in {out / 'plots'}")
            if found:
                typer.echo(f"{found['k']}-NN accuracy in 2-D: code {found['knn_latent']:.3f}, PCA {found['knn_pca']:.3f}")


def evaluate(
    model: Annotated[str, typer.Argument(help="A run folder, a checkpoint file, or a bundled model's name.")],
    data: Annotated[Path, typer.Argument(help="Melodies: a dataset folder (its eval split), an .npz file, or MIDI files/folders. Images: an MNIST-format folder (its official test split).")],
    batch_size: Annotated[int, typer.Option(help="Windows per batch (melodies).")] = 256,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = "auto",
    iwae_k: Annotated[int, typer.Option("--iwae-k", help="Image VAEs: importance samples per image for the IWAE bound (0: skip it).")] = 100,
    limit: Annotated[Optional[int], typer.Option(help="Images: only the first N test images.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line instead of a report.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Melodies: reconstruction accuracy (teacher-forced and free-running greedy), KL bits, per-class accuracy.
    Images: negative ELBO and IWAE bound (VAEs), BCE and PSNR (autoencoders), PSNR against the
    corrupted input's (denoising, super-resolution)."""
    with user_errors():
        from musicvae_lite.cli import images
        from musicvae_lite.cli.runs import eval_run

        if images.family_of(model) == "image":
            figures = images.evaluate(model, data, iwae_k=iwae_k, limit=limit, device=device,
                                      progress=not (quiet or as_json))
            if as_json:
                typer.echo(json.dumps(figures))
            else:
                images.report(figures)
            return

        result, step = eval_run(model, data, batch_size=batch_size, device=device, progress=not (quiet or as_json))
        if as_json:
            typer.echo(json.dumps({"model": model, "step": step, **result.to_json()}))
            return
        groups = result.group_accuracy()
        typer.echo(f"{model} (step {step}) on {result.windows} windows of {data}")
        typer.echo(f"  teacher-forced accuracy   {result.teacher_forced_accuracy:.4f}")
        typer.echo(f"  free-running accuracy     {result.sampled_accuracy:.4f}  (greedy from mu)")
        typer.echo(f"  KL                        {result.kl_bits:.1f} bits per window")
        typer.echo(f"  reconstruction            {result.recon_nats:.2f} nats per window")
        typer.echo("  per class (teacher-forced): " + ", ".join(
            f"{k} {v:.4f}" if v is not None else f"{k} -" for k, v in groups.items()))


def plot(
    run: Annotated[str, typer.Argument(help="An image run folder or checkpoint.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST-format folder (default: the one the run was trained on).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the PNGs (default: RUN/plots, redrawn each time).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PNGs already in --out.")] = False,
) -> None:
    """Pictures of an image run: loss curves, reconstructions or before/after grids, samples, and for 2-D
    codes the latent map beside PCA (with 5-NN accuracies) and the decoder manifold."""
    with user_errors():
        from musicvae_lite.cli import images

        if images.family_of(run) != "image":
            raise MvaeError(f"{run}: `mvae plot` draws image runs; melody commands write their own piano rolls")
        paths, found = images.plot(run, data, out, force)
        for p in paths:
            typer.echo(f"wrote {p}")
        if found:
            typer.echo(f"{found['k']}-NN label accuracy in 2-D: code {found['knn_latent']:.3f}, "
                       f"PCA {found['knn_pca']:.3f}")
