"""Latent attribute vectors of a melody model: does adding one move the decoded melodies' attribute,
and by how much? (MusicVAE, Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning
Long-Term Structure in Music", section 5.4 and fig. 7.)

  python benchmarks/bench_attributes.py --model /tmp/run_tiny               # a run folder
  python benchmarks/bench_attributes.py --model default --json

For each attribute (note_density, mean_pitch, mean_interval, syncopation; musicvae_lite/music/
attributes.py):
  vector  the mean code of the top quartile minus that of the bottom quartile, by attribute value,
          of a random `--limit` (20,000) subset of the training windows: what
          `attribute_vector_from_data` computes (same subset for the same seed), with the subset
          encoded once and shared by all attributes;
  apply   to `--n` (200) held-out windows drawn at random from the eval split: decode
          code(window) + amount * vector greedily for each amount in `--amounts` (-2 -1 0 1 2), as
          `apply_attribute_vector` does, batched (`--temperature` samples instead);
  report  the mean attribute value of the decoded melodies at each amount (NaN-valued ones, e.g. a
          mean pitch without notes, are left out), its change from amount 0 in standard deviations of
          the attribute on the training subset, and the share of windows whose attribute rises from
          amount -1 to +1 (among those where both are defined; a tie is not a rise).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from common import DEFAULT_DATA, finite

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_ATTRIBUTES = ("note_density", "mean_pitch", "mean_interval", "syncopation")
ENCODE_BATCH = 1024  # windows encoded at once
DECODE_BATCH = 1000  # codes decoded at once


def fmt(x: float) -> str:
    return "-" if np.isnan(x) else f"{x:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="default", help="bundled model name, run folder or checkpoint")
    parser.add_argument("--data", default=DEFAULT_DATA, help="dataset folder (train.npz, eval.npz)")
    parser.add_argument("--attributes", nargs="+", default=list(DEFAULT_ATTRIBUTES), help="attribute names")
    parser.add_argument("--amounts", nargs="+", type=float, default=[-2.0, -1.0, 0.0, 1.0, 2.0],
                        help="multiples of the vector to add (must include -1, 0 and 1)")
    parser.add_argument("--n", type=int, default=200, help="held-out windows to move")
    parser.add_argument("--limit", type=int, default=20_000, help="training windows behind each vector")
    parser.add_argument("--quantile", type=float, default=0.25, help="top/bottom share that defines a vector")
    parser.add_argument("--temperature", type=float, default=0.0, help="decoding temperature; 0 is greedy")
    parser.add_argument("--seed", type=int, default=0, help="seed of the window draws (and of sampled decoding)")
    parser.add_argument("--carried", action="store_true",
                        help="apply the vectors the model carries (export_with_attributes) instead of computing them")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of the table")
    args = parser.parse_args(argv)
    amounts = np.asarray(args.amounts, np.float32)  # (A,)
    if not {-1.0, 0.0, 1.0} <= set(amounts.tolist()):
        parser.error("--amounts must include -1, 0 and 1")

    import torch

    from musicvae_lite.core.latent import apply_attribute, attribute_vector
    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music.melody.attributes import attribute
    from musicvae_lite.families import load_model
    from musicvae_lite.music.melody.generate import decode, encode
    from musicvae_lite.music.melody.data import load_melody_data

    t0 = time.perf_counter()
    try:
        model = load_model(args.model)
        data = load_melody_data(args.data, model.config.bars)
        for name in args.attributes:
            attribute(name, data.eval[:1])  # unknown names fail here, before any encoding
    except MvaeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if not len(data.train) or not len(data.eval):
        print(f"error: {args.data} needs both a train and an eval split", file=sys.stderr)
        return 2

    train = data.train  # the subset attribute_vector_from_data(limit=..., seed=...) draws
    if len(train) > args.limit:
        train = train[np.random.default_rng(args.seed).choice(len(train), args.limit, replace=False)]
    rng = np.random.default_rng(args.seed + 1)
    held = data.eval
    if len(held) > args.n:
        held = held[np.sort(rng.choice(len(held), args.n, replace=False))]

    t_enc = time.perf_counter()
    train_codes = np.concatenate([encode(model, train[i:i + ENCODE_BATCH]) for i in range(0, len(train), ENCODE_BATCH)])
    held_codes = torch.from_numpy(encode(model, held))  # (n, Z)
    t_enc = time.perf_counter() - t_enc

    results = {}
    t_dec = 0.0
    for name in args.attributes:
        values = np.asarray(attribute(name, train), np.float64)  # (limit,)
        sd = float(np.nanstd(values))
        try:
            if args.carried:
                from musicvae_lite.music.melody.generate import carried_attribute

                found = carried_attribute(model, name)
                if found is None:
                    raise MvaeError(f"{args.model} carries no {name} vector")
                vector = torch.from_numpy(found)  # (Z,)
            else:
                vector = attribute_vector(train_codes, values, args.quantile)  # (Z,)
        except MvaeError as e:
            print(f"error: {name}: {e}", file=sys.stderr)
            return 2
        codes = apply_attribute(held_codes[:, None, :], vector, torch.from_numpy(amounts))  # (n, A, Z)
        flat = codes.reshape(-1, codes.shape[-1]).numpy()  # (n * A, Z)
        t = time.perf_counter()
        melodies = np.concatenate([decode(model, flat[i:i + DECODE_BATCH], temperature=args.temperature,
                                             seed=args.seed) for i in range(0, len(flat), DECODE_BATCH)])
        t_dec += time.perf_counter() - t
        moved = np.asarray(attribute(name, melodies), np.float64).reshape(len(held), len(amounts))  # (n, A)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an amount where no decoded melody has a value
            means = np.nanmean(moved, axis=0)  # (A,)
        base = means[list(amounts).index(0.0)]
        lo, hi = moved[:, list(amounts).index(-1.0)], moved[:, list(amounts).index(1.0)]  # (n,), (n,)
        both = ~np.isnan(lo) & ~np.isnan(hi)
        results[name] = {
            "data_mean": float(np.nanmean(values)), "data_sd": sd, "vector_norm": float(vector.norm()),
            "means": {f"{a:g}": float(m) for a, m in zip(amounts, means)},
            "change_sd": {f"{a:g}": float((m - base) / sd) if sd > 0 else None for a, m in zip(amounts, means)},
            "undefined": {f"{a:g}": int(c) for a, c in zip(amounts, np.isnan(moved).sum(0))},
            "rise_share": float((hi[both] > lo[both]).mean()) if both.any() else None,
            "rise_pairs": int(both.sum()),
        }
    seconds = time.perf_counter() - t0

    if args.json:
        print(json.dumps(finite({
            "model": args.model, "step": model.step, "data": args.data, "n_heldout": len(held), "n_train": len(train),
            "quantile": args.quantile, "temperature": args.temperature, "amounts": amounts.tolist(),
            "attributes": results, "encode_seconds": round(t_enc, 3), "decode_seconds": round(t_dec, 3),
            "seconds": round(seconds, 3)}), allow_nan=False))
        return 0

    print(f"model {args.model} (step {model.step}); vectors from {len(train)} training windows "
          f"(top - bottom {args.quantile:g}), applied to {len(held)} held-out windows, decoded "
          + ("greedily" if args.temperature == 0 else f"at temperature {args.temperature:g}"))
    print("each cell: mean attribute of the decoded melodies [change from amount 0 in data SDs]")
    cells = [f"{a:+g}" for a in amounts]
    head = f"{'attribute':<14} {'data mean':>9} {'data SD':>8}" + "".join(f"{c:>17}" for c in cells) + \
        "  rise -1->+1"
    print(head)
    print("-" * len(head))
    for name, r in results.items():
        row = f"{name:<14} {r['data_mean']:>9.3f} {r['data_sd']:>8.3f}"
        for a in amounts:
            m, c = r["means"][f"{a:g}"], r["change_sd"][f"{a:g}"]
            row += f"{m:>9.3f} [{c:+5.2f}]" if c is not None and not np.isnan(c) else f"{fmt(m):>17}"
        share = r["rise_share"]
        row += f"{'-' if share is None else f'{share:.0%}':>6} of {r['rise_pairs']}"
        print(row)
    undefined = {n: sum(r["undefined"].values()) for n, r in results.items() if sum(r["undefined"].values())}
    if undefined:
        print("decoded melodies where the attribute is undefined (left out of the means): "
              + ", ".join(f"{n} {c}" for n, c in undefined.items()))
    print(f"(encoding {t_enc:.1f} s, decoding {t_dec:.1f} s, total {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
