"""Latency and throughput of `mvae serve`, as a page uses it: `POST /api/interpolate` (n = 7, the two
example melodies uploaded each time) against a server started the way a user starts it, with its model
already loaded; beside it, in the same run, the same verb called in this process without HTTP (the
floor the server adds to), and the other requests the page makes.

  python benchmarks/bench_serve.py                      # 50 sequential requests, then 8 clients x 10
  python benchmarks/bench_serve.py --requests 200 --clients 8 --per-client 25 --json

The server is `mvae serve --port P` in a subprocess (one torch thread, as it sets itself); this script
waits for /api/health, warms up with `--warmup` requests, then times each request from just before it
is sent to the end of the answer (httpx, one connection kept alive per client). Concurrent: `--clients`
threads, each with its own connection, send `--per-client` requests at once; throughput is all their
answers over the wall time of the whole batch; any non-200 answer counts as an error. The concurrent
batch runs twice, against a server with one model replica (`--replicas 1`: requests decode one at a
time) and with its default (one per core). The in-process row calls the melody family's interpolate
verb as the server does (MIDI and WAV written, no PNG).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "mean_ms": statistics.fmean(ms),
            "min_ms": min(ms)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, replicas: int | None = None) -> subprocess.Popen:
    mvae = shutil.which("mvae") or str(Path(sys.executable).with_name("mvae"))
    cmd = [mvae] if Path(mvae).exists() else [sys.executable, "-m", "musicvae_lite"]
    cmd += ["serve", "--port", str(port)] + ([] if replicas is None else ["--replicas", str(replicas)])
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def httpx_errors() -> type[Exception]:
    import httpx

    return httpx.TransportError


def wait_ready(client, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {proc.stdout.read()}")
        try:
            if client.get("/api/health").status_code == 200:
                return
        except httpx_errors():  # not listening yet
            time.sleep(0.1)
            continue
        time.sleep(0.1)
    raise SystemExit("the server did not answer /api/health in time")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=50, help="sequential requests timed")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--per-client", type=int, default=10)
    ap.add_argument("--n", type=int, default=7, help="interpolation steps")
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    args = ap.parse_args()

    import httpx

    from musicvae_lite.core.bundled import examples

    ex = examples()
    files = {"a": ("morning.mid", ex["morning"].read_bytes()), "b": ("evening.mid", ex["evening"].read_bytes())}
    corners = {k: (f"{k}.mid", ex[name].read_bytes()) for k, name in zip("abcd", ("morning", "evening", "dance", "lullaby"))}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port)
    rows: dict[str, dict] = {}
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            wait_ready(client, proc)

            def timed(path: str, **kw) -> float:
                t = time.perf_counter()
                r = client.post(path, **kw)
                ms = 1000 * (time.perf_counter() - t)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: {r.status_code} {r.text}")
                return ms

            for _ in range(args.warmup):
                timed("/api/interpolate", files=files, data={"n": str(args.n)})
            rows[f"interpolate n={args.n}"] = summary([timed("/api/interpolate", files=files, data={"n": str(args.n)})
                                                      for _ in range(args.requests)])
            few = max(5, args.requests // 5)
            rows["sample n=8"] = summary([timed("/api/sample", data={"n": "8"}) for _ in range(few)])
            rows["grid 5x5"] = summary([timed("/api/grid", files=corners, data={"n": "5"}) for _ in range(few)])
            rows["grid 11x11"] = summary([timed("/api/grid", files=corners, data={"n": "11"}) for _ in range(few)])
    finally:
        proc.terminate()
        proc.wait(30)

    concurrent = {}
    for replicas in (1, None):
        port = free_port()
        proc = start_server(port, replicas)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                wait_ready(client, proc)
                for _ in range(args.warmup):
                    client.post("/api/interpolate", files=files, data={"n": str(args.n)})
            label = "1 replica" if replicas == 1 else "default replicas"
            concurrent[label] = load(f"http://127.0.0.1:{port}", files, args)
        finally:
            proc.terminate()
            proc.wait(30)

    rows["in-process verb (no HTTP)"] = in_process(args.n, max(10, args.requests // 2))
    report = {"sequential": rows, "concurrent": concurrent, "cpu": os.cpu_count(),
              "python": sys.version.split()[0]}
    if args.json:
        print(json.dumps(report))
        return
    print(f"POST latency, warm model, one client ({args.requests} requests for interpolate):")
    print(f"{'request':<28}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'min ms':>9}")
    for name, r in rows.items():
        print(f"{name:<28}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['mean_ms']:>9.1f}{r['min_ms']:>9.1f}")
    print(f"\n{args.clients} concurrent clients x {args.per_client} interpolate n={args.n} ({os.cpu_count()} CPUs):")
    for label, c in concurrent.items():
        print(f"  {label:<17} {c['throughput_rps']:5.1f} requests/s, p50 {c['p50_ms']:.0f} ms, "
              f"p95 {c['p95_ms']:.0f} ms, errors {c['errors']} of {c['n']}")


def load(base: str, files: dict, args) -> dict:
    """`args.clients` threads, each with its own connection, `args.per_client` requests each, at once."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            for _ in range(args.per_client):
                t = time.perf_counter()
                try:
                    r = c.post("/api/interpolate", files=files, data={"n": str(args.n)})
                    ok = r.status_code == 200 and len(r.json()["steps"]) == args.n
                    why = f"{r.status_code}"
                except Exception as e:  # noqa: BLE001 - counted, not fatal
                    ok, why = False, type(e).__name__
                with lock:
                    latencies.append(1000 * (time.perf_counter() - t))
                    if not ok:
                        errors.append(why)

    threads = [threading.Thread(target=client_loop) for _ in range(args.clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {**summary(latencies), "clients": args.clients, "errors": len(errors), "throughput_rps": len(latencies) / wall}


def in_process(n: int, runs: int) -> dict:
    """The server's work without HTTP: the family's interpolate verb, MIDI and WAV, into a temp folder."""
    from musicvae_lite import families
    from musicvae_lite.core.bundled import examples
    from musicvae_lite.core.family import Request
    from musicvae_lite.core.threads import use_threads

    use_threads("1")
    loaded = families.load("default")
    ex = examples()
    inputs = (str(ex["morning"]), str(ex["evening"]))
    ms = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs + 3):
            t = time.perf_counter()
            loaded.family.interpolate(loaded.model, Request(inputs, Path(tmp) / str(i), False, {"n": n},
                                                            frozenset({"mid", "wav"})))
            if i >= 3:
                ms.append(1000 * (time.perf_counter() - t))
    return summary(ms)


if __name__ == "__main__":
    main()
