"""Writing files safely: atomically (temp file, fsync, rename) and never over a user's file unasked."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from musicvae_lite.errors import OverwriteError


def atomic_write(path: str | Path, write: Callable[[BinaryIO], object], *, overwrite: bool = True) -> Path:
    """Call `write(f)` on a temp file beside `path`, then rename it over `path`.

    A crash leaves either the old file or the new one, never half of one. With `overwrite=False` an
    existing file is an `OverwriteError`.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise OverwriteError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
