"""Train each image preset on Fashion-MNIST for its preset's epochs, evaluate it on the official test
set, and print its figures beside the baselines and the targets, in one table.

Baselines (issue 5, measured with plain PyTorch on Fashion-MNIST): pytorch/examples' dense VAE
reaches a test loss of 244.2 nats/image after 10 epochs; the noisy input (sigma 0.3, clipped) scores
12.8 dB; bicubic upsampling scores 19.4 dB (x2) and 16.1 dB (x4). Targets: conv VAE <= 238
nats/image after 10 epochs; denoising >= +10 dB over the noisy input; super-resolution x2 >= +5 dB and
x4 >= +3 dB over bicubic. Each run's pictures are drawn as `mvae plot` draws them.

    python benchmarks/bench_images.py                       # every preset: about two hours on one core
    python benchmarks/bench_images.py --presets mnist_conv_vae mnist_denoise --runs runs/bench
    python benchmarks/bench_images.py --presets mnist_conv_vae --runs runs/bench --resume   # evaluate only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import finite  # noqa: E402

PRESETS = ["mnist_vae", "mnist_conv_vae", "mnist_vae_2d", "mnist_ae", "mnist_conv_ae", "mnist_denoise",
           "mnist_superres_x2", "mnist_superres_x4"]
BASELINE = {"mnist_vae": ("pytorch/examples VAE", 244.2), "mnist_conv_vae": ("pytorch/examples VAE", 244.2),
            "mnist_denoise": ("noisy input", 12.8), "mnist_superres_x2": ("bicubic x2", 19.4),
            "mnist_superres_x4": ("bicubic x4", 16.1)}
TARGET = {"mnist_conv_vae": ("neg_elbo", "<=", 238.0), "mnist_denoise": ("gain_db", ">=", 10.0),
          "mnist_superres_x2": ("gain_db", ">=", 5.0), "mnist_superres_x4": ("gain_db", ">=", 3.0)}


def run_one(name: str, data, runs: Path, iwae_k: int, threads: int, resume: bool) -> dict:
    import torch

    from musicvae_lite.core.trainer import Trainer
    from musicvae_lite.image.evaluate import evaluate_images
    from musicvae_lite.families import load
    from musicvae_lite.image.presets import IMAGE_PRESETS, steps_per_epoch
    from musicvae_lite.image.report import plot_run
    from musicvae_lite.image.task import ImageTask

    torch.set_num_threads(threads)
    preset = IMAGE_PRESETS[name]
    run = runs / name
    seconds = None  # not trained here: --resume found the run already trained
    if not (resume and (run / "last.pt").exists()):
        t0 = time.perf_counter()
        Trainer(ImageTask(preset.model, data, name), preset.train, run, progress=True).fit()
        seconds = time.perf_counter() - t0
    m = load(run, family="image").model
    figures = evaluate_images(m.net, m.config, data.test_images, iwae_k=iwae_k, progress=True)
    _, found = plot_run(m, data, run / "plots", metrics_csv=run / "metrics.csv", overwrite=True)
    return {"preset": name, "epochs": preset.train.steps / steps_per_epoch(preset.train.batch_size), "train_s": seconds, **figures, **found}


def verdict(row: dict) -> str:
    if row["preset"] not in TARGET:
        return ""
    key, op, bound = TARGET[row["preset"]]
    ok = row[key] <= bound if op == "<=" else row[key] >= bound
    return f"{key} {op} {bound:g}: {'met' if ok else 'NOT met'}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=PRESETS)
    ap.add_argument("--data", default=None, help="MNIST-format folder (default: $MVAE_DATA or the usual places)")
    ap.add_argument("--runs", default="runs/bench_images", help="where the runs go")
    ap.add_argument("--iwae-k", type=int, default=100)
    ap.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", "1")))
    ap.add_argument("--resume", action="store_true", help="evaluate runs already trained instead of retraining")
    ap.add_argument("--json", action="store_true", help="also print one JSON line per preset")
    args = ap.parse_args()

    from musicvae_lite.image.datasets import load_image_data

    data = load_image_data(args.data)
    rows = []
    for name in args.presets:
        row = run_one(name, data, Path(args.runs), args.iwae_k, args.threads, args.resume)
        rows.append(row)
        if args.json:
            print(json.dumps(finite(row)), flush=True)
    print(f"\n{data.name} ({data.source}), official test set of {len(data.test_images)} images")
    print(f"{'preset':<18} {'epochs':>6} {'train s':>8} {'-ELBO':>8} {'IWAE':>8} {'BCE':>8} {'PSNR':>7} "
          f"{'base':>7} {'gain':>6}  baseline / target")
    for r in rows:
        def f(key, fmt):
            return format(r[key], fmt) if key in r else "-".rjust(int(fmt.lstrip("+").split(".")[0]))
        base = BASELINE.get(r["preset"])
        note = f"{base[0]} {base[1]:g}" if base else ""
        if "knn_latent" in r:
            note += f"5-NN acc: code {r['knn_latent']:.3f}, PCA {r['knn_pca']:.3f}"
        train_s = "-" if r["train_s"] is None else f"{r['train_s']:.0f}"
        print(f"{r['preset']:<18} {r['epochs']:6.3g} {train_s:>8} {f('neg_elbo', '8.2f')} "
              f"{f('iwae_bound', '8.2f')} {f('bce', '8.2f')} {f('psnr', '7.2f')} {f('baseline_psnr', '7.2f')} "
              f"{f('gain_db', '+6.2f')}  {note}  {verdict(r)}")


if __name__ == "__main__":
    main()
