"""The IDX file format in which MNIST and Fashion-MNIST are distributed, raw or gzipped.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian 32-bit size per dimension, then the values in C order, big-endian.

References: Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten digits",
http://yann.lecun.com/exdb/mnist/ (section "File formats for the MNIST database"); H. Xiao, K. Rasul,
R. Vollgraf, "Fashion-MNIST" (2017), https://github.com/zalandoresearch/fashion-mnist, which keeps
the same format and file names.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write

GZIP_MAGIC = b"\x1f\x8b"  # first two bytes of every gzip stream; how a compressed file is recognised
MAX_NDIM = 4  # deepest IDX array we accept; MNIST-format labels are 1-D and images 3-D
# type code -> big-endian dtype of the values (the codes of LeCun's format description)
TYPE_CODES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),  # unsigned byte: every MNIST-format file
    0x09: np.dtype(">i1"),  # signed byte
    0x0B: np.dtype(">i2"),  # short
    0x0C: np.dtype(">i4"),  # int
    0x0D: np.dtype(">f4"),  # float
    0x0E: np.dtype(">f8"),  # double
}


class IdxError(MvaeError):
    """A missing or malformed IDX file; the message names the file and what is wrong with it."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzipped or not (told by its first bytes, not its name).

    Returns an array of the file's dims, e.g. (60000, 28, 28) uint8 for MNIST's training images, in
    native byte order and writable. Raises `IdxError` for anything that is not exactly one IDX array.
    """
    path = Path(path)
    if path.is_dir():
        raise IdxError(path, "is a folder, not an IDX file")
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise IdxError(path, "no such file") from None
    except OSError as e:
        raise IdxError(path, f"cannot read: {e.strerror or e}") from None
    if blob[:2] == GZIP_MAGIC:
        try:
            blob = gzip.decompress(blob)
        except (OSError, EOFError, zlib.error) as e:
            raise IdxError(path, f"corrupt gzip data ({e})") from None

    if len(blob) < 4:
        raise IdxError(path, f"not an IDX file: {len(blob)} bytes is too short for the 4-byte magic number")
    zero, code, ndim = blob[:2], blob[2], blob[3]
    if zero != b"\x00\x00":
        raise IdxError(path, f"not an IDX file: bad magic number (starts with {zero.hex()}, expected 0000)")
    if code not in TYPE_CODES:
        known = ", ".join(f"0x{c:02X}" for c in TYPE_CODES)
        raise IdxError(path, f"unknown IDX type code 0x{code:02X} (known: {known})")
    if not 1 <= ndim <= MAX_NDIM:
        raise IdxError(path, f"unsupported number of dimensions {ndim} (expected 1 to {MAX_NDIM})")
    header = 4 + 4 * ndim
    if len(blob) < header:
        raise IdxError(path, f"truncated: header needs {header} bytes, found {len(blob)}")
    dims = struct.unpack(f">{ndim}I", blob[4:header])
    dtype = TYPE_CODES[code]
    expected = math.prod(dims) * dtype.itemsize
    found = len(blob) - header
    if found < expected:
        raise IdxError(path, f"truncated: expected {expected} bytes of data, found {found}")
    if found > expected:
        raise IdxError(path, f"{found - expected} unexpected bytes after the {expected} bytes of data")
    values = np.frombuffer(blob, dtype=dtype, count=math.prod(dims), offset=header)
    return values.astype(dtype.newbyteorder("=")).reshape(dims)  # astype copies: writable, native order


def write_idx(path: str | Path, array: np.ndarray, *, overwrite: bool = False) -> Path:
    """Write `array` as an IDX file, gzipped when the name ends in `.gz`; atomically.

    The dtype must be one IDX has a type code for (uint8, int8, int16, int32, float32, float64).
    Used to make test data; `read_idx` reads back an equal array.
    """
    path = Path(path)
    array = np.ascontiguousarray(array)
    codes = {(dt.kind, dt.itemsize): code for code, dt in TYPE_CODES.items()}
    code = codes.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise IdxError(path, f"cannot store dtype {array.dtype} in IDX (supported: "
                             f"{', '.join(str(dt.newbyteorder('=')) for dt in TYPE_CODES.values())})")
    if not 1 <= array.ndim <= MAX_NDIM:
        raise IdxError(path, f"cannot store a {array.ndim}-D array (IDX arrays here are 1-D to {MAX_NDIM}-D)")
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    blob = header + array.astype(TYPE_CODES[code]).tobytes()
    if path.name.endswith(".gz"):
        blob = gzip.compress(blob, mtime=0)  # mtime=0: the same array gives the same bytes
    return atomic_write(path, lambda f: f.write(blob), overwrite=overwrite)
