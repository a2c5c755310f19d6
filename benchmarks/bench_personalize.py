"""How near `mvae personalize`'s samples come to the music they were made from (issue 25, "Make it mine"):
for held-out files of the default's training mix (files of the dataset's eval split with no window in its
training split: music/melody/split.py puts near-duplicates on one side), each file personalized alone, side
by side in one run:

- the mean feature distance of personalized samples to that file's windows, against the default model's
  prior samples (in the file's meter) and against the file's own windows (the floor: its windows among
  themselves); features are bench_samples.py's (note count, pitch range, mean absolute interval,
  pitch-class histogram), each distance the mean |f(g) - f(x)| over all pairs (Euclidean for the
  histogram), and "relative" the mean over the four features of (distance / the default's distance);
- the share of personalized samples that are exact copies of one of the file's windows (the default's too);
- the wall time of personalizing (in process, and `mvae personalize` end to end on the first file).

  python benchmarks/bench_personalize.py --data /work/scratch/data/meters --per-collection 2
  python benchmarks/bench_personalize.py --data DATA --betas 0.1 0.5 1 --epochs 300   # a sweep
  python benchmarks/bench_personalize.py --data DATA --offset 1 --few 2 4 8 16        # how many windows it needs

Targets: personalized samples >= 30% closer than the default's (relative <= 0.70); <= 5% exact copies;
`mvae personalize` on one file <= 60 s. Never tune on O'Neill's (the out-of-sample check).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_samples import FEATURES, _as_rows, cross_distances, intra_distances, valid_rows  # noqa: E402

from musicvae_lite.families import load_model  # noqa: E402
from musicvae_lite.music.melody.codec import MELODY  # noqa: E402
from musicvae_lite.music.melody.personalize import MIN_WINDOWS, personalize  # noqa: E402
from musicvae_lite.music.sequence_generate import sample  # noqa: E402


def held_out_files(data: Path) -> list[str]:
    """Files with windows in the eval split of some bar length of `data` and in no training split."""
    evals, trains = set(), set()
    for folder in sorted(p for p in [data, *data.glob("bar*")] if (p / "eval.npz").exists()):
        for split, into in (("eval", evals), ("train", trains)):
            with np.load(folder / f"{split}.npz", allow_pickle=False) as d:
                into.update(str(d["files"][i]) for i in np.unique(d["file_index"]))
    return sorted(evals - trains)


def choose(files: list[str], model, per_collection: int, offset: int, min_windows: int) -> list[str]:
    """`per_collection` files of each collection (the folder above the file) with at least `min_windows`
    windows, spread evenly over the sorted list from `offset`."""
    by: dict[str, list[str]] = {}
    for f in files:
        by.setdefault(Path(f).parent.name, []).append(f)
    chosen = []
    for name, group in sorted(by.items()):
        taken = 0
        for f in group[offset::max(1, len(group) // (4 * per_collection))]:
            try:
                if len(MELODY.read_all(model, f)) >= min_windows:
                    chosen.append(f)
                    taken += 1
            except Exception:  # noqa: BLE001  (an unreadable file is just not chosen)
                continue
            if taken == per_collection:
                break
    return chosen


def distance(gen: np.ndarray, windows: np.ndarray, name: str) -> float:
    """Mean distance of feature `name` between every generated window and every window of the file (the
    file's windows among themselves when `gen` is None)."""
    fw = FEATURES[name](windows)
    rw = _as_rows(fw)[valid_rows(fw)]
    if gen is None:
        return float(intra_distances(rw).mean()) if len(rw) > 1 else float("nan")
    fg = FEATURES[name](gen)
    rg = _as_rows(fg)[valid_rows(fg)]
    return float(cross_distances(rg, rw).mean()) if len(rg) and len(rw) else float("nan")


def copies(gen: np.ndarray, windows: np.ndarray) -> float:
    """Share of generated windows equal to one of the file's."""
    if gen.shape[1] != windows.shape[1]:
        return 0.0
    seen = {w.tobytes() for w in windows.astype(np.uint8)}
    return float(np.mean([g.astype(np.uint8).tobytes() in seen for g in gen]))


def one_file(f: str, base, args, beta: float, epochs: int, tmp: Path) -> dict:
    events, meters = MELODY.read_all_meters(base, f)
    meter = Counter(m.label for m in meters).most_common(1)[0][0]
    mine = events[[m.label == meter for m in meters]]
    t0 = time.perf_counter()
    made = personalize([f], tmp / "m", model=args.model, beta=beta, epochs=epochs, force=True)
    seconds = time.perf_counter() - t0
    personal = load_model(str(made.path))
    gen = sample(personal, args.n, temperature=args.temperature, seed=args.seed, meter=meter)
    prior = sample(base, args.n, temperature=args.temperature, seed=args.seed, meter=meter)
    row = {"file": f, "windows": len(events), "meter": meter, "seconds": seconds,
           "copies": copies(gen, events), "prior_copies": copies(prior, events)}
    rel, rel_floor = [], []
    for name in FEATURES:
        d_p, d_d, d_f = distance(gen, mine, name), distance(prior, mine, name), distance(None, mine, name)
        row[name] = (d_p, d_d, d_f)
        rel.append(d_p / d_d)
        rel_floor.append(d_f / d_d)
    row["relative"], row["floor"] = float(np.nanmean(rel)), float(np.nanmean(rel_floor))
    return row


def few_windows(f: str, base, counts: list[int], args) -> list[str]:
    """Copies and relative distance of a small VAE trained on `counts` windows of a file (spread evenly over
    its windows of its main meter): how many it needs before its samples stop copying them."""
    import torch

    from musicvae_lite.music.melody.midime import MidiMeConfig, build_midime, train_midime
    from musicvae_lite.music.melody.personal_model import PersonalizedModel
    from musicvae_lite.music.sequence_generate import encode_in_meters

    events, meters = MELODY.read_all_meters(base, f)
    meter = Counter(m.label for m in meters).most_common(1)[0][0]
    keep = [i for i, m in enumerate(meters) if m.label == meter]
    prior = sample(base, args.n, temperature=args.temperature, seed=args.seed, meter=meter)
    lines = []
    for k in [c for c in counts if c <= len(keep)]:
        chosen = [keep[i] for i in np.linspace(0, len(keep) - 1, k).astype(int)]
        beta = args.betas[0] if args.betas[0] is not None else MidiMeConfig(base.z_size).beta
        cfg = MidiMeConfig(code_size=base.z_size, beta=beta)
        small = build_midime(cfg)
        train_midime(small, torch.from_numpy(encode_in_meters(base, events[chosen], [meters[i] for i in chosen])), cfg)
        mine = PersonalizedModel(base.vae, base.config, 0, "few", small, cfg, meter, {}, {})
        gen = sample(mine, args.n, temperature=args.temperature, seed=args.seed, meter=meter)
        rel = np.nanmean([distance(gen, events[keep], n) / distance(prior, events[keep], n) for n in FEATURES])
        lines.append(f"{Path(f).name[:30]:<30} {len(keep):>4} windows, trained on {k:>3}: copies "
                     f"{copies(gen, events[chosen]):5.0%}, relative distance {rel:.2f}")
    return lines


def cli_seconds(f: str, model: str, tmp: Path) -> float:
    """Wall time of `python -m musicvae_lite personalize f -o ...` (start-up included)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "musicvae_lite", "personalize", f, "-o", str(tmp / "cli"), "--force",
                    "--model", model], check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="the default's dataset (a folder of bar*/ datasets)")
    ap.add_argument("--model", default="default", help="the base model")
    ap.add_argument("--files", nargs="*", help="these files instead of held-out files chosen from --data")
    ap.add_argument("--per-collection", type=int, default=2)
    ap.add_argument("--offset", type=int, default=0, help="start the choice here (another set of files)")
    ap.add_argument("--n", type=int, default=100, help="samples of each model")
    ap.add_argument("--temperature", type=float, default=0.5, help="as `mvae sample`")
    ap.add_argument("--betas", type=float, nargs="+", default=[None])
    ap.add_argument("--epochs", type=int, nargs="+", default=[None])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--few", type=int, nargs="*", help="instead: train on this many windows of each file "
                    "(e.g. 2 4 8 16): copies against how many windows it learned from")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    base = load_model(args.model)
    files = args.files or choose(held_out_files(args.data), base, args.per_collection, args.offset, MIN_WINDOWS)
    if args.few:
        for f in files:
            print("\n".join(few_windows(f, base, args.few, args)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"`mvae personalize {Path(files[0]).name}` end to end: {cli_seconds(files[0], args.model, tmp):.1f} s")
        for beta in args.betas:
            for epochs in args.epochs:
                print(f"\nbeta {beta if beta is not None else 'default'}, epochs {epochs or 'default'}; "
                      f"{args.n} samples each at temperature {args.temperature:g}; distances: personalized / "
                      "default prior / the file's own windows")
                print(f"{'file':<34} {'win':>4} {'meter':>5} " + " ".join(f"{n[:14]:>20}" for n in FEATURES)
                      + f" {'relative':>8} {'floor':>6} {'copies':>6} {'prior':>6} {'s':>5}")
                rows = [one_file(f, base, args, beta, epochs, tmp) for f in files]
                for r in rows:
                    feats = " ".join(f"{r[n][0]:6.2f}/{r[n][1]:6.2f}/{r[n][2]:5.2f}" for n in FEATURES)
                    print(f"{Path(r['file']).parent.name[:8] + '/' + Path(r['file']).name[:25]:<34} {r['windows']:>4} "
                          f"{r['meter']:>5} {feats} {r['relative']:8.2f} {r['floor']:6.2f} {r['copies']:6.1%} "
                          f"{r['prior_copies']:6.1%} {r['seconds']:5.1f}")
                rel, floor = np.array([r["relative"] for r in rows]), np.array([r["floor"] for r in rows])
                print(f"{'mean':<34} {'':>4} {'':>5} {'':>83} {rel.mean():8.2f} {floor.mean():6.2f} "
                      f"{np.mean([r['copies'] for r in rows]):6.1%} {np.mean([r['prior_copies'] for r in rows]):6.1%}")
                print(f"files >= 30% closer: {int((rel <= 0.7).sum())}/{len(rows)} (floor <= 0.70: "
                      f"{int((floor <= 0.7).sum())}); of the way from the default's prior to the floor: "
                      f"{(1 - rel.mean()) / (1 - floor.mean()):.0%} (of the means); worst copies "
                      f"{max(r['copies'] for r in rows):.0%}")


if __name__ == "__main__":
    main()
