"""The generation commands: interpolate, sample, reconstruct, encode, decode, attribute, models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from musicvae_lite.cli.common import user_errors
from musicvae_lite.errors import MvaeError

Model = Annotated[str, typer.Option("--model", "-m", help="A bundled model's name (see `mvae models`), a run folder or a checkpoint.")]
Out = Annotated[Path, typer.Option("--out", "-o", help="Folder for the MIDI, WAV and PNG files (created if needed).")]
Force = Annotated[bool, typer.Option("--force", help="Overwrite files already there.")]
Seed = Annotated[Optional[int], typer.Option(help="Random seed: the same seed gives the same output.")]
SoundFont = Annotated[Optional[Path], typer.Option("--soundfont", help="Render the WAV with FluidSynth and this .sf2 file.")]
ImageData = Annotated[Optional[Path], typer.Option("--data", help="Image runs: the MNIST-format folder for test-set indices (default: the one the run was trained on).")]


def _load(model: str):
    """The model to generate with. Generation runs a handful of sequences: one thread is fastest, and on
    a busy machine a second thread waiting for a busy core can make each LSTM call take a second
    instead of milliseconds (MVAE_THREADS overrides)."""
    import os

    import torch

    from musicvae_lite.music.generate import load_model

    torch.set_num_threads(int(os.environ.get("MVAE_THREADS", "1")))
    return load_model(model)


def _report(paths) -> None:
    for p in paths:
        typer.echo(f"wrote {p}")


def interpolate(
    files: Annotated[list[Path], typer.Argument(help="Two MIDI files (A B), or four for a 2-D grid (corners: top-left, top-right, bottom-left, bottom-right). Images: an image run, then two PNG files or two test-set indices.")],
    n: Annotated[int, typer.Option("-n", help="Melodies from A to B, both included (grid: n x n).")] = 7,
    out: Out = Path("out/interpolate"),
    model: Model = "default",
    temperature: Annotated[float, typer.Option(help="0 decodes greedily (the ends are then the reconstructions of A and B).")] = 0.0,
    seed: Seed = None,
    window: Annotated[int, typer.Option(help="Which window of each file (see `mvae windows FILE`).")] = 0,
    soundfont: SoundFont = None,
    data: ImageData = None,
    force: Force = False,
) -> None:
    """Blend melodies (or images) through the model's latent space (spherical interpolation of their codes)."""
    with user_errors():
        from musicvae_lite.cli import images

        if files and images.family_of(str(files[0])) == "image":
            _report(images.interpolate(str(files[0]), [str(f) for f in files[1:]], n, data, out, force))
            return
        import torch

        from musicvae_lite.core.latent import bilinear_grid
        from musicvae_lite.music import generate as g
        from musicvae_lite.music.outputs import write_melody_set
        from musicvae_lite.music.pianoroll import interpolation_titles

        if len(files) not in (2, 4):
            raise MvaeError(f"give two MIDI files (or four for a grid), got {len(files)}")
        m = _load(model)
        melodies = [g.melody_from_file(m, f, window) for f in files]
        if len(files) == 2:
            result = g.interpolate(m, melodies[0], melodies[1], n, temperature=temperature, seed=seed)
            paths = write_melody_set(out, "interpolation", result, titles=interpolation_titles(n),
                                     soundfont=soundfont, overwrite=force)
        else:
            if n < 2:
                raise MvaeError(f"a grid needs n of at least 2, got {n}")
            codes = torch.from_numpy(g.encode(m, melodies))
            grid = bilinear_grid(codes, n, n).reshape(n * n, -1)
            result = g.decode(m, grid.numpy(), temperature=temperature, seed=seed)
            titles = [f"{r + 1},{c + 1}" for r in range(n) for c in range(n)]
            paths = write_melody_set(out, "grid", result, titles=titles, grid=(n, n), soundfont=soundfont,
                                     overwrite=force)
        _report(paths)


def sample(
    run: Annotated[Optional[str], typer.Argument(help="An image run folder or checkpoint (melodies: a model, like --model).")] = None,
    n: Annotated[int, typer.Option("-n", help="How many melodies (or images).")] = 8,
    temperature: Annotated[float, typer.Option(help="Sampling temperature; 0 decodes greedily.")] = 0.5,
    seed: Seed = None,
    out: Out = Path("out/sample"),
    model: Model = "default",
    soundfont: SoundFont = None,
    force: Force = False,
) -> None:
    """New melodies (or images, from an image VAE) from random codes z ~ N(0, I)."""
    with user_errors():
        from musicvae_lite.cli import images

        if run is not None and images.family_of(run) == "image":
            _report(images.sample(run, n, seed, out, force))
            return
        model = run if run is not None else model
        from musicvae_lite.music import generate as g
        from musicvae_lite.music.outputs import write_melody_set

        m = _load(model)
        _report(write_melody_set(out, "sample", g.sample(m, n, temperature=temperature, seed=seed),
                                 soundfont=soundfont, overwrite=force))


def reconstruct(
    file: Annotated[Path, typer.Argument(help="A MIDI file, or an image run.")],
    images_: Annotated[Optional[list[str]], typer.Argument(metavar="[IMAGES]...", help="Image runs only: PNG files or test-set indices (default: the first 12 test images).")] = None,
    window: Annotated[int, typer.Option(help="Which window (see `mvae windows FILE`).")] = 0,
    out: Out = Path("out/reconstruct"),
    model: Model = "default",
    temperature: Annotated[float, typer.Option(help="0 decodes greedily.")] = 0.0,
    seed: Seed = None,
    soundfont: SoundFont = None,
    data: ImageData = None,
    force: Force = False,
) -> None:
    """Encode a melody (or images) and decode it again: the input and what the model makes of it, side by
    side. Denoising and super-resolution runs show the corrupted input, the restoration and the original."""
    with user_errors():
        from musicvae_lite.cli import images

        if images.family_of(str(file)) == "image":
            _report(images.reconstruct(str(file), images_ or [], data, out, force))
            return
        if images_:
            raise MvaeError(f"reconstruct takes one MIDI file; got extra arguments {' '.join(images_)}")
        import numpy as np

        from musicvae_lite.music import generate as g
        from musicvae_lite.music.outputs import write_melody_set

        m = _load(model)
        original = g.melody_from_file(m, file, window)
        again = g.reconstruct(m, original, temperature=temperature, seed=seed)[0]
        accuracy = float((again == original).mean())
        paths = write_melody_set(out, "reconstruction", np.stack([original, again]), titles=["input", "reconstruction"],
                                 soundfont=soundfont, overwrite=force)
        typer.echo(f"{accuracy:.1%} of the {len(original)} events reconstructed exactly")
        _report(paths)


def encode(
    files: Annotated[list[Path], typer.Argument(help="MIDI files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to save the codes (.npy, float32, one row per window).")],
    window: Annotated[Optional[int], typer.Option(help="Only this window of each file (default: all windows).")] = None,
    model: Model = "default",
    force: Force = False,
) -> None:
    """Latent codes (posterior means) of MIDI melodies, saved as a numpy array."""
    with user_errors():
        import numpy as np

        from musicvae_lite.files import atomic_write
        from musicvae_lite.music import generate as g
        from musicvae_lite.music.extract import ExtractConfig, extract_file

        m = _load(model)
        rows = []
        for f in files:
            if window is not None:
                rows.append(g.melody_from_file(m, f, window)[None])
            else:
                rows.append(extract_file(f, ExtractConfig(bars=m.config.bars)).events)
            typer.echo(f"{f}: {len(rows[-1])} window(s)")
        codes = g.encode(m, np.concatenate(rows))
        atomic_write(out, lambda fh: np.save(fh, codes), overwrite=force)
        typer.echo(f"wrote {out} ({codes.shape[0]} x {codes.shape[1]})")


def decode(
    codes: Annotated[Path, typer.Argument(help="A .npy file of codes (n, z) from `mvae encode`.")],
    out: Out = Path("out/decode"),
    model: Model = "default",
    temperature: Annotated[float, typer.Option(help="0 decodes greedily.")] = 0.0,
    seed: Seed = None,
    soundfont: SoundFont = None,
    force: Force = False,
) -> None:
    """Melodies from latent codes."""
    with user_errors():
        import numpy as np

        from musicvae_lite.music import generate as g
        from musicvae_lite.music.outputs import write_melody_set

        try:
            z = np.load(codes, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise MvaeError(f"{codes}: not a numpy .npy file of codes ({e})") from None
        m = _load(model)
        _report(write_melody_set(out, "decoded", g.decode(m, z, temperature=temperature, seed=seed),
                                 soundfont=soundfont, overwrite=force))


def models() -> None:
    """The bundled models (usable offline with --model NAME)."""
    from musicvae_lite.music.bundled import list_bundled

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
    model: Model = "default",
    limit: Annotated[int, typer.Option(help="At most this many windows (a random subset).")] = 20_000,
    force: Force = False,
) -> None:
    """Mean code of the top quartile minus mean code of the bottom quartile, by attribute value."""
    with user_errors():
        import numpy as np

        from musicvae_lite.files import atomic_write
        from musicvae_lite.music import generate as g
        from musicvae_lite.music.melody_data import load_melody_data

        m = _load(model)
        melodies = load_melody_data(data, m.config.bars)
        events = melodies.train if len(melodies.train) else melodies.eval
        vector = g.attribute_vector_from_data(m, events, name, limit=limit)
        atomic_write(out, lambda f: np.savez(f, vector=vector, attribute=np.array(name), model=np.array(str(model)),
                                             windows=np.int64(min(limit, len(events)))), overwrite=force)
        typer.echo(f"wrote {out}: {name} vector over {min(limit, len(events))} windows, norm {np.linalg.norm(vector):.2f}")


@attribute_app.command("apply")
def attribute_apply(
    file: Annotated[Path, typer.Argument(help="A MIDI file.")],
    vector: Annotated[Path, typer.Argument(help="An attribute vector from `mvae attribute compute`.")],
    amount: Annotated[float, typer.Option(help="How far to move along the vector (-2..2).", min=-2.0, max=2.0)] = 1.0,
    window: Annotated[int, typer.Option(help="Which window of the file.")] = 0,
    out: Out = Path("out/attribute"),
    model: Model = "default",
    soundfont: SoundFont = None,
    force: Force = False,
) -> None:
    """Move a melody along an attribute vector: writes the reconstruction and the moved melody."""
    with user_errors():
        import numpy as np

        from musicvae_lite.music import generate as g
        from musicvae_lite.music.attributes import attribute
        from musicvae_lite.music.outputs import write_melody_set

        try:
            with np.load(vector, allow_pickle=False) as saved:
                vec, name = saved["vector"], str(saved["attribute"])
        except (OSError, ValueError, KeyError) as e:
            raise MvaeError(f"{vector}: not an attribute vector from `mvae attribute compute` ({e})") from None
        m = _load(model)
        melody = g.melody_from_file(m, file, window)
        pair = g.apply_attribute_vector(m, melody, vec, [0.0, amount])
        before, after = (attribute(name, p) for p in pair)
        typer.echo(f"{name}: {before:.3f} (reconstruction) -> {after:.3f} (amount {amount:+g})")
        _report(write_melody_set(out, "attribute", pair, titles=["reconstruction", f"{name} {amount:+g}"],
                                 soundfont=soundfont, overwrite=force))
