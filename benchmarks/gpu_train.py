"""Training throughput of the melody presets on a CUDA GPU: sequences/s, achieved FLOP/s and peak memory
per preset at its preset batch size, fp32 vs bf16 autocast, eager vs torch.compile.

  python benchmarks/gpu_train.py --quick            # all presets; stops starting runs after --budget-s 480
  python benchmarks/gpu_train.py --presets mel_2bar_small --no-compile --json
  python benchmarks/gpu_train.py --device cpu --quick --presets mel_2bar_tiny   # tests the logic on a CPU

The step, the batches and the FLOP count are bench_train.py's (imported from it: see its docstring for
the formula), with `torch.cuda.synchronize()` around each timed part. Peak memory is
`torch.cuda.max_memory_allocated()` over a configuration's steps (reset before each). The eager runs go
first, then the scheduled-sampling row of mel_2bar_small, then the compiled ones (the MusicVAE presets
first); a configuration that would start with less than `--reserve-s` of `--budget-s` left is skipped
and reported as such, so the whole script stays inside a 10-minute slot.

torch.compile: the model's forward is compiled (`torch.compile(model)`); backward and Adam run as usual.
Dynamo does not trace nn.LSTM by default (torch._dynamo.config.allow_rnn is False), so each LSTM is a
graph break and runs cuDNN's kernel as in eager; what compiles is the code around it. A compile error
is caught and reported in the row; the first step's time (compilation included) is reported apart.

Share of peak, for the GPUs in PEAKS (NVIDIA's datasheets, dense, no sparsity): bf16 rows against the
bf16 tensor-core peak; fp32 rows against the fp32 non-tensor-core peak, although cuDNN may run fp32
RNNs on TF32 tensor cores when torch.backends.cudnn.allow_tf32 is True (PyTorch's default; printed).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

# bench_train.py sits next to this file; run as a script, this folder is on sys.path.
from bench_train import (
    SAMPLING_PRESET,
    SAMPLING_PROB,
    autocast_for,
    make_batch,
    step_flops,
    time_training,
)
from musicvae_lite.music.melody.model import build_melody_vae
from musicvae_lite.music.melody.presets import PRESETS, get_preset

# device-name fragment -> (fp32 TFLOP/s, bf16 dense tensor TFLOP/s), from NVIDIA's datasheets
PEAKS: dict[str, tuple[float, float]] = {
    "H200": (67.0, 989.4),  # H200 SXM
    "H100 PCIe": (51.2, 756.5),
    "H100 NVL": (60.0, 835.0),
    "H100": (66.9, 989.4),  # H100 SXM5
    "A100": (19.5, 312.0),
    "L40S": (91.6, 362.05),
    "A10G": (31.2, 70.0),
}
COMPILE_FIRST = ["mel_2bar_small", "hierdec_mel_16bar", "mel_2bar_big"]  # compiled in this order, then the rest


@dataclass
class GpuRow:
    preset: str
    precision: str  # fp32 or bf16
    compiled: bool
    sampling: bool  # scheduled sampling: the decoder runs twice
    batch: int
    status: str  # ok, or why there is no figure (compile error, out of memory, time budget)
    seq_per_s: float | None = None
    step_ms: float | None = None
    first_step_s: float | None = None  # includes compilation
    optimizer_share: float | None = None
    tflops: float | None = None
    peak_share: float | None = None
    max_memory_gib: float | None = None
    graph_breaks: int | None = None


def peak_tflops(device: torch.device) -> tuple[str, tuple[float, float] | None]:
    if device.type != "cuda":
        return "cpu", None
    name = torch.cuda.get_device_name(device)
    for key, peak in PEAKS.items():  # the more specific names come first
        if key in name:
            return name, peak
    return name, None


def run_one(preset: str, precision: str, compiled: bool, sampling: bool, batch: int, warmup: int, steps: int,
            device: torch.device, peak: tuple[float, float] | None) -> GpuRow:
    row = GpuRow(preset, precision, compiled, sampling, batch, "ok")
    cfg = get_preset(preset).model
    cuda = device.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if compiled:
        torch._dynamo.reset()
        torch._dynamo.utils.counters.clear()
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    torch.manual_seed(0)
    model = build_melody_vae(cfg).to(device)
    x, noise = make_batch(cfg, batch, torch.Generator().manual_seed(1), device)
    try:
        net = torch.compile(model) if compiled else model
        t = time_training(net, x, noise, autocast=autocast_for(precision, device.type),
                          sampling_prob=SAMPLING_PROB if sampling else 0.0, warmup=warmup, steps=steps, sync=sync)
    except torch.cuda.OutOfMemoryError:
        row.status = "out of memory"
        return row
    except Exception as err:  # compile failures come in many types: report, go on
        first = (str(err).strip().splitlines() or [""])[0][:120]
        row.status = f"failed: {type(err).__name__}: {first}"
        return row
    finally:
        del model
        gc.collect()
    flops = step_flops(cfg, sampling).train * batch
    row.seq_per_s = batch / t.step_s
    row.step_ms = 1000 * t.step_s
    row.first_step_s = t.first_s
    row.optimizer_share = t.optimizer_s / t.step_s
    row.tflops = flops / t.step_s / 1e12
    if peak is not None:
        row.peak_share = row.tflops / (peak[1] if precision == "bf16" else peak[0])
    if cuda:
        row.max_memory_gib = torch.cuda.max_memory_allocated(device) / 2**30
    if compiled:
        row.graph_breaks = int(sum(torch._dynamo.utils.counters["graph_break"].values()))
    return row


def print_table(rows: list[GpuRow]) -> None:
    head = (f"{'preset':<18} {'mode':<8} {'prec':>4} {'samp':>4} {'batch':>5} {'seq/s':>9} {'ms/step':>8} "
            f"{'1st s':>6} {'opt%':>5} {'TFLOP/s':>8} {'%peak':>6} {'GiB':>6} {'breaks':>6}  status")
    print(head)
    print("-" * len(head))

    def f(v, fmt):
        return "" if v is None else format(v, fmt)

    for r in rows:
        print(f"{r.preset:<18} {'compile' if r.compiled else 'eager':<8} {r.precision:>4} "
              f"{'yes' if r.sampling else 'no':>4} {r.batch:>5} {f(r.seq_per_s, '.0f'):>9} {f(r.step_ms, '.1f'):>8} "
              f"{f(r.first_step_s, '.1f'):>6} {f(r.optimizer_share, '.0%'):>5} {f(r.tflops, '.2f'):>8} "
              f"{f(r.peak_share, '.1%'):>6} {f(r.max_memory_gib, '.2f'):>6} {f(r.graph_breaks, 'd'):>6}  {r.status}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), help="presets to time (default: all)")
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu (to test this script's logic)")
    parser.add_argument("--batch-size", type=int, default=None, help="one batch for all (default: each preset's)")
    parser.add_argument("--quick", action="store_true", help="1 warm-up (2 compiled) and 3 timed steps")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default 10; 3 with --quick)")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--no-compile", action="store_true", help="eager only")
    parser.add_argument("--no-sampling", action="store_true", help=f"skip {SAMPLING_PRESET}'s scheduled-sampling row")
    parser.add_argument("--budget-s", type=float, default=480.0, help="stop starting configurations after this")
    parser.add_argument("--reserve-s", type=float, default=45.0, help="start none with less than this left")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    t_start = time.perf_counter()

    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_train.py: no CUDA GPU is available here (torch "
                 f"{torch.__version__}, CUDA build {torch.version.cuda}); use --device cpu --quick to test the script")
    if device.type not in ("cuda", "cpu"):
        sys.exit(f"gpu_train.py: --device {args.device}: use cuda, cuda:N or cpu")
    for name in args.presets:
        get_preset(name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    name, peak = peak_tflops(device)
    warmup, steps = (1, 3) if args.quick else (3, 10)
    steps = args.steps or steps
    print(f"device: {name}; torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN "
          f"{torch.backends.cudnn.version() if device.type == 'cuda' else None}; "
          f"cudnn.allow_tf32={torch.backends.cudnn.allow_tf32}, "
          f"matmul.allow_tf32={torch.backends.cuda.matmul.allow_tf32}")
    if peak:
        print(f"peak (datasheet, dense): fp32 {peak[0]} TFLOP/s, bf16 {peak[1]} TFLOP/s")

    plan = [(p, prec, False, False) for p in args.presets for prec in args.precisions]
    if SAMPLING_PRESET in args.presets and not args.no_sampling:
        plan += [(SAMPLING_PRESET, prec, False, True) for prec in args.precisions]
    if not args.no_compile:  # the MusicVAE presets first: compiling takes ~30-60 s a configuration
        compile_order = sorted(args.presets, key=lambda p: COMPILE_FIRST.index(p) if p in COMPILE_FIRST else 99)
        plan += [(p, prec, True, False) for p in compile_order for prec in args.precisions]
    rows = []
    for preset, precision, compiled, sampling in plan:
        batch = args.batch_size or get_preset(preset).train.batch_size
        left = args.budget_s - (time.perf_counter() - t_start)
        if left < args.reserve_s:
            rows.append(GpuRow(preset, precision, compiled, sampling, batch, f"skipped: {left:.0f} s of budget left"))
        else:
            rows.append(run_one(preset, precision, compiled, sampling, batch, warmup + (1 if compiled else 0),
                                steps, device, peak))
        r = rows[-1]
        print(f"  {preset} {precision} {'compile' if compiled else 'eager'}{' sampling' if sampling else ''}: "
              f"{r.status if r.seq_per_s is None else f'{r.seq_per_s:.0f} seq/s'} "
              f"[{time.perf_counter() - t_start:.0f} s]", flush=True)
    print()
    print_table(rows)
    print(f"total {time.perf_counter() - t_start:.0f} s")
    if args.json:
        print(json.dumps({"device": name, "peak_tflops": peak, "torch": torch.__version__,
                          "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32, "rows": [asdict(r) for r in rows]}))


if __name__ == "__main__":
    main()
