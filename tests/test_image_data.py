"""The image data layer: IDX round trips, malformed files, finding and loading folders, fetching offline, CLI."""

from __future__ import annotations

import gzip
import hashlib
import io
import struct
import urllib.error
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.errors import MvaeError
from musicvae_lite.image import datasets
from musicvae_lite.image.datasets import (
    ImageData,
    fetch,
    find_data_dir,
    load_image_data,
    locate_files,
)
from musicvae_lite.image.idx import IdxError, read_idx, write_idx

runner = CliRunner()
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def make_folder(folder: Path, *, n_train=6, n_test=4, hw=(5, 3), gz=True, seed=0) -> Path:
    """A tiny MNIST-format folder: random uint8 images, labels 0..9."""
    rng = np.random.default_rng(seed)
    suffix = ".gz" if gz else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, *hw), dtype=np.uint8))
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def idx_bytes(code: int, dims: tuple[int, ...], data: bytes) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims) + data


# -------------------------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip_is_exact(tmp_path, name, dtype):
    array = (np.arange(2 * 3 * 4) - 7).reshape(2, 3, 4).astype(dtype)
    path = write_idx(tmp_path / name, array)
    back = read_idx(path)
    assert back.shape == (2, 3, 4) and back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable


def test_gzip_is_told_by_magic_bytes_not_the_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    gz = write_idx(tmp_path / "labels.gz", array)
    disguised = tmp_path / "labels-idx1-ubyte"
    disguised.write_bytes(gz.read_bytes())
    plain_named_gz = tmp_path / "plain.gz"
    plain_named_gz.write_bytes(idx_bytes(0x08, (10,), array.tobytes()))
    np.testing.assert_array_equal(read_idx(disguised), array)
    np.testing.assert_array_equal(read_idx(plain_named_gz), array)


def test_write_refuses_to_overwrite_unasked(tmp_path):
    path = write_idx(tmp_path / "x", np.zeros(3, np.uint8))
    with pytest.raises(MvaeError, match="--force"):
        write_idx(path, np.ones(3, np.uint8))
    write_idx(path, np.ones(3, np.uint8), overwrite=True)
    assert read_idx(path).tolist() == [1, 1, 1]


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(IdxError, match="cannot store dtype"):
        write_idx(tmp_path / "x", np.zeros(3, np.uint16))


GOOD = idx_bytes(0x08, (2, 3), bytes(range(6)))
MALFORMED = {  # case -> (file bytes, fragment of the message)
    "bad-magic": (b"\x01\x02" + GOOD[2:], "bad magic number"),
    "type-code": (GOOD[:2] + b"\x0a" + GOOD[3:], "unknown IDX type code 0x0A"),
    "zero-dims": (b"\x00\x00\x08\x00", "unsupported number of dimensions 0"),
    "too-short": (b"\x00\x00", "too short"),
    "short-header": (GOOD[:6], "truncated: header needs 12 bytes, found 6"),
    "truncated": (GOOD[:-2], "truncated: expected 6 bytes of data, found 4"),
    "trailing": (GOOD + b"\x00\x00\x00", "3 unexpected bytes after the 6 bytes of data"),
    "corrupt-gzip": (gzip.compress(GOOD)[:-10], "corrupt gzip data"),
    "garbled-gzip": (b"\x1f\x8b" + b"\xff" * 40, "corrupt gzip data"),
    "truncated-in-gzip": (gzip.compress(GOOD[:-1]), "truncated: expected 6 bytes of data, found 5"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_idx_gives_one_readable_line(tmp_path, case):
    blob, fragment = MALFORMED[case]
    path = tmp_path / f"{case}-idx2-ubyte"
    path.write_bytes(blob)
    with pytest.raises(IdxError) as e:
        read_idx(path)
    message = str(e.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(IdxError, match="no such file"):
        read_idx(tmp_path / "nope")
    with pytest.raises(IdxError, match="is a folder"):
        read_idx(tmp_path)


# --------------------------------------------------------------------------------------- folders


@pytest.mark.parametrize("gz", [True, False])
def test_load_tiny_folder(tmp_path, gz):
    folder = make_folder(tmp_path / "tiny", gz=gz)
    data = load_image_data(folder)
    assert isinstance(data, ImageData)
    assert data.train_images.shape == (6, 5, 3) and data.train_images.dtype == np.uint8
    assert data.train_labels.shape == (6,) and data.test_images.shape == (4, 5, 3)
    assert data.test_labels.shape == (4,) and data.test_labels.dtype == np.uint8
    assert data.image_shape == (5, 3)
    assert data.source == str(folder) and data.name == "tiny"
    top = max(data.train_labels.max(), data.test_labels.max())
    assert data.class_names == [str(i) for i in range(top + 1)]
    suffix = ".gz" if gz else ""
    np.testing.assert_array_equal(data.test_labels, read_idx(folder / f"t10k-labels-idx1-ubyte{suffix}"))


def test_dotted_names_are_accepted(tmp_path):
    folder = make_folder(tmp_path / "a", gz=False)
    dotted = tmp_path / "b"
    dotted.mkdir()
    for f in folder.iterdir():
        (dotted / f.name.replace("-idx", ".idx")).write_bytes(f.read_bytes())
    found, missing = locate_files(dotted)
    assert not missing and found["train_images"].name == "train-images.idx3-ubyte"
    assert load_image_data(dotted).train_images.shape == (6, 5, 3)


@pytest.mark.parametrize("folder_name, name, first", [
    ("fashion-mnist", "fashion-mnist", "T-shirt/top"),
    ("FashionMNIST", "fashion-mnist", "T-shirt/top"),
    ("mnist", "mnist", "0"),
])
def test_recognised_names_and_class_names(tmp_path, folder_name, name, first):
    data = load_image_data(make_folder(tmp_path / folder_name))
    assert data.name == name and len(data.class_names) == 10 and data.class_names[0] == first
    assert load_image_data(make_folder(tmp_path / "x" / folder_name / "raw")).name == name  # torchvision layout


def test_fashion_class_names_in_order(tmp_path):
    data = load_image_data(make_folder(tmp_path / "plain"), name="fashion-mnist")
    assert data.class_names == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def test_count_mismatch_names_the_label_file(tmp_path):
    folder = make_folder(tmp_path / "d")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8), overwrite=True)
    with pytest.raises(IdxError, match="5 labels for the 6 images in train-images-idx3-ubyte.gz") as e:
        load_image_data(folder)
    assert "train-labels-idx1-ubyte.gz" in str(e.value)


def test_shape_checks(tmp_path):
    folder = make_folder(tmp_path / "d")
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((4, 6, 3), np.uint8), overwrite=True)
    with pytest.raises(IdxError, match="images are 6 x 3 but the training images are 5 x 3"):
        load_image_data(folder)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((4, 15), np.uint8), overwrite=True)
    with pytest.raises(IdxError, match="expected 3-D uint8 images"):
        load_image_data(folder)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", np.zeros((4, 5, 3), np.uint8), overwrite=True)
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros((6, 1), np.uint8), overwrite=True)
    with pytest.raises(IdxError, match="expected 1-D uint8 labels"):
        load_image_data(folder)


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No $MVAE_DATA and no well-known place holds data (the machine's own data stays out of it)."""
    monkeypatch.delenv(datasets.DATA_ENV, raising=False)
    places = (str(tmp_path / "known1"), str(tmp_path / "known2"))
    monkeypatch.setattr(datasets, "KNOWN_PLACES", places)
    return [Path(p) for p in places]


def test_find_data_dir_prefers_data_then_env_then_known_places(tmp_path, monkeypatch, nowhere):
    with pytest.raises(MvaeError, match="no MNIST-format data found") as e:
        find_data_dir(None)
    assert str(nowhere[0]) in str(e.value) and "mvae data fetch fashion-mnist DIR" in str(e.value)
    assert "apt-get install dataset-fashion-mnist" in str(e.value)

    nowhere[0].mkdir()  # an empty folder does not count
    make_folder(nowhere[1])
    assert find_data_dir(None) == nowhere[1]
    make_folder(nowhere[0])
    assert find_data_dir(None) == nowhere[0]

    env = make_folder(tmp_path / "env")
    monkeypatch.setenv(datasets.DATA_ENV, str(env))
    assert find_data_dir(None) == env

    given = make_folder(tmp_path / "given")
    assert find_data_dir(given) == given
    assert find_data_dir(str(given)) == given


def test_find_data_dir_explains_a_bad_folder(tmp_path, monkeypatch, nowhere):
    with pytest.raises(MvaeError, match="--data .*: no such folder"):
        find_data_dir(tmp_path / "absent")
    half = tmp_path / "half"
    write_idx(half / "train-images-idx3-ubyte", np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(MvaeError) as e:
        find_data_dir(half)
    message = str(e.value)
    assert "missing train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte" in message
    assert "\n" not in message
    monkeypatch.setenv(datasets.DATA_ENV, str(half))
    with pytest.raises(MvaeError, match=r"\$MVAE_DATA .*half: missing"):
        find_data_dir(None)


# -------------------------------------------------------------------------------------- fetching


class FakeResponse(io.BytesIO):
    def __init__(self, blob: bytes):
        super().__init__(blob)
        self.headers = {"Content-Length": str(len(blob))}


@pytest.fixture
def served(monkeypatch):
    """A fake 'fashion-mnist' source of four tiny gz IDX files; the MD5 table made to match them."""
    rng = np.random.default_rng(1)
    blobs = {}
    for split, n in (("train", 7), ("t10k", 3)):
        for kind, array in (("images", rng.integers(0, 256, (n, 4, 4), dtype=np.uint8)),
                            ("labels", rng.integers(0, 10, n, dtype=np.uint8))):
            raw = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
            blobs[f"{split}-{kind}-idx{array.ndim}-ubyte.gz"] = gzip.compress(raw, mtime=0)
    base = "http://example.invalid/fashion/"
    table = {name: hashlib.md5(blob).hexdigest() for name, blob in blobs.items()}
    monkeypatch.setitem(datasets.SOURCES, "fashion-mnist", (base, table))
    requests = []

    def open_url(url, timeout):
        requests.append(url)
        assert timeout > 0
        return FakeResponse(blobs[url.removeprefix(base)])

    monkeypatch.setattr(datasets, "_open_url", open_url)
    return blobs, requests


def test_fetch_writes_checked_files_then_keeps_them(tmp_path, served):
    blobs, requests = served
    folder = tmp_path / "dl"
    written = fetch("fashion-mnist", folder, progress=False)
    assert sorted(p.name for p in written) == sorted(blobs) and len(requests) == 4
    for path in written:
        assert path.read_bytes() == blobs[path.name]
    data = load_image_data(folder)
    assert data.name == "fashion-mnist" and data.train_images.shape == (7, 4, 4) and len(data.test_labels) == 3

    said = []
    assert fetch("fashion-mnist", folder, progress=False, say=said.append) == []
    assert len(requests) == 4 and len(said) == 4 and all("already there" in s for s in said)


def test_fetch_md5_mismatch_writes_nothing(tmp_path, served, monkeypatch):
    base, table = datasets.SOURCES["fashion-mnist"]
    bad = dict(table, **{"train-images-idx3-ubyte.gz": "0" * 32})
    monkeypatch.setitem(datasets.SOURCES, "fashion-mnist", (base, bad))
    with pytest.raises(MvaeError, match="not the official 0{32}; the download is damaged"):
        fetch("fashion-mnist", tmp_path / "dl", progress=False)
    assert not (tmp_path / "dl" / "train-images-idx3-ubyte.gz").exists()


def test_fetch_never_overwrites_a_different_file_unless_forced(tmp_path, served):
    blobs, _ = served
    folder = tmp_path / "dl"
    folder.mkdir()
    mine = folder / "t10k-labels-idx1-ubyte.gz"
    mine.write_bytes(b"my own file")
    with pytest.raises(MvaeError, match="exists but its MD5 .* use --force"):
        fetch("fashion-mnist", folder, progress=False)
    assert mine.read_bytes() == b"my own file"
    fetch("fashion-mnist", folder, progress=False, force=True)
    assert mine.read_bytes() == blobs[mine.name]


def test_fetch_unknown_name(tmp_path):
    with pytest.raises(MvaeError, match="unknown data set 'cifar'; choose one of: fashion-mnist, mnist"):
        fetch("cifar", tmp_path)


def offline(url, timeout):
    raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))


def test_fetch_offline_gives_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_open_url", offline)
    with pytest.raises(MvaeError) as e:
        fetch("mnist", tmp_path / "dl", progress=False)
    message = str(e.value)
    assert message.startswith("cannot download https://ossci-datasets.s3.amazonaws.com/mnist/")
    assert "name resolution" in message and "offline?" in message and "\n" not in message
    assert not (tmp_path / "dl").exists() or not any((tmp_path / "dl").iterdir())


def test_official_checksums_are_as_published():
    """The MD5s of the Fashion-MNIST README and of torchvision's MNIST resources."""
    assert datasets.SOURCES["fashion-mnist"][1]["train-images-idx3-ubyte.gz"] == "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
    assert datasets.SOURCES["mnist"][1]["t10k-labels-idx1-ubyte.gz"] == "ec29112dd5afa0611ce80d1b7f02629c"
    for _, files in datasets.SOURCES.values():
        assert len(files) == 4 and all(len(md5) == 32 for md5 in files.values())


# ------------------------------------------------------------------------------------------- CLI


def test_cli_fetch_offline_exits_2_with_one_error_line(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "_open_url", offline)
    result = runner.invoke(app, ["data", "fetch", "fashion-mnist", str(tmp_path / "dl"), "-q"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot download ")
    assert "apt-get install dataset-fashion-mnist" in lines[0] and "Traceback" not in result.output


def test_cli_fetch_prints_each_path_written(tmp_path, served):
    folder = tmp_path / "dl"
    result = runner.invoke(app, ["data", "fetch", "fashion-mnist", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    assert result.output.count("wrote ") == 4 and str(folder / "train-images-idx3-ubyte.gz") in result.output


def test_cli_info_prints_sizes(tmp_path):
    folder = make_folder(tmp_path / "tiny")
    result = runner.invoke(app, ["data", "info", str(folder)])
    assert result.exit_code == 0, result.output
    assert str(folder) in result.output
    assert "train: 6 images, test: 4 images" in result.output and "image shape: 5 x 3" in result.output
    assert "pixel mean" in result.output


def test_cli_info_without_data_exits_2(nowhere):
    result = runner.invoke(app, ["data", "info"])
    assert result.exit_code == 2 and result.output.startswith("error: no MNIST-format data found")


@pytest.mark.skipif(not DEBIAN_FASHION.is_dir(), reason="needs Debian's dataset-fashion-mnist package")
def test_debian_fashion_mnist():
    data = load_image_data(DEBIAN_FASHION)
    assert data.train_images.shape == (60000, 28, 28) and data.test_images.shape == (10000, 28, 28)
    assert data.train_labels.shape == (60000,) and data.test_labels.shape == (10000,)
    assert data.name == "fashion-mnist" and len(data.class_names) == 10
    assert set(np.unique(data.train_labels)) == set(range(10))
