"""Melody models that ship inside the package, so that everything works offline out of the box.

Each is a checkpoint in `musicvae_lite/bundled/` with fp16 weights and no optimizer state, beside its
model card (`<name>.md`: data and its terms, preset, steps, wall time, held-out figures, the command
that retrains it).
"""

from __future__ import annotations

from pathlib import Path

from musicvae_lite.errors import MvaeError

FOLDER = Path(__file__).resolve().parent.parent / "bundled"
BUNDLED = {"default": "mel_2bar_essen"}  # name -> file stem in FOLDER


def bundled_path(name: str) -> Path | None:
    """The checkpoint of a bundled model, None when `name` is not one."""
    stem = BUNDLED.get(name, name if (FOLDER / f"{name}.pt").exists() else None)
    if stem is None:
        return None
    path = FOLDER / f"{stem}.pt"
    if not path.exists():
        raise MvaeError(f"bundled model {name!r} is missing from this installation ({path})")
    return path


def list_bundled() -> list[tuple[str, Path, Path | None]]:
    """(name, checkpoint, model card) of every bundled model present."""
    out = []
    for name, stem in BUNDLED.items():
        path = FOLDER / f"{stem}.pt"
        if path.exists():
            card = FOLDER / f"{stem}.md"
            out.append((name, path, card if card.exists() else None))
    return out


def export_bundled(run: str | Path, out: str | Path, *, overwrite: bool = False) -> Path:
    """Write a run's best (else newest) checkpoint as a bundled model: fp16 weights, config, step, metrics."""
    import torch

    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint, resolve_checkpoint, save_checkpoint

    run = Path(run)
    source = (CheckpointManager(run).best() if run.is_dir() else None) or resolve_checkpoint(run)
    state = load_checkpoint(source)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in state.model.items()}
    out = Path(out)
    if out.exists() and not overwrite:
        raise MvaeError(f"{out} already exists; use --force to overwrite it")
    return save_checkpoint(out, config=state.config, model=weights, step=state.step,
                           metrics=state.metrics or {}, extra={"source": str(source), "torch": str(torch.__version__)})
