"""Our melody-window (or, with --drums, drum-window) pipeline in compat mode against the magenta
reference: speed and agreement.

For each MIDI folder given, and for all of them together, prints each side's files/s and
windows/s, the speed-up (ours / reference, in files/s), and the share of files whose set of
windows is identical, then lists up to 10 differing files per folder with a short diff.

  python benchmarks/bench_pipeline.py corpora/essen corpora/bach [--limit N] [--json]
  python benchmarks/bench_pipeline.py --fuzz 400        # adds a corpus of fuzz files (fuzz_midi.py); with
                                                        # two or more folders, a "folders" total without them
  python benchmarks/bench_pipeline.py --drums ../shared/data/groove-midi-v1 --fuzz 200
                                     # drums: magenta's DrumsConverter (512-class windows) against ours

How each side is run, as a user would run it:
  reference  magenta_reference.reference_pipeline_file, one process, this one (note-seq's own
             import time is printed apart, not counted);
  ours       musicvae_lite.music.melody.dataset.extract_many over each folder's whole file list with the
             default workers of `mvae data build`, timed end to end (worker start-up included);
             a FileResult gives `.events` (n x steps uint8) or None with `.kind` and `.reason`.
Windows are compared per file as sets of tuples (ours: set(map(tuple, events.tolist()))); a file
that yields nothing is the empty set on both sides. windows/s counts distinct windows per file.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MIDI_SUFFIXES = {".mid", ".midi"}
MAX_LISTED_DIFFS = 10

Window = tuple[int, ...]


@dataclass
class SideRun:
    """One side's run over one corpus: per-file window sets, and why a file gave none."""

    seconds: float
    windows: list[frozenset[Window]]  # aligned with the corpus' paths
    reasons: list[str | None]  # None where the file gave windows

    @property
    def n_windows(self) -> int:
        return sum(len(w) for w in self.windows)


@dataclass
class CorpusRun:
    name: str
    paths: list[Path]
    reference: SideRun | None = None
    ours: SideRun | None = None
    differing: list[int] = field(default_factory=list)  # indices into paths


def midi_files(folder: Path, limit: int | None) -> list[Path]:
    """The MIDI files under `folder`, sorted, the first `limit` of them."""
    if not folder.is_dir():
        raise SystemExit(f"error: {folder} is not a folder")
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
    return paths[:limit] if limit is not None else paths


def import_reference():
    """The reference module, and the seconds its import (note-seq, pretty_midi, protobuf) took."""
    t0 = time.perf_counter()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import magenta_reference

    return magenta_reference, time.perf_counter() - t0


def import_ours(drums: bool = False):
    """Our pipeline's entry points, or a clear exit when the module is not there yet."""
    sys.path.insert(0, str(REPO))
    if drums:
        from musicvae_lite.music.drums.dataset import _extract_chunk
        from musicvae_lite.music.drums.extract import DrumConfig
        from musicvae_lite.music.sources import map_files

        def extract_many(paths, config, workers=None, progress=False):
            return map_files(_extract_chunk, paths, config, workers=workers, progress=progress)

        return (lambda bars, compat: DrumConfig(bars=bars, compat=compat)), extract_many
    try:
        from musicvae_lite.music.melody.dataset import extract_many
        from musicvae_lite.music.melody.extract import ExtractConfig
    except ImportError as e:
        raise SystemExit(
            f"error: our pipeline cannot be imported ({e}).\n"
            "bench_pipeline needs musicvae_lite.music.melody.extract.ExtractConfig and "
            "musicvae_lite.music.melody.dataset.extract_many; run with --reference-only until they exist."
        ) from e
    return ExtractConfig, extract_many


def run_reference(reference, paths: Sequence[Path], bars: int, drums: bool = False) -> SideRun:
    windows, reasons = [], []
    pipeline = reference.reference_drum_file if drums else reference.reference_pipeline_file
    t0 = time.perf_counter()
    for path in paths:
        result = pipeline(path, bars=bars)
        windows.append(result.windows)
        reasons.append(result.reason)
    return SideRun(time.perf_counter() - t0, windows, reasons)


def run_ours(ours, paths: Sequence[Path], bars: int, workers: int | None, repeat: int = 1) -> SideRun:
    """Our pipeline over `paths`; with `repeat` > 1 the median time of that many runs (a run of
    about a second is at the mercy of this VM's noisy neighbours; the reference's 30 s are not)."""
    ExtractConfig, extract_many = ours
    config = ExtractConfig(bars=bars, compat=True)
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        results = extract_many([str(p) for p in paths], config, workers=workers, progress=False)
        times.append(time.perf_counter() - t0)
    seconds = sorted(times)[len(times) // 2]
    windows, reasons = [], []
    for r in results:
        if hasattr(r, "windows"):  # a drum result: its 512-class windows
            from musicvae_lite.music.drums.encoding import hits_to_classes

            r.events = None if r.windows is None else hits_to_classes(r.windows.hits)
        empty = r.events is None or len(r.events) == 0
        windows.append(frozenset() if empty else frozenset(map(tuple, r.events.tolist())))
        reasons.append(f"{r.kind}: {r.reason}" if r.reason else ("no windows" if empty else None))
    return SideRun(seconds, windows, reasons)


def _nearest_pair(only_ours: set[Window], only_ref: set[Window]) -> tuple[Window, Window]:
    """The (ours, reference) pair of same-length windows that differ in the fewest steps."""
    pairs = ((a, b) for a in only_ours for b in only_ref if len(a) == len(b))
    return min(pairs, key=lambda ab: sum(x != y for x, y in zip(*ab)), default=(None, None))


def describe_diff(ours: frozenset, ours_reason: str | None, ref: frozenset, ref_reason: str | None) -> str:
    """One line saying how two window sets differ, with the nearest differing pair's steps."""
    if not ours:
        return f"ours none ({ours_reason}); reference {len(ref)}"
    if not ref:
        return f"ours {len(ours)}; reference none ({ref_reason})"
    only_ours, only_ref = set(ours - ref), set(ref - ours)
    text = f"shared {len(ours & ref)}, only ours {len(only_ours)}, only reference {len(only_ref)}"
    if not only_ours or not only_ref or len(only_ours) * len(only_ref) > 10_000:
        return text
    a, b = _nearest_pair(only_ours, only_ref)
    if a is None:
        lengths = f"{len(next(iter(only_ours)))} vs {len(next(iter(only_ref)))}"
        return f"{text}; window lengths differ: ours vs reference {lengths}"
    steps = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    shown = ", ".join(f"step {i}: {a[i]} vs {b[i]}" for i in steps[:4])
    more = ", ..." if len(steps) > 4 else ""
    return f"{text}; nearest pair differs at {len(steps)} step(s) [{shown}{more}] (ours vs reference)"


def compare(run: CorpusRun) -> None:
    run.differing = [
        i for i, (a, b) in enumerate(zip(run.ours.windows, run.reference.windows)) if a != b
    ]


def side_figures(side: SideRun | None, n_files: int) -> dict | None:
    if side is None:
        return None
    return {
        "seconds": round(side.seconds, 3),
        "files_per_s": round(n_files / side.seconds, 1) if side.seconds else None,
        "windows": side.n_windows,
        "windows_per_s": round(side.n_windows / side.seconds, 1) if side.seconds else None,
        "files_with_windows": sum(1 for w in side.windows if w),
    }


def figures(name: str, n_files: int, ref: SideRun | None, ours: SideRun | None, n_diff: int | None) -> dict:
    out = {"corpus": name, "files": n_files, "reference": side_figures(ref, n_files),
           "ours": side_figures(ours, n_files)}
    if ref is not None and ours is not None:
        out["speedup_files_per_s"] = round(ref.seconds / ours.seconds, 2) if ours.seconds else None
        out["identical_share"] = round(1 - n_diff / n_files, 4) if n_files else None
    return out


def total_side(sides: list[SideRun | None]) -> SideRun | None:
    if any(s is None for s in sides):
        return None
    return SideRun(
        sum(s.seconds for s in sides),
        [w for s in sides for w in s.windows],
        [r for s in sides for r in s.reasons],
    )


def print_figures(fig: dict) -> None:
    for side in ("reference", "ours"):
        f = fig[side]
        if f is not None:
            print(
                f"{fig['corpus']:<12} {side:<10} {fig['files']:>7} {f['seconds']:>9.2f} "
                f"{f['files_per_s'] or 0:>9.1f} {f['windows']:>9} {f['windows_per_s'] or 0:>11.1f} "
                f"{f['files_with_windows']:>8}"
            )
    if "identical_share" in fig:
        speedup, share = fig["speedup_files_per_s"], fig["identical_share"]
        print(
            f"{fig['corpus']:<12} ours/reference files/s: {speedup}x   identical window sets: "
            f"{share:.2%} ({round(share * fig['files'])}/{fig['files']})"
        )


def report(runs: list[CorpusRun], *, both: bool, fuzz: bool, args) -> None:
    """The table, the totals (all corpora; with fuzz files and two or more folders, the folders alone),
    the differing files, the targets and the JSON line."""
    print(f"{'corpus':<12} {'side':<10} {'files':>7} {'seconds':>9} {'files/s':>9} "
          f"{'windows':>9} {'windows/s':>11} {'nonempty':>8}")
    corpus_figs = []
    for run in runs:
        fig = figures(run.name, len(run.paths), run.reference, run.ours, len(run.differing) if both else None)
        corpus_figs.append(fig)
        print_figures(fig)
    n_total = sum(len(r.paths) for r in runs)
    total = figures("total", n_total, total_side([r.reference for r in runs]),
                    total_side([r.ours for r in runs]),
                    sum(len(r.differing) for r in runs) if both else None)
    folders_total = None
    if fuzz and len(runs) > 2:  # the folders alone: the fuzz files are a parity check, not music
        real = runs[:-1]
        folders_total = figures("folders", sum(len(r.paths) for r in real), total_side([r.reference for r in real]),
                                total_side([r.ours for r in real]),
                                sum(len(r.differing) for r in real) if both else None)
        print_figures(folders_total)
    if len(runs) > 1:
        print_figures(total)

    for run in runs:
        if run.differing:
            print(f"\n{run.name}: {len(run.differing)} differing file(s), first {MAX_LISTED_DIFFS}:")
            for i in run.differing[:MAX_LISTED_DIFFS]:
                diff = describe_diff(run.ours.windows[i], run.ours.reasons[i],
                                     run.reference.windows[i], run.reference.reasons[i])
                print(f"  {run.paths[i]}: {diff}")

    if both:
        share = 100.0 * total["identical_share"]
        speedup = (folders_total or total)["speedup_files_per_s"]  # speed: on the music, not the fuzz files
        print(f"\ntargets: identical files {share:.2f}% (>= 99.5%: {'met' if share >= 99.5 else 'NOT met'}); "
              f"files/s ours/reference {speedup:.1f}x{' on the folders' if folders_total else ''} "
              f"(>= 25x: {'met' if speedup >= 25 else 'NOT met'})")
    if args.json:
        print(json.dumps({"bars": args.bars, "drums": args.drums, "corpora": corpus_figs, "total": total,
                          "folders_total": folders_total}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="MIDI folders, one corpus each")
    parser.add_argument("--fuzz", type=int, default=0, metavar="N",
                        help="also N fuzz files (benchmarks/fuzz_midi.py: overlapping and re-triggered notes, "
                             "odd resolutions), written to a temporary folder")
    parser.add_argument("--limit", type=int, default=None, help="first N files of each folder")
    parser.add_argument("--bars", type=int, default=2, help="window length in bars (default 2)")
    parser.add_argument("--workers", type=int, default=None,
                        help="our worker processes (default: that of `mvae data build`)")
    sides = parser.add_mutually_exclusive_group()
    sides.add_argument("--reference-only", action="store_true", help="run only the reference")
    sides.add_argument("--ours-only", action="store_true", help="run only our pipeline")
    parser.add_argument("--repeat", type=int, default=3,
                        help="time our side this many times and report the median (default 3)")
    parser.add_argument("--drums", action="store_true",
                        help="drum windows (magenta's DrumsConverter) instead of melody windows")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    if not args.folders and not args.fuzz:
        parser.error("give MIDI folders, --fuzz N, or both")

    # Tempo / time signatures on tracks other than 0 are ignored by pretty_midi (and so by
    # magenta); it warns about each such file, which would bury the table.
    warnings.filterwarnings("ignore", message="Tempo, Key or Time signature change events")

    ours = None if args.reference_only else import_ours(args.drums)
    reference, import_s = (None, 0.0) if args.ours_only else import_reference()
    if reference is not None:
        print(f"reference: note-seq import took {import_s:.2f} s (not counted below)")

    runs = []
    folders = list(args.folders)
    if args.fuzz:
        from fuzz_midi import write_fuzz_corpus

        scratch = tempfile.TemporaryDirectory(prefix="mvae_fuzz_")
        folders.append(Path(scratch.name) / "fuzz")
        write_fuzz_corpus(folders[-1], args.fuzz, drums=args.drums)
    for folder in folders:
        run = CorpusRun(folder.name or str(folder), midi_files(folder, args.limit))
        if not run.paths:
            raise SystemExit(f"error: no MIDI files under {folder}")
        if ours is not None:
            run.ours = run_ours(ours, run.paths, args.bars, args.workers, args.repeat)
        if reference is not None:
            run.reference = run_reference(reference, run.paths, args.bars, args.drums)
        if run.ours is not None and run.reference is not None:
            compare(run)
        runs.append(run)

    report(runs, both=reference is not None and ours is not None, fuzz=bool(args.fuzz), args=args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
