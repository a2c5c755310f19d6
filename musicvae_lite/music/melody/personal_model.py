"""A personalized melody model (`mvae personalize`): a base melody model whose latent space is read through
a MidiMe small VAE (midime.py) trained on one musician's windows. Its codes are the small latent's: a window
is encoded by the base and mapped in by the small encoder's mean; a code is mapped out by the small decoder
and decoded by the base; its prior is the small VAE's N(0, I). So the shared generation API and verbs
(music/sequence_generate.py, music/sequence_family.py) serve it unchanged through the model's latent hooks
(`latent_from_vae`, `vae_from_latent`, `drawn_codes`), as magenta.js's MidiMe samples its small prior and
decodes through MusicVAE.

Its checkpoint (core/checkpoint.py) holds the small VAE's config and weights, what it was made from, and
names its base: a bundled name, or a checkpoint's path, each with the SHA-256 of the base's file, so that a
missing or changed base is a one-line error rather than music from the wrong code space.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.generate import MelodyModel, model_from_checkpoint
from musicvae_lite.music.melody.midime import MidiMeConfig, big_codes, build_midime, latent_means
from musicvae_lite.music.melody.names import BUNDLED, FAMILY
from musicvae_lite.music.sequence_generate import prior_codes

KEY = "personalized"  # the key of a checkpoint's task.model that marks a personalized model


@dataclass
class PersonalizedModel(MelodyModel):
    """A melody model whose codes live in a small VAE's latent over the base's codes."""

    small: Any  # the MidiMe VAE (core/vae.py VAE of midime.py's dense encoder and decoder), eval mode
    small_config: MidiMeConfig
    meter: str  # the meter most of its windows had: what `mvae sample` writes unless asked
    made_from: dict  # files, windows, meters (as the checkpoint records them)
    base: dict  # the base reference (bundled name or path, sha256)

    personalized: ClassVar[bool] = True

    @property
    def z_size(self) -> int:
        return self.small_config.latent

    def latent_from_vae(self, mu: torch.Tensor) -> torch.Tensor:
        return latent_means(self.small, mu)

    def vae_from_latent(self, z: torch.Tensor) -> torch.Tensor:
        return big_codes(self.small, z)

    def drawn_codes(self, n: int, seed: int | None, meter=None) -> np.ndarray:
        """n codes from the small VAE's prior N(0, I) (the same in every meter)."""
        return prior_codes(self.z_size, n, seed)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_base(spec: str | Path) -> tuple[MelodyModel, dict]:
    """The base melody model `spec` names (a bundled melody model's name, a run folder or a checkpoint) and
    the reference a personalized checkpoint keeps of it ({"bundled": name} or {"path": ...}, with "sha256");
    a one-line error for a model of another family or one that is itself personalized."""
    from musicvae_lite.core.bundled import bundled_file
    from musicvae_lite.core.checkpoint import load_checkpoint, resolve_checkpoint

    spec = str(spec)
    if spec in BUNDLED:
        path, ref = bundled_file(BUNDLED[spec]), {"bundled": spec}
    else:
        if not Path(spec).exists():
            raise MvaeError(f"{spec}: no such model (a run folder, a checkpoint, or one of: {', '.join(BUNDLED)})")
        path = resolve_checkpoint(spec)
        ref = {"path": str(path.resolve())}
    state = load_checkpoint(path)
    task = state.config.get("task", {})
    if task.get("family") != FAMILY:
        raise MvaeError(f"{spec} is a {task.get('family', 'unknown')} model; personalizing needs a melody model "
                        f"(bundled: {', '.join(BUNDLED)})")
    if KEY in task.get("model", {}):
        raise MvaeError(f"{spec} is already personalized; personalize its base "
                        f"({_named(task['model'][KEY]['base'])}) instead")
    return model_from_checkpoint(state, spec), {**ref, "sha256": file_sha256(path)}


def _named(ref: dict) -> str:
    return ref.get("bundled") or ref.get("path", "?")


def base_of(ref: dict, name: str) -> MelodyModel:
    """The base a personalized checkpoint `name` references, checked against its recorded SHA-256: a one-line
    error when it is missing or has changed."""
    from musicvae_lite.core.bundled import bundled_file
    from musicvae_lite.core.checkpoint import load_checkpoint

    if "bundled" in ref:
        if ref["bundled"] not in BUNDLED:
            raise MvaeError(f"{name}: its base, the bundled model {ref['bundled']!r}, is not in this installation")
        path = bundled_file(BUNDLED[ref["bundled"]])
    else:
        path = Path(ref["path"])
        if not path.is_file():
            raise MvaeError(f"{name}: its base model {path} is missing; put it back, or personalize again")
    if file_sha256(path) != ref["sha256"]:
        raise MvaeError(f"{name}: its base model {_named(ref)} has changed since it was personalized (its codes "
                        f"would mean other music); make it again with `mvae personalize`")
    return model_from_checkpoint(load_checkpoint(path), _named(ref))


def personalized_from_checkpoint(state, name: str) -> PersonalizedModel:
    """The personalized model in an already loaded checkpoint (its base loaded and checked), eval mode, CPU."""
    info = state.config["task"]["model"][KEY]
    base = base_of(info["base"], name)
    cfg = MidiMeConfig.from_dict(info["midime"])
    if cfg.code_size != base.config.z_size:
        raise MvaeError(f"{name}: its small VAE reads codes of {cfg.code_size}, its base writes {base.config.z_size}")
    small = build_midime(cfg)
    small.load_state_dict(state.model)
    small.eval()
    return PersonalizedModel(base.vae, base.config, state.step, name, small, cfg, info["meter"], info["made_from"],
                             info["base"])
