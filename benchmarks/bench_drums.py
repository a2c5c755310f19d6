"""Sample quality of a drum model: its prior samples against held-out beats (the official test split when
the dataset has one) on hits per bar, per-drum density (9 values) and syncopation, as overlapping areas
after Yang & Lerch 2020 (bench_samples.py's figures: inter-set vs intra-set distances, and the plain OA of
the values), with training windows in place of the samples as the ceiling, all in one run.

  python benchmarks/bench_drums.py --model runs/drums --data datasets/groove
  python benchmarks/bench_drums.py --model drums --data datasets/groove --temperature 0.5 1.0 --json

Target (the drums issue): OA >= 0.7 on every feature.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
from bench_samples import compare, fmt, pick
from common import finite

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicvae_lite.music.drums.attributes import FEATURES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a drums run folder, checkpoint or bundled name")
    parser.add_argument("--data", required=True, help="a drum dataset folder (mvae data build --family drums)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--temperature", type=float, nargs="+", default=[0.5, 1.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--target", type=float, default=0.7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from musicvae_lite import families
    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music import sequence_generate as g
    from musicvae_lite.music.drums.dataset import load_drum_split

    try:
        loaded = families.load(args.model, family="drums")
        split = "test" if (Path(args.data) / "test.npz").exists() else "eval"
        held = load_drum_split(args.data, split, loaded.model.config.bars)
        train = load_drum_split(args.data, "train", loaded.model.config.bars)
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    heldout, training = pick(held.classes, args.n, rng), pick(train.classes, args.n, rng)
    intra: dict = {}
    rows = {"training (ceiling)": {f: compare(training, heldout, f, "scott", intra, FEATURES) for f in FEATURES}}
    for t in args.temperature:
        samples = g.sample(loaded.model, len(heldout), temperature=t, seed=args.seed)
        rows[f"samples T={t:g}"] = {f: compare(samples, heldout, f, "scott", intra, FEATURES) for f in FEATURES}
    if args.json:
        print(json.dumps(finite({"model": args.model, "step": loaded.model.step, "split": split, "n": len(heldout),
                                 "rows": {k: {f: asdict(r) for f, r in v.items()} for k, v in rows.items()}})))
        return 0
    print(f"{args.model} (step {loaded.model.step}): {len(heldout)} prior samples per row vs {len(heldout)} "
          f"{split} windows of {args.data}; OA (inter vs intra) / plain OA (mean)")
    print(f"{'':<20}" + "".join(f"{f:>28}" for f in FEATURES))
    first = rows["training (ceiling)"]
    print(f"{'held-out (mean)':<20}" + "".join(f"{'(' + fmt(first[f].mean_heldout, '.3f') + ')':>28}" for f in FEATURES))
    for label, res in rows.items():
        print(f"{label:<20}" + "".join(f"{fmt(res[f].oa)} / {fmt(res[f].plain_oa)} ({fmt(res[f].mean_candidate, '.3f')})"
                                       .rjust(28) for f in FEATURES))
    for label, res in rows.items():
        if label.startswith("samples"):
            met = [f for f in FEATURES if res[f].oa >= args.target]
            print(f"{label}: OA >= {args.target:g} on {len(met)} of {len(FEATURES)} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
