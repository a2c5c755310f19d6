"""Re-harmonizing a melody (`mvae reharmonize a.mid --chords "..."`): the melody's code, decoded greedily over
new chords by a melody model that reads chords (chord_controls), so that its rhythm and contour stay and its
pitches move to the new harmony; EC2-VAE's chord swap (Yang et al., ISMIR 2019: a melody's code decoded
under another progression) and MusicVAE's chord-conditioned decoder (Roberts et al. 2018).

`reharmonize(model, events, chords, own_chords=...)` is the Python API over windows: each window is encoded
over its own chords (`own_chords`; None: without chords) and decoded over `chords`. A file
(`melody_in_turn`) is read window by window: the windows of its melody track that follow one another
without overlapping (a window every `bars` bars, as `mvae windows` lists them from `--window K`), at most
`MAX_BARS` bars, each reharmonized over its stretch of the new progression and laid back in place (bars
no window covers stay silent). Its own chords are its chord file's (music/chords.py `chord_file_for`),
else the chords heard in its other tracks (hear_chords.py), else chords guessed from the melody alone
(`chords_from_melody`). Measured by benchmarks/bench_chord_model.py on 1,000 held-out POP909 windows, each
reharmonized over another's progression, with the chord model at step 750 of its training (key_from_chords):
read over its own chords, onset F1 0.837 and 0.495 of the onsets on beats chord tones of the new chords; over
chords guessed from the melody 0.838 / 0.490 (though they agree with the labels' roots on only 0.27 of the
steps: what the encoder needs is a harmony the melody fits); without chords 0.838 / 0.352.

The measures (`onset_f1`, `chord_tone_hits`) are what the benchmark and the verb's lines report: onset F1
of the output against the input, and the share of note onsets on beats (steps 0, 4, 8, 12 of a 16-step
bar) whose pitch class is a tone of the chord sounding there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.chords import NUM_CHORDS, NO_CHORD, STEPS_PER_BEAT, UNKNOWN, chord_tone_table
from musicvae_lite.music.melody.encoding import NOTE_OFF, NUM_CLASSES, NUM_SPECIAL, PITCH_OFFSET
from musicvae_lite.music.midi_read import read_midi

MAX_BARS = 32  # a file is reharmonized for at most this many bars from its first window (or --window K)


def reharmonize(model: Any, events, chords, *, own_chords=None, meter=None, temperature: float = 0.0,
                seed: int | None = None, chord_weight: float = 1.0, keep_rhythm: bool = True) -> np.ndarray:
    """Windows (steps,) or (n, steps) re-harmonized: encoded over `own_chords` ((steps,) or (n, steps) chord
    classes; None: without chords) and decoded over `chords` (the same shapes), greedily at temperature 0,
    following them `chord_weight` times as strongly as the model alone (sequence_generate.decode); with
    `keep_rhythm` each step keeps the input's kind of event (a note starts, a note ends, nothing happens:
    `rhythm_mask`), so that only the pitches are chosen anew; in `meter` for a model that reads it (None: the
    one their length is written in). Returns (n, steps)."""
    from musicvae_lite.music.sequence_generate import as_meter, decode, encode, window_meter

    if not model.reads_chords:
        raise MvaeError(f"{model.name} does not read chords: reharmonize needs a model trained with them "
                        "(--model chords)")
    if chords is None:
        raise MvaeError("reharmonize needs the new chords (--chords)")
    meter = as_meter(meter) or window_meter(model, events)
    codes = encode(model, events, meter=meter, chords=own_chords)
    return decode(model, codes, temperature=temperature, seed=seed, meter=meter, chords=chords,
                  chord_weight=chord_weight, allowed=rhythm_mask(events) if keep_rhythm else None)


def rhythm_mask(events) -> np.ndarray:
    """(n, steps, NUM_CLASSES) bool: the classes that keep each step's kind of event of windows (steps,) or
    (n, steps): any pitch where a note starts, the very event (NOTE_OFF or NO_EVENT) where none does."""
    ev = np.atleast_2d(np.asarray(events, np.int64))
    mask = np.zeros((*ev.shape, NUM_CLASSES), bool)
    starts = ev >= NUM_SPECIAL
    mask[..., NUM_SPECIAL:] = starts[..., None]
    n, t = np.nonzero(~starts)
    mask[n, t, ev[n, t]] = True
    return mask


# -- measures ---------------------------------------------------------------------------------------


def onsets(events: np.ndarray) -> np.ndarray:
    """(steps,) bool: the steps where a note starts."""
    return np.asarray(events) >= NUM_SPECIAL


def onset_f1(out: np.ndarray, ref: np.ndarray) -> float:
    """F1 of the note onsets of `out` against those of `ref` (same shape; 1.0 when neither has any)."""
    a, b = onsets(out), onsets(ref)
    hit, n_out, n_ref = int((a & b).sum()), int(a.sum()), int(b.sum())
    return 1.0 if n_out + n_ref == 0 else 2.0 * hit / (n_out + n_ref)


def chord_tone_hits(events: np.ndarray, chords: np.ndarray) -> tuple[int, int]:
    """(onsets on beats that are chord tones, onsets on beats under a chord) of windows (..., steps) over chord
    classes of the same shape: a beat is every 4th step from each window's start (0, 4, 8, 12 of a 16-step
    bar); steps under N or UNKNOWN do not count."""
    e, c = np.asarray(events, np.int64), np.asarray(chords, np.int64)
    on_beat = (np.arange(e.shape[-1]) % STEPS_PER_BEAT == 0) & (e >= NUM_SPECIAL) & (c != NO_CHORD) & (c < NUM_CHORDS)
    pc = (e + PITCH_OFFSET) % 12
    table = chord_tone_table()
    tone = table[np.where(on_beat, c, 0), pc] & on_beat
    return int(tone.sum()), int(on_beat.sum())


def chords_from_melody(events: np.ndarray, span: int = 8, penalty: float = 0.3) -> np.ndarray:
    """Chord classes (..., steps) guessed from melodies (..., steps) alone, one chord per `span` steps (8: half a
    4/4 bar): how long each pitch class sounds in the span scored against every chord (hear_chords.py's
    templates, `beat_scores`), smoothed along the window with `penalty` per change (`smooth`); a span with no
    note keeps the chord before it (N at the start)."""
    from musicvae_lite.music.melody.encoding import events_to_notes
    from musicvae_lite.music.melody.hear_chords import beat_scores, smooth

    arr = np.asarray(events)
    flat = arr.reshape(-1, arr.shape[-1])
    out = np.zeros(flat.shape, np.uint8)
    n_spans = -(-flat.shape[1] // span)
    for i, window in enumerate(flat):
        hist = np.zeros((n_spans, 12))
        for note in events_to_notes(window):
            for k in range(note.start // span, min(-(-note.end // span), n_spans)):
                hist[k, note.pitch % 12] += min(note.end, (k + 1) * span) - max(note.start, k * span)
        scores = beat_scores(hist)
        silent = hist.sum(1) == 0
        for k in np.flatnonzero(silent[1:]) + 1:  # a silent span: the chord before it goes on
            scores[k] = 0.0
        guessed = smooth(scores, penalty)
        out[i] = np.repeat(guessed, span)[:flat.shape[1]]
    return out.reshape(arr.shape)


# -- a file, window by window -----------------------------------------------------------------------


@dataclass
class MelodyInTurn:
    """The windows of a file's melody that follow one another, and where each sits in the whole (steps)."""

    windows: np.ndarray  # (n, steps) uint8 events
    offsets: np.ndarray  # (n,) int: the step of the whole where each window starts
    total: int  # steps of the whole, from the first window's start to the last one's end
    start_tick: np.ndarray  # (n,) int: each window's tick in the file (its own chords align by it)
    playback: Any  # the first window's Playback
    first: int  # the index (`mvae windows` order) of the first window


def melody_in_turn(model: Any, path: str | Path, window: int = 0, max_bars: int = MAX_BARS) -> MelodyInTurn:
    """The windows of the melody track of `path` from window `window` on (module docstring): each the first
    that starts at or after the end of the one before, in the first window's meter, up to `max_bars` bars."""
    from musicvae_lite.music.melody.codec import _extract

    found = _extract(model, path)
    if not 0 <= window < len(found):
        raise MvaeError(f"{path}: --window {window} does not exist; it has windows 0..{len(found) - 1} "
                        f"(see `mvae windows {path}`)")
    playback = found.playback(window)
    bar, steps = playback.meter.steps_per_bar, found.events.shape[1]
    per_step = read_midi(path).ticks_per_quarter / STEPS_PER_BEAT  # ticks of a 16th step
    ticks = np.asarray(found.start_tick, np.int64)
    track = found.track[window] if found.track is not None else -1
    meters = found.meter if found.meter is not None else np.full(len(found), playback.meter.label)
    same = [i for i in np.argsort(ticks, kind="stable") if (found.track is None or found.track[i] == track)
            and meters[i] == meters[window] and ticks[i] >= ticks[window]]
    chosen, offsets, end = [], [], 0
    for i in same:
        at = int(round((ticks[i] - ticks[window]) / per_step))
        if chosen and at < end:
            continue
        if chosen and at + steps > max_bars * bar:
            break
        chosen.append(int(i))
        offsets.append(at)
        end = at + steps
    return MelodyInTurn(found.events[chosen], np.array(offsets), end, ticks[chosen], playback, window)


def own_chords(path: str | Path, start_tick: np.ndarray, windows: np.ndarray) -> tuple[np.ndarray, str]:
    """(n, steps) chord classes of the windows (n, steps) of `path` starting at `start_tick`, and where they came
    from: its chord file (music/chords.py `chord_file_for`), else the chords heard in its other tracks
    (hear_chords.py), else the chords guessed from the melody alone (`chords_from_melody`)."""
    from musicvae_lite.music.chords import chord_file_for
    from musicvae_lite.music.melody.dataset import window_chords
    from musicvae_lite.music.melody.hear_chords import hear_midi

    steps = windows.shape[1]
    beside = chord_file_for(path)
    if beside is not None:  # window_chords reads the windows' start ticks of an extraction
        return window_chords(str(path), SimpleNamespace(start_tick=start_tick), steps), f"its chord file {beside.name}"
    midi = read_midi(path)
    try:
        heard = hear_midi(midi)
    except MvaeError:  # no other track: guessed from the melody (module docstring: better than none)
        return chords_from_melody(windows), "guessed from the melody (no chord file beside it, no other track)"
    first = np.round(np.asarray(start_tick) / (midi.ticks_per_quarter / STEPS_PER_BEAT)).astype(np.int64)
    per_step = np.concatenate([heard.steps, np.full(int(first.max(initial=0)) + steps, NO_CHORD, np.uint8)])
    return per_step[first[:, None] + np.arange(steps)], f"heard in {', '.join(heard.tracks)}"


def whole(windows: np.ndarray, offsets: np.ndarray, total: int) -> np.ndarray:
    """(total,) events: the windows laid at their offsets, a note-off where a gap follows one, rests elsewhere."""
    out = np.zeros(total, np.uint8)  # NO_EVENT
    for w, at in zip(windows, offsets):
        out[at:at + len(w)] = w
        if at + len(w) < total:
            out[at + len(w)] = NOTE_OFF
    return out


def whole_chords(chords: np.ndarray, offsets: np.ndarray, total: int) -> np.ndarray:
    """(total,) chord classes: each window's chords (n, steps) at its offset, UNKNOWN where no window is."""
    out = unknown_like(total)
    for c, at in zip(chords, offsets):
        out[at:at + len(c)] = c
    return out


def pieces(arr: np.ndarray, offsets: np.ndarray, steps: int) -> np.ndarray:
    """(n, steps): the stretch of a whole (total,) array under each window."""
    return np.stack([arr[at:at + steps] for at in offsets])


def unknown_like(total: int) -> np.ndarray:
    """(total,) uint8 UNKNOWN: a whole whose chords nobody gave."""
    return np.full(total, UNKNOWN, np.uint8)
