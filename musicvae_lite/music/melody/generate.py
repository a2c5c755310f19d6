"""The melody generation API that `mvae interpolate`, `sample`, `reconstruct`, `vary`, `continue`, `encode`,
`decode` and `attribute` are thin shells over:

    from musicvae_lite import load_model, encode, decode, interpolate, sample
    model = load_model()                                  # the bundled default, offline (families.load)
    a, b = melody_from_file("a.mid"), melody_from_file("b.mid")
    steps = interpolate(model, a, b, n=7)                 # (7, 32) events, ends = reconstructions
    tunes = sample(model, n=8, temperature=0.5, seed=1)
    long = load_model("melody_16bar")
    primer, meter = primer_from_file(long, "a.mid", with_meter=True)   # the file's melody, up to 16 bars
    more = continuation(long, primer, bars=4, n=2, meter=meter)         # (2, 4 bars) after it

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
from musicvae_lite.music.continuation import continuation  # noqa: F401  (the Python API's name)
from musicvae_lite.music.melody.presets import MelodyModelConfig
from musicvae_lite.music.sequence_generate import (  # noqa: F401  (the Python API's names)
    TrainedSequenceModel,
    decode,
    encode,
    encode_in_meters,
    grid,
    interpolate,
    reconstruct,
    sample,
    trained_from_checkpoint,
    vary,
    window_meter,
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


def melody_from_file(model: MelodyModel, path: str | Path, window: int = 0, *, with_meter: bool = False):
    """Window `window` (in `mvae windows` order) of a MIDI file, fit for `model`: (steps,) uint8; with
    `with_meter`, (the window, its music.meter.Meter). A model that reads the meter needs the meter beside a
    window whose length two meters share (24 steps: 3/4 or 6/8): pass it as the generation API's `meter=`."""
    from musicvae_lite.music.melody.codec import MELODY

    events, playback = MELODY.read(model, path, window)
    return (events, playback.meter) if with_meter else events


def primer_from_file(model: MelodyModel, path: str | Path, window: int | None = None, *, with_meter: bool = False):
    """The melody a MIDI file holds, as the primer `continuation` takes: whole bars from its first note, at
    most the model's window (a longer file: its window `window` of the model's length, or a one-line error when
    none is named); with `with_meter`, (the primer, its Meter)."""
    from musicvae_lite.music.melody.codec import MELODY

    events, playback = MELODY.read_primer(model, path, window)
    return (events, playback.meter) if with_meter else events


def export_with_code_prior(checkpoint: str | Path, data: str | Path, out: str | Path, *, scale: float = 1.0,
                           limit: int = 5000, overwrite: bool = False) -> Path:
    """Export a trained checkpoint as a bundled model (core/bundled.py) whose samples come from a code
    prior fitted to up to `limit` training windows of the dataset `data`, spread `scale` times."""
    from dataclasses import replace

    from musicvae_lite.core.bundled import export_bundled
    from musicvae_lite.music.melody.data import load_melody_data
    from musicvae_lite.music.melody.model import build_melody_vae

    checkpoint, model = _trained(checkpoint)
    cfg = replace(model.config, code_prior=True, code_prior_scale=scale)
    vae = build_melody_vae(cfg)
    missing = vae.load_state_dict(model.vae.state_dict(), strict=False).missing_keys
    if set(missing) - {"code_prior_mean", "code_prior_tril"}:
        raise MvaeError(f"{checkpoint}: its weights do not fit its config ({', '.join(missing)} missing)")
    fitted = MelodyModel(vae.eval(), cfg, model.step, model.name)
    if cfg.meter_controls:  # every bar length's training windows, in proportion, each in its meter
        from musicvae_lite.core.latent import fit_code_prior as fit

        fit(fitted.vae, np.concatenate([encode_in_meters(fitted, events, meters)
                                        for events, meters in _training_windows(fitted, data, limit)]))
    else:
        fit_code_prior(fitted, load_melody_data(data, cfg.bars, cfg.grid.steps_per_bar).train, limit=limit)
    return export_bundled(checkpoint, out, overwrite=overwrite,
                          model_settings={"code_prior": True, "code_prior_scale": scale},
                          extra_weights={name: getattr(vae, name) for name in ("code_prior_mean", "code_prior_tril")})


def export_with_meter_priors(checkpoint: str | Path, data: str | Path, out: str | Path, *, min_windows: int = 300,
                             limit: int = 5000, scale: float = 1.0, overwrite: bool = False) -> tuple[Path, dict]:
    """Export a trained model as a bundled model whose samples in each meter come from a Gaussian fitted to the
    codes of up to `limit` training windows of that meter (each meter with at least `min_windows` in the
    folder of datasets per bar length `data`, or in the one dataset of a model of one bar length: 3/4 and
    6/8 for a 12-step model; other meters sample from the model's one code prior when it has one, else from
    N(0, I)). Returns the path and how many windows each meter's prior was fitted to."""
    from dataclasses import replace

    from musicvae_lite.core.bundled import export_bundled
    from musicvae_lite.core.latent import fit_code_prior as fit
    from musicvae_lite.music.melody.data import load_melody_data, load_melody_groups
    from musicvae_lite.music.melody.model import build_melody_vae

    checkpoint, model = _trained(checkpoint)
    windows = {}
    groups = load_melody_groups(data, model.config.bars) if model.reads_meter else \
        [load_melody_data(data, model.config.bars, model.config.grid.steps_per_bar)]
    for g in groups:
        for label in np.unique(g.train_meter):
            chosen = g.train[g.train_meter == label]
            if len(chosen) >= min_windows:
                windows[str(label)] = chosen
    cfg = replace(model.config, meter_priors=tuple(windows), code_prior_scale=scale)
    vae = build_melody_vae(cfg)
    kept = {k: v for k, v in model.vae.state_dict().items() if not k.startswith("meter_prior_")}  # refitted below,
    vae.load_state_dict({**vae.state_dict(), **kept})  # perhaps for other meters than the model had priors for
    fitted = MelodyModel(vae.eval(), cfg, model.step, model.name)
    used = {}
    for index, (label, events) in enumerate(windows.items()):
        events, meters = _some(events, np.full(len(events), label), limit)
        fit(vae, encode_in_meters(fitted, events, meters), index=index)
        used[label] = len(events)
    out = export_bundled(checkpoint, out, overwrite=overwrite,
                         model_settings={"meter_priors": list(windows), "code_prior_scale": scale},
                         extra_weights={name: getattr(vae, name) for name in ("meter_prior_mean", "meter_prior_tril")})
    return out, used


def export_with_attributes(checkpoint: str | Path, data: str | Path, out: str | Path, *,
                           names: tuple[str, ...] = ("note_density", "mean_pitch", "mean_interval", "syncopation",
                                                     "pitch_range", "note_count"),
                           limit: int = 20_000, overwrite: bool = False) -> Path:
    """Export a trained model (a run or an exported checkpoint, whose other extras it keeps) as a bundled model
    that carries its attribute vectors, so that `mvae attribute apply a.mid note_density` needs no dataset: each
    computed as `attribute_vector_from_data` does, on up to `limit` training windows of `data` (a dataset, or a
    folder of datasets per bar length for a model that reads the meter: windows of every bar length in
    proportion, each in its meter)."""
    from musicvae_lite.core.bundled import export_bundled
    from musicvae_lite.core.latent import attribute_vector

    checkpoint, model = _trained(checkpoint)
    windows = _training_windows(model, data, limit)
    if not windows:
        raise MvaeError(f"{data} has no training windows to compute attribute vectors from")
    codes = np.concatenate([encode_in_meters(model, e, m) for e, m in windows])
    vectors = torch.stack([torch.as_tensor(np.asarray(attribute_vector(codes, np.concatenate(
        [_attribute_in_meters(model, name, e, m) for e, m in windows]), 0.25), np.float32)) for name in names])
    return export_bundled(checkpoint, out, overwrite=overwrite, model_settings={"attribute_names": list(names)},
                          extra_weights={"attribute_vectors": vectors})


def carried_attribute(model: MelodyModel, name: str) -> np.ndarray | None:
    """The attribute vector `name` the model carries (export_with_attributes), None when it carries none."""
    names = tuple(getattr(model.config, "attribute_names", ()))
    if name not in names:
        return None
    return model.vae.attribute_vectors[names.index(name)].float().numpy()


def _trained(checkpoint: str | Path) -> tuple[Path, MelodyModel]:
    """A checkpoint (a run folder: its best, as export_bundled takes it) and the model in it."""
    from musicvae_lite.core.checkpoint import CheckpointManager, load_checkpoint, resolve_checkpoint

    path = Path(checkpoint)
    path = (CheckpointManager(path).best() if path.is_dir() else None) or resolve_checkpoint(path)
    return path, model_from_checkpoint(load_checkpoint(path), str(path))  # a family asks no registry


def _training_windows(model: MelodyModel, data: str | Path, limit: int) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Up to `limit` training windows of `data`, drawn at random, as (windows, their meters) per bar length: for
    a model that reads the meter, every bar length of a folder of datasets in proportion to its windows, with
    each window's meter; for any other, its one dataset, meters None."""
    from musicvae_lite.music.melody.data import load_melody_data, load_melody_groups

    cfg = model.config
    if not model.reads_meter:
        train = load_melody_data(data, cfg.bars, cfg.grid.steps_per_bar).train
        return [(_some(train, None, limit)[0], None)] if len(train) else []
    groups = [g for g in load_melody_groups(data, cfg.bars) if len(g.train)]
    total = sum(len(g.train) for g in groups)
    return [_some(g.train, g.train_meter, max(1, limit * len(g.train) // total)) for g in groups]


def _some(events: np.ndarray, meters: np.ndarray | None, limit: int, seed: int = 0):
    """Up to `limit` of the windows (and their meters), drawn at random."""
    if len(events) > limit:
        chosen = np.random.default_rng(seed).choice(len(events), limit, replace=False)
        return events[chosen], None if meters is None else meters[chosen]
    return events, meters


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
                               limit: int | None = 20_000, seed: int = 0, meters: np.ndarray | None = None) -> np.ndarray:
    """The latent direction of a melody attribute (MusicVAE paper, section 5.4): the mean code of the
    windows in the attribute's top quartile minus that of the bottom quartile. (Z,) float32. `meters` (N,):
    each window's, for a model that reads the meter."""
    from musicvae_lite.core.latent import attribute_vector

    events, meters = _some(np.asarray(events), meters, len(events) if limit is None else limit, seed)
    values = _attribute_in_meters(model, name, events, meters)
    return np.asarray(attribute_vector(encode_in_meters(model, events, meters), values, quantile), np.float32)


def _attribute_in_meters(model: MelodyModel, name: str, events: np.ndarray, meters) -> np.ndarray:
    """Attribute `name` of windows (N, steps), each measured in its meter ((N,) labels; None: the model's)."""
    from musicvae_lite.music.melody.attributes import attribute
    from musicvae_lite.music.meter import model_meter, parse_meter

    if meters is None:
        return np.asarray(attribute(name, events, model_meter(model)), np.float64)
    values = np.zeros(len(events))
    for label in np.unique(meters):
        values[meters == label] = attribute(name, events[meters == label], parse_meter(str(label)))
    return values


def apply_attribute_vector(model: MelodyModel, events, vector: np.ndarray, amounts, *, temperature: float = 0.0,
                           seed: int | None = None, meter=None) -> np.ndarray:
    """Decode code(events) + amount * vector for each amount: (len(amounts), steps); in `meter` for a model
    that reads it (None: the meter the window's length is written in)."""
    from musicvae_lite.core.latent import apply_attribute

    meter = meter or window_meter(model, events)
    z = encode(model, events, meter=meter)[0]
    codes = apply_attribute(torch.from_numpy(z), torch.from_numpy(np.asarray(vector, np.float32)),
                            torch.as_tensor(np.asarray(amounts, np.float32)))
    return decode(model, np.asarray(codes), temperature=temperature, seed=seed, meter=meter)
