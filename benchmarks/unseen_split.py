"""The held-out windows no earlier model trained on: a copy of a folder of datasets per bar length (`mvae data
build ... --steps-per-bar 0`) whose eval splits keep only the windows of files that the name hash itself puts
on the held-out side (`music/sources.py` `is_eval_file`, the fraction and seed of the build). Files moved
to the held-out side as near-duplicates of held-out files are left out: an earlier split with other files
(the one the previous models trained on) may have had them on the training side. What the model cards of
`default` and `melody_16bar` score on (`datasets/meters_unseen`, `datasets/meters16_unseen`).

  python benchmarks/unseen_split.py datasets/meters datasets/meters_unseen [--eval-fraction 0.1 --seed 0]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.music.sources import is_eval_file  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a folder of datasets per bar length (bar16/, bar12/, ...)")
    parser.add_argument("out", type=Path, help="where the copy goes (must not exist)")
    parser.add_argument("--eval-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.out.exists():
        raise SystemExit(f"error: {args.out} exists; choose a new folder")
    groups = sorted(p for p in args.source.glob("bar*") if (p / "eval.npz").exists())
    if not groups:
        raise SystemExit(f"error: {args.source} holds no bar*/eval.npz (build it with --steps-per-bar 0)")
    for group in groups:
        out = args.out / group.name
        out.mkdir(parents=True)
        shutil.copy(group / "train.npz", out / "train.npz")
        with np.load(group / "eval.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        n = len(arrays["events"])
        on_side = np.array([is_eval_file(str(f), args.eval_fraction, args.seed) for f in arrays["files"]], bool)
        keep = on_side[arrays["file_index"]] if len(on_side) else np.zeros(n, bool)
        for name, value in list(arrays.items()):
            if name not in ("files", "file_qpm") and value.ndim >= 1 and len(value) == n:
                arrays[name] = value[keep]  # the windows' own arrays; the file table stays whole
        np.savez_compressed(out / "eval.npz", **arrays)
        print(f"{group.name}: {n} held-out windows, {int(keep.sum())} kept")


if __name__ == "__main__":
    main()
