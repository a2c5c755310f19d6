"""Groove transfer (`mvae groove BEAT --feel PERFORMANCE`, music/drums/groove/transfer.py) and `--humanize` on
the drum VAE's verbs (music/drums/humanize.py), on tiny synthetic beats with the bundled models, and the
one-line errors for a feel that is not one."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from midifiles import scale, write_midi
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.drums.groove.transfer import apply_feel, feel_of, position_means

KICK, SNARE, HAT = 36, 38, 42
TPQ = 480  # tests/midifiles.py's ticks per quarter: a 16th is 120 ticks


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def beat(bars: int, *, late_snare: float = 0.0, snare_velocity: int = 90, hat_velocity: int = 90) -> list[tuple]:
    """Kick on 1 and 3, snare on 2 and 4 (`late_snare` of a step behind), hats on the eighths."""
    notes = []
    for bar in range(bars):
        o = 16 * bar
        notes += [(KICK, o, o + 1, 9, 0, 100), (KICK, o + 8, o + 9, 9, 0, 100),
                  (SNARE, o + 4 + late_snare, o + 5, 9, 0, snare_velocity),
                  (SNARE, o + 12 + late_snare, o + 13, 9, 0, snare_velocity)]
        notes += [(HAT, o + s, o + s + 1, 9, 0, hat_velocity) for s in range(0, 16, 2)]
    return notes


def drum_notes(path) -> list[tuple[int, int, int]]:
    """(absolute tick, pitch, velocity) of every note-on of a written MIDI file."""
    out = []
    for track in mido.MidiFile(path).tracks:
        t = 0
        for msg in track:
            t += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                out.append((t, msg.note, msg.velocity))
    return out


def test_position_means_fall_back_from_position_to_drum_to_all():
    hits = np.zeros((2, 32, NUM_DRUMS), bool)
    vals = np.zeros(hits.shape, np.float32)
    hits[0, 0, 0], vals[0, 0, 0] = True, 0.2  # kick on the 1 of bar 1 ...
    hits[1, 16, 0], vals[1, 16, 0] = True, 0.4  # ... and of a bar 2: one position in the bar, mean 0.3
    hits[0, 4, 1], vals[0, 4, 1] = True, 1.0  # one snare
    m = position_means(hits, vals)
    assert m.shape == (16, NUM_DRUMS)
    assert m[0, 0] == pytest.approx(0.3) and m[4, 1] == pytest.approx(1.0)
    assert m[8, 0] == pytest.approx(0.3)  # a position the kick never plays: the kick's mean
    assert m[0, 2] == pytest.approx((0.2 + 0.4 + 1.0) / 3)  # a drum never played: the mean of all hits
    shrunk = position_means(hits, vals, shrink=1.0)
    assert 0.3 < shrunk[4, 1] < 1.0  # pulled towards the mean of the drums
    assert position_means(hits, vals, shrink=1e6, to_zero=True)[4, 1] == pytest.approx(0.0, abs=1e-4)


def test_template_transfer_puts_the_feels_timing_and_velocity_on_the_beats_hits():
    feel = np.zeros((1, 32, NUM_DRUMS), bool)
    vel, off = np.zeros(feel.shape, np.float32), np.zeros(feel.shape, np.float32)
    feel[0, [4, 12, 20, 28], 1] = True
    vel[0, [4, 12, 20, 28], 1], off[0, [4, 12, 20, 28], 1] = 0.4, 0.25  # a soft, late snare
    summed = feel_of(None, (feel, vel, off), method="template")
    hits = np.zeros((32, NUM_DRUMS), bool)
    hits[[4, 12], 1] = True
    hits[0, 0] = True  # a kick: the feel has none, so it gets the mean of the feel's hits
    h, v, o = apply_feel(summed, hits)
    assert (h == hits).all()
    assert np.allclose(v[hits], 0.4) and np.allclose(o[hits], 0.25)
    assert not v[~hits].any() and not o[~hits].any()


def test_groove_with_a_feel_plays_the_beat_with_the_feels_timing_and_dynamics(tmp_path):
    beat_path = write_midi(tmp_path / "beat.mid", [beat(4)])  # on the grid, every hit at 90
    feel_path = write_midi(tmp_path / "feel.mid", [beat(6, late_snare=0.25, snare_velocity=40, hat_velocity=70)])
    r = run("groove", beat_path, "--feel", feel_path, "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "played with the feel of" in r.output
    (written,) = (tmp_path / "out").glob("*.mid")
    notes = drum_notes(written)
    snares = [(t, v) for t, p, v in notes if p == SNARE]
    hats = [v for t, p, v in notes if p == HAT]
    assert len(snares) == 8 and len(hats) == 32  # the beat's hits, all of them
    assert all(abs(v - 40) <= 1 for _, v in snares) and all(abs(v - 70) <= 1 for v in hats)
    assert all(abs((t / (TPQ / 4)) % 4 - 0.25) < 0.02 for t, _ in snares)  # a quarter of a step late


def test_a_feel_with_no_drums_in_another_meter_or_empty_is_one_line_and_writes_nothing(tmp_path):
    beat_path = write_midi(tmp_path / "beat.mid", [beat(4)])
    melody = write_midi(tmp_path / "melody.mid", [scale(bars=4)])
    waltz = write_midi(tmp_path / "waltz.mid", [beat(4)], ts=(3, 4))
    empty = write_midi(tmp_path / "empty.mid", [[]])
    for bad, says in ((melody, "no drum track"), (waltz, "4/4 or 2/2"), (empty, "no notes")):
        out = tmp_path / f"out_{bad.stem}"
        r = run("groove", beat_path, "--feel", bad, "-o", out)
        assert r.exit_code != 0, r.output
        line = r.output.strip()
        assert "\n" not in line and "Traceback" not in line and "--feel" in line and says in line, line
        assert not out.exists() or not any(out.iterdir())


def test_drum_vae_humanize_writes_velocities_and_timing(tmp_path):
    a = write_midi(tmp_path / "a.mid", [beat(2)])
    b = write_midi(tmp_path / "b.mid", [beat(2, hat_velocity=90)])
    r = run("interpolate", a, b, "--model", "drums", "-n", "3", "--humanize", "-o", tmp_path / "h")
    assert r.exit_code == 0, r.output
    assert "humanized by the bundled `groove` model" in r.output
    notes = drum_notes(tmp_path / "h" / "interpolation_01.mid")
    assert len({v for _, _, v in notes}) > 3  # dynamics, not one velocity
    assert any(t % (TPQ // 4) for t, _, _ in notes)  # some hit off the grid
    r = run("interpolate", a, b, "--model", "drums", "-n", "3", "-o", tmp_path / "plain")
    assert r.exit_code == 0, r.output
    plain = drum_notes(tmp_path / "plain" / "interpolation_01.mid")
    assert len({v for _, _, v in plain}) == 1 and not any(t % (TPQ // 4) for t, _, _ in plain)
    assert sorted(p for _, p, _ in plain) == sorted(p for _, p, _ in notes)  # the same hits, played


def test_drum_vae_sample_with_a_feel(tmp_path):
    feel_path = write_midi(tmp_path / "feel.mid", [beat(4, snare_velocity=30, hat_velocity=30)])
    r = run("sample", "--model", "drums", "-n", "2", "--seed", "1", "--feel", feel_path, "-o", tmp_path / "s")
    assert r.exit_code == 0, r.output
    assert "played with the feel of feel.mid" in r.output
    notes = drum_notes(tmp_path / "s" / "sample.mid")
    played = [v for _, p, v in notes if p in (SNARE, HAT)]
    assert played and all(abs(v - 30) <= 1 for v in played)  # the feel's soft snare and hats


def test_humanize_given_to_a_melody_model_is_one_line(tmp_path):
    r = run("sample", "--model", "default", "-n", "1", "--humanize", "-o", tmp_path / "m")
    assert r.exit_code != 0
    line = r.output.strip()
    assert "\n" not in line and "--humanize" in line and "--model drums" in line, line
    assert not (tmp_path / "m").exists()


def test_the_python_api_transfers_a_feel_by_either_method(tmp_path):
    from musicvae_lite.music.drums.groove.generate import humanize
    from musicvae_lite.music.drums.groove.transfer import read_feel, transfer
    from musicvae_lite.music.drums.humanize import groove_model

    model = groove_model()
    feel = read_feel(model, write_midi(tmp_path / "feel.mid", [beat(4, late_snare=0.25, snare_velocity=40)]))
    hits = np.zeros((2, 32, NUM_DRUMS), bool)
    hits[:, [4, 12, 20, 28], 1] = True
    hits[:, ::4, 0] = True
    perf = (hits, np.zeros(hits.shape, np.float32), np.zeros(hits.shape, np.float32))
    tpl = transfer(model, perf, feel)
    assert (tpl[0] == hits).all() and np.allclose(tpl[1][:, :, 1][hits[:, :, 1]], 40 / 127, atol=1e-3)
    plain = humanize(model, perf)
    res = transfer(model, perf, feel, method="residual")
    assert (res[0] == hits).all()
    # the residual moves the humanized snare towards the feel's late, soft one
    snare = hits[..., 1]
    assert (res[2][..., 1][snare] - plain[2][..., 1][snare]).mean() > 0.05
    assert (res[1][..., 1][snare] - plain[1][..., 1][snare]).mean() < -0.05


@pytest.mark.parametrize("verb", ["grid", "reconstruct", "vary", "continue"])
def test_every_drum_verb_humanizes(tmp_path, verb):
    files = [write_midi(tmp_path / f"{i}.mid", [beat(2, hat_velocity=60 + 10 * i)]) for i in range(4)]
    args = {"grid": ("interpolate", *files, "-n", "2"), "reconstruct": ("reconstruct", files[0]),
            "vary": ("vary", files[0], "-n", "2"), "continue": ("continue", files[0], "--bars", "1", "-n", "1")}[verb]
    r = run(*args, "--model", "drums", "--humanize", "--seed", "0", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    assert "humanized by the bundled `groove` model" in r.output
    for written in (tmp_path / "out").glob("*.mid"):
        notes = drum_notes(written)
        assert notes and len({v for _, _, v in notes}) > 2, written.name  # played, not one velocity


def test_a_bad_feel_for_the_drum_vae_is_one_line_and_writes_nothing(tmp_path):
    melody = write_midi(tmp_path / "melody.mid", [scale(bars=4)])
    for bad in (melody, tmp_path / "missing.mid"):
        r = run("sample", "--model", "drums", "-n", "1", "--feel", bad, "-o", tmp_path / "s")
        assert r.exit_code != 0
        line = r.output.strip()
        assert "\n" not in line and line.startswith("error: --feel") and "as the feel" in line, line
        assert not (tmp_path / "s").exists()
