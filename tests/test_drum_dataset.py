"""Drum datasets (music/drums/dataset.py): the official split from an info.csv, the hash split otherwise,
the stored views (512 classes, velocities, offsets) agree with extraction, and bad files are skipped and
reported."""

from __future__ import annotations

import json

import numpy as np
import pytest
from midifiles import scale, write_midi
from test_drum_extract import beat

from musicvae_lite.errors import OverwriteError
from musicvae_lite.music.drums.dataset import build_drum_dataset, load_drum_split
from musicvae_lite.music.drums.encoding import hits_to_classes
from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file
from musicvae_lite.music.sources import DatasetError


@pytest.fixture
def groove_like(tmp_path):
    """A folder laid out as the Groove MIDI Dataset: drummer folders and an info.csv with the split."""
    root = tmp_path / "groove"
    rows = []
    for i, split in enumerate(["train", "train", "train", "validation", "test"]):
        rel = f"drummer{i % 2 + 1}/session1/{i}_rock_120_beat_4-4.mid"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        write_midi(root / rel, [beat(3 + i)])
        rows.append(f"drummer{i % 2 + 1},x,{i},rock,120,beat,4-4,{rel},,1.0,{split}")
    write_midi(root / "drummer1" / "melody_only.mid", [scale()])  # not in the csv, no drums
    (root / "info.csv").write_text("drummer,session,id,style,bpm,beat_type,time_signature,midi_filename,"
                                   "audio_filename,duration,split\n" + "\n".join(rows) + "\n")
    return root


def test_official_split_and_stored_views(groove_like, tmp_path):
    summary = build_drum_dataset([str(groove_like)], tmp_path / "ds", workers=1)
    assert summary.split == "info.csv"
    assert summary.files == {"train": 3, "eval": 1, "test": 1}
    assert summary.windows == {"train": 2 + 3 + 4, "eval": 5, "test": 6}  # bars - 1 windows of 2 bars each
    assert summary.skipped == {"no-drums": 1}
    skipped = (tmp_path / "ds" / "skipped.tsv").read_text()
    assert "melody_only.mid\tno-drums" in skipped
    test = load_drum_split(tmp_path / "ds", "test", bars=2)
    source = extract_drum_file(str(test.files[test.file_index[0]]), DrumConfig())
    assert np.array_equal(test.classes, hits_to_classes(source.hits))
    assert np.array_equal(test.hits, source.hits)
    assert np.allclose(test.velocity, source.velocity, atol=0.5 / 127)
    assert np.allclose(test.offset, source.offset, atol=1e-3)
    assert json.loads((tmp_path / "ds" / "summary.json").read_text())["split"] == "info.csv"


def test_a_beat_hop_adds_training_windows_and_keeps_held_out_ones_on_the_bar(groove_like, tmp_path):
    bar = build_drum_dataset([str(groove_like)], tmp_path / "bar", workers=1)
    beats = build_drum_dataset([str(groove_like)], tmp_path / "beats", DrumConfig(hop=4), workers=1)
    assert beats.windows == {**bar.windows, "train": 4 * 9 - 3 * 3}  # 4 starts a bar, 3 fewer in each file's last bar
    for split in ("eval", "test"):
        a, b = (load_drum_split(tmp_path / d, split, bars=2) for d in ("bar", "beats"))
        assert np.array_equal(a.classes, b.classes) and np.array_equal(a.offset, b.offset)
        assert not b.phase.any()
    train = load_drum_split(tmp_path / "beats", "train", bars=2)
    assert np.bincount(train.phase).tolist() == [9, 0, 0, 0, 6, 0, 0, 0, 6, 0, 0, 0, 6]


def test_without_info_csv_the_split_is_by_file_hash(tmp_path):
    (tmp_path / "src").mkdir()
    for i in range(6):
        write_midi(tmp_path / "src" / f"b{i}.mid", [beat(4)])
    summary = build_drum_dataset([str(tmp_path / "src")], tmp_path / "ds", eval_fraction=0.5, workers=1)
    assert summary.split == "hash" and "test" not in summary.windows
    assert summary.files["train"] + summary.files["eval"] == 6 and summary.files["eval"] > 0
    assert not (tmp_path / "ds" / "test.npz").exists()
    with pytest.raises(OverwriteError):
        build_drum_dataset([str(tmp_path / "src")], tmp_path / "ds", workers=1)
    with pytest.raises(DatasetError, match="needs 4"):
        load_drum_split(tmp_path / "ds", "train", bars=4)


def test_nothing_usable_is_one_line(tmp_path):
    write_midi(tmp_path / "m.mid", [scale()])
    with pytest.raises(DatasetError, match=r"the file gave no drum window \(no-drums 1\)"):
        build_drum_dataset([str(tmp_path / "m.mid")], tmp_path / "ds", workers=1)


def test_compat_build_dedupes_repeated_windows_and_says_so(groove_like, tmp_path):
    from typer.testing import CliRunner

    from musicvae_lite.cli import app

    r = CliRunner().invoke(app, ["data", "build", "--family", "drums", "--compat", str(groove_like), "-o",
                                 str(tmp_path / "c"), "--workers", "1", "--quiet"])
    assert r.exit_code == 0, r.output
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert summary["config"] == {"bars": 2, "compat": True}
    train = load_drum_split(tmp_path / "c", "train", bars=2)
    assert len(train) == 3  # each file's one repeated beat pattern, once (magenta dedupes); default mode: 9
    assert (train.offset == 0).all()  # compat windows are hits only
