"""Issue 21's 'outputs keep the music', end to end through the command line: what a user's files had
(tempo, instrument, loudness) comes back in every file the verbs write, each step of a stitched file
starts on a bar line, and the overrides win."""

from __future__ import annotations

import symusic
from typer.testing import CliRunner

from musicvae_lite.cli import app
from tests.midifiles import write_midi

FLUTE = 73


def _flute_tune(path, shift: int):
    notes = [(67 + (i * 5 + shift) % 12, 4 * i, 4 * i + 3, 0, FLUTE, 64) for i in range(16)]  # 4 bars of quarters
    return write_midi(path, [notes], qpm=96.0)


def test_interpolating_two_96_qpm_flute_tunes_writes_96_qpm_flute_on_bar_lines(tmp_path):
    a, b = _flute_tune(tmp_path / "a.mid", 0), _flute_tune(tmp_path / "b.mid", 3)
    result = CliRunner().invoke(app, ["interpolate", str(a), str(b), "-n", "5", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    stitched = symusic.Score(str(tmp_path / "out" / "interpolation.mid"))
    assert [round(t.qpm, 2) for t in stitched.tempos] == [96.0]
    assert {t.program for t in stitched.tracks} == {FLUTE}
    assert {n.velocity for t in stitched.tracks for n in t.notes} == {64}
    bar = 4 * stitched.ticks_per_quarter  # a 4/4 bar in ticks
    one = symusic.Score(str(tmp_path / "out" / "interpolation_01.mid"))
    assert round(one.tempos[0].qpm, 2) == 96.0 and one.tracks[0].program == FLUTE
    # every step is 2 bars and starts on a bar line: step k's notes are its own file's, moved by 2k bars
    steps = [symusic.Score(str(tmp_path / "out" / f"interpolation_{k:02d}.mid")) for k in range(1, 6)]
    offsets = [min(n.time for n in s.tracks[0].notes) for s in steps]
    stitched_times = sorted(n.time for t in stitched.tracks for n in t.notes)
    assert stitched_times == sorted(n.time + k * 2 * bar for k, s in enumerate(steps) for n in s.tracks[0].notes)
    assert offsets[0] < bar


def test_qpm_and_program_override_what_was_read(tmp_path):
    a, b = _flute_tune(tmp_path / "a.mid", 0), _flute_tune(tmp_path / "b.mid", 3)
    result = CliRunner().invoke(app, ["interpolate", str(a), str(b), "-n", "3", "-o", str(tmp_path / "out"),
                                      "--qpm", "140", "--program", "0"])
    assert result.exit_code == 0, result.output
    score = symusic.Score(str(tmp_path / "out" / "interpolation.mid"))
    assert [round(t.qpm, 2) for t in score.tempos] == [140.0] and score.tracks[0].program == 0


def test_a_sample_made_from_nothing_is_120_qpm_piano(tmp_path):
    result = CliRunner().invoke(app, ["sample", "-n", "2", "--seed", "0", "-o", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    score = symusic.Score(str(tmp_path / "s" / "sample.mid"))
    assert [round(t.qpm, 2) for t in score.tempos] == [120.0] and score.tracks[0].program == 0
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(4, 4)]



def test_drumify_follows_a_tempo_map_from_120_to_80_qpm(tmp_path):
    """`mvae drumify` (the bundled model) of a melody that slows from 120 to 80 qpm at bar 5 writes drums
    with the same tempo events, so they stay with the melody; the report line says so."""
    notes = [(60 + (s // 4) % 7, s, s + 3) for s in range(0, 128, 4)]  # quarter notes over 8 bars
    path = write_midi(tmp_path / "slowing.mid", [notes], qpm=120.0, meta=[("tempo", 64, 80.0)])
    result = CliRunner().invoke(app, ["drumify", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "120 -> 80 qpm" in result.output
    given = symusic.Score(str(path)).to("second")
    made = symusic.Score(str(tmp_path / "out" / "slowing_drumify.mid")).to("second")
    assert [(round(t.time, 4), round(t.qpm, 2)) for t in made.tempos] == \
        [(round(t.time, 4), round(t.qpm, 2)) for t in given.tempos]
    assert max(n.time for t in made.tracks for n in t.notes) > 8.0  # drums go on past the change (bar 5 at 8 s)


def test_a_groove_window_is_written_at_its_beats_tempo(tmp_path):
    """`mvae reconstruct --model groove` of one window of a 96 qpm beat writes 96 qpm drums."""
    beat = [(36 if s % 8 == 0 else 42, s, s + 1, 9, 0, 100) for s in range(0, 64, 2)]  # 4 bars of 8ths
    path = write_midi(tmp_path / "beat.mid", [beat], qpm=96.0)
    result = CliRunner().invoke(app, ["reconstruct", str(path), "--model", "groove", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    score = symusic.Score(str(tmp_path / "out" / "reconstruction.mid"))
    assert [round(t.qpm, 2) for t in score.tempos] == [96.0]
