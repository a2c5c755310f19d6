"""Generation in the latent space of any sequence VAE of this package (melodies, drums): decoding codes
(greedy at temperature 0, sampled from the softmax otherwise, from a seeded generator when a seed is
given: magenta's music_vae TrainedModel does the same), the path between two windows' codes (spherical
by default, core/latent.py), the bilinear grid between four corners (magenta.js's 4-corner
interpolation, Beat Blender's grid) and codes drawn from the prior (or from a model's fitted code prior,
core/latent.py). The one generation API of the melody and drum VAEs (magenta's `TrainedModel`: encode,
decode, sample, interpolate): a family's trained model says how its windows are checked and what its
encoder reads (`TrainedSequenceModel.batch`, `.encoder_input`); melody/generate.py re-exports these
functions under the Python API's names."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import torch

from musicvae_lite.core.latent import bilinear_grid
from musicvae_lite.core.latent import interpolate as interpolate_codes
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError

Encode = Callable[[np.ndarray], np.ndarray]  # windows (n, steps) -> codes (n, Z) float32
Decode = Callable[[np.ndarray], np.ndarray]  # codes (n, Z) -> windows (n, steps)
M = TypeVar("M", bound="TrainedSequenceModel")


class CodesShapeError(MvaeError):
    """Codes that do not fit the model; `codes_size` is how many numbers each has, so that the caller
    that knows the models (families.run) can name one that takes them."""

    def __init__(self, message: str, codes_size: int):
        super().__init__(message)
        self.codes_size = codes_size


@dataclass
class TrainedSequenceModel:
    """A trained sequence VAE ready to use (CPU, eval mode); each family subclasses it with its config type
    (melody/generate.py, drums/generate.py, drums/groove/generate.py)."""

    vae: VAE
    config: Any  # the family's model config: `steps` and `z_size` at least
    step: int  # training steps behind it
    name: str  # bundled name or path

    @property
    def steps(self) -> int:
        """Events per window (in 4/4 for a model that reads the meter: `steps_for`)."""
        return self.config.steps

    @property
    def reads_meter(self) -> bool:
        """Whether the model reads each step's place in the bar beside it, and so takes windows of any meter
        (melody models trained with `meter_controls`)."""
        return bool(getattr(self.config, "meter_controls", False))

    def steps_for(self, meter) -> int:
        """Events per window in `meter` (None: the model's own)."""
        return self.steps if meter is None else self.config.bars * meter.steps_per_bar

    @property
    def reads_chords(self) -> bool:
        """Whether the model reads each step's chord beside it (melody models trained with `chord_controls`)."""
        return bool(getattr(self.config, "chord_controls", False))

    def controls(self, meter, steps: int, n: int, chords=None) -> torch.Tensor | None:
        """The per-step controls (n, steps, K) of windows of `steps` events in `meter` (None: the meter such a
        window's bar length is written in): the meter's place of each step for a model that reads the meter, then
        for a model that reads chords each step's chord, from `chords` (steps,) or (n, steps) chord classes
        (music/chords.py; None: not given). None for a model that reads neither, which takes only windows in its
        own meter and no chords (a one-line error otherwise)."""
        from musicvae_lite.music.meter import meter_for, metric_controls, model_meter

        bars = getattr(self.config, "bars", None)
        if chords is not None and not self.reads_chords:
            raise MvaeError(f"{self.name} does not read chords: give chords to a model trained with them "
                            "(--model chords)")
        parts = []
        if not self.reads_meter:
            own = model_meter(self) if hasattr(self.config, "grid") else None
            if meter is not None and own is not None and meter.steps_per_bar != own.steps_per_bar:
                raise MvaeError(f"{self.name} reads {own.label} only, not {meter.label}")
        else:
            if meter is None:
                meter = meter_for(steps // bars)
            if bars * meter.steps_per_bar != steps:
                raise MvaeError(f"{steps} steps are not {bars} bars of {meter.label}")
            parts.append(torch.from_numpy(metric_controls(meter, steps)).expand(n, -1, -1))
        if self.reads_chords:
            parts.append(chord_controls_of(chords, steps, n))
        return torch.cat(parts, dim=-1) if parts else None

    @property
    def z_size(self) -> int:
        return self.config.z_size

    events_dtype = np.int64  # the dtype of the windows `decode` gives
    windows_name = "windows"  # what the shape error calls them

    def batch(self, events) -> torch.Tensor:
        """Windows (steps,) or (n, steps) -> a checked (n, steps) int64 tensor; a one-line MvaeError when
        they do not fit this model (each family checks its classes)."""
        arr = np.asarray(events)
        arr = arr[None] if arr.ndim == 1 else arr
        if self.reads_meter and arr.ndim == 2 and arr.shape[1] % self.config.bars == 0 and arr.shape[1]:
            return torch.from_numpy(arr.astype(np.int64))  # any bar length: `controls` checks it against the meter
        if arr.ndim != 2 or arr.shape[1] != self.steps:
            raise MvaeError(f"{self.windows_name} must be ({self.steps},) or (n, {self.steps}) for this model, got "
                            f"shape {arr.shape}")
        return torch.from_numpy(arr.astype(np.int64))

    def encoder_input(self, batch: torch.Tensor) -> torch.Tensor:
        """What the encoder reads for a batch of windows (B, T) int64 (default: the classes themselves)."""
        return batch

    # -- the model's latent space: the VAE's own, unless a model maps it (a personalized melody model's
    # small VAE over these codes, melody/personal_model.py) --------------------------------------------

    def latent_from_vae(self, mu: torch.Tensor) -> torch.Tensor:
        """The model's codes (n, z_size) of the VAE's posterior means (n, Z) (default: themselves)."""
        return mu

    def vae_from_latent(self, z: torch.Tensor) -> torch.Tensor:
        """The VAE codes (n, Z) the VAE's decoder reads for the model's codes (n, z_size) (default: themselves)."""
        return z

    def drawn_codes(self, n: int, seed: int | None, meter=None) -> np.ndarray:
        """n codes (n, z_size) float32 from the model's prior: N(0, I), its fitted code prior, or the fitted
        prior of `meter` where it has one."""
        from musicvae_lite.core.latent import draw_codes

        scale = getattr(self.config, "code_prior_scale", 1.0)
        return np.asarray(draw_codes(self.vae, prior_codes(self.z_size, n, seed), scale, meter_prior_index(self, meter)),
                          np.float32)


def trained_from_checkpoint(cls: type[M], state, name: str, config_from_dict: Callable[[dict], Any],
                            build: Callable[[Any], VAE]) -> M:
    """`cls` around the VAE in an already loaded `Checkpoint` (core/checkpoint.py): its config rebuilt from
    the checkpoint's `task.model`, the model built from it, the weights loaded, eval mode, CPU."""
    cfg = config_from_dict(state.config["task"]["model"])
    vae = build(cfg)
    vae.load_state_dict(state.model)
    vae.eval()
    return cls(vae, cfg, state.step, name)


def chord_controls_of(chords, steps: int, n: int) -> torch.Tensor:
    """The chord features (n, steps, CHORD_SIZE) of chord classes (steps,) or (n, steps) (None: not given, all
    zeros); a one-line error when their length is not the windows'."""
    from musicvae_lite.music.chord_controls import chord_features, unknown_chords

    arr = unknown_chords(n, steps) if chords is None else np.asarray(chords)
    arr = np.broadcast_to(arr, (n, arr.shape[-1])) if arr.ndim == 1 else arr
    if arr.ndim != 2 or arr.shape != (n, steps):
        raise MvaeError(f"chords must be ({steps},) or ({n}, {steps}) chord classes for these windows, got shape "
                        f"{np.asarray(chords).shape}")
    return torch.from_numpy(chord_features(arr))


@torch.no_grad()
def decode_codes(vae: VAE, z_size: int, codes, *, temperature: float = 0.0, seed: int | None = None,
                 controls: Callable[[int], torch.Tensor | None] | None = None,
                 to_vae: Callable[[torch.Tensor], torch.Tensor] | None = None,
                 guide: tuple[Callable[[int], torch.Tensor], float] | None = None,
                 allowed: np.ndarray | None = None) -> np.ndarray:
    """Windows (n, steps) int64 from codes (Z,) or (n, Z); `controls(n)` gives the per-step controls of a
    decoder that reads them; `to_vae` maps codes of z_size numbers to the ones the VAE's decoder reads;
    `guide` (the controls without the condition, by n; weight) decodes with classifier-free guidance;
    `allowed` (n, steps, C) bool limits each step to the classes it marks (networks/lstm_decoder.py)."""
    z = torch.as_tensor(np.asarray(codes, np.float32))
    if z.ndim == 1:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != z_size:
        raise CodesShapeError(f"codes must be (n, {z_size}) for this model, got shape {tuple(z.shape)}",
                              int(z.shape[-1]) if z.ndim else 0)
    if temperature < 0:
        raise MvaeError(f"temperature must be 0 (greedy) or more, got {temperature}")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    z = to_vae(z) if to_vae is not None else z
    extra = controls(len(z)) if controls is not None else None
    steering = {}
    if guide is not None and guide[1] != 1.0:
        steering["guide"] = (guide[0](len(z)), guide[1])
    if allowed is not None:
        steering["allowed"] = torch.from_numpy(np.asarray(allowed, bool))
    if steering:
        if "guide" not in inspect.signature(vae.decoder.generate).parameters:
            raise MvaeError("this model's decoder cannot weigh chords or keep a rhythm (a flat 2-bar model can)")
        return vae.decoder.generate(z, temperature=temperature, generator=gen, controls=extra, **steering).numpy()
    if extra is not None:
        return vae.decoder.generate(z, temperature=temperature, generator=gen, controls=extra).numpy()
    return vae.decoder.generate(z, temperature=temperature, generator=gen).numpy()


def interpolate_between(encode: Encode, decode: Decode, a, b, n: int, method: str = "slerp") -> np.ndarray:
    """n windows from a to b through latent space, both ends included."""
    if n < 2:
        raise MvaeError(f"an interpolation needs at least 2 steps, got {n}")
    za, zb = encode(np.stack([np.asarray(a), np.asarray(b)]))
    return decode(np.asarray(interpolate_codes(torch.from_numpy(za), torch.from_numpy(zb), n, method=method)))


def grid_between(encode: Encode, decode: Decode, corners, n: int) -> np.ndarray:
    """The n x n grid (n * n, steps), row by row, between four corners (top-left, top-right, bottom-left,
    bottom-right): the bilinear grid of their codes."""
    if n < 2:
        raise MvaeError(f"a grid needs n of at least 2, got {n}")
    codes = torch.from_numpy(encode(np.stack([np.asarray(c) for c in corners])))
    if len(codes) != 4:
        raise MvaeError(f"a grid has four corners, got {len(codes)}")
    return decode(bilinear_grid(codes, n, n).reshape(n * n, -1).numpy())


def prior_codes(z_size: int, n: int, seed: int | None = None) -> np.ndarray:
    """n codes z ~ N(0, I), (n, Z) float32, from `seed` when given."""
    if n < 1:
        raise MvaeError(f"asked for {n} samples")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    return torch.randn(n, z_size, generator=gen).numpy()


# -- the generation API over any TrainedSequenceModel ------------------------------------------------


def as_meter(meter):
    """A meter as the API takes it: a music.meter.Meter, a label like "6/8", or None."""
    if meter is None or not isinstance(meter, str):
        return meter
    from musicvae_lite.music.meter import parse_meter

    try:
        return parse_meter(meter)
    except ValueError as e:
        raise MvaeError(str(e)) from None


def encode(model: TrainedSequenceModel, events, *, meter=None, chords=None) -> np.ndarray:
    """Posterior means (n, Z) float32 of windows (steps,) or (n, steps), in `meter` (a music.meter.Meter;
    None: the meter their length is written in, e.g. 24 steps as 3/4) for a model that reads it, over `chords`
    (steps,) or (n, steps) chord classes for a model that reads chords (None: not given)."""
    return model.latent_from_vae(posterior(model, events, meter=meter, chords=chords).mu).numpy().astype(np.float32)


@torch.no_grad()
def posterior(model: TrainedSequenceModel, events, *, meter=None, chords=None):
    """The encoder's posterior (core/vae.py `Posterior`: mu, logvar (n, Z)) of windows, as `encode` reads them."""
    meter = as_meter(meter)
    batch = model.batch(events)
    controls = model.controls(meter, batch.shape[1], len(batch), chords)
    x = model.encoder_input(batch)
    return model.vae.encoder(x) if controls is None else model.vae.encoder(x, controls)


def encode_in_meters(model: TrainedSequenceModel, events, meters) -> np.ndarray:
    """Codes (N, Z) float32 of windows (N, steps), each encoded in its meter (meters: (N,) labels like "6/8"
    or Meters; None, or a model that does not read the meter: the meter their length is written in), one
    batch of up to 512 windows of one meter at a time."""
    events = np.asarray(events)
    codes = np.zeros((len(events), model.z_size), np.float32)
    labels = np.full(len(events), "") if meters is None or not model.reads_meter else \
        np.array([m if isinstance(m, str) else m.label for m in meters], dtype=str)
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        for i in range(0, len(where), 512):
            codes[where[i:i + 512]] = encode(model, events[where[i:i + 512]], meter=label or None)
    return codes


def decode(model: TrainedSequenceModel, codes, *, temperature: float = 0.0, seed: int | None = None,
           meter=None, chords=None, chord_weight: float = 1.0, allowed=None) -> np.ndarray:
    """Windows (n, steps) from codes (Z,) or (n, Z); greedy at temperature 0; in `meter` (None: 4/4, or the
    model's own) for a model that reads it; over `chords` (steps,) or (n, steps) chord classes for a model that
    reads chords (None: the model chooses the harmony), followed `chord_weight` times as strongly as the model
    alone would (classifier-free guidance; 1: the model as it is); `allowed` (n, steps, classes) bool: the
    classes each step may take (a family's rhythm mask, e.g. melody/reharmonize.py's)."""
    meter = as_meter(meter)
    steps = model.steps_for(meter)
    if chord_weight < 0:
        raise MvaeError(f"the chord weight must be 0 or more, got {chord_weight}")
    guide = (lambda n: model.controls(meter, steps, n), chord_weight) if chords is not None else None
    out = decode_codes(model.vae, model.z_size, codes, temperature=temperature, seed=seed,
                       controls=lambda n: model.controls(meter, steps, n, chords), to_vae=model.vae_from_latent,
                       guide=guide, allowed=allowed)
    return out.astype(model.events_dtype)


def reconstruct(model: TrainedSequenceModel, events, *, temperature: float = 0.0,
                seed: int | None = None, meter=None, chords=None) -> np.ndarray:
    """Decode the codes of windows: what the model makes of them (a model that reads chords reads `chords` on
    both sides)."""
    meter = as_meter(meter) or window_meter(model, events)
    return decode(model, encode(model, events, meter=meter, chords=chords), temperature=temperature, seed=seed,
                  meter=meter, chords=chords)


def window_meter(model: TrainedSequenceModel, events):
    """The meter windows of this length are written in, for a model that reads the meter (None otherwise):
    24 steps are read as 3/4, 48 as 12/8; a 6/8 or 3/2 window needs its meter given (`meter=`)."""
    if not model.reads_meter:
        return None
    from musicvae_lite.music.meter import meter_for

    return meter_for(np.asarray(events).shape[-1] // model.config.bars)


def interpolate(model: TrainedSequenceModel, a, b, n: int = 7, *, method: str = "slerp", temperature: float = 0.0,
                seed: int | None = None, meter=None, chords=None, chord_weight: float = 1.0) -> np.ndarray:
    """n windows (n, steps) from a to b through latent space, both ends included (the ends are the
    reconstructions of a and b when decoding greedily); a and b in one meter. A model that reads chords decodes
    every window over `chords` (steps,) (the melody morphs, the harmony stays); the ends are read without."""
    meter = as_meter(meter) or window_meter(model, a)
    return interpolate_between(lambda x: encode(model, x, meter=meter),
                               lambda z: decode(model, z, temperature=temperature, seed=seed, meter=meter,
                                                chords=chords, chord_weight=chord_weight),
                               a, b, n, method)


def grid(model: TrainedSequenceModel, corners, n: int = 5, *, temperature: float = 0.0,
         seed: int | None = None, meter=None) -> np.ndarray:
    """An n x n grid (n * n, steps), row by row, between four corner windows (top-left, top-right,
    bottom-left, bottom-right): the bilinear grid of their codes (magenta.js's 4-corner interpolation)."""
    meter = as_meter(meter) or window_meter(model, corners[0])
    return grid_between(lambda x: encode(model, x, meter=meter),
                        lambda z: decode(model, z, temperature=temperature, seed=seed, meter=meter), corners, n)


def sample(model: TrainedSequenceModel, n: int = 8, *, temperature: float = 0.5, seed: int | None = None,
           meter=None, chords=None, chord_weight: float = 1.0) -> np.ndarray:
    """n new windows from z ~ N(0, I), or from the model's fitted code prior when it has one (the meter's own,
    when the model has one for `meter`); in `meter` for a model that reads it (None: 4/4); over `chords`
    (steps,) or (n, steps) for a model that reads chords."""
    meter = as_meter(meter)
    return decode(model, drawn_codes(model, n, seed, meter), temperature=temperature,
                  seed=None if seed is None else seed + 1, meter=meter, chords=chords, chord_weight=chord_weight)


def drawn_codes(model: TrainedSequenceModel, n: int, seed: int | None, meter=None) -> np.ndarray:
    """n codes (n, Z) float32 from the model's prior (`TrainedSequenceModel.drawn_codes`)."""
    return model.drawn_codes(n, seed, meter)


def meter_prior_index(model: TrainedSequenceModel, meter) -> int | None:
    """Which of the model's fitted per-meter priors serves `meter` (None: 4/4 for a model that reads the meter),
    None when it has none for it."""
    fitted = tuple(getattr(model.config, "meter_priors", ()))
    label = meter.label if meter is not None else ("4/4" if model.reads_meter else None)
    return fitted.index(label) if label in fitted else None


def vary(model: TrainedSequenceModel, events, n: int = 8, *, amount: float = 0.3, temperature: float = 0.0,
         seed: int | None = None, meter=None) -> np.ndarray:
    """n variations (n, steps) of one window: its code moved `amount` of the way, along the sphere (core/latent.py
    slerp), towards each of n codes drawn from the model's prior (the meter's own where it has one). 0 gives n
    reconstructions, 1 n prior samples; decoded greedily at temperature 0."""
    from musicvae_lite.core.latent import slerp

    if not 0.0 <= amount <= 1.0:
        raise MvaeError(f"--amount is the share of the way to a random code, 0..1; got {amount:g}")
    meter = as_meter(meter) or window_meter(model, events)
    z = encode(model, events, meter=meter)
    if len(z) != 1:
        raise MvaeError(f"vary takes one window, got {len(z)}")
    towards = drawn_codes(model, n, seed, meter)
    codes = torch.stack([slerp(torch.from_numpy(z[0]), torch.from_numpy(r), amount) for r in towards])
    return decode(model, codes.numpy().astype(np.float32), temperature=temperature,
                  seed=None if seed is None else seed + 1, meter=meter)

