"""Thread counts on a shared machine (core/threads.py): one per core others leave free, the settings a
user can give, and a governor that steps down when another process gets busy."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import torch
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.core import threads


@pytest.mark.parametrize("others, cores, want", [(0.0, 2, 2), (0.3, 2, 2), (1.0, 2, 1), (3.0, 2, 1),
                                                 (0.0, 1, 1), (2.2, 8, 6), (9.0, 8, 1)])
def test_one_thread_per_free_core_and_at_least_one(others, cores, want):
    assert threads.threads_for(others, cores) == want


def test_settings(monkeypatch):
    monkeypatch.delenv(threads.ENV, raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert threads.parse_threads("auto") is None and threads.parse_threads(3) == 3
    assert threads.requested_threads(None) == "auto"
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # a user's or torchrun's setting is kept
    assert threads.requested_threads(None) == "1"
    monkeypatch.setenv(threads.ENV, "2")
    assert threads.requested_threads(None) == "2" and threads.requested_threads("auto") == "auto"
    for bad in ("0", "-1", "many"):
        with pytest.raises(Exception, match="--threads must be 'auto' or a positive number"):
            threads.requested_threads(bad)


def test_a_bad_thread_setting_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(app, ["eval", "default", str(tmp_path), "--threads", "zero"])
    assert result.exit_code == 2 and result.output.strip().startswith("error: --threads must be")


@pytest.mark.skipif(threads.auto_threads() is None, reason="no /proc/stat here")
def test_the_governor_steps_down_when_another_process_gets_busy():
    before = torch.get_num_threads()
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        governor = threads.ThreadGovernor(every=0.3)
        torch.set_num_threads(threads.cores())
        time.sleep(0.6)
        governor.tick()
        assert torch.get_num_threads() <= max(1, threads.cores() - 1)
    finally:
        burner.kill()
        burner.wait()
        torch.set_num_threads(before)
