"""Melody events -> notes -> MIDI and audio, over the shared writers (music/midi_write.py,
music/audio.py): the inverse of extraction, played as the source was (its tempo or tempo map, General
MIDI program and velocity: music/playback.py). Several melodies are laid out in turn, each on a bar line
(grid.starts_in_turn), the same way in the MIDI file and in the audio, for a stitched interpolation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write
from musicvae_lite.music.audio import DEFAULT_QPM, DEFAULT_SAMPLE_RATE, synthesize_notes
from musicvae_lite.music.grid import Note, lay_out
from musicvae_lite.music.meter import DEFAULT_METER, Meter
from musicvae_lite.music.melody.encoding import check_events, events_to_notes
from musicvae_lite.music.midi_write import VELOCITY, notes_midi_bytes

MAX_MELODIES = 4096  # refuse absurd inputs before allocating audio for them

MelodyInput = np.ndarray | Sequence[int] | Sequence[np.ndarray] | Sequence[Sequence[int]] | Sequence[Note]


def as_melodies(melodies: MelodyInput, what: str = "melody") -> list[np.ndarray]:
    """Check and split the ways a caller may give melodies into a list of 1-D event arrays.

    Accepted: one sequence (steps,), an array (n, steps), or a list of 1-D sequences (their lengths
    may differ). Every value must be an integer event 0..89. Raises MvaeError naming the problem.
    """
    if isinstance(melodies, np.ndarray):
        parts = [melodies] if melodies.ndim <= 1 else list(melodies) if melodies.ndim == 2 else None
        if parts is None:
            raise MvaeError(f"{what} must be one sequence (steps,) or several (n, steps), got shape {melodies.shape}")
    elif isinstance(melodies, (list, tuple)):
        if len(melodies) == 0:
            raise MvaeError(f"{what} is empty: give at least one event sequence")
        scalars = [np.ndim(m) == 0 for m in melodies]
        if all(scalars):
            parts = [np.asarray(melodies)]
        elif not any(scalars):
            parts = [np.asarray(m) for m in melodies]
        else:
            raise MvaeError(f"{what} mixes numbers and sequences; give one sequence or a list of sequences")
    else:
        raise MvaeError(f"{what} must be an array or a list of event sequences, got {type(melodies).__name__}")
    if len(parts) == 0:
        raise MvaeError(f"{what} is empty: give at least one event sequence")
    if len(parts) > MAX_MELODIES:
        raise MvaeError(f"{what} has {len(parts)} sequences; at most {MAX_MELODIES} are accepted")
    out = []
    for i, part in enumerate(parts):
        if part.ndim != 1 or part.size == 0:
            raise MvaeError(f"{what} sequence {i} must be a non-empty 1-D event array, got shape {part.shape}")
        try:
            out.append(check_events(part))
        except ValueError as e:
            raise MvaeError(f"{what} sequence {i}: {e}") from None
    return out


def _laid_out(melodies: MelodyInput, gap_steps: int, meter: Meter) -> tuple[list[Note], int]:
    return lay_out([(events_to_notes(ev), len(ev)) for ev in as_melodies(melodies)], gap_steps,
                   bar_steps=meter.steps_per_bar)


def synthesize(notes_or_events: MelodyInput, *, qpm: float = DEFAULT_QPM, sample_rate: int = DEFAULT_SAMPLE_RATE,
               gap_steps: int = 0, meter: Meter = DEFAULT_METER,
               tempo_map: Sequence[tuple[int, float]] | None = None, program: int = 0) -> np.ndarray:
    """Render melodies with the built-in synthesizer; returns float32 mono audio (samples,).

    `notes_or_events` is one event sequence (steps,), several played in turn ((n, steps) or a list, each
    on a bar line of `meter`: `grid.starts_in_turn` with `gap_steps`), or a list of `Note`s (then
    the length is the last note's end). The result has exactly ``num_samples(total_steps, qpm,
    sample_rate, tempo_map=tempo_map)`` samples, where total_steps is where the last melody ends. The
    tempo is `qpm`, or `tempo_map`'s (step, qpm) changes (music/tempo.py); the timbre that of General MIDI
    `program`'s family (audio.TIMBRES). All rests give silence.
    """
    if isinstance(notes_or_events, (list, tuple)) and notes_or_events and all(
            isinstance(n, Note) for n in notes_or_events):
        notes = list(notes_or_events)
        total = max(n.end for n in notes)
    else:
        notes, total = _laid_out(notes_or_events, gap_steps, meter)
    return synthesize_notes(notes, total, qpm=qpm, sample_rate=sample_rate, tempo_map=tempo_map, program=program)


def melody_midi_bytes(sequences: Sequence[np.ndarray] | np.ndarray, *, qpm: float | None = None,
                      program: int = 0, velocity: int = VELOCITY, gap_steps: int = 0, meter: Meter = DEFAULT_METER,
                      tempo_map: Sequence[tuple[int, float]] | None = None) -> bytes:
    """A MIDI file playing each event sequence in turn, each on a bar line (`grid.starts_in_turn`), as
    General MIDI `program` at `velocity`, at `qpm` or under `tempo_map` (music/midi_write.py), in bars of
    `meter` (its time signature written); a source's `Playback` holds these values."""
    notes, _ = _laid_out(sequences, gap_steps, meter)
    return notes_midi_bytes(notes, qpm=qpm, program=program, velocity=velocity, tempo_map=tempo_map, meter=meter)


def melody_chords_midi_bytes(sequences: Sequence[np.ndarray], chords: Sequence[np.ndarray], *,
                             qpm: float | None = None, program: int = 0, velocity: int = VELOCITY, gap_steps: int = 0,
                             meter: Meter = DEFAULT_METER, tempo_map: Sequence[tuple[int, float]] | None = None) -> bytes:
    """`melody_midi_bytes` with a second track, CHORDS, voicing each melody's chords (steps,) beside it
    (music/chord_track.py), laid out in turn as the melodies are."""
    import symusic

    from musicvae_lite.music.chord_track import add_chord_track, chords_in_turn
    from musicvae_lite.music.midi_write import TICKS_PER_STEP, check_program, check_velocity, new_score

    melodies = as_melodies(list(sequences))
    notes, _ = _laid_out(melodies, gap_steps, meter)
    score = new_score(qpm=qpm, tempo_map=tempo_map, meter=meter)
    track = symusic.Track("melody", check_program(program), False)
    velocity = check_velocity(velocity)
    for n in notes:
        track.notes.append(symusic.Note(n.start * TICKS_PER_STEP, (n.end - n.start) * TICKS_PER_STEP, n.pitch,
                                        velocity))
    score.tracks.append(track)
    add_chord_track(score, chords_in_turn(chords, [len(m) for m in melodies], meter.steps_per_bar, gap_steps))
    return score.dumps_midi()


def synthesize_with_chords(sequences: Sequence[np.ndarray], chords: Sequence[np.ndarray], *,
                           qpm: float = DEFAULT_QPM, gap_steps: int = 0, meter: Meter = DEFAULT_METER,
                           tempo_map: Sequence[tuple[int, float]] | None = None, program: int = 0) -> np.ndarray:
    """`synthesize` of melodies played in turn, mixed with their chords (music/chord_track.py: the chord
    track's program, at CHORD_GAIN of the melody's level); the same length as the melodies' audio."""
    from musicvae_lite.music.chord_track import chords_in_turn, mix_chords, synthesize_chords

    melodies = as_melodies(list(sequences))
    notes, total = _laid_out(melodies, gap_steps, meter)
    tune = synthesize_notes(notes, total, qpm=qpm, tempo_map=tempo_map, program=program)
    under = chords_in_turn(chords, [len(m) for m in melodies], meter.steps_per_bar, gap_steps)
    if not under:  # every step N: the melody alone
        return tune
    return mix_chords(tune, synthesize_chords(under, total, qpm=qpm, tempo_map=tempo_map))


def write_melody_midi(path: str | Path, events: np.ndarray, *, qpm: float | None = None, program: int = 0,
                      velocity: int = VELOCITY, overwrite: bool = False) -> Path:
    """Write one melody (steps,) or several in turn (n, steps) as a MIDI file."""
    data = melody_midi_bytes(events, qpm=qpm, program=program, velocity=velocity)
    return atomic_write(path, lambda f: f.write(data), overwrite=overwrite)
