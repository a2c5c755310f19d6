"""How long `mvae interpolate` takes as a user runs it, against a bare `import torch`, and where the
time goes.

  python benchmarks/bench_interpolate.py --model /tmp/run_tiny             # a run folder
  python benchmarks/bench_interpolate.py --model default --runs 5 --json

End to end: `mvae interpolate data/examples/morning.mid data/examples/evening.mid --model M -o DIR`
in a subprocess (the venv's `mvae` console script; `python -m musicvae_lite` when it is missing),
timed from just before the process is started to its exit, by which time all its files are written
(checked); a fresh output folder each run. Beside it, in the same loop (the two alternate, so load
from other jobs hits both alike), `python -c "import torch"`. Each figure is the median of `--runs`
(5) timed runs after `--warmup` (1) untimed run of each; the ratio mvae / import torch is the
figure the issue targets (<= 1.5x).

Per stage: a fresh process (this script with `--stages-worker`, so that nothing is imported yet) does
what `mvae interpolate` does (the melody family's `interpolate` verb), one library call at a time, timed with
time.perf_counter:
  start-up      interpreter start to the worker's first line (wall clock across the two processes)
  import CLI    `import musicvae_lite.cli` (typer and the command modules; what `mvae` loads first)
  import torch  `import torch`
  import library  families, music.melody.generate, .outputs, .plots, core.latent
  load model    families.load_model (families.load, as every caller)
  import symusic  the MIDI parser, imported on first read
  read MIDI     generate.melody_from_file of both files (parse, extract window 0)
  encode        generate.encode of the two windows
  decode        slerp codes + generate.decode (7 melodies, greedy), i.e. generate.interpolate's rest
  write MIDI    render.melody_midi_bytes + atomic_write: 7 single files and the stitched one
  synthesize WAV  render.synthesize + audio.write_wav
  import matplotlib  the Agg canvas and Figure, imported on first draw
  draw PNG      plots.plot_pianoroll with interpolation titles
  exit          the worker's wall time less all the above: printing and interpreter shutdown
The worker runs `--stage-runs` (3) times, each a fresh process; the table shows each stage's median
and minimum. `--threads N` sets OMP_NUM_THREADS for every process started (torch's intra-op threads).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = (REPO / "data" / "examples" / "morning.mid", REPO / "data" / "examples" / "evening.mid")
STEPS = 7  # melodies in the interpolation (the command's default -n)
EXPECTED = [f"interpolation_{i:02d}.mid" for i in range(1, STEPS + 1)] + \
    ["interpolation.mid", "interpolation.wav", "interpolation.png"]  # what the command writes
TARGET_RATIO = 1.5  # the target: mvae interpolate <= 1.5 x import torch


def mvae_command() -> list[str]:
    """How a user starts the CLI from this environment: the console script beside this Python."""
    script = Path(sys.executable).parent / "mvae"
    if script.exists():
        return [str(script)]
    found = shutil.which("mvae")
    return [found] if found else [sys.executable, "-m", "musicvae_lite"]


def timed_run(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from just before `cmd` starts to its exit; exits the benchmark if it fails."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} exited with {done.returncode}:\n{done.stderr.strip()}")
    return seconds


def end_to_end(model: str, runs: int, warmup: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Wall seconds of each timed run of `mvae interpolate` and of `python -c "import torch"`."""
    times: dict[str, list[float]] = {"mvae": [], "torch": []}
    with tempfile.TemporaryDirectory(prefix="bench_interpolate_") as tmp:
        for i in range(warmup + runs):
            out = Path(tmp) / f"run{i}"
            t_torch = timed_run([sys.executable, "-c", "import torch"], env)
            t_mvae = timed_run(mvae_command() + ["interpolate", *map(str, EXAMPLES), "--model", model,
                                                 "-o", str(out)], env)
            missing = [name for name in EXPECTED if not (out / name).is_file()]
            if missing:
                sys.exit(f"error: mvae interpolate did not write {', '.join(missing)} in {out}")
            if i >= warmup:
                times["torch"].append(t_torch)
                times["mvae"].append(t_mvae)
    return times


def stages_worker(model: str, out: Path, started: float) -> None:
    """Run the command's steps one by one in this fresh process; print {stage: seconds} as JSON."""
    first_line = time.time()
    t: dict[str, float] = {"start-up": first_line - started}

    def lap(name: str, t0: float) -> float:
        now = time.perf_counter()
        t[name] = now - t0
        return now

    now = time.perf_counter()
    import musicvae_lite.cli  # noqa: F401

    now = lap("import CLI", now)
    import torch  # noqa: F401

    now = lap("import torch", now)
    import numpy as np

    from musicvae_lite.core.latent import interpolate as interpolate_codes
    from musicvae_lite.families import load_model
    from musicvae_lite.files import atomic_write
    from musicvae_lite.music.melody import generate as g
    from musicvae_lite.music.audio import DEFAULT_SAMPLE_RATE, write_wav
    from musicvae_lite.music.melody.render import melody_midi_bytes, synthesize
    from musicvae_lite.music.melody.outputs import GAP_STEPS
    from musicvae_lite.music.melody.plots import interpolation_titles, plot_pianoroll

    now = lap("import library", now)
    m = load_model(model)
    now = lap("load model", now)
    import symusic  # noqa: F401

    now = lap("import symusic", now)
    a, b = (g.melody_from_file(m, f, 0) for f in EXAMPLES)
    now = lap("read MIDI", now)
    za, zb = g.encode(m, np.stack([a, b]))
    now = lap("encode", now)
    codes = interpolate_codes(torch.from_numpy(za), torch.from_numpy(zb), STEPS, method="slerp")
    melodies = g.decode(m, np.asarray(codes), temperature=0.0)
    now = lap("decode", now)
    out.mkdir(parents=True, exist_ok=True)
    for i, melody in enumerate(melodies):
        data = melody_midi_bytes(melody)
        atomic_write(out / f"interpolation_{i + 1:02d}.mid", lambda f, d=data: f.write(d), overwrite=True)
    stitched = melody_midi_bytes(list(melodies), gap_steps=GAP_STEPS)
    atomic_write(out / "interpolation.mid", lambda f: f.write(stitched), overwrite=True)
    now = lap("write MIDI", now)
    audio = synthesize(list(melodies), qpm=120.0, gap_steps=GAP_STEPS)
    write_wav(out / "interpolation.wav", audio, DEFAULT_SAMPLE_RATE, overwrite=True)
    now = lap("synthesize WAV", now)
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401

    now = lap("import matplotlib", now)
    plot_pianoroll(list(melodies), out / "interpolation.png", titles=interpolation_titles(STEPS), overwrite=True)
    lap("draw PNG", now)
    print(json.dumps(t))


def stages(model: str, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Seconds per stage over `runs` fresh worker processes."""
    per: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_interpolate_stages_") as tmp:
        for i in range(runs):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--stages-worker", "--model", model,
                   "--files", *map(str, EXAMPLES), "--out", str(Path(tmp) / f"run{i}"), "--started", repr(time.time())]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - t0
            if done.returncode != 0:
                sys.exit(f"error: the stage worker failed:\n{done.stderr.strip()}")
            times = json.loads(done.stdout.strip().splitlines()[-1])
            times["exit"] = max(wall - sum(times.values()), 0.0)  # printing, interpreter shutdown
            for name, seconds in times.items():
                per.setdefault(name, []).append(seconds)
    return per


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="bundled model name, run folder or checkpoint")
    parser.add_argument("--data", default="datasets/essen",
                        help="unused (the command reads the two example MIDI files); accepted like the other benches")
    parser.add_argument("--files", type=Path, nargs=2, help="the two MIDI files to blend (default: the examples "
                        "morning.mid and evening.mid; data/examples/sunrise.mid harbour.mid for 16-bar models)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (median reported)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each command first")
    parser.add_argument("--stage-runs", type=int, default=3, help="fresh processes timed stage by stage")
    parser.add_argument("--threads", type=int,
                        help="set OMP_NUM_THREADS for every process started (default: left as the user has it)")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    parser.add_argument("--stages-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--started", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global EXAMPLES
    if args.files:
        EXAMPLES = tuple(f.resolve() for f in args.files)

    if args.stages_worker:
        stages_worker(args.model, args.out, args.started)
        return 0

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    if args.threads is not None:
        env["OMP_NUM_THREADS"] = str(args.threads)
    e2e = end_to_end(args.model, args.runs, args.warmup, env)
    per = stages(args.model, args.stage_runs, env) if args.stage_runs > 0 else {}
    mvae_s, torch_s = statistics.median(e2e["mvae"]), statistics.median(e2e["torch"])
    ratio = mvae_s / torch_s
    stage_s = {name: statistics.median(v) for name, v in per.items()}
    stage_min = {name: min(v) for name, v in per.items()}
    total = sum(stage_s.values())

    if args.json:
        print(json.dumps({"model": args.model, "runs": args.runs, "omp_num_threads": env.get("OMP_NUM_THREADS"),
                          "mvae_interpolate_s": round(mvae_s, 4),
                          "import_torch_s": round(torch_s, 4), "ratio": round(ratio, 3),
                          "target_ratio": TARGET_RATIO, "met": ratio <= TARGET_RATIO,
                          "mvae_runs_s": [round(x, 4) for x in e2e["mvae"]],
                          "torch_runs_s": [round(x, 4) for x in e2e["torch"]],
                          "stages_s": {k: round(v, 4) for k, v in stage_s.items()},
                          "stages_min_s": {k: round(v, 4) for k, v in stage_min.items()},
                          "stages_total_s": round(total, 4)}))
        return 0

    print(f"mvae interpolate {EXAMPLES[0].name} {EXAMPLES[1].name} --model {args.model}: median of {args.runs} "
          f"runs (after {args.warmup} warm-up); OMP_NUM_THREADS={env.get('OMP_NUM_THREADS', 'unset')}")
    print(f"  mvae interpolate          {mvae_s:7.3f} s   (runs: {', '.join(f'{x:.2f}' for x in e2e['mvae'])})")
    print(f"  python -c 'import torch'  {torch_s:7.3f} s   (runs: {', '.join(f'{x:.2f}' for x in e2e['torch'])})")
    print(f"  ratio                     {ratio:7.2f} x   target <= {TARGET_RATIO:g}x: "
          f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}")
    if stage_s:
        print(f"\nstages in one fresh process ({args.stage_runs} runs):")
        print(f"  {'stage':<18} {'median s':>8} {'share':>6} {'min s':>7}")
        for name, seconds in stage_s.items():
            print(f"  {name:<18} {seconds:8.3f} {seconds / total:6.0%} {stage_min[name]:7.3f}")
        print(f"  {'total':<18} {total:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
