"""Long-term structure of 16-bar melodies: do a model's prior samples repeat bars, exactly or transposed,
and keep neighbouring bars alike, as held-out music does? Flat and hierarchical models side by side,
in one run, against the same held-out windows (the issue's item 3; MusicVAE's claim, Roberts et al.
2018 section 5.2, is that a flat decoder's long samples wander).

  python benchmarks/bench_structure.py --data datasets/mix16 --model hier=runs/h16 --model flat=runs/f16
  python benchmarks/bench_structure.py --data datasets/mix16 --model melody_16bar --temperature 0.5 1.0 --json

Features (musicvae_lite/music/melody/structure.py and attributes.py), per 16-bar window: the share of
bars with notes that repeat an earlier bar exactly, the share that repeat one transposed, the mean
similarity of neighbouring bars (share of their 16 steps with the same event), and note count, pitch
range and mean interval. For each model and temperature, `--n` (500) prior samples (seed `--seed`)
against `--n` held-out windows; the figures are bench_samples.py's: OA of the inter-set distances
against the held-out intra-set distances (Yang & Lerch 2020), and the plain OA of the feature values.
As a ceiling, `--n` training windows in place of the samples. Then the distribution of neighbouring-bar
similarity (quartiles over all pairs) for the data and each set of samples. Target (the issue's):
OA >= 0.7 on every feature at temperature 0.5.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
from bench_samples import FEATURES as BASIC
from bench_samples import compare, fmt, pick
from common import finite, load_models

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicvae_lite.music.melody.structure import STRUCTURE, bar_similarity

FEATURES = {**STRUCTURE, **{k: BASIC[k] for k in ("note_count", "pitch_range", "mean_interval")}}


def quartiles(events: np.ndarray) -> list[float]:
    sims = bar_similarity(events).ravel()
    return [float(q) for q in np.quantile(sims, [0.25, 0.5, 0.75])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True,
                        help="NAME=SPEC or SPEC (a bundled name, run folder or checkpoint); repeatable")
    parser.add_argument("--data", required=True, help="a 16-bar dataset folder (train.npz, eval.npz)")
    parser.add_argument("--n", type=int, default=500, help="samples and held-out windows each")
    parser.add_argument("--temperature", type=float, nargs="+", default=[0.5], help="sampling temperatures")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bandwidth", choices=("scott", "silverman"), default="scott")
    parser.add_argument("--target", type=float, default=0.7)
    parser.add_argument("--json", action="store_true", help="one JSON line instead of the tables")
    args = parser.parse_args(argv)

    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music.melody.data import load_melody_data
    from musicvae_lite.music.melody.generate import sample

    t0 = time.perf_counter()
    try:
        models = load_models(args.model)
        bars = {m.config.bars for m in models.values()}
        if len(bars) != 1:
            raise MvaeError(f"the models have different lengths ({sorted(bars)} bars); compare models of one length")
        data = load_melody_data(args.data, bars.pop())
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    heldout, training = pick(data.eval, args.n, rng), pick(data.train, args.n, rng)
    intra: dict[str, np.ndarray] = {}
    ceiling = {f: compare(training, heldout, f, args.bandwidth, intra, FEATURES) for f in FEATURES}
    sets = {"held-out": heldout, "training": training}
    results = {}
    for name, model in models.items():
        for t in args.temperature:
            generated = sample(model, len(heldout), temperature=t, seed=args.seed)
            sets[f"{name} T={t:g}"] = generated
            results[f"{name} T={t:g}"] = {"model": name, "step": model.step, "temperature": t, "features": {
                f: compare(generated, heldout, f, args.bandwidth, intra, FEATURES) for f in FEATURES}}
    similarity = {k: quartiles(v) for k, v in sets.items()}
    if args.json:
        print(json.dumps(finite({
            "data": args.data, "n": len(heldout), "seed": args.seed, "target": args.target,
            "ceiling": {f: asdict(r) for f, r in ceiling.items()},
            "results": {k: {**v, "features": {f: asdict(r) for f, r in v["features"].items()}} for k, v in results.items()},
            "similarity_quartiles": similarity, "seconds": round(time.perf_counter() - t0, 1)})))
        return 0
    print(f"{len(heldout)} held-out 16-bar windows of {args.data}; {len(heldout)} prior samples per row (seed {args.seed}); "
          f"OA (inter vs intra, Yang & Lerch) / plain OA; mean of the feature in brackets")
    names = list(FEATURES)
    print(f"{'':<22}" + "".join(f"{n:>27}" for n in names))
    rows = [("training (ceiling)", ceiling, None)] + [(k, v["features"], v) for k, v in results.items()]
    means = {f: ceiling[f].mean_heldout for f in names}
    print(f"{'held-out (mean)':<22}" + "".join(f"{'(' + fmt(means[f], '.3f') + ')':>27}" for f in names))
    for label, feats, _ in rows:
        cells = [f"{fmt(feats[f].oa)} / {fmt(feats[f].plain_oa)} ({fmt(feats[f].mean_candidate, '.3f')})" for f in names]
        print(f"{label:<22}" + "".join(f"{c:>27}" for c in cells))
    print("\nneighbouring-bar similarity, quartiles over all pairs (share of the 16 steps alike):")
    for k, q in similarity.items():
        print(f"  {k:<22} {q[0]:.3f}  {q[1]:.3f}  {q[2]:.3f}")
    for k, v in results.items():
        if v["temperature"] == 0.5:
            met = [f for f in names if v["features"][f].oa >= args.target]
            print(f"{k}: OA >= {args.target:g} on {len(met)} of {len(names)} features"
                  + ("" if len(met) == len(names) else f" (not: {', '.join(f for f in names if f not in met)})"))
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
