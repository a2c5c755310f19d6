"""Sample quality of a melody model after Yang & Lerch 2020 ("On the evaluation of generative models
in music", Neural Computing and Applications 32: 4773-4784; their mgeval toolbox): overlapping areas
of feature-distance distributions, prior samples against held-out windows.

  python benchmarks/bench_samples.py --model /tmp/run_tiny                  # a run folder
  python benchmarks/bench_samples.py --model default --data datasets/essen --json

What is compared: `--n` (1,000) prior samples, `sample(model, n, temperature=0.5, seed=0)`, against
`--n` windows drawn at random (seed `--seed`) from the dataset's eval split. As a reference ceiling
(what a model whose samples were indistinguishable from the data would get), the same figures are
computed for `--n` training windows against the same held-out windows.

Features (musicvae_lite/music/attributes.py): note count, pitch range, mean absolute interval, and the
12-dim pitch-class histogram. A window where a feature is undefined (NaN: no notes, or fewer than two
for the mean interval) is left out of that feature's figures; how many were is printed.

The figure (Yang & Lerch section 4, "inter-set" vs "intra-set"): for one feature,
  intra  = the distances |f(x_i) - f(x_j)| between all pairs i < j of held-out windows (Euclidean
           for the histogram),
  inter  = the distances |f(g_i) - f(x_j)| between every generated window g_i and held-out window x_j;
each set of distances is smoothed with a Gaussian KDE with Scott's bandwidth (sigma * n^(-1/5), the
default of scipy.stats.gaussian_kde that mgeval calls; `--bandwidth silverman` gives (3n/4)^(-1/5))
and OA = integral of min(p_intra, p_inter) on a common grid, in [0, 1]; 1 when generated windows sit
among held-out ones as the held-out ones sit among themselves. The KDE here is a binned one (linear
binning onto a grid of spacing <= bandwidth / 4, then a convolution with the sampled Gaussian;
Wand 1994, "Fast computation of multivariate kernel estimators"), so a million distances cost
milliseconds.

A second, simpler figure ("plain OA"): the OA of the KDEs of the feature values themselves,
generated against held-out. For the pitch-class histogram, whose values are 12-dim, it is the overlap
sum_k min(p_k, q_k) of the two sets' mean histograms (each window weighted equally).

Target (from the issue): OA >= 0.7 for every feature; the table says whether each is met.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from common import DEFAULT_DATA, finite

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicvae_lite.music.melody.attributes import mean_interval, note_count, pitch_class_histogram, pitch_range  # noqa: E402

FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "note_count": note_count,
    "pitch_range": pitch_range,
    "mean_interval": mean_interval,
    "pitch_class_histogram": pitch_class_histogram,
}  # name -> feature of windows (n, steps): (n,) or (n, 12), NaN where undefined
MAX_GRID = 1 << 16  # grid points of one KDE comparison at most
KERNEL_SDS = 5.0  # the sampled Gaussian kernel reaches this many bandwidths each side
DISTANCE_CHUNK = 256  # rows of the pairwise-distance matrix computed at once (bounds memory)


# --- kernel density estimates -------------------------------------------------------------------


def bandwidth(x: np.ndarray, rule: str = "scott") -> float:
    """Gaussian KDE bandwidth of 1-D data x (n,) by scipy's rules: sigma * n^(-1/5) (Scott) or
    sigma * (3n/4)^(-1/5) (Silverman); 0 for constant data."""
    n = len(x)
    sigma = float(np.std(x, ddof=1)) if n > 1 else 0.0
    factor = n ** (-0.2) if rule == "scott" else (0.75 * n) ** (-0.2)
    return sigma * factor


def binned_kde(x: np.ndarray, h: float, lo: float, step: float, size: int) -> np.ndarray:
    """Gaussian KDE of x (n,) with bandwidth h on the grid lo + step * arange(size): (size,) density.
    Linear binning then convolution with the kernel sampled on the grid (FFT), normalized to integrate
    to 1 on the grid."""
    pos = (np.asarray(x, np.float64) - lo) / step  # (n,) fractional grid index
    i = np.clip(np.floor(pos).astype(np.int64), 0, size - 2)  # (n,) left grid point
    w = pos - i  # (n,) weight of the right grid point
    counts = np.bincount(i, 1.0 - w, size) + np.bincount(i + 1, w, size)  # (size,)
    half = min(int(np.ceil(KERNEL_SDS * h / step)), size)
    offsets = np.arange(-half, half + 1) * step  # (2 half + 1,)
    kernel = np.exp(-0.5 * (offsets / h) ** 2) if h > 0 else (offsets == 0).astype(np.float64)
    m = size + len(kernel) - 1
    full = np.fft.irfft(np.fft.rfft(counts, m) * np.fft.rfft(kernel, m), m)  # (m,) linear convolution
    dens = np.clip(full[half:half + size], 0.0, None)  # (size,) centred on the grid
    return dens / (dens.sum() * step)


def overlap_area(a: np.ndarray, b: np.ndarray, rule: str = "scott") -> float:
    """Integral of min(p_a, p_b) of the Gaussian KDEs of 1-D samples a and b, each with its own
    bandwidth, on a common grid covering both: a number in [0, 1]."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    ha, hb = bandwidth(a, rule), bandwidth(b, rule)
    lo_x, hi_x = min(a.min(), b.min()), max(a.max(), b.max())
    floor = 1e-3 * max(hi_x - lo_x, 1e-3)  # a constant sample gets a narrow spike, not a zero width
    ha, hb = max(ha, floor), max(hb, floor)
    lo, hi = lo_x - KERNEL_SDS * max(ha, hb), hi_x + KERNEL_SDS * max(ha, hb)
    step = min(ha, hb) / 4.0
    size = int(np.ceil((hi - lo) / step)) + 1
    if size > MAX_GRID:
        size = MAX_GRID
        step = (hi - lo) / (size - 1)
    pa, pb = binned_kde(a, ha, lo, step, size), binned_kde(b, hb, lo, step, size)
    return float(np.clip(np.minimum(pa, pb).sum() * step, 0.0, 1.0))


# --- distances ----------------------------------------------------------------------------------


def _as_rows(f: np.ndarray) -> np.ndarray:
    """Feature values as (n, d) float64: scalars become d = 1."""
    f = np.asarray(f, np.float64)
    return f[:, None] if f.ndim == 1 else f


def cross_distances(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Euclidean distances between every row of fa (n, d) and every row of fb (m, d): (n * m,)."""
    out = []
    for s in range(0, len(fa), DISTANCE_CHUNK):
        diff = fa[s:s + DISTANCE_CHUNK, None, :] - fb[None, :, :]  # (chunk, m, d)
        out.append(np.sqrt((diff * diff).sum(-1)).ravel())
    return np.concatenate(out)


def intra_distances(f: np.ndarray) -> np.ndarray:
    """Euclidean distances between all pairs i < j of rows of f (n, d): (n (n - 1) / 2,)."""
    out = []
    for s in range(0, len(f) - 1, DISTANCE_CHUNK):
        rows = f[s:s + DISTANCE_CHUNK]  # (chunk, d)
        diff = rows[:, None, :] - f[None, :, :]  # (chunk, n, d)
        d = np.sqrt((diff * diff).sum(-1))  # (chunk, n)
        i, j = np.nonzero(np.arange(s, s + len(rows))[:, None] < np.arange(len(f))[None, :])
        out.append(d[i, j])
    return np.concatenate(out)


# --- one comparison -----------------------------------------------------------------------------


@dataclass
class FeatureResult:
    """One feature, one candidate set (generated or training windows) against the held-out set."""

    oa: float  # Yang & Lerch: OA of intra-set (held-out) vs inter-set (candidate x held-out) distances
    plain_oa: float  # OA of the feature values' own distributions
    excluded_candidate: int  # candidate windows where the feature is undefined (left out)
    excluded_heldout: int  # held-out windows where it is undefined
    mean_candidate: float | None  # mean value (None for the histogram)
    mean_heldout: float | None


def valid_rows(values: np.ndarray) -> np.ndarray:
    """Mask (n,) of windows whose feature is defined."""
    rows = _as_rows(values)
    return ~np.isnan(rows).any(1)


def compare(candidate: np.ndarray, heldout: np.ndarray, name: str, rule: str,
            intra_cache: dict[str, np.ndarray], features: dict[str, Callable] = FEATURES) -> FeatureResult:
    """The figures of feature `name` (of `features`) for candidate windows (n, steps) against held-out ones
    (m, steps); the held-out intra-set distances are computed once per feature and kept in `intra_cache`."""
    fc, fh = features[name](candidate), features[name](heldout)
    keep_c, keep_h = valid_rows(fc), valid_rows(fh)
    rc, rh = _as_rows(fc)[keep_c], _as_rows(fh)[keep_h]  # (n', d), (m', d)
    if len(rc) < 2 or len(rh) < 3:
        nan = float("nan")
        return FeatureResult(nan, nan, int((~keep_c).sum()), int((~keep_h).sum()), None, None)
    if name not in intra_cache:
        intra_cache[name] = intra_distances(rh)
    oa = overlap_area(intra_cache[name], cross_distances(rc, rh), rule)
    if rc.shape[1] == 1:
        plain = overlap_area(rc[:, 0], rh[:, 0], rule)
        means = float(rc.mean()), float(rh.mean())
    else:
        plain = float(np.minimum(rc.mean(0), rh.mean(0)).sum())  # overlap of the mean histograms
        means = None, None
    return FeatureResult(oa, plain, int((~keep_c).sum()), int((~keep_h).sum()), *means)


# --- the benchmark ------------------------------------------------------------------------------


def pick(events: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n windows drawn without replacement (all of them when there are fewer)."""
    return events if len(events) <= n else events[np.sort(rng.choice(len(events), n, replace=False))]


def fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="bundled model name, run folder or checkpoint")
    parser.add_argument("--data", default=DEFAULT_DATA, help="dataset folder (train.npz, eval.npz)")
    parser.add_argument("--n", type=int, default=1000, help="generated and held-out windows each")
    parser.add_argument("--temperature", type=float, default=0.5, help="sampling temperature")
    parser.add_argument("--seed", type=int, default=0, help="seed of the prior samples and the window draws")
    parser.add_argument("--bandwidth", choices=("scott", "silverman"), default="scott", help="KDE bandwidth rule")
    parser.add_argument("--target", type=float, default=0.7, help="OA each feature should reach")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    args = parser.parse_args(argv)

    from musicvae_lite.errors import MvaeError
    from musicvae_lite.families import load_model
    from musicvae_lite.music.melody.generate import sample
    from musicvae_lite.music.melody.data import load_melody_data

    t0 = time.perf_counter()
    try:
        model = load_model(args.model)
        data = load_melody_data(args.data, model.config.bars)
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if len(data.eval) < 3:
        print(f"error: {args.data} has no eval split to compare against", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    heldout = pick(data.eval, args.n, rng)
    training = pick(data.train, args.n, rng) if len(data.train) else None
    t_sample = time.perf_counter()
    generated = sample(model, args.n, temperature=args.temperature, seed=args.seed)
    t_sample = time.perf_counter() - t_sample

    intra: dict[str, np.ndarray] = {}
    model_res = {name: compare(generated, heldout, name, args.bandwidth, intra) for name in FEATURES}
    ceiling = ({name: compare(training, heldout, name, args.bandwidth, intra) for name in FEATURES}
               if training is not None else None)
    met = {name: bool(r.oa >= args.target) for name, r in model_res.items()}
    seconds = time.perf_counter() - t0

    if args.json:
        features = {name: {**asdict(r), "met": met[name], **({"ceiling": asdict(ceiling[name])} if ceiling else {})}
                    for name, r in model_res.items()}
        print(json.dumps(finite({
            "model": args.model, "step": model.step, "data": args.data, "n_generated": len(generated),
            "n_heldout": len(heldout), "n_training": 0 if training is None else len(training),
            "temperature": args.temperature, "seed": args.seed, "bandwidth": args.bandwidth, "target": args.target,
            "features": features, "all_met": all(met.values()), "sample_seconds": round(t_sample, 3),
            "seconds": round(seconds, 3)}), allow_nan=False))
        return 0

    print(f"model {args.model} (step {model.step}); {len(generated)} prior samples at temperature "
          f"{args.temperature:g} (seed {args.seed}) vs {len(heldout)} held-out windows of {args.data}")
    print(f"OA after Yang & Lerch 2020 (intra-set held-out vs inter-set distances, Gaussian KDE, "
          f"{args.bandwidth} bandwidth); ceiling = {0 if training is None else len(training)} training windows "
          f"in place of the samples")
    head = (f"{'feature':<22} {'OA':>6} {'plain':>6} {'ceil OA':>8} {'ceil plain':>10} "
            f"{'mean gen':>9} {'mean held':>9} {'undefined gen/held/train':>24}  target OA>={args.target:g}")
    print(head)
    print("-" * len(head))
    for name, r in model_res.items():
        c = ceiling[name] if ceiling else None
        undefined = f"{r.excluded_candidate}/{r.excluded_heldout}/{fmt(c.excluded_candidate if c else None, 'd')}"
        print(f"{name:<22} {fmt(r.oa):>6} {fmt(r.plain_oa):>6} {fmt(c.oa if c else None):>8} "
              f"{fmt(c.plain_oa if c else None):>10} {fmt(r.mean_candidate, '.2f'):>9} "
              f"{fmt(r.mean_heldout, '.2f'):>9} {undefined:>24}  {'met' if met[name] else 'NOT met'}")
    print(f"all features meet the target: {'yes' if all(met.values()) else 'no'}  "
          f"(sampling {t_sample:.1f} s, total {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
