"""Bad input: a one-line error naming the file and the reason, exit code 2 for a single file; skipped
and reported (never fatal) in `mvae data build`. Every file is made here."""

from __future__ import annotations

import resource
import struct

import numpy as np
import pytest
from typer.testing import CliRunner

from midifiles import scale, write_midi
from musicvae_lite.cli import app
from musicvae_lite.music.errors import MidiReadError, MusicDataError
from musicvae_lite.music.melody.extract import ExtractConfig, extract_file
from musicvae_lite.music.midi_read import read_midi

HEADER = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480)


def track(body: bytes) -> bytes:
    return b"MTrk" + struct.pack(">I", len(body)) + body


def make_bad_files(d):
    """name -> (path, expected kind, a phrase the reason contains)"""
    d.mkdir(exist_ok=True)
    good = write_midi(d / "good.mid", [scale()]).read_bytes()
    files = {
        "missing": (d / "missing.mid", None, "missing", "no such file"),
        "empty": (d / "empty.mid", b"", "empty", "empty file"),
        "not-midi": (d / "notes.mid", b"this is a text file, not MIDI\n", "not-midi", "not a MIDI file"),
        "truncated": (d / "truncated.mid", good[: len(good) - 12], "truncated", "not a readable MIDI file (truncated"),
        "illegal-status": (d / "status.mid", HEADER + track(b"\x00\xf4\x01\x02\x00\xff\x2f\x00"),
                           "corrupt", "status byte"),
        # a program change whose program is a status byte: symusic said "Get program=208"
        "bad-program": (d / "program.mid", HEADER + track(b"\x00\xc0\xd0\x00\xff\x2f\x00"), "corrupt",
                        "not a readable MIDI file (a data byte over 127 in track 1); re-export it"),
        # a note held for 0x0FFFFFFF ticks: pretty_midi refuses it, note-seq needs ~700 MB for it
        "absurd-ticks": (d / "ticks.mid", HEADER + track(b"\x00\x90\x3c\x40\xff\xff\xff\x7f\x80\x3c\x00\x00\xff\x2f\x00"),
                         "absurd-ticks", "absurd tick values"),
        "only-drums": (d / "drums.mid", write_midi(d / "x.mid", [[(36, s, s + 1, 9, 0) for s in range(32)]]).read_bytes(),
                       "only-drums", "only has drums"),
        "out-of-range": (d / "range.mid", write_midi(d / "x.mid", [[(110, 0, 32), (10, 32, 64)]]).read_bytes(),
                         "out-of-range", "piano range"),
        "no-notes": (d / "silent.mid", HEADER + track(b"\x00\xff\x2f\x00"), "no-notes", "no notes"),
        # 7/8: a bar of 14 sixteenths, which no bar length of the grid reads (3/4 and 6/8 are read since issue 22)
        "odd-meter": (d / "seven.mid", write_midi(d / "x.mid", [scale(bars=3)], ts=(7, 8)).read_bytes(),
                      "unsupported-meter", "only 7/8"),
        "too-short": (d / "short.mid", write_midi(d / "x.mid", [[(60, 0, 4)]]).read_bytes(), "too-short",
                      "at least 2 bars"),
    }
    for path, data, _, _ in files.values():
        if data is not None:
            path.write_bytes(data)
    (d / "x.mid").unlink()
    return files


@pytest.fixture
def bad(tmp_path):
    return make_bad_files(tmp_path / "bad")


@pytest.mark.parametrize("case", ["missing", "empty", "not-midi", "truncated", "illegal-status", "bad-program",
                                  "absurd-ticks",
                                  "only-drums", "out-of-range", "no-notes", "odd-meter", "too-short"])
def test_each_bad_file_gives_its_reason(bad, case):
    path, _, kind, phrase = bad[case]
    with pytest.raises(MusicDataError) as e:
        extract_file(path, ExtractConfig())
    assert e.value.kind == kind
    assert phrase in str(e.value) and str(path) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("case", ["missing", "not-midi", "truncated", "absurd-ticks", "only-drums", "odd-meter"])
def test_single_file_command_prints_one_line_and_exits_2(bad, case):
    path, _, _, phrase = bad[case]
    result = CliRunner().invoke(app, ["windows", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and phrase in lines[0] and str(path) in lines[0]
    assert "Traceback" not in result.output


def test_compat_mode_rejects_what_only_the_default_mode_reads(tmp_path):
    path = write_midi(tmp_path / "two.mid", [scale()], ts=(2, 4))
    assert len(extract_file(path, ExtractConfig())) == 1
    result = CliRunner().invoke(app, ["windows", "--compat", str(path)])
    assert result.exit_code == 2 and "only 2/4" in result.output


def test_folder_is_not_a_midi_file(tmp_path):
    with pytest.raises(MidiReadError, match="is a folder"):
        read_midi(tmp_path)


def test_file_size_limit(tmp_path):
    path = write_midi(tmp_path / "a.mid", [scale()])
    with pytest.raises(MidiReadError, match="file too large") as e:
        read_midi(path, max_bytes=16)
    assert e.value.kind == "too-large"


def test_absurd_ticks_use_bounded_memory(bad):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3):
        with pytest.raises(MidiReadError):
            extract_file(bad["absurd-ticks"][0], ExtractConfig(compat=True))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000  # note-seq takes ~700 MB on this file


def test_long_held_note_within_limits_is_bounded_too(tmp_path):
    # a note held for 40,000 quarters (under the absurd-ticks limit) is cut at max_bars, not allocated whole
    path = write_midi(tmp_path / "long.mid", [[(60, 0, 160_000), (62, 160_000, 160_004)]])
    for cfg in (ExtractConfig(), ExtractConfig(compat=True)):
        w = extract_file(path, cfg)
        assert len(w) <= 1000


def test_data_build_skips_and_reports_every_bad_file(bad, tmp_path):
    out = tmp_path / "ds"
    result = CliRunner().invoke(app, ["data", "build", str(bad["missing"][0].parent), str(bad["missing"][0]),
                                      "-o", str(out), "--quiet", "--workers", "1"])
    assert result.exit_code == 0, result.output
    report = (out / "skipped.tsv").read_text().splitlines()[1:]
    by_path = {line.split("\t")[0]: line.split("\t")[1] for line in report}
    for path, _, kind, _ in bad.values():
        assert by_path[str(path)] == kind
    assert "skipped 12 files" in result.output and "train: 1 window from 1 file;" in result.output
    assert np.load(out / "train.npz")["events"].shape[0] + np.load(out / "eval.npz")["events"].shape[0] == 1


def test_data_build_with_nothing_usable_fails_with_the_reason(bad, tmp_path):
    result = CliRunner().invoke(app, ["data", "build", str(bad["empty"][0]), "-o", str(tmp_path / "ds"), "-q"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: ") and "empty file" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_data_build_on_a_folder_without_midi(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no music here")
    result = CliRunner().invoke(app, ["data", "build", str(tmp_path / "empty"), "-o", str(tmp_path / "ds")])
    assert result.exit_code == 2 and "folder without MIDI files" in result.output


def test_data_build_option_of_another_family_names_the_options_as_typed(tmp_path):
    write_midi(tmp_path / "tune.mid", [scale()])
    result = CliRunner().invoke(app, ["data", "build", "--family", "melody", "--hop", "4", str(tmp_path / "tune.mid"),
                                      "-o", str(tmp_path / "ds")])
    assert result.exit_code == 2 and "--hop does not apply to mvae data build with melody models" in result.output
    assert "--quiet" in result.output and "--progress" not in result.output  # `progress` is set by --quiet
