"""`mvae continue` (issue 25): the bars after a primer, the decoders completing a window after given events."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from melodies import random_windows
from musicvae_lite.cli import app
from musicvae_lite.core.family import Request
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.family import MelodyFamily
from musicvae_lite.music.melody.render import write_melody_midi
from musicvae_lite.music.meter import metric_controls, parse_meter
from musicvae_lite.music.continuation import continuation
from tests.test_melody16 import tiny16  # noqa: F401  (a fixture)
from tests.test_meter_models import _tiny


def test_completing_a_greedy_decoding_after_its_own_first_events_gives_it_back(tiny16):  # noqa: F811
    flat = _tiny(True).vae.decoder
    z = torch.randn(3, flat.z_size, generator=torch.Generator().manual_seed(0))
    controls = torch.from_numpy(metric_controls(parse_meter("4/4"), 32)).expand(3, -1, -1)
    whole = flat.generate(z, temperature=0.0, controls=controls)
    for given in (1, 13, 31):  # the prefix fed as it is, the rest decoded after it: the same greedy decoding
        assert torch.equal(flat.complete(z, whole[:, :given], 32, temperature=0.0, controls=controls), whole)
    changed = whole[:, :13].clone()
    changed[:, 12] = (changed[:, 12] + 5) % 90
    done = flat.complete(z, changed, 32, temperature=0.0, controls=controls)
    assert torch.equal(done[:, :13], changed)  # a prefix the model would not write is kept too
    hier = tiny16.vae.decoder
    z = torch.randn(2, hier.z_size, generator=torch.Generator().manual_seed(1))
    whole = hier.generate(z, temperature=0.0)
    for given in (16, 24, 255):  # whole bars, a bar and a half, all but one event
        assert torch.equal(hier.complete(z, whole[:, :given], temperature=0.0), whole)
    with pytest.raises(ValueError, match="writes 256 events"):
        hier.complete(z, whole[:, :16], 128)


def test_the_api_writes_whole_bars_of_the_primer_meter():
    model = _tiny(True)
    primer = random_windows(1, seed=2)[0][:16]  # one bar of 4/4
    out = continuation(model, primer, 3, 2, seed=0)
    assert out.shape == (2, 48) and out.dtype == np.uint8
    assert np.array_equal(out, continuation(model, primer, 3, 2, seed=0))  # seeded
    jig = random_windows(1, seed=3, steps=24)[0][:12]
    assert continuation(model, jig, 2, 1, seed=0, meter="6/8").shape == (1, 24)
    for bad, match in [((primer[:10], 2), "whole bars of 16 steps"), ((primer, 0), "--bars must be 1"),
                       ((np.full(16, 200, np.uint8), 2), "0..89")]:
        with pytest.raises(MvaeError, match=match):
            continuation(model, bad[0], bad[1], 1)
    with pytest.raises(MvaeError, match="continuations"):
        continuation(model, primer, 2, 0)


def test_the_code_is_the_repeated_context_s_and_away_moves_it():
    from musicvae_lite.music.continuation import continue_windows
    from musicvae_lite.music.sequence_generate import encode

    model = _tiny(True)
    meter = parse_meter("4/4")
    bar = random_windows(1, seed=5)[0][:16]
    z = torch.from_numpy(encode(model, np.tile(bar, 2)))
    controls = torch.from_numpy(metric_controls(meter, 32))[None]
    expected = model.vae.decoder.complete(z, torch.from_numpy(bar.astype(np.int64))[None], 32, temperature=0.0,
                                          controls=controls)[0, 16:].numpy()
    got = continue_windows(model, bar[None], 1, meter, temperature=0.0, away=0.0)
    assert np.array_equal(got[0], expected)
    moved = [continue_windows(model, bar[None], 1, meter, temperature=0.0, away=1.0, seed=s)[0] for s in range(4)]
    assert any(not np.array_equal(m, expected) for m in moved)  # random codes write other bars


def test_the_verb_writes_primer_and_continuation_and_infills_16_bars(tiny16, tmp_path):  # noqa: F811
    from tests.test_melody16 import tune

    five = tune(tmp_path / "five.mid", 5, 0)
    out = MelodyFamily().continue_(tiny16, Request((str(five),), tmp_path / "c", options={"n": 2, "seed": 0}))
    assert out.lines[0].startswith("2 continuations of 11 bars after the 5-bar primer (16 bars: one piece")
    assert [it["steps"] for it in out.items] == [256, 256]
    from musicvae_lite.music.melody.extract import ExtractConfig, extract_file

    primer = extract_file(five, ExtractConfig(bars=5)).events[0]
    assert all(it["events"][:80] == primer.tolist() for it in out.items)
    names = sorted(p.name for p in out.paths)
    assert "continued_01.mid" in names and "continuation_02.mid" in names and "continued.png" in names and "continuation.png" not in names
    long = tune(tmp_path / "long.mid", 17, 1)
    with pytest.raises(MvaeError, match="more than 16 bars of melody"):
        MelodyFamily().continue_(tiny16, Request((str(long),), tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_mvae_continue_from_the_command_line(tmp_path):
    tune = write_melody_midi(tmp_path / "t.mid", random_windows(1, seed=7)[0])  # 2 bars
    result = CliRunner().invoke(app, ["continue", str(tune), "-n", "2", "--bars", "2", "--seed", "0",
                                      "-o", str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    assert "2 continuations of 2 bars after the 2-bar primer (4 bars, in 4/4)" in result.output
    assert (tmp_path / "c" / "continued.wav").exists() and (tmp_path / "c" / "continuation_02.mid").exists()
    again = CliRunner().invoke(app, ["continue", str(tune), "-o", str(tmp_path / "c")])
    assert again.exit_code != 0 and "Traceback" not in again.output  # nothing overwritten
    four = write_melody_midi(tmp_path / "four.mid", np.concatenate(list(random_windows(2, seed=8))))
    refused = CliRunner().invoke(app, ["continue", str(four), "--model", "default", "-o", str(tmp_path / "d")])
    assert refused.exit_code == 2 and "more than 2 bars of melody" in refused.output and not (tmp_path / "d").exists()
    empty = tmp_path / "e.mid"
    empty.write_bytes(b"not midi")
    bad = CliRunner().invoke(app, ["continue", str(empty), "-o", str(tmp_path / "e")])
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1


def test_beats_continue_with_the_drum_vae_and_grooves_refuse(tmp_path):
    from midifiles import write_midi
    from test_drum_extract import beat

    one = write_midi(tmp_path / "one.mid", [beat(1)])  # a 1-bar beat: the 2-bar drum VAE writes 1 bar after it
    result = CliRunner().invoke(app, ["continue", str(one), "--model", "drums", "-n", "2", "--seed", "0",
                                      "-o", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "2 continuations of 1 bar after the 1-bar primer (2 bars: one piece, in 4/4)" in result.output
    assert len(list((tmp_path / "d").glob("continuation_0*.mid"))) == 2
    three = write_midi(tmp_path / "three.mid", [beat(3)])
    refused = CliRunner().invoke(app, ["continue", str(three), "--model", "drums", "-o", str(tmp_path / "x")])
    assert refused.exit_code == 2 and "more than 2 bars of drums" in refused.output
    groove = CliRunner().invoke(app, ["continue", str(one), "--model", "groove", "-o", str(tmp_path / "g")])
    assert groove.exit_code == 2 and "continuing a beat is the drum VAE's" in groove.output
    assert not (tmp_path / "x").exists() and not (tmp_path / "g").exists()
