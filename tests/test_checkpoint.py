"""Checkpoints: round trips (weights, Adam, RNG), atomic writes, retention, and refusing bad files."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import random
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from musicvae_lite.core import checkpoint as ck
from musicvae_lite.core.checkpoint import (
    CheckpointError,
    CheckpointManager,
    load_checkpoint,
    resolve_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from musicvae_lite.errors import MvaeError

CONFIG = {"input_dim": 4, "hidden": 8, "latent": 2, "name": "tiny"}


def tiny_model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 2))


def train_step(model: nn.Module, opt: torch.optim.Optimizer, x: torch.Tensor) -> None:
    opt.zero_grad()
    model(x).pow(2).mean().backward()
    opt.step()


def draws() -> tuple:
    """One draw from each RNG the trainer touches."""
    return (random.random(), random.gauss(0, 1), np.random.rand(3).tolist(), np.random.randn(), torch.rand(3).tolist())


def save_tiny(path: Path, step: int = 7, **kwargs) -> Path:
    return save_checkpoint(path, config=CONFIG, model=tiny_model().state_dict(), step=step, **kwargs)


def framed(payload: bytes, version: int = ck.FORMAT_VERSION) -> bytes:
    """A file in the documented format around arbitrary payload bytes (valid length and digest)."""
    prefix = ck.MAGIC + struct.pack("<IQ", version, len(payload))
    return prefix + hashlib.sha256(prefix + payload).digest() + payload


def assert_one_line_naming(error: pytest.ExceptionInfo, path: Path) -> None:
    assert isinstance(error.value, MvaeError)
    assert "\n" not in str(error.value)
    assert str(path) in str(error.value)


# ------------------------------------------------------------------------------------ round trip


def test_round_trip_restores_model_optimizer_and_rng(tmp_path):
    x = torch.randn(5, 4)
    model = tiny_model()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 0.5**step)
    for _ in range(3):
        train_step(model, opt, x)
        sched.step()
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    random.gauss(0, 1)  # leave a cached gaussian in python's state
    np.random.randn()  # and in numpy's
    path = save_checkpoint(
        tmp_path / "run" / "model.pt",
        config=CONFIG,
        model=model.state_dict(),
        step=3,
        optimizer=opt.state_dict(),
        extra={"scheduler": sched.state_dict(), "note": ("a", 1, 2.5, None, True)},
        rng=rng_state(),
        metrics={"loss": 0.25, "kl_bits": np.float64(1.5).item()},
    )
    expected_draws = draws()
    train_step(model, opt, x)  # the reference continuation
    sched.step()

    ckpt = load_checkpoint(path)
    assert ckpt.config == CONFIG and ckpt.step == 3 and ckpt.metrics == {"loss": 0.25, "kl_bits": 1.5}
    assert ckpt.extra["note"] == ("a", 1, 2.5, None, True)
    assert ckpt.path == path
    assert ckpt.model._metadata == model.state_dict()._metadata  # module versions travel too
    restored = tiny_model(seed=99)
    restored.load_state_dict(ckpt.model)
    restored_opt = torch.optim.Adam(restored.parameters(), lr=1e-2)
    restored_sched = torch.optim.lr_scheduler.LambdaLR(restored_opt, lambda step: 0.5**step)
    restored_opt.load_state_dict(ckpt.optimizer)  # after building the scheduler, which resets the lr
    restored_sched.load_state_dict(ckpt.extra["scheduler"])

    draws()  # move every RNG on, so restoring has something to undo
    set_rng_state(ckpt.rng)
    assert draws() == expected_draws

    train_step(restored, restored_opt, x)  # resuming continues exactly where the original went
    restored_sched.step()
    for a, b in zip(model.state_dict().values(), restored.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert restored_sched.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("through_file", [False, True])
def test_rng_restore_reproduces_draws(through_file):
    state = rng_state()
    if through_file:  # the state is plain data: it survives torch.save + weights_only load
        buffer = io.BytesIO()
        torch.save(state, buffer)
        buffer.seek(0)
        state = torch.load(buffer, weights_only=True)
    first = draws()
    assert draws() != first
    set_rng_state(state)
    assert draws() == first


def test_malformed_rng_state_is_a_readable_error():
    with pytest.raises(CheckpointError, match="RNG state is malformed"):
        set_rng_state({"numpy": {"kind": "MT19937"}})


def test_save_refuses_objects_that_would_not_load_safely(tmp_path):
    path = tmp_path / "x.pt"
    with pytest.raises(CheckpointError, match=r"extra\['fn'\] has type function"):
        save_tiny(path, extra={"fn": lambda: 0})
    with pytest.raises(CheckpointError, match="config is not JSON-serializable"):
        save_checkpoint(path, config={"dtype": torch.float32}, model={}, step=0)
    with pytest.raises(CheckpointError, match="state_dict"):
        save_checkpoint(path, config=CONFIG, model=tiny_model(), step=0)
    with pytest.raises(CheckpointError, match="step must be an int"):
        save_checkpoint(path, config=CONFIG, model={}, step=-1)
    assert not path.exists() and list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------ atomicity


def test_failed_write_leaves_the_old_checkpoint_intact(tmp_path, monkeypatch):
    path = save_tiny(tmp_path / "model.pt", step=1)
    before = path.read_bytes()

    def crash(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", crash)  # dies after writing the temp file, before the rename
    with pytest.raises(CheckpointError, match="No space left"):
        save_tiny(path, step=2)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_checkpoint(path).step == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_leftover_temp_file_from_a_killed_save_is_ignored(tmp_path):
    manager = CheckpointManager(tmp_path, keep_last=3)
    manager.save(1, config=CONFIG, model=tiny_model().state_dict())
    whole = save_tiny(tmp_path / "scratch.pt", step=2).read_bytes()
    (tmp_path / "scratch.pt").unlink()
    # what `kill -9` during step 2's save leaves behind: half a temp file under atomic_write's name
    (tmp_path / f".ckpt-00000002.pt.tmp{os.getpid() + 1}").write_bytes(whole[: len(whole) // 2])
    (tmp_path / ".last.pt.tmp12345").write_bytes(whole[:100])

    assert manager.latest() == tmp_path / "last.pt"
    assert resolve_checkpoint(tmp_path) == tmp_path / "last.pt"
    assert load_checkpoint(resolve_checkpoint(tmp_path)).step == 1
    assert [p.name for p in manager.checkpoints()] == ["ckpt-00000001.pt"]


def test_crash_before_last_is_published_resumes_from_the_previous_save(tmp_path, monkeypatch):
    manager = CheckpointManager(tmp_path, keep_last=1)
    manager.save(1, config=CONFIG, model=tiny_model().state_dict())
    real_publish = ck._publish

    def die_on_last(src, dst):
        if dst.name == "last.pt":
            raise KeyboardInterrupt  # the process dies between the numbered file and the commit
        real_publish(src, dst)

    monkeypatch.setattr(ck, "_publish", die_on_last)
    with pytest.raises(KeyboardInterrupt):
        manager.save(2, config=CONFIG, model=tiny_model().state_dict())
    monkeypatch.undo()
    assert load_checkpoint(manager.latest()).step == 1  # last.pt still commits step 1
    assert (tmp_path / "ckpt-00000001.pt").exists()  # nothing deleted before the commit


def test_latest_falls_back_to_numbered_files_without_last(tmp_path):
    manager = CheckpointManager(tmp_path)
    for step in (1, 2):
        manager.save(step, config=CONFIG, model=tiny_model().state_dict())
    (tmp_path / "last.pt").unlink()
    (tmp_path / "ckpt-00000002.pt").write_bytes(b"")  # damaged newest: skipped
    assert manager.latest() == tmp_path / "ckpt-00000001.pt"


# ------------------------------------------------------------------------------------ retention


@pytest.mark.parametrize(
    ("higher_is_better", "metrics", "best_step"),
    [(False, [5.0, 3.0, 4.0, 1.0, 2.0], 4), (True, [0.1, 0.9, 0.5, 0.3, 0.95], 5)],
)
def test_keep_last_best_and_last(tmp_path, higher_is_better, metrics, best_step):
    manager = CheckpointManager(tmp_path, keep_last=2)
    for step, metric in enumerate(metrics, start=1):
        manager.save(
            step,
            config=CONFIG,
            model=tiny_model().state_dict(),
            metrics={"val": metric},
            metric=metric,
            higher_is_better=higher_is_better,
        )
    assert [p.name for p in manager.checkpoints()] == ["ckpt-00000004.pt", "ckpt-00000005.pt"]
    assert load_checkpoint(tmp_path / "last.pt").step == 5
    best = load_checkpoint(manager.best())
    assert best.step == best_step and best.metric == metrics[best_step - 1]
    assert best.higher_is_better is higher_is_better
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best.pt",
        "ckpt-00000004.pt",
        "ckpt-00000005.pt",
        "last.pt",
    ]


def test_best_survives_a_restart_and_ignores_nan(tmp_path):
    first = CheckpointManager(tmp_path, keep_last=1)
    first.save(1, config=CONFIG, model=tiny_model().state_dict(), metric=2.0)
    second = CheckpointManager(tmp_path, keep_last=1)  # a resumed run: best metric read from best.pt
    second.save(2, config=CONFIG, model=tiny_model().state_dict(), metric=3.0)
    second.save(3, config=CONFIG, model=tiny_model().state_dict(), metric=float("nan"))
    assert load_checkpoint(second.best()).step == 1
    second.save(4, config=CONFIG, model=tiny_model().state_dict(), metric=1.0)
    assert load_checkpoint(second.best()).step == 4
    assert [p.name for p in second.checkpoints()] == ["ckpt-00000004.pt"]


def test_resuming_from_an_earlier_step_does_not_delete_later_files_or_the_new_one(tmp_path):
    manager = CheckpointManager(tmp_path, keep_last=2)
    for step in (10, 20, 30, 40):
        manager.save(step, config=CONFIG, model=tiny_model().state_dict())
    manager.save(25, config=CONFIG, model=tiny_model().state_dict())
    names = [p.name for p in manager.checkpoints()]
    assert names == ["ckpt-00000025.pt", "ckpt-00000030.pt", "ckpt-00000040.pt"]
    assert load_checkpoint(manager.latest()).step == 25


def test_resolve_checkpoint(tmp_path):
    file = save_tiny(tmp_path / "a.pt")
    assert resolve_checkpoint(file) == file
    (tmp_path / "empty_run").mkdir()
    with pytest.raises(CheckpointError, match="holds no complete checkpoint"):
        resolve_checkpoint(tmp_path / "empty_run")
    with pytest.raises(CheckpointError, match="does not exist"):
        resolve_checkpoint(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="keep_last"):
        CheckpointManager(tmp_path, keep_last=0)


# ------------------------------------------------------------------------------ refusing bad files


@pytest.mark.parametrize("keep", [0, 5, ck.HEADER_SIZE - 1, ck.HEADER_SIZE, 1000, -1])
def test_truncated_file_is_reported_as_truncated(tmp_path, keep):
    path = save_tiny(tmp_path / "model.pt")
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    with pytest.raises(CheckpointError, match="truncated") as error:
        load_checkpoint(path)
    assert_one_line_naming(error, path)


@pytest.mark.parametrize("where", ["payload", "digest", "end"])
def test_flipped_byte_is_a_checksum_mismatch(tmp_path, where):
    path = save_tiny(tmp_path / "model.pt")
    data = bytearray(path.read_bytes())
    index = {"payload": (ck.HEADER_SIZE + len(data)) // 2, "digest": ck.HEADER_SIZE - 5, "end": len(data) - 1}[where]
    data[index] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="checksum mismatch") as error:
        load_checkpoint(path)
    assert_one_line_naming(error, path)


def test_trailing_bytes_and_newer_versions_are_refused(tmp_path):
    path = save_tiny(tmp_path / "model.pt")
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(CheckpointError, match="unexpected bytes after the payload"):
        load_checkpoint(path)
    path.write_bytes(framed(b"whatever", version=ck.FORMAT_VERSION + 1))
    with pytest.raises(CheckpointError, match="upgrade musicvae_lite"):
        load_checkpoint(path)


class Exploit:
    """Unpickling this runs `exec`, which creates `marker`: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('pwned')",))


def malicious_payload(marker: Path) -> bytes:
    buffer = io.BytesIO()
    torch.save({"format": "musicvae_lite.checkpoint", "version": 1, "model": Exploit(marker)}, buffer)
    return buffer.getvalue()


def test_malicious_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "marker"
    # control: the payload really is live; torch.load without weights_only runs it
    control = tmp_path / "control_marker"
    torch.load(io.BytesIO(malicious_payload(control)), weights_only=False)
    assert control.read_text() == "pwned"

    # the same payload in a well-formed frame (valid length and digest, as an attacker would make it)
    path = tmp_path / "evil.pt"
    path.write_bytes(framed(malicious_payload(marker)))
    with pytest.raises(CheckpointError, match="contains code/objects that are not allowed") as error:
        load_checkpoint(path)
    assert_one_line_naming(error, path)
    assert "exec" in str(error.value)
    assert not marker.exists()

    # and bare, as a plain torch.save file or a raw pickle: not ours, never unpickled
    for name, data in [("plain.pt", malicious_payload(marker)), ("raw.pkl", pickle.dumps(Exploit(marker)))]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(CheckpointError, match="not a musicvae_lite checkpoint"):
            load_checkpoint(tmp_path / name)
    assert not marker.exists()


def test_non_checkpoint_files_give_a_clear_error(tmp_path):
    rng = np.random.default_rng(0)
    cases = {
        "random.bin": rng.integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        "notes.txt": b"these are not the weights you are looking for\n" * 3,
        "plain_torch.pt": None,
    }
    torch.save(tiny_model().state_dict(), tmp_path / "plain_torch.pt")
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(CheckpointError, match="is not a musicvae_lite checkpoint") as error:
            load_checkpoint(path)
        assert_one_line_naming(error, path)
        assert ("plain torch.save file" in str(error.value)) == (name == "plain_torch.pt")

    # a well-framed payload that is valid torch data but not a checkpoint
    buffer = io.BytesIO()
    torch.save(torch.zeros(3), buffer)
    (tmp_path / "tensor.pt").write_bytes(framed(buffer.getvalue()))
    with pytest.raises(CheckpointError, match="not a musicvae_lite checkpoint"):
        load_checkpoint(tmp_path / "tensor.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    with pytest.raises(CheckpointError, match="is a folder"):
        load_checkpoint(tmp_path)


def test_core_checkpoint_imports_neither_music_nor_image():
    code = (
        "import sys, musicvae_lite.core.checkpoint; "
        "bad = [m for m in sys.modules if m.startswith(('musicvae_lite.music', 'musicvae_lite.image'))]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
