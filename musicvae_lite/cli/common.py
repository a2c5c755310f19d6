"""What every command shares: one-line errors and exit codes, the options several commands take, loading
the model a command names (through the registry), and printing what a verb did."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.errors import MvaeError, OverwriteError

EXIT_USER_ERROR = 2  # bad input or an impossible request
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it



def model_option(default: str):
    """The --model option of a command whose default model is `default` (said in its help)."""
    return Annotated[Optional[str], typer.Option(
        "--model", "-m", help="A bundled model's name (see `mvae models`), a run folder or a checkpoint "
        f"(default: {default}). A run may also come first among the arguments.")]


Model = model_option("the bundled `default` melody model")
Force = Annotated[bool, typer.Option("--force", help="Overwrite files already there.")]
Seed = Annotated[Optional[int], typer.Option(help="Random seed: the same seed gives the same output.")]
SoundFont = Annotated[Optional[Path], typer.Option("--soundfont", help="Render the WAV with FluidSynth and this "
                                                   ".sf2 file (drums: its percussion kit).")]
ImageData = Annotated[Optional[Path], typer.Option("--data", help="Image runs: the MNIST-format folder for "
                                                   "test-set indices (default: the one the run was trained on).")]
Qpm = Annotated[Optional[float], typer.Option(
    "--qpm", help="Tempo of what is written, in quarter notes a minute (default: the input's tempo, or its tempo "
    "map for groove / drumify; 120 without an input).")]
Program = Annotated[Optional[int], typer.Option(
    "--program", help="General MIDI instrument of the melodies written, 0..127 (default: the input's; piano "
    "without an input).")]
MeterOption = Annotated[Optional[str], typer.Option(
    "--meter", help="Time signature of the melodies written, e.g. 3/4, 6/8, 9/8, 12/8, 3/2 (default 4/4), for a "
    "model that reads the meter (the bundled default).")]
Threads = Annotated[Optional[str], typer.Option(
    "--threads", help="CPU threads for torch: auto (one per core other programs leave free, re-measured "
    "while training) or a number (default: $MVAE_THREADS, else auto).")]


@contextmanager
def user_errors() -> Iterator[None]:
    """Run a command body; a user-caused error becomes `error: ...` and exit code 2, Ctrl-C exit 130."""
    try:
        yield
    except OverwriteError as e:
        typer.echo(f"error: {e.path} already exists{e.detail}; use --force to overwrite it{e.hint}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except MvaeError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def generation_threads() -> None:
    """Generation runs a handful of sequences: one thread is fastest, and on a busy machine a second
    thread waiting for a busy core can make each LSTM call take a second instead of milliseconds
    ($MVAE_THREADS overrides)."""
    import os

    from musicvae_lite.core.threads import ENV, use_threads

    try:
        use_threads(os.environ.get(ENV, "1"))
    except ValueError:
        raise MvaeError(f"${ENV} must be 'auto' or a positive number, got {os.environ[ENV]!r}") from None


def model_and_inputs(items: list, model: str | None, default: str = "default"):
    """The model a generation command names and its remaining inputs: a run (or bundled name, or
    checkpoint) given first among the arguments, else --model, else the bundled `default`; loaded once
    through the registry."""
    from musicvae_lite import families

    items = [str(i) for i in items]
    if items and families.is_model(items[0]):
        if model is not None:
            raise MvaeError(f"two models given: {items[0]} and --model {model}; give one")
        model, items = items[0], items[1:]
    generation_threads()
    return families.load(model or default), items


def report(output) -> None:
    for line in output.lines:
        typer.echo(line)
    for p in output.paths:
        typer.echo(f"wrote {p}")
