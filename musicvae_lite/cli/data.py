"""`mvae data ...`: build datasets from MIDI (through the family they are for), export music21's corpora to
MIDI, fetch and inspect image data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import user_errors

app = typer.Typer(help="Build melody datasets from MIDI files; export music21's corpora as MIDI; "
                       "fetch and inspect MNIST-format image data.",
                  no_args_is_help=True)


@app.command("build")
def build(
    sources: Annotated[list[str], typer.Argument(help="MIDI files, folders (searched recursively) or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for train.npz, eval.npz, skipped.tsv, summary.json.")],
    family: Annotated[str, typer.Option("--family", help="Which kind of model the data is for (see `mvae presets`).")] = "melody",
    bars: Annotated[Optional[int], typer.Option(help="Window length in bars: 2 for the flat models, 16 for hierarchical ones (default 2).")] = None,
    compat: Annotated[Optional[bool], typer.Option("--compat", help="Reproduce magenta's converter exactly: OneHotMelodyConverter, or DrumsConverter with --family drums (16-step bars only, split at tempo changes).")] = None,
    steps_per_bar: Annotated[Optional[int], typer.Option(help="Melodies: the bar windows are cut in, in 16th-note steps: 16 (4/4, 2/2, 2/4 pairs; default), 12 (3/4, 6/8, 3/8 pairs), 18 (9/8), 24 (12/8, 3/2, 6/4); 0: every meter, one dataset per bar length in OUT/bar16, bar12, bar24, bar18 (what a model that reads the meter trains on).")] = None,
    hop: Annotated[Optional[int], typer.Option(help="Drums: steps from one training window's start to the next (default: a bar); 4 starts one on every beat, four times the training windows. Held-out windows stay on the bar.")] = None,
    workers: Annotated[Optional[int], typer.Option(help="Parallel processes (default: one per CPU).")] = None,
    eval_fraction: Annotated[Optional[float], typer.Option(help="Share of files held out for evaluation (split by file; default 0.1).")] = None,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the train/eval split (default 0).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a dataset already in the output folder.")] = False,
    keep_duplicates: Annotated[Optional[bool], typer.Option("--keep-duplicates", help="Split by file alone: keep held-out windows that occur among the training windows up to transposition, near-duplicate tunes on both sides, and training windows repeated across files.")] = None,
    max_windows_per_file: Annotated[Optional[int], typer.Option(help="Keep at most this many windows of each file, evenly spaced, so long pieces do not outweigh short tunes (default: all).")] = None,
    track: Annotated[Optional[list[str]], typer.Option("--track", help="Melodies: read only the tracks of this name (case-insensitive; repeat for more), e.g. --track MELODY for POP909's sung line, --track MELODY --track BRIDGE for both.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Turn MIDI files into training windows (melodies: MusicVAE's 90-class events, 16 steps per bar)."""
    with user_errors():
        from musicvae_lite import families
        from musicvae_lite.cli.common import report
        from musicvae_lite.core.family import Request

        chosen = families.get(family)
        options = {"bars": bars, "compat": compat, "steps_per_bar": steps_per_bar, "hop": hop, "workers": workers,
                   "eval_fraction": eval_fraction, "seed": seed, "keep_duplicates": keep_duplicates,
                   "max_windows_per_file": max_windows_per_file, "tracks": track or None}
        chosen.check("build_data", options)
        report(chosen.build_data(Request(tuple(sources), out, force, {**options, "progress": not quiet})))


@app.command("corpus")
def corpus(
    name: Annotated[str, typer.Argument(help="Collection: essen (~8,500 folk songs), bach (chorales), mix (every melodic collection, each in its own subfolder; never oneills1850 or ryansMammoth), a music21 corpus name, or pop909 (with PATH: your copy of POP909's song folders).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the MIDI files into.")],
    path: Annotated[Optional[Path], typer.Argument(help="pop909 only: the folder of POP909's song folders (001/, 002/, ...).")] = None,
    limit: Annotated[int | None, typer.Option(help="Export at most this many tunes.")] = None,
    workers: Annotated[int | None, typer.Option(help="Parallel processes (default: one per CPU).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite MIDI files already in the folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Export one of music21's bundled collections as MIDI files (needs `pip install music21`), or import
    POP909 from PATH: each song on its beat grid, its chord labels beside it, info.csv with the split."""
    with user_errors():
        from musicvae_lite.music.corpus import CorpusError, export_corpus

        if name.strip().lower() == "pop909":
            from musicvae_lite.music.pop909 import import_pop909

            if path is None:
                raise CorpusError("pop909 needs the folder of your POP909 copy: mvae data corpus pop909 PATH -o DIR")
            for line in import_pop909(path, out, force=force, limit=limit, progress=not quiet).lines():
                typer.echo(line)
            return
        if path is not None:
            raise CorpusError(f"only pop909 takes a PATH; {name} comes with music21")

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
