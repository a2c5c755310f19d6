"""Generation from the command line with a small model trained here: interpolate, sample, reconstruct,
encode/decode, attribute vectors, and safe output."""

from __future__ import annotations

import dataclasses

import numpy as np
import pretty_midi
import pytest
import soundfile
from typer.testing import CliRunner

from melodies import random_windows
from midifiles import scale, write_midi
from musicvae_lite.families import load_model
from musicvae_lite.cli import app
from musicvae_lite.core.trainer import Trainer
from musicvae_lite.music.melody import generate as g
from musicvae_lite.music.melody.attributes import note_density
from musicvae_lite.music.audio import num_samples
from musicvae_lite.music.melody.data import MelodyData
from musicvae_lite.music.melody.render import write_melody_midi
from musicvae_lite.music.melody.presets import get_preset
from musicvae_lite.music.melody.task import MelodyTask

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """A small melody VAE trained for a few seconds on random-walk tunes of varied rhythm."""
    tiny = get_preset("mel_2bar_tiny")
    windows = random_windows(256, seed=11)
    cfg = dataclasses.replace(tiny.model, max_beta=0.05, beta_rate=0.0)
    run = tmp_path_factory.mktemp("model") / "run"
    train = dataclasses.replace(tiny.train, steps=250, batch_size=32, eval_every=0, checkpoint_every=250)
    Trainer(MelodyTask(cfg, MelodyData(windows[:224], windows[224:], "synthetic")), train, run, progress=False).fit()
    return run


@pytest.fixture(scope="module")
def tunes(tmp_path_factory):
    d = tmp_path_factory.mktemp("tunes")
    w = random_windows(2, seed=5)
    return [write_melody_midi(d / f"t{i}.mid", w[i]) for i in range(2)]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_interpolation_writes_midi_wav_png_and_its_ends_are_the_reconstructions(model_dir, tunes, tmp_path):
    out = tmp_path / "out"
    result = invoke("interpolate", *tunes, "-n", 5, "-o", out, "--model", model_dir)
    assert result.exit_code == 0, result.output
    steps = [out / f"interpolation_{i:02d}.mid" for i in range(1, 6)]
    assert all(f"wrote {p}" in result.output for p in steps)
    model = load_model(model_dir)
    a, b = (g.melody_from_file(model, t) for t in tunes)
    ends = g.reconstruct(model, np.stack([a, b]))
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    for path, expected in ((steps[0], ends[0]), (steps[-1], ends[1])):
        pm = pretty_midi.PrettyMIDI(str(path))  # reads back
        assert pm.instruments and pm.instruments[0].notes
        np.testing.assert_array_equal(extract_file(path, ExtractConfig()).events[0], expected)
    audio, rate = soundfile.read(out / "interpolation.wav")
    # each step starts on a bar line: the five 2-bar melodies, with at most a bar of rest between them
    bar_lengths = [s for s in range(5 * 32, 5 * 32 + 4 * 16 + 1, 16) if len(audio) == num_samples(s, 120.0, rate)]
    assert len(bar_lengths) == 1 and np.abs(audio).max() > 0.01
    assert (out / "interpolation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stitched = pretty_midi.PrettyMIDI(str(out / "interpolation.mid"))
    assert stitched.get_end_time() == pytest.approx(len(audio) / rate - 0.1, abs=0.3)


def test_interpolated_codes_move_from_a_to_b(model_dir, tunes):
    model = load_model(model_dir)
    a, b = (g.melody_from_file(model, t) for t in tunes)
    codes = g.encode(model, g.interpolate(model, a, b, 7))
    za, zb = g.encode(model, np.stack([a, b]))
    to_b = np.linalg.norm(codes - zb, axis=1)
    assert to_b[0] > to_b[-1]


def test_seed_makes_samples_identical_and_different_seeds_differ(model_dir, tmp_path):
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        assert invoke("sample", "-n", 4, "--seed", seed, "-o", tmp_path / name, "--model", model_dir).exit_code == 0
    same = (tmp_path / "a" / "sample.mid").read_bytes() == (tmp_path / "b" / "sample.mid").read_bytes()
    assert same and (tmp_path / "a" / "sample.wav").read_bytes() == (tmp_path / "b" / "sample.wav").read_bytes()
    assert (tmp_path / "a" / "sample.mid").read_bytes() != (tmp_path / "c" / "sample.mid").read_bytes()


def test_no_overwrite_without_force(model_dir, tunes, tmp_path):
    out = tmp_path / "out"
    assert invoke("reconstruct", tunes[0], "-o", out, "--model", model_dir).exit_code == 0
    before = (out / "reconstruction.png").read_bytes()
    again = invoke("reconstruct", tunes[1], "-o", out, "--model", model_dir)
    assert again.exit_code == 2 and "--force" in again.output
    assert (out / "reconstruction.png").read_bytes() == before
    assert invoke("reconstruct", tunes[1], "-o", out, "--model", model_dir, "--force").exit_code == 0


def test_a_file_without_melody_is_a_one_line_error_with_exit_code_2(model_dir, tunes, tmp_path):
    drums = write_midi(tmp_path / "drums.mid", [[(36, s, s + 1, 9, 0) for s in range(32)]])
    result = invoke("interpolate", drums, tunes[0], "-o", tmp_path / "o", "--model", model_dir)
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: no 2-bar melody in {drums}: it only has drums; for drums use a drum "
                                     f"model (a drums run, or a bundled one from `mvae models`)")
    waltz = write_midi(tmp_path / "waltz.mid", [scale(bars=3)], ts=(3, 4))
    result = invoke("reconstruct", waltz, "-o", tmp_path / "o", "--model", model_dir)
    assert result.exit_code == 2 and "only 3/4" in result.output and len(result.output.strip().splitlines()) == 1


def test_window_choice(model_dir, tmp_path):
    long = write_midi(tmp_path / "long.mid", [scale(bars=4)])
    ok = invoke("reconstruct", long, "--window", 2, "-o", tmp_path / "o", "--model", model_dir)
    assert ok.exit_code == 0, ok.output
    bad = invoke("reconstruct", long, "--window", 9, "-o", tmp_path / "p", "--model", model_dir)
    assert bad.exit_code == 2 and "windows 0..2" in bad.output


def test_encode_then_decode(model_dir, tunes, tmp_path):
    codes = tmp_path / "codes.npy"
    assert invoke("encode", *tunes, "--window", 0, "-o", codes, "--model", model_dir).exit_code == 0
    z = np.load(codes)
    assert z.shape == (2, get_preset("mel_2bar_tiny").model.z_size) and z.dtype == np.float32
    result = invoke("decode", codes, "-o", tmp_path / "dec", "--model", model_dir)
    assert result.exit_code == 0
    model = load_model(model_dir)
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    decoded = extract_file(tmp_path / "dec" / "decoded_01.mid", ExtractConfig()).events[0]
    np.testing.assert_array_equal(decoded, g.decode(model, z[:1])[0])
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((2, 5), np.float32))
    result = invoke("decode", bad, "-o", tmp_path / "x", "--model", model_dir)
    assert result.exit_code == 2 and "codes must be" in result.output


def test_four_corner_grid(model_dir, tunes, tmp_path):
    result = invoke("interpolate", tunes[0], tunes[1], tunes[1], tunes[0], "-n", 3, "-o", tmp_path / "g",
                    "--model", model_dir)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "grid_09.mid").exists() and (tmp_path / "g" / "grid.png").exists()


def test_attribute_vector_moves_note_density_the_intended_way(model_dir, tmp_path):
    model = load_model(model_dir)
    data = random_windows(256, seed=11)
    vector = g.attribute_vector_from_data(model, data, "note_density")
    moved = [g.apply_attribute_vector(model, w, vector, [-2.0, 2.0]) for w in data[:24]]
    down = np.array([note_density(m[0]) for m in moved])
    up = np.array([note_density(m[1]) for m in moved])
    assert np.nanmean(up) > np.nanmean(down)


def test_attribute_commands(model_dir, tunes, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    np.savez(data / "train.npz", events=random_windows(64, seed=2))
    vec = tmp_path / "density.npz"
    result = invoke("attribute", "compute", "note_density", "--data", data, "-o", vec, "--model", model_dir)
    assert result.exit_code == 0, result.output
    result = invoke("attribute", "apply", tunes[0], vec, "--amount", 1.5, "-o", tmp_path / "a", "--model", model_dir)
    assert result.exit_code == 0, result.output
    assert "note_density:" in result.output and (tmp_path / "a" / "attribute.wav").exists()
    assert invoke("attribute", "apply", tunes[0], vec, "--amount", 5, "-o", tmp_path / "b",
                  "--model", model_dir).exit_code == 2


def test_unknown_model_is_a_clear_error(tmp_path, tunes):
    result = invoke("sample", "--model", tmp_path / "nothing", "-o", tmp_path / "o")
    assert result.exit_code == 2 and "no such model" in result.output


def test_decode_of_a_midi_file_says_what_it_expected(model_dir, tunes, tmp_path):
    result = invoke("decode", tunes[0], "-o", tmp_path / "x", "--model", model_dir)
    assert result.exit_code == 2
    assert "is a MIDI file; decode takes a .npy file of codes" in result.output


def test_an_amount_out_of_range_is_one_line(model_dir, tunes, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    np.savez(data / "train.npz", events=random_windows(64, seed=2))
    vec = tmp_path / "density.npz"
    assert invoke("attribute", "compute", "note_density", "--data", data, "-o", vec, "--model", model_dir).exit_code == 0
    result = invoke("attribute", "apply", tunes[0], vec, "--amount", 3, "-o", tmp_path / "b", "--model", model_dir)
    assert result.exit_code == 2 and result.output.strip() == "error: --amount must lie in -2..2, got 3"


def test_the_python_api_names_its_keyword_and_the_cli_its_flag(model_dir, tmp_path):
    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music.melody.outputs import write_melody_set

    melodies = random_windows(2, seed=1)
    write_melody_set(tmp_path / "o", "x", melodies)
    with pytest.raises(MvaeError, match="pass overwrite=True"):
        write_melody_set(tmp_path / "o", "x", melodies)
    assert invoke("sample", "-n", 2, "-o", tmp_path / "s", "--model", model_dir).exit_code == 0
    again = invoke("sample", "-n", 2, "-o", tmp_path / "s", "--model", model_dir)
    assert again.exit_code == 2 and "use --force" in again.output and "overwrite=True" not in again.output


def test_a_model_given_twice_is_an_error(model_dir, tmp_path):
    result = invoke("sample", model_dir, "--model", model_dir, "-o", tmp_path / "o")
    assert result.exit_code == 2 and "two models given" in result.output


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("musicvae_lite ")


def test_an_unknown_run_given_first_is_a_clear_error(tmp_path):
    result = invoke("sample", tmp_path / "nothing", "-o", tmp_path / "o")
    assert result.exit_code == 2 and "no such model" in result.output


def test_eval_reports_the_densest_windows_and_each_collection(model_dir, tmp_path):
    import json

    src = tmp_path / "mix"
    for c, collection in enumerate(("folk", "chorales")):
        for i, w in enumerate(random_windows(6, seed=40 + c)):
            write_melody_midi(src / collection / f"{collection}{i}.mid", w)
    data = tmp_path / "ds"
    assert invoke("data", "build", src, "-o", data, "--eval-fraction", "0.5", "-q").exit_code == 0
    result = invoke("eval", model_dir, data, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    subsets = figures["subsets"]
    evals = np.load(data / "eval.npz")
    held_out = {str(f).split("/")[-2] for f in evals["files"][evals["file_index"]]}
    assert {f"collection:{c}" for c in held_out} | {"densest_10pct"} == set(subsets)
    assert sum(subsets[f"collection:{c}"]["windows"] for c in held_out) == figures["windows"]
    notes = (evals["events"] >= 2).sum(axis=1)
    assert subsets["densest_10pct"]["mean_notes"] >= notes.mean()
    weighted = sum(subsets[f"collection:{c}"]["teacher_forced_accuracy"] * subsets[f"collection:{c}"]["windows"]
                   for c in held_out) / figures["windows"]
    assert weighted == pytest.approx(figures["teacher_forced_accuracy"])
