"""16-bar reconstruction, MusicVAE's Table 1 side by side: models of 16-bar melodies evaluated in one run
on the same held-out windows, with the code-free baselines, the 2-bar model that code-sequence models
decode with (each 2-bar segment from its own code: their ceiling), and the paper's figures beside.

  python benchmarks/bench_16bar.py --data datasets/mix16 --unseen-by datasets/mixA --limit 1024 \\
      --model flat=runs/f16w/ckpt-00000750.pt --model hier=runs/h16w/ckpt-00000750.pt --model melody_16bar

Columns: teacher-forced accuracy, free-running greedy accuracy and accuracy sampled at temperature 1
(the paper's Table 1 protocol: each window decoded from its posterior mean, every event sampled; seed 0),
teacher-forced accuracy on note-on steps, and KL in bits per window (musicvae_lite/music/melody/evaluate.py).
`--unseen-by` leaves out held-out windows from files another dataset trained on (the bundled 2-bar model's,
whose weights the warm-started models carry); `--limit` takes windows evenly through the collections.
The paper's rows (Roberts et al. 2018, Table 1, 16-bar melodies, as the issue recalls them: flat
0.883 / 0.620, hierarchical 0.919 / 0.812, teacher-forced / sampled) were measured on their own data
(Lakh MIDI melodies); they are beside ours, not comparable figure for figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from common import load_models

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PAPER = {"paper: flat (Table 1)": (0.883, 0.620), "paper: hierarchical (Table 1)": (0.919, 0.812)}


def figures(model, windows: np.ndarray, seed: int) -> dict:
    from musicvae_lite.music.melody.evaluate import evaluate_melodies

    found = evaluate_melodies(model.vae, windows, seed=seed)
    note_on = found.group_accuracy()["note_on"]
    return {"step": model.step, "teacher_forced": found.teacher_forced_accuracy, "greedy": found.sampled_accuracy,
            "sampled_t1": found.sampled_accuracy_t1, "note_on": note_on, "kl_bits": found.kl_bits}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True,
                        help="NAME=SPEC or SPEC (a bundled name, run folder or checkpoint); repeatable")
    parser.add_argument("--data", required=True, help="a 16-bar dataset folder (train.npz, eval.npz)")
    parser.add_argument("--unseen-by", help="leave out held-out windows from files this dataset trained on")
    parser.add_argument("--limit", type=int, help="at most this many held-out windows, evenly spread")
    parser.add_argument("--short", default="default", help="the 2-bar model for the segment-by-segment row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON line instead of the table")
    args = parser.parse_args(argv)

    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music.melody.data import load_melody_data, unseen_by
    from musicvae_lite.music.melody.evaluate import baseline_accuracies
    from musicvae_lite.families import load_model
    from musicvae_lite.music.sources import spread_indices

    t0 = time.perf_counter()
    try:
        models = load_models(args.model)
        if {m.config.bars for m in models.values()} != {16}:
            raise MvaeError("compare 16-bar models")
        data = load_melody_data(args.data, 16)
        left_out = 0
        if args.unseen_by:
            data, left_out = unseen_by(data, args.unseen_by)
        short = load_model(args.short) if args.short else None
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    windows = data.eval[spread_indices(len(data.eval), args.limit)]
    rows = {name: figures(model, windows, args.seed) for name, model in models.items()}
    if short is not None:  # each 2-bar segment from its own code: what a code-sequence model can reach
        segments = windows.reshape(-1, 32)
        row = figures(short, segments, args.seed)
        row["kl_bits"] *= 8  # bits per 16-bar window: eight segments
        rows[f"{args.short}, 2 bars at a time"] = row
    baselines = baseline_accuracies(data.train, windows)
    if args.json:
        print(json.dumps({"data": args.data, "windows": len(windows), "left_out": left_out, "rows": rows,
                          "baselines": baselines, "paper": PAPER, "seconds": round(time.perf_counter() - t0, 1)}))
        return 0
    print(f"{len(windows)} held-out 16-bar windows of {args.data}"
          + (f" ({left_out} left out: their files are in {args.unseen_by}'s training split)" if args.unseen_by else ""))
    print(f"{'':<34}{'step':>7}{'teacher-forced':>16}{'greedy':>9}{'T = 1':>8}{'note-on':>9}{'KL bits':>9}")
    for name, r in rows.items():
        print(f"{name:<34}{r['step']:>7}{r['teacher_forced']:>16.3f}{r['greedy']:>9.3f}{r['sampled_t1']:>8.3f}"
              f"{r['note_on']:>9.3f}{r['kl_bits']:>9.0f}")
    for name, value in baselines.items():
        print(f"{'baseline: ' + name.replace('_', ' '):<34}{'':>7}{value:>16.3f}")
    for name, (tf, t1) in PAPER.items():
        print(f"{name:<34}{'':>7}{tf:>16.3f}{'':>9}{t1:>8.3f}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
