"""The held-out drum windows `mvae eval` scores a drum model on, from what the user gives, as melody eval
takes them (melody/data.py): a dataset folder from `mvae data build --family drums` (its test split when it
has one, else its eval split, and its train split for the baselines), or MIDI files and folders (every drum
window they give, read now; no baselines, since there is no training split to fit them on)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.dataset import DrumSplit, load_drum_split

SPLIT_FILES = ("train.npz", "eval.npz", "test.npz")


def check_drum_dataset(folder: Path) -> None:
    """A one-line error when a dataset folder holds another family's windows (a melody dataset)."""
    for name in SPLIT_FILES:
        if (folder / name).exists():
            try:
                with np.load(folder / name, allow_pickle=False) as d:
                    is_drums = "classes" in d.files
            except (OSError, ValueError):
                return  # load_drum_split says what is wrong with the file
            if not is_drums:
                raise MvaeError(f"{folder} is not a drum dataset (its {name} holds no drum windows: a melody "
                                f"dataset?); build one with `mvae data build --family drums MIDI_FILES -o DATASET`")
            return


def held_out_drums(data: str | Path, bars: int) -> tuple[str, DrumSplit, DrumSplit | None]:
    """(what the windows are, for the report; the held-out windows; the training split or None)."""
    src = Path(data)
    if src.is_dir() and any((src / f).exists() for f in SPLIT_FILES):
        check_drum_dataset(src)
        split = "test" if (src / "test.npz").exists() else "eval"
        train = load_drum_split(src, "train", bars) if (src / "train.npz").exists() else None
        return f"{split} windows", load_drum_split(src, split, bars), train
    if not src.exists():
        raise MvaeError(f"{src}: no such dataset, file or folder")
    return "MIDI drum windows", _from_midi(src, bars), None


def _from_midi(src: Path, bars: int) -> DrumSplit:
    from musicvae_lite.music.drums.dataset import _extract_one
    from musicvae_lite.music.drums.encoding import hits_to_classes
    from musicvae_lite.music.drums.extract import DrumConfig
    from musicvae_lite.music.sources import collect_sources

    files, problems = collect_sources([str(src)])
    results = [_extract_one(f, DrumConfig(bars=bars)) for f in files]
    used = [r for r in results if r.windows is not None]
    if not used:
        reasons = [f"{r.path}: {r.reason}" for r in problems + [r for r in results if r.windows is None]]
        raise MvaeError(reasons[0] if len(reasons) == 1 else
                        f"no {bars}-bar drum beat in {src} ({len(reasons)} files, none usable)")
    hits = np.concatenate([r.windows.hits for r in used])
    return DrumSplit(hits_to_classes(hits).astype(np.int64), np.concatenate([r.windows.velocity for r in used]),
                     np.concatenate([r.windows.offset for r in used]),
                     np.concatenate([np.full(len(r.windows), i) for i, r in enumerate(used)]),
                     np.array([r.path for r in used]))
