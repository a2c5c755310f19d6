"""`mvae train` and `mvae eval` on a machine other programs share: how much slower they get beside busy
processes, for each thread setting, side by side in one run.

  python benchmarks/bench_threads.py                        # mel_2bar_tiny, 300 steps, 0 / 1 / 3 busy
  python benchmarks/bench_threads.py --preset mel_2bar_cpu --steps 40 --busy 0 3 --json

For each number of busy processes (`--busy`, each a single-threaded Python loop started a second before
the measurement and stopped after it), and for each thread setting (`--settings`: `auto`, the default
of both commands, and fixed counts; `2` is what torch did by itself on a 2-core machine before
`--threads` existed), the script times, as a user runs them in a subprocess:

  train  `mvae train PRESET --data D -o RUN --steps S -q --device cpu --threads X`   (fresh run folder)
  eval   `mvae eval RUN D -q --device cpu --threads X`                        (every held-out window)

on synthetic melody windows (4,096 to train on, 4,096 held out; `--seed`). The table gives seconds and
the ratio to the same setting on the idle machine; the figure the issue targets is the default's
(`auto`) ratio with three busy processes (the fair share on 2 cores is about 2x), and the default's idle
time should be no worse than torch's own setting's (`2`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BURN = "while True: pass"


def synthetic_windows(n: int, rng: np.random.Generator) -> np.ndarray:
    """n 2-bar windows (n, 32) uint8: notes of 1, 2 or 4 steps in C3..B4."""
    events = np.zeros((n, 32), np.uint8)
    for i in range(n):
        t = 0
        while t < 32:
            events[i, t] = rng.integers(50, 70)
            t += int(rng.choice([1, 2, 4]))
    return events


def mvae() -> list[str]:
    exe = shutil.which("mvae")
    return [exe] if exe else [sys.executable, "-m", "musicvae_lite"]


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return seconds


def measure(args, data: Path, work: Path, busy: int, setting: str, env: dict) -> dict:
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(busy)]
    try:
        time.sleep(1.0)  # let them take their cores
        run = work / f"run_{busy}_{setting}"
        shutil.rmtree(run, ignore_errors=True)
        train = timed([*mvae(), "train", args.preset, "--data", str(data), "-o", str(run), "--steps", str(args.steps),
                       "-q", "--device", "cpu", "--threads", setting], env)
        evaluate = timed([*mvae(), "eval", str(run), str(data), "-q", "--device", "cpu", "--threads", setting], env)
    finally:
        for p in burners:
            p.kill()
        for p in burners:
            p.wait()
    return {"busy": busy, "threads": setting, "train_s": train, "eval_s": evaluate}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="mel_2bar_tiny")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--busy", type=int, nargs="+", default=[0, 1, 3], help="numbers of busy processes")
    ap.add_argument("--settings", nargs="+", default=["auto", "1", "2"], help="--threads values to compare")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="one JSON line per measurement instead of a table")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MVAE_THREADS")}
    rng = np.random.default_rng(args.seed)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_threads_") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        np.savez(data / "train.npz", events=synthetic_windows(4096, rng))
        np.savez(data / "eval.npz", events=synthetic_windows(4096, rng))
        for busy in args.busy:
            for setting in args.settings:
                row = measure(args, data, Path(tmp), busy, setting, env)
                rows.append(row)
                if args.json:
                    print(json.dumps({"preset": args.preset, "steps": args.steps, "cores": os.cpu_count(), **row}),
                          flush=True)
    if args.json:
        return
    idle = {r["threads"]: r for r in rows if r["busy"] == 0}
    print(f"{args.preset}, {args.steps} training steps, eval of 4,096 windows; {os.cpu_count()} cores")
    print(f"{'busy':>4}  {'threads':>7}  {'train s':>8}  {'x idle':>6}  {'eval s':>7}  {'x idle':>6}")
    for r in rows:
        base = idle.get(r["threads"])
        tr = f"{r['train_s'] / base['train_s']:.2f}" if base else "-"
        ev = f"{r['eval_s'] / base['eval_s']:.2f}" if base else "-"
        print(f"{r['busy']:>4}  {r['threads']:>7}  {r['train_s']:8.1f}  {tr:>6}  {r['eval_s']:7.1f}  {ev:>6}")


if __name__ == "__main__":
    main()
