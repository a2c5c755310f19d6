"""The root of every error a user can cause: the CLI catches `MvaeError` once and prints one line."""

from __future__ import annotations

from pathlib import Path


class MvaeError(Exception):
    """Bad input or a request that cannot be met; `str(error)` is a complete one-line message."""


class OverwriteError(MvaeError):
    """A file to write is already there and the caller did not allow overwriting it. The message names
    the keyword the Python function takes (`overwrite=True`); the command line says --force instead."""

    def __init__(self, path: str | Path, *, detail: str = "", hint: str = "", keyword: str = "overwrite=True"):
        self.path, self.detail, self.hint = Path(path), detail, hint
        super().__init__(f"{self.path} already exists{detail}; pass {keyword} to replace it "
                         f"(--force on the command line){hint}")
