"""Training throughput of the melody presets on this CPU, fp32 and bf16 autocast side by side:
sequences/s, and achieved FLOP/s as a share of the CPU's peak.

  python benchmarks/bench_train.py --threads 1          # the default presets: 8 min on one Zen 4 core
  python benchmarks/bench_train.py --presets mel_2bar_small --batch-size 256 --steps 3 --threads 2 --json

What is timed is the trainer's step (musicvae_lite/core/trainer.py) without its logging:
`model(x, x, step, sampling_prob, noise)` under `torch.autocast("cpu", torch.bfloat16)` for bf16
(core/device.py), `loss.backward()`, clipping to global norm 1 (core/schedules.py), `Adam.step()`.
A fixed `step` is passed (it only sets beta), so every timed step does the same work. Each figure is
the median over `--steps` timed steps after warm-up steps; `opt%` is the share of the step spent in
clipping and Adam. Batches are random rows of /tmp/essen_ds/train.npz (2-bar windows; 16-bar
sequences are 8 of them end to end) when that file is there, else uniform random events; the
compute does not depend on the values.

FLOPs of a training step, counted analytically per example (2 FLOPs per multiply-add; matrix products
only: biases, gate nonlinearities, softmax and Adam are left out, each O(H) per step against O(H*(I+H))):
  LSTM layer, input I, H units, T steps, one direction:   forward 2 * 4H * (I + H) * T  (= 8H(I+H)T)
  encoder (bidirectional; layer 0 reads the 90-class one-hot, layer i+1 reads 2*H_i):
                               sum_i 2 * LSTM(I_i, H_i, T)  +  mu, logvar heads 2 * 2 * (2*H_last) * Z
  flat decoder: initial state  2 * Z * 2*sum(H)  +  LSTM layers (layer 0 input 90 + Z) over T steps
                               +  output layer 2 * H_last * 90 * T
  hierarchical decoder: conductor  2 * Z * 2*sum(Hc)  +  LSTM layers (layer 0 input 1) over U bars;
                 bar decoder, per bar (U of them)  2 * E * 2*sum(Hd)  +  LSTM layers (layer 0 input
                 90 + E, E = Hc_last) over S = 16 steps  +  output 2 * Hd_last * 90 * S
  training step = 3 * forward - (forward FLOPs of the input projections whose input needs no
                  gradient: the encoder's one-hot layer 0 and the conductor's zero inputs)
                  [+ one more decoder pass, forward only, with scheduled sampling (sampling_prob > 0):
                  music/networks/lstm_decoder.py's two-pass parallel scheduled sampling]
Backward is 2x forward because every matrix product W x has two in backward, dL/dx and dL/dW, of the
forward's size. The count is cross-checked with torch.utils.flop_counter.FlopCounterMode on a batch of
1: it does not count the fused oneDNN LSTM op (`aten.mkldnn_rnn_layer`, PyTorch's default LSTM on CPU),
so under the default path it sees only the Linear layers; with `torch.backends.mkldnn.flags(enabled=False)`
the LSTM runs as PyTorch's own composite of mm/addmm, which it does count (it also skips the recurrent
input gradient of step 0, whose state is a constant zero in the encoder: a 1/T difference). The check
runs on fake tensors (torch._subclasses.FakeTensorMode: shapes, no arithmetic).

Peak FLOP/s = cores x clock x FLOPs/cycle/core. Clock: `cpu MHz` from /proc/cpuinfo (in a VM, the
nominal/TSC rate; `--clock-ghz` overrides it). On this project's machine (AMD EPYC, family 25 model 17:
Zen 4 "Genoa", 2 vCPUs) /proc/cpuinfo says 2.596 GHz, while a single thread of dependent integer adds ran
at 3.4-3.55 GHz (turbo), so shares at the nominal clock can read up to ~1.37x high. FLOPs/cycle/core:
  Zen 4 fp32: 32. It has two 256-bit FMA pipes and runs a 512-bit FMA on both halves at once
     (A. Yee, "Zen4's AVX512 Teardown", numberworld.org, 2022; the Zen 5 sequel,
     numberworld.org/blogs/2024_8_7_zen5_avx512_teardown: Zen 4 "double-pumps" 512-bit instructions):
     2 pipes x 8 lanes x 2 = 32, the same as AVX2. Measured here with a register-resident VFMADD132PS zmm
     loop: 30.6 FLOP/cycle at the measured clock.
  Zen 4 bf16: 64. AVX512_BF16's VDPBF16PS adds two bf16 products into each fp32 lane, twice fp32 FMA's
     work per instruction at the same rate; measured here: 64.9 FLOP/cycle. No AMX on Zen 4.
  Other CPUs, as the flags say: Intel AVX-512 assumes 2 FMA units (64; some Xeon Silver/Bronze parts have
     one), AVX2+FMA 32; bf16 is 2x fp32 with avx512_bf16, 1024/cycle with AMX-BF16 (Intel's AMX tile
     unit), else the same as fp32. Zen 5 (family 26) is taken as 64 fp32 (full-width 512-bit pipes).
As an achievable reference the script also times a 2048^3 matrix product in each precision with the
same threads; `%gemm` is the step's FLOP/s over that rate.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from musicvae_lite.core.schedules import clip_gradients
from musicvae_lite.music.melody.encoding import NUM_CLASSES, STEPS_PER_BAR
from musicvae_lite.music.networks.hierarchical_decoder import CONDUCTOR_INPUT_SIZE
from musicvae_lite.music.melody.model import build_melody_vae
from musicvae_lite.music.melody.presets import MelodyModelConfig, get_preset

DATA = Path("/tmp/essen_ds/train.npz")  # 2-bar windows from `mvae data build`, used when present
FIXED_STEP = 10_000  # the `step` every timed call passes: it only sets beta, so the work is constant
SAMPLING_PROB = 0.5  # for the scheduled-sampling row: any value > 0 runs the decoder twice
GEMM_SIZE = 2048  # the calibration matrix product is GEMM_SIZE^3

# preset -> (batch, warm-up steps, timed steps) on this 2-core CPU; the big ones at a small batch
CPU_PLAN: dict[str, tuple[int, int, int]] = {
    "mel_2bar_tiny": (512, 2, 7),
    "mel_2bar_cpu": (512, 2, 5),
    "mel_2bar_small": (512, 1, 5),
    "mel_2bar_big": (16, 1, 3),
    "hierdec_mel_16bar": (4, 1, 3),
}
SAMPLING_PRESET = "mel_2bar_small"  # the preset also timed with scheduled sampling


# -- FLOPs ---------------------------------------------------------------------------------------------

def lstm_flops(input_size: int, hidden: int, steps: int) -> int:
    """Forward FLOPs of one LSTM direction for one example: 4 gates of H units, each step a product with
    [x_t, h_{t-1}] of width I + H -> 2 * 4H * (I + H) per step."""
    return 2 * 4 * hidden * (input_size + hidden) * steps


def lstm_input_flops(input_size: int, hidden: int, steps: int) -> int:
    """The input-projection share of `lstm_flops` (W_ih x_t), forward."""
    return 2 * 4 * hidden * input_size * steps


def linear_flops(in_features: int, out_features: int, rows: int = 1) -> int:
    return 2 * in_features * out_features * rows


def stack_flops(input_size: int, sizes: Sequence[int], steps: int) -> int:
    """Forward FLOPs of stacked unidirectional LSTM layers (music/networks/lstm_decoder.py's LstmStack, LSTMs only)."""
    total, width = 0, input_size
    for h in sizes:
        total += lstm_flops(width, h, steps)
        width = h
    return total


@dataclass(frozen=True)
class StepFlops:
    """A training step's FLOPs for one example, by part (forward), and the whole step."""

    encoder: int  # forward: bidirectional LSTM layers and the mu/logvar layers
    conductor: int  # forward: the hierarchical decoder's conductor and its initial state (0 if flat)
    decoder: int  # forward: one decoder pass (initial states, LSTM layers, output layer)
    no_input_grad: int  # forward FLOPs of input projections whose input needs no gradient
    sampling: bool  # scheduled sampling: one more decoder pass, forward only

    @property
    def forward(self) -> int:
        return self.encoder + self.conductor + self.decoder * (2 if self.sampling else 1)

    @property
    def train(self) -> int:
        trained = self.encoder + self.conductor + self.decoder
        return 3 * trained - self.no_input_grad + (self.decoder if self.sampling else 0)


def step_flops(cfg: MelodyModelConfig, sampling: bool = False) -> StepFlops:
    """The analytic count of the module docstring, for the model `cfg` describes."""
    T, Z = cfg.steps, cfg.z_size  # time steps, latent size
    flat = cfg.settings()  # the layer sizes by their flat names (music/melody/config.py)
    encoder, width = 0, NUM_CLASSES
    for h in flat["encoder_sizes"]:
        encoder += 2 * lstm_flops(width, h, T)  # two directions
        width = 2 * h
    encoder += 2 * linear_flops(2 * flat["encoder_sizes"][-1], Z)  # mu and logvar
    no_input_grad = 2 * lstm_input_flops(NUM_CLASSES, flat["encoder_sizes"][0], T)  # one-hot events
    dec = flat["decoder_sizes"]
    if cfg.hierarchical:
        U, S = cfg.bars, STEPS_PER_BAR  # bars, steps per bar
        cond = flat["conductor_sizes"]
        conductor = linear_flops(Z, 2 * sum(cond)) + stack_flops(CONDUCTOR_INPUT_SIZE, cond, U)
        no_input_grad += lstm_input_flops(CONDUCTOR_INPUT_SIZE, cond[0], U)  # zeros
        E = cond[-1]  # bar embedding size
        decoder = U * (linear_flops(E, 2 * sum(dec)) + stack_flops(NUM_CLASSES + E, dec, S)
                       + linear_flops(dec[-1], NUM_CLASSES, S))
    else:
        conductor = 0
        decoder = (linear_flops(Z, 2 * sum(dec)) + stack_flops(NUM_CLASSES + Z, dec, T)
                   + linear_flops(dec[-1], NUM_CLASSES, T))
    return StepFlops(encoder, conductor, decoder, no_input_grad, sampling)


def counted_flops(cfg: MelodyModelConfig, sampling: bool, fused_lstm: bool) -> int:
    """FlopCounterMode's count of one forward + backward for ONE example. With `fused_lstm` the default
    oneDNN LSTM runs (FlopCounterMode does not count it); without it, PyTorch's composite LSTM. The model
    runs on fake tensors (shapes only, no arithmetic), so even hierdec_mel_16bar takes seconds."""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.utils.flop_counter import FlopCounterMode

    with warnings.catch_warnings():  # mkldnn.flags warns about TF32 on Intel GPUs, irrelevant here
        warnings.simplefilter("ignore")
        with FakeTensorMode(), torch.backends.mkldnn.flags(enabled=fused_lstm):
            model = build_melody_vae(cfg)
            x = torch.randint(NUM_CLASSES, (1, cfg.steps))  # (1, T)
            noise = torch.randn(1, cfg.z_size)  # (1, Z)
            counter = FlopCounterMode(display=False)
            with counter:
                terms = model(x, x, step=FIXED_STEP, sampling_prob=SAMPLING_PROB if sampling else 0.0,
                              noise=noise)
                terms["loss"].backward()
    return int(counter.get_total_flops())


# -- the CPU's peak ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CpuPeak:
    """Peak FLOP/s of the cores a run uses: cores x clock x FLOPs/cycle/core."""

    name: str  # model name, family/model
    cores: int  # cores the run uses (threads, at most the cores /proc/cpuinfo lists)
    clock_ghz: float  # the clock the peak assumes
    clock_source: str  # where the clock came from
    fp32_per_cycle: int  # fp32 FLOPs per cycle per core
    bf16_per_cycle: int  # bf16 FLOPs per cycle per core
    basis: str  # why those per-cycle figures

    def gflops(self, precision: str) -> float:
        per_cycle = self.bf16_per_cycle if precision == "bf16" else self.fp32_per_cycle
        return self.cores * self.clock_ghz * per_cycle


def _cpuinfo() -> list[dict[str, str]]:
    """/proc/cpuinfo as one dict per logical processor (empty off Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    return [{k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.splitlines())}
            for block in text.strip().split("\n\n")]


def cpu_peak(threads: int, clock_ghz: float | None = None) -> CpuPeak:
    """This CPU's peak, from /proc/cpuinfo's vendor, family, flags and clock (see the module docstring)."""
    processors = _cpuinfo()
    info = processors[0] if processors else {}
    physical = len({(p.get("physical id"), p.get("core id", i)) for i, p in enumerate(processors)})
    flags = set(info.get("flags", "").split())
    vendor, family = info.get("vendor_id", "?"), int(info.get("cpu family", "0") or 0)
    name = f"{info.get('model name', 'unknown CPU')} (family {family}, model {info.get('model', '?')})"
    if vendor == "AuthenticAMD" and family >= 26:
        fp32, basis = 64, "Zen 5: 512-bit FMA pipes x2"
    elif vendor == "AuthenticAMD" and "avx512f" in flags:
        fp32, basis = 32, "Zen 4: 2 x 256-bit FMA pipes, 512-bit ops use both halves"
    elif "avx512f" in flags:
        fp32, basis = 64, "AVX-512, assuming 2 FMA units (some parts have 1)"
    elif "fma" in flags and "avx2" in flags:
        fp32, basis = 32, "AVX2: 2 x 256-bit FMA"
    else:
        fp32, basis = 16, "SSE: 2 x 128-bit mul+add"
    if "amx_bf16" in flags:
        bf16, basis = 1024, basis + "; bf16 on AMX tiles"
    elif "avx512_bf16" in flags:
        bf16, basis = 2 * fp32, basis + "; bf16 2x fp32 (VDPBF16PS)"
    else:
        bf16, basis = fp32, basis + "; no native bf16: computed in fp32"
    if clock_ghz is not None:
        source = "--clock-ghz"
    elif info.get("cpu MHz"):
        clock_ghz, source = float(info["cpu MHz"]) / 1000, "/proc/cpuinfo cpu MHz (nominal; turbo may be higher)"
    else:
        clock_ghz, source = 2.0, "guess (no /proc/cpuinfo): pass --clock-ghz"
    cores = min(threads, physical or threads)
    return CpuPeak(name, cores, clock_ghz, source, fp32, bf16, basis)


def gemm_gflops(precision: str, size: int = GEMM_SIZE, reps: int = 5) -> float:
    """Median GFLOP/s of a size^3 matrix product in fp32 or bf16: what this CPU's BLAS reaches."""
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    g = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=g).to(dtype)
    b = torch.randn(size, size, generator=g).to(dtype)
    a @ b  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * size**3 / statistics.median(times) / 1e9


# -- batches and timing -------------------------------------------------------------------------------

_windows: torch.Tensor | None = None


def _data_windows() -> torch.Tensor | None:
    """The 2-bar training windows (N, 32) int64, or None when the dataset is not there."""
    global _windows
    if _windows is None and DATA.exists():
        with np.load(DATA) as d:
            _windows = torch.from_numpy(d["events"].astype(np.int64))
    return _windows


def make_batch(cfg: MelodyModelConfig, batch_size: int, generator: torch.Generator,
               device: torch.device | str = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """(events (B, T) int64, noise (B, Z)): random dataset windows (several end to end for long
    sequences) when the dataset is there, else random events."""
    B, T, Z = batch_size, cfg.steps, cfg.z_size  # batch, time, latent size
    windows = _data_windows()
    if windows is not None and T % windows.shape[1] == 0:
        per = T // windows.shape[1]  # windows per sequence
        rows = torch.randint(len(windows), (B * per,), generator=generator)  # (B*per,)
        x = windows[rows].reshape(B, T)  # (B, T)
    else:
        x = torch.randint(NUM_CLASSES, (B, T), generator=generator)  # (B, T)
    noise = torch.randn(B, Z, generator=generator)  # (B, Z)
    return x.to(device), noise.to(device)


@dataclass
class Timing:
    """Medians over the timed steps, in seconds."""

    step_s: float  # a whole step
    optimizer_s: float  # clipping and Adam
    steps: int  # timed steps
    first_s: float  # the first warm-up step (includes compilation where there is any)


def time_training(model: torch.nn.Module, x: torch.Tensor, noise: torch.Tensor, *, autocast: Callable,
                  sampling_prob: float, warmup: int, steps: int,
                  sync: Callable[[], None] = lambda: None) -> Timing:
    """Run `warmup` then `steps` training steps on one batch, as the trainer does (see module docstring)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()
    totals, opts, first = [], [], 0.0
    for i in range(warmup + steps):
        sync()
        t0 = time.perf_counter()
        with autocast():
            terms = model(x, x, step=FIXED_STEP, sampling_prob=sampling_prob, noise=noise)
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        sync()
        t1 = time.perf_counter()
        clip_gradients(model.parameters(), 1.0)
        optimizer.step()
        sync()
        t2 = time.perf_counter()
        if i == 0:
            first = t2 - t0
        if i >= warmup:
            totals.append(t2 - t0)
            opts.append(t2 - t1)
    return Timing(statistics.median(totals), statistics.median(opts), steps, first)


def autocast_for(precision: str, device_type: str) -> Callable:
    """A factory of the autocast context for `precision` (nullcontext for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type=device_type, dtype=torch.bfloat16)


# -- the run ------------------------------------------------------------------------------------------

@dataclass
class Row:
    preset: str
    precision: str  # fp32 or bf16
    sampling: bool  # scheduled sampling (two decoder passes)
    batch: int
    seq_per_s: float
    step_ms: float
    optimizer_share: float  # share of the step in clipping and Adam
    gflop_per_step: float  # analytic training FLOPs of the step
    gflops: float  # achieved GFLOP/s
    peak_share: float  # of the CPU's peak in this precision
    gemm_share: float  # of the measured matrix-product rate in this precision
    timed_steps: int


@dataclass
class FlopCheck:
    preset: str
    sampling: bool
    analytic: int  # per example
    counted_default: int  # FlopCounterMode, default (oneDNN) LSTM
    counted_composite: int  # FlopCounterMode, PyTorch's composite LSTM

    @property
    def ratio(self) -> float:
        return self.counted_composite / self.analytic


@dataclass
class Report:
    threads: int
    peak: CpuPeak
    gemm_gflops: dict[str, float]
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rows: list[Row] = field(default_factory=list)
    checks: list[FlopCheck] = field(default_factory=list)


def run_one(preset: str, precision: str, sampling: bool, batch: int, warmup: int, steps: int,
            peak: CpuPeak, gemm: dict[str, float]) -> Row:
    cfg = get_preset(preset).model
    torch.manual_seed(0)
    model = build_melody_vae(cfg)
    x, noise = make_batch(cfg, batch, torch.Generator().manual_seed(1))
    t = time_training(model, x, noise, autocast=autocast_for(precision, "cpu"),
                      sampling_prob=SAMPLING_PROB if sampling else 0.0, warmup=warmup, steps=steps)
    flops = step_flops(cfg, sampling).train * batch
    gflops = flops / t.step_s / 1e9
    return Row(preset, precision, sampling, batch, batch / t.step_s, 1000 * t.step_s, t.optimizer_s / t.step_s,
               flops / 1e9, gflops, gflops / peak.gflops(precision), gflops / gemm[precision], steps)


def print_report(r: Report) -> None:
    p = r.peak
    print(f"CPU: {p.name}; threads {r.threads}, cores counted {p.cores}; clock {p.clock_ghz:.3f} GHz ({p.clock_source})")
    print(f"peak: {p.basis}: fp32 {p.fp32_per_cycle} FLOP/cycle/core -> {p.gflops('fp32'):.1f} GFLOP/s; "
          f"bf16 {p.bf16_per_cycle} -> {p.gflops('bf16'):.1f} GFLOP/s")
    print(f"matrix product {GEMM_SIZE}^3: fp32 {r.gemm_gflops['fp32']:.1f} GFLOP/s "
          f"({r.gemm_gflops['fp32'] / p.gflops('fp32'):.0%} of peak), bf16 {r.gemm_gflops['bf16']:.1f} GFLOP/s "
          f"({r.gemm_gflops['bf16'] / p.gflops('bf16'):.0%})")
    if any(r.gemm_gflops[q] > p.gflops(q) for q in ("fp32", "bf16")):
        print("note: the matrix product beats the peak, so the cores run faster than the assumed clock "
              "(turbo): shares of peak read high; --clock-ghz sets the clock")
    print(f"load average before {r.load_before[0]:.2f}, after {r.load_after[0]:.2f} (1 min)")
    print()
    head = (f"{'preset':<18} {'sampling':>8} {'batch':>5} {'prec':>4} {'seq/s':>8} {'ms/step':>8} {'opt%':>5} "
            f"{'GFLOP/step':>10} {'GFLOP/s':>8} {'%peak':>6} {'%gemm':>6} {'bf16/fp32':>9}")
    print(head)
    print("-" * len(head))
    by_key = {(row.preset, row.sampling, row.precision): row for row in r.rows}
    for row in r.rows:
        fp32 = by_key.get((row.preset, row.sampling, "fp32"))
        speedup = f"{row.seq_per_s / fp32.seq_per_s:.2f}x" if row.precision == "bf16" and fp32 else ""
        print(f"{row.preset:<18} {'yes' if row.sampling else 'no':>8} {row.batch:>5} {row.precision:>4} "
              f"{row.seq_per_s:>8.{1 if row.seq_per_s >= 10 else 3}f} {row.step_ms:>8.0f} {row.optimizer_share:>5.0%} {row.gflop_per_step:>10.1f} "
              f"{row.gflops:>8.1f} {row.peak_share:>6.1%} {row.gemm_share:>6.1%} {speedup:>9}")
    if r.checks:
        print()
        print("FLOPs per example, one training step: analytic vs torch.utils.flop_counter.FlopCounterMode")
        print(f"{'preset':<18} {'sampling':>8} {'analytic':>12} {'counted, oneDNN LSTM':>21} "
              f"{'counted, composite LSTM':>24} {'ratio':>6}")
        for c in r.checks:
            print(f"{c.preset:<18} {'yes' if c.sampling else 'no':>8} {c.analytic:>12.4g} {c.counted_default:>21.4g} "
                  f"{c.counted_composite:>24.4g} {c.ratio:>6.3f}")
        print("(the default oneDNN LSTM op is not counted: that column is the Linear layers alone)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=list(CPU_PLAN), help="presets to time (default: all five)")
    parser.add_argument("--batch-size", type=int, default=None, help="one batch for all presets (default: per preset)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps per figure (default: per preset)")
    parser.add_argument("--warmup", type=int, default=None, help="warm-up steps (default: per preset)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: os.cpu_count())")
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    parser.add_argument("--no-sampling", action="store_true",
                        help=f"skip the scheduled-sampling row of {SAMPLING_PRESET}")
    parser.add_argument("--no-flop-check", action="store_true", help="skip the FlopCounterMode cross-check")
    parser.add_argument("--clock-ghz", type=float, default=None, help="clock for the peak (default: /proc/cpuinfo)")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    for name in args.presets:
        get_preset(name)  # an unknown name fails here, listing the presets

    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    threads = torch.get_num_threads()
    busy = os.getloadavg()[0]
    if busy + threads > (os.cpu_count() or 1) + 0.5:
        print(f"warning: load average {busy:.2f}: other processes share these cores; {threads} OpenMP threads "
              f"may then wait on each other (measured here: up to 16x slower); try --threads 1", flush=True)
    peak = cpu_peak(threads, args.clock_ghz)
    gemm = {p: gemm_gflops(p) for p in ("fp32", "bf16")}
    report = Report(threads, peak, gemm, os.getloadavg())
    for name in args.presets:
        batch, warmup, steps = CPU_PLAN.get(name, (64, 1, 3))
        batch = args.batch_size or batch
        warmup = args.warmup if args.warmup is not None else warmup
        steps = args.steps or steps
        runs = [False] + ([True] if name == SAMPLING_PRESET and not args.no_sampling else [])
        for sampling in runs:
            for precision in args.precisions:
                row = run_one(name, precision, sampling, batch, warmup, steps, peak, gemm)
                report.rows.append(row)
                print(f"  {name} {precision}{' sampling' if sampling else ''}: {row.seq_per_s:.3g} seq/s", flush=True)
            if not args.no_flop_check:
                cfg = get_preset(name).model
                report.checks.append(FlopCheck(name, sampling, step_flops(cfg, sampling).train,
                                               counted_flops(cfg, sampling, fused_lstm=True),
                                               counted_flops(cfg, sampling, fused_lstm=False)))
    report.load_after = os.getloadavg()
    print()
    print_report(report)
    if args.json:
        out = asdict(report)
        for check, c in zip(out["checks"], report.checks):
            check["ratio"] = c.ratio
        out["torch"] = torch.__version__
        print(json.dumps(out))


if __name__ == "__main__":
    main()
