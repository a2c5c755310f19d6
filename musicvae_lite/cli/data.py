"""`mvae data ...`: build melody datasets from MIDI, export music21's corpora to MIDI, fetch and inspect image data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from musicvae_lite.cli.common import user_errors

app = typer.Typer(help="Build melody datasets from MIDI files; export music21's corpora as MIDI; "
                       "fetch and inspect MNIST-format image data.",
                  no_args_is_help=True)


@app.command("build")
def build(
    sources: Annotated[list[str], typer.Argument(help="MIDI files, folders (searched recursively) or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for train.npz, eval.npz, skipped.tsv, summary.json.")],
    bars: Annotated[int, typer.Option(help="Window length in bars: 2 for the flat models, 16 for hierarchical ones.")] = 2,
    compat: Annotated[bool, typer.Option("--compat", help="Reproduce magenta's OneHotMelodyConverter exactly (4/4 only, split at tempo changes).")] = False,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per CPU).")] = None,
    eval_fraction: Annotated[float, typer.Option(help="Share of files held out for evaluation (split by file).")] = 0.1,
    seed: Annotated[int, typer.Option(help="Seed of the train/eval split.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace a dataset already in the output folder.")] = False,
    keep_duplicates: Annotated[bool, typer.Option("--keep-duplicates", help="Split by file alone: keep held-out windows that occur among the training windows up to transposition, and near-duplicate tunes on both sides.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Turn MIDI files into MusicVAE melody windows (90-class events, 16 steps per bar)."""
    with user_errors():
        from musicvae_lite.music.melody.dataset import DatasetError, build_dataset
        from musicvae_lite.music.melody.extract import ExtractConfig

        if bars < 1:
            raise DatasetError(f"--bars must be at least 1, got {bars}")
        summary = build_dataset(sources, out, ExtractConfig(bars=bars, compat=compat),
                                eval_fraction=eval_fraction, seed=seed, workers=workers, force=force,
                                progress=not quiet, clean=not keep_duplicates)
        for line in summary.lines():
            typer.echo(line)


@app.command("corpus")
def corpus(
    name: Annotated[str, typer.Argument(help="Collection: essen (~8,500 folk songs), bach (chorales), or a music21 corpus name.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the MIDI files into.")],
    limit: Annotated[int | None, typer.Option(help="Export at most this many tunes.")] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per CPU).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite MIDI files already in the folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Export one of music21's bundled collections as MIDI files (needs `pip install music21`)."""
    with user_errors():
        from musicvae_lite.music.corpus import export_corpus

        report = export_corpus(name, out, limit=limit, workers=workers, force=force, progress=not quiet)
        typer.echo(f"{out}: {report.summary()}")
        if report.skipped:
            typer.echo(f"skipped tunes and reasons: {out}/skipped.txt")


@app.command("fetch")
def fetch(
    name: Annotated[str, typer.Argument(help="Image data set: fashion-mnist or mnist.")],
    folder: Annotated[Path, typer.Argument(help="Folder to download the four .gz IDX files into.")],
    force: Annotated[bool, typer.Option("--force", help="Replace files there whose MD5 is not the official one.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Download MNIST or Fashion-MNIST and check each file against its official MD5."""
    with user_errors():
        from musicvae_lite.image.datasets import fetch as fetch_data

        for path in fetch_data(name, folder, progress=not quiet, force=force, say=typer.echo):
            typer.echo(f"wrote {path}")


@app.command("info")
def info(
    folder: Annotated[Path | None, typer.Argument(
        help="Folder of MNIST-format IDX files (default: $MVAE_DATA, then the usual places).")] = None,
) -> None:
    """Say where the image data was found and what it holds: name, split sizes, image shape, pixel mean."""
    with user_errors():
        from musicvae_lite.image.datasets import load_image_data

        for line in load_image_data(folder).summary():
            typer.echo(line)
