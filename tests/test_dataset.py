"""`mvae data build` end to end through typer's CliRunner: sources, outputs, split, safety."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from midifiles import scale, write_midi
from musicvae_lite.cli import app
from musicvae_lite.music.melody.dataset import build_dataset, is_eval_file
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

runner = CliRunner()


def tune(seed: int, bars: int) -> list[tuple[int, int, int]]:
    """A tune of quarter notes on random pitches: tunes of different seeds share no window, not even
    transposed (the clean split would put copies on one side and drop their held-out windows)."""
    pitches = np.random.default_rng(seed).integers(55, 80, size=bars * 4)
    return [(int(p), 4 * i, 4 * i + 4) for i, p in enumerate(pitches)]


@pytest.fixture
def tunes(tmp_path):
    """12 distinct tunes in nested folders (one in 2/4, one in 3/4), plus a non-MIDI file."""
    root = tmp_path / "tunes"
    for i in range(12):
        sub = root / ("a" if i % 2 else "b") / "deep"
        sub.mkdir(parents=True, exist_ok=True)
        ts = (2, 4) if i == 3 else (3, 4) if i == 5 else (4, 4)
        write_midi(sub / f"t{i}.mid", [tune(i, bars=3)], ts=ts, qpm=100.0 + i)
    (root / "notes.txt").write_text("not music")
    return root


def build(args):
    result = runner.invoke(app, ["data", "build", *args, "-q", "--workers", "2"])
    return result


def test_build_writes_numpy_readable_splits_with_no_file_in_both(tunes, tmp_path):
    out = tmp_path / "ds"
    result = build([str(tunes), "-o", str(out), "--eval-fraction", "0.3"])
    assert result.exit_code == 0, result.output
    train = np.load(out / "train.npz", allow_pickle=False)
    evals = np.load(out / "eval.npz", allow_pickle=False)
    assert train["events"].dtype == np.uint8 and train["events"].shape[1] == 32
    assert train["events"].max() < 90 and len(train["file_index"]) == len(train["events"]) == len(train["start_bar"])
    assert set(train["file_index"]).isdisjoint(set(evals["file_index"]))
    assert len(evals["events"]) > 0
    files = train["files"]
    assert len(files) == 11  # the 3/4 tune is skipped, the 2/4 tune is read in pairs of bars
    assert int(train["bars"]) == 2 and not bool(train["compat"]) and int(train["steps_per_quarter"]) == 4
    assert json.loads(str(train["config"]))["bars"] == 2
    # each window is what extract_file gives for its source file
    for i in range(len(train["events"])):
        src = extract_file(str(files[train["file_index"][i]]), ExtractConfig())
        assert any((w == train["events"][i]).all() for w in src.events)
    assert np.nanmin(train["file_qpm"]) >= 100.0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["files_read"] == 12 and summary["files_used"] == 11
    assert summary["skipped"] == {"unsupported-meter": 1}
    assert summary["windows"]["train"] + summary["windows"]["eval"] == len(train["events"]) + len(evals["events"])
    assert "skipped 1 file (unsupported-meter 1)" in result.output


def test_compat_and_bars_are_recorded(tunes, tmp_path):
    out = tmp_path / "ds"
    assert build([str(tunes), "-o", str(out), "--compat", "--bars", "3"]).exit_code == 0
    train = np.load(out / "train.npz")
    assert bool(train["compat"]) and train["events"].shape[1] == 48
    assert len(train["files"]) == 10  # compat mode skips the 2/4 tune too


def test_globs_and_single_files_are_sources(tunes, tmp_path):
    out = tmp_path / "ds"
    result = build([str(tunes / "a" / "**" / "*.mid"), str(tunes / "b" / "deep" / "t0.mid"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(np.load(out / "train.npz")["files"]) == 5 + 1  # a/ holds 6 tunes, t5 (3/4) is skipped


def test_existing_dataset_is_not_overwritten_without_force(tunes, tmp_path):
    out = tmp_path / "ds"
    assert build([str(tunes), "-o", str(out)]).exit_code == 0
    before = (out / "train.npz").read_bytes()
    again = build([str(tunes / "a"), "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert (out / "train.npz").read_bytes() == before
    assert build([str(tunes / "a"), "-o", str(out), "--force"]).exit_code == 0
    assert (out / "train.npz").read_bytes() != before


def test_split_is_stable_when_files_are_added(tunes, tmp_path):
    files = sorted(str(p) for p in tunes.rglob("*.mid"))
    small = build_dataset(files[:6], tmp_path / "s", eval_fraction=0.5)
    big = build_dataset(files, tmp_path / "b", eval_fraction=0.5)
    assert small.files_used and big.files_used
    for f in files[:6]:
        assert is_eval_file(f, 0.5) == is_eval_file(f, 0.5, seed=0)
    eval_small = set(np.load(tmp_path / "s" / "eval.npz")["files"][np.load(tmp_path / "s" / "eval.npz")["file_index"]])
    eval_big = set(np.load(tmp_path / "b" / "eval.npz")["files"][np.load(tmp_path / "b" / "eval.npz")["file_index"]])
    assert eval_small <= eval_big


def test_parallel_and_serial_builds_agree(tunes, tmp_path):
    a = build_dataset([str(tunes)], tmp_path / "a", workers=1)
    b = build_dataset([str(tunes)], tmp_path / "b", workers=2)
    assert a.windows == b.windows
    for split in ("train", "eval"):
        np.testing.assert_array_equal(np.load(tmp_path / "a" / f"{split}.npz")["events"],
                                      np.load(tmp_path / "b" / f"{split}.npz")["events"])


def test_help_is_instant_and_imports_no_heavy_library():
    code = ("import sys, musicvae_lite.cli; "
            "heavy = [m for m in ('torch', 'numpy', 'symusic', 'note_seq', 'pretty_midi') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    result = subprocess.run([sys.executable, "-m", "musicvae_lite", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "data" in result.stdout


def test_windows_command_lists_windows(tmp_path):
    path = write_midi(tmp_path / "a.mid", [scale(bars=3)])
    result = runner.invoke(app, ["windows", str(path)])
    assert result.exit_code == 0
    assert "2 windows of 2 bars" in result.output
    assert "C4-" in result.output


def test_windows_of_a_multi_track_file_say_which_track_each_comes_from(tmp_path):
    low = [(p - 12, s, e) for p, s, e in scale(bars=2)]
    path = write_midi(tmp_path / "two.mid", [scale(bars=2), low])
    result = runner.invoke(app, ["windows", str(path)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line[:5].strip().isdigit()]
    assert {row[2] for row in rows} == {"1", "2"}  # the track column: both tracks appear
    assert "tracks: 1 " in result.output and "; 2 " in result.output


def test_the_clean_split_holds_out(tmp_path):
    """A transposed copy of a training tune joins it on the training side; a held-out tune that shares
    one window with a training tune (transposed) loses that window; --keep-duplicates keeps both."""
    from musicvae_lite.music.melody.dataset import is_eval_file

    names = [f"n{i}.mid" for i in range(200)]
    tr = [n for n in names if not is_eval_file(n, 0.5)]
    ev = [n for n in names if is_eval_file(n, 0.5) and n > tr[0]]  # the pair is named by tr[0]: training
    base = tune(1, bars=4)
    root = tmp_path / "src"
    root.mkdir()
    write_midi(root / tr[0], [base])  # a training tune...
    write_midi(root / ev[0], [[(p + 3, s, e) for p, s, e in base]])  # ...and its transposition, named for eval
    other = tune(2, bars=4)
    shared = [(p - 2, s + 64, e + 64) for p, s, e in base[:8]]  # the copy's first 2 bars, at bar 5
    write_midi(root / ev[1], [other + shared])
    for i in range(3, 8):
        write_midi(root / tr[i], [tune(10 + i, bars=4)])
    out = tmp_path / "ds"
    result = build([str(root), "-o", str(out), "--eval-fraction", "0.5"])
    assert result.exit_code == 0, result.output
    evals, train = np.load(out / "eval.npz"), np.load(out / "train.npz")
    eval_files = {Path(str(f)).name for f in evals["files"][evals["file_index"]]}
    assert ev[0] not in eval_files and ev[0] in {Path(str(f)).name for f in train["files"][train["file_index"]]}
    assert eval_files == {ev[1]}
    from musicvae_lite.music.melody.split import transposition_keys

    train_keys = set(transposition_keys(train["events"]))
    assert not set(transposition_keys(evals["events"])) & train_keys
    summary = json.loads((out / "summary.json").read_text())["split"]
    assert summary["files_moved"] == 1 and summary["eval_windows_dropped"] >= 1
    assert "clean split: 1 groups" in result.output
    plain = build([str(root), "-o", str(tmp_path / "plain"), "--eval-fraction", "0.5", "--keep-duplicates"])
    assert plain.exit_code == 0
    plain_eval = np.load(tmp_path / "plain" / "eval.npz")
    assert len(plain_eval["events"]) > len(evals["events"])


def test_a_training_window_repeated_across_files_is_kept_once(tmp_path):
    """Two training files with the same 2 bars (and different others): that window is stored once;
    --keep-duplicates stores it twice."""
    from musicvae_lite.music.melody.dataset import is_eval_file

    names = [n for n in (f"t{i}.mid" for i in range(100)) if not is_eval_file(n, 0.1)][:3]
    held_out = next(n for n in (f"e{i}.mid" for i in range(100)) if is_eval_file(n, 0.1))
    root = tmp_path / "src"
    root.mkdir()
    write_midi(root / held_out, [tune(5, bars=4)])
    common = tune(1, bars=2)
    write_midi(root / names[0], [common + [(p, s + 32, e + 32) for p, s, e in tune(2, bars=2)]])
    write_midi(root / names[1], [common + [(p, s + 32, e + 32) for p, s, e in tune(3, bars=2)]])
    write_midi(root / names[2], [tune(4, bars=4)])
    for folder, extra in (("clean", []), ("plain", ["--keep-duplicates"])):
        result = build([str(root), "-o", str(tmp_path / folder), "--eval-fraction", "0.1", *extra])
        assert result.exit_code == 0, result.output
    clean, plain = (np.load(tmp_path / f / "train.npz")["events"] for f in ("clean", "plain"))
    assert len(np.unique(clean, axis=0)) == len(clean)  # no window twice
    assert len(plain) == len(clean) + 1 and len(np.unique(plain, axis=0)) == len(clean)
    summary = json.loads((tmp_path / "clean" / "summary.json").read_text())["split"]
    assert summary["train_windows_dropped"] == 1


def test_each_window_s_context_is_stored(tmp_path):
    """window_qpm, window_program, window_velocity and window_track: what Playback needs, per window."""
    src = tmp_path / "src"
    src.mkdir()
    for i in range(6):
        notes = [(p, s, e, 0, 73, 60 + 10 * i) for p, s, e in tune(i, bars=4)]
        write_midi(src / f"f{i}.mid", [[(40, 0, 64, 1, 32)], notes], qpm=90.0 + i)  # a bass, then the flute
    build_dataset([str(src)], tmp_path / "ds", eval_fraction=0.3, workers=1)
    for split in ("train", "eval"):
        d = np.load(tmp_path / "ds" / f"{split}.npz")
        n = len(d["events"])
        for name in ("window_qpm", "window_program", "window_velocity", "window_track"):
            assert d[name].shape == (n,), name
        tune_of = np.array([int(Path(str(f)).stem[1:]) for f in d["files"]])[d["file_index"]]
        assert (d["window_qpm"] == 90.0 + tune_of).all()
        assert (d["window_program"] == 73).all() and (d["window_velocity"] == 60 + 10 * tune_of).all()
        assert (d["window_track"] == 1).all()  # the flute, the second track with notes
