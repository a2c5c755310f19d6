"""The generation commands: interpolate, sample, reconstruct, encode, decode, attribute, models. Each
parses its arguments, asks the registry for the model, and calls the verb of the model's family."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import (ImageData, Force, MeterOption, Model, Program, Qpm, Seed, SoundFont, model_and_inputs,
                                      model_option, report, user_errors)
from musicvae_lite.errors import MvaeError

Out = Annotated[Path, typer.Option("--out", "-o", help="Folder for the MIDI, WAV and PNG files (created if needed).")]
Temperature = Annotated[Optional[float], typer.Option(
    help="Melodies: 0 decodes greedily, higher samples more freely (default: 0, for sample and continue 0.5).")]
Window = Annotated[Optional[list[int]], typer.Option(
    help="Which window of each file (see `mvae windows FILE`; default 0): once for all the files, or once per "
    "file in their order (--window 2 --window 5).")]
GrooveModel = model_option("the bundled `groove` model")
Humanize = Annotated[bool, typer.Option(
    "--humanize", help="Drum VAE: play the result with a drummer's timing and velocities (the bundled `groove` "
    "model).")]
Feel = Annotated[Optional[str], typer.Option(
    help="A drum performance (MIDI) whose timing and dynamics to play with (implies --humanize for the drum VAE).")]
DrumifyModel = model_option("the bundled `drumify` model")
Chords = Annotated[Optional[str], typer.Option(
    "--chords", help='Melodies: write them over these chords, e.g. "C G Am F" (one a bar), "C G | Am F" (| between '
    'bars), "C:2 G:2" (beats), or a chord file in POP909\'s format; repeated or cut to fit, with a notice. Needs a '
    'model that reads chords (default with --chords: the bundled `chords`).')]
CHORD_MODEL = "chords"  # the bundled model a command with --chords and no --model uses
ChordWeight = Annotated[Optional[float], typer.Option(
    "--chord-weight", help="With --chords: how strongly to follow them; 1 decodes as the model does, more follows "
    "the chords' tones more (classifier-free guidance), 0 ignores them.")]


def _run(verb, items, model: str | None, out: Path | None, force: bool, *, default: str = "default",
         **options) -> None:
    """Load the model (`default`: the bundled one to use when none is named), check that its family
    does `verb` (a name, or a function of the inputs that names it) with these options, and do it."""
    from musicvae_lite import families
    from musicvae_lite.core.family import Request

    loaded, inputs = model_and_inputs(items or [], model, default)
    if callable(verb):
        verb = verb(inputs)
    report(families.run(loaded, verb, Request(tuple(inputs), out, force, options)))


def interpolate(
    files: Annotated[list[str], typer.Argument(help="Two MIDI files (A B), or four for a 2-D grid (corners: top-left, top-right, bottom-left, bottom-right). Images: a run, then two (or four) PNG files or test-set indices.")],
    n: Annotated[Optional[int], typer.Option("-n", help="Steps from A to B, both included (grid: n x n; default 7).")] = None,
    out: Out = Path("out/interpolate"),
    model: Model = None,
    temperature: Temperature = None,
    seed: Seed = None,
    window: Window = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    data: ImageData = None,
    humanize: Humanize = False,
    feel: Feel = None,
    chords: Chords = None,
    chord_weight: ChordWeight = None,
    force: Force = False,
) -> None:
    """Blend melodies (or images) through the model's latent space (spherical interpolation of their codes);
    with --chords, every step of the blend is written over the same chords."""
    with user_errors():
        _run(lambda inputs: "grid" if len(inputs) == 4 else "interpolate", files, model, out, force, n=n,
             temperature=temperature, seed=seed, window=window, soundfont=soundfont, qpm=qpm, program=program,
             data=data, humanize=humanize or None, feel=feel, chords=chords, chord_weight=chord_weight,
             default=CHORD_MODEL if chords else "default")


GrooveTemperature = Annotated[Optional[float], typer.Option(
    help="0 decodes greedily (default), higher samples the hits more freely.")]


def groove(
    files: Annotated[list[str], typer.Argument(help="MIDI files with drums (quantized or programmed beats), each "
                                               "played whole; a model may come first.")],
    out: Out = Path("out/groove"),
    model: GrooveModel = None,
    feel: Feel = None,
    temperature: GrooveTemperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    force: Force = False,
) -> None:
    """Humanize beats (GrooVAE): the same hits with a drummer's timing and dynamics, as MIDI, WAV and a
    drum-grid picture (default model: the bundled `groove`); with --feel, the timing and dynamics of that
    performance (groove transfer)."""
    with user_errors():
        _run("convert", files, model, out, force, default="groove", as_view="humanize", feel=feel,
             temperature=temperature, seed=seed, soundfont=soundfont, qpm=qpm)


def drumify(
    files: Annotated[list[str], typer.Argument(help="MIDI files of any kind (a melody, a bass line, a tapped "
                                               "rhythm): the onsets of all their notes are the rhythm; a model "
                                               "may come first.")],
    out: Out = Path("out/drumify"),
    model: DrumifyModel = None,
    temperature: GrooveTemperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    force: Force = False,
) -> None:
    """A drum beat from the rhythm of any MIDI file (GrooVAE tap2drum), as MIDI, WAV and a drum-grid
    picture (default model: the bundled `drumify`)."""
    with user_errors():
        _run("convert", files, model, out, force, default="drumify", as_view="drumify", temperature=temperature,
             seed=seed, soundfont=soundfont, qpm=qpm)


def sample(
    run: Annotated[Optional[str], typer.Argument(help="The model (like --model): a run folder, checkpoint or bundled name.")] = None,
    n: Annotated[Optional[int], typer.Option("-n", help="How many melodies (or images; default 8).")] = None,
    temperature: Temperature = None,
    seed: Seed = None,
    out: Out = Path("out/sample"),
    model: Model = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    meter: MeterOption = None,
    humanize: Humanize = False,
    feel: Feel = None,
    chords: Chords = None,
    chord_weight: ChordWeight = None,
    force: Force = False,
) -> None:
    """New melodies (or images, from an image VAE) from random codes z ~ N(0, I); with --chords, over them."""
    with user_errors():
        if run is not None and model is not None:
            raise MvaeError(f"two models given: {run} and --model {model}; give one")
        _run("sample", [], run if run is not None else model, out, force, n=n, temperature=temperature,
             seed=seed, soundfont=soundfont, qpm=qpm, program=program, meter=meter, humanize=humanize or None,
             feel=feel, chords=chords, chord_weight=chord_weight, default=CHORD_MODEL if chords else "default")


def reconstruct(
    items: Annotated[list[str], typer.Argument(metavar="[RUN] ITEMS...", help="A MIDI file; or an image run, then PNG files or test-set indices (default: the first 12 test images).")],
    window: Window = None,
    out: Out = Path("out/reconstruct"),
    model: Model = None,
    temperature: Temperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    data: ImageData = None,
    humanize: Humanize = False,
    feel: Feel = None,
    chords: Chords = None,
    force: Force = False,
) -> None:
    """Encode a melody (or images) and decode it again: the input and what the model makes of it, side by
    side (with --chords, read and written over them). Denoising and super-resolution runs show the corrupted
    input, the restoration and the original."""
    with user_errors():
        _run("reconstruct", items, model, out, force, window=window, temperature=temperature, seed=seed,
             soundfont=soundfont, qpm=qpm, program=program, data=data, humanize=humanize or None, feel=feel,
             chords=chords, default=CHORD_MODEL if chords else "default")


def vary(
    file: Annotated[str, typer.Argument(help="A MIDI file (a melody, or a beat with --model drums).")],
    n: Annotated[Optional[int], typer.Option("-n", help="How many variations (default 8).")] = None,
    amount: Annotated[Optional[float], typer.Option(help="How far from the input: the share of the way from its code to a random one, 0..1 (default 0.3).")] = None,
    window: Window = None,
    out: Out = Path("out/vary"),
    model: Model = None,
    temperature: Temperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    humanize: Humanize = False,
    feel: Feel = None,
    force: Force = False,
) -> None:
    """Variations of a melody near its code: the input and n variations, as MIDI, WAV and one piano roll."""
    with user_errors():
        _run("vary", [file], model, out, force, n=n, amount=amount, window=window, temperature=temperature,
             seed=seed, soundfont=soundfont, qpm=qpm, program=program, humanize=humanize or None, feel=feel)


def continue_(
    file: Annotated[str, typer.Argument(help="A MIDI file whose melody is the primer: 1 to 16 bars (1 to 2 with a 2-bar model), or a longer one with --window K (a passage of the model's length).")],
    bars: Annotated[Optional[int], typer.Option(help="Bars to write after the primer (default: the rest of the model's window, so that the primer and its continuation make one 16-bar piece).")] = None,
    n: Annotated[Optional[int], typer.Option("-n", help="How many continuations (default 4).")] = None,
    window: Window = None,
    out: Out = Path("out/continue"),
    model: Annotated[Optional[str], typer.Option(help="A melody model (default: the bundled `melody_16bar`, which infills a 16-bar piece after the primer).")] = None,
    temperature: Temperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    humanize: Humanize = False,
    feel: Feel = None,
    force: Force = False,
) -> None:
    """Continue a melody: the bars after the primer, in its meter and key (continued.mid: primer and
    continuation; continuation.mid: the new bars alone), as MIDI, WAV and piano rolls."""
    with user_errors():
        _run("continue", [file], model, out, force, default="melody_16bar", bars=bars, n=n, window=window,
             temperature=temperature, seed=seed, soundfont=soundfont, qpm=qpm, program=program,
             humanize=humanize or None, feel=feel)


def encode(
    files: Annotated[list[str], typer.Argument(help="MIDI files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the codes (.npy, float32, one row per window).")],
    window: Annotated[Optional[list[int]], typer.Option(help="Only this window of each file, or one per file in "
                                                        "their order (default: all windows of melodies, "
                                                        "window 0 of beats).")] = None,
    model: Model = None,
    force: Force = False,
) -> None:
    """Latent codes (posterior means) of MIDI melodies, saved as a numpy array."""
    with user_errors():
        _run("encode", files, model, out, force, window=window)


def decode(
    codes: Annotated[list[str], typer.Argument(metavar="CODES", help="A .npy file of codes (n, z) from `mvae encode`.")],
    out: Out = Path("out/decode"),
    model: Model = None,
    temperature: Temperature = None,
    seed: Seed = None,
    soundfont: SoundFont = None,
    qpm: Qpm = None,
    program: Program = None,
    meter: MeterOption = None,
    humanize: Humanize = False,
    feel: Feel = None,
    chords: Chords = None,
    force: Force = False,
) -> None:
    """Melodies from latent codes (with --chords, over them)."""
    with user_errors():
        _run("decode", codes, model, out, force, temperature=temperature, seed=seed, soundfont=soundfont, qpm=qpm,
             program=program, meter=meter, humanize=humanize or None, feel=feel, chords=chords,
             default=CHORD_MODEL if chords else "default")


def models() -> None:
    """The bundled models (usable offline with --model NAME)."""
    from musicvae_lite.families import list_bundled

    found = list_bundled()
    if not found:
        typer.echo("no bundled model in this installation")
    for name, path, card in found:
        typer.echo(f"{name:<10} {path}" + (f"  (model card: {card})" if card else ""))


attribute_app = typer.Typer(help="Latent attribute vectors: compute one from data, apply it to a melody.",
                            no_args_is_help=True)


@attribute_app.command("compute")
def attribute_compute(
    name: Annotated[str, typer.Argument(help="note_density, mean_pitch, mean_interval, syncopation, pitch_range or note_count.")],
    data: Annotated[Path, typer.Option("--data", help="A dataset folder from `mvae data build` (its train split), or MIDI files/folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the vector (.npz).")],
    model: Model = None,
    limit: Annotated[int, typer.Option(help="At most this many windows (a random subset).")] = 20_000,
    force: Force = False,
) -> None:
    """Mean code of the top quartile minus mean code of the bottom quartile, by attribute value."""
    with user_errors():
        _run("attribute", [], model, out, force, action="compute", name=name, data=data, limit=limit)


@attribute_app.command("apply")
def attribute_apply(
    file: Annotated[str, typer.Argument(help="A MIDI file.")],
    vector: Annotated[str, typer.Argument(help="An attribute vector the model carries, by name (the bundled default: note_density, mean_pitch, mean_interval, syncopation, pitch_range, note_count), or a file from `mvae attribute compute`.")],
    amount: Annotated[float, typer.Option(help="How far to move along the vector (-2..2).")] = 1.0,
    window: Window = None,
    out: Out = Path("out/attribute"),
    model: Model = None,
    soundfont: SoundFont = None,
    force: Force = False,
) -> None:
    """Move a melody along an attribute vector: writes the reconstruction and the moved melody."""
    with user_errors():
        _run("attribute", [file], model, out, force, action="apply", vector=vector, amount=amount, window=window,
             soundfont=soundfont)
