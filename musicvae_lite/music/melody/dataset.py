"""Building a melody dataset from MIDI files: sources -> parallel extraction -> train/eval .npz files.

The output folder holds, readable with plain `numpy.load` (no pickle):

    train.npz, eval.npz   events (N, steps) uint8 classes 0..89; file_index (N,) int32 into `files`;
                          start_bar (N,) int32; files (F,) source paths; file_qpm (F,) float32, each
                          source's tempo (NaN when it sets none; decode at 120 then);
                          window_qpm, window_program, window_velocity, window_track, window_meter (N,):
                          each window's context (music.playback.Playback's fields, the index of its
                          track in the file and its bar as read, "3/4"; absent from datasets built
                          before they were added: 4/4 then);
                          bars, compat, steps_per_quarter; config (JSON of the ExtractConfig);
                          window_chords (N, steps) uint8, only when a source has a chord file beside it
                          (music/chords.py: `song.chords.txt`, or POP909's `chord_midi.txt`): the chord
                          class of every step (0 N, 1..84 root x quality), 255 (chords.UNKNOWN) in the
                          windows of files without one
    skipped.tsv           every file that gave nothing: path, kind, reason
    summary.json          files read, windows kept, files skipped per kind, settings, seconds

The split is by source file (no tune in both): a file listed in an `info.csv` of a source folder (the
POP909 importer writes one: sources.official_split) goes where it says (validation -> eval; test files
are left out); any other file goes to eval when a hash of its name and the
seed falls under `eval_fraction`, so adding files later never moves a tune between splits, except that
near-duplicate tunes are then put on one side together, and held-out windows that occur among the
training windows up to transposition are dropped, and a training window repeated across files is kept
once (split.py; `clean=False` keeps the plain split).
Transposition is a training-time augmentation and is not stored.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from musicvae_lite.files import atomic_write
from musicvae_lite.music.errors import MusicDataError
from musicvae_lite.music.melody.encoding import STEPS_PER_QUARTER
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
from musicvae_lite.music.sources import (  # noqa: F401 - re-exported for callers (family.py, data.py, tests)
    count,
    MIDI_SUFFIXES,
    DatasetError,
    build_folder,
    collect_sources,
    default_workers,
    is_eval_file,
    map_files,
    official_split,
    source_files,
    write_build_report,
)


CONTEXT_ARRAYS = {"window_qpm": np.float32, "window_program": np.uint8, "window_velocity": np.uint8,
                  "window_track": np.int16, "window_meter": "<U5"}  # each window's context, as the .npz stores it


@dataclass
class FileResult:
    """What one source file gave: windows, or why not."""

    path: str
    events: np.ndarray | None = None  # (n, steps) uint8
    start_bar: np.ndarray | None = None  # (n,) int32
    qpm: float | None = None  # the source's opening tempo, if it sets one
    kind: str | None = None  # skip category, None when the file gave windows
    reason: str | None = None  # one-line reason
    context: dict | None = None  # per-window arrays: window_qpm, window_program, window_velocity, window_track
    chords: np.ndarray | None = None  # (n, steps) uint8 chord classes, when the file has a chord file


@dataclass
class BuildSummary:
    """What `build_dataset` did."""

    out_dir: str
    files_read: int
    files_used: int
    windows: dict[str, int]  # split -> windows
    tunes: dict[str, int]  # split -> files
    skipped: dict[str, int]  # kind -> files
    seconds: float
    config: dict = field(default_factory=dict)
    split: dict = field(default_factory=dict)  # what cleaning the split did (split.SplitReport), if it ran
    capped: dict = field(default_factory=dict)  # what --max-windows-per-file dropped, if given
    meters: dict = field(default_factory=dict)  # split -> {meter label: windows}

    def lines(self) -> list[str]:
        """A human summary, a line each."""
        out = [f"read {count(self.files_read, 'file')} in {self.seconds:.1f} s: {self.files_used} gave windows",
               f"train: {count(self.windows['train'], 'window')} from {count(self.tunes['train'], 'file')}; "
               f"eval: {count(self.windows['eval'], 'window')} from {count(self.tunes['eval'], 'file')}"]
        if self.skipped:
            parts = ", ".join(f"{k} {v}" for k, v in sorted(self.skipped.items(), key=lambda kv: -kv[1]))
            out.append(f"skipped {count(sum(self.skipped.values()), 'file')} ({parts}); see {self.out_dir}/skipped.tsv")
        if self.split:
            out.append(f"clean split: {self.split['near_duplicate_groups']} groups of near-duplicate files on one "
                       f"side each ({self.split['files_moved']} files moved); "
                       f"{self.split['eval_windows_dropped']} held-out windows dropped as copies of training "
                       f"windows up to transposition; {self.split.get('train_windows_dropped', 0)} training "
                       f"windows dropped as repeats of another file's")
        for split, per in self.meters.items():
            if per:
                out.append(f"{split} windows per meter: " + ", ".join(f"{m} {n:,}" for m, n in per.items()))
        if self.capped:
            out.append(f"at most {self.capped['max_windows_per_file']} windows a file: "
                       f"{self.capped['windows_dropped']} dropped")
        out.append(f"wrote {self.out_dir}/train.npz, eval.npz, skipped.tsv, summary.json")
        return out


def read_skips(folder: str | Path) -> list[tuple[str, str]]:
    """(path, kind) of every file a built dataset skipped (its skipped.tsv)."""
    path = Path(folder) / "skipped.tsv"
    if not path.exists():
        return []
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    return [(r[0], r[1]) for r in rows if len(r) >= 2]


def window_chords(path: str, w, steps: int) -> np.ndarray | None:
    """(n, steps) uint8: the chord class of every step of each window of `path`, from the chord file beside
    it (chords.chord_file_for), aligned by the windows' start ticks; None when it has none."""
    from musicvae_lite.music.chords import chord_file_for, chords_on_steps, read_chord_file
    from musicvae_lite.music.midi_read import read_midi

    chord_path = chord_file_for(path)
    if chord_path is None:
        return None
    spans = read_chord_file(chord_path)
    midi = read_midi(path)  # its tempo map turns the file's seconds into ticks
    tick_per_step = midi.ticks_per_quarter / STEPS_PER_QUARTER
    first = np.round(np.asarray(w.start_tick) / tick_per_step).astype(np.int64)  # (n,) step of each window
    per_step = chords_on_steps(spans, midi.tempos, midi.ticks_per_quarter, int(first.max(initial=0)) + steps)
    return per_step[first[:, None] + np.arange(steps)]  # (n, steps)


def _extract_one(path: str, cfg: ExtractConfig) -> FileResult:
    from musicvae_lite.music.chords import ChordError

    try:
        w = extract_file(path, cfg)
        chords = window_chords(path, w, cfg.steps)
    except ChordError as e:
        return FileResult(path, kind="bad-chord-file", reason=str(e))
    except MusicDataError as e:
        return FileResult(path, kind=e.kind, reason=e.reason)
    except Exception as e:  # a batch job never dies on one file; the reason is kept
        return FileResult(path, kind="internal-error", reason=f"unexpected {type(e).__name__}: {e}")
    context = dict(window_qpm=w.tempo.astype(np.float32), window_program=w.program.astype(np.uint8),
                   window_velocity=w.velocity.astype(np.uint8), window_track=w.track.astype(np.int16),
                   window_meter=w.meter.astype("<U5"))
    return FileResult(path, w.events, w.start_bar, w.qpm, context=context, chords=chords)


def _extract_chunk(args: tuple[list[str], ExtractConfig]) -> list[FileResult]:
    paths, cfg = args
    return [_extract_one(p, cfg) for p in paths]


def extract_many(paths: list[str], cfg: ExtractConfig = ExtractConfig(), workers: int | None = None,
                 progress: bool = False) -> list[FileResult]:
    """Extract every file, in parallel processes; results are aligned with `paths`."""
    return map_files(_extract_chunk, paths, cfg, workers=workers, progress=progress)


def _split_rule(sources: list[str], eval_fraction: float, seed: int):
    """(path -> held out?, path -> a test file?): an `info.csv` of a source folder where it lists the file,
    else the hash of the file's name (module docstring)."""
    official = official_split(sources)

    def goes_to_eval(path: str) -> bool:
        side = official.get(str(Path(path).resolve()))
        return is_eval_file(path, eval_fraction, seed) if side is None else side == "eval"

    return goes_to_eval, lambda path: official.get(str(Path(path).resolve())) == "test"


def _window_arrays(used: list[FileResult], idx: list[int], keep: list[np.ndarray], steps: int) -> dict:
    """The kept windows of files `idx` of `used` as the arrays of a split's .npz: events, file_index,
    start_bar, the CONTEXT_ARRAYS, and window_chords when any file of `used` has chords."""
    def joined(get, empty):
        return np.concatenate([get(used[i])[keep[i]] for i in idx]) if idx else empty

    out = dict(events=joined(lambda r: r.events, np.zeros((0, steps), np.uint8)),
               file_index=np.concatenate([np.full(int(keep[i].sum()), i, np.int32) for i in idx]) if idx
               else np.zeros(0, np.int32),
               start_bar=joined(lambda r: r.start_bar, np.zeros(0, np.int32)))
    for name, dtype in CONTEXT_ARRAYS.items():
        out[name] = joined(lambda r, n=name: r.context[n], np.zeros(0, dtype))
    if any(r.chords is not None for r in used):
        from musicvae_lite.music.chords import UNKNOWN

        out["window_chords"] = joined(lambda r: r.chords if r.chords is not None else
                                      np.full(r.events.shape, UNKNOWN, np.uint8), np.zeros((0, steps), np.uint8))
    return out


def build_dataset(sources: list[str], out_dir: str | Path, cfg: ExtractConfig = ExtractConfig(), *,
                  eval_fraction: float = 0.1, seed: int = 0, workers: int | None = None,
                  force: bool = False, progress: bool = False, clean: bool = True,
                  max_windows_per_file: int | None = None) -> BuildSummary:
    """Extract windows from `sources` and write the dataset folder (see the module docstring).
    `max_windows_per_file` keeps at most that many windows of each file, evenly spaced through it, so
    that long pieces do not outweigh short tunes (a Palestrina mass gives ~90 16-bar windows a voice,
    an Essen song one to three)."""
    if not 0.0 <= eval_fraction < 1.0:
        raise DatasetError(f"eval fraction must be in [0, 1), got {eval_fraction}")
    if max_windows_per_file is not None and max_windows_per_file < 1:
        raise DatasetError(f"--max-windows-per-file must be at least 1, got {max_windows_per_file}")
    out = build_folder(out_dir, ("train.npz", "eval.npz", "skipped.tsv", "summary.json"), force)
    t0 = time.perf_counter()
    files, problems = source_files(sources)
    results = extract_many(files, cfg, workers=workers, progress=progress)
    goes_to_eval, is_test = _split_rule(sources, eval_fraction, seed)
    used = [r for r in results if r.events is not None and not is_test(r.path)]  # test files: never in a dataset
    skipped = problems + [r for r in results if r.events is None]
    if not used:
        if len(skipped) == 1:
            raise DatasetError(f"{skipped[0].path}: {skipped[0].reason}")
        kinds = Counter(r.kind for r in skipped)
        raise DatasetError(f"none of {len(files)} files gave a melody window ("
                           + ", ".join(f"{k} {v}" for k, v in kinds.most_common()) + ")")
    in_eval = [goes_to_eval(r.path) for r in used]
    if eval_fraction > 0 and len(used) > 1 and not any(in_eval):
        in_eval[0] = True  # a tiny dataset still gets an eval file
    keep = [np.ones(len(r.events), bool) for r in used]
    split_report = None
    if clean:
        from musicvae_lite.music.melody.split import clean_split

        in_eval, keep, split_report = clean_split([r.path for r in used], [r.events for r in used], in_eval,
                                                  goes_to_eval)
    capped = 0
    if max_windows_per_file is not None:
        for mask in keep:
            kept = np.flatnonzero(mask)
            if len(kept) > max_windows_per_file:
                chosen = kept[np.round(np.linspace(0, len(kept) - 1, max_windows_per_file)).astype(int)]
                mask[:] = False
                mask[chosen] = True
                capped += len(kept) - max_windows_per_file
    out.mkdir(parents=True, exist_ok=True)
    all_files = np.array([r.path for r in used])
    file_qpm = np.array([np.nan if r.qpm is None else r.qpm for r in used], np.float32)
    counts = {}
    tunes = {}
    meters = {}
    for split, want in (("train", False), ("eval", True)):
        idx = [i for i, e in enumerate(in_eval) if e == want]
        context = _window_arrays(used, idx, keep, cfg.steps)
        events, file_index = context["events"], context["file_index"]
        arrays = dict(files=all_files, file_qpm=file_qpm, **context,
                      bars=np.int32(cfg.bars), compat=np.bool_(cfg.compat),
                      steps_per_quarter=np.int32(STEPS_PER_QUARTER), steps_per_bar=np.int32(cfg.steps_per_bar),
                      config=np.array(json.dumps(cfg.to_dict())))
        atomic_write(out / f"{split}.npz", lambda f, a=arrays: np.savez_compressed(f, **a))
        counts[split], tunes[split] = len(events), len({int(i) for i in file_index})
        meters[split] = dict(Counter(context["window_meter"].tolist()).most_common())
    summary = BuildSummary(str(out), len(files), len(used), counts, tunes,
                           dict(Counter(r.kind for r in skipped)), time.perf_counter() - t0, cfg.to_dict(),
                           split_report.to_dict() if split_report else {}, meters=meters)
    if max_windows_per_file is not None:
        summary.capped = {"max_windows_per_file": max_windows_per_file, "windows_dropped": capped}
    data = dict(summary.__dict__, sources=list(sources), eval_fraction=eval_fraction, seed=seed)
    write_build_report(out, skipped, data)
    return summary
