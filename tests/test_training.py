"""The generic trainer with the melody models: learning, exact resumption, faults, and the CLI."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from melodies import random_windows, write_dataset
from musicvae_lite.cli import app
from musicvae_lite.core.checkpoint import CheckpointError, load_checkpoint
from musicvae_lite.core.trainer import TrainConfig, Trainer, TrainingError
from musicvae_lite.music.melody.evaluate import evaluate_melodies
from musicvae_lite.music.melody.data import MelodyData
from musicvae_lite.families import load
from musicvae_lite.music.melody.model import build_melody_vae
from musicvae_lite.music.melody.presets import get_preset
from musicvae_lite.music.melody.task import MelodyTask

TINY = get_preset("mel_2bar_tiny")
runner = CliRunner()


def tiny_task(n_train=8, n_eval=8, seed=0, **model_changes):
    windows = random_windows(n_train + n_eval, seed)
    model = dataclasses.replace(TINY.model, **model_changes)
    return MelodyTask(model, MelodyData(windows[:n_train], windows[n_train:], "synthetic"), "mel_2bar_tiny")


def load_melody_model(path):
    """(VAE, config, step) of a run or checkpoint, through the melody family's one loader (model.py's
    copy, which reached back into generate.py, closed an import circle)."""
    m = load_model(path)
    return m.vae, m.config, m.step


def train_cfg(**changes) -> TrainConfig:
    return dataclasses.replace(TINY.train, **changes)


def test_one_step_lowers_the_loss_on_a_fixed_batch():
    torch.manual_seed(0)
    model = build_melody_vae(dataclasses.replace(TINY.model, max_beta=0.2))
    x = torch.from_numpy(random_windows(16, 1).astype(np.int64))
    noise = torch.randn(16, TINY.model.z_size)
    with torch.no_grad():
        before = float(model(x, x, noise=noise)["loss"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model(x, x, noise=noise)["loss"].backward()
    opt.step()
    with torch.no_grad():
        assert float(model(x, x, noise=noise)["loss"]) < before


def test_tiny_model_overfits_eight_windows_to_perfect_free_running_accuracy(tmp_path):
    task = tiny_task(n_train=8, seed=3)
    result = Trainer(task, train_cfg(), tmp_path / "run", progress=False).fit()
    loaded = load(tmp_path / "run", family="melody").model
    model, step = loaded.vae, loaded.step
    assert step == 600
    figures = evaluate_melodies(model, task.data.train)
    assert figures.teacher_forced_accuracy == 1.0
    assert figures.sampled_accuracy == 1.0
    assert result.eval_metrics["accuracy"] > 0  # periodic evaluation ran and was logged
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert rows[0] == "step,split,name,value" and any(",eval,accuracy," in r for r in rows)


def test_resume_continues_exactly(tmp_path):
    """2N steps straight equal N steps, a resume, then N more: the same weights, bit for bit."""
    task = tiny_task(n_train=24, max_beta=0.3, beta_rate=0.99, transpose=3,
                     sampling_schedule="constant", sampling_rate=0.3)
    cfg = train_cfg(steps=20, batch_size=6, checkpoint_every=10, eval_every=10)
    Trainer(task, cfg, tmp_path / "straight", progress=False).fit()
    Trainer(task, dataclasses.replace(cfg, steps=10), tmp_path / "split", progress=False).fit()
    Trainer(task, cfg, tmp_path / "split", resume=True, progress=False).fit()
    a = load_checkpoint(tmp_path / "straight" / "last.pt")
    b = load_checkpoint(tmp_path / "split" / "last.pt")
    assert a.step == b.step == 20
    for name in a.model:
        assert torch.equal(a.model[name], b.model[name]), name


def test_a_run_folder_is_not_reused_without_resume(tmp_path):
    task = tiny_task()
    Trainer(task, train_cfg(steps=2), tmp_path / "run", progress=False).fit()
    with pytest.raises(TrainingError, match="--resume"):
        Trainer(task, train_cfg(steps=4), tmp_path / "run", progress=False).fit()


def test_a_dataset_smaller_than_one_batch_says_so(tmp_path):
    with pytest.raises(TrainingError, match="fewer than one batch of 8; use --batch-size 5"):
        Trainer(tiny_task(n_train=5), train_cfg(), tmp_path / "run", progress=False).fit()


class ExplodingTask:
    """A generic task (not music) whose loss turns NaN at a given step."""

    def __init__(self, at: int):
        self.at = at

    def describe(self):
        return {"family": "test"}

    def build_model(self):
        return torch.nn.Linear(3, 1)

    def train_size(self):
        return 64

    def train_batch(self, indices, generator, device):
        return torch.randn(len(indices), 3, generator=generator)

    def eval_batches(self, batch_size, limit, device):
        yield torch.ones(4, 3), 4

    def loss(self, model, batch, step, *, train):
        loss = model(batch).pow(2).mean()
        return {"loss": loss * float("nan") if step >= self.at else loss}


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    cfg = TrainConfig(steps=20, batch_size=8, checkpoint_every=5, eval_every=5, log_every=1, precision="fp32")
    with pytest.raises(TrainingError, match=r"became nan at step 12.*ckpt-00000010"):
        Trainer(ExplodingTask(at=12), cfg, tmp_path / "run", progress=False).fit()
    good = load_checkpoint(tmp_path / "run" / "last.pt")
    assert good.step == 10 and all(torch.isfinite(v).all() for v in good.model.values())


def _cli_train(run: Path, data: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "musicvae_lite", "train", "mel_2bar_tiny", "--data", str(data), "-o", str(run),
           "--quiet", "--device", "cpu", *extra]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "timed out"
        time.sleep(0.05)


def test_kill_9_then_resume(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    run = tmp_path / "run"
    proc = _cli_train(run, data, "--steps", "100000", "--set", "checkpoint_every=20")
    _wait_for(run / "last.pt", proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    survivor = load_checkpoint(run / "last.pt")  # intact despite the kill
    assert survivor.step >= 20
    proc = _cli_train(run, data, "--steps", str(survivor.step + 10), "--resume")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert load_checkpoint(run / "last.pt").step == survivor.step + 10


def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    run = tmp_path / "run"
    proc = _cli_train(run, data, "--steps", "100000", "--set", "checkpoint_every=1000000")
    _wait_for(run / "metrics.csv", proc)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted at step" in err and "--resume" in err and "Traceback" not in err
    saved = load_checkpoint(run / "last.pt")
    assert 0 < saved.step < 100000


def test_truncated_and_tampered_checkpoints_give_clear_errors(tmp_path):
    Trainer(tiny_task(), train_cfg(steps=2), tmp_path / "run", progress=False).fit()
    good = (tmp_path / "run" / "last.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(good[: len(good) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        load(tmp_path / "cut.pt")
    flipped = bytearray(good)
    flipped[-100] ^= 0xFF
    (tmp_path / "bad.pt").write_bytes(bytes(flipped))
    result = runner.invoke(app, ["eval", str(tmp_path / "bad.pt"), str(tmp_path)])
    assert result.exit_code == 2 and "checksum" in result.output and "Traceback" not in result.output


def test_train_and_eval_through_the_cli(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    result = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(data), "-o", str(tmp_path / "run"),
                                 "--steps", "30", "--quiet", "--set", "z_size=8"])
    assert result.exit_code == 0, result.output
    assert "trained 30 steps" in result.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["task"]["model"]["z_size"] == 8 and config["train"]["steps"] == 30
    out = runner.invoke(app, ["eval", str(tmp_path / "run"), str(data), "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.output.strip().splitlines()[-1])
    for key in ("teacher_forced_accuracy", "sampled_accuracy", "kl_bits", "windows"):
        assert key in figures
    assert figures["windows"] == 8 and 0 <= figures["sampled_accuracy"] <= 1
    report = runner.invoke(app, ["eval", str(tmp_path / "run"), str(data)])
    assert "teacher-forced accuracy" in report.output and "free-running accuracy" in report.output
    assert set(figures["baselines"]) == {"most_common_event", "bigram"} and "bigram" in report.output


def test_unknown_preset_and_bad_settings_are_one_line_errors(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    for args, phrase in ((["nope"], "unknown preset"), (["mel_2bar_tiny", "--set", "zsize=3"], "unknown setting"),
                         (["mel_2bar_tiny", "--set", "z_size=abc"], "not a valid int")):
        result = runner.invoke(app, ["train", *args, "--data", str(data), "-o", str(tmp_path / "r")])
        assert result.exit_code == 2 and phrase in result.output, result.output


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_data_parallel_training_matches_one_process(tmp_path):
    """torchrun, 2 CPU processes (gloo), global batch 8: the replicas stay identical (the trainer
    compares them at every checkpoint) and end where one process on the same global batch ends."""
    data = write_dataset(tmp_path / "data", 32, 8)
    common = ["train", "mel_2bar_tiny", "--data", str(data), "--steps", "6", "--batch-size", "8", "--quiet",
              "--device", "cpu", "--set", "checkpoint_every=2", "--set", "max_beta=0.5", "--set", "transpose=3"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    single = subprocess.run([sys.executable, "-m", "musicvae_lite", *common, "-o", str(tmp_path / "one")],
                            capture_output=True, text=True, env=env, timeout=300)
    assert single.returncode == 0, single.stderr
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                          "--master_addr", "127.0.0.1", "--master_port", str(_free_port()),
                          "-m", "musicvae_lite", *common, "-o", str(tmp_path / "two")],
                         capture_output=True, text=True, env=env, timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    assert ddp.stdout.count("trained ") == 1  # only rank 0 prints the summary
    config = json.loads((tmp_path / "two" / "config.json").read_text())
    assert config["world_size"] == 2
    one = load_checkpoint(tmp_path / "one" / "last.pt")
    two = load_checkpoint(tmp_path / "two" / "last.pt")
    assert one.step == two.step == 6
    for name in one.model:
        torch.testing.assert_close(two.model[name], one.model[name], rtol=1e-4, atol=1e-5, msg=name)


def test_init_from_starts_at_the_given_weights_and_refuses_ones_that_do_not_fit(tmp_path):
    first = Trainer(tiny_task(), train_cfg(steps=4), tmp_path / "a", progress=False).fit()
    start = load_checkpoint(first.checkpoint).model
    still = Trainer(tiny_task(), train_cfg(steps=1, learning_rate=0.0, min_learning_rate=0.0), tmp_path / "b",
                    progress=False, init_weights=start).fit()
    after = load_checkpoint(still.checkpoint).model
    assert all(torch.equal(start[k], after[k]) for k in start)  # learning rate 0: still the given weights
    wider = tiny_task(z_size=24)
    with pytest.raises(TrainingError, match="do not fit this model"):
        Trainer(wider, train_cfg(steps=1), tmp_path / "c", progress=False, init_weights=start).fit()


def test_init_from_through_the_cli_keeps_the_model_and_takes_new_loss_settings(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    base = ["train", "mel_2bar_tiny", "--data", str(data), "--steps", "2", "--batch-size", "4", "-q"]
    assert runner.invoke(app, [*base, "-o", str(tmp_path / "a"), "--set", "z_size=12"]).exit_code == 0
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "b"), "--init-from", str(tmp_path / "a"),
                                 "--set", "free_bits=7"])
    assert result.exit_code == 0, result.output
    model = load_checkpoint(tmp_path / "b" / "last.pt").config["task"]["model"]
    assert model["z_size"] == 12 and model["free_bits"] == 7  # the source's shape, the new budget
    result = runner.invoke(app, [*base, "-o", str(tmp_path / "c"), "--init-from", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "error:" in result.output


def test_resume_keeps_the_run_s_training_settings(tmp_path):
    data = write_dataset(tmp_path / "data", 16, 8)
    base = ["train", "mel_2bar_tiny", "--data", str(data), "--batch-size", "4", "-q", "-o", str(tmp_path / "r")]
    assert runner.invoke(app, [*base, "--steps", "2", "--set", "learning_rate=0.005"]).exit_code == 0
    assert runner.invoke(app, [*base, "--steps", "3", "--resume"]).exit_code == 0
    state = load_checkpoint(tmp_path / "r" / "last.pt")
    assert state.step == 3 and state.config["train"]["learning_rate"] == 0.005  # not the preset's 1e-2


def test_init_from_refuses_a_model_of_the_other_family(tmp_path):
    from musicvae_lite.image.idx import write_idx

    folder = tmp_path / "images"
    for split, n in (("train", 8), ("t10k", 4)):
        write_idx(folder / f"{split}-images-idx3-ubyte", np.zeros((n, 28, 28), np.uint8))
        write_idx(folder / f"{split}-labels-idx1-ubyte", np.zeros(n, np.uint8))
    assert runner.invoke(app, ["train", "mnist_tiny_vae", "--data", str(folder), "-o", str(tmp_path / "img"),
                               "--steps", "1", "--batch-size", "4", "-q"]).exit_code == 0
    data = write_dataset(tmp_path / "data", 16, 8)
    result = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(data), "-o", str(tmp_path / "m"),
                                 "--init-from", str(tmp_path / "img"), "-q"])
    assert result.exit_code == 2 and "--init-from:" in result.output and "not a melody model" in result.output


def test_the_papers_sampling_protocol_is_seeded_and_follows_the_model(tmp_path):
    """sampled_accuracy_t1 samples each event at temperature 1 from mu: the same seed gives the same
    figure; an untrained model (near-uniform softmax over 90 classes) scores near chance, a model that
    overfits its windows scores near its greedy accuracy."""
    task = tiny_task(n_train=8, seed=3)
    untrained = build_melody_vae(TINY.model).eval()
    low = evaluate_melodies(untrained, task.data.train, seed=0)
    assert low.sampled_accuracy_t1 < 0.2
    Trainer(task, train_cfg(), tmp_path / "run", progress=False).fit()
    model = load(tmp_path / "run", family="melody").model.vae
    a = evaluate_melodies(model, task.data.train, seed=0)
    b = evaluate_melodies(model, task.data.train, seed=0)
    assert a.sampled_accuracy_t1 == b.sampled_accuracy_t1 > 0.9
    assert "sampled_accuracy_t1" in a.to_json()


def test_baselines_without_a_code():
    """A corpus where every window alternates two events: the bigram predicts every step after the
    first, the most common event half of them."""
    from musicvae_lite.music.melody.evaluate import baseline_accuracies

    a, b = 60 - 19, 64 - 19  # two note-on classes (pitch - 19; see encoding.py)
    train = np.tile(np.array([a, b] * 16, np.uint8), (50, 1))
    train[:, 0] = a
    events = train[:4].copy()
    out = baseline_accuracies(train, events)
    assert out["bigram"] == pytest.approx(1.0)
    assert out["most_common_event"] == pytest.approx(0.5)
    shifted = np.roll(events, 1, axis=1)  # b, a, b, ...: the bigram misses only the first step
    assert baseline_accuracies(train, shifted)["bigram"] == pytest.approx(31 / 32)
