"""The VAE core's invariants and the schedules' values at known steps."""

from __future__ import annotations

import math

import pytest
import torch

from musicvae_lite.core.schedules import clip_gradients, learning_rate, sampling_probability
from musicvae_lite.core.vae import LN2, Posterior, beta_at, free_bits_kl, kl_bits


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zero = Posterior(torch.zeros(4, 8), torch.zeros(4, 8))
    assert torch.equal(zero.kl(), torch.zeros(4))
    moved = Posterior(torch.randn(4, 8), torch.randn(4, 8))
    assert (moved.kl() > 0).all()


def test_kl_matches_the_closed_form_for_one_dimension():
    mu, logvar = torch.tensor([[1.5]]), torch.tensor([[math.log(0.25)]])
    expected = 0.5 * (0.25 + 1.5**2 - 1 - math.log(0.25))
    assert float(Posterior(mu, logvar).kl()) == pytest.approx(expected)
    assert float(kl_bits(Posterior(mu, logvar).kl())) == pytest.approx(expected / math.log(2))


def test_reparameterized_samples_have_the_posterior_moments_and_gradients():
    mu = torch.full((20000, 2), 3.0, requires_grad=True)
    logvar = torch.full((20000, 2), math.log(4.0), requires_grad=True)
    z = Posterior(mu, logvar).sample(generator=torch.Generator().manual_seed(0))
    assert float(z.detach().mean()) == pytest.approx(3.0, abs=0.05)
    assert float(z.detach().std()) == pytest.approx(2.0, abs=0.05)
    z.sum().backward()
    assert mu.grad is not None and logvar.grad is not None


def test_free_bits_is_a_budget_on_each_examples_kl():
    kl = torch.tensor([10 * LN2, 100 * LN2])  # 10 and 100 bits
    assert free_bits_kl(kl, 48).tolist() == pytest.approx([0.0, 52 * LN2])
    assert free_bits_kl(kl, 0).tolist() == pytest.approx(kl.tolist())


def test_beta_annealing():
    assert beta_at(0, 0.2, 0.99999) == 0.0
    assert beta_at(100_000, 0.2, 0.99999) == pytest.approx(0.2 * (1 - 0.99999**100_000))
    assert beta_at(10**8, 0.2, 0.99999) == pytest.approx(0.2)
    assert beta_at(5, 0.5, 0.0) == 0.5  # rate 0: no annealing
    assert beta_at(0, 0.5, 0.0) == 0.5  # ... from the very first step


def test_learning_rate_decays_to_its_floor():
    assert learning_rate(0) == pytest.approx(1e-3)
    assert learning_rate(10_000) == pytest.approx((1e-3 - 1e-5) * 0.9999**10_000 + 1e-5)
    assert learning_rate(10**7) == pytest.approx(1e-5)


def test_inverse_sigmoid_sampling_schedule():
    assert sampling_probability(0, 1000) == pytest.approx(1 - 1000 / 1001)
    assert sampling_probability(1000 * math.log(1000), 1000) == pytest.approx(0.5)
    assert sampling_probability(10**7, 1000) == 1.0
    assert sampling_probability(123, 0.25, "constant") == 0.25
    with pytest.raises(ValueError):
        sampling_probability(0, 1, "linear")


def test_gradient_clipping_by_global_norm():
    w = torch.nn.Parameter(torch.zeros(2))
    w.grad = torch.tensor([3.0, 4.0])
    assert clip_gradients([w], 1.0) == pytest.approx(5.0)
    assert float(w.grad.norm()) == pytest.approx(1.0)
    w.grad = torch.tensor([3.0, 4.0])
    assert clip_gradients([w], 0) == pytest.approx(5.0) and float(w.grad.norm()) == pytest.approx(5.0)


def test_core_imports_neither_music_nor_image():
    import subprocess
    import sys

    code = ("import sys, musicvae_lite.core.trainer, musicvae_lite.core.vae, musicvae_lite.core.checkpoint; "
            "print([m for m in sys.modules if m.startswith(('musicvae_lite.music', 'musicvae_lite.image'))])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
