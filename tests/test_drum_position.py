"""A drum VAE that reads each step's place in the bar (`bar_position`): trained on windows cut on a beat hop,
each told its phase; grown from a model that did not read it, it starts out computing what that model did;
and the command line trains, evaluates and samples with it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from midifiles import write_midi
from test_drum_extract import beat
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.core.trainer import grown_inputs
from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.model import build_drum_vae, controls, encoder_input
from musicvae_lite.music.drums.position import bar_position
from musicvae_lite.music.drums.presets import PRESETS
from musicvae_lite.music.drums.task import DrumTask

TINY = PRESETS["drums_2bar_tiny"].model


def split(n: int, phase) -> DrumSplit:
    rng = np.random.default_rng(0)
    classes = rng.integers(0, 512, (n, TINY.steps))
    zeros = np.zeros((n, TINY.steps, 9), np.float32)
    return DrumSplit(classes, zeros, zeros, np.zeros(n, np.int32), np.array(["a.mid"]), None,
                     None if phase is None else np.asarray(phase, np.uint8))


def test_controls_are_the_bar_position_of_each_window_and_none_without_it():
    cfg = replace(TINY, bar_position=True)
    got = controls(cfg, 3, np.array([0, 4, 12]))
    assert got.shape == (3, 32, 2)
    assert torch.allclose(got[1, 0], got[0, 4]) and torch.allclose(got[2, 4], got[0, 0])  # 12 + 4 = 16: a new bar
    assert not torch.allclose(got[0, 0], got[1, 0])
    assert torch.allclose(controls(cfg, 2)[1], torch.from_numpy(bar_position((32, 1))))  # None: on the bar
    assert controls(TINY, 3, np.array([0, 4, 12])) is None


def test_the_task_gives_each_window_its_phase():
    cfg = replace(TINY, bar_position=True)
    torch.manual_seed(0)
    model = build_drum_vae(cfg).eval()
    on_bar = DrumTask(cfg, split(4, [0, 0, 0, 0]), split(4, None), "x")
    shifted = DrumTask(cfg, split(4, [4, 8, 2, 6]), split(4, None), "x")
    gen = torch.Generator().manual_seed(0)
    index = torch.arange(4)
    a = on_bar.loss(model, on_bar.train_batch(index, gen, torch.device("cpu")), 0, train=False)["loss"]
    gen = torch.Generator().manual_seed(0)
    b = shifted.loss(model, shifted.train_batch(index, gen, torch.device("cpu")), 0, train=False)["loss"]
    assert float(a) != pytest.approx(float(b))  # same windows, other phases: the model reads them
    batch, n = next(iter(on_bar.eval_batches(8, 4, torch.device("cpu"))))
    assert n == 4 and batch["phase"].tolist() == [0, 0, 0, 0]  # held-out windows start on the bar


def test_a_model_grown_to_read_the_position_starts_out_as_the_one_it_grew_from():
    torch.manual_seed(0)
    old = build_drum_vae(TINY).eval()
    new = build_drum_vae(replace(TINY, bar_position=True)).eval()
    new.load_state_dict(grown_inputs(new.state_dict(), old.state_dict()))
    x = torch.from_numpy(split(3, None).classes)
    c = controls(new_cfg := replace(TINY, bar_position=True), 3, np.array([0, 4, 8]))
    with torch.no_grad():
        assert torch.allclose(old.encoder(encoder_input(x)).mu, new.encoder(encoder_input(x), c).mu, atol=1e-6)
        z = torch.randn(3, new_cfg.z_size)
        assert torch.allclose(old.decoder(z, x), new.decoder(z, x, controls=c), atol=1e-5)


def test_command_line_trains_a_drum_model_on_a_beat_hop_with_the_bar_position(tmp_path):
    run = lambda *a: CliRunner().invoke(app, [str(v) for v in a])  # noqa: E731
    (tmp_path / "src").mkdir()
    for i in range(6):
        write_midi(tmp_path / "src" / f"b{i}.mid", [beat(4 + i % 2)])
    r = run("data", "build", "--family", "drums", "--hop", "4", tmp_path / "src", "-o", tmp_path / "ds",
            "--eval-fraction", "0.3", "--quiet")
    assert r.exit_code == 0, r.output
    r = run("train", "drums_2bar_tiny", "--data", tmp_path / "ds", "-o", tmp_path / "plain", "--steps", "4",
            "--threads", "1")
    assert r.exit_code == 0, r.output
    r = run("train", "drums_2bar_tiny", "--data", tmp_path / "ds", "-o", tmp_path / "placed", "--steps", "30",
            "--init-from", tmp_path / "plain", "--set", "bar_position=true", "--threads", "1")
    assert r.exit_code == 0, r.output
    r = run("eval", tmp_path / "placed", tmp_path / "ds", "--json")
    assert r.exit_code == 0 and '"teacher_forced_accuracy"' in r.output, r.output
    r = run("sample", tmp_path / "placed", "-n", "2", "-o", tmp_path / "s", "--seed", "0")
    assert r.exit_code == 0 and (tmp_path / "s" / "sample_02.mid").exists(), r.output
    r = run("reconstruct", tmp_path / "src" / "b0.mid", "--model", tmp_path / "placed", "-o", tmp_path / "r")
    assert r.exit_code == 0, r.output
