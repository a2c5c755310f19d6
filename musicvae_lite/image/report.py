"""Every picture of a trained image model, as `mvae plot RUN` and the end of `mvae train` write them:
loss curves, reconstructions (or before/after grids of denoising and super-resolution), prior samples,
and for 2-D codes the test set's latent map beside PCA's 2-D projection of the same images with the
5-nearest-neighbour label accuracy of each, and the decoder manifold over the prior's quantiles
(Kingma & Welling 2014, figure 4).

The lesson claims that an autoencoder's code shows the data's structure better than PCA; the k-NN
accuracy in each 2-D space measures that claim: training codes are the reference, test codes the
queries.
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np

from musicvae_lite.core.vae import VAE
from musicvae_lite.image import plots
from musicvae_lite.image.datasets import ImageData
from musicvae_lite.image.embedding import knn_accuracy, pca_fit, pca_project
from musicvae_lite.image.generate import ImageModel, decode, encode, reconstruct, sample

SHOWN = 12  # test images in reconstruction and restoration grids
KNN_K = 5
KNN_REFERENCE = 10_000  # training images used as the k-NN reference (and to fit PCA)
MANIFOLD_N = 15


def _float(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) / 255.0


def latent_vs_pca(m: ImageModel, data: ImageData) -> dict:
    """2-D codes and PCA projections of the test set, and the k-NN accuracy in each space."""
    rng = np.random.default_rng(0)
    ref = rng.choice(len(data.train_images), min(KNN_REFERENCE, len(data.train_images)), replace=False)
    train_x, test_x = _float(data.train_images[ref]), _float(data.test_images)
    train_y, test_y = data.train_labels[ref], data.test_labels
    z_train = encode(m, train_x).reshape(len(train_x), -1)  # (N, 2)
    z_test = encode(m, test_x).reshape(len(test_x), -1)
    mean, components = pca_fit(train_x.reshape(len(train_x), -1), 2)
    p_train = pca_project(train_x.reshape(len(train_x), -1), mean, components)
    p_test = pca_project(test_x.reshape(len(test_x), -1), mean, components)
    return {"latent": z_test, "pca": p_test, "labels": test_y,
            "knn_latent": knn_accuracy(z_train, train_y, z_test, test_y, KNN_K),
            "knn_pca": knn_accuracy(p_train, train_y, p_test, test_y, KNN_K)}


def plot_run(m: ImageModel, data: ImageData, out: Path, *, metrics_csv: Path | None = None,
             overwrite: bool = False) -> tuple[list[Path], dict]:
    """Write the model's pictures into `out`; returns (paths, figures such as the k-NN accuracies)."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    figures: dict = {}
    if metrics_csv is not None and metrics_csv.exists():
        paths.append(plots.save_loss_curves(metrics_csv, out / "loss_curves.png", overwrite=overwrite))
    shown = _float(data.test_images[:SHOWN])
    given, output = reconstruct(m, shown)
    if m.kind == "restore":
        label = {"noise": "noisy", "downsample": "bicubic"}[m.config.corruption.split(":")[0]]
        rows = [(f"{label} input", given), ("model", output), ("original", shown)]
        paths.append(plots.save_image_rows(rows, out / "restoration.png", title=m.task.get("preset"),
                                           overwrite=overwrite))
        return paths, figures
    paths.append(plots.save_image_rows([("input", given), ("reconstruction", output)], out / "reconstructions.png",
                                       title=m.task.get("preset"), overwrite=overwrite))
    if isinstance(m.net, VAE):
        paths.append(plots.save_image_grid(sample(m, 64, seed=0), out / "samples.png", ncols=8,
                                           title="samples from the prior", overwrite=overwrite))
    if int(np.prod(encode(m, shown[:1]).shape[1:])) == 2:
        found = latent_vs_pca(m, data)
        figures = {"knn_latent": found["knn_latent"], "knn_pca": found["knn_pca"], "k": KNN_K}
        name = "VAE 2-D latent (mu)" if isinstance(m.net, VAE) else "autoencoder 2-D code"
        panels = [(name, found["latent"], found["knn_latent"]), ("PCA, 2 components", found["pca"], found["knn_pca"])]
        paths.append(plots.save_latent_scatter(panels, found["labels"], data.class_names, out / "latent_vs_pca.png",
                                               title=f"{data.name} test set", overwrite=overwrite))
        if isinstance(m.net, VAE):
            axis = np.array([NormalDist().inv_cdf(q) for q in np.linspace(0.05, 0.95, MANIFOLD_N)], dtype=np.float32)
            z = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)  # row r, column c: (axis[c], axis[r]), z2 up
            paths.append(plots.save_manifold(decode(m, z), MANIFOLD_N, out / "manifold.png", axis_values=axis,
                                             title="decoder manifold over the prior's 5%..95% quantiles",
                                             overwrite=overwrite))
    return paths, figures
