"""How long the musicians' verbs take as a user runs them, against a bare `import torch` (issue 25's target:
`mvae continue` and `mvae vary` end to end <= 1.5x).

  python benchmarks/bench_verbs.py                    # continue and vary on the bundled examples
  python benchmarks/bench_verbs.py --runs 7 --json

Each command runs in a subprocess (the venv's `mvae`, as bench_interpolate.py starts it), timed from just before
it starts to its exit (all its files written), a fresh output folder each run; `python -c "import torch"` runs
beside it in the same loop (they alternate, so load from other jobs hits both alike). Each figure is the median
of `--runs` timed runs after one untimed run of each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_interpolate import mvae_command, timed_run  # noqa: E402

EXAMPLES = REPO / "musicvae_lite" / "examples" / "melody"
COMMANDS = {  # name -> the arguments after `mvae` (the output folder is added)
    "continue": ["continue", str(EXAMPLES / "morning.mid")],
    "vary": ["vary", str(EXAMPLES / "morning.mid")],
}


def main(argv: list[str] | None = None) -> int:
    import os

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--verb", action="append", choices=sorted(COMMANDS), help="(default: all)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    chosen = args.verb or list(COMMANDS)
    times: dict[str, list[float]] = {name: [] for name in ["import torch", *chosen]}
    with tempfile.TemporaryDirectory(prefix="bench_verbs_") as tmp:
        for i in range(args.runs + 1):
            torch_s = timed_run([sys.executable, "-c", "import torch"], env)
            got = {name: timed_run(mvae_command() + COMMANDS[name] + ["-o", str(Path(tmp) / f"{k}_{i}")], env)
                   for k, name in enumerate(chosen)}
            if i:  # the first run of each is untimed
                times["import torch"].append(torch_s)
                for name, s in got.items():
                    times[name].append(s)
    medians = {name: statistics.median(v) for name, v in times.items()}
    base = medians["import torch"]
    if args.json:
        print(json.dumps({name: {"seconds": s, "ratio": s / base} for name, s in medians.items()}))
        return 0
    print(f"median of {args.runs} runs, against a bare `python -c \"import torch\"` ({base:.2f} s)")
    for name, s in medians.items():
        if name != "import torch":
            print(f"  mvae {name:<28} {s:6.2f} s   {s / base:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
