"""How far a humanize model of the hits alone could go: templates fit on the training split, and one fit on
each held-out file's own windows (that drummer's feel on that piece, which the hits do not carry), scored
as `mvae eval` scores GrooVAE humanize models (musicvae_lite/music/drums/groove/evaluate.py).

  python benchmarks/groove_ceiling.py datasets/groove      # test split (eval where there is none)

Prints mean absolute timing (ms) and velocity (0-127) errors over the held-out drummers' hits of:
the quantized beat at the mean velocity and the groove template (the eval's baselines), a tempo-aware
template (mean offsets in ms), a median template (what minimizes absolute error), and the per-file
template (a ceiling, not a baseline: it reads the answers' own files).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.music.drums.dataset import load_drum_split  # noqa: E402
from musicvae_lite.music.drums.groove.evaluate import humanize_baselines, step_ms, timing_errors  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a drum dataset folder (mvae data build --family drums)")
    args = parser.parse_args(argv)
    split = "test" if (args.data / "test.npz").exists() else "eval"
    train, held = load_drum_split(args.data, "train"), load_drum_split(args.data, split)
    hits, shape = train.hits, held.offset.shape
    rows = {k: (v.timing_ms, v.velocity) for k, v in humanize_baselines(train, held).items()}

    n = np.maximum(hits.sum(axis=0), 1)  # (T, 9) training hits per step and drum
    mean_ms = np.where(hits, train.offset * step_ms(train), 0).sum(axis=0) / n
    tempo = timing_errors(held, held.velocity, np.broadcast_to(mean_ms, shape) / step_ms(held))
    rows["tempo-aware template (offsets in ms)"] = (tempo.timing_ms, float("nan"))

    median = np.zeros(shape[1:])
    for s in range(shape[1]):
        for d in range(shape[2]):
            played = train.offset[:, s, d][hits[:, s, d]]
            median[s, d] = np.median(played) if len(played) else 0.0
    med = timing_errors(held, held.velocity, np.broadcast_to(median, shape))
    rows["median template"] = (med.timing_ms, float("nan"))

    own = np.zeros(shape, np.float32)
    own_vel = np.zeros(shape, np.float32)
    for f in np.unique(held.file_index):
        i = held.file_index == f
        h = held.hits[i]
        k = np.maximum(h.sum(axis=0), 1)
        own[i] = np.where(h, held.offset[i], 0).sum(axis=0) / k
        own_vel[i] = np.where(h, held.velocity[i], 0).sum(axis=0) / k
    ceiling = timing_errors(held, own_vel, own)
    rows["per-file template (ceiling: reads each held-out file)"] = (ceiling.timing_ms, ceiling.velocity)

    print(f"{len(held)} {split} windows of {args.data}; mean absolute error over the drummers' hits")
    print(f"{'':<56} {'timing (ms)':>11} {'velocity':>9}")
    for name, (t, v) in rows.items():
        print(f"{name:<56} {t:>11.2f} {v:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
