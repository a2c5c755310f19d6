"""Hearing the chords of a MIDI file in its accompaniment: template matching over pitch-class histograms,
smoothed by a change penalty. Backs `mvae chords FILE`; measured by benchmarks/bench_chords.py.

The tracks listened to are every pitched, non-drum track but the melody (the most melody-like track by
extract.track_order: a track named MELODY, else the most monophonic one); a file with nothing else is a
one-line error. Per beat (a quarter note, 4 steps) each pitch class is weighted by how long it sounds in
the beat (its lowest sounding note's class counts `BASS_WEIGHT` times more: the bass names the root);
each of the 84 chords of music/chords.py scores the weight of its own pitch classes minus `OUTSIDE`
times the weight of the others (normalized by the beat's total), and a beat where nothing sounds is N.
A Viterbi pass over the beats then picks the best sequence, paying `CHANGE_PENALTY` for each change, so a
passing tone does not flip the chord. This is the classic template approach of chord recognition (Fujishima,
"Realtime chord recognition of musical sound", ICMC 1999, on pitch-class profiles; the smoothing is the
usual HMM-style decoding). The weights were chosen on 80 POP909 training songs (every 9th), never on
the validation songs the benchmark measures: over BASS_WEIGHT 1-3, OUTSIDE 0.4-1 and CHANGE_PENALTY 0.1-0.5,
root agreement ranged 0.75-0.90, best with a small change penalty (0.1) and 0.90 at the values here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.chords import NO_CHORD, NUM_CHORDS, chord_name, chord_tone_table

BEAT_STEPS = 4  # chords are heard per quarter-note beat
BASS_WEIGHT = 2.0  # extra weight of the lowest sounding note's pitch class
OUTSIDE = 0.4  # penalty per unit of weight outside a chord's pitch classes
CHANGE_PENALTY = 0.1  # score given up for each chord change in the smoothing
SIMPLER = 0.02  # bonus of triads (maj, min) over the other qualities when they score alike


@dataclass
class HeardChords:
    """The chords heard in a file: one class per 16th step, the bar each step is in, the tracks heard."""

    steps: np.ndarray  # (n,) uint8 chord classes (music/chords.py)
    bar: np.ndarray  # (n,) int: 0-based bar of each step
    tracks: list[str]  # the names (or numbers) of the tracks listened to
    seconds: np.ndarray | None = None  # (n + 1,) the time of every step's start (and of the end), in seconds

    def spans(self, source=None) -> list:
        """The chords as ChordSpans in seconds (music/chords.py), one per change, for a chord file."""
        from musicvae_lite.music.chords import ChordSpan, chord_label

        change = np.flatnonzero(np.diff(self.steps.astype(int), prepend=-1))
        ends = np.append(change[1:], len(self.steps))
        return [ChordSpan(float(self.seconds[a]), float(self.seconds[b]), chord_label(int(self.steps[a])))
                for a, b in zip(change, ends)]

    def lines(self) -> list[str]:
        """One line per bar: 'bar 3: Am F' (changes within the bar in order)."""
        out = []
        for b in np.unique(self.bar):
            seq = self.steps[self.bar == b]
            names = [chord_name(int(c)) for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]]
            out.append(f"bar {b + 1}: {' '.join(names)}")
        return out


def beat_histograms(tracks, ticks_per_beat: float, n_beats: int) -> np.ndarray:
    """(n_beats, 12): how long each pitch class sounds in each beat (in beats), the lowest note of each beat
    counted BASS_WEIGHT more times; `tracks` are music.midi_notes.Tracks."""
    hist = np.zeros((n_beats, 12))
    lowest = np.full(n_beats, 128)
    for t in tracks:
        for s, e, p in zip(t.start / ticks_per_beat, t.end / ticks_per_beat, t.pitch):
            first, last = int(s), min(int(np.ceil(e)), n_beats)
            for b in range(first, last):
                overlap = min(e, b + 1) - max(s, b)
                if overlap > 0:
                    hist[b, p % 12] += overlap
                    lowest[b] = min(lowest[b], p)
    heard = lowest < 128
    hist[np.flatnonzero(heard), lowest[heard] % 12] *= 1 + BASS_WEIGHT
    return hist


def beat_scores(hist: np.ndarray) -> np.ndarray:
    """(n_beats, NUM_CHORDS): each chord's fit to each beat's histogram (N scores 0, and wins silent beats)."""
    table = chord_tone_table().astype(float)  # (C, 12)
    total = hist.sum(axis=1, keepdims=True)
    share = hist / np.maximum(total, 1e-9)
    scores = share @ table.T - OUTSIDE * (share @ (1 - table).T)  # (B, C)
    scores[:, 1:] += SIMPLER * np.tile([1, 1, 0, 0, 0, 0, 0], (NUM_CHORDS - 1) // 7)
    scores[:, NO_CHORD] = np.where(total[:, 0] > 0, -np.inf, 1.0)
    return scores


def smooth(scores: np.ndarray, penalty: float = CHANGE_PENALTY) -> np.ndarray:
    """(n_beats,) the chord sequence with the highest total score less `penalty` per change (Viterbi)."""
    n, c = scores.shape
    best = scores[0].copy()
    back = np.zeros((n, c), np.int64)
    for i in range(1, n):
        top = int(np.argmax(best))
        stay = best
        move = best[top] - penalty
        back[i] = np.where(stay >= move, np.arange(c), top)
        best = np.maximum(stay, move) + scores[i]
    path = np.zeros(n, np.int64)
    path[-1] = int(np.argmax(best))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def hear_midi(midi) -> HeardChords:
    """The chords heard in a parsed file (music.midi_read.MidiData); MvaeError when it has no track
    besides the melody."""
    from musicvae_lite.music.melody.extract import track_order
    from musicvae_lite.music.sections import bar_of_tick

    pitched = [t for t in midi.tracks if not t.is_drum and len(t.start)]
    if len(pitched) < 2:
        what = "no pitched track" if not pitched else "only one track, the melody"
        raise MvaeError(f"{midi.path}: nothing to hear chords from: it has {what} (chords are heard in the tracks "
                        f"besides the melody)")
    melody = pitched[track_order(pitched)[0]]
    heard = [t for t in pitched if t is not melody]
    ticks_per_beat = midi.ticks_per_quarter
    n_beats = int(np.ceil(max(int(t.end.max()) for t in pitched) / ticks_per_beat))
    beats = smooth(beat_scores(beat_histograms(heard, ticks_per_beat, n_beats)))
    steps = np.repeat(beats, BEAT_STEPS).astype(np.uint8)
    tick_per_step = ticks_per_beat / BEAT_STEPS
    bar = bar_of_tick(midi, np.round(np.arange(len(steps)) * tick_per_step).astype(np.int64))
    names = [" ".join(t.name.split()) or f"track {i + 1}" for i, t in enumerate(midi.tracks) if any(t is h for h in heard)]
    from musicvae_lite.music.chords import ticks_to_seconds

    seconds = ticks_to_seconds(np.arange(len(steps) + 1) * tick_per_step, midi.tempos, midi.ticks_per_quarter)
    return HeardChords(steps, bar, names, seconds)


def hear_chords(path) -> HeardChords:
    """The chords heard in the MIDI file at `path` (module docstring)."""
    from musicvae_lite.music.midi_read import read_midi

    return hear_midi(read_midi(path))
