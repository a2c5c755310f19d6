"""`mvae personalize` (issue 25, "Make it mine"; magenta.js's MidiMe): a small VAE over a base melody model's
codes of one musician's windows, saved as a model every generation verb takes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from melodies import random_windows
from musicvae_lite.cli import app
from musicvae_lite.core.checkpoint import load_checkpoint, save_checkpoint
from musicvae_lite.core.config import config_to_dict
from musicvae_lite.errors import MvaeError
from musicvae_lite.families import load
from musicvae_lite.music.melody.encoding import NUM_CLASSES
from musicvae_lite.music.melody.midime import MidiMeConfig, build_midime, layers_for, train_midime
from musicvae_lite.music.melody.personal_model import PersonalizedModel
from musicvae_lite.music.melody.personalize import MIN_WINDOWS, personalize
from musicvae_lite.music.melody.render import write_melody_midi
from musicvae_lite.music.sequence_generate import decode, encode, interpolate, sample, vary
from tests.test_meter_models import _tiny

runner = CliRunner()


def _base(path, step: int = 0):
    """A tiny melody model that reads the meter, saved as a checkpoint file (`step`: another file)."""
    model = _tiny(True)
    config = {"task": {"family": "melody", "model": config_to_dict(model.config)}}
    return save_checkpoint(path, config=config, model=model.vae.state_dict(), step=step)


def _tune(path, bars: int = 20, seed: int = 1):
    """A MIDI file of `bars` bars of 4/4 (random-walk windows in turn)."""
    return write_melody_midi(path, random_windows(bars // 2, seed=seed).reshape(-1))


@pytest.fixture()
def made(tmp_path):
    base = _base(tmp_path / "base.pt")
    tune = _tune(tmp_path / "tune.mid")
    return personalize([tune], tmp_path / "mine", model=str(base), epochs=40), base, tune


def test_the_small_vae_learns_the_codes():
    torch.manual_seed(0)
    codes = torch.randn(12, 2) @ torch.randn(2, 16)  # on a plane: a 4-dimensional latent can hold them
    cfg = MidiMeConfig(code_size=16, epochs=150, beta=0.1)
    before = build_midime(cfg)
    after = build_midime(cfg)
    terms = train_midime(after, codes, cfg)
    with torch.no_grad():
        err = [(v.decoder.generate(v.encoder(codes).mu) - codes).pow(2).mean() for v in (before, after)]
    assert err[1] < 0.5 * err[0] and math.isfinite(terms["rmse"])
    assert [m.out_features for m in after.encoder.body[0] if isinstance(m, torch.nn.Linear)] == [64, 16, 16]
    assert layers_for(256) == (1024, 256, 64)  # MidiMe's, for codes of 256
    assert after.encoder.z_size == 4


def test_personalize_saves_a_model_whose_samples_decode(made, tmp_path):
    made, base, tune = made
    assert made.path == tmp_path / "mine.pt" and made.card == tmp_path / "mine.md"
    assert made.windows == 19 and made.meters == {"4/4": 19}  # 20 bars: windows of 2 bars, a bar apart
    card = made.card.read_text()
    assert "tune.mid" in card and "19 windows" in card and str(base.resolve()) in card
    model = load(made.path).model
    assert isinstance(model, PersonalizedModel) and model.z_size == 4 and model.meter == "4/4"
    tunes = sample(model, 5, seed=0)
    assert tunes.shape == (5, 32) and tunes.max() < NUM_CLASSES
    assert not np.array_equal(tunes, sample(load(str(base)).model, 5, seed=0))  # not the base's samples


def test_loading_round_trips_the_small_vae_and_what_it_was_made_from(made):
    made, base, tune = made
    state = load_checkpoint(made.path)
    info = state.config["task"]["model"]["personalized"]
    assert info["base"]["path"] == str(base.resolve()) and len(info["base"]["sha256"]) == 64
    assert info["made_from"]["files"] == {str(tune): 19} and state.step == 40
    model, again = load(made.path).model, load(made.path).model
    windows = random_windows(3, seed=9)
    codes = encode(model, windows)
    assert codes.shape == (3, 4) and np.allclose(codes, encode(again, windows))
    assert np.array_equal(decode(model, codes), decode(again, codes))
    with pytest.raises(MvaeError, match=r"\(n, 4\)"):
        decode(model, np.zeros((1, model.config.z_size), np.float32))  # the base's codes are not its codes


def test_a_changed_or_missing_base_is_one_line(made, tmp_path):
    made, base, _ = made
    _base(base, step=5)  # another checkpoint in the base's file
    with pytest.raises(MvaeError, match="has changed since it was personalized"):
        load(made.path)
    base.unlink()
    with pytest.raises(MvaeError, match="is missing"):
        load(made.path)


def test_interpolate_and_vary_go_through_its_latent(made):
    model = load(made[0].path).model
    a, b = random_windows(2, seed=4)
    steps = interpolate(model, a, b, 5)
    assert steps.shape == (5, 32)
    za, zb = encode(model, np.stack([a, b]))  # (4,) each: the small latent's
    assert np.array_equal(steps[0], decode(model, za)[0]) and np.array_equal(steps[-1], decode(model, zb)[0])
    assert np.array_equal(vary(model, a, 3, amount=1.0, seed=2), sample(model, 3, temperature=0.0, seed=2))


def test_the_cli_makes_it_and_every_generation_verb_takes_it(tmp_path):
    base = _base(tmp_path / "base.pt")
    tune, other = _tune(tmp_path / "tune.mid"), _tune(tmp_path / "other.mid", seed=7)
    mine = tmp_path / "mine.pt"
    result = runner.invoke(app, ["personalize", str(tune), "-o", str(tmp_path / "mine"), "--model", str(base),
                                 "--epochs", "20"])
    assert result.exit_code == 0, result.output
    assert "made yours from 19 windows (19 in 4/4) of 1 file" in result.output and mine.exists()
    for args in (["sample", "--model", str(mine), "-n", "3"],
                 ["interpolate", str(tune), str(other), "--model", str(mine), "-n", "4"],
                 ["vary", str(tune), "--model", str(mine), "-n", "3"],
                 ["reconstruct", str(tune), "--model", str(mine)]):
        out = tmp_path / args[0]
        result = runner.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert len(list(out.glob("*.mid"))) >= 2 and (out / f"{next(out.glob('*.png')).stem}.wav").exists()
    again = runner.invoke(app, ["personalize", str(tune), "-o", str(mine), "--model", str(base)])
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output
    assert runner.invoke(app, ["personalize", str(tune), "-o", str(mine), "--model", str(base), "--force",
                               "--epochs", "2"]).exit_code == 0


def test_too_few_windows_and_bad_files(tmp_path):
    base = str(_base(tmp_path / "base.pt"))
    short = _tune(tmp_path / "short.mid", bars=4)  # 3 windows
    junk = tmp_path / "junk.mid"
    junk.write_bytes(b"not a midi file")
    empty = tmp_path / "empty.mid"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["personalize", str(short), str(junk), "-o", str(tmp_path / "m"), "--model", base])
    assert result.exit_code == 2 and f"needs at least {MIN_WINDOWS}" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not list(tmp_path.glob("m.*"))
    made = personalize([junk, empty, tmp_path / "nowhere.mid", _tune(tmp_path / "tune.mid")], tmp_path / "m",
                       model=base, epochs=2)  # skip the bad files, keep going
    assert made.windows == 19 and [f.split("/")[-1] for f, _ in made.skipped] == ["junk.mid", "empty.mid",
                                                                                   "nowhere.mid"]
    assert any("skipped" in line and "junk.mid" in line for line in made.lines())


def test_a_base_it_cannot_personalize_and_verbs_it_cannot_serve(made, tmp_path):
    made, _, tune = made
    for model, says in (("drums", "is a drums model; personalizing needs a melody model"),
                        (str(made.path), "is already personalized")):
        result = runner.invoke(app, ["personalize", str(tune), "-o", str(tmp_path / "x"), "--model", model])
        assert result.exit_code == 2 and says in result.output and not (tmp_path / "x.pt").exists(), result.output
    out, mine = tmp_path / "refused", str(made.path)
    for args, says in ((["attribute", "apply", str(tune), "note_density", "--model", mine, "-o", str(out)],
                        "do not have attribute vectors"),
                       (["groove", str(tune), "--model", mine, "-o", str(out)], "do not make over whole files"),
                       (["eval", mine, str(tmp_path)], "cannot be evaluated"),
                       (["train", "mel_2bar_tiny", "--data", str(tmp_path), "--init-from", mine, "-o", str(out)],
                        "cannot be trained further")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and says in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and not out.exists()
