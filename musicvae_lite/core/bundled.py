"""Models that ship inside the package, so that everything works offline out of the box.

Each is a checkpoint in `musicvae_lite/bundled/` with fp16 weights and no optimizer state, beside its
model card (`<stem>.md`: data and its terms, preset, steps, wall time, held-out figures, the command
that retrains it). Which names exist is each family's to say (`Family.bundled`: name -> stem); the
registry (musicvae_lite/families.py) collects them.
"""

from __future__ import annotations

from pathlib import Path

from musicvae_lite.errors import MvaeError, OverwriteError

FOLDER = Path(__file__).resolve().parent.parent / "bundled"
EXAMPLES = FOLDER.parent / "examples"  # short original MIDI files, a folder a family (data/examples/make_examples.py)


def bundled_file(stem: str) -> Path:
    """The checkpoint of the bundled model stored as `stem`; an error when this installation lacks it."""
    path = FOLDER / f"{stem}.pt"
    if not path.exists():
        raise MvaeError(f"bundled model {stem!r} is missing from this installation ({path})")
    return path


def examples(family: str = "melody") -> dict[str, Path]:
    """The example MIDI files that ship in the package for a family, by name (stem): melody's morning,
    evening, ...; drums' rock, funk, ... (none for a family without examples)."""
    return {p.stem: p for p in sorted((EXAMPLES / family).glob("*.mid"))}


def model_card(stem: str) -> Path | None:
    card = FOLDER / f"{stem}.md"
    return card if card.exists() else None


def export_bundled(run: str | Path, out: str | Path, *, overwrite: bool = False,
                   model_settings: dict | None = None, extra_weights: dict | None = None) -> Path:
    """Write a run's best (else newest) checkpoint as a bundled model: fp16 weights, config, step, metrics.
    `model_settings` changes settings of the model config that do not touch the trained weights (a
    GrooVAE's decoding threshold, chosen after training on the validation split; a fitted code prior,
    whose tensors come in `extra_weights`); the card says so."""
    import torch

    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint, resolve_checkpoint, save_checkpoint

    run = Path(run)
    source = (CheckpointManager(run).best() if run.is_dir() else None) or resolve_checkpoint(run)
    state = load_checkpoint(source)
    weights = {k: v.half() if v.is_floating_point() else v for k, v in {**state.model, **(extra_weights or {})}.items()}
    config = state.config
    if model_settings:
        # a setting the family's config does not know fails when the model is loaded (config_from_dict)
        config = {**config, "task": {**config["task"], "model": {**config["task"]["model"], **model_settings}}}
    out = Path(out)
    if out.exists() and not overwrite:
        raise OverwriteError(out)
    return save_checkpoint(out, config=config, model=weights, step=state.step,
                           metrics=state.metrics or {}, extra={"source": str(source), "torch": str(torch.__version__)})
