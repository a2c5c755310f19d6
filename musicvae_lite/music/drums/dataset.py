"""Building a drum dataset from MIDI files: sources -> parallel extraction (extract.py) -> split .npz
files, for the drum VAE (the 512-class view) and GrooVAE (hits, velocities, offsets) alike.

The output folder holds, readable with plain `numpy.load` (no pickle):

    train.npz, eval.npz   classes (N, steps) uint16, the 512-class index of each step's hits (encoding.py);
    [test.npz]            velocity (N, steps, 9) uint8, MIDI velocity where hit, 0 elsewhere;
                          offset (N, steps, 9) float16, timing from the grid in [-0.5, 0.5) of a step;
                          file_index (N,) int32 into `files`; start_bar (N,) int32; phase (N,) uint8,
                          the step of its bar each window starts on (0 but with --hop); files (F,) source
                          paths; file_qpm (F,) float32 (NaN: none set); bars, steps_per_quarter; config
    skipped.tsv           every file that gave nothing: path, kind, reason
    summary.json          files read, windows per split, files skipped per kind, how it was split, seconds

With a hop shorter than a bar (`DrumConfig.hop`: 4 starts a window on every beat), the training split has
the windows of every hop and the held-out splits only those that start on a bar, as without one.

The split is by file. When a source folder holds an `info.csv` with `midi_filename` and `split` columns
(the Groove MIDI Dataset's official split: Gillick et al. 2019), its files follow it: train -> train,
validation -> eval, test -> test. Other files go by the hash of their name (sources.py), train or eval.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musicvae_lite.files import atomic_write
from musicvae_lite.music.drums.encoding import NUM_DRUMS, hits_to_classes
from musicvae_lite.music.drums.extract import DrumConfig, DrumWindows, extract_drum_file
from musicvae_lite.music.errors import MusicDataError
from musicvae_lite.music.grid import STEPS_PER_QUARTER
from musicvae_lite.music.sources import (  # noqa: F401 - official_split re-exported
    OFFICIAL,
    official_split,
    count,
    DatasetError,
    build_folder,
    is_eval_file,
    map_files,
    source_files,
    write_build_report,
)

SPLITS = ("train", "eval", "test")


@dataclass
class DrumResult:
    """What one source file gave: windows, or why not."""

    path: str
    windows: DrumWindows | None = None
    kind: str | None = None
    reason: str | None = None


@dataclass
class DrumBuildSummary:
    out_dir: str
    files_read: int
    files_used: int
    windows: dict[str, int]
    files: dict[str, int]
    skipped: dict[str, int]
    split: str  # "info.csv" (the official split, for the files it lists), "hash", or both
    seconds: float
    config: dict = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"read {count(self.files_read, 'file')} in {self.seconds:.1f} s: {self.files_used} gave drum windows",
               "; ".join(f"{s}: {count(self.windows[s], 'window')} from {count(self.files[s], 'file')}" for s in SPLITS
                         if s in self.windows) + f" (split: {self.split})"]
        if self.skipped:
            parts = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items(), key=lambda kv: -kv[1]))
            out.append(f"skipped {count(sum(self.skipped.values()), 'file')} ({parts}); see {self.out_dir}/skipped.tsv")
        out.append(f"wrote {self.out_dir}/" + ", ".join(f"{s}.npz" for s in SPLITS if s in self.windows)
                   + ", skipped.tsv, summary.json")
        return out


def _extract_one(path: str, cfg: DrumConfig) -> DrumResult:
    try:
        return DrumResult(path, extract_drum_file(path, cfg))
    except MusicDataError as e:
        return DrumResult(path, kind=e.kind, reason=e.reason)
    except Exception as e:  # noqa: BLE001 - a batch job never dies on one file; the reason is kept
        return DrumResult(path, kind="internal-error", reason=f"unexpected {type(e).__name__}: {e}")


def _on_the_bar(found: DrumWindows, split: str) -> tuple[np.ndarray, ...]:
    """Hits, velocities, offsets, start bars and phases of a file's windows for `split`: all of them for training;
    for the held-out splits only those that start on a bar, so that a dataset cut on a shorter hop (more
    training windows) is scored on the same windows as one cut on the bar."""
    keep = slice(None) if split == "train" or found.phase is None else found.phase == 0
    phase = np.zeros(len(found), np.int32) if found.phase is None else found.phase
    return found.hits[keep], found.velocity[keep], found.offset[keep], found.start_bar[keep], phase[keep]


def _extract_chunk(args: tuple[list[str], DrumConfig]) -> list[DrumResult]:
    paths, cfg = args
    return [_extract_one(p, cfg) for p in paths]


def build_drum_dataset(sources: list[str], out_dir: str | Path, cfg: DrumConfig = DrumConfig(), *,  # noqa: B008
                       eval_fraction: float = 0.1, seed: int = 0, workers: int | None = None,
                       force: bool = False, progress: bool = False) -> DrumBuildSummary:
    """Extract drum windows from `sources` and write the dataset folder (see the module docstring)."""
    if not 0.0 <= eval_fraction < 1.0:
        raise DatasetError(f"eval fraction must be in [0, 1), got {eval_fraction}")
    out = build_folder(out_dir, [f"{s}.npz" for s in SPLITS] + ["skipped.tsv", "summary.json"], force)
    t0 = time.perf_counter()
    files, problems = source_files(sources)
    results: list[DrumResult] = map_files(_extract_chunk, files, cfg, workers=workers, progress=progress)
    used = [r for r in results if r.windows is not None]
    skipped = problems + [r for r in results if r.windows is None]
    if not used:
        kinds = Counter(r.kind for r in skipped)
        which = "the file gave no" if len(files) == 1 else f"none of {len(files)} files gave a"
        raise DatasetError(f"{which} drum window ("
                           + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) + ")")
    official = official_split(sources)
    split_of = [official.get(str(Path(r.path).resolve())) or
                ("eval" if is_eval_file(r.path, eval_fraction, seed) else "train") for r in used]
    how = {"info.csv" if str(Path(r.path).resolve()) in official else "hash" for r in used}
    out.mkdir(parents=True, exist_ok=True)
    all_files = np.array([r.path for r in used])
    file_qpm = np.array([np.nan if r.windows.qpm is None else r.windows.qpm for r in used], np.float32)
    windows, tunes = {}, {}
    for split in SPLITS:
        idx = [i for i, s in enumerate(split_of) if s == split]
        if split == "test" and not idx:
            continue
        ws = [_on_the_bar(used[i].windows, split) for i in idx]
        shape = (0, cfg.steps, NUM_DRUMS)
        hits = np.concatenate([w[0] for w in ws]) if ws else np.zeros(shape, bool)
        arrays = dict(
            classes=hits_to_classes(hits).astype(np.uint16),  # (N, steps)
            velocity=np.rint(np.concatenate([w[1] for w in ws]) * 127).astype(np.uint8) if ws
            else np.zeros(shape, np.uint8),
            offset=np.concatenate([w[2] for w in ws]).astype(np.float16) if ws else np.zeros(shape, np.float16),
            file_index=np.concatenate([np.full(len(w[0]), i, np.int32) for i, w in zip(idx, ws)]) if ws
            else np.zeros(0, np.int32),
            start_bar=np.concatenate([w[3] for w in ws]) if ws else np.zeros(0, np.int32),
            phase=np.concatenate([w[4] for w in ws]).astype(np.uint8) if ws else np.zeros(0, np.uint8),
            files=all_files, file_qpm=file_qpm, bars=np.int32(cfg.bars), steps_per_quarter=np.int32(STEPS_PER_QUARTER),
            steps_per_bar=np.int32(cfg.steps_per_bar),
            config=np.array(json.dumps({"bars": cfg.bars, "compat": cfg.compat, "steps_per_bar": cfg.steps_per_bar,
                                        "hop": cfg.hop_steps})))
        atomic_write(out / f"{split}.npz", lambda f, a=arrays: np.savez_compressed(f, **a))
        windows[split], tunes[split] = len(hits), len(idx)
    summary = DrumBuildSummary(str(out), len(files), len(used), windows, tunes,
                               dict(Counter(r.kind for r in skipped)), " and ".join(sorted(how)),
                               time.perf_counter() - t0, {"bars": cfg.bars, "compat": cfg.compat})
    data = dict(summary.__dict__, sources=list(sources), eval_fraction=eval_fraction, seed=seed)
    write_build_report(out, skipped, data)
    return summary


@dataclass
class DrumSplit:
    """One split of a drum dataset: classes (N, steps) int64, hits (N, steps, 9) bool, velocity (N, steps, 9)
    float32 in [0, 1], offset (N, steps, 9) float32, and which file each window came from."""

    classes: np.ndarray
    velocity: np.ndarray
    offset: np.ndarray
    file_index: np.ndarray
    files: np.ndarray
    file_qpm: np.ndarray | None = None  # (F,) float32, NaN where the file sets no tempo
    phase: np.ndarray | None = None  # (N,) the step of its bar each window starts on (None: all 0)

    def qpm(self, default: float) -> np.ndarray:
        """(N,) the tempo of each window's file, `default` where it sets none."""
        if self.file_qpm is None:
            return np.full(len(self), default, np.float32)
        q = self.file_qpm[self.file_index]
        return np.where(np.isfinite(q) & (q > 0), q, default).astype(np.float32)

    def subset(self, index: np.ndarray) -> DrumSplit:
        """The windows at `index`, same files."""
        return DrumSplit(self.classes[index], self.velocity[index], self.offset[index], self.file_index[index],
                         self.files, self.file_qpm, None if self.phase is None else self.phase[index])

    @property
    def hits(self) -> np.ndarray:
        from musicvae_lite.music.drums.encoding import classes_to_hits

        return classes_to_hits(self.classes)

    def __len__(self) -> int:
        return len(self.classes)


def load_drum_split(folder: str | Path, split: str = "train", bars: int | None = None) -> DrumSplit:
    """A split of a dataset `build_drum_dataset` wrote; a one-line error when it is not one."""
    path = Path(folder) / f"{split}.npz"
    try:
        with np.load(path, allow_pickle=False) as d:
            if bars is not None and int(d["bars"]) != bars:
                raise DatasetError(f"{folder} holds {int(d['bars'])}-bar drum windows; this model needs {bars}")
            return DrumSplit(d["classes"].astype(np.int64), d["velocity"].astype(np.float32) / 127.0,
                             d["offset"].astype(np.float32), d["file_index"], d["files"],
                             d["file_qpm"] if "file_qpm" in d else None, d["phase"] if "phase" in d else None)
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file (build the dataset with `mvae data build --family drums`)") from None
    except (OSError, ValueError, KeyError) as e:
        raise DatasetError(f"{path}: not a drum dataset ({e})") from None
