"""Checkpoints: one self-describing file per save, written atomically, loaded without running code.

A checkpoint carries everything a generic trainer needs to rebuild and resume a model: the model's
config (enough to construct it again, as nanoGPT's `train.py` saves `model_args` beside the weights),
its state_dict, the step, and optionally optimizer/scheduler state, RNG states and metrics.

On-disk format (version 1), one file:

    offset  size  field
    0       14    magic  b"\\x89MVAE-CKPT\\r\\n\\x1a\\n"  (PNG-style: catches text-mode mangling)
    14      4     format version, uint32 little-endian (1)
    18      8     payload length in bytes, uint64 little-endian
    26      32    SHA-256 of bytes [0, 26) followed by the payload
    58      ...   payload: `torch.save` (zip format) of a plain dict

The payload dict holds only tensors, ints, floats, bools, strings, None and lists/tuples/dicts of
those; `save_checkpoint` refuses anything else, so every file it writes loads with
`torch.load(weights_only=True)`. The config and metrics travel as JSON strings. Loading checks the
header, the length (truncation) and the digest (damage or tampering) before unpickling anything, and
unpickles with `weights_only=True`, which refuses any pickle that would import or call code. (SHA-256
is a checksum, not a signature: someone who rewrites a file can recompute it, which is why
`weights_only` is the safety line and the digest the integrity line.)

A run folder managed by `CheckpointManager` holds `ckpt-{step:08d}.pt` (the last K), `best.pt` and
`last.pt`. The two names are hard links to a numbered file (a copy where the file system has no hard
links), published by link-to-temp + rename, so each is a complete checkpoint at every instant. `last.pt`
is the commit point: it is replaced only once the new numbered file is fully written and synced, and
old files are deleted only after that.

References: PyTorch's serialization notes (`torch.load(weights_only=True)`, the zip format);
the PNG signature (RFC 2083, 12.11) for the magic; nanoGPT `train.py` (config saved with weights);
`files.atomic_write` here for the temp-file + fsync + rename write.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import random
import re
import shutil
import struct
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch
from torch import Tensor

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write

MAGIC = b"\x89MVAE-CKPT\r\n\x1a\n"  # 14 bytes; a file not starting with these is not ours
FORMAT_VERSION = 1  # bump when the payload layout changes; loading refuses newer versions
_PREFIX = struct.Struct("<IQ")  # format version, payload length
HEADER_SIZE = len(MAGIC) + _PREFIX.size + 32  # magic + version + length + SHA-256 = 58 bytes
_FORMAT_TAG = "musicvae_lite.checkpoint"  # also inside the payload, so a bare payload is recognisable
_PAYLOAD_KEYS = ("format", "version", "config_json", "model", "step")  # required payload fields


class CheckpointError(MvaeError):
    """A checkpoint cannot be written, read or trusted; the message names the file and the reason."""


@dataclass
class Checkpoint:
    """What `load_checkpoint` returns: everything `save_checkpoint` was given."""

    config: dict  # the model's config, enough to rebuild it (JSON round trip: tuples come back as lists)
    model: dict[str, Tensor]  # the state_dict, ready for `model.load_state_dict`
    step: int  # training steps done when it was saved
    optimizer: dict | None = None  # `optimizer.state_dict()`, or None if not saved
    extra: dict | None = None  # scheduler, grad scaler, data position...: whatever the trainer added
    rng: dict | None = None  # from `rng_state()`; give it to `set_rng_state` to resume the same draws
    metrics: dict | None = None  # JSON-able numbers logged at this step
    metric: float | None = None  # the value `CheckpointManager` ranks `best.pt` by, if any
    higher_is_better: bool = False  # the direction of `metric`
    path: Path | None = None  # the file it was read from


# ----------------------------------------------------------------------------------------- saving


def save_checkpoint(
    path: str | Path,
    *,
    config: Mapping[str, Any],
    model: Mapping[str, Tensor],
    step: int,
    optimizer: Mapping | None = None,
    extra: Mapping | None = None,
    rng: Mapping | None = None,
    metrics: Mapping | None = None,
    metric: float | None = None,
    higher_is_better: bool = False,
) -> Path:
    """Write a checkpoint to `path` atomically (the old file, if any, stays intact until the new one
    is complete) and return the path.

    `model` is a state_dict (`module.state_dict()`), `config` and `metrics` must be JSON-serializable,
    and `optimizer`/`extra`/`rng` may hold only tensors, numbers, strings, None, lists, tuples and
    dicts (optimizer, scheduler and GradScaler state_dicts do). `metric`/`higher_is_better` are the
    ranking value `CheckpointManager` uses for `best.pt`.
    """
    path = Path(path)
    payload = _build_payload(
        path, config, model, step, optimizer, extra, rng, metrics, metric, higher_is_better
    )
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    body = buffer.getbuffer()
    prefix = MAGIC + _PREFIX.pack(FORMAT_VERSION, len(body))
    digest = hashlib.sha256(prefix)
    digest.update(body)

    def write(f: BinaryIO) -> None:
        f.write(prefix)
        f.write(digest.digest())
        f.write(body)

    try:
        return atomic_write(path, write)
    except OSError as e:
        raise CheckpointError(f"cannot write checkpoint {path}: {e.strerror or e}") from e


def _build_payload(
    path: Path,
    config: Mapping[str, Any],
    model: Mapping[str, Tensor],
    step: int,
    optimizer: Mapping | None,
    extra: Mapping | None,
    rng: Mapping | None,
    metrics: Mapping | None,
    metric: float | None,
    higher_is_better: bool,
) -> dict:
    """The plain dict that `torch.save` writes, after checking that every part will load safely."""
    if isinstance(model, torch.nn.Module):
        raise CheckpointError(f"cannot write checkpoint {path}: pass model.state_dict(), not the module")
    if not isinstance(model, Mapping) or not all(
        isinstance(k, str) and isinstance(v, Tensor) for k, v in model.items()
    ):
        raise CheckpointError(f"cannot write checkpoint {path}: model must be a state_dict (str -> tensor)")
    if type(step) is not int or step < 0:
        raise CheckpointError(f"cannot write checkpoint {path}: step must be an int >= 0, got {step!r}")
    if metric is not None and not isinstance(metric, (int, float)):
        raise CheckpointError(f"cannot write checkpoint {path}: metric must be a number, got {metric!r}")
    metadata = getattr(model, "_metadata", None)  # module versions that load_state_dict consults
    for name, part in (("optimizer", optimizer), ("extra", extra), ("rng", rng)):
        if part is not None and not isinstance(part, Mapping):
            raise CheckpointError(f"cannot write checkpoint {path}: {name} must be a dict or None")
    return {
        "format": _FORMAT_TAG,
        "version": FORMAT_VERSION,
        "config_json": _to_json(path, "config", config),
        "metrics_json": None if metrics is None else _to_json(path, "metrics", metrics),
        "model": {k: _plain(path, v, f"model[{k!r}]") for k, v in model.items()},
        "model_metadata": None if metadata is None else _plain(path, dict(metadata), "model metadata"),
        "step": step,
        "optimizer": _plain(path, optimizer, "optimizer"),
        "extra": _plain(path, extra, "extra"),
        "rng": _plain(path, rng, "rng"),
        "metric": None if metric is None else float(metric),
        "higher_is_better": bool(higher_is_better),
        "torch_version": str(torch.__version__),  # TorchVersion is a str subclass weights_only refuses
    }


def _to_json(path: Path, name: str, value: Mapping) -> str:
    if not isinstance(value, Mapping):
        raise CheckpointError(f"cannot write checkpoint {path}: {name} must be a dict, got {type(value).__name__}")
    try:
        return json.dumps(dict(value))
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"cannot write checkpoint {path}: {name} is not JSON-serializable ({e})") from e


def _plain(path: Path, value: Any, where: str) -> Any:
    """`value` rebuilt from plain containers, or a CheckpointError naming the first part that is not
    a tensor, number, string, None, list, tuple or dict (those would not load with weights_only)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (Tensor, torch.nn.Parameter):
        return value.detach()
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()  # numpy scalars would pickle as numpy globals, which weights_only refuses
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            if type(k) not in (str, int):
                raise CheckpointError(
                    f"cannot write checkpoint {path}: {where} has a {type(k).__name__} key {k!r} "
                    "(only str and int keys)"
                )
            out[k] = _plain(path, v, f"{where}[{k!r}]")
        return out
    if type(value) in (list, tuple):
        return type(value)(_plain(path, v, f"{where}[{i}]") for i, v in enumerate(value))
    raise CheckpointError(
        f"cannot write checkpoint {path}: {where} has type {type(value).__name__}; only tensors, numbers, "
        "strings, None, lists, tuples and dicts can be stored"
    )


# ---------------------------------------------------------------------------------------- loading


def load_checkpoint(path: str | Path, map_location: str | torch.device | None = "cpu") -> Checkpoint:
    """Read and verify a checkpoint; never executes code from the file.

    Raises CheckpointError when the file is missing, not a musicvae_lite checkpoint, truncated,
    damaged (checksum mismatch), of a newer format, or holds objects other than plain data.
    """
    path = Path(path)
    body = _read_verified(path)
    try:
        payload = torch.load(io.BytesIO(body), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise CheckpointError(
            f"{path} contains code/objects that are not allowed in a checkpoint; refusing to load it ({_refusal(e)})"
        ) from e
    except Exception as e:  # a digest-valid payload that torch cannot parse: damaged before saving
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise CheckpointError(f"{path} is corrupted: its payload cannot be read ({reason})") from e
    return _unpack(path, payload)


def _read_verified(path: Path) -> bytes:
    """The payload bytes of `path`, after checking magic, version, length and digest."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
            if len(head) < HEADER_SIZE:
                _raise_short_header(path, head)
            if not head.startswith(MAGIC):
                _raise_not_ours(path, head)
            version, length = _PREFIX.unpack_from(head, len(MAGIC))
            if version > FORMAT_VERSION or version < 1:
                raise CheckpointError(
                    f"{path} is a checkpoint of format version {version}; this musicvae_lite reads "
                    f"versions 1-{FORMAT_VERSION} (upgrade musicvae_lite to read it)"
                )
            body = f.read(length)
            if len(body) < length:
                raise CheckpointError(
                    f"{path} is truncated: the header promises {length} payload bytes, the file has {len(body)}"
                )
            trailing = len(f.read(1 << 20))
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist") from None
    except IsADirectoryError:
        raise CheckpointError(f"{path} is a folder, not a checkpoint file") from None
    except OSError as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e.strerror or e}") from e
    if trailing:
        raise CheckpointError(f"{path} is corrupted: unexpected bytes after the payload")
    digest = hashlib.sha256(head[: len(MAGIC) + _PREFIX.size])
    digest.update(body)
    if digest.digest() != head[len(MAGIC) + _PREFIX.size :]:
        raise CheckpointError(
            f"{path} is corrupted: checksum mismatch (the file was damaged or modified after it was written)"
        )
    return body


def _raise_short_header(path: Path, head: bytes) -> None:
    if not head:
        raise CheckpointError(f"{path} is empty (a truncated checkpoint?)")
    n = min(len(head), len(MAGIC))
    if head[:n] == MAGIC[:n]:
        raise CheckpointError(f"{path} is truncated: it ends inside the checkpoint header")
    _raise_not_ours(path, head)


def _raise_not_ours(path: Path, head: bytes) -> None:
    hint = " (it looks like a plain torch.save file)" if head.startswith(b"PK\x03\x04") else ""
    raise CheckpointError(f"{path} is not a musicvae_lite checkpoint{hint}")


def _refusal(error: Exception) -> str:
    """The one-line reason inside torch's multi-line weights_only refusal."""
    text = str(error)
    found = re.search(r"WeightsUnpickler error:\s*(.*?)(?: was not an allowed|\n\n|$)", text, re.DOTALL)
    reason = " ".join((found.group(1) if found else text).split())
    return (reason[:117] + "...") if len(reason) > 120 else reason or "refused by weights_only"


def _unpack(path: Path, payload: Any) -> Checkpoint:
    """The Checkpoint inside a loaded payload, checking its fields."""
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT_TAG:
        raise CheckpointError(f"{path} is not a musicvae_lite checkpoint (unrecognised payload)")
    missing = [k for k in _PAYLOAD_KEYS if k not in payload]
    if missing:
        raise CheckpointError(f"{path} is corrupted: its payload lacks {', '.join(missing)}")
    if payload["version"] != FORMAT_VERSION:
        raise CheckpointError(f"{path} is corrupted: payload version {payload['version']!r} disagrees with its header")
    try:
        config = json.loads(payload["config_json"])
        metrics = None if payload.get("metrics_json") is None else json.loads(payload["metrics_json"])
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path} is corrupted: its config or metrics are not valid JSON ({e})") from e
    model = payload["model"]
    if not isinstance(model, dict) or type(payload["step"]) is not int:
        raise CheckpointError(f"{path} is corrupted: model or step has the wrong type")
    if payload.get("model_metadata") is not None:
        model = OrderedDict(model)
        model._metadata = payload["model_metadata"]  # type: ignore[attr-defined]
    return Checkpoint(
        config=config,
        model=model,
        step=payload["step"],
        optimizer=payload.get("optimizer"),
        extra=payload.get("extra"),
        rng=payload.get("rng"),
        metrics=metrics,
        metric=payload.get("metric"),
        higher_is_better=bool(payload.get("higher_is_better", False)),
        path=path,
    )


def _looks_complete(path: Path) -> bool:
    """A cheap check (header and size, no digest) that `path` is a whole checkpoint file."""
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_SIZE)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return False
    if len(head) < HEADER_SIZE or not head.startswith(MAGIC):
        return False
    _, length = _PREFIX.unpack_from(head, len(MAGIC))
    return size == HEADER_SIZE + length


# ------------------------------------------------------------------------------------------- RNG


def rng_state() -> dict:
    """The states of Python's `random`, numpy's global RNG, torch's CPU RNG and (when present) every
    CUDA device's, as plain data that a checkpoint can store."""
    version, internal, gauss_next = random.getstate()
    kind, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state: dict[str, Any] = {
        "python": {"version": version, "state": torch.tensor(internal, dtype=torch.int64), "gauss_next": gauss_next},
        "numpy": {
            "kind": str(kind),
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),  # uint32 words, widened losslessly
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian),
        },
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Mapping) -> None:
    """Restore what `rng_state()` captured. Sections that are absent are left alone; CUDA states are
    restored on as many devices as both the saved state and this machine have (none on a CPU-only
    machine), so a run saved on a GPU resumes on a CPU."""
    try:
        if "python" in state:
            py = state["python"]
            random.setstate((int(py["version"]), tuple(int(x) for x in py["state"].tolist()), py["gauss_next"]))
        if "numpy" in state:
            npy = state["numpy"]
            keys = np.asarray(npy["keys"].cpu().numpy(), dtype=np.uint32)
            np.random.set_state(
                (npy["kind"], keys, int(npy["pos"]), int(npy["has_gauss"]), float(npy["cached_gaussian"]))
            )
        if "torch" in state:
            torch.set_rng_state(state["torch"].cpu().to(torch.uint8))
        if state.get("cuda") and torch.cuda.is_available():
            for device, cuda_state in enumerate(state["cuda"][: torch.cuda.device_count()]):
                torch.cuda.set_rng_state(cuda_state.cpu().to(torch.uint8), device)
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError) as e:
        reason = f"{type(e).__name__}: {e}".splitlines()[0]
        raise CheckpointError(f"the saved RNG state is malformed and cannot be restored ({reason})") from e


# ------------------------------------------------------------------------------------- run folders

_NUMBERED = re.compile(r"ckpt-(\d{8,})\.pt")  # ckpt-{step:08d}.pt; temp files start with "." and never match


class CheckpointManager:
    """The checkpoints of one run folder: `ckpt-{step:08d}.pt` for the last `keep_last` steps, plus
    `best.pt` (best `metric` so far) and `last.pt` (the newest save, the one to resume from).

    A save proceeds: write the numbered file atomically, sync the folder, publish `best.pt` if the
    metric improved, publish `last.pt` (the commit point), sync the folder, and only then delete numbered
    files beyond `keep_last`. A crash at any point leaves `last.pt` on a complete checkpoint.
    """

    def __init__(self, run_dir: str | Path, keep_last: int = 3) -> None:
        if type(keep_last) is not int or keep_last < 1:
            raise CheckpointError(f"keep_last must be an int >= 1, got {keep_last!r}")
        self.run_dir = Path(run_dir)
        self.keep_last = keep_last
        self._best_metric: float | None = None  # cached from best.pt on first need
        self._best_known = False  # whether _best_metric reflects best.pt

    @property
    def best_path(self) -> Path:
        return self.run_dir / "best.pt"

    @property
    def last_path(self) -> Path:
        return self.run_dir / "last.pt"

    def path_for(self, step: int) -> Path:
        return self.run_dir / f"ckpt-{step:08d}.pt"

    def save(
        self,
        step: int,
        *,
        config: Mapping[str, Any],
        model: Mapping[str, Tensor],
        optimizer: Mapping | None = None,
        extra: Mapping | None = None,
        rng: Mapping | None = None,
        metrics: Mapping | None = None,
        metric: float | None = None,
        higher_is_better: bool = False,
    ) -> Path:
        """Save step `step` (see `save_checkpoint`), update best.pt/last.pt, prune; return the new file."""
        path = save_checkpoint(
            self.path_for(step),
            config=config,
            model=model,
            step=step,
            optimizer=optimizer,
            extra=extra,
            rng=rng,
            metrics=metrics,
            metric=metric,
            higher_is_better=higher_is_better,
        )
        _sync_dir(self.run_dir)
        if self._improves(metric, higher_is_better):
            _publish(path, self.best_path)
            self._best_metric, self._best_known = float(metric), True  # type: ignore[arg-type]
        _publish(path, self.last_path)
        _sync_dir(self.run_dir)
        self._prune(step)
        return path

    def checkpoints(self) -> list[Path]:
        """The numbered checkpoint files, oldest step first."""
        if not self.run_dir.is_dir():
            return []
        found = [p for p in self.run_dir.iterdir() if _NUMBERED.fullmatch(p.name) and p.is_file()]
        return sorted(found, key=_step_of)

    def latest(self) -> Path | None:
        """The checkpoint to resume from: `last.pt` if it is complete, else the highest-step complete
        numbered file, else None. Temp files of an interrupted save are never considered."""
        if _looks_complete(self.last_path):
            return self.last_path
        for p in reversed(self.checkpoints()):
            if _looks_complete(p):
                return p
        return None

    def best(self) -> Path | None:
        """`best.pt`, if a save with a metric has happened."""
        return self.best_path if _looks_complete(self.best_path) else None

    def _improves(self, metric: float | None, higher_is_better: bool) -> bool:
        if metric is None or metric != metric:  # None or NaN never becomes best
            return False
        if not self._best_known:
            self._best_metric = self._read_best_metric()
            self._best_known = True
        if self._best_metric is None:
            return True
        return metric > self._best_metric if higher_is_better else metric < self._best_metric

    def _read_best_metric(self) -> float | None:
        """The metric stored in best.pt; None if there is none or it cannot be read (then it is replaced)."""
        if not self.best_path.exists():
            return None
        try:
            return load_checkpoint(self.best_path).metric
        except CheckpointError:
            return None

    def _prune(self, step: int) -> None:
        """Delete numbered files at or before `step` beyond the newest `keep_last`. Files of later steps
        (left by a run that was resumed from an earlier checkpoint) are not this save's to judge."""
        older = [p for p in self.checkpoints() if _step_of(p) <= step]
        for p in older[: -self.keep_last]:
            p.unlink(missing_ok=True)


def _step_of(path: Path) -> int:
    """The step in a `ckpt-{step:08d}.pt` name."""
    return int(path.name[len("ckpt-") : -len(".pt")])


def _publish(src: Path, dst: Path) -> None:
    """Make `dst` a complete copy of `src` atomically: hard link (or copy) to a temp name, then rename."""
    tmp = dst.with_name(f".{dst.name}.tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        try:
            os.link(src, tmp)
        except OSError:  # no hard links here (FAT, some network or FUSE file systems): copy instead
            with open(src, "rb") as fin, open(tmp, "wb") as fout:
                shutil.copyfileobj(fin, fout)
                fout.flush()
                os.fsync(fout.fileno())
        os.replace(tmp, dst)
    except OSError as e:
        raise CheckpointError(f"cannot publish {dst} from {src.name}: {e.strerror or e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def _sync_dir(folder: Path) -> None:
    """fsync a folder so that renames in it survive a power loss (POSIX; a no-op where unsupported)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some file systems cannot sync folders; renames stay atomic
            os.fsync(fd)
    finally:
        os.close(fd)


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file from a file path or a run folder (its latest checkpoint)."""
    path = Path(path)
    if path.is_dir():
        found = CheckpointManager(path).latest()
        if found is None:
            raise CheckpointError(f"{path} holds no complete checkpoint (no last.pt or ckpt-*.pt)")
        return found
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    return path


def load_family_checkpoint(path: str | Path, family: str, noun: str) -> tuple[Checkpoint, dict]:
    """(the checkpoint, its task description) from a checkpoint file or run folder, which must hold a
    model of `family` (the `task.family` its trainer recorded); `noun` names that family in the error."""
    file = resolve_checkpoint(path)
    state = load_checkpoint(file)
    task = state.config.get("task", {})
    if task.get("family") != family:
        raise CheckpointError(f"{file} holds a {task.get('family', 'unknown')!r} model, not {noun}")
    return state, task
