"""Does a model that reads the meter write in it? Onset positions within the bar of prior samples in each
meter against the held-out windows of that meter (issue 22: "a 6/8 model is seen to put its notes where a
6/8 tune does, not merely to write 24-step sequences").

  python benchmarks/bench_meters.py --model default --data datasets/meters
  python benchmarks/bench_meters.py --model runs/A --model old=runs/B --data datasets/meters --n 1000

For each meter with at least `--min-windows` held-out windows (a folder of datasets per bar length from
`mvae data build ... --steps-per-bar 0`), the histogram of note-on positions mod the bar
(melody/attributes.py `onset_position_histogram`) of `--n` prior samples in that meter, at T = 0.5 (the
house's sampling default) and T = 1.0 (MusicVAE's Table 1 protocol), against the held-out windows', as the
overlapping area (OA, 1 = the same histogram). Measured in the same run, as references: the training
windows of the meter (the ceiling), samples written with the other meter of the same bar length (3/4 for
6/8 and back: what a model that ignored the meter would score at best), and for a model that does not
read the meter (a per-bar-length model, `--model`), its samples at that bar length.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common import load_models  # noqa: E402

from musicvae_lite.music.melody.attributes import histogram_overlap, onset_position_histogram  # noqa: E402
from musicvae_lite.music.melody.data import load_melody_groups  # noqa: E402
from musicvae_lite.music.meter import parse_meter  # noqa: E402

SAME_BAR = {"3/4": "6/8", "6/8": "3/4", "3/2": "6/4", "6/4": "3/2", "4/4": "2/2", "2/2": "4/4"}


def samples(model, meter, n: int, temperature: float, seed: int) -> np.ndarray | None:
    from musicvae_lite.music.sequence_generate import sample

    if not model.reads_meter and model.config.grid.steps_per_bar != meter.steps_per_bar:
        return None  # a per-bar-length model of another bar length
    return sample(model, n, temperature=temperature, seed=seed, meter=meter)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", default=[], help="NAME=SPEC or SPEC (default: default)")
    ap.add_argument("--data", required=True, help="a folder of datasets per bar length (bar16/, bar12/, ...)")
    ap.add_argument("--n", type=int, default=1000, help="samples per meter and temperature")
    ap.add_argument("--min-windows", type=int, default=100, help="held-out windows a meter needs to be scored")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bars", type=int, default=None, help="window length in bars (default: the first model's)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    models = load_models(args.model or ["default"])
    rows = []
    bars = args.bars or next(iter(models.values())).config.bars
    for group in load_melody_groups(args.data, bars):
        bar = group.steps // bars
        for label in sorted(set(group.eval_meter.tolist())):
            held = group.eval[group.eval_meter == label]
            if len(held) < args.min_windows:
                continue
            target = onset_position_histogram(held, bar)
            row = {"meter": label, "held_out": len(held)}
            train = group.train[group.train_meter == label]
            row["training windows (ceiling)"] = histogram_overlap(onset_position_histogram(train, bar), target)
            other = SAME_BAR.get(label)
            if other is not None and (group.eval_meter == other).sum():
                row[f"held-out {other} (the other meter)"] = histogram_overlap(
                    onset_position_histogram(group.eval[group.eval_meter == other], bar), target)
            for name, model in models.items():
                for t in (0.5, 1.0):
                    got = samples(model, parse_meter(label), args.n, t, args.seed)
                    if got is not None:
                        row[f"{name} T={t:g}"] = histogram_overlap(onset_position_histogram(got, bar), target)
                    if (model.reads_meter or getattr(model.config, "meter_priors", ())) and other is not None:
                        wrong = samples(model, parse_meter(other), args.n, t, args.seed)
                        if wrong is not None:
                            row[f"{name} T={t:g} written in {other}"] = histogram_overlap(
                                onset_position_histogram(wrong, bar), target)
            rows.append(row)
            if not args.json:
                print(f"{label} ({len(held)} held-out windows):")
                for k, v in row.items():
                    if k not in ("meter", "held_out"):
                        print(f"  {k:<40} OA {v:.3f}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
