"""`mvae train`, `mvae eval` and `mvae plot`: thin commands over core/runs.py, the trainer, and the
families' evaluators and pictures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import EXIT_INTERRUPTED, Threads, report, user_errors


def train(
    config: Annotated[str, typer.Argument(help="Preset name, e.g. mel_2bar_small or mnist_conv_vae (see `mvae presets`).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Run folder: checkpoints, metrics.csv, config.json.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="Melodies and drums: a dataset folder from `mvae data build` (not MIDI files: build a dataset of them first). Images: a folder of MNIST-format IDX files (default: $MVAE_DATA, then well-known places such as /usr/share/datasets/fashion-mnist).")] = None,
    steps: Annotated[Optional[int], typer.Option(help="Optimizer steps in all (default: the preset's).")] = None,
    batch_size: Annotated[Optional[int], typer.Option(help="Global batch size (default: the preset's).")] = None,
    device: Annotated[Optional[str], typer.Option(help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps (default: the preset's, auto).")] = None,
    precision: Annotated[Optional[str], typer.Option(help="auto (bf16 where the hardware has it), fp32, bf16 or fp16 (default: the preset's).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Random seed (default: the preset's).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its newest checkpoint.")] = False,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="Override a setting: key=value (repeatable).")] = None,
    init_from: Annotated[Optional[str], typer.Option("--init-from", help="Start from this model's weights and settings (a run, checkpoint or bundled model's name): fine-tuning. --set still applies.")] = None,
    warm_start: Annotated[Optional[str], typer.Option("--warm-start", help="Start a new model from the weights of another that fit it, by name and shape (a hierarchical model's bar decoder takes a flat model's decoder); the rest freshly initialized, the preset's settings kept.")] = None,
    threads: Threads = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train a model preset on a dataset. Under torchrun, trains data-parallel (NCCL on GPUs, gloo on CPUs)."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.core.runs import RunRequest, train_run
        from musicvae_lite.core.threads import requested_threads

        family, preset = families.find_preset(config)
        request = RunRequest(out, data, steps, batch_size, device, precision, seed, resume, tuple(set_ or ()),
                             families.checkpoint_path(init_from) if init_from is not None else None,
                             families.checkpoint_path(warm_start) if warm_start is not None else None,
                             requested_threads(threads), progress=not quiet)
        result = train_run(family, preset, request, say=typer.echo)
        if not result.main_process:
            return
        if result.interrupted:
            typer.echo(f"interrupted at step {result.step}; saved {result.checkpoint}; "
                       f"continue with --resume", err=True)
            raise typer.Exit(EXIT_INTERRUPTED)
        if result.trained == 0:
            asked = f"--steps {steps}" if steps is not None else "its own steps"
            typer.echo(f"nothing to do: {out} is already at step {result.step} ({asked}); "
                       f"give a larger --steps to train on")
            return
        figures = ", ".join(f"{k} {v:.4g}" for k, v in result.eval_metrics.items())
        typer.echo(f"trained {result.trained} steps (now at step {result.step}) in {result.seconds:.0f} s; "
                   f"eval: {figures}")
        typer.echo(f"checkpoint: {result.checkpoint}")
        for line in family.after_training(out, data):
            typer.echo(line)


def evaluate(
    model: Annotated[str, typer.Argument(help="A run folder, a checkpoint file, or a bundled model's name.")],
    data: Annotated[Path, typer.Argument(help="Melodies and drums: a dataset folder (its eval split; drums: its test split when it has one), or MIDI files/folders (melodies: also an .npz file). Images: an MNIST-format folder (its official test split).")],
    batch_size: Annotated[Optional[int], typer.Option(help="Examples per batch (default: 256 windows, 500 images).")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu, cuda, cuda:N or mps.")] = "auto",
    iwae_k: Annotated[Optional[int], typer.Option("--iwae-k", help="Image VAEs: also the IWAE bound with this many importance samples per image (100 is the usual figure; about 12 minutes for the 10,000 Fashion-MNIST test images on a CPU, where the default evaluation takes under a minute). Default: skip it.")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Only the first N held-out windows or test images.")] = None,
    unseen_by: Annotated[Optional[Path], typer.Option("--unseen-by", help="Melodies: leave out held-out windows from files in this dataset's "
                                                  "training split (what the model a warm start took weights from learned).")] = None,
    threads: Threads = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON line instead of a report.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Melodies: reconstruction accuracy (teacher-forced and free-running greedy), KL bits, per-class accuracy.
    Images: negative ELBO (and, with --iwae-k, the IWAE bound) of VAEs, BCE and PSNR of autoencoders, PSNR
    against the corrupted input's (denoising, super-resolution)."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.core.threads import requested_threads, use_threads

        options = {"batch_size": batch_size, "iwae_k": iwae_k, "limit": limit, "unseen_by": unseen_by}
        wanted = requested_threads(threads)
        loaded = families.load(model)
        loaded.family.verbs_for(loaded.model).check_eval(options)  # before the threads and the data
        use_threads(wanted)
        result = families.evaluate(loaded, data, device=device, progress=not (quiet or as_json), options=options)
        if as_json:
            typer.echo(json.dumps(result.figures))
        else:
            for line in result.lines:
                typer.echo(line)


def plot(
    run: Annotated[str, typer.Argument(help="An image run folder or checkpoint.")],
    data: Annotated[Optional[Path], typer.Option("--data", help="MNIST-format folder (default: the one the run was trained on).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the PNGs (default: RUN/plots, redrawn each time).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite PNGs already in --out.")] = False,
) -> None:
    """Pictures of an image run: loss curves, reconstructions or before/after grids, samples, and for 2-D
    codes the latent map beside PCA (with 5-NN accuracies) and the decoder manifold."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.cli.common import generation_threads
        from musicvae_lite.core.family import Request

        loaded = families.load(run)
        loaded.family.check("plot", {"data": data})
        generation_threads()
        report(loaded.family.plot(loaded.model, Request(out=out, force=force, options={"data": data})))

