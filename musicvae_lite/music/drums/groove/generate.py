"""The GrooVAE generation API the groove family's verbs are thin shells over: a trained GrooVAE, the
windows and whole-file grids of a MIDI file in its view (with the file's tempo map, so that what is made
from a whole file is written at the file's tempo: music/tempo.py), and encode / decode / humanize /
drumify / interpolate / sample.

A performance here is the tuple (hits bool, velocities, offsets) of (n, T, 9) arrays (one window: (T, 9)),
the form render.py, plots.py and the drum outputs take. Codes are posterior means. Decoding is greedy at
temperature 0 (a hit where its probability passes 1/2) and samples each hit otherwise; velocities and
offsets are the decoder's outputs, kept where a drum is hit. Humanizing decodes with the input's hits
given (decoder.py), so only how they are played changes (the paper's humanization: "the same hits with
a drummer's timing and dynamics")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from musicvae_lite.core.latent import interpolate as interpolate_codes
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_DRUMS
from musicvae_lite.music.drums.names import METER_REASON
from musicvae_lite.music.errors import NoDrumsError
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.groove.views import COMMAND, model_inputs, split_performance
from musicvae_lite.music.sequence_generate import TrainedSequenceModel, prior_codes, trained_from_checkpoint
from musicvae_lite.music.playback import Playback
from musicvae_lite.music.tempo import TempoMap, tempo_map_of

Performance = tuple[np.ndarray, np.ndarray, np.ndarray]  # hits bool, velocities, offsets: (n, T, 9) each


@dataclass
class GrooveModel(TrainedSequenceModel):
    """A trained GrooVAE ready to use (CPU, eval mode)."""

    config: GrooveModelConfig

    @property
    def view(self) -> str:
        return self.config.view


def model_from_checkpoint(state, name: str) -> GrooveModel:
    from musicvae_lite.music.drums.groove.model import (
        build_groove_vae,
        model_config_from_dict,
    )

    return trained_from_checkpoint(GrooveModel, state, name, model_config_from_dict, build_groove_vae)


def _no_beat(model: GrooveModel, e: NoDrumsError) -> MvaeError:
    meter = f"; {METER_REASON}" if e.kind == "unsupported-meter" else ""
    if model.view == "drumify":
        return MvaeError(f"no rhythm in {e.path}: {e.reason}{meter}")
    hint = ("; to make a beat from a melody's rhythm use `mvae drumify`, for melodies a melody model "
            "(--model default)") if e.kind == "no-drums" else meter
    return MvaeError(f"no {model.config.bars}-bar drum beat in {e.path}: {e.reason}{hint}")


def read_window(model: GrooveModel, path: str | Path, window: int = 0) -> tuple[Performance, Playback]:
    """Window `window` of a file as a performance of (T, 9) arrays: one of its drum windows (`mvae windows
    --family drums` lists them) for humanize and full models; for drumify models, one of the consecutive
    windows of its rhythm (any notes, `read_whole`); and the Playback it carries (the drum window's tempo,
    kit and loudness; the rhythm's tempo where the window starts)."""
    from musicvae_lite.music.drums.extract import DrumConfig, extract_drum_file
    from musicvae_lite.music.tempo import as_tempo_map

    if model.view == "drumify":
        whole = read_whole(model, path)
        (hits, vel, off), found = whole.perf, None
        start = window * model.steps
        tempo = [q for step, q in as_tempo_map(whole.tempo_map) if step <= start][-1]
    else:
        try:
            found = extract_drum_file(path, DrumConfig(bars=model.config.bars))
        except NoDrumsError as e:
            raise _no_beat(model, e) from None
        hits, vel, off = found.hits, found.velocity, found.offset
    if not 0 <= window < len(hits):
        raise MvaeError(f"{path}: --window {window} does not exist; it has windows 0..{len(hits) - 1}")
    playback = found.playback(window) if found is not None else Playback(qpm=tempo)
    return (hits[window], vel[window], off[window]), playback


@dataclass(frozen=True)
class WholeFile:
    """All of a file in a model's view: `perf`, its consecutive windows ((n, T, 9) arrays, the last padded
    with silence), and `tempo_map`, the file's tempo changes on the grid of those windows played in turn
    ((step, qpm) pairs, music/tempo.py), for writing the result at the file's tempo."""

    perf: Performance
    tempo_map: TempoMap

    @property
    def qpm(self) -> float:
        """The tempo at the start (rounded: music/tempo.py)."""
        return self.tempo_map[0][1]


def read_whole(model: GrooveModel, path: str | Path, *, midi=None) -> WholeFile:
    """All of a file, cut into consecutive windows of the model's length, with its tempo map: its drums
    for humanize and full models, the onsets of all its notes for drumify models. Its 4/4 stretches follow
    one another (another meter between them is left out, and so are its tempo changes)."""
    from musicvae_lite.music.drums.extract import drum_stretches
    from musicvae_lite.music.midi_read import read_midi

    midi = read_midi(path) if midi is None else midi
    try:
        stretches = drum_stretches(midi, taps=model.view == "drumify")
    except NoDrumsError as e:
        raise _no_beat(model, e) from None
    arrays = [np.concatenate([getattr(s, k) for s in stretches]) for k in ("hits", "velocity", "offset")]
    pad = -len(arrays[0]) % model.steps
    arrays = [np.concatenate([a, np.zeros((pad, NUM_DRUMS), a.dtype)]).reshape(-1, model.steps, NUM_DRUMS)
              for a in arrays]
    tempo = tempo_map_of(midi, [(s.start_tick, len(s.hits)) for s in stretches])
    return WholeFile((arrays[0], arrays[1], arrays[2]), tempo)


def whole_file(model: GrooveModel, path: str | Path, *, midi=None) -> tuple[Performance, float]:
    """`read_whole`'s windows and the file's tempo at the start (rounded; 120 qpm when it sets none)."""
    whole = read_whole(model, path, midi=midi)
    return whole.perf, whole.qpm


def _stacked(model: GrooveModel, perf: Performance) -> Performance:
    hits, vel, off = (np.asarray(a) for a in perf)
    if hits.ndim == 2:
        hits, vel, off = hits[None], vel[None], off[None]
    if hits.ndim != 3 or hits.shape[1:] != (model.steps, NUM_DRUMS):
        raise MvaeError(f"a performance must be ({model.steps}, {NUM_DRUMS}) or (n, {model.steps}, {NUM_DRUMS}) "
                        f"arrays, got {hits.shape}")
    return hits.astype(bool), vel.astype(np.float32), off.astype(np.float32)


@torch.no_grad()
def encode(model: GrooveModel, perf: Performance) -> np.ndarray:
    """Posterior means (n, Z) float32 of performances (their view is what the encoder reads)."""
    view = model_inputs(model.config, *_stacked(model, perf))[0]
    return model.vae.encoder(torch.from_numpy(view)).mu.numpy().astype(np.float32)


def _codes(model: GrooveModel, codes) -> torch.Tensor:
    z = torch.as_tensor(np.asarray(codes, np.float32))
    z = z[None] if z.ndim == 1 else z
    if z.ndim != 2 or z.shape[1] != model.z_size:
        raise MvaeError(f"codes must be (n, {model.z_size}) for this model, got shape {tuple(z.shape)}")
    return z


def control_of(model: GrooveModel, perf: Performance) -> np.ndarray | None:
    """What a model whose decoder takes a control reads at each step of `perf` (views.model_inputs), else None."""
    return model_inputs(model.config, *_stacked(model, perf))[1]


@torch.no_grad()
def decode(model: GrooveModel, codes, *, temperature: float = 0.0, seed: int | None = None,
           hits: np.ndarray | None = None, control: np.ndarray | None = None) -> Performance:
    """Performances from codes (Z,) or (n, Z); with `hits` (n, T, 9) those hits are kept and only their
    velocities and offsets decoded. At temperature 0 a drum is hit where its probability passes the
    model's `hit_threshold`. A model whose decoder takes a control (presets.py) needs `control`
    (n, T, C): the view of an input (`control_of`)."""
    if temperature < 0:
        raise MvaeError(f"temperature must be 0 (greedy) or more, got {temperature}")
    z = _codes(model, codes)
    if model.config.control and control is None:
        command = COMMAND[model.view]
        raise MvaeError(f"{model.name} decodes under the {'hits' if model.view == 'humanize' else 'rhythm'} of an "
                        f"input, so it cannot decode from codes alone (sample, interpolate, decode); use `mvae "
                        f"{command}` or `reconstruct`, or the drum VAE (--model drums)")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    given = None if hits is None else torch.from_numpy(np.asarray(hits, np.float32))
    ctrl = None if control is None or not model.config.control else torch.from_numpy(np.asarray(control, np.float32))
    out = model.vae.decoder.generate(z, temperature=temperature, generator=gen, hits=given, control=ctrl,
                                     threshold=model.config.hit_threshold).numpy()
    return split_performance(out)


def humanize(model: GrooveModel, perf: Performance, *, temperature: float = 0.0, seed: int | None = None) -> Performance:
    """The same hits, played: velocities and offsets decoded from the code of the hits' view."""
    hits, vel, off = _stacked(model, perf)
    return decode(model, encode(model, (hits, vel, off)), temperature=temperature, seed=seed, hits=hits,
                  control=control_of(model, (hits, vel, off)))


def drumify(model: GrooveModel, perf: Performance, *, temperature: float = 0.0, seed: int | None = None) -> Performance:
    """A beat decoded freely from the code of a rhythm (the tap view of `perf`)."""
    return decode(model, encode(model, perf), temperature=temperature, seed=seed, control=control_of(model, perf))


def convert(model: GrooveModel, perf: Performance, *, temperature: float = 0.0, seed: int | None = None) -> Performance:
    """What the model is for: humanize models keep the hits, the others decode freely."""
    return (humanize if model.view == "humanize" else drumify)(model, perf, temperature=temperature, seed=seed)


def interpolate(model: GrooveModel, a: Performance, b: Performance, n: int = 7, *, temperature: float = 0.0,
                seed: int | None = None) -> Performance:
    """n performances from a to b through latent space (spherical), both ends included."""
    if n < 2:
        raise MvaeError(f"an interpolation needs at least 2 steps, got {n}")
    za, zb = encode(model, tuple(np.stack([x, y]) for x, y in zip(a, b)))
    path = interpolate_codes(torch.from_numpy(za), torch.from_numpy(zb), n)
    return decode(model, np.asarray(path), temperature=temperature, seed=seed)


def sample(model: GrooveModel, n: int = 8, *, temperature: float = 0.5, seed: int | None = None) -> Performance:
    """n performances from z ~ N(0, I)."""
    return decode(model, prior_codes(model.z_size, n, seed), temperature=temperature,
                  seed=None if seed is None else seed + 1)


def played_errors(a: Performance, b: Performance) -> tuple[float, float]:
    """Mean absolute offset (steps) and velocity (0-127) differences of b from a, over a's hits."""
    hits = np.asarray(a[0], bool)
    if not hits.any():
        return 0.0, 0.0
    return (float(np.abs(np.asarray(b[2]) - a[2])[hits].mean()),
            float(np.abs(np.asarray(b[1]) - a[1])[hits].mean() * 127))


def join(perf: Performance) -> Performance:
    """(n, T, 9) windows -> one (n * T, 9) performance, played in turn without gaps."""
    return tuple(np.asarray(a).reshape(-1, NUM_DRUMS) for a in perf)

