"""Where the server keeps what it generates: one private temporary folder, one sub-folder per request
named by a random token, removed when the server stops (and the oldest results dropped once there are
more than `keep`, or once together they hold more than `max_bytes`: a 16-bar interpolation of 16 steps
writes a 22 MB WAV). A download names a token and a file; both are looked up, never joined blindly into
a path, so no request reaches a file the server did not write for it."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

KEEP = 200  # results kept for download before the oldest are deleted
MAX_BYTES = 1 << 30  # bytes of results kept (1 GiB) before the oldest are deleted


@dataclass
class Result:
    """One request's folder and the files in it that may be downloaded (by name)."""

    id: str
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    bytes: int = 0  # the size of its files

    @property
    def inputs(self) -> Path:
        """Where the request's uploads are written (under fixed names, never the uploader's)."""
        return self.folder / "inputs"


class ResultStore:
    """Results of this server process, in a temporary folder that `close` deletes."""

    def __init__(self, root: str | Path | None = None, keep: int = KEEP, max_bytes: int = MAX_BYTES):
        self.root = Path(tempfile.mkdtemp(prefix="mvae-serve-", dir=root))
        self.keep = keep
        self.max_bytes = max_bytes
        self._results: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> Result:
        result = Result(secrets.token_hex(12), Path())
        result.folder = self.root / result.id
        result.inputs.mkdir(parents=True)
        with self._lock:
            self._results[result.id] = result
        self._trim()
        return result

    def _trim(self, spare: str | None = None) -> None:
        """Drop the oldest results while there are more than `keep`, then the oldest published ones (never
        one still being written, nor `spare`, just published) while together they hold more than `max_bytes`."""
        with self._lock:
            old = [self._results.popitem(last=False)[1] for _ in range(max(0, len(self._results) - self.keep))]
            total = sum(r.bytes for r in self._results.values())
            for result in [r for r in self._results.values() if r.files and r.id != spare]:
                if total <= self.max_bytes:
                    break
                old.append(self._results.pop(result.id))
                total -= result.bytes
        for gone in old:
            shutil.rmtree(gone.folder, ignore_errors=True)

    def publish(self, result: Result, paths: list[Path]) -> None:
        """Make the files a verb wrote downloadable by their names."""
        result.files.update({p.name: p for p in paths if p.is_file() and p.parent == result.folder})
        result.bytes = sum(p.stat().st_size for p in result.files.values())
        self._trim(spare=result.id)

    def discard(self, result: Result) -> None:
        """Drop a request that failed: nothing of it is kept."""
        with self._lock:
            self._results.pop(result.id, None)
        shutil.rmtree(result.folder, ignore_errors=True)

    def file(self, result_id: str, name: str) -> Path | None:
        with self._lock:
            result = self._results.get(result_id)
        return None if result is None else result.files.get(name)

    def __len__(self) -> int:
        return len(self._results)

    def close(self) -> None:
        with self._lock:
            self._results.clear()
        shutil.rmtree(self.root, ignore_errors=True)
