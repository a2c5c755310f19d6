"""Operations on latent codes: spherical and linear interpolation, 4-corner grids, attribute vectors.

References: Shoemake 1985, "Animating Rotation with Quaternion Curves" (slerp,
p(t) = sin((1 - t) w) / sin w * a + sin(t w) / sin w * b, with w the angle between a and b);
White 2016, "Sampling Generative Networks" (slerp for interpolating latent codes of generative
models); Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning Long-Term Structure in
Music", and magenta's `TrainedModel.interpolate` (slerp between the posterior means of two
sequences, the ends included); magenta.js's `MusicVAE.interpolate` (a grid over 4 corner codes,
there bilinear, row-major); section 5.4 of Roberts et al. 2018 (attribute vectors: the mean code of
examples high in an attribute minus the mean code of examples low in it, added to a code to move
its decoding along that attribute).

Convention: codes are torch tensors; numpy arrays and sequences are accepted and converted with
`torch.as_tensor`, and results are always tensors (floating point, in the promoted dtype of the
inputs; the arithmetic runs in float64).

Slerp of codes that are not unit vectors: Shoemake's formula is for the unit sphere. Here the
directions a/|a| and b/|b| are slerped and the norm is interpolated linearly, |p(t)| = (1 - t)|a| +
t|b|, so the norm always stays between the two ends' norms (and is constant for codes of equal
norm, e.g. 1 for unit vectors). For codes of equal norm this is exactly the formula magenta applies
to unnormalized codes, sin((1 - t) w) / sin w * a + sin(t w) / sin w * b; for unequal norms magenta's
version differs slightly and its norm can dip below the smaller end's when the angle is obtuse.
Where the two codes are (nearly) parallel or opposite, or one is zero, the angle is ill-conditioned
and slerp falls back to linear interpolation, (1 - t) a + t b (which, for opposite codes, passes
through 0).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from musicvae_lite.errors import MvaeError

PARALLEL_TOL = 1e-6  # |sin(angle)| below this counts as parallel or opposite: linear interpolation
METHODS = ("slerp", "linear")  # the interpolation methods `interpolate` and `bilinear_grid` accept


def _as_float(x, name: str) -> Tensor:
    """`x` as a floating-point tensor (integers become the default float dtype)."""
    try:
        x = torch.as_tensor(x)
    except (TypeError, ValueError, RuntimeError) as e:
        raise MvaeError(f"{name} must be a tensor or array of numbers ({e})") from None
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise MvaeError(f"unknown interpolation method {method!r}; choose one of: {', '.join(METHODS)}")


def _pairs(a: Tensor, b: Tensor, t: Tensor, method: str) -> Tensor:
    """Interpolate P pairs at n fractions: a, b (P, Z), t (n,) -> (n, P, Z); exact at t = 0 and 1."""
    dtype = torch.promote_types(a.dtype, b.dtype)
    a, b = a.to(dtype), b.to(dtype)
    tt = t.to(device=a.device, dtype=torch.float64)[:, None, None]  # (n, 1, 1)
    a64, b64 = a.double()[None], b.double()[None]  # (1, P, Z), in float64 for a stable angle
    out = (1.0 - tt) * a64 + tt * b64  # (n, P, Z) linear
    if method == "slerp":
        na, nb = a64.norm(dim=-1, keepdim=True), b64.norm(dim=-1, keepdim=True)  # (1, P, 1)
        nonzero = (na > 0) & (nb > 0)  # (1, P, 1) a zero code has no direction
        ua = a64 / torch.where(nonzero, na, torch.ones_like(na))  # (1, P, Z) direction of a
        ub = b64 / torch.where(nonzero, nb, torch.ones_like(nb))  # (1, P, Z) direction of b
        omega = torch.arccos((ua * ub).sum(-1, keepdim=True).clamp(-1.0, 1.0))  # (1, P, 1) angle in [0, pi]
        so = torch.sin(omega)  # (1, P, 1)
        curved = nonzero & (so > PARALLEL_TOL)  # (1, P, 1) False: a zero code, parallel or opposite
        safe = torch.where(curved, so, torch.ones_like(so))  # (1, P, 1) no division by ~0
        direction = (torch.sin((1.0 - tt) * omega) * ua + torch.sin(tt * omega) * ub) / safe  # (n, P, Z) unit
        radius = (1.0 - tt) * na + tt * nb  # (n, P, 1)
        out = torch.where(curved, radius * direction, out)  # (n, P, Z)
    out = out.to(dtype)  # (n, P, Z)
    out = torch.where(tt == 0, a[None], out)  # the ends are the inputs, exactly
    return torch.where(tt == 1, b[None], out)  # (n, P, Z)


def _fractions(t) -> Tensor:
    """t as a float64 tensor of interpolation fractions, a scalar or (n,)."""
    try:
        t = t.detach().to("cpu", torch.float64) if isinstance(t, Tensor) else torch.as_tensor(t, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise MvaeError(f"t must be a number or a 1-D sequence of numbers ({e})") from None
    if t.ndim > 1:
        raise MvaeError(f"t must be a scalar or a 1-D sequence of fractions, got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise MvaeError("t must be finite")
    return t  # () or (n,)


def _pair_of_codes(a, b) -> tuple[Tensor, Tensor]:
    a, b = _as_float(a, "a"), _as_float(b, "b")
    if a.ndim != 1 or a.shape != b.shape:
        raise MvaeError(f"slerp takes two codes of the same shape (Z,), got {tuple(a.shape)} and {tuple(b.shape)}")
    return a, b


def slerp(a, b, t) -> Tensor:
    """Spherical linear interpolation between codes a, b (Z,) at fraction(s) t: a scalar t gives (Z,),
    a 1-D t (n,) gives (n, Z). t = 0 gives a and t = 1 gives b exactly; (nearly) parallel or opposite
    codes, or a zero code, are interpolated linearly instead. Fractions outside [0, 1] extrapolate."""
    a, b = _pair_of_codes(a, b)
    tt = _fractions(t)
    out = _pairs(a[None], b[None], tt.reshape(-1), "slerp")[:, 0]  # (n, Z)
    return out[0] if tt.ndim == 0 else out  # (Z,) for a scalar t


def interpolate(a, b, n: int, method: str = "slerp") -> Tensor:
    """`n` >= 2 codes (n, Z) evenly spaced from a to b (Z,), both ends included exactly; method is
    'slerp' (MusicVAE's) or 'linear'."""
    _check_method(method)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise MvaeError(f"an interpolation needs n >= 2 points (both ends), got {n!r}")
    a, b = _pair_of_codes(a, b)
    t = torch.linspace(0.0, 1.0, n, dtype=torch.float64)  # (n,)
    return _pairs(a[None], b[None], t, method)[:, 0]  # (n, Z)


def bilinear_grid(corners, rows: int, cols: int, method: str = "slerp") -> Tensor:
    """A (rows, cols, Z) grid spanned by 4 corner codes (4, Z) given as [top-left, top-right,
    bottom-left, bottom-right]: the top and bottom edges are interpolated over `cols` points, then
    each column between its top and bottom code over `rows` points (magenta.js's 4-corner grid; with
    method 'linear' this is bilinear interpolation). Corners are exact, and every edge equals the
    1-D `interpolate` between its two corners."""
    _check_method(method)
    for name, v in (("rows", rows), ("cols", cols)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 2:
            raise MvaeError(f"a latent grid needs {name} >= 2, got {v!r}")
    c = _as_float(corners, "corners")
    if c.ndim != 2 or c.shape[0] != 4:
        raise MvaeError(f"corners must be 4 codes (4, Z), got shape {tuple(c.shape)}")
    tc = torch.linspace(0.0, 1.0, cols, dtype=torch.float64)  # (cols,)
    tr = torch.linspace(0.0, 1.0, rows, dtype=torch.float64)  # (rows,)
    edges = _pairs(c[[0, 2]], c[[1, 3]], tc, method)  # (cols, 2, Z): top and bottom edges
    return _pairs(edges[:, 0], edges[:, 1], tr, method)  # (rows, cols, Z)


def attribute_vector(codes, values, quantile: float = 0.25) -> Tensor:
    """Mean code of the examples ranked in the top `quantile` by attribute value minus the mean code
    of those in the bottom `quantile` (Roberts et al. 2018, section 5.4): codes (N, Z), values (N,)
    -> (Z,). Examples whose value is NaN (e.g. an attribute of an empty window) are left out; each
    group holds floor(quantile * N) of the N examples with a value, ties ranked in input order."""
    c = _as_float(codes, "codes")
    v = _as_float(values, "values").to("cpu", torch.float64)
    if c.ndim != 2 or v.ndim != 1 or len(v) != len(c):
        raise MvaeError(f"attribute_vector takes codes (N, Z) and values (N,), got {tuple(c.shape)} and {tuple(v.shape)}")
    if not 0.0 < quantile <= 0.5:
        raise MvaeError(f"quantile must lie in (0, 0.5], got {quantile}")
    keep = ~torch.isnan(v)  # (N,)
    c, v = c[keep.to(c.device)], v[keep]  # (N', Z), (N',)
    k = int(quantile * len(v) + 1e-9)  # examples per group
    if k < 1:
        raise MvaeError(f"an attribute vector needs at least {math.ceil(1 / quantile - 1e-9)} examples with a value "
                        f"for quantile {quantile}, got {len(v)}")
    if bool((v == v[0]).all()):
        raise MvaeError("the attribute has the same value on every example; it gives no direction")
    order = torch.sort(v, stable=True).indices.to(c.device)  # (N',) ascending by value
    return c[order[-k:]].mean(0) - c[order[:k]].mean(0)  # (Z,)


def apply_attribute(z, vector, amount) -> Tensor:
    """z + amount * vector: z (..., Z), vector (Z,); amount a number or a tensor of shape S, which
    is broadcast as amount[..., None] (so z (Z,) and amount (n,) give an (n, Z) sweep, and z (B, Z)
    with amount (B,) moves each code by its own amount)."""
    z, vec, amt = _as_float(z, "z"), _as_float(vector, "vector"), _as_float(amount, "amount")
    if vec.ndim != 1 or z.ndim < 1 or z.shape[-1] != vec.shape[0]:
        raise MvaeError(f"apply_attribute takes z (..., Z) and vector (Z,), got {tuple(z.shape)} and {tuple(vec.shape)}")
    try:
        return z + amt.to(z.device)[..., None] * vec.to(z.device)  # broadcast (..., Z)
    except RuntimeError:
        raise MvaeError(f"amount of shape {tuple(amt.shape)} does not broadcast against z {tuple(z.shape)}") from None


def read_codes(path):
    """Latent codes (n, z) float32 numpy array from a .npy file that `mvae encode` wrote; a one-line error
    for anything else (a MIDI file, a pickle, a 3-D array)."""
    from pathlib import Path

    import numpy as np

    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as e:
        raise MvaeError(f"{path}: cannot read it ({e.strerror or e})") from None
    if head != b"\x93NUMPY":
        kind = "a MIDI file" if head[:4] in (b"MThd", b"RIFF") else "not a .npy file"
        raise MvaeError(f"{path} is {kind}; decode takes a .npy file of codes (n, z) from `mvae encode`")
    try:
        codes = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise MvaeError(f"{path}: not a numpy .npy file of codes ({e})") from None
    if codes.ndim not in (1, 2) or not np.issubdtype(codes.dtype, np.number):
        raise MvaeError(f"{path}: codes must be a numeric (n, z) array, got {codes.dtype} {codes.shape}")
    return np.asarray(codes, np.float32)


# --- a prior fitted to the codes ----------------------------------------------------------------------
# A VAE whose KL term is weak next to its reconstruction (a long window's hundreds of bits) leaves
# its codes far from N(0, I): decoding z ~ N(0, I) then lands between the places real windows' codes
# sit. Sampling from a Gaussian fitted to the training windows' posterior means instead (full
# covariance; the "ex-post density estimation" of Ghosh et al. 2020, "From variational to deterministic
# autoencoders", which fits such a density to an autoencoder's codes) keeps samples where the
# decoder has learned to write. The fit is stored as two buffers of the model, `code_prior_mean` (Z,)
# and `code_prior_tril` (Z, Z), the Cholesky factor of the covariance.


def add_code_prior(module, z_size: int) -> None:
    """Give `module` the buffers of a fitted code prior (a standard normal until `fit_code_prior`)."""
    import torch

    module.register_buffer("code_prior_mean", torch.zeros(z_size))
    module.register_buffer("code_prior_tril", torch.eye(z_size))


def add_meter_priors(module, z_size: int, count: int) -> None:
    """Give `module` one fitted code prior per meter (a melody model that reads the meter, whose codes of
    6/8 windows sit elsewhere than those of 3/4 ones): buffers `meter_prior_mean` (M, Z) and
    `meter_prior_tril` (M, Z, Z), standard normals until `fit_code_prior(..., index=m)`."""
    import torch

    module.register_buffer("meter_prior_mean", torch.zeros(count, z_size))
    module.register_buffer("meter_prior_tril", torch.eye(z_size).repeat(count, 1, 1))


def fit_code_prior(module, codes, ridge: float = 1e-4, index: int | None = None) -> None:
    """Fit the buffers of `module` to codes (N, Z): their mean and the Cholesky factor of their
    covariance (plus `ridge` on the diagonal, so that it is positive definite); `index`: the prior of the
    meter at that index (add_meter_priors) rather than the one code prior."""
    import torch

    codes = torch.as_tensor(codes, dtype=torch.float64)
    if codes.ndim != 2 or len(codes) <= codes.shape[1]:
        raise ValueError(f"fitting a {codes.shape[-1]}-dim Gaussian needs more codes than dimensions, "
                         f"got {tuple(codes.shape)}")
    cov = torch.cov(codes.T) + ridge * torch.eye(codes.shape[1], dtype=codes.dtype)
    if index is None:
        mean, tril = module.code_prior_mean, module.code_prior_tril
    else:
        mean, tril = module.meter_prior_mean[index], module.meter_prior_tril[index]
    mean.copy_(codes.mean(0).to(mean.dtype))
    tril.copy_(torch.linalg.cholesky(cov).to(tril.dtype))


def draw_codes(module, noise, scale: float = 1.0, index: int | None = None):
    """Codes from standard normal `noise` (N, Z): through the fitted prior of `module` when it has one (the
    prior of the meter at `index` when given), spread `scale` times its fitted spread around the mean; else
    the noise itself (z ~ N(0, I))."""
    import torch

    noise = torch.as_tensor(noise)
    prior = fitted_prior(module, index)
    if prior is None:
        return noise
    mean, tril = prior
    return mean + scale * noise.float() @ tril.T


def fitted_prior(module, index: int | None = None):
    """(mean (Z,), lower Cholesky factor (Z, Z)) of the code prior fitted to `module` (the meter's at `index`
    when it has per-meter priors), float32; None when it has none."""
    if index is not None and hasattr(module, "meter_prior_mean"):
        return module.meter_prior_mean[index].float(), module.meter_prior_tril[index].float()
    if hasattr(module, "code_prior_mean"):
        return module.code_prior_mean.float(), module.code_prior_tril.float()
    return None



def prior_noise(module, codes, scale: float = 1.0, index: int | None = None):
    """The standard normal noise (N, Z) that `draw_codes` maps to `codes` (N, Z): its inverse."""
    import torch

    codes = torch.as_tensor(codes).float()
    prior = fitted_prior(module, index)
    if prior is None:
        return codes
    mean, tril = prior
    return torch.linalg.solve_triangular(tril, ((codes - mean) / scale).T, upper=False).T
