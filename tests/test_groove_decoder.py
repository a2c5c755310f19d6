"""GrooVAE's decoder (music/drums/groove/decoder.py): shapes, the loss terms, teacher forcing, a training
step that lowers the loss, and generation that keeps velocities and offsets only where a drum is hit."""

from __future__ import annotations

import pytest
import torch

from musicvae_lite.core.vae import VAE
from musicvae_lite.music.drums.groove.decoder import (
    STEP_SIZE,
    GrooveLstmDecoder,
    split_step,
)
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder


def grooves(B: int = 4, T: int = 32, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    hits = (torch.rand(B, T, 9, generator=g) < 0.2).float()
    vel = torch.rand(B, T, 9, generator=g) * hits
    off = (torch.rand(B, T, 9, generator=g) - 0.5) * hits
    return torch.cat([hits, vel, off], dim=-1)  # (B, T, 27)


def test_teacher_forcing_reads_only_the_past():
    torch.manual_seed(0)
    dec = GrooveLstmDecoder((16,), z_size=8).eval()
    z, x = torch.randn(2, 8), grooves(2)
    y = x.clone()
    y[:, 20:] = 0  # change the future from step 20 on
    a, b = dec(z, x), dec(z, y)
    assert a.shape == (2, 32, STEP_SIZE)
    assert torch.allclose(a[:, :21], b[:, :21])  # output t reads target t-1: unchanged up to 20
    assert not torch.allclose(a[:, 21:], b[:, 21:])
    with pytest.raises(ValueError, match="teacher forcing"):
        dec(z, x, sampling_prob=0.5)


def test_loss_terms_and_a_training_step():
    torch.manual_seed(0)
    x = grooves(8)
    vae = VAE(BidirectionalLstmEncoder(STEP_SIZE, (16,), 8), GrooveLstmDecoder((32,), z_size=8), max_beta=0.0)
    opt = torch.optim.Adam(vae.parameters(), 1e-2)
    first = vae(x, x, sample_z=False)
    assert set(first) >= {"loss", "recon", "kl", "accuracy", "velocity_mse", "offset_mse"}
    for _ in range(30):
        opt.zero_grad()
        vae(x, x, sample_z=False)["loss"].backward()
        opt.step()
    assert vae(x, x, sample_z=False)["loss"] < 0.7 * first["loss"]  # it learns a fixed batch


def test_a_perfect_prediction_costs_only_its_hit_entropy():
    dec = GrooveLstmDecoder((8,), z_size=4)
    x = grooves(2)
    hits, vel, off = split_step(x)
    logits = torch.cat([(hits * 2 - 1) * 30.0, torch.logit(vel.clamp(1e-6, 1 - 1e-6)),
                        torch.atanh((2 * off).clamp(-0.999999, 0.999999))], dim=-1)
    loss, metrics = dec.reconstruction(logits, x)
    assert loss.shape == (2,) and float(loss.max()) < 1e-6 * 32 * 27 + 1e-4
    assert metrics["accuracy"] == 1.0 and metrics["velocity_mse"] < 1e-9 and metrics["offset_mse"] < 1e-9


def test_generation_keeps_values_only_where_hit():
    torch.manual_seed(1)
    dec = GrooveLstmDecoder((16,), z_size=8, max_steps=32).eval()
    out = dec.generate(torch.randn(3, 8), temperature=1.0, generator=torch.Generator().manual_seed(0))
    hits, vel, off = split_step(out)
    assert out.shape == (3, 32, 27) and set(hits.unique().tolist()) <= {0.0, 1.0}
    assert ((vel > 0) <= (hits > 0)).all() and ((off != 0) <= (hits > 0)).all()
    assert vel.max() <= 1 and off.abs().max() <= 0.5
    again = dec.generate(torch.randn(3, 8), temperature=0.0)
    assert set(split_step(again)[0].unique().tolist()) <= {0.0, 1.0}


def test_masked_scores_velocity_and_offset_only_where_hit():
    torch.manual_seed(0)
    z, x = torch.randn(3, 8), grooves(3)
    for masked in (False, True):
        dec = GrooveLstmDecoder((16,), z_size=8, masked=masked)
        out = dec(z, x)
        base, _ = dec.reconstruction(out, x)
        y = x.clone()
        y[..., 9:18] = torch.where(x[..., :9] > 0.5, y[..., 9:18], torch.full_like(y[..., 9:18], 0.9))
        moved, _ = dec.reconstruction(out, y)  # velocities changed only where nothing is hit
        assert torch.allclose(base, moved) == masked


def test_a_controlled_decoder_reads_each_steps_control_and_needs_it_to_generate():
    torch.manual_seed(0)
    dec = GrooveLstmDecoder((16,), z_size=8, control_size=2).eval()
    z, x = torch.randn(2, 8), grooves(2)
    control = torch.zeros(2, 32, 2)
    a = dec(z, torch.cat([x, control], dim=-1))
    control[:, 10, 0] = 1.0
    b = dec(z, torch.cat([x, control], dim=-1))
    assert torch.allclose(a[:, :10], b[:, :10]) and not torch.allclose(a[:, 10], b[:, 10])  # step 10 reads it
    with pytest.raises(ValueError, match="targets must be"):
        dec(z, x)
    with pytest.raises(ValueError, match="give `control`"):
        dec.generate(z)
    assert dec.generate(z, control=control).shape == (2, 32, STEP_SIZE)
