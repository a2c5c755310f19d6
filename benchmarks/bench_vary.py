"""How near `mvae vary`'s variations stay to their input: the share of events equal to the input's, for held-out
windows, at several amounts (the share of the way from the input's code to a random one; 0.3 is the
default), beside two references from the same run: the reconstruction (amount 0, the ceiling) and prior
samples in the window's meter (the floor: what any melody of that meter shares with it, mostly held steps).

  python benchmarks/bench_vary.py --data datasets/meters_unseen --n 200
  python benchmarks/bench_vary.py --model runs/x --data datasets/essen --amounts 0.2 0.3

Issue 25's target: at the default amount, between 0.5 and 0.9 (near, not copies), above the floor.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from musicvae_lite.families import load_model  # noqa: E402
from musicvae_lite.music.melody.data import load_melody_groups  # noqa: E402
from musicvae_lite.music.meter import parse_meter  # noqa: E402
from musicvae_lite.music.sequence_generate import decode, encode, sample, vary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--data", required=True, help="a dataset folder, or a folder of them per bar length")
    ap.add_argument("--n", type=int, default=200, help="held-out windows per bar length")
    ap.add_argument("--variations", type=int, default=4, help="variations of each window")
    ap.add_argument("--amounts", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.5])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    model = load_model(args.model)
    rng = np.random.default_rng(args.seed)
    for group in load_melody_groups(args.data, model.config.bars):
        if not len(group.eval):
            continue
        chosen = np.sort(rng.choice(len(group.eval), min(args.n, len(group.eval)), replace=False))
        rows = {f"amount {a:g}": [] for a in args.amounts}
        rows["reconstruction (amount 0)"], rows["prior samples (floor)"] = [], []
        for i in chosen:
            window, meter = group.eval[i], parse_meter(str(group.eval_meter[i]))
            for a in args.amounts:
                got = vary(model, window, args.variations, amount=a, seed=args.seed + int(i), meter=meter)
                rows[f"amount {a:g}"].append(float((got == window).mean()))
            again = decode(model, encode(model, window, meter=meter), meter=meter)
            rows["reconstruction (amount 0)"].append(float((again == window).mean()))
            prior = sample(model, args.variations, temperature=0.0, seed=args.seed + int(i), meter=meter)
            rows["prior samples (floor)"].append(float((prior == window).mean()))
        print(f"bars of {group.steps // model.config.bars} steps ({len(chosen)} held-out windows, "
              f"{args.variations} variations each): share of events equal to the input")
        for name, values in rows.items():
            print(f"  {name:<28} {np.mean(values):.3f}")


if __name__ == "__main__":
    main()
