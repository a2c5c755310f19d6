"""Folders of MNIST-format data: finding them, loading their official train/test split, fetching them.

A folder holds the four IDX files under their official names (raw or gzipped): train-images,
train-labels, t10k-images, t10k-labels. `fetch` downloads them and checks each against its
published MD5.

Sources: MNIST, Y. LeCun, C. Cortes, C. J. C. Burges, http://yann.lecun.com/exdb/mnist/ (the files
are fetched from https://ossci-datasets.s3.amazonaws.com/mnist/, the mirror torchvision uses, since
LeCun's site often refuses downloads; same files, same MD5s as torchvision's `MNIST.resources`).
Fashion-MNIST, H. Xiao, K. Rasul, R. Vollgraf (2017), arXiv:1708.07747: files from
http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/ with the MD5s in the README of
https://github.com/zalandoresearch/fashion-mnist, whose class names are used here too. Debian's
`dataset-fashion-mnist` package installs the files into /usr/share/datasets/fashion-mnist.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write
from musicvae_lite.image.idx import IdxError, read_idx

DATA_ENV = "MVAE_DATA"  # environment variable naming the data folder when --data is not given
# where to look, in order, when neither --data nor $MVAE_DATA is given ("~" is the user's home)
KNOWN_PLACES: tuple[str, ...] = (
    "data/fashion-mnist",  # relative to the working directory
    "data/mnist",
    "~/.cache/musicvae_lite/fashion-mnist",
    "~/.cache/musicvae_lite/mnist",
    "/usr/share/datasets/fashion-mnist",  # Debian: apt-get install dataset-fashion-mnist
    "/usr/share/datasets/mnist",
)
# the four files of a folder: role -> (official name, dotted variant some mirrors use), each raw or .gz
FILE_NAMES: dict[str, tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train_labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test_images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test_labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]  # Fashion-MNIST's labels 0-9
DIGIT_CLASSES = [str(d) for d in range(10)]  # MNIST's labels 0-9
# what `fetch` knows: name -> (base URL, {file: MD5 of the .gz file as published})
SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }),
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }),
}
TIMEOUT_S = 30.0  # seconds a download may stall before it is given up
_CHUNK = 1 << 16  # bytes read per step of a download (the progress bar moves this often)


@dataclass
class ImageData:
    """One MNIST-format data set in memory, split as published (train files / t10k files)."""

    train_images: np.ndarray  # (N, H, W) uint8, 0 = background
    train_labels: np.ndarray  # (N,) uint8 class indices
    test_images: np.ndarray  # (M, H, W) uint8
    test_labels: np.ndarray  # (M,) uint8
    source: str  # the folder it was read from, for messages
    name: str  # "fashion-mnist" or "mnist" when recognised, else the folder's name

    @property
    def image_shape(self) -> tuple[int, int]:
        """(H, W) of every image: (28, 28) for MNIST and Fashion-MNIST."""
        H, W = self.train_images.shape[1:]  # height, width
        return int(H), int(W)

    @property
    def class_names(self) -> list[str]:
        """A name per label: Fashion-MNIST's ten, MNIST's digits, else "0", "1", ... up to the top label."""
        if self.name == "fashion-mnist":
            return list(FASHION_CLASSES)
        if self.name == "mnist":
            return list(DIGIT_CLASSES)
        top = max((int(y.max()) for y in (self.train_labels, self.test_labels) if y.size), default=-1)
        return [str(i) for i in range(top + 1)]

    def summary(self) -> list[str]:
        """Lines for `mvae data info`: where, what, how many, how big, mean pixel."""
        H, W = self.image_shape
        names = self.class_names
        mean = float(self.train_images.mean(dtype=np.float64)) if self.train_images.size else float("nan")
        return [f"folder: {self.source}",
                f"name: {self.name}",
                f"train: {len(self.train_images)} images, test: {len(self.test_images)} images",
                f"image shape: {H} x {W}",
                f"classes: {len(names)} ({', '.join(names)})",
                f"pixel mean (train, 0-255): {mean:.2f}"]


# ---------------------------------------------------------------------------------------- finding


def _expected_names() -> str:
    return ", ".join(official for official, _ in FILE_NAMES.values()) + " (each raw or .gz)"


def locate_files(folder: str | Path) -> tuple[dict[str, Path], list[str]]:
    """The IDX files in `folder` by role (train_images, ...), and the official names of those missing."""
    folder = Path(folder)
    found: dict[str, Path] = {}
    missing: list[str] = []
    for role, names in FILE_NAMES.items():
        for name in names:
            hits = [folder / (name + suffix) for suffix in ("", ".gz") if (folder / (name + suffix)).is_file()]
            if hits:
                found[role] = hits[0]
                break
        else:
            missing.append(names[0])
    return found, missing


def _check_given(folder: Path, how: str) -> Path:
    """`folder`, named by `how` (--data or $MVAE_DATA), if it holds the four files; else a clear error."""
    if not folder.exists():
        raise MvaeError(f"{how} {folder}: no such folder")
    if not folder.is_dir():
        raise MvaeError(f"{how} {folder}: not a folder (give the folder that holds {_expected_names()})")
    _, missing = locate_files(folder)
    if missing:
        raise MvaeError(f"{how} {folder}: missing {', '.join(missing)}; "
                        f"an MNIST-format folder holds {_expected_names()}")
    return folder


def find_data_dir(data: str | Path | None = None, *, given_as: str = "--data") -> Path:
    """The folder to read: `data` (--data) if given, else $MVAE_DATA, else the first of `KNOWN_PLACES` with
    data. `given_as` names the argument `data` came from in errors (a command's DATA argument, say)."""
    if data is not None and str(data) != "":
        return _check_given(Path(data).expanduser(), given_as)
    env = os.environ.get(DATA_ENV, "")
    if env:
        return _check_given(Path(env).expanduser(), f"${DATA_ENV}")
    for place in KNOWN_PLACES:
        folder = Path(place).expanduser()
        if folder.is_dir() and not locate_files(folder)[1]:
            return folder
    raise MvaeError(f"no MNIST-format data found: no --data, no ${DATA_ENV}, and none in "
                    f"{', '.join(KNOWN_PLACES)}; get some with `mvae data fetch fashion-mnist DIR`, "
                    f"or `apt-get install dataset-fashion-mnist`")


# ---------------------------------------------------------------------------------------- loading


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recognise(folder: Path, train_labels: Path) -> str:
    """"fashion-mnist", "mnist", or the folder's name: by the folder's name, else by the labels file's MD5.

    torchvision's layout (FashionMNIST/raw) is named by the folder above `raw`.
    """
    named = folder.resolve()
    if named.name.lower() == "raw":
        named = named.parent
    key = named.name.lower()
    if "fashion" in key:
        return "fashion-mnist"
    if key == "mnist":
        return "mnist"
    if train_labels.name.endswith(".gz"):
        digest = _md5(train_labels)
        for name, (_, files) in SOURCES.items():
            if files.get(train_labels.name) == digest:
                return name
    return named.name or str(named)


def _check_pair(images: np.ndarray, labels: np.ndarray, image_file: Path, label_file: Path) -> None:
    if images.ndim != 3 or images.dtype != np.uint8:
        raise IdxError(image_file, f"expected 3-D uint8 images, found shape {images.shape} of {images.dtype}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise IdxError(label_file, f"expected 1-D uint8 labels, found shape {labels.shape} of {labels.dtype}")
    if len(images) != len(labels):
        raise IdxError(label_file, f"{len(labels)} labels for the {len(images)} images in {image_file.name}")


def load_image_data(data: str | Path | None = None, *, name: str | None = None, given_as: str = "--data") -> ImageData:
    """Read the folder `find_data_dir(data)` finds; `name` overrides the recognised data set name.

    Checks that images are (N, H, W) uint8, labels (N,) uint8 with one per image, and that both
    splits share H and W; a file that breaks this gives an `IdxError` naming it. Nothing is cached.
    """
    folder = find_data_dir(data, given_as=given_as)
    files, _ = locate_files(folder)
    arrays = {role: read_idx(path) for role, path in files.items()}
    for split in ("train", "test"):
        _check_pair(arrays[f"{split}_images"], arrays[f"{split}_labels"],
                    files[f"{split}_images"], files[f"{split}_labels"])
    train_hw, test_hw = arrays["train_images"].shape[1:], arrays["test_images"].shape[1:]
    if train_hw != test_hw:
        raise IdxError(files["test_images"], f"images are {test_hw[0]} x {test_hw[1]} but the training "
                                             f"images are {train_hw[0]} x {train_hw[1]}")
    return ImageData(**arrays, source=str(folder), name=name or recognise(folder, files["train_labels"]))


# --------------------------------------------------------------------------------------- fetching


def _open_url(url: str, timeout: float) -> BinaryIO:
    """Open `url` for reading; tests replace this function to serve bytes offline."""
    return urllib.request.urlopen(url, timeout=timeout)


def _download(url: str, progress: bool) -> bytes:
    """The body at `url`, with a progress bar; network failures come out as OSError/HTTPException."""
    from tqdm import tqdm

    with _open_url(url, TIMEOUT_S) as response:
        headers = getattr(response, "headers", None)
        size = headers.get("Content-Length") if headers is not None else None
        chunks = []
        with tqdm(total=int(size) if size else None, unit="B", unit_scale=True, dynamic_ncols=True,
                  desc=url.rsplit("/", 1)[-1], disable=not progress) as bar:
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                chunks.append(chunk)
                bar.update(len(chunk))
    return b"".join(chunks)


def _reason(error: Exception) -> str:
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def fetch(name: str, folder: str | Path, *, progress: bool = True, force: bool = False,
          say: Callable[[str], object] | None = None) -> list[Path]:
    """Download data set `name` ("mnist" or "fashion-mnist") into `folder`; return the files written.

    Each file is checked against its official MD5 before it is written (atomically). A file already
    there with the right MD5 is kept and reported through `say`; one with another MD5 is an error
    unless `force`. Network failures give a one-line `MvaeError` saying how to get the data by hand.
    """
    if name not in SOURCES:
        raise MvaeError(f"unknown data set {name!r}; choose one of: {', '.join(SOURCES)}")
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise MvaeError(f"{folder}: not a folder")
    base, files = SOURCES[name]
    hint = "; on Debian `apt-get install dataset-fashion-mnist`" if name == "fashion-mnist" else ""
    written = []
    for file, md5 in files.items():
        target = folder / file
        if target.exists():
            have = _md5(target)
            if have == md5:
                if say is not None:
                    say(f"{target}: already there with the official MD5, kept")
                continue
            if not force:
                raise MvaeError(f"{target} exists but its MD5 {have} is not the official {md5}; "
                                f"use --force (force=True) to replace it")
        url = base + file
        try:
            blob = _download(url, progress)
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise MvaeError(f"cannot download {url}: {_reason(e)}; you are offline? copy the files into "
                            f"{folder} by hand{hint}") from None
        got = hashlib.md5(blob, usedforsecurity=False).hexdigest()
        if got != md5:
            raise MvaeError(f"{url}: downloaded {len(blob)} bytes with MD5 {got}, not the official {md5}; "
                            f"the download is damaged or the mirror changed, nothing was written")
        written.append(atomic_write(target, lambda f, blob=blob: f.write(blob)))
    return written
