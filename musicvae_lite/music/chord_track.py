"""The chord track written beside a melody made over chords (`--chords`, `mvae reharmonize`): a simple
voicing of each chord span as notes, and the MIDI file, audio and page items that carry both.

Voicing (`voicing`): the chord's tones in root position, the root in the octave below middle C (C3..B3,
MIDI 48..59), each tone stacked above the one before (C: C3 E3 G3; G7: G3 B3 D4 F4; Am: A3 C4 E4), so the
chords sit under a melody in MusicVAE's usual range. Each span of one chord (a change of class, or a bar
line: the chord is struck again at each bar so a long chord is heard) is held to its end; N (no chord)
and UNKNOWN steps are silent. Written as a second MIDI track named "CHORDS" on its own channel (the
second; the melody keeps the first) with General MIDI program `CHORD_PROGRAM` (48, String Ensemble 1: a
held pad that does not hide the melody) at `CHORD_VELOCITY`. The WAV mixes the melody and the chords,
the chords at `CHORD_GAIN` of the melody's level. Torch-free.

Chords per window are (steps,) uint8 classes of music/chords.py, one per 16th step, as the generation API
takes them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from musicvae_lite.music.chords import INTERVALS, NO_CHORD, NUM_CHORDS, chord_name, chord_quality, chord_root
from musicvae_lite.music.grid import Note, starts_in_turn

CHORD_PROGRAM = 48  # General MIDI String Ensemble 1: a held pad under the melody
CHORD_VELOCITY = 56  # softer than the melody's 80
CHORD_TRACK_NAME = "CHORDS"
CHORD_GAIN = 0.45  # the chords' level in the WAV, relative to the melody's
LOWEST_ROOT = 48  # C3: roots lie in 48..59, the octave below middle C


def voicing(cls: int) -> list[int]:
    """The MIDI pitches that sound chord class `cls`: root position, root in 48..59 (module docstring);
    [] for N and UNKNOWN."""
    if cls == NO_CHORD or cls >= NUM_CHORDS:
        return []
    root = LOWEST_ROOT + chord_root(cls)
    return [root + i for i in INTERVALS[chord_quality(cls)]]


def chord_spans(chords: np.ndarray, bar_steps: int = 16) -> list[tuple[int, int, int]]:
    """(start, end, class) of every span of one chord in (steps,) classes, split at bar lines; N and
    UNKNOWN spans are left out."""
    c = np.asarray(chords, np.int64)
    if not len(c):
        return []
    cut = np.flatnonzero((np.diff(c, prepend=-1) != 0) | (np.arange(len(c)) % bar_steps == 0))
    ends = np.append(cut[1:], len(c))
    return [(int(a), int(b), int(c[a])) for a, b in zip(cut, ends) if voicing(int(c[a]))]


def chord_notes(chords: np.ndarray, bar_steps: int = 16, offset: int = 0) -> list[Note]:
    """The voiced notes of (steps,) chord classes, `offset` steps later."""
    return [Note(p, a + offset, b + offset) for a, b, cls in chord_spans(chords, bar_steps) for p in voicing(cls)]


def chords_in_turn(chords: Sequence[np.ndarray], lengths: Sequence[int], bar_steps: int = 16,
                   gap_steps: int = 0) -> list[Note]:
    """The chord notes of windows played in turn, each where `grid.starts_in_turn` puts its melody."""
    starts, _ = starts_in_turn(list(lengths), gap_steps=gap_steps, bar_steps=bar_steps)
    return [n for ch, s in zip(chords, starts) for n in chord_notes(ch, bar_steps, s)]


def chord_changes(chords: np.ndarray) -> list[tuple[int, str]]:
    """(step, name) at each change of chord in (steps,) classes (N included, as 'N'): what the piano roll
    and the page write over the bars."""
    c = np.asarray(chords, np.int64)
    return [(int(i), chord_name(int(c[i]))) for i in range(len(c)) if i == 0 or c[i] != c[i - 1]]


def add_chord_track(score, notes: Sequence[Note]) -> None:
    """Append the CHORDS track (CHORD_PROGRAM, CHORD_VELOCITY) holding `notes` to a symusic Score."""
    import symusic

    from musicvae_lite.music.midi_write import TICKS_PER_STEP

    track = symusic.Track(CHORD_TRACK_NAME, CHORD_PROGRAM, False)
    for n in notes:
        track.notes.append(symusic.Note(n.start * TICKS_PER_STEP, (n.end - n.start) * TICKS_PER_STEP, n.pitch,
                                        CHORD_VELOCITY))
    score.tracks.append(track)


def synthesize_chords(notes: Sequence[Note], total_steps: int, *, qpm: float, tempo_map=None,
                      sample_rate: int | None = None) -> np.ndarray:
    """The chord notes' audio exactly as audio.synthesize_notes renders it with CHORD_PROGRAM's timbre (float32,
    scaled to its peak), each distinct (pitch, length) computed once: a chord repeats across the windows of a set,
    and its tones, a bar long, are past the synthesizer's own cache (audio.TONE_CACHE_MAX_S), so rendering each
    again took most of a set's audio time (an interpolation of 7 at 112 qpm: 0.27 s, now 0.05 s)."""
    from musicvae_lite.music.audio import DEFAULT_SAMPLE_RATE, PEAK, _note_tone, num_samples, timbre_of
    from musicvae_lite.music.tempo import as_tempo_map, steps_to_seconds

    rate = sample_rate or DEFAULT_SAMPLE_RATE
    tempo = as_tempo_map(tempo_map, qpm)
    audio = np.zeros(num_samples(total_steps, qpm, rate, tempo_map=tempo), np.float64)  # (samples,)
    bounds = np.rint(steps_to_seconds([[n.start, n.end] for n in notes], tempo).reshape(-1, 2) * rate)
    tones: dict[tuple[int, int], np.ndarray] = {}
    for note, (start, end) in zip(notes, bounds.astype(np.int64).tolist()):
        key = (note.pitch, end - start)
        if key not in tones:
            tones[key] = _note_tone(note.pitch, end - start, rate, timbre_of(CHORD_PROGRAM))
        audio[start:start + len(tones[key])] += tones[key]
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    if peak > 0.0:
        audio *= PEAK / peak
    return audio.astype(np.float32)


def mix_chords(melody_audio: np.ndarray, chord_audio: np.ndarray) -> np.ndarray:
    """The melody's audio with the chords' at CHORD_GAIN (both float32 mono, each peaking at 0.9 as the
    synthesizer gives them), scaled back to the melody's peak."""
    n = max(len(melody_audio), len(chord_audio))
    out = np.zeros(n, np.float64)
    out[:len(melody_audio)] += melody_audio
    out[:len(chord_audio)] += CHORD_GAIN * chord_audio
    peak, want = float(np.abs(out).max()) if n else 0.0, float(np.abs(melody_audio).max(initial=0.0)) or 0.9
    return (out * (want / peak if peak > 0 else 1.0)).astype(np.float32)
