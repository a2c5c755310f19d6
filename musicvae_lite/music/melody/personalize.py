"""Make a melody model yours (`mvae personalize FILES... -o mine`; magenta.js's MidiMe): every window of the
given MIDI files, in its own meter, encoded by a base melody model (the bundled `default`, or any bundled or
trained melody model, 2 or 16 bars); a small VAE (midime.py) trained over those codes; saved as a
personalized checkpoint (personal_model.py) that every generation verb takes, with a Markdown card beside it
saying what it was made from and how.

    from musicvae_lite.music.melody.personalize import personalize
    made = personalize(["tune.mid"], "mine")       # mine.pt and mine.md
    made.path, made.summary()

Files that give no window (not MIDI, empty, drums only) are skipped and reported; too few windows in all
is a one-line error saying how many are needed. Nothing is written unless the model is.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError, OverwriteError

MIN_WINDOWS = 10  # copies of them among its samples, mean over 11 files (bench_personalize.py --few): 8 windows 12%,
# 10 4.5%, 12 4.4%, 16 2.5%; 10 lets a 16-bar tune (15 windows, fewer where bars repeat) be made yours
MIDI_SUFFIXES = (".mid", ".midi", ".MID", ".MIDI")


@dataclass
class Personalized:
    """What `personalize` made."""

    path: Path  # the checkpoint
    card: Path  # its Markdown card
    base: str  # the base model's name or path
    windows: int
    meters: dict[str, int]  # meter label -> windows
    files: dict[str, int]  # file -> windows (those that gave some)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)
    seconds: float = 0.0
    terms: dict[str, float] = field(default_factory=dict)  # the last training step's loss terms

    def summary(self) -> str:
        """One line for the page and the command line."""
        meters = ", ".join(f"{n} in {m}" for m, n in sorted(self.meters.items(), key=lambda x: -x[1]))
        return (f"{self.path.name}: {self.base} made yours from {self.windows} windows ({meters}) of "
                f"{len(self.files)} file{'s' if len(self.files) != 1 else ''} in {self.seconds:.1f} s")

    def lines(self) -> list[str]:
        return [f"skipped {f}: {why}" for f, why in self.skipped] + [self.summary(), f"wrote {self.path}",
                                                                     f"wrote {self.card}"]


def output_paths(out: str | Path, force: bool) -> tuple[Path, Path]:
    """The checkpoint and card `-o` names (`mine` and `mine.pt` both give mine.pt and mine.md), checked: an
    OverwriteError when either is there and `force` is not given."""
    out = Path(out)
    path = out if out.suffix == ".pt" else out.with_name(out.name + ".pt")
    card = path.with_suffix(".md")
    for p in (path, card):
        if p.exists() and not force:
            raise OverwriteError(p, keyword="force=True")
        if p.is_dir():
            raise MvaeError(f"{p} is a folder; name the personalized model's file with -o (e.g. -o mine)")
    return path, card


def midi_files(items) -> list[Path]:
    """The files given, each folder replaced by the MIDI files under it (sorted)."""
    found: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            found += sorted(p for p in item.rglob("*") if p.suffix in MIDI_SUFFIXES and p.is_file())
        else:
            found.append(item)
    return found


def read_windows(model, files) -> tuple[list[tuple[np.ndarray, list]], dict[str, int], list[tuple[str, str]]]:
    """Every window of every file with the meter of each: [(windows (n, steps), meters)] per file that gave
    some, {file: windows} and the files skipped with why."""
    from musicvae_lite.music.melody.codec import MELODY

    read, counts, skipped = [], {}, []
    for f in files:
        if not Path(f).is_file():
            skipped.append((str(f), "no such file"))
            continue
        try:
            events, meters = MELODY.read_all_meters(model, f)
        except MvaeError as e:
            skipped.append((str(f), str(e)))
            continue
        if len(events):
            read.append((events, meters))
            counts[str(f)] = len(events)
        else:
            skipped.append((str(f), "no window"))
    return read, counts, skipped


def personalize(files, out: str | Path, *, model: str | Path = "default", epochs: int | None = None,
                beta: float | None = None, force: bool = False, progress: bool = False) -> Personalized:
    """Train a small VAE over the base model's codes of every window of `files` (MIDI files or folders) and
    save it as a personalized model at `out` (.pt added when absent) with a card beside it (.md)."""
    import torch

    from musicvae_lite.music.melody.midime import MidiMeConfig, build_midime, train_midime
    from musicvae_lite.music.melody.personal_model import load_base
    from musicvae_lite.music.sequence_generate import encode_in_meters

    start = time.perf_counter()
    path, card = output_paths(out, force)
    files = midi_files(files)
    if not files:
        raise MvaeError("give MIDI files (or folders of them) to personalize from")
    base, ref = load_base(model)
    read, counts, skipped = read_windows(base, files)
    total = sum(counts.values())
    if total < MIN_WINDOWS:
        why = "; ".join(f"{f}: {w}" for f, w in skipped[:3])
        raise MvaeError(f"{total} {base.config.bars}-bar window{'s' if total != 1 else ''} to learn from; "
                        f"personalizing needs at least {MIN_WINDOWS} (a tune of about {MIN_WINDOWS + base.config.bars - 1} bars, "
                        f"or more files)" + (f" (skipped {why})" if why else ""))
    codes = np.concatenate([encode_in_meters(base, events, meters) for events, meters in read])
    meters = Counter(m.label for _, ms in read for m in ms)
    defaults = MidiMeConfig(code_size=base.z_size)
    cfg = MidiMeConfig(code_size=base.z_size, epochs=defaults.epochs if epochs is None else epochs,
                       beta=defaults.beta if beta is None else beta)
    if cfg.epochs < 1 or cfg.beta < 0:
        raise MvaeError(f"--epochs must be at least 1 and --beta 0 or more, got {cfg.epochs} and {cfg.beta:g}")
    small = build_midime(cfg)
    terms = train_midime(small, torch.from_numpy(codes), cfg, progress=progress)
    made = Personalized(path, card, ref.get("bundled") or str(model), total, dict(meters), counts, skipped,
                        time.perf_counter() - start, terms)
    _save(made, small, cfg, ref, base.reads_meter)
    return made


def _save(made: Personalized, small, cfg, ref: dict, every_meter: bool) -> None:
    """The checkpoint (config, weights, what it was made from) and then its card, each written atomically."""
    from musicvae_lite.core.checkpoint import save_checkpoint
    from musicvae_lite.files import atomic_write
    from musicvae_lite.music.melody.names import FAMILY
    from musicvae_lite.music.melody.personal_model import KEY

    made_from = {"files": dict(made.files), "windows": made.windows,  # the paths as given: names may repeat
                 "meters": made.meters, "skipped": [f for f, _ in made.skipped]}
    meter = max(made.meters.items(), key=lambda x: x[1])[0]
    config = {"task": {"family": FAMILY, "model": {KEY: {"midime": cfg.to_dict(), "base": ref, "meter": meter,
                                                         "made_from": made_from}}}}
    save_checkpoint(made.path, config=config, model=small.state_dict(), step=cfg.epochs, metrics=made.terms)
    text = card_text(made, cfg, meter, every_meter)
    atomic_write(made.card, lambda f: f.write(text.encode()))


def card_text(made: Personalized, cfg, meter: str, every_meter: bool) -> str:
    """The Markdown card beside a personalized model (`every_meter`: its base reads the meter)."""
    files = "\n".join(f"- `{Path(f).name}`: {n} window{'s' if n != 1 else ''}" for f, n in made.files.items())
    skipped = "".join(f"\n- skipped `{Path(f).name}`: {why}" for f, why in made.skipped)
    meters = ", ".join(f"{m}: {n}" for m, n in sorted(made.meters.items(), key=lambda x: -x[1]))
    hint = f" unless asked (`mvae sample --model {made.path.name} --meter 6/8`)" if every_meter else ""
    return f"""# {made.path.stem}: a personalized melody model

Made with `mvae personalize` (magenta.js's MidiMe): a small VAE over the codes of **{made.base}**, trained on
{made.windows} windows of your music. Its samples come from the small VAE's prior, decoded through the base
model; `interpolate` and `vary` move through its {cfg.latent}-dimensional latent.

## Made from
{files}{skipped}

Windows by meter: {meters}. It writes {meter}{hint}.

## How
- base model: {made.base} (codes of {cfg.code_size} numbers); it must stay as it was (its SHA-256 is recorded)
- small VAE: {cfg.code_size} -> {list(cfg.sizes())} -> {cfg.latent} and back (ReLU), unit-Gaussian likelihood
- {cfg.epochs} full-batch Adam epochs, learning rate {cfg.learning_rate:g}, KL weight {cfg.beta:g}, seed {cfg.seed}
- last epoch: loss {made.terms.get('loss', float('nan')):.2f}, KL {made.terms.get('kl_bits', float('nan')):.2f} bits,
  code RMSE {made.terms.get('rmse', float('nan')):.3f}; {made.seconds:.1f} s in all

## Use
    mvae sample --model {made.path.name} -n 8
    mvae interpolate a.mid b.mid --model {made.path.name}
    mvae vary a.mid --model {made.path.name}
"""
