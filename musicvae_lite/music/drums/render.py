"""Drum windows -> General MIDI drums and audio: the inverse of extraction (extract.py), for the drum VAE
(hits alone) and GrooVAE (hits with velocities and timing offsets).

MIDI: one drum track (channel 10), each hit at its class's first General MIDI pitch (magenta's decoding,
encoding.py), lasting one step, at velocity `round(127 v)` (DEFAULT_VELOCITY without velocities) and
moved from its grid step by its offset (a fraction of a step), so a groove keeps its micro-timing; at
the source's tempo, or under its tempo map for a whole file (music/tempo.py), so drums made for a melody
that slows down slow down with it. Several windows play in turn, each on a bar line, as the melodies'
stitched files do (grid.starts_in_turn).

Audio: a small drum synthesizer, one voice per class, each a few lines of textbook synthesis (cf. Gordon
Reid's "Synth Secrets" on kick, snare and cymbal synthesis, Sound On Sound 2001-2002): kick and toms a
sine whose pitch falls under an exponential decay; the snare a tone body plus noise; hi-hats, crash and
ride noise through a first-difference high-pass (and, for the ride, a few inharmonic partials) with short
or long decays. Each voice is rendered once per sample rate (its noise from a fixed seed, so a render is
repeatable), scaled by velocity and placed at its onset; the mix is scaled to the melodies' 0.9 peak.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.audio import (
    DEFAULT_QPM,
    DEFAULT_SAMPLE_RATE,
    PEAK,
    RELEASE_S,
    num_samples,
)
from musicvae_lite.music.drums.encoding import DRUM_PITCHES, NUM_DRUMS
from musicvae_lite.music.grid import STEPS_PER_QUARTER, starts_in_turn
from musicvae_lite.music.meter import DEFAULT_METER, Meter
from musicvae_lite.music.midi_write import TICKS_PER_STEP, check_program, check_velocity, new_score
from musicvae_lite.music.tempo import as_tempo_map, check_qpm, steps_to_seconds

DEFAULT_VELOCITY = 100  # a hit without a velocity (the drum VAE's output)
TAIL_S = 1.5  # audio kept after the last step, so cymbals ring out

# (kind, start Hz, end Hz, decay s, noise share) per class, in encoding.DRUM_NAMES order
VOICES = (
    ("drum", 150.0, 48.0, 0.35, 0.0),  # kick
    ("snare", 190.0, 160.0, 0.16, 0.7),  # snare
    ("hat", 0.0, 0.0, 0.05, 1.0),  # closed hi-hat
    ("hat", 0.0, 0.0, 0.35, 1.0),  # open hi-hat
    ("drum", 110.0, 80.0, 0.4, 0.05),  # low tom
    ("drum", 160.0, 120.0, 0.35, 0.05),  # mid tom
    ("drum", 220.0, 170.0, 0.3, 0.05),  # high tom
    ("hat", 0.0, 0.0, 1.4, 1.0),  # crash
    ("ride", 0.0, 0.0, 0.9, 0.6),  # ride
)


def _window_arrays(hits, velocity, offset, *, default: int = DEFAULT_VELOCITY
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, 9) hits bool, velocities float in [0, 1] (`default` / 127 where none is given) and offsets
    float, checked."""
    hits = np.asarray(hits, bool)
    if hits.ndim != 2 or hits.shape[1] != NUM_DRUMS:
        raise MvaeError(f"a drum window is (steps, {NUM_DRUMS}) hits, got shape {hits.shape}")
    vel = np.full(hits.shape, check_velocity(default) / 127.0) if velocity is None else np.asarray(velocity, np.float64)
    off = np.zeros(hits.shape) if offset is None else np.asarray(offset, np.float64)
    if vel.shape != hits.shape or off.shape != hits.shape:
        raise MvaeError(f"velocities and offsets must have the hits' shape {hits.shape}")
    if not (np.isfinite(vel).all() and np.isfinite(off).all()):
        raise MvaeError("velocities and offsets must be finite numbers")
    return hits, np.clip(vel, 0.0, 1.0), np.clip(off, -0.5, 0.5)


def _laid_out(windows: Sequence, gap_steps: int, meter: Meter,
              velocity: int) -> tuple[list[tuple[float, int, float]], int]:
    """Hits of windows played in turn, each on a bar line (grid.starts_in_turn): (onset in steps, class,
    velocity 0..1) each, and the total steps. A hit without a velocity gets `velocity` (1..127)."""
    if not len(windows):
        raise MvaeError("no drum window to render")
    arrays = [_window_arrays(*w, default=velocity) if isinstance(w, tuple) else
              _window_arrays(w, None, None, default=velocity) for w in windows]
    starts, total = starts_in_turn([len(a[0]) for a in arrays], gap_steps=gap_steps,
                                  bar_steps=meter.steps_per_bar)
    events = []
    for (hits, vel, off), start in zip(arrays, starts):
        for s, d in zip(*np.nonzero(hits)):
            events.append((max(0.0, start + s + off[s, d]), int(d), float(vel[s, d])))
    return sorted(events), total


def drum_midi_bytes(windows: Sequence, *, qpm: float | None = None, gap_steps: int = 0, meter: Meter = DEFAULT_METER,
                    tempo_map: Sequence[tuple[int, float]] | None = None, velocity: int = DEFAULT_VELOCITY,
                    program: int = 0) -> bytes:
    """A MIDI file playing drum windows in turn on channel 10, each on a bar line (grid.starts_in_turn).
    Each window is hits (steps, 9), or a tuple (hits, velocity or None, offset or None) of (steps, 9)
    arrays; a hit without a velocity gets `velocity`. The tempo is `qpm`, or `tempo_map`'s (step, qpm)
    changes (music/tempo.py: a whole file's tempo, so the drums stay with the music they were made for).
    `program` on channel 10 picks a General MIDI 2 drum kit (0: the standard kit); bars and the time
    signature are `meter`'s."""
    import symusic

    events, _ = _laid_out(windows, gap_steps, meter, velocity)
    score = new_score(qpm=qpm, tempo_map=tempo_map, meter=meter)
    track = symusic.Track("drums", check_program(program), True)
    for onset, drum, vel in events:
        track.notes.append(symusic.Note(round(onset * TICKS_PER_STEP), TICKS_PER_STEP, DRUM_PITCHES[drum][0],
                                        max(1, round(vel * 127))))
    score.tracks.append(track)
    return score.dumps_midi()


@functools.lru_cache(maxsize=4)
def voices(sample_rate: int = DEFAULT_SAMPLE_RATE) -> tuple[np.ndarray, ...]:
    """The nine drum voices at full velocity, one float64 array each (read-only)."""
    out = []
    for i, (kind, f_start, f_end, decay, noise_share) in enumerate(VOICES):
        n = round((decay * 5 + 0.01) * sample_rate)
        t = np.arange(n) / sample_rate
        env = np.exp(-t / decay)
        noise = np.random.default_rng(1000 + i).standard_normal(n)
        tone = np.zeros(n)
        if kind in ("drum", "snare"):
            freq = f_end + (f_start - f_end) * np.exp(-t / 0.04)  # the pitch falls fast after the strike
            tone = np.sin(2 * np.pi * np.cumsum(freq) / sample_rate)
        if kind in ("snare", "hat", "ride") or noise_share:
            noise = np.diff(noise, prepend=0.0) if kind in ("hat", "ride") else noise  # high-passed for metal
            noise = noise / (np.abs(noise).max() or 1.0)
        if kind == "ride":
            tone = sum(np.sin(2 * np.pi * f * t) for f in (3120.0, 4410.0, 5270.0, 6870.0)) / 4
        voice = env * ((1 - noise_share) * tone + noise_share * noise)
        attack = min(n, int(0.002 * sample_rate))
        voice[:attack] *= np.linspace(0.0, 1.0, attack, endpoint=False)  # no click at the onset
        voice /= np.abs(voice).max() or 1.0
        voice.flags.writeable = False
        out.append(voice)
    return tuple(out)


def synthesize_drums(windows: Sequence, *, qpm: float = DEFAULT_QPM, sample_rate: int = DEFAULT_SAMPLE_RATE,
                     gap_steps: int = 0, meter: Meter = DEFAULT_METER,
                     tempo_map: Sequence[tuple[int, float]] | None = None,
                     velocity: int = DEFAULT_VELOCITY) -> np.ndarray:
    """Drum windows played in turn (as in `drum_midi_bytes`, at `qpm` or under `tempo_map`) -> float32
    mono audio: the grid's exact length (audio.num_samples of the total steps) plus `TAIL_S` for the
    cymbals, scaled to a 0.9 peak."""
    check_qpm(qpm)
    events, total = _laid_out(windows, gap_steps, meter, velocity)
    tempo = as_tempo_map(tempo_map, qpm)
    audio = np.zeros(num_samples(total, qpm, sample_rate, tempo_map=tempo) - round(RELEASE_S * sample_rate)
                     + round(TAIL_S * sample_rate))
    kit = voices(int(sample_rate))
    onsets = np.rint(steps_to_seconds([e[0] for e in events], tempo) * sample_rate).astype(np.int64).tolist()
    for a, (_, drum, vel) in zip(onsets, events):
        sound = kit[drum][: len(audio) - a]
        audio[a:a + len(sound)] += vel * sound
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 0:
        audio *= PEAK / peak
    return audio.astype(np.float32)


def kit_settings(sample_rate: int = DEFAULT_SAMPLE_RATE) -> dict:
    """What a renderer elsewhere (the web page's) needs to sound like `synthesize_drums`: the voices'
    lengths (their samples come from `kit_bytes`), each class's General MIDI pitch, the default velocity,
    the tail and the peak."""
    return {"sample_rate": sample_rate, "qpm": DEFAULT_QPM, "steps_per_quarter": STEPS_PER_QUARTER,
            "lengths": [len(v) for v in voices(sample_rate)], "pitches": [p[0] for p in DRUM_PITCHES],
            "velocity": DEFAULT_VELOCITY / 127.0, "tail_s": TAIL_S, "peak": PEAK}


def kit_bytes(sample_rate: int = DEFAULT_SAMPLE_RATE) -> bytes:
    """The nine voices as little-endian float64, one after another (lengths in `kit_settings`)."""
    return np.concatenate(voices(sample_rate)).astype("<f8").tobytes()
