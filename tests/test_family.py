"""A new kind of model is a folder plus one registry line: a toy family (tests/toy_family/) is registered
and driven through `mvae presets`, `train`, `sample` and `eval`, with no branch for it in the command line;
what it does not support gets the one-line errors every family gives."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from musicvae_lite import families
from musicvae_lite.cli import app
from musicvae_lite.core.family import FamilyError
from toy_family.family import ToyFamily

runner = CliRunner()


@pytest.fixture
def toy():
    families.register(ToyFamily())  # the one registry line
    yield
    families.FAMILIES.pop("toy")


@pytest.fixture
def points(tmp_path):
    rng = np.random.default_rng(0)
    t = rng.normal(size=(400, 1))
    pts = (t @ np.array([[1.0, -2.0, 0.5, 3.0]]) + 0.05 * rng.normal(size=(400, 4))).astype(np.float32)
    path = tmp_path / "points.npy"
    np.save(path, pts)
    return path, pts


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_a_registered_toy_family_trains_samples_and_evaluates_through_the_cli(toy, points, tmp_path):
    path, pts = points
    assert "toy_vae" in invoke("presets").output
    run = tmp_path / "run"
    result = invoke("train", "toy_vae", "--data", path, "-o", run, "-q", "--threads", "1")
    assert result.exit_code == 0, result.output
    assert "trained 200 steps" in result.output
    assert json.loads((run / "config.json").read_text())["task"]["family"] == "toy"

    result = invoke("sample", run, "-n", 5, "--seed", 3, "-o", tmp_path / "s")
    assert result.exit_code == 0, result.output
    samples = np.load(tmp_path / "s" / "samples.npy")
    assert samples.shape == (5, 4) and np.isfinite(samples).all()

    result = invoke("eval", run, path, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    held_out = pts[int(0.8 * len(pts)):]
    spread = float(((held_out - held_out.mean(axis=0)) ** 2).sum(axis=1).mean())  # mse of the mean point
    assert figures["step"] == 200 and figures["mse"] < 0.2 * spread


def test_what_a_family_does_not_support_is_a_one_line_error(toy, points, tmp_path):
    path, _ = points
    run = tmp_path / "run"
    assert invoke("train", "toy_vae", "--data", path, "-o", run, "-q", "--steps", 5).exit_code == 0
    for args, fragment in (
            (["interpolate", run, "a", "b"], "toy models do not interpolate; they support: sample"),
            (["sample", run, "--temperature", 0.3], "--temperature does not apply to mvae sample with toy models; "
                                                    "it takes: -n, --seed"),
            (["plot", run], "toy models do not draw run pictures"),
            (["eval", run, path, "--iwae-k", 5], "--iwae-k does not apply to mvae eval of toy models"),
            (["data", "build", path, "-o", tmp_path / "d", "--family", "toy"], "toy models do not build datasets"),
            (["windows", path, "--family", "nope"], "unknown model family 'nope'")):
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert fragment in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_resume_counts_this_call_s_steps_and_says_when_there_is_nothing_to_do(toy, points, tmp_path):
    path, _ = points
    run = tmp_path / "run"
    assert "trained 30 steps" in invoke("train", "toy_vae", "--data", path, "-o", run, "-q", "--steps", 30).output
    result = invoke("train", "toy_vae", "--data", path, "-o", run, "-q", "--steps", 50, "--resume")
    assert result.exit_code == 0 and "trained 20 steps (now at step 50)" in result.output
    result = invoke("train", "toy_vae", "--data", path, "-o", run, "-q", "--steps", 40, "--resume")
    assert result.exit_code == 0 and "nothing to do" in result.output and "step 50" in result.output


def test_the_registry_refuses_a_second_family_of_the_same_name_or_presets(toy):
    with pytest.raises(FamilyError, match="already registered"):
        families.register(ToyFamily())

    class Clash(ToyFamily):
        name = "clash"

    with pytest.raises(FamilyError, match="toy_vae"):
        families.register(Clash())


def test_request_refuses_inputs_a_verb_does_not_take(tmp_path):
    from musicvae_lite.core.family import Request
    from musicvae_lite.errors import MvaeError

    Request().no_inputs("sample")  # nothing given: fine
    with pytest.raises(MvaeError, match="^sample takes no input files; got a.mid b.mid$"):
        Request(("a.mid", "b.mid")).no_inputs("sample")
    with pytest.raises(MvaeError, match="give one .npy file of codes from `mvae encode`, got 2"):
        Request(("a.npy", "b.npy")).codes()
