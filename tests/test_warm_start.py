"""`mvae train --warm-start`: a new model takes the weights of another that fit it (by name and shape; a
hierarchical bar decoder takes a flat model's decoder), the rest freshly initialized."""

from __future__ import annotations

import torch
from melodies import write_dataset
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.core.runs import warm_weights


def test_warm_weights_take_what_fits_and_nest_one_level_deeper():
    target = {"encoder.lstm.weight": torch.zeros(4, 3), "encoder.mu.weight": torch.zeros(8, 4),
              "decoder.core.rnn.weight": torch.zeros(5, 5), "decoder.conductor.weight": torch.zeros(2, 2)}
    source = {"encoder.lstm.weight": torch.ones(4, 3), "encoder.mu.weight": torch.ones(6, 4),
              "decoder.rnn.weight": torch.full((5, 5), 2.0)}
    out, taken = warm_weights(target, source)
    assert sorted(taken) == ["decoder.core.rnn.weight", "encoder.lstm.weight"]
    assert out["decoder.core.rnn.weight"].eq(2).all() and out["encoder.lstm.weight"].eq(1).all()
    assert out["encoder.mu.weight"].eq(0).all() and out["decoder.conductor.weight"].eq(0).all()  # kept fresh


def test_a_hierarchical_run_warm_started_from_a_flat_one(tmp_path):
    from musicvae_lite.core.checkpoint import load_checkpoint, resolve_checkpoint

    melody_dataset = write_dataset(tmp_path / "data", 16, 8)
    runner = CliRunner()
    r = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(melody_dataset), "-o", str(tmp_path / "flat"),
                            "--steps", "2", "--batch-size", "4", "--threads", "1", "-q"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(melody_dataset), "-o", str(tmp_path / "hier"),
                            "--steps", "1", "--batch-size", "4", "--threads", "1", "-q", "--set", "conductor_sizes=16",
                            "--set", "learning_rate=0", "--set", "min_learning_rate=0", "--warm-start", str(tmp_path / "flat")])
    assert r.exit_code == 0, r.output
    assert "warm start from" in r.output and "freshly initialized" in r.output
    flat = load_checkpoint(resolve_checkpoint(tmp_path / "flat")).model
    hier = load_checkpoint(resolve_checkpoint(tmp_path / "hier")).model
    assert torch.equal(hier["decoder.core.output.weight"], flat["decoder.output.weight"])  # lr 0: as taken
    assert torch.equal(hier["encoder.layers.0.weight_ih_l0"], flat["encoder.layers.0.weight_ih_l0"])
    r = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(melody_dataset), "-o", str(tmp_path / "x"),
                            "--warm-start", str(tmp_path / "flat"), "--init-from", str(tmp_path / "flat")])
    assert r.exit_code == 2 and "not both" in r.output
