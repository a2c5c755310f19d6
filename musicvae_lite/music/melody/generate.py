"""The melody generation API that `mvae interpolate`, `sample`, `reconstruct`, `encode`, `decode` and
`attribute` are thin shells over:

    from musicvae_lite import load_model, encode, decode, interpolate, sample
    model = load_model()                                  # the bundled default, offline (families.load)
    a, b = melody_from_file("a.mid"), melody_from_file("b.mid")
    steps = interpolate(model, a, b, n=7)                 # (7, 32) events, ends = reconstructions
    tunes = sample(model, n=8, temperature=0.5, seed=1)

Codes are the posterior means (as MusicVAE interpolates); decoding is greedy at temperature 0 and
samples the categorical outputs otherwise (Roberts et al. 2018; magenta's music_vae TrainedModel).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.encoding import check_events
from musicvae_lite.music.melody.presets import MelodyModelConfig
from musicvae_lite.music.sequence_generate import (  # noqa: F401  (the Python API's names)
    TrainedSequenceModel,
    decode,
    encode,
    grid,
    interpolate,
    reconstruct,
    sample,
    trained_from_checkpoint,
)


@dataclass
class MelodyModel(TrainedSequenceModel):
    """A trained melody VAE ready to use (CPU, eval mode)."""

    config: MelodyModelConfig
    events_dtype = np.uint8

    windows_name = "melodies"

    def batch(self, events) -> torch.Tensor:
        try:
            check_events(np.asarray(events))  # classes 0..89
        except ValueError as e:
            raise MvaeError(str(e)) from None
        return super().batch(events)  # (n, steps) int64, shape checked


def model_from_checkpoint(state, name: str) -> MelodyModel:
    """The melody model in an already loaded `Checkpoint` (core/checkpoint.py), in eval mode on the CPU."""
    from musicvae_lite.music.melody.model import (
        build_melody_vae,
        model_config_from_dict,
    )

    return trained_from_checkpoint(MelodyModel, state, name, model_config_from_dict, build_melody_vae)


def melody_from_file(model: MelodyModel, path: str | Path, window: int = 0) -> np.ndarray:
    """Window `window` (in `mvae windows` order) of a MIDI file, fit for `model`: (steps,) uint8."""
    from musicvae_lite.music.melody.codec import MELODY

    return MELODY.read(model, path, window)[0]


def export_with_code_prior(checkpoint: str | Path, data: str | Path, out: str | Path, *, scale: float = 1.0,
                           limit: int = 5000, overwrite: bool = False) -> Path:
    """Export a trained checkpoint as a bundled model (core/bundled.py) whose samples come from a code
    prior fitted to up to `limit` training windows of the dataset `data`, spread `scale` times."""
    from dataclasses import replace

    from musicvae_lite.core.bundled import export_bundled
    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint, resolve_checkpoint
    from musicvae_lite.music.melody.data import load_melody_data
    from musicvae_lite.music.melody.model import build_melody_vae

    path = Path(checkpoint)  # a run folder: its best checkpoint, as export_bundled takes it
    checkpoint = (CheckpointManager(path).best() if path.is_dir() else None) or resolve_checkpoint(path)
    model = model_from_checkpoint(load_checkpoint(checkpoint), str(checkpoint))  # a family asks no registry
    cfg = replace(model.config, code_prior=True, code_prior_scale=scale)
    vae = build_melody_vae(cfg)
    missing = vae.load_state_dict(model.vae.state_dict(), strict=False).missing_keys
    if set(missing) - {"code_prior_mean", "code_prior_tril"}:
        raise MvaeError(f"{checkpoint}: its weights do not fit its config ({', '.join(missing)} missing)")
    fitted = MelodyModel(vae.eval(), cfg, model.step, model.name)
    fit_code_prior(fitted, load_melody_data(data, cfg.bars).train, limit=limit)
    return export_bundled(checkpoint, out, overwrite=overwrite,
                          model_settings={"code_prior": True, "code_prior_scale": scale},
                          extra_weights={name: getattr(vae, name) for name in ("code_prior_mean", "code_prior_tril")})


def fit_code_prior(model: MelodyModel, events: np.ndarray, *, limit: int = 5000, seed: int = 0) -> int:
    """Fit `model`'s code prior (it must be built with `code_prior`) to the posterior means of up to
    `limit` of the windows `events` (N, steps), drawn at random; returns how many were used."""
    from musicvae_lite.core.latent import fit_code_prior as fit

    if not model.config.code_prior:
        raise MvaeError(f"{model.name} has no code prior to fit (its config's code_prior is off)")
    events = np.asarray(events)
    if len(events) > limit:
        events = events[np.random.default_rng(seed).choice(len(events), limit, replace=False)]
    codes = np.concatenate([encode(model, events[i:i + 512]) for i in range(0, len(events), 512)])
    fit(model.vae, codes)
    return len(events)


def attribute_vector_from_data(model: MelodyModel, events: np.ndarray, name: str, *, quantile: float = 0.25,
                               limit: int | None = 20_000, seed: int = 0) -> np.ndarray:
    """The latent direction of a melody attribute (MusicVAE paper, section 5.4): the mean code of the
    windows in the attribute's top quartile minus that of the bottom quartile. (Z,) float32."""
    from musicvae_lite.core.latent import attribute_vector
    from musicvae_lite.music.melody.attributes import attribute
    from musicvae_lite.music.meter import model_meter

    events = np.asarray(events)
    if limit is not None and len(events) > limit:
        events = events[np.random.default_rng(seed).choice(len(events), limit, replace=False)]
    values = np.asarray(attribute(name, events, model_meter(model)), np.float64)
    codes = np.concatenate([encode(model, events[i:i + 1024]) for i in range(0, len(events), 1024)])
    return np.asarray(attribute_vector(codes, values, quantile), np.float32)


def apply_attribute_vector(model: MelodyModel, events, vector: np.ndarray, amounts, *, temperature: float = 0.0,
                           seed: int | None = None) -> np.ndarray:
    """Decode code(events) + amount * vector for each amount: (len(amounts), steps)."""
    from musicvae_lite.core.latent import apply_attribute

    z = encode(model, events)[0]
    codes = apply_attribute(torch.from_numpy(z), torch.from_numpy(np.asarray(vector, np.float32)),
                            torch.as_tensor(np.asarray(amounts, np.float32)))
    return decode(model, np.asarray(codes), temperature=temperature, seed=seed)
