"""Reading many MIDI files into a dataset, for every music family: sources (files, folders, glob
patterns) -> a sorted file list, a parallel map over the files with a progress bar (each family's
extraction function never lets one bad file stop the batch), and the split by file: a stable hash of
the file's name and a seed, so adding files never moves one between splits, unless a source folder holds an
`info.csv` with `midi_filename` and `split` columns (the Groove dataset's, the POP909 importer's): its files
follow it (`official_split`)."""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musicvae_lite.errors import MvaeError

MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi")
OFFICIAL = {"train": "train", "validation": "eval", "test": "test"}  # info.csv's split names -> ours


class DatasetError(MvaeError):
    """A dataset cannot be built or read as asked (nothing usable, output exists, ...)."""


def count(n: int, noun: str) -> str:
    """'1 window', '2 windows', '0 files': a number and its noun, agreeing."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


@dataclass
class Skipped:
    """A source that gave no file to read, and why (as a skipped file is reported)."""

    path: str
    kind: str
    reason: str


def build_folder(out_dir: str | Path, names: Sequence[str], force: bool) -> Path:
    """The output folder of a dataset build, checked before any work: an error when it already holds
    one of `names` (without `force`) or is not a folder."""
    from musicvae_lite.errors import OverwriteError

    out = Path(out_dir)
    if not force and any((out / n).exists() for n in names):
        raise OverwriteError(out, detail=" and holds a dataset", keyword="force=True")
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a folder")
    return out


def source_files(sources: list[str]) -> tuple[list[str], list[Skipped]]:
    """`collect_sources`, with an error naming each source when none gives a file."""
    files, problems = collect_sources(sources)
    if not files:
        why = "; ".join(f"{p.path}: {p.reason}" for p in problems) or "no sources given"
        raise DatasetError(f"no MIDI files to read ({why})")
    return files, problems


def write_build_report(out: Path, skipped: list, summary: dict) -> None:
    """skipped.tsv (path, kind, reason of every file that gave nothing) and summary.json, atomically."""
    import json

    from musicvae_lite.files import atomic_write

    report = "path\tkind\treason\n" + "".join(f"{r.path}\t{r.kind}\t{r.reason}\n" for r in skipped)
    atomic_write(out / "skipped.tsv", lambda f: f.write(report.encode()))
    atomic_write(out / "summary.json", lambda f: f.write(json.dumps(summary, indent=2).encode()))


def collect_sources(sources: list[str]) -> tuple[list[str], list[Skipped]]:
    """Expand files, folders (recursively, MIDI suffixes only) and glob patterns into a sorted,
    de-duplicated list of files; sources that give nothing become FileResults with the reason."""
    files: list[str] = []
    problems: list[Skipped] = []
    for src in sources:
        if any(ch in src for ch in "*?[") and not os.path.exists(src):
            found = sorted(p for p in glob.glob(src, recursive=True) if os.path.isfile(p))
            if not found:
                problems.append(Skipped(src, kind="missing", reason="the pattern matches no file"))
            files.extend(found)
        elif os.path.isdir(src):
            found = sorted(str(p) for p in Path(src).rglob("*")
                           if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
            if not found:
                problems.append(Skipped(src, kind="no-midi-in-folder",
                                           reason=f"folder without MIDI files ({', '.join(MIDI_SUFFIXES)})"))
            files.extend(found)
        elif os.path.exists(src):
            files.append(src)
        else:
            problems.append(Skipped(src, kind="missing", reason="no such file or folder"))
    return list(dict.fromkeys(files)), problems


def default_workers() -> int:
    """Processes `data build` uses unless told otherwise: one per CPU available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def map_files(chunk_fn: Callable[[tuple[list[str], Any]], list], paths: list[str], arg: Any, *,
              workers: int | None = None, progress: bool = False, desc: str = "extracting") -> list:
    """`chunk_fn((paths_chunk, arg))` over chunks of `paths`, in `workers` processes (default: one per
    CPU), with a progress bar; the results, one per path, in the order of `paths`. `chunk_fn` must be a
    module-level function (it is sent to the worker processes)."""
    workers = default_workers() if workers is None else max(1, workers)
    bar = _progress(len(paths), progress, desc)
    chunk = max(1, min(256, len(paths) // (workers * 16) or 1))
    chunks = [(paths[i:i + chunk], arg) for i in range(0, len(paths), chunk)]
    results: list = []
    if workers == 1 or len(chunks) == 1:
        for c in chunks:
            results.extend(chunk_fn(c))
            bar.update(len(c[0]))
    else:
        import multiprocessing as mp

        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ctx.Pool(workers) as pool:
            for got in pool.imap(chunk_fn, chunks):
                results.extend(got)
                bar.update(len(got))
    bar.close()
    return results


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, enabled: bool, desc: str = "extracting"):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc=desc, dynamic_ncols=True)


def is_eval_file(path: str, eval_fraction: float, seed: int = 0) -> bool:
    """Whether a file belongs to the eval split: a stable hash of its name and the seed."""
    digest = hashlib.blake2b(f"{seed}:{os.path.basename(path)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < eval_fraction


def spread_indices(n: int, limit: int | None) -> np.ndarray:
    """Indices of at most `limit` of n windows, evenly spaced through them (all when limit is None or
    not smaller): a dataset's windows are in file order, so its first ones are one collection's."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max(limit, 0))).astype(np.int64))


def official_split(sources: list[str]) -> dict[str, str]:
    """File path -> our split name, from every `info.csv` with `midi_filename` and `split` columns found in
    a source folder (or its parents up to the source); an unreadable or foreign csv is ignored."""
    found: dict[str, str] = {}
    for src in sources:
        folder = Path(src)
        if not folder.is_dir():
            continue
        for info in [folder / "info.csv", *sorted(folder.rglob("info.csv"))][:8]:
            try:
                with open(info, newline="", encoding="utf-8") as f:
                    for row in csv.DictReader(f):
                        split = OFFICIAL.get((row.get("split") or "").strip().lower())
                        name = (row.get("midi_filename") or "").strip()
                        if split and name:
                            found[str((info.parent / name).resolve())] = split
            except (OSError, UnicodeDecodeError, csv.Error):
                continue
    return found
