"""Comparing 2-D embeddings: a PCA baseline and k-nearest-neighbour accuracy as a separation score.

The lesson claims an autoencoder's 2-D code separates MNIST's classes better than the 2-D projection
onto the first two principal components (Hinton & Salakhutdinov 2006, fig. 3, make the same
comparison by eye). We make it a number: the fraction of test points whose k nearest training points
(Euclidean, in the embedding) mostly carry the right label (Cover & Hart 1967), 5 by default.

PCA is the SVD of the centred data (Jolliffe, "Principal Component Analysis", 2002, ch. 1; the
right singular vectors are the components). Everything is computed in float64; numpy only.
"""

from __future__ import annotations

import numpy as np

from musicvae_lite.errors import MvaeError

CHUNK_ELEMENTS = 2**23  # distances held at once (64 MB in float64): 10k x 60k stays well under 1 GB


def _matrix(x, name: str) -> np.ndarray:
    """`x` as a finite, non-empty float64 (N, D) array, or a one-line error."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or 0 in x.shape:
        raise MvaeError(f"{name} must be a non-empty (N, D) array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise MvaeError(f"{name} contains NaN or infinite values")
    return x


def pca_fit(x: np.ndarray, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The mean (D,) and the first `k` principal components (k, D) of data `x` (N, D).

    The components are orthonormal rows ordered by the variance they capture; each one's sign is
    fixed so that its largest-magnitude entry is positive, so refitting the same data gives the same
    projection.
    """
    x = _matrix(x, "PCA data")
    n, d = x.shape
    if int(k) != k or not 1 <= k <= min(n, d):
        raise MvaeError(f"PCA needs 1 <= k <= min(N, D) = {min(n, d)}, got k={k}")
    mean = x.mean(axis=0)  # (D,)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)  # vt: (min(N, D), D), rows by singular value
    components = vt[: int(k)]  # (k, D)
    peak = np.abs(components).argmax(axis=1)  # (k,) the largest entry of each component
    components = components * np.sign(components[np.arange(len(components)), peak])[:, None]  # (k, D)
    return mean, components


def pca_project(x: np.ndarray, mean: np.ndarray, components: np.ndarray) -> np.ndarray:
    """Coordinates (N, k) of `x` (N, D) along `components` (k, D) after subtracting `mean` (D,)."""
    x = _matrix(x, "PCA data")
    mean = np.asarray(mean, dtype=np.float64)  # (D,)
    components = np.asarray(components, dtype=np.float64)  # (k, D)
    if mean.shape != (x.shape[1],) or components.ndim != 2 or components.shape[1] != x.shape[1]:
        raise MvaeError(f"PCA of {x.shape[1]}-D data needs a mean ({x.shape[1]},) and components (k, "
                        f"{x.shape[1]}); got {mean.shape} and {components.shape}")
    return (x - mean) @ components.T  # (N, k)


def _labels(y, n: int, name: str) -> np.ndarray:
    y = np.asarray(y)
    if y.shape != (n,):
        raise MvaeError(f"{name} must have one label per point, shape ({n},), got {y.shape}")
    return y


def knn_accuracy(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                 k: int = 5, *, chunk_size: int | None = None) -> float:
    """The fraction of test points (M, d) whose `k` nearest training points (N, d) vote their label.

    Each test point takes the label most common among its k nearest training points (Euclidean
    distance). A tie between classes goes to the tied class of the nearest neighbour that belongs to
    one of them. Distances are computed for `chunk_size` test points at a time (by default as many as
    keep about 2**23 distances in memory), so memory stays bounded whatever M is. Labels may be any
    values numpy can compare (ints or strings).
    """
    train_x, test_x = _matrix(train_x, "kNN training points"), _matrix(test_x, "kNN test points")
    n, d = train_x.shape
    m = len(test_x)
    if test_x.shape[1] != d:
        raise MvaeError(f"kNN training and test points differ in dimension: {d} and {test_x.shape[1]}")
    train_y, test_y = _labels(train_y, n, "kNN training labels"), _labels(test_y, m, "kNN test labels")
    if int(k) != k or not 1 <= k <= n:
        raise MvaeError(f"kNN needs 1 <= k <= the number of training points ({n}), got k={k}")
    k = int(k)
    if chunk_size is None:
        chunk_size = max(1, CHUNK_ELEMENTS // n)
    elif int(chunk_size) != chunk_size or chunk_size < 1:
        raise MvaeError(f"chunk_size must be a whole number >= 1, got {chunk_size}")
    classes, train_cls = np.unique(train_y, return_inverse=True)  # (C,), (N,) class index per point
    c = len(classes)
    train_sq = (train_x**2).sum(axis=1)  # (N,)
    train_t = np.ascontiguousarray(train_x.T)  # (d, N)
    correct = 0
    for start in range(0, m, int(chunk_size)):
        q = test_x[start:start + int(chunk_size)]  # (b, d)
        b = len(q)
        # |q - t|^2 = |q|^2 - 2 q.t + |t|^2, in place (one (b, N) buffer); clipped at 0 against rounding.
        dist = q @ train_t  # (b, N)
        dist *= -2.0
        dist += (q**2).sum(axis=1)[:, None]
        dist += train_sq[None, :]
        np.maximum(dist, 0.0, out=dist)
        near = np.argpartition(dist, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (b, 1))  # (b, k)
        rows = np.arange(b)[:, None]  # (b, 1)
        near = near[rows, np.argsort(dist[rows, near], axis=1, kind="stable")]  # (b, k) nearest first
        near_cls = train_cls[near]  # (b, k)
        votes = np.zeros((b, c), dtype=np.int64)  # (b, C)
        np.add.at(votes, (np.repeat(np.arange(b), k), near_cls.ravel()), 1)
        tied = votes == votes.max(axis=1, keepdims=True)  # (b, C) classes with the most votes
        first = tied[rows, near_cls].argmax(axis=1)  # (b,) the nearest neighbour in a tied class
        pred = classes[near_cls[np.arange(b), first]]  # (b,)
        correct += int((pred == test_y[start:start + b]).sum())
    return correct / m


__all__ = ["knn_accuracy", "pca_fit", "pca_project"]
