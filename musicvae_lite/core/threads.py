"""How many CPU threads torch should use, on a machine that other programs share.

torch's CPU build parallelizes each operation over an OpenMP team of one thread per core, and its
threads spin while they wait for each other. On an idle machine that is the fastest setting for large
operations; as soon as another process keeps a core busy, each operation waits for a thread that is not
running, and the small, numerous operations of an LSTM slow down many times over. Measured here
(`python benchmarks/bench_threads.py`, 2 cores, `mvae train mel_2bar_tiny` for 300 steps, three
single-threaded busy loops beside it): 2 threads 118 s, 1 thread 26 s, idle 12-14 s. Passive waiting
(`OMP_WAIT_POLICY=PASSIVE`) does not save 2 threads: 30 s busy against 24 s for 1 thread, and 35 s
against 10 s on the idle machine (measured once, by hand, with OMP_NUM_THREADS).

So `auto` gives torch one thread per core that other processes leave free (at least one), measured
from the kernel's CPU counters (/proc/stat) with this process's own time taken out, and a
`ThreadGovernor` re-measures during long runs, so a training that started on an idle machine steps
down when something else starts, and back up when it ends. Where /proc/stat does not exist (macOS,
Windows) `auto` keeps torch's own default.

`--threads N`, `MVAE_THREADS=N` or `OMP_NUM_THREADS=N` (torchrun sets it to 1) pins a number; a bit-for-bit resumption of a run on a CPU needs the
same thread count throughout, so pin one when that matters.
"""

from __future__ import annotations

import os
import time

ENV = "MVAE_THREADS"  # overrides the default of every command: a number or "auto"
CHECK_EVERY_S = 15.0  # how often a governor re-measures during a run


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _cpu_counters() -> tuple[float, float] | None:
    """(busy seconds of all CPUs, this process's own CPU seconds) now; None without /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(v) for v in fields[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    busy = (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # guest time is already in user
    own = time.process_time()
    return busy, own


def _others(before: tuple[float, float], after: tuple[float, float], seconds: float) -> float:
    """Cores kept busy by other processes between two readings."""
    return max(0.0, ((after[0] - before[0]) - (after[1] - before[1])) / max(seconds, 1e-6))


def threads_for(others: float, available: int) -> int:
    """One thread per core that others leave free, at least one: 2 cores with one busy core -> 1."""
    return max(1, min(available, int(available - others + 0.5)))


def auto_threads(sample_s: float = 0.15) -> int | None:
    """The `auto` thread count now, from a short look at the CPU counters; None where they cannot
    be read."""
    first = _cpu_counters()
    if first is None:
        return None
    t0 = time.perf_counter()
    time.sleep(sample_s)
    second = _cpu_counters()
    return threads_for(_others(first, second, time.perf_counter() - t0), cores())


def parse_threads(spec: str | int | None) -> int | None:
    """`spec` ("auto", a positive number, or None for $MVAE_THREADS, else auto) as a thread count
    (None: auto). Raises ValueError for anything else."""
    if spec is None:
        spec = os.environ.get(ENV, "auto")
    if isinstance(spec, str) and spec.strip().lower() == "auto":
        return None
    n = int(spec)
    if n < 1:
        raise ValueError(spec)
    return n


def use_threads(spec: str | int | None = None) -> int:
    """Set torch's intra-op thread count from `spec` (see `parse_threads`); returns the count used."""
    import torch

    n = parse_threads(spec)
    if n is None:
        n = auto_threads()
        if n is None:
            return torch.get_num_threads()
    torch.set_num_threads(n)
    return n


class ThreadGovernor:
    """Keeps torch's thread count at `auto` during a long loop: call `tick()` once per step; every
    `every` seconds it re-measures what other processes use and changes the count when it should."""

    def __init__(self, every: float = CHECK_EVERY_S) -> None:
        self.every = every
        self._last = _cpu_counters()
        self._t = time.perf_counter()
        self.changes = 0  # how many times the count moved

    def tick(self) -> None:
        now = time.perf_counter()
        if self._last is None or now - self._t < self.every:
            return
        reading = _cpu_counters()
        want = threads_for(_others(self._last, reading, now - self._t), cores())
        self._last, self._t = reading, now
        import torch

        if want != torch.get_num_threads():
            torch.set_num_threads(want)
            self.changes += 1


def requested_threads(spec: str | int | None) -> str | int:
    """What a command was asked for: `spec` if given, else $MVAE_THREADS, else $OMP_NUM_THREADS (a user's
    or torchrun's setting is kept), else "auto"; checked."""
    if spec is None:
        spec = os.environ.get(ENV) or os.environ.get("OMP_NUM_THREADS") or "auto"
    try:
        parse_threads(spec)
    except ValueError:
        from musicvae_lite.errors import MvaeError

        raise MvaeError(f"--threads must be 'auto' or a positive number, got {spec!r}") from None
    return spec
