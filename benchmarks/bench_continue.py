"""Does a continuation sound like the tune it continues? Issue 25's Continue target: 8 bars written after the
first 8 of held-out 16-bar tunes, against the tunes' real bars 9-16.

  python benchmarks/bench_continue.py --data datasets/meters16 --tunes 200
  python benchmarks/bench_continue.py --data datasets/meters16 --model melody_16bar --model default \\
      --away 0 --away 0.2 --away 0.35 --temperature 0 --temperature 0.5

For each held-out tune (one 16-bar window per file of the evaluation split, so no tune counts twice; a folder
of datasets per bar length from `mvae data build --bars 16 --steps-per-bar 0`, each meter with its windows)
the primer is bars 1-8 and the truth bars 9-16. Two figures per method, each the mean over tunes of the
overlapping area (OA, 1 = the same histogram) between the method's bars 9-16 and the truth's: the
pitch-class histogram (the key and its scale) and the onset-position histogram within the bar (the rhythm).
Methods: every `--model` continuing the primer (music/continuation.py) at each `--away` (how far the code moves
from the primer's towards a random one) and `--temperature`; and, measured in
the same run as the baselines, a prior sample of the first model in the tune's meter (its bars 9-16), the
primer's last 2 bars repeated four times, and (a reference, not a baseline) the primer's 8 bars again.
"copies": the share of continuations that are the primer's 8 bars again, note for note. Seconds per tune
say what each setting costs on this machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common import load_models  # noqa: E402

from musicvae_lite.music.melody.attributes import (  # noqa: E402
    histogram_overlap,
    onset_position_histogram,
    pitch_class_histogram,
)
from musicvae_lite.music.melody.data import load_melody_groups  # noqa: E402
from musicvae_lite.music.meter import parse_meter  # noqa: E402


def tunes(data: str, limit: int, seed: int) -> list[tuple[np.ndarray, str]]:
    """(16-bar window, meter label) per held-out file, at most `limit`, in a seeded order."""
    rng = np.random.default_rng(seed)
    found = []
    for group in load_melody_groups(data, 16):
        files = group.eval_files if group.eval_files is not None else np.arange(len(group.eval))
        _, first = np.unique(files, return_index=True)
        for i in first:
            found.append((group.eval[i], str(group.eval_meter[i])))
    order = rng.permutation(len(found))[:limit]
    return [found[i] for i in order]


def scores(made: np.ndarray, truth: np.ndarray, bar: int) -> tuple[float, float]:
    """(pitch-class OA, onset-position OA) of one continuation against the real bars; NaN without notes."""
    pm, pt = pitch_class_histogram(made), pitch_class_histogram(truth)
    pitch = histogram_overlap(pm, pt) if not (np.isnan(pm).any() or np.isnan(pt).any()) else np.nan
    om, ot = onset_position_histogram(made, bar), onset_position_histogram(truth, bar)
    onset = histogram_overlap(om, ot) if om.sum() and ot.sum() else np.nan
    return pitch, onset


def main(argv: list[str] | None = None) -> int:
    import torch

    from musicvae_lite.music.continuation import AWAY, continue_windows
    from musicvae_lite.music.sequence_generate import sample

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", default=[], help="NAME=SPEC or SPEC (default: melody_16bar)")
    ap.add_argument("--data", required=True, help="a folder of 16-bar datasets per bar length")
    ap.add_argument("--tunes", type=int, default=200)
    ap.add_argument("--temperature", type=float, action="append", default=[])
    ap.add_argument("--away", type=float, action="append", default=[],
                    help="the starting code moved this share of the way towards a random one (default 0)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16, help="tunes continued at once")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    models = load_models(args.model or ["melody_16bar"])
    temperatures, aways = args.temperature or [0.5], args.away or [AWAY]
    chosen = tunes(args.data, args.tunes, args.seed)
    rows: dict[str, list[tuple[float, float]]] = {}
    seconds: dict[str, float] = {}
    copies: dict[str, int] = {}

    def add(name: str, made: np.ndarray, truth: np.ndarray, bar: int):
        rows.setdefault(name, []).extend(scores(m, t, bar) for m, t in zip(made, truth))

    first = next(iter(models.values()))
    for label in sorted({m for _, m in chosen}):
        meter = parse_meter(label)
        S = meter.steps_per_bar
        windows = np.stack([w for w, m in chosen if m == label])
        primer, truth = windows[:, :8 * S], windows[:, 8 * S:]
        add("prior sample (baseline)", sample(first, len(windows), temperature=temperatures[0], seed=args.seed,
                                              meter=meter)[:, 8 * S:], truth, S)
        add("primer's last 2 bars x4 (baseline)", np.tile(primer[:, -2 * S:], (1, 4)), truth, S)
        add("primer's 8 bars again (reference)", primer, truth, S)
        for name, model in models.items():
            for t, away in itertools.product(temperatures, aways):
                key = f"{name} T={t:g} away {away:g}"
                started = time.perf_counter()
                for i in range(0, len(windows), args.batch):
                    got = continue_windows(model, primer[i:i + args.batch], 8, meter, temperature=t, seed=args.seed + i,
                                           away=away)
                    add(key, got, truth[i:i + args.batch], S)
                    copies[key] = copies.get(key, 0) + int((got == primer[i:i + args.batch]).all(1).sum())
                seconds[key] = seconds.get(key, 0.0) + time.perf_counter() - started
    out = {k: {"pitch_class_oa": float(np.nanmean([p for p, _ in v])), "onset_oa": float(np.nanmean([o for _, o in v])),
               "tunes": len(v), "seconds_per_tune": seconds.get(k, 0.0) / len(v),
               "primer_copies": copies.get(k, 0) / len(v)} for k, v in rows.items()}
    if args.json:
        print(json.dumps(out))
    else:
        meters = ", ".join(f"{m} {sum(1 for _, x in chosen if x == m)}" for m in sorted({m for _, m in chosen}))
        print(f"{len(chosen)} held-out tunes ({meters}); bars 9-16 against the real ones, mean OA")
        print(f"{'method':<58} {'pitch-class':>11} {'onset':>7} {'copies':>7} {'s/tune':>7}")
        for k, v in out.items():
            print(f"{k:<58} {v['pitch_class_oa']:>11.3f} {v['onset_oa']:>7.3f} {v['primer_copies']:>7.1%} "
                  f"{v['seconds_per_tune']:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
