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
    return (MelodyData(data.train, data.eval[keep], data.source, collections, data.eval_files[keep]),
            int((~keep).sum()))


def load_melody_data(source: str | Path, bars: int) -> MelodyData:
    """A dataset folder (train.npz + eval.npz), one .npz file (all used for eval), or MIDI files and
    folders (extracted now, all used for eval); windows must be `bars` bars long."""
    src = Path(source)
    if (src / "train.npz").exists() or (src / "eval.npz").exists():
        train = _load_split(src / "train.npz") if (src / "train.npz").exists() else np.zeros((0, bars * 16), np.uint8)
        evals = _load_split(src / "eval.npz") if (src / "eval.npz").exists() else np.zeros((0, bars * 16), np.uint8)
        data = MelodyData(train, evals, str(src), _collections(src / "eval.npz") if len(evals) else None,
                          window_files(src / "eval.npz") if len(evals) else None)
    elif src.suffix == ".npz" and src.is_file():
        data = MelodyData(np.zeros((0, bars * 16), np.uint8), _load_split(src), str(src))
    elif src.exists():
        from musicvae_lite.music.melody.dataset import collect_sources, extract_many
        from musicvae_lite.music.melody.extract import ExtractConfig

        files, problems = collect_sources([str(src)])
        results = extract_many(files, ExtractConfig(bars=bars), progress=False)
        got = [r.events for r in results if r.events is not None]
        if not got:
            reasons = [f"{r.path}: {r.reason}" for r in problems + [r for r in results if r.events is None]]
            raise MvaeError(reasons[0] if len(reasons) == 1 else f"no {bars}-bar melody in {src} "
                            f"({len(reasons)} files, none usable)")
        data = MelodyData(np.zeros((0, bars * 16), np.uint8), np.concatenate(got), str(src))
    else:
        raise MvaeError(f"{src}: no such dataset, file or folder")
    if data.steps != bars * 16:
        raise MvaeError(f"{src} holds {data.steps // 16}-bar windows; this model needs {bars}-bar windows "
                        f"(build the data with --bars {bars})")
    return data


def transpose(events: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Shift each window's pitches by a random number of semitones in [-max_shift, max_shift] that keeps
    every note in range. events: (B, T) int64 classes."""
    if max_shift <= 0:
        return events
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
    return torch.where(is_note, events + shift[:, None], events)

