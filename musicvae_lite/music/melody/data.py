"""Melody windows for training and evaluation: a dataset folder from `mvae data build` (or MIDI files
read on the spot) as event arrays, and MusicVAE's training-time transposition.

Transposition follows magenta's `NoteSequenceAugmenter(transpose_range=(-5, 5))` for the 2-bar
models, applied to event tensors: each window is shifted by a random number of semitones drawn
uniformly from the shifts that keep all its notes in 21..108 (magenta drops notes pushed out of
range instead; choosing among in-range shifts keeps every window whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.encoding import NUM_CLASSES, NUM_SPECIAL


@dataclass
class MelodyData:
    """Windows as (N, steps) uint8 arrays."""

    train: np.ndarray
    eval: np.ndarray
    source: str  # where they came from, for messages
    eval_collections: np.ndarray | None = None  # (N_eval,) str: the collection each held-out window is from
    eval_files: np.ndarray | None = None  # (N_eval,) str: the source file of each held-out window, where known
    train_meter: np.ndarray | None = None  # (N_train,) str: each window's meter ("3/4"), where known
    eval_meter: np.ndarray | None = None  # (N_eval,) str
    train_chords: np.ndarray | None = None  # (N_train, steps) uint8 chord classes (music/chords.py), where given
    eval_chords: np.ndarray | None = None  # (N_eval, steps) uint8

    @property
    def steps(self) -> int:
        return self.train.shape[1] if len(self.train) else self.eval.shape[1]


def _load_split(path: Path) -> np.ndarray:
    try:
        with np.load(path, allow_pickle=False) as data:
            events = data["events"]
    except (OSError, ValueError, KeyError) as e:
        raise MvaeError(f"{path}: not a melody dataset file ({e})") from None
    if events.ndim != 2 or events.dtype != np.uint8 or (events.size and events.max() >= NUM_CLASSES):
        raise MvaeError(f"{path}: events must be an (N, steps) uint8 array of classes 0..{NUM_CLASSES - 1}")
    return events


def _meters(path: Path, n: int) -> np.ndarray:
    """Each window's meter label: the dataset's `window_meter`, else the meter its bar length is written in
    (16 steps: 4/4, as every dataset built before meters were recorded)."""
    from musicvae_lite.music.meter import meter_for

    try:
        with np.load(path, allow_pickle=False) as data:
            if "window_meter" in data.files and len(data["window_meter"]) == n:
                return data["window_meter"].astype(str)
            bar = int(data["steps_per_bar"]) if "steps_per_bar" in data.files else 16
    except (OSError, ValueError, KeyError):
        bar = 16
    return np.full(n, meter_for(bar).label)


def _chords(path: Path, n: int) -> np.ndarray | None:
    """Each window's chord per step: the dataset's `window_chords` (N, steps) uint8 (`mvae data build` of files
    with chord files beside them), None when it has none."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "window_chords" in data.files and len(data["window_chords"]) == n:
                return data["window_chords"].astype(np.uint8)
    except (OSError, ValueError, KeyError):
        pass
    return None


def _collections(path: Path) -> np.ndarray | None:
    """Each window's collection: the first folder of its source file below the folder all the dataset's
    files share (`mvae data corpus mix` puts one collection in each); None when there is only one."""
    import os

    try:
        with np.load(path, allow_pickle=False) as data:
            files, index = data["files"], data["file_index"]
    except (OSError, ValueError, KeyError):
        return None
    if not len(files):
        return None
    root = os.path.commonpath([os.path.dirname(str(f)) for f in files])
    names = np.array([os.path.relpath(str(f), root).split(os.sep)[0] if os.sep in os.path.relpath(str(f), root)
                      else "" for f in files])
    labels = names[index]
    return labels if len(set(labels.tolist())) > 1 else None


def window_files(path: Path) -> np.ndarray | None:
    """The source file of each window of a dataset split (.npz from `mvae data build`), None where it does
    not say."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return np.asarray(data["files"]).astype(str)[data["file_index"]]
    except (OSError, ValueError, KeyError, IndexError):
        return None


def unseen_by(data: MelodyData, other: str | Path) -> tuple[MelodyData, int]:
    """`data` without the held-out windows whose source file is in the training split of the dataset
    `other` (the files a model started from another's weights has already learned from: a warm start's
    source), and how many windows were left out. Files are matched by path, as `mvae data build` records
    them."""
    train = Path(other) / "train.npz"
    if not train.is_file():
        raise MvaeError(f"{other}: not a dataset folder (no train.npz)")
    seen = window_files(train)
    if seen is None:
        raise MvaeError(f"{train} does not record its source files; rebuild it with `mvae data build`")
    if data.eval_files is None:
        raise MvaeError(f"{data.source} does not record the source files of its held-out windows")
    keep = ~np.isin(data.eval_files, np.unique(seen))
    collections = data.eval_collections[keep] if data.eval_collections is not None else None
    meters = data.eval_meter[keep] if data.eval_meter is not None else None
    chords = data.eval_chords[keep] if data.eval_chords is not None else None
    return (MelodyData(data.train, data.eval[keep], data.source, collections, data.eval_files[keep],
                       data.train_meter, meters, data.train_chords, chords), int((~keep).sum()))


def load_melody_data(source: str | Path, bars: int, steps_per_bar: int | None = 16) -> MelodyData:
    """A dataset folder (train.npz + eval.npz), one .npz file (all used for eval), or MIDI files and
    folders (extracted now, all used for eval); windows must be `bars` bars of `steps_per_bar` steps
    (None: of any bar length the extraction reads, the same for all; MIDI files are then read in their
    own meter)."""
    src = Path(source)
    empty = np.zeros((0, bars * (steps_per_bar or 16)), np.uint8)
    if (src / "train.npz").exists() or (src / "eval.npz").exists():
        train = _load_split(src / "train.npz") if (src / "train.npz").exists() else empty
        evals = _load_split(src / "eval.npz") if (src / "eval.npz").exists() else empty
        data = MelodyData(train, evals, str(src), _collections(src / "eval.npz") if len(evals) else None,
                          window_files(src / "eval.npz") if len(evals) else None,
                          _meters(src / "train.npz", len(train)), _meters(src / "eval.npz", len(evals)),
                          _chords(src / "train.npz", len(train)), _chords(src / "eval.npz", len(evals)))
    elif src.suffix == ".npz" and src.is_file():
        evals = _load_split(src)
        data = MelodyData(empty, evals, str(src), eval_meter=_meters(src, len(evals)), eval_chords=_chords(src, len(evals)))
    elif src.exists():
        data = _read_midi_files(src, bars, steps_per_bar)
    else:
        raise MvaeError(f"{src}: no such dataset, file or folder")
    if steps_per_bar is None:
        from musicvae_lite.music.melody.extract import BAR_GROUPS

        if data.steps % bars or data.steps // bars not in BAR_GROUPS:
            raise MvaeError(f"{src} holds windows of {data.steps} steps, which are not {bars} bars of a meter")
    elif data.steps != bars * steps_per_bar:
        raise MvaeError(f"{src} holds windows of {data.steps} steps; this model needs {bars} bars of {steps_per_bar} "
                        f"(build the data with --bars {bars}" + (f" --steps-per-bar {steps_per_bar})" if steps_per_bar
                                                                 != 16 else ")"))
    return data


def _read_midi_files(src: Path, bars: int, steps_per_bar: int | None, *, every_length: bool = False):
    """MIDI files and folders extracted now, all for evaluation (in their own meter when `steps_per_bar` is None:
    the meter most files are in is kept, so that the windows have one length; with `every_length`, a list of
    one MelodyData per window length instead)."""
    from musicvae_lite.music.melody.dataset import collect_sources, extract_many
    from musicvae_lite.music.melody.extract import ExtractConfig

    files, problems = collect_sources([str(src)])
    results = extract_many(files, ExtractConfig(bars=bars, steps_per_bar=steps_per_bar or 0), progress=False)
    got = [r for r in results if r.events is not None]
    if got and every_length:
        lengths = sorted({r.events.shape[1] for r in got})
        return [_eval_only([r for r in got if r.events.shape[1] == n], src) for n in lengths]
    if got and steps_per_bar is None:
        from collections import Counter

        length = Counter(r.events.shape[1] for r in got).most_common(1)[0][0]
        got = [r for r in got if r.events.shape[1] == length]
    if not got:
        reasons = [f"{r.path}: {r.reason}" for r in problems + [r for r in results if r.events is None]]
        raise MvaeError(reasons[0] if len(reasons) == 1 else f"no {bars}-bar melody in {src} "
                        f"({len(reasons)} files, none usable)")
    return _eval_only(got, src)


def _eval_only(results, src: Path) -> MelodyData:
    """Extraction results of one window length as held-out windows, each with its meter."""
    events = np.concatenate([r.events for r in results])
    meters = np.concatenate([r.context["window_meter"] for r in results]).astype(str)
    chords = None
    if any(getattr(r, "chords", None) is not None for r in results):  # files with chord files beside them
        from musicvae_lite.music.chord_controls import unknown_chords

        chords = np.concatenate([r.chords if r.chords is not None else unknown_chords(*r.events.shape)
                                 for r in results])
    return MelodyData(np.zeros((0, events.shape[1]), np.uint8), events, str(src), eval_meter=meters,
                      eval_chords=chords)


def load_melody_groups(source: str | Path, bars: int) -> list[MelodyData]:
    """The windows of a model that reads every meter, one `MelodyData` per window length: a dataset folder of
    one bar length, or a folder of such folders (`mvae data build --steps-per-bar 0` writes one per bar
    length: bar16/, bar12/, bar24/, bar18/), longest group first."""
    src = Path(source)
    subs = sorted(p for p in src.iterdir() if (p / "train.npz").exists() or (p / "eval.npz").exists()) \
        if src.is_dir() and not (src / "train.npz").exists() and not (src / "eval.npz").exists() else []
    if subs:
        groups = [load_melody_data(p, bars, None) for p in subs]
    elif src.exists() and src.suffix != ".npz" and not (src / "train.npz").exists() and not (src / "eval.npz").exists():
        groups = _read_midi_files(src, bars, None, every_length=True)  # MIDI files: each in its own meter
    else:
        groups = [load_melody_data(src, bars, None)]
    by_steps: dict[int, list[MelodyData]] = {}
    for g in groups:
        by_steps.setdefault(g.steps, []).append(g)
    merged = [g[0] if len(g) == 1 else _merge(g, str(src)) for g in by_steps.values()]
    return sorted(merged, key=lambda g: -len(g.train))


def _merge(groups: list[MelodyData], source: str) -> MelodyData:
    def cat(name):
        parts = [getattr(g, name) for g in groups]
        return None if any(p is None for p in parts) else np.concatenate(parts)

    def chords(name, windows):  # a group without chords gives UNKNOWN steps beside one with them
        parts = [getattr(g, name) for g in groups]
        if all(p is None for p in parts):
            return None
        from musicvae_lite.music.chord_controls import unknown_chords

        return np.concatenate([p if p is not None else unknown_chords(*getattr(g, windows).shape)
                               for p, g in zip(parts, groups)])

    return MelodyData(cat("train"), cat("eval"), source, cat("eval_collections"), cat("eval_files"),
                      cat("train_meter"), cat("eval_meter"), chords("train_chords", "train"),
                      chords("eval_chords", "eval"))


def transpose(events: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each window's pitches by a random number of semitones in [-max_shift, max_shift] that keeps
    every note in range. events: (B, T) int64 classes."""
    return transpose_with_shift(events, max_shift, generator)[0]


def transpose_with_shift(events: Tensor, max_shift: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """`transpose`, and each window's shift (B,) int64 (for the chords beside them to follow)."""
    if max_shift <= 0:
        return events, torch.zeros(len(events), dtype=torch.long)
    is_note = events >= NUM_SPECIAL  # (B, T)
    big = NUM_CLASSES
    low = torch.where(is_note, events, torch.full_like(events, big)).amin(dim=1)  # (B,) lowest note class
    high = torch.where(is_note, events, torch.full_like(events, -1)).amax(dim=1)  # (B,) highest
    down = torch.clamp(NUM_SPECIAL - low, min=-max_shift, max=0)  # most negative allowed shift
    up = torch.clamp(NUM_CLASSES - 1 - high, min=0, max=max_shift)
    down = torch.where(low == big, torch.zeros_like(down), down)  # no notes: no shift
    up = torch.where(high == -1, torch.zeros_like(up), up)
    u = torch.rand(len(events), generator=generator)
    shift = down + torch.floor(u * (up - down + 1).to(u.dtype)).long()  # (B,)
    return torch.where(is_note, events + shift[:, None], events), shift

