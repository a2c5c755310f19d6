"""GrooVAE's views of a drum window, its held-out figures and their baselines, on constructed windows whose
answers are known."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.encoding import hits_to_classes
from musicvae_lite.music.drums.groove.evaluate import drumify_baselines, humanize_baselines, onset_f1, timing_errors
from musicvae_lite.music.drums.position import bar_position
from musicvae_lite.music.drums.groove.views import (
    VIEW_SIZES,
    control_view,
    model_inputs,
    encoder_view,
    performance,
    split_performance,
    taps,
)


def window(T: int = 32, seed: int = 0):
    rng = np.random.default_rng(seed)
    hits = rng.random((T, 9)) < 0.2
    vel = np.where(hits, rng.uniform(0.2, 1.0, (T, 9)), 0).astype(np.float32)
    off = np.where(hits, rng.uniform(-0.5, 0.49, (T, 9)), 0).astype(np.float32)
    return hits, vel, off


def split_of(hits, vel, off, qpm=120.0) -> DrumSplit:
    n = len(hits)
    return DrumSplit(hits_to_classes(hits).astype(np.int64), vel.astype(np.float32), off.astype(np.float32),
                     np.zeros(n, np.int32), np.array(["x.mid"]), np.array([qpm], np.float32))


def test_performance_round_trips_and_zeroes_what_is_not_hit():
    hits, vel, off = window()
    noisy_vel = vel + (~hits) * 0.5  # values where no drum is hit must not leak into the target
    perf = performance(hits, noisy_vel, off)
    assert perf.shape == (32, 27)
    h, v, o = split_performance(perf)
    assert (h == hits).all() and np.allclose(v, vel) and np.allclose(o, off)


def test_views_read_what_each_model_may_see():
    hits, vel, off = window()
    assert {k: encoder_view(k, hits, vel, off).shape[-1] for k in VIEW_SIZES} == VIEW_SIZES
    hum = encoder_view("humanize", hits, vel, off)
    assert (hum == hits).all()  # no velocity, no timing
    tap = encoder_view("drumify", hits, vel, off)
    assert (tap[:, 0] == hits.any(axis=1)).all()
    step = int(np.flatnonzero(hits.sum(axis=1) >= 2)[0])  # a step where two drums are hit
    assert tap[step, 1] == pytest.approx(off[step][hits[step]].min())  # the earliest onset of the step
    with pytest.raises(ValueError, match="unknown view"):
        encoder_view("drums", hits, vel, off)


def test_a_full_view_decoder_is_told_the_hits_and_the_others_their_own_view():
    from musicvae_lite.music.drums.groove.model import build_groove_vae
    from musicvae_lite.music.drums.groove.presets import PRESETS
    from musicvae_lite.music.drums.groove.task import tensors

    hits, vel, off = window()
    assert (control_view("full", hits, vel, off) == hits).all()  # what is played, not how
    for view in ("humanize", "drumify"):
        assert np.array_equal(control_view(view, hits, vel, off), encoder_view(view, hits, vel, off))
    cfg = PRESETS["groove_2bar_transfer_cpu"].model
    assert cfg.view == "full" and cfg.control
    assert build_groove_vae(cfg).decoder.control_size == 9
    x, y = tensors(cfg, split_of(hits[None], vel[None], off[None]))
    assert x.shape == (1, 32, 27) and y.shape == (1, 32, 27 + 9) and (y[0, :, 27:].numpy() == hits).all()


def test_bar_position_says_where_each_window_starts_in_its_bar():
    from musicvae_lite.music.drums.groove.presets import PRESETS

    hits, vel, off = window()
    pos = bar_position((3, 32, 9), [0, 4, 12])
    assert pos.shape == (3, 32, 2)
    assert np.allclose(pos[0, 16], pos[0, 0]) and np.allclose(pos[1, 12], pos[0, 0])  # bar lines
    assert np.allclose(pos[0, 4], [1, 0], atol=1e-6) and np.allclose(pos[2, 0], [-1, 0], atol=1e-6)
    assert np.allclose(bar_position((32, 9)), pos[0])  # a window of a file starts on a bar
    cfg = PRESETS["groove_2bar_drumify_cpu"].model
    plain = model_inputs(cfg, hits, vel, off)
    from dataclasses import replace

    placed = model_inputs(replace(cfg, bar_position=True), hits[None], vel[None], off[None], np.array([4]))
    assert placed[0].shape == (1, 32, 2 + 2) and placed[1].shape == (1, 32, 2 + 2)
    assert np.array_equal(placed[0][0, :, :2], plain[0]) and np.array_equal(placed[1][0, :, :2], plain[1])
    assert np.allclose(placed[0][0, :, 2:], pos[1]) and np.allclose(placed[1][0, :, 2:], pos[1])
    from musicvae_lite.music.drums.groove.model import build_groove_vae
    from musicvae_lite.music.drums.groove.task import tensors

    split = split_of(np.stack([hits, hits]), np.stack([vel, vel]), np.stack([off, off]))
    split.phase = np.array([0, 8])
    x, y = tensors(replace(cfg, bar_position=True), split)
    assert x.shape == (2, 32, 4) and y.shape == (2, 32, 27 + 4) and not torch.equal(x[0], x[1])
    out = build_groove_vae(replace(cfg, bar_position=True))(x, y, step=0)
    assert torch.isfinite(out["loss"])


def test_taps_are_empty_where_nothing_is_hit():
    hits = np.zeros((4, 9), bool)
    hits[1, [0, 2]] = True
    off = np.zeros((4, 9), np.float32)
    off[1, 0], off[1, 2] = 0.1, -0.2
    tap, tap_off = taps(hits, off)
    assert tap.tolist() == [False, True, False, False] and tap_off.tolist() == pytest.approx([0, -0.2, 0, 0])


def test_timing_errors_are_in_milliseconds_at_the_files_tempo():
    hits, vel, off = (np.stack([a]) for a in window())
    held = split_of(hits, vel, off, qpm=100.0)  # a 16th lasts 150 ms
    errs = timing_errors(held, vel, off + 0.1)
    assert errs.timing_ms == pytest.approx(15.0, rel=1e-4) and errs.velocity == pytest.approx(0.0, abs=1e-4)
    assert timing_errors(held, vel + 10 / 127, off).velocity == pytest.approx(10.0, rel=1e-4)


def test_the_groove_template_is_exact_when_every_window_is_played_alike_and_the_mean_is_not():
    hits, vel, off = window()
    stack = [np.stack([a] * 5) for a in (hits, vel, off)]
    train = held = split_of(*stack)
    base = humanize_baselines(train, held)
    assert base["groove_template"].timing_ms == pytest.approx(0.0, abs=1e-3)
    assert base["groove_template"].velocity == pytest.approx(0.0, abs=1e-3)
    assert base["quantized_mean_velocity"].timing_ms > 10 and base["quantized_mean_velocity"].velocity > 5


def test_onset_f1_counts_kick_snare_and_either_hi_hat():
    t = np.zeros((1, 4, 9), bool)
    t[0, 0, 0] = t[0, 1, 1] = t[0, 2, 2] = True  # kick, snare, closed hat
    p = t.copy()
    p[0, 2, 2], p[0, 2, 3] = False, True  # the open hat where the closed one was: still a hi-hat onset
    assert onset_f1(t, p) == {"kick": 1.0, "snare": 1.0, "hi-hat": 1.0, "mean": 1.0}
    p[0, 1, 1] = False  # the snare missed
    p[0, 3, 0] = True  # a kick too many: precision 1/2, recall 1
    f = onset_f1(t, p)
    assert f["snare"] == 0.0 and f["kick"] == pytest.approx(2 / 3) and f["mean"] == pytest.approx((2 / 3 + 1) / 3)


def test_drumify_baselines_place_training_patterns_on_the_taps():
    hits = np.zeros((6, 32, 9), bool)
    hits[:, ::4, 0] = True  # every training window: a kick on each beat
    vel = off = np.zeros(hits.shape, np.float32)
    train = held = split_of(hits, vel, off)
    base = drumify_baselines(train, held)
    assert all(b["kick"] == 1.0 for b in base.values())  # the taps fall on the kicks, every baseline puts one
    assert all(b["snare"] == 1.0 for b in base.values())  # no snare anywhere: nothing to miss


def test_a_lower_hit_threshold_hits_more_drums_and_is_checked():
    import torch

    from musicvae_lite.music.drums.groove.decoder import GrooveLstmDecoder
    from musicvae_lite.music.drums.groove.presets import GrooveModelConfig

    torch.manual_seed(0)
    dec = GrooveLstmDecoder((16,), z_size=8).eval()
    z = torch.randn(4, 8)
    few = dec.generate(z, temperature=0.0, threshold=0.9)[..., :9].sum()
    many = dec.generate(z, temperature=0.0, threshold=0.1)[..., :9].sum()
    assert many > few
    with pytest.raises(ValueError, match="hit_threshold"):
        GrooveModelConfig(hit_threshold=1.0)
