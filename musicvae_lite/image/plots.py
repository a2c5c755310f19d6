"""Every picture the image commands write: image grids, labelled rows, the decoder manifold, latent
scatter plots and loss curves, each saved as a PNG.

The layouts follow the sources the image module reproduces: tiled samples and input/reconstruction
rows (Kingma & Welling 2014, figs. 4-5; the Keras blog "Building Autoencoders in Keras", Chollet
2016), the learned 2-D manifold of a VAE with z on both axes (Kingma & Welling 2014, fig. 4), and the
2-D codes of test digits coloured by class (Hinton & Salakhutdinov 2006, fig. 3), here beside a PCA
baseline and each with its k-nearest-neighbour accuracy (`embedding.knn_accuracy`).

Images are numpy arrays in [0, 1] shaped (N, H, W) (a channel axis of 1, (N, 1, H, W), is dropped);
they are drawn in grayscale, 0 black and 1 white. Drawing uses matplotlib's object API on an Agg
canvas (no pyplot, so no global figure state and no display), imported inside the functions so
importing this module stays light; files are written atomically and never over an existing file
unless `overwrite=True`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.files import atomic_write

DPI = 120  # sharp on screen and in a README, a few hundred kB at most
GAP_PX = 2  # white pixels between tiles of a grid
MAX_WIDTH_IN = 16.0  # the widest figure we draw
TITLE_IN = 0.45  # room above the pictures for a title
SCATTER_SIZE = 3.0  # marker area in points^2: tens of thousands of points stay readable
SCATTER_ALPHA = 0.5
VIEW_QUANTILES = (0.005, 0.995)  # a scatter panel shows the central 99% of points along each axis


def _figure(width: float, height: float):
    """A white matplotlib Figure on its own Agg canvas (no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path, overwrite: bool) -> Path:
    """Write `fig` as PNG through a temp file; then release its drawing state."""
    try:
        return atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=DPI, facecolor="white"),
                            overwrite=overwrite)
    finally:
        fig.clear()


def _png_path(path: str | Path, overwrite: bool) -> Path:
    """Check the target before any drawing: a .png path, and not an existing file unless asked."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise MvaeError(f"pictures are written as PNG; give a path ending in .png, not {path}")
    if not overwrite and path.exists():
        raise OverwriteError(path)
    return path


def _images(images, name: str) -> np.ndarray:
    """`images` as a finite float (N, H, W) array clipped to [0, 1], or a one-line error."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]  # (N, 1, H, W) -> (N, H, W)
    if x.ndim != 3 or 0 in x.shape:
        raise MvaeError(f"{name} must be a non-empty (N, H, W) array of images, got shape {np.shape(images)}")
    if not np.isfinite(x).all():
        raise MvaeError(f"{name} contain NaN or infinite values")
    return np.clip(x, 0.0, 1.0)


def _tile(x: np.ndarray, nrows: int, ncols: int, gap: int) -> np.ndarray:
    """Images (N, H, W) laid out row by row on a (rows, cols) grid; gaps and empty cells are NaN."""
    n, h, w = x.shape
    canvas = np.full((nrows * h + (nrows - 1) * gap, ncols * w + (ncols - 1) * gap), np.nan)  # (rows*H, cols*W)
    for i in range(n):
        r, c = divmod(i, ncols)
        canvas[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = x[i]
    return canvas


def _gray():
    """Grayscale with NaN (gaps, empty cells) drawn white."""
    import matplotlib

    return matplotlib.colormaps["gray"].with_extremes(bad="white")


def _bare(ax) -> None:
    """No ticks and no frame; a y label (a row name) still shows."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def save_image_grid(images: np.ndarray, path: str | Path, *, ncols: int | None = None, title: str | None = None,
                    overwrite: bool = False) -> Path:
    """Write a grayscale grid of `images` (N, H, W), row by row with thin white gaps; return the path.

    `ncols` defaults to a near-square grid (ceil(sqrt(N)) columns). Used for prior samples and
    reconstructions.
    """
    path = _png_path(path, overwrite)
    x = _images(images, "grid images")  # (N, H, W)
    n, _, w = x.shape
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    elif int(ncols) != ncols or ncols < 1:
        raise MvaeError(f"ncols must be a whole number >= 1, got {ncols}")
    ncols = min(int(ncols), n)
    nrows = math.ceil(n / ncols)
    canvas = _tile(x, nrows, ncols, GAP_PX)  # (rows*H + gaps, cols*W + gaps)
    ch, cw = canvas.shape
    width = min(max(0.75 * ncols * w / 28.0, 3.0), MAX_WIDTH_IN)  # about 0.75 in per 28-pixel digit
    pic_h = width * ch / cw
    top = TITLE_IN if title else 0.1
    fig = _figure(width, pic_h + top + 0.1)
    ax = fig.add_axes((0.0, 0.1 / (pic_h + top + 0.1), 1.0, pic_h / (pic_h + top + 0.1)))
    ax.imshow(canvas, cmap=_gray(), vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        fig.suptitle(title, fontsize=12, y=1 - 0.08 / (pic_h + top + 0.1), va="top")
    return _save(fig, path, overwrite)


def save_image_rows(rows: list[tuple[str, np.ndarray]], path: str | Path, *, title: str | None = None,
                    overwrite: bool = False) -> Path:
    """Write labelled rows of images, e.g. [("input", x), ("reconstruction", y)]; return the path.

    Every row holds the same number of images (each (n, H, W); sizes may differ between rows, as a
    low-resolution input beside its upscaled output), drawn left to right with the row's label on the
    left. One row makes an interpolation strip.
    """
    path = _png_path(path, overwrite)
    if not isinstance(rows, (list, tuple)) or not rows:
        raise MvaeError("image rows must be a non-empty list of (label, images) pairs")
    checked = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) != 2:
            raise MvaeError(f"image row {i + 1} must be a (label, images) pair")
        checked.append((str(row[0]), _images(row[1], f"the images of row {row[0]!r}")))
    n = len(checked[0][1])
    if any(len(x) != n for _, x in checked):
        raise MvaeError(f"every row needs the same number of images; got {[len(x) for _, x in checked]}")
    label_w = 0.3 + 0.085 * max(len(label) for label, _ in checked)  # inches for the longest label at 10 pt
    cell = min(max((MAX_WIDTH_IN - label_w) / n, 0.45), 1.0)  # inches per image
    gap = 0.05  # inches between images
    top = TITLE_IN if title else 0.1
    width = label_w + n * cell + 0.1
    height = top + len(checked) * (cell + gap) + 0.05
    fig = _figure(width, height)
    fig.subplots_adjust(left=label_w / width, right=1 - 0.1 / width, bottom=0.05 / height, top=1 - top / height,
                        wspace=gap / cell, hspace=gap / cell)
    axes = fig.subplots(len(checked), n, squeeze=False)  # (rows, n)
    gray = _gray()
    for r, (label, x) in enumerate(checked):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(x[c], cmap=gray, vmin=0.0, vmax=1.0, interpolation="nearest")
            _bare(ax)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=10, labelpad=6)
    if title:
        fig.suptitle(title, fontsize=12, y=1 - 0.08 / height, va="top")
    return _save(fig, path, overwrite)


def save_manifold(images: np.ndarray, n: int, path: str | Path, *, axis_values: np.ndarray | None = None,
                  title: str | None = None, overwrite: bool = False) -> Path:
    """Write the decoder's n x n manifold as one image (Kingma & Welling 2014, fig. 4); return the path.

    `images` (n*n, H, W) are row by row: images[r * n + c] is the decoding of
    z = (axis_values[c], axis_values[r]), drawn in column c (left to right) and row r counted from the
    bottom, so that z2 grows upward as in the latent scatter (`save_latent_scatter`). With `axis_values`
    (n,) the axes are ticked with those z values (z1 across, z2 up).
    """
    path = _png_path(path, overwrite)
    if int(n) != n or n < 1:
        raise MvaeError(f"a manifold needs n >= 1, got {n}")
    n = int(n)
    x = _images(images, "manifold images")  # (n*n, H, W)
    if len(x) != n * n:
        raise MvaeError(f"a {n} x {n} manifold needs {n * n} images, got {len(x)}")
    if axis_values is not None:
        axis_values = np.asarray(axis_values, dtype=np.float64)  # (n,)
        if axis_values.shape != (n,):
            raise MvaeError(f"axis_values must give one z value per row/column, shape ({n},), "
                            f"got {axis_values.shape}")
    rows_top_down = x.reshape(n, n, *x.shape[1:])[::-1].reshape(x.shape)  # row n-1 (largest z2) on top
    canvas = _tile(rows_top_down, n, n, 0)  # (n*H, n*W)
    side = min(max(0.45 * n * x.shape[2] / 28.0, 4.0), 9.0)  # inches for the picture's width
    pic_h = side * canvas.shape[0] / canvas.shape[1]
    left, bottom = (0.75, 0.6) if axis_values is not None else (0.15, 0.15)
    top = TITLE_IN if title else 0.15
    width, height = left + side + 0.2, bottom + pic_h + top
    fig = _figure(width, height)
    ax = fig.add_axes((left / width, bottom / height, side / width, pic_h / height))
    # extent puts tile (r, c) at x in [c, c+1], y in [r, r+1] (y upward) so the ticks sit on tile centres.
    ax.imshow(canvas, cmap=_gray(), vmin=0.0, vmax=1.0, extent=(0, n, 0, n))
    if axis_values is None:
        ax.set_axis_off()
    else:
        every = max(1, math.ceil(n / 12))  # at most about 12 tick labels per axis
        ticks = np.arange(0, n, every)  # (t,)
        labels = [f"{v:.2g}" for v in axis_values[ticks]]
        ax.set_xticks(ticks + 0.5, labels, fontsize=8)
        ax.set_yticks(ticks + 0.5, labels, fontsize=8)
        ax.set_xlabel("z1", fontsize=10)
        ax.set_ylabel("z2", fontsize=10)
        ax.tick_params(length=2, pad=2)
    if title:
        fig.suptitle(title, fontsize=12, y=1 - 0.08 / height, va="top")
    return _save(fig, path, overwrite)


def _view(points: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """Square axis limits around the central 99% of `points` (N, 2), padded by 5%."""
    lo = np.quantile(points, VIEW_QUANTILES[0], axis=0)  # (2,)
    hi = np.quantile(points, VIEW_QUANTILES[1], axis=0)  # (2,)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * 1.05, 1e-6)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def save_latent_scatter(panels: list[tuple[str, np.ndarray, float | None]], labels: np.ndarray,
                        class_names: list[str], path: str | Path, *, title: str | None = None, knn_k: int = 5,
                        overwrite: bool = False) -> Path:
    """Write side-by-side scatter panels of the same N points in 2-D, coloured by class; return the path.

    `panels` are (title, points (N, 2), kNN accuracy or None), e.g. [("VAE 2-D latent (mu)", z, 0.93),
    ("PCA", p, 0.45)]; a given accuracy is added to the panel title as "5-NN accuracy 0.930" (`knn_k`
    names the k). `labels` (N,) are class indices into `class_names` (at most 20 classes: tab10
    colours up to 10, tab20 beyond). Each panel has equal x and y scales (distances are what kNN
    measures) and shows the central 99% of its points; one legend names the classes. Points are
    drawn in a fixed shuffled order so that no class hides under the others.
    """
    import matplotlib
    from matplotlib.lines import Line2D

    path = _png_path(path, overwrite)
    if not isinstance(panels, (list, tuple)) or not panels:
        raise MvaeError("a latent scatter needs a non-empty list of (title, points, accuracy) panels")
    n_classes = len(class_names)
    if not 1 <= n_classes <= 20:
        raise MvaeError(f"a latent scatter colours 1 to 20 classes, got {n_classes} class names")
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) == 0:
        raise MvaeError(f"labels must be a non-empty (N,) array, got shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_classes:
        raise MvaeError(f"labels must be class indices 0..{n_classes - 1} into class_names")
    checked = []
    for i, panel in enumerate(panels):
        if not isinstance(panel, (list, tuple)) or len(panel) != 3:
            raise MvaeError(f"scatter panel {i + 1} must be a (title, points, accuracy) triple")
        name, points, acc = panel
        points = np.asarray(points, dtype=np.float64)
        if points.shape != (len(labels), 2):
            raise MvaeError(f"the points of panel {name!r} must be ({len(labels)}, 2), got {points.shape}")
        if not np.isfinite(points).all():
            raise MvaeError(f"the points of panel {name!r} contain NaN or infinite values")
        text = str(name) if acc is None else f"{name}\n{knn_k}-NN accuracy {float(acc):.3f}"
        checked.append((text, points))
    colours = matplotlib.colormaps["tab10" if n_classes <= 10 else "tab20"].colors[:n_classes]
    point_colours = np.asarray(colours)[labels]  # (N, 3)
    order = np.random.default_rng(0).permutation(len(labels))  # (N,) fixed draw order, classes mixed
    side, legend_w = 4.2, 0.6 + 0.08 * max(len(str(c)) for c in class_names)  # inches
    top = 0.55 + (0.4 if title else 0.0)
    width, height = 0.3 + len(checked) * (side + 0.45) + legend_w, top + side + 0.45
    fig = _figure(width, height)
    fig.subplots_adjust(left=0.45 / width, right=1 - legend_w / width, bottom=0.35 / height, top=1 - top / height,
                        wspace=0.45 / side)
    axes = fig.subplots(1, len(checked), squeeze=False)[0]  # (panels,)
    for ax, (text, points) in zip(axes, checked):
        ax.scatter(points[order, 0], points[order, 1], s=SCATTER_SIZE, c=point_colours[order], alpha=SCATTER_ALPHA,
                   linewidths=0, rasterized=True)
        xlim, ylim = _view(points)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(text, fontsize=10)
        ax.tick_params(labelsize=7, length=2)
    handles = [Line2D([], [], ls="", marker="o", ms=6, color=colours[i]) for i in range(n_classes)]
    fig.legend(handles, [str(c) for c in class_names], loc="center right", fontsize=9, frameon=False,
               borderaxespad=0.3)
    if title:
        fig.suptitle(title, fontsize=12, y=1 - 0.08 / height, va="top")
    return _save(fig, path, overwrite)


def _read_metrics(metrics_csv: Path) -> dict[tuple[str, str], dict[int, float]]:
    """metrics.csv (step, split, name, value) as {(split, name): {step: value}}; a resumed run's
    repeated steps keep their last value."""
    if not metrics_csv.is_file():
        raise MvaeError(f"{metrics_csv}: no metrics file there (a training run writes metrics.csv)")
    series: dict[tuple[str, str], dict[int, float]] = {}
    with open(metrics_csv, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"step", "split", "name", "value"} <= set(reader.fieldnames):
            raise MvaeError(f"{metrics_csv}: not a metrics file (expected columns step,split,name,value)")
        for row in reader:
            try:
                step, value = int(row["step"]), float(row["value"])
            except (TypeError, ValueError):
                raise MvaeError(f"{metrics_csv}, line {reader.line_num}: unreadable step or value") from None
            series.setdefault((row["split"], row["name"]), {})[step] = value
    return series


def save_loss_curves(metrics_csv: str | Path, path: str | Path, *, overwrite: bool = False) -> Path:
    """Plot a run's train and eval loss against step, beside its KL (or PSNR) when logged; return the path.

    `metrics_csv` is the trainer's metrics.csv (columns step, split, name, value; split "train" or
    "eval"). The loss axis is logarithmic when the loss is positive and spans more than 20x.
    """
    path = _png_path(path, overwrite)
    metrics_csv = Path(metrics_csv)
    series = _read_metrics(metrics_csv)
    splits = ("train", "eval")
    if not any(series.get((s, "loss")) for s in splits):
        raise MvaeError(f"{metrics_csv}: no train or eval loss rows to plot")
    second = next((name for name in ("kl", "psnr") if any((s, name) in series for s in splits)), None)
    npanels = 1 if second is None else 2
    width, height = 0.4 + 5.0 * npanels, 4.0
    fig = _figure(width, height)
    fig.subplots_adjust(left=0.8 / width, right=1 - 0.25 / width, bottom=0.6 / height, top=1 - 0.7 / height,
                        wspace=0.9 / 4.5)
    axes = fig.subplots(1, npanels, squeeze=False)[0]  # (panels,)
    styles = {"train": {"color": "#3a6fb0", "lw": 1.0, "alpha": 0.85},  # every logged step: thin
              "eval": {"color": "#d0582a", "lw": 1.6, "marker": "o", "ms": 3}}  # sparse: marked points
    ylabels = {"loss": "loss", "kl": "KL (nats)", "psnr": "PSNR (dB)"}
    for ax, name in zip(axes, ["loss"] + ([second] if second else [])):
        values = []
        for split in splits:
            points = series.get((split, name))
            if not points:
                continue
            steps = sorted(points)
            ys = [points[s] for s in steps]
            values += ys
            ax.plot(steps, ys, label=split, **styles[split])
        if name == "loss" and min(values) > 0 and max(values) / min(values) > 20:
            ax.set_yscale("log")
        ax.set_xlabel("step", fontsize=9)
        ax.set_ylabel(ylabels[name], fontsize=9)
        ax.set_title({"loss": "loss", "kl": "KL divergence", "psnr": "PSNR"}[name], fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3, lw=0.5)
        ax.legend(fontsize=8, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(f"training curves: {metrics_csv.parent.name or metrics_csv.name}", fontsize=11, y=1 - 0.06 / height,
                 va="top")
    return _save(fig, path, overwrite)


__all__ = ["save_image_grid", "save_image_rows", "save_latent_scatter", "save_loss_curves", "save_manifold"]
