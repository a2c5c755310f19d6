"""Notes -> audio for every music family: a small built-in synthesizer, WAV writing, and FluidSynth
for SoundFonts.

The built-in synthesizer needs no system library. Each note is additive synthesis of a few harmonic
partials (equal temperament, A4 = 440 Hz) under a plucked, piano-like envelope: a 5 ms raised-cosine
attack, an exponential decay that is faster for higher partials and higher notes (the way a struck
string loses its brightness first; cf. Smith, "Physical Audio Signal Processing", on piano partial
decay), and a 100 ms raised-cosine release after the note ends, so nothing clicks. Notes are summed and
the whole is scaled to a 0.9 peak, so it never clips.

Timing is exact on the 16th-note grid: one step lasts ``60 / qpm / 4`` seconds, and the audio of a
melody of ``steps`` steps is exactly ``round(steps * 60 / qpm / 4 * sample_rate)`` samples plus a
release tail of ``round(RELEASE_S * sample_rate)`` samples (see `num_samples`), so the last note can
fade out. Under a tempo map (a whole file's tempo changes, music/tempo.py) each step lasts what the
tempo in force there says. Several melodies are played in turn, each on a bar line (as `grid.lay_out`
lays them out), for rendering a stitched interpolation; a family turns its events into notes first (the
melodies' `melody/render.py`). The timbre follows the General MIDI program's family, roughly
(`TIMBRES`: partials, a decaying or held envelope, an attack; program 0, the piano, is the sound above);
a SoundFont plays the program the MIDI file names.

With a SoundFont (the CLI's ``--soundfont``) a MIDI file is rendered by FluidSynth instead
(https://www.fluidsynth.org): the ``fluidsynth`` program (``fluidsynth -ni -F out.wav -r rate sf2 mid``)
when it is on PATH, else the ``pyfluidsynth`` binding driven offline, event by event.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from musicvae_lite.errors import MvaeError, OverwriteError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.grid import STEPS_PER_QUARTER, Note
from musicvae_lite.music.midi_write import check_program
from musicvae_lite.music.tempo import DEFAULT_QPM, as_tempo_map, check_qpm, steps_to_seconds

DEFAULT_SAMPLE_RATE = 22050  # plenty for a melody's partials, half the size of 44.1 kHz
ATTACK_S = 0.005  # raised-cosine fade-in of every note: no click at the onset
RELEASE_S = 0.1  # raised-cosine fade-out after a note ends; also the tail after the last step
PEAK = 0.9  # the rendered audio is scaled to this peak (about -0.9 dBFS)
PARTIALS = (1.0, 0.5, 0.32, 0.2, 0.12, 0.07)  # amplitude of harmonic k+1: a soft, piano-like timbre
DECAY_S = 1.2  # decay time constant of the fundamental of A4; scales with (440 / f) ** 0.5
NYQUIST_FRACTION = 0.45  # partials at or above this fraction of the sample rate are left out (no aliasing)
TONE_CACHE = 128  # rendered notes kept for reuse (interpolations repeat the same notes many times)
TONE_CACHE_MAX_S = 2.0  # only notes up to this long are kept: at most about 45 MB at 22.05 kHz
FLUIDSYNTH_TIMEOUT_S = 600  # a stuck fluidsynth process is stopped after this long


class Timbre(NamedTuple):
    """How the built-in synthesizer sounds one General MIDI family: harmonic amplitudes, the decay time
    constant of A4's fundamental (None: held at full level while the note sounds, as an organ, a wind or a
    bowed string is) and the raised-cosine attack."""

    partials: tuple[float, ...]  # amplitude of harmonic k+1
    decay_s: float | None  # scales with (440 / f) ** 0.5, faster for higher partials; None: no decay
    attack_s: float


PIANO = Timbre(PARTIALS, DECAY_S, ATTACK_S)  # the default, and what every program sounded like before
# General MIDI Level 1 groups its 128 programs into 16 families of 8 (MMA, "General MIDI System Level 1",
# sound set); one rough timbre per family, from the textbook shapes of the instruments' spectra (a flute is
# nearly a sine, a clarinet favours odd harmonics, bowed strings and brass are sawtooth-like and bright)
TIMBRES = (
    PIANO,  # 0-7 piano
    Timbre((1.0, 0.3, 0.4, 0.1, 0.15, 0.05), 0.5, 0.002),  # 8-15 chromatic percussion: bright and short
    Timbre((1.0, 0.8, 0.0, 0.6, 0.0, 0.4), None, 0.01),  # 16-23 organ: octave drawbars, held
    Timbre((1.0, 0.6, 0.4, 0.3, 0.2, 0.1), 0.8, 0.003),  # 24-31 guitar: plucked
    Timbre((1.0, 0.4, 0.15, 0.05), 1.0, 0.005),  # 32-39 bass: dark, plucked
    Timbre((1.0, 0.5, 0.33, 0.25, 0.2, 0.17), None, 0.06),  # 40-47 strings: bowed
    Timbre((1.0, 0.5, 0.33, 0.25, 0.2, 0.17), None, 0.08),  # 48-55 ensemble
    Timbre((1.0, 0.8, 0.6, 0.45, 0.3, 0.2), None, 0.03),  # 56-63 brass
    Timbre((1.0, 0.05, 0.5, 0.03, 0.25, 0.02), None, 0.02),  # 64-71 reed: odd harmonics
    Timbre((1.0, 0.12, 0.04), None, 0.03),  # 72-79 pipe: flute, recorder
    Timbre((1.0, 0.0, 0.33, 0.0, 0.2, 0.0, 0.14), None, 0.005),  # 80-87 synth lead: square-like
    Timbre((1.0, 0.5, 0.33, 0.25), None, 0.15),  # 88-95 synth pad: slow attack
    Timbre((1.0, 0.5, 0.33, 0.25), None, 0.05),  # 96-103 synth effects
    Timbre((1.0, 0.6, 0.4, 0.3, 0.2, 0.1), 0.8, 0.003),  # 104-111 ethnic: mostly plucked (sitar, banjo, koto)
    Timbre((1.0, 0.3, 0.4, 0.1, 0.15, 0.05), 0.3, 0.002),  # 112-119 percussive
    PIANO,  # 120-127 sound effects: the default
)


def timbre_of(program: int) -> int:
    """The index in TIMBRES of a General MIDI program's family (program // 8)."""
    return check_program(program) // 8


INSTALL_HINT = ("rendering with a SoundFont needs FluidSynth: install it (apt-get install fluidsynth, "
                "brew install fluidsynth, or pip install pyfluidsynth) or leave out --soundfont to use "
                "the built-in synthesizer")

def synth_settings() -> dict:
    """The built-in synthesizer's settings, for a renderer elsewhere (the web page's) to sound the same."""
    return {"qpm": DEFAULT_QPM, "sample_rate": DEFAULT_SAMPLE_RATE, "steps_per_quarter": STEPS_PER_QUARTER,
            "attack_s": ATTACK_S, "release_s": RELEASE_S, "peak": PEAK, "partials": list(PARTIALS),
            "decay_s": DECAY_S, "nyquist_fraction": NYQUIST_FRACTION,
            "timbres": [{"partials": list(t.partials), "decay_s": t.decay_s, "attack_s": t.attack_s} for t in TIMBRES]}


def num_samples(steps: int, qpm: float = DEFAULT_QPM, sample_rate: int = DEFAULT_SAMPLE_RATE, *,
                tempo_map: Sequence[tuple[int, float]] | None = None) -> int:
    """Length of the rendering of `steps` grid steps: their exact duration (at `qpm`, or under `tempo_map`:
    music/tempo.py) plus the release tail."""
    return round(float(steps_to_seconds(steps, tempo_map, qpm=qpm)) * sample_rate) + round(RELEASE_S * sample_rate)


def pitch_hz(pitch: int | np.ndarray) -> float | np.ndarray:
    """Equal-temperament frequency of a MIDI pitch, A4 (69) = 440 Hz."""
    return 440.0 * 2.0 ** ((np.asarray(pitch, dtype=np.float64) - 69.0) / 12.0)


def _check_rate(qpm: float, sample_rate: int) -> None:
    check_qpm(qpm)
    if int(sample_rate) != sample_rate or not 8000 <= sample_rate <= 192000:
        raise MvaeError(f"sample rate {sample_rate} must be a whole number of Hz in 8000..192000")


def _note_tone(pitch: int, sounding: int, sample_rate: int, timbre: int = 0) -> np.ndarray:
    """One note: `sounding` samples under the envelope of TIMBRES[timbre], then the release fade. Shape (n,)."""
    partials, decay_s, attack_s = TIMBRES[timbre]
    release = round(RELEASE_S * sample_rate)
    t = np.arange(sounding + release) / sample_rate  # (n,) seconds since the onset
    f0 = float(pitch_hz(pitch))
    tau = None if decay_s is None else decay_s * (440.0 / f0) ** 0.5
    tone = np.zeros_like(t)
    for k, amp in enumerate(partials, start=1):
        if k * f0 >= NYQUIST_FRACTION * sample_rate:  # keep every partial below Nyquist: no aliasing
            break
        if not amp:
            continue
        if tau is None:
            tone += amp * np.sin(2.0 * np.pi * k * f0 * t)
        else:
            tone += amp * np.exp(-t * (1.0 + 0.6 * (k - 1)) / tau) * np.sin(2.0 * np.pi * k * f0 * t)
    attack = min(round(attack_s * sample_rate), sounding)
    if attack > 0:
        tone[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    if release > 0:
        tone[sounding:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(1, release + 1) / release)
    return tone


@functools.lru_cache(maxsize=TONE_CACHE)
def _cached_tone(pitch: int, sounding: int, sample_rate: int, timbre: int = 0) -> np.ndarray:
    """`_note_tone`, computed once per (pitch, length, rate, timbre) and kept read-only."""
    tone = _note_tone(pitch, sounding, sample_rate, timbre)
    tone.flags.writeable = False
    return tone


def synthesize_notes(notes: Sequence[Note], total_steps: int, *, qpm: float = DEFAULT_QPM,
                     sample_rate: int = DEFAULT_SAMPLE_RATE, tempo_map: Sequence[tuple[int, float]] | None = None,
                     program: int = 0) -> np.ndarray:
    """Render notes on the step grid with the built-in synthesizer: float32 mono audio of exactly
    ``num_samples(total_steps, qpm, sample_rate, tempo_map=tempo_map)`` samples, scaled to a 0.9 peak
    (silence stays 0). Each step lasts what the tempo in force there (`qpm`, or `tempo_map`'s) says; the
    timbre is that of General MIDI `program`'s family (TIMBRES; 0, the piano, by default)."""
    _check_rate(qpm, sample_rate)
    timbre = timbre_of(program)
    if any(n.start < 0 or n.end <= n.start or not 0 <= n.pitch <= 127 for n in notes):
        raise MvaeError("every note must have a MIDI pitch 0..127 and 0 <= start < end (in steps)")
    tempo = as_tempo_map(tempo_map, qpm)
    audio = np.zeros(num_samples(total_steps, qpm, sample_rate, tempo_map=tempo), dtype=np.float64)  # (samples,)
    bounds = np.rint(steps_to_seconds([[n.start, n.end] for n in notes], tempo).reshape(-1, 2) * sample_rate)
    for note, (start, end) in zip(notes, bounds.astype(np.int64).tolist()):
        sounding = end - start
        if sounding <= TONE_CACHE_MAX_S * sample_rate:
            tone = _cached_tone(note.pitch, sounding, sample_rate, timbre)
        else:
            tone = _note_tone(note.pitch, sounding, sample_rate, timbre)
        audio[start:start + len(tone)] += tone
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 0.0:
        audio *= PEAK / peak
    return audio.astype(np.float32)


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int, *, overwrite: bool = False) -> Path:
    """Write float audio (samples,) or (samples, channels) in -1..1 as 16-bit PCM WAV, atomically.

    Values outside -1..1 are clipped (16-bit PCM cannot hold them).
    """
    import soundfile

    arr = np.asarray(audio)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0 or (arr.ndim == 2 and not 1 <= arr.shape[1] <= 8):
        raise MvaeError(f"audio must be (samples,) or (samples, channels) and non-empty, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
        raise MvaeError("audio must be finite floating-point samples in -1..1")
    if int(sample_rate) != sample_rate or not 1000 <= sample_rate <= 384000:
        raise MvaeError(f"sample rate {sample_rate} must be a whole number of Hz in 1000..384000")
    data = np.clip(arr, -1.0, 1.0).astype(np.float32)
    return atomic_write(path, lambda f: soundfile.write(f, data, int(sample_rate), subtype="PCM_16", format="WAV"),
                        overwrite=overwrite)


def check_soundfont(soundfont: Path) -> None:
    """A one-line MvaeError unless `soundfont` is a readable SoundFont 2 file (RIFF 'sfbk')."""
    if not soundfont.is_file():
        raise MvaeError(f"SoundFont {soundfont} not found")
    try:
        with open(soundfont, "rb") as f:
            head = f.read(12)
    except OSError as e:
        raise MvaeError(f"cannot read SoundFont {soundfont}: {e.strerror or e}") from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise MvaeError(f"{soundfont} is not a SoundFont (.sf2) file")


def _render_cli(exe: str, midi_path: Path, soundfont: Path, sample_rate: int) -> np.ndarray:
    """Run the fluidsynth program offline (no audio driver, no shell); returns float32 (samples, channels)."""
    import soundfile

    with tempfile.TemporaryDirectory(prefix="mvae-fluidsynth-") as tmp:
        out = Path(tmp) / "render.wav"
        cmd = [exe, "-ni", "-T", "wav", "-F", str(out), "-r", str(int(sample_rate)), str(soundfont), str(midi_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=FLUIDSYNTH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise MvaeError(f"fluidsynth took over {FLUIDSYNTH_TIMEOUT_S} s on {midi_path}; stopped") from None
        except OSError as e:
            raise MvaeError(f"cannot run {exe}: {e.strerror or e}") from None
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size <= 44:
            lines = [ln.strip() for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
            reason = lines[-1] if lines else f"exit status {proc.returncode}, no audio written"
            raise MvaeError(f"fluidsynth failed on {midi_path}: {reason}")
        try:
            audio, _ = soundfile.read(out, dtype="float32", always_2d=True)
        except (RuntimeError, OSError) as e:
            raise MvaeError(f"fluidsynth wrote no readable WAV for {midi_path}: {e}") from None
        return audio


def _read_midi_seconds(midi_path: Path):
    """The MIDI file as a symusic Score timed in seconds; a one-line MvaeError when it is not valid MIDI."""
    import symusic

    try:
        return symusic.Score.from_midi(midi_path.read_bytes(), ttype="second")
    except OSError as e:
        raise MvaeError(f"cannot read MIDI file {midi_path}: {e.strerror or e}") from None
    except Exception as e:  # symusic reports every parse failure as RuntimeError/ValueError
        raise MvaeError(f"{midi_path} is not a valid MIDI file: {str(e).splitlines()[0] if str(e) else e}") from None


def _render_binding(fluidsynth, score, soundfont: Path, sample_rate: int) -> np.ndarray:
    """Drive pyfluidsynth offline: replay the score's notes in time order, pulling samples between them.

    `score` is a symusic Score timed in seconds. Returns float32 stereo (samples, 2), with one second
    after the last event for the sound to ring out.
    """
    synth = fluidsynth.Synth(samplerate=float(sample_rate))
    try:
        sfid = synth.sfload(str(soundfont))
        if sfid is None or sfid < 0:
            raise MvaeError(f"FluidSynth could not load SoundFont {soundfont}")
        events = []  # (seconds, order, channel, pitch, velocity): note-offs (order 0) before note-ons
        melodic = [ch for ch in range(16) if ch != 9]
        for i, track in enumerate(score.tracks):
            channel = 9 if track.is_drum else melodic[i % len(melodic)]
            synth.program_select(channel, sfid, 128 if track.is_drum else 0, 0 if track.is_drum else track.program)
            for n in track.notes:
                events.append((float(n.time), 1, channel, int(n.pitch), int(n.velocity)))
                events.append((float(n.time + n.duration), 0, channel, int(n.pitch), 0))
        events.sort()
        chunks, done = [], 0
        for seconds, order, channel, pitch, velocity in events:
            due = round(seconds * sample_rate)
            if due > done:
                chunks.append(np.asarray(synth.get_samples(due - done), dtype=np.int16))
                done = due
            if order:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        chunks.append(np.asarray(synth.get_samples(int(sample_rate)), dtype=np.int16))
    finally:
        synth.delete()
    return (np.concatenate(chunks).astype(np.float32) / 32768.0).reshape(-1, 2)  # interleaved L, R


def _import_binding():
    """The pyfluidsynth module, or None when it (or the FluidSynth library under it) is missing."""
    try:
        import fluidsynth  # pyfluidsynth; raises ImportError (or OSError) without libfluidsynth
    except (ImportError, OSError):
        return None
    return fluidsynth if hasattr(fluidsynth, "Synth") else None  # not some other package of that name


def render_with_soundfont(midi_path: str | Path, wav_path: str | Path, soundfont: str | Path,
                          sample_rate: int = 44100, overwrite: bool = False) -> Path:
    """Render a MIDI file to WAV with FluidSynth and a SoundFont; returns the WAV's path.

    Uses the ``fluidsynth`` program when it is on PATH, else pyfluidsynth. The result is 16-bit PCM,
    scaled to the built-in synthesizer's 0.9 peak, and runs on past the last note while the SoundFont's
    release rings out (FluidSynth decides how long). Raises MvaeError (one line)
    when neither is installed, the SoundFont or MIDI file is missing or unreadable, or rendering fails.
    """
    midi_path, wav_path, soundfont = Path(midi_path), Path(wav_path), Path(soundfont)
    _check_rate(DEFAULT_QPM, sample_rate)
    if not overwrite and wav_path.exists():  # before the slow part; atomic_write checks again
        raise OverwriteError(wav_path)
    check_soundfont(soundfont)
    if not midi_path.is_file():
        raise MvaeError(f"MIDI file {midi_path} not found")
    score = _read_midi_seconds(midi_path)  # fluidsynth itself renders silence from a corrupt file
    exe = shutil.which("fluidsynth")
    binding = None if exe is not None else _import_binding()
    if exe is not None:
        audio = _render_cli(exe, midi_path, soundfont, sample_rate)
    elif binding is not None:
        audio = _render_binding(binding, score, soundfont, sample_rate)
    else:
        raise MvaeError(INSTALL_HINT)
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 0.0:  # FluidSynth's default gain leaves a melody near -35 dBFS; match the built-in level
        audio = audio * (PEAK / peak)
    return write_wav(wav_path, audio, sample_rate, overwrite=overwrite)


__all__ = ["DEFAULT_QPM", "DEFAULT_SAMPLE_RATE", "RELEASE_S", "num_samples", "pitch_hz", "render_with_soundfont",
           "synthesize_notes", "write_wav"]
