"""The groove family (GrooVAE) end to end through the command line on tiny synthetic performances: data
build, training a humanize and a drumify model, eval against the baselines, `mvae groove` and `mvae
drumify` over whole files, the window verbs, and the one-line errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from midifiles import scale, write_midi
from typer.testing import CliRunner

from musicvae_lite.cli import app

KICK, SNARE, HAT = 36, 38, 42


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def performed(bars: int, rng: np.random.Generator, *, quantized: bool = False) -> list[tuple]:
    """A drummer's beat: kick on 1 and 3 (and sometimes the "and" of 3), a laid-back snare on 2 and 4,
    accented eighth-note hats rushing the off-beats; `quantized`: the same hits on the grid at velocity 90."""
    notes = []
    for bar in range(bars):
        o = 16 * bar
        hits = [(KICK, 0, 0.0, 110), (KICK, 8, 0.0, 100), (SNARE, 4, 0.2, 105), (SNARE, 12, 0.2, 105)]
        if rng.random() < 0.5:
            hits.append((KICK, 10, 0.05, 80))
        hits += [(HAT, s, -0.1 if s % 4 else 0.0, 90 if s % 4 == 0 else 50) for s in range(0, 16, 2)]
        for pitch, s, shift, vel in hits:
            t = o + s + (0 if quantized else shift + rng.normal(0, 0.02))
            notes.append((pitch, max(0.0, t), t + 1, 9, 0, 90 if quantized else int(vel)))
    return notes


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("groove")
    rng = np.random.default_rng(0)
    (d / "src").mkdir()
    for i in range(10):
        write_midi(d / "src" / f"p{i}.mid", [performed(4, rng)])
    write_midi(d / "programmed.mid", [performed(3, rng, quantized=True)])
    write_midi(d / "tune.mid", [scale(bars=3)])
    r = run("data", "build", "--family", "drums", d / "src", "-o", d / "ds", "--eval-fraction", "0.3", "--quiet")
    assert r.exit_code == 0, r.output
    for view, control in (("humanize", "false"), ("drumify", "true"), ("humanize", "true")):
        out = d / (view if control == "false" or view == "drumify" else "humanize_control")
        r = run("train", "groove_2bar_tiny", "--data", d / "ds", "-o", out, "--steps", "40", "--threads", "1",
                "--set", f"view={view}", "--set", f"control={control}", "--set", f"masked={control}", "-q")
        assert r.exit_code == 0, r.output
    return d


def test_eval_reports_the_view_and_its_baselines(trained):
    r = run("eval", trained / "humanize", trained / "ds")
    assert r.exit_code == 0, r.output
    assert "timing (ms)" in r.output and "groove_template" in r.output and "quantized_mean_velocity" in r.output
    r = run("eval", trained / "drumify", trained / "ds", "--json")
    assert r.exit_code == 0, r.output
    import json

    figures = json.loads(r.output)
    assert figures["view"] == "drumify" and set(figures["onset_f1"]) == {"kick", "snare", "hi-hat", "mean"}
    assert set(figures["baselines"]) == {"most_frequent_step", "most_frequent_step_per_position",
                                         "most_frequent_window"}


@pytest.mark.parametrize("run_name", ["humanize", "humanize_control"])
def test_groove_plays_the_same_hits_over_the_whole_file(trained, run_name):
    from musicvae_lite.music.drums.extract import drum_stretches
    from musicvae_lite.music.midi_read import read_midi

    d = trained
    out = d / f"g_{run_name}"
    r = run("groove", d / "programmed.mid", "--model", d / run_name, "-o", out)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [f"programmed_humanize.{k}" for k in ("mid", "png", "wav")]
    (given,) = drum_stretches(read_midi(d / "programmed.mid"))
    (played,) = drum_stretches(read_midi(out / "programmed_humanize.mid"))
    assert played.bars == given.bars == 3  # all of it, not one window
    assert (played.hits == given.hits).all()  # the same hits, whatever the model learnt
    r = run("groove", d / "programmed.mid", "--model", d / run_name, "-o", out)
    assert r.exit_code == 2 and "already exists" in r.output  # nothing is overwritten without --force


def test_drumify_makes_a_beat_from_a_melody(trained):
    from musicvae_lite.music.midi_read import read_midi

    d = trained
    r = run("drumify", d / "tune.mid", "--model", d / "drumify", "-o", d / "dr", "--seed", "0", "--temperature", "1")
    assert r.exit_code == 0, r.output
    assert "tune.mid: 4 bars" in r.output  # three bars of melody, the last window padded
    written = read_midi(d / "dr" / "tune_drumify.mid")
    assert all(t.is_drum for t in written.tracks)


def test_a_batch_skips_a_bad_file_and_goes_on(trained, tmp_path):
    d = trained
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi at all")
    r = run("groove", d / "programmed.mid", bad, d / "tune.mid", "--model", d / "humanize", "-o", tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "skipped" in r.output and str(bad) in r.output and "tune.mid" in r.output
    assert (tmp_path / "o" / "programmed_humanize.mid").exists()


def test_errors_name_the_command_or_model_to_use(trained):
    d = trained
    r = run("groove", d / "tune.mid", "--model", d / "humanize", "-o", d / "x")
    assert r.exit_code == 2 and "no drum track" in r.output and "mvae drumify" in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = run("groove", d / "programmed.mid", "--model", d / "drumify", "-o", d / "x")
    assert r.exit_code == 2 and "is a drumify model" in r.output
    r = run("train", "groove_2bar_tiny", "--data", d / "ds", "-o", d / "y", "--set", "view=piano")
    assert r.exit_code == 2 and "view must be one of" in r.output
    r = run("sample", d / "drumify", "-o", d / "z")  # its decoder needs the taps of an input
    assert r.exit_code == 2 and "cannot decode from codes alone" in r.output and "mvae drumify" in r.output


def test_window_verbs(trained):
    d = trained
    r = run("interpolate", d / "src" / "p0.mid", d / "src" / "p1.mid", "--model", d / "humanize", "-n", "3",
            "-o", d / "i")
    assert r.exit_code == 0 and (d / "i" / "interpolation.png").exists(), r.output
    r = run("sample", d / "humanize", "-n", "2", "-o", d / "s", "--seed", "1")
    assert r.exit_code == 0 and (d / "s" / "sample.wav").exists(), r.output
    r = run("reconstruct", d / "src" / "p2.mid", "--model", d / "humanize", "-o", d / "r")
    assert r.exit_code == 0 and "from the input's" in r.output, r.output
    r = run("encode", d / "src" / "p2.mid", d / "src" / "p3.mid", "--model", d / "humanize", "-o", d / "z.npy")
    assert r.exit_code == 0 and np.load(d / "z.npy").shape == (2, 16), r.output
    r = run("decode", d / "z.npy", "--model", d / "humanize", "-o", d / "dec")
    assert r.exit_code == 0 and (d / "dec" / "decoded.mid").exists(), r.output
    r = run("reconstruct", d / "tune.mid", "--model", d / "drumify", "-o", d / "rd")
    assert r.exit_code == 0 and "of the rhythm's" in r.output, r.output


def test_a_missing_soundfont_is_a_one_line_error(trained, tmp_path):
    d = trained
    r = run("groove", d / "programmed.mid", "--model", d / "humanize", "-o", tmp_path / "o", "--soundfont",
            tmp_path / "kit.sf2")
    assert r.exit_code == 2 and "SoundFont" in r.output and "not found" in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()  # nothing half-written
    r = run("sample", d / "humanize", "-n", "1", "-o", tmp_path / "s", "--soundfont", tmp_path / "kit.sf2")
    assert r.exit_code == 2 and "not found" in r.output, r.output


def test_export_keeps_weights_and_takes_a_tuned_threshold(trained, tmp_path):
    from musicvae_lite import families
    from musicvae_lite.core.bundled import export_bundled
    from musicvae_lite.music.drums.dataset import load_drum_split
    from musicvae_lite.music.drums.groove.evaluate import tune_hit_threshold

    d = trained
    model = families.load(d / "drumify").model
    best, scores = tune_hit_threshold(model, load_drum_split(d / "ds", "eval", 2), candidates=(0.5, 0.3))
    target = scores["drummers_hits_per_window"]
    assert best in (0.5, 0.3) and scores[0.3]["hits_per_window"] >= scores[0.5]["hits_per_window"]
    assert abs(scores[best]["hits_per_window"] - target) == min(abs(scores[t]["hits_per_window"] - target)
                                                                 for t in (0.5, 0.3))
    out = export_bundled(d / "drumify", tmp_path / "drumify.pt", model_settings={"hit_threshold": best})
    again = families.load(out).model
    assert again.config.hit_threshold == best and again.config.view == "drumify"


@pytest.mark.parametrize("name, command, example, phrases", [
    ("groove", "groove", "drums/funk.mid", ("groove_2bar_humanize_cpu", "timing (ms)")),
    ("drumify", "drumify", "melody/morning.mid", ("groove_2bar_drumify_cpu", "onset F1", "threshold"))])
def test_bundled_groove_models(tmp_path, name, command, example, phrases):
    from musicvae_lite.core.bundled import EXAMPLES
    from musicvae_lite.families import list_bundled
    from musicvae_lite.music.drums.extract import drum_stretches
    from musicvae_lite.music.midi_read import read_midi

    found = {n: (path, card) for n, path, card in list_bundled()}
    path, card = found[name]
    assert path.stat().st_size <= 20 * 2**20
    text = card.read_text()
    for phrase in ("Groove MIDI Dataset", "CC BY 4.0", "Gillick", "test split", "mvae train", *phrases):
        assert phrase in text, phrase
    r = run(command, EXAMPLES / example, "-o", tmp_path)  # the bundled model is the default
    assert r.exit_code == 0, r.output
    (made,) = drum_stretches(read_midi(tmp_path / f"{Path(example).stem}_{'humanize' if name == 'groove' else name}.mid"))
    if name == "groove":
        (given,) = drum_stretches(read_midi(EXAMPLES / example))
        assert (made.hits == given.hits).all() and np.ptp(made.velocity[made.hits]) > 0.1  # played, not flat
    else:
        assert made.hits.any(axis=1).mean() > 0.2  # a beat, not silence
