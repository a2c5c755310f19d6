"""`mvae vary` (issue 25): variations of one window, its code moved part of the way to random codes."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from melodies import random_windows
from musicvae_lite.cli import app
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.render import write_melody_midi
from musicvae_lite.music.sequence_generate import decode, encode, sample, vary
from tests.test_meter_models import _tiny


def test_amount_runs_from_the_reconstruction_to_prior_samples():
    model = _tiny(False)
    window = random_windows(1, seed=3)[0]
    again = decode(model, encode(model, window))[0]
    assert (vary(model, window, 3, amount=0.0, seed=1) == again).all()  # amount 0: the reconstruction, thrice
    assert np.array_equal(vary(model, window, 3, amount=1.0, seed=1), sample(model, 3, temperature=0.0, seed=1))
    middle = vary(model, window, 5, amount=0.5, seed=1)
    assert middle.shape == (5, 32)
    with pytest.raises(MvaeError, match="0..1"):
        vary(model, window, 2, amount=1.5)
    with pytest.raises(MvaeError, match="one window"):
        vary(model, random_windows(2, seed=4), 2)


def test_mvae_vary_writes_the_input_and_its_variations(tmp_path):
    tune = write_melody_midi(tmp_path / "t.mid", random_windows(1, seed=5)[0])
    result = CliRunner().invoke(app, ["vary", str(tune), "-n", "3", "--seed", "0", "-o", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    assert "3 variations at amount 0.3: on average" in result.output
    assert sorted(p.name for p in (tmp_path / "v").glob("variation_*.mid")) == [f"variation_0{i}.mid" for i in
                                                                                range(1, 5)]
    assert (tmp_path / "v" / "variation.png").exists() and (tmp_path / "v" / "variation.wav").exists()
    refused = CliRunner().invoke(app, ["vary", str(tune), "--model", "groove", "-o", str(tmp_path / "g")])
    assert refused.exit_code == 2 and "variations are the drum VAE's" in refused.output
