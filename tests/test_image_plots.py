"""The image module's embedding measures (PCA, kNN accuracy) and its pictures (written, valid, guarded)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from musicvae_lite.errors import MvaeError
from musicvae_lite.image.embedding import knn_accuracy, pca_fit, pca_project
from musicvae_lite.image.plots import (
    save_image_grid,
    save_image_rows,
    save_latent_scatter,
    save_loss_curves,
    save_manifold,
)

# ---- PCA ----

def _plane_data(n: int = 400, seed: int = 0):
    """Points on a 2-D plane in 5-D (offset from the origin) and the plane's orthonormal basis (2, 5)."""
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(5, 2)))  # (5, 2) orthonormal columns
    coords = rng.normal(size=(n, 2)) * np.array([3.0, 1.0])  # (n, 2) unequal variances
    offset = rng.normal(size=5)  # (5,)
    return coords @ basis.T + offset, basis.T, offset


def test_pca_recovers_a_plane():
    x, basis, offset = _plane_data()
    mean, comps = pca_fit(x, k=2)
    assert mean.shape == (5,) and comps.shape == (2, 5)
    np.testing.assert_allclose(comps @ comps.T, np.eye(2), atol=1e-10)  # orthonormal
    # the components span the plane: projecting them onto it loses nothing
    np.testing.assert_allclose(np.linalg.norm(comps @ basis.T, axis=1), 1.0, atol=1e-10)
    rel = mean - offset  # (5,) the mean lies on the plane too
    np.testing.assert_allclose(rel @ basis.T @ basis, rel, atol=1e-10)
    p = pca_project(x, mean, comps)  # (n, 2)
    assert p.shape == (400, 2)
    np.testing.assert_allclose(p @ comps + mean, x, atol=1e-9)  # all variance captured, exact reconstruction
    assert p[:, 0].var() > p[:, 1].var()  # ordered by variance
    np.testing.assert_allclose(p.var(axis=0).sum(), ((x - x.mean(0)) ** 2).sum(1).mean(), rtol=1e-10)


def test_pca_one_component_captures_most_and_signs_are_stable():
    x, _, _ = _plane_data()
    mean, comps = pca_fit(x, k=1)
    p = pca_project(x, mean, comps)  # (n, 1)
    total = ((x - mean) ** 2).sum(1).mean()
    assert 0.8 < p.var() / total < 1.0  # variances 9 : 1
    _, again = pca_fit(x[::-1].copy(), k=1)
    np.testing.assert_allclose(again, comps, atol=1e-10)


def test_pca_bad_input():
    with pytest.raises(MvaeError):
        pca_fit(np.zeros((4, 3)), k=4)
    with pytest.raises(MvaeError):
        pca_fit(np.zeros(5))
    mean, comps = pca_fit(np.random.default_rng(0).normal(size=(10, 3)))
    with pytest.raises(MvaeError):
        pca_project(np.zeros((2, 4)), mean, comps)


# ---- kNN accuracy ----

def _brute_knn(train_x, train_y, test_x, test_y, k):
    """A direct reference: sort all distances, vote, break ties by the nearest tied neighbour."""
    correct = 0
    for q, y in zip(test_x, test_y):
        d = np.sqrt(((train_x - q) ** 2).sum(1))
        near = np.argsort(d, kind="stable")[:k]
        labels = train_y[near]
        values, counts = np.unique(labels, return_counts=True)
        tied = set(values[counts == counts.max()])
        pred = next(lab for lab in labels if lab in tied)
        correct += pred == y
    return correct / len(test_x)


def test_knn_separable_clusters_are_perfect():
    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0]])
    y = rng.integers(0, 3, size=300)
    x = centres[y] + rng.normal(size=(300, 2))
    ty = rng.integers(0, 3, size=100)
    tx = centres[ty] + rng.normal(size=(100, 2))
    assert knn_accuracy(x, y, tx, ty, k=5) == 1.0


def test_knn_random_labels_are_about_chance():
    rng = np.random.default_rng(2)
    x, tx = rng.normal(size=(3000, 2)), rng.normal(size=(2000, 2))
    y, ty = rng.integers(0, 10, size=3000), rng.integers(0, 10, size=2000)
    assert abs(knn_accuracy(x, y, tx, ty, k=5) - 0.1) < 0.03


@pytest.mark.parametrize("k", [1, 2, 4, 5, 40])
def test_knn_chunking_matches_brute_force(k):
    rng = np.random.default_rng(3)
    x, tx = rng.normal(size=(40, 3)), rng.normal(size=(37, 3))
    y, ty = rng.integers(0, 4, size=40), rng.integers(0, 4, size=37)
    expected = _brute_knn(x, y, tx, ty, k)
    for chunk in (1, 3, 7, 1000, None):
        assert knn_accuracy(x, y, tx, ty, k=k, chunk_size=chunk) == pytest.approx(expected)


def test_knn_tie_goes_to_the_nearest_neighbours_class():
    train_x = np.array([[1.0], [2.0], [3.0], [4.0]])
    train_y = np.array([7, 3, 7, 3])  # k=4 at 0: two votes each; nearest is class 7
    assert knn_accuracy(train_x, train_y, np.array([[0.0]]), np.array([7]), k=4) == 1.0
    assert knn_accuracy(train_x, train_y, np.array([[5.0]]), np.array([3]), k=4) == 1.0


def test_knn_k1_on_the_training_set_is_perfect():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(200, 2)), rng.integers(0, 10, size=200)
    assert knn_accuracy(x, y, x, y, k=1) == 1.0


def test_knn_string_labels_and_bad_input():
    x = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    y = np.array(["a", "a", "b"])
    assert knn_accuracy(x, y, np.array([[5.1, 5.0]]), np.array(["b"]), k=1) == 1.0
    with pytest.raises(MvaeError):
        knn_accuracy(x, y, x, y, k=4)  # more neighbours than points
    with pytest.raises(MvaeError):
        knn_accuracy(x, y[:2], x, y, k=1)
    with pytest.raises(MvaeError):
        knn_accuracy(x, y, np.zeros((1, 3)), y[:1], k=1)
    with pytest.raises(MvaeError):
        knn_accuracy(x, y, x, y, k=1, chunk_size=0)


# ---- pictures ----

def _read_png(path):
    from matplotlib.image import imread

    img = imread(path)  # (h, w, 4) RGBA floats
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert 100 < img.shape[0] < 4000 and 100 < img.shape[1] < 4000
    return img


def _digits(n: int, h: int = 28, w: int = 28, seed: int = 0):
    return np.random.default_rng(seed).random((n, h, w))  # (n, h, w) in [0, 1)


def _write_metrics(path, names=("loss", "recon", "kl", "kl_bits", "lr"), eval_every: int = 20):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "split", "name", "value"])
        for step in range(0, 101, 10):
            for name in names:
                w.writerow([step, "train", name, f"{100.0 / (step + 1) + 1:.6g}"])
            if step % eval_every == 0:
                for name in names:
                    if name != "lr":
                        w.writerow([step, "eval", name, f"{120.0 / (step + 1) + 1.5:.6g}"])


def _plot_cases(tmp_path):
    """Each picture function with arguments, as (name, call(path, overwrite))."""
    x = _digits(16)
    metrics = tmp_path / "run" / "metrics.csv"
    metrics.parent.mkdir()
    _write_metrics(metrics)
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 10, size=500)
    z = rng.normal(size=(500, 2)) + labels[:, None]
    names = [str(i) for i in range(10)]
    return {
        "grid": lambda p, o: save_image_grid(x, p, title="prior samples", overwrite=o),
        "rows": lambda p, o: save_image_rows([("noisy", x[:8]), ("denoised", x[8:]), ("clean", x[:8])], p,
                                             title="denoising", overwrite=o),
        "manifold": lambda p, o: save_manifold(_digits(25), 5, p, axis_values=np.linspace(-2, 2, 5),
                                               title="manifold", overwrite=o),
        "scatter": lambda p, o: save_latent_scatter([("VAE 2-D latent (mu)", z, 0.712), ("PCA", z[:, ::-1], None)],
                                                    labels, names, p, title="test digits", overwrite=o),
        "loss": lambda p, o: save_loss_curves(metrics, p, overwrite=o),
    }


@pytest.mark.parametrize("kind", ["grid", "rows", "manifold", "scatter", "loss"])
def test_each_picture_is_written_and_guarded(tmp_path, kind):
    call = _plot_cases(tmp_path)[kind]
    path = tmp_path / "out" / f"{kind}.png"
    assert call(path, False) == path
    first = _read_png(path)
    with pytest.raises(MvaeError, match="already exists"):
        call(path, False)
    assert call(path, True) == path
    assert _read_png(path).shape == first.shape
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left behind


def test_grid_shape_follows_ncols(tmp_path):
    wide = _read_png(save_image_grid(_digits(12), tmp_path / "wide.png", ncols=12))
    tall = _read_png(save_image_grid(_digits(12), tmp_path / "tall.png", ncols=2))
    assert wide.shape[1] / wide.shape[0] > 3 and tall.shape[0] > tall.shape[1]


def test_rows_accept_different_sizes_and_one_row(tmp_path):
    small, big = _digits(4, 14, 14), _digits(4)
    _read_png(save_image_rows([("bicubic ×2", small), ("model", big), ("original", big)], tmp_path / "sr.png"))
    strip = _read_png(save_image_rows([("slerp", _digits(10))], tmp_path / "strip.png"))
    assert strip.shape[1] > 4 * strip.shape[0]


def test_manifold_without_axis_values_and_channel_axis(tmp_path):
    _read_png(save_manifold(_digits(9)[:, None], 3, tmp_path / "m.png"))


def test_loss_curves_with_psnr_and_loss_only(tmp_path):
    psnr = tmp_path / "psnr.csv"
    _write_metrics(psnr, names=("loss", "psnr"))
    _read_png(save_loss_curves(psnr, tmp_path / "psnr.png"))
    only = tmp_path / "only.csv"
    _write_metrics(only, names=("loss",), eval_every=1000)
    _read_png(save_loss_curves(only, tmp_path / "only.png"))


def test_loss_curves_errors(tmp_path):
    with pytest.raises(MvaeError, match="no metrics file"):
        save_loss_curves(tmp_path / "missing.csv", tmp_path / "a.png")
    no_loss = tmp_path / "no_loss.csv"
    _write_metrics(no_loss, names=("lr", "grad_norm"))
    with pytest.raises(MvaeError, match="no train or eval loss"):
        save_loss_curves(no_loss, tmp_path / "b.png")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(MvaeError, match="not a metrics file"):
        save_loss_curves(bad, tmp_path / "c.png")
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "b.png").exists()


@pytest.mark.parametrize("call", [
    lambda p: save_image_grid(np.zeros((4, 28)), p),
    lambda p: save_image_grid(np.full((2, 4, 4), np.nan), p),
    lambda p: save_image_grid(np.zeros((4, 4, 4)), p.with_suffix(".jpg")),
    lambda p: save_image_rows([("a", np.zeros((3, 4, 4))), ("b", np.zeros((2, 4, 4)))], p),
    lambda p: save_image_rows([], p),
    lambda p: save_manifold(np.zeros((8, 4, 4)), 3, p),
    lambda p: save_manifold(np.zeros((9, 4, 4)), 3, p, axis_values=np.zeros(4)),
    lambda p: save_latent_scatter([("a", np.zeros((5, 2)), None)], np.arange(5), ["0", "1"], p),
    lambda p: save_latent_scatter([("a", np.zeros((5, 3)), None)], np.zeros(5, dtype=int), ["0"], p),
])
def test_bad_picture_input_is_a_clean_error(tmp_path, call):
    with pytest.raises(MvaeError):
        call(tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_the_manifold_draws_z2_growing_upward_like_the_scatter(tmp_path):
    """Tile (r, c) decodes (axis[c], axis[r]); with z2 upward, row n-1 is drawn at the top."""
    from matplotlib.image import imread

    n, side = 3, 8
    images = np.zeros((n * n, side, side))
    images[(n - 1) * n + 0] = 1.0  # the tile of the largest z2 and the smallest z1
    path = save_manifold(images, n, tmp_path / "m.png")
    picture = imread(path)[..., :3].mean(axis=-1)
    rows, cols = np.nonzero(picture > 0.5)
    h, w = picture.shape
    assert rows.mean() < h / 2 and cols.mean() < w / 2  # top left
