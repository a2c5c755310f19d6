"""Latent-space operations: slerp's ends and norms, its linear fallback, grids, attribute vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from musicvae_lite.core.latent import apply_attribute, attribute_vector, bilinear_grid, interpolate, slerp
from musicvae_lite.errors import MvaeError


def _codes(seed: int, z: int = 16, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(z, generator=g, dtype=dtype), torch.randn(z, generator=g, dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("seed", range(5))
def test_slerp_hits_both_ends_exactly(seed, dtype):
    a, b = _codes(seed, dtype=dtype)
    out = slerp(a, b, torch.tensor([0.0, 0.3, 1.0]))
    assert out.shape == (3, 16) and out.dtype == dtype
    assert torch.equal(out[0], a) and torch.equal(out[-1], b)
    assert torch.equal(slerp(a, b, 0.0), a) and torch.equal(slerp(a, b, 1), b)


def test_slerp_keeps_unit_vectors_on_the_sphere():
    a, b = _codes(1, dtype=torch.float64)
    a, b = a / a.norm(), b / b.norm()
    norms = slerp(a, b, torch.linspace(0, 1, 33)).norm(dim=1)
    assert torch.allclose(norms, torch.ones(33, dtype=torch.float64), atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("scale", [0.3, 1.0, 1.7])
def test_slerp_norm_stays_between_the_ends_norms(seed, scale):
    a, b = _codes(seed, z=64, dtype=torch.float64)
    b = b * scale
    if seed % 2:
        b = b - 1.5 * a  # an obtuse angle, where the unnormalized formula would dip
    norms = slerp(a, b, torch.linspace(0, 1, 51, dtype=torch.float64)).norm(dim=1)
    lo, hi = min(a.norm(), b.norm()), max(a.norm(), b.norm())
    assert (norms >= lo - 1e-9).all() and (norms <= hi + 1e-9).all()


def test_slerp_of_equal_norm_codes_is_shoemakes_formula():
    a = torch.tensor([3.0, 0.0, 4.0], dtype=torch.float64)
    b = torch.tensor([0.0, 5.0, 0.0], dtype=torch.float64)  # both of norm 5, at 90 degrees
    t = torch.tensor([0.25, 0.5], dtype=torch.float64)
    w = math.pi / 2
    expected = (torch.sin((1 - t) * w)[:, None] * a + torch.sin(t * w)[:, None] * b) / math.sin(w)
    assert torch.allclose(slerp(a, b, t), expected)


def test_slerp_follows_the_great_circle_between_orthogonal_unit_vectors():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mid = slerp(a, b, 0.5)
    assert torch.allclose(mid, torch.tensor([math.sqrt(0.5), math.sqrt(0.5)]))
    third = slerp(a, b, 1 / 3)
    assert torch.allclose(third, torch.tensor([math.cos(math.pi / 6), math.sin(math.pi / 6)]))


@pytest.mark.parametrize("scale", [2.0, -2.0, 1.0 + 1e-9, -1.0])
def test_slerp_falls_back_to_linear_for_parallel_and_opposite_codes(scale):
    a = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    b = scale * a
    t = torch.linspace(0, 1, 11, dtype=torch.float64)
    out = slerp(a, b, t)
    assert not torch.isnan(out).any()
    assert torch.allclose(out, (1 - t)[:, None] * a + t[:, None] * b)
    assert torch.equal(out[0], a) and torch.equal(out[-1], b)


def test_slerp_with_a_zero_code_is_linear_and_finite():
    a, z = torch.tensor([1.0, 2.0]), torch.zeros(2)
    out = slerp(a, z, torch.tensor([0.0, 0.5, 1.0]))
    assert torch.allclose(out, torch.tensor([[1.0, 2.0], [0.5, 1.0], [0.0, 0.0]]))


def test_slerp_accepts_numpy_and_returns_a_tensor():
    out = slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    assert isinstance(out, torch.Tensor) and out.shape == (2, 2)


@pytest.mark.parametrize("method", ["slerp", "linear"])
@pytest.mark.parametrize("n", [2, 3, 9])
def test_interpolate_has_n_points_with_both_ends(method, n):
    a, b = _codes(3)
    out = interpolate(a, b, n, method=method)
    assert out.shape == (n, 16)
    assert torch.equal(out[0], a) and torch.equal(out[-1], b)


def test_linear_steps_are_equal_and_slerp_steps_are_equal_angles():
    a, b = _codes(4, dtype=torch.float64)
    lin = interpolate(a, b, 5, method="linear")
    assert torch.allclose(lin.diff(dim=0), ((b - a) / 4).expand(4, -1))
    sph = interpolate(a, b, 5)
    unit = sph / sph.norm(dim=1, keepdim=True)
    angles = torch.arccos((unit[:-1] * unit[1:]).sum(1))  # (4,) angle of each step
    assert torch.allclose(angles, angles.mean().expand(4))
    assert not torch.allclose(sph[2], lin[2])


@pytest.mark.parametrize("method", ["slerp", "linear"])
def test_bilinear_grid_corners_are_exact_and_edges_are_1d_interpolations(method):
    g = torch.Generator().manual_seed(5)
    corners = torch.randn(4, 8, generator=g)  # top-left, top-right, bottom-left, bottom-right
    grid = bilinear_grid(corners, rows=4, cols=6, method=method)
    assert grid.shape == (4, 6, 8)
    assert torch.equal(grid[0, 0], corners[0]) and torch.equal(grid[0, -1], corners[1])
    assert torch.equal(grid[-1, 0], corners[2]) and torch.equal(grid[-1, -1], corners[3])
    assert torch.allclose(grid[0], interpolate(corners[0], corners[1], 6, method))  # top edge
    assert torch.allclose(grid[-1], interpolate(corners[2], corners[3], 6, method))  # bottom edge
    assert torch.allclose(grid[:, 0], interpolate(corners[0], corners[2], 4, method))  # left edge
    assert torch.allclose(grid[:, -1], interpolate(corners[1], corners[3], 4, method))  # right edge


def test_linear_grid_is_bilinear_interpolation():
    corners = torch.tensor([[0.0], [1.0], [10.0], [11.0]], dtype=torch.float64)
    grid = bilinear_grid(corners, rows=3, cols=3, method="linear")[..., 0]
    assert torch.allclose(grid, torch.tensor([[0.0, 0.5, 1.0], [5.0, 5.5, 6.0], [10.0, 10.5, 11.0]],
                                             dtype=torch.float64))


def test_attribute_vector_recovers_the_correlated_direction():
    rng = np.random.default_rng(0)
    n, z = 400, 12
    values = rng.normal(size=n)
    codes = rng.normal(size=(n, z))
    codes[:, 3] += 2.0 * values  # dimension 3 carries the attribute
    vec = attribute_vector(torch.as_tensor(codes), values)
    assert vec.shape == (z,)
    assert int(vec.abs().argmax()) == 3 and float(vec[3]) > 0
    assert float(vec[3] / vec.norm()) > 0.95


def test_attribute_vector_is_top_quartile_mean_minus_bottom_quartile_mean_and_skips_nan():
    codes = torch.arange(8, dtype=torch.float64)[:, None] * torch.tensor([1.0, -1.0], dtype=torch.float64)  # (8, 2)
    values = [0.0, 1, 2, 3, 4, 5, 6, 7]
    assert torch.allclose(attribute_vector(codes, values), torch.tensor([6.0, -6.0], dtype=torch.float64))
    values_nan = [0.0, 1, 2, 3, 4, 5, 6, float("nan")]  # last example dropped: 7 left, groups of 1
    assert torch.allclose(attribute_vector(codes, values_nan), torch.tensor([6.0, -6.0], dtype=torch.float64))


def test_attribute_vector_refuses_too_few_examples_or_a_constant_attribute():
    codes = torch.randn(3, 4)
    with pytest.raises(MvaeError, match="at least 4 examples"):
        attribute_vector(codes, [1.0, 2.0, 3.0])
    with pytest.raises(MvaeError, match="same value"):
        attribute_vector(torch.randn(8, 4), [1.0] * 8)
    with pytest.raises(MvaeError, match="codes"):
        attribute_vector(torch.randn(8, 4), [1.0] * 7)


def test_apply_attribute_adds_a_scaled_vector_and_sweeps():
    z, v = torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])
    assert torch.equal(apply_attribute(z, v, 2.0), torch.tensor([2.0, 0.0]))
    sweep = apply_attribute(z, v, torch.tensor([-1.0, 0.0, 1.0]))
    assert sweep.shape == (3, 2) and torch.equal(sweep[1], z)
    batch = apply_attribute(torch.zeros(2, 2), v, torch.tensor([1.0, 2.0]))
    assert torch.equal(batch, torch.stack([v, 2 * v]))


def test_bad_requests_raise_the_clean_error():
    a, b = _codes(0)
    with pytest.raises(MvaeError, match="n >= 2"):
        interpolate(a, b, 1)
    with pytest.raises(MvaeError, match="unknown interpolation method"):
        interpolate(a, b, 3, method="cubic")
    with pytest.raises(MvaeError, match="same shape"):
        slerp(a, b[:3], 0.5)
    with pytest.raises(MvaeError, match="corners"):
        bilinear_grid(torch.randn(3, 4), 2, 2)


def test_prior_noise_inverts_draw_codes():
    import torch

    from musicvae_lite.core.latent import draw_codes, prior_noise

    module = torch.nn.Module()
    module.register_buffer("code_prior_mean", torch.tensor([1.0, -2.0, 0.5]))
    module.register_buffer("code_prior_tril", torch.tensor([[2.0, 0.0, 0.0], [0.5, 1.0, 0.0], [-0.3, 0.2, 0.7]]))
    noise = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    codes = draw_codes(module, noise, 0.5)
    assert not torch.allclose(codes, noise)
    assert torch.allclose(prior_noise(module, codes, 0.5), noise, atol=1e-5)
    assert torch.equal(prior_noise(torch.nn.Module(), noise), noise)  # no fitted prior: the codes are the noise
