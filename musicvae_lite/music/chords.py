"""Chords as data: an 85-class vocabulary, POP909's chord files, and the `--chords "C G Am F"` syntax.

Vocabulary (`NUM_CHORDS` = 85 classes, one per 16th-note step in a dataset's `window_chords`):
class 0 is `N`, no chord; class 1 + 7 * root + quality is a chord, root 0..11 from C (C, C#, D, Eb, E,
F, F#, G, Ab, A, Bb, B), quality one of `QUALITIES`:

    maj  (0, 4, 7)    min  (0, 3, 7)    7  (0, 4, 7, 10)    dim  (0, 3, 6)    aug  (0, 4, 8)
    sus2 (0, 2, 7)    sus4 (0, 5, 7)

Richer labels fold into these by their third and fifth; the bass of an inversion (`/3`, `/5`, `/b7`) and
added tones are dropped: maj6, maj7, maj9, add9 -> maj; min6, min7, min9, min11, minmaj7 -> min; 7, 9, 11,
13 (dominant) -> 7; hdim7, dim7 -> dim; aug7 -> aug; sus4(b7), 7sus4 -> sus4. `UNKNOWN` (255) marks steps
whose chords nobody gave (a folk tune in a dataset that also holds POP909 songs): not "no chord".

How POP909's labels fold (the 819 songs at hand, 112,465 chord spans in their chord_midi.txt):
maj 50,075 + maj/3 2,274 + maj/5 1,946 + maj7 1,397 + maj7/7 961 + maj6 656 + maj7/3 215 + maj7/5 204 ->
maj 57,728; min 31,891 + min7 3,525 + min/b3 1,409 + min/5 1,386 + min7/b7 986 + min7/5 145 + min6 57 +
minmaj7 27 -> min 39,426; sus2 5,121 -> sus2; sus4 2,459 + sus4(b7) 1,109 -> sus4 3,568; 7 733 + 7/b7 452
+ 7/5 174 + 7/3 56 -> 7 1,415; dim 565 + hdim7 177 + dim7 48 -> dim 790; aug 151 -> aug; N 4,266 -> N.
Every one of POP909's 28 label kinds folds; 12 roots spelled with sharps and flats (C#, Eb, F#, Ab, Bb).

Files in POP909's format (`read_chord_file`, `write_chord_file`): one span a line, `start end label`,
seconds, tab- or space-separated, e.g. `2.721993<TAB>4.055323<TAB>B:maj`. The file of `song.mid` is
`song.chords.txt` beside it, else `chord_midi.txt` in its folder when that folder holds no other MIDI
file (POP909's own layout): `chord_file_for`.

The `--chords` syntax (`parse_progression`): chord names separated by spaces.
- `"C G Am F"`: one chord a bar.
- `"C G | Am F"`: `|` ends a bar; the chords of a bar share it evenly (2 a bar: half a bar each).
- `"C:2 G:2 Am:4"`: `:n` gives a chord n beats (quarter notes); in a bar between `|`s the chords without a
  duration share what the others leave.
Names: a root (A-G, then # or b) and a suffix: none or `maj` (major), `m`/`min`/`-` (minor), `7`, `dim`/`o`,
`aug`/`+`, `sus2`, `sus4`/`sus`; richer names (`maj7`, `m7`, `9`, `m7b5`, `dim7`, `6`, `add9`) fold as above;
`/E` (a bass) is dropped; POP909's `C:min7` works too; `N` or `NC` is no chord. A bad token is a one-line
`ChordError` that names it.

Sources: the label syntax is Harte et al., "Symbolic representation of musical chords", ISMIR 2005, as
POP909 uses it (Wang et al., ISMIR 2020); the quality set follows common practice in chord-conditioned
melody models (MusicVAE's `_chords` configs condition on chord symbols; Roberts et al. 2018).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musicvae_lite.errors import MvaeError

QUALITIES = ("maj", "min", "7", "dim", "aug", "sus2", "sus4")
INTERVALS = {"maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "dim": (0, 3, 6), "aug": (0, 4, 8),
             "sus2": (0, 2, 7), "sus4": (0, 5, 7)}  # each quality's pitch classes above the root
ROOT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
NO_CHORD = 0  # class of "N": nothing sounds as a chord
UNKNOWN = 255  # a step whose chord was not given (files without chord data), in a uint8 array
NUM_CHORDS = 1 + len(ROOT_NAMES) * len(QUALITIES)  # 85
STEPS_PER_BEAT = 4  # a beat is a quarter note of 4 sixteenth steps
SYNTAX = ('chords are names separated by spaces, one a bar ("C G Am F"), "|" between bars ("C G | Am F") '
          'or beats after a colon ("C:2 G:2")')

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# suffix (without root, bass or POP909's colon) -> quality; Harte/POP909 names and the usual lead-sheet ones
_FOLD = {
    "": "maj", "maj": "maj", "M": "maj", "maj6": "maj", "6": "maj", "maj7": "maj", "M7": "maj", "maj9": "maj",
    "add9": "maj", "6/9": "maj", "69": "maj",
    "m": "min", "min": "min", "-": "min", "min6": "min", "m6": "min", "min7": "min", "m7": "min", "-7": "min",
    "min9": "min", "m9": "min", "min11": "min", "m11": "min", "minmaj7": "min", "mM7": "min", "madd9": "min",
    "7": "7", "9": "7", "11": "7", "13": "7", "dom7": "7",
    "dim": "dim", "o": "dim", "dim7": "dim", "o7": "dim", "hdim7": "dim", "m7b5": "dim", "min7b5": "dim",
    "aug": "aug", "+": "aug", "aug7": "aug", "+7": "aug",
    "sus2": "sus2", "sus4": "sus4", "sus": "sus4", "sus4(b7)": "sus4", "7sus4": "sus4", "7sus": "sus4",
}
_NO_CHORD_NAMES = {"N", "NC", "N.C.", "X"}


class ChordError(MvaeError):
    """A chord name, progression or chord file that cannot be read; the message is one line."""


def chord_class(root: int, quality: str) -> int:
    """The class of a chord: root 0..11 (C = 0), quality one of QUALITIES."""
    return 1 + 7 * (root % 12) + QUALITIES.index(quality)


def chord_root(cls: int) -> int | None:
    """The root 0..11 of a chord class, None for N (and UNKNOWN)."""
    return None if cls == NO_CHORD or cls >= NUM_CHORDS else (cls - 1) // len(QUALITIES)


def chord_quality(cls: int) -> str | None:
    """The quality of a chord class ("min"), None for N (and UNKNOWN)."""
    return None if cls == NO_CHORD or cls >= NUM_CHORDS else QUALITIES[(cls - 1) % len(QUALITIES)]


def chord_name(cls: int) -> str:
    """A lead-sheet name: 'C', 'Am', 'G7', 'Bdim', 'Eaug', 'Dsus2', 'Dsus4', 'N' (no chord), '?' (UNKNOWN)."""
    if cls == UNKNOWN:
        return "?"
    if cls == NO_CHORD:
        return "N"
    if not 0 < cls < NUM_CHORDS:
        raise ChordError(f"chord class {cls} is not in 0..{NUM_CHORDS - 1}")
    suffix = {"maj": "", "min": "m"}.get(chord_quality(cls), chord_quality(cls))
    return ROOT_NAMES[chord_root(cls)] + suffix


def chord_label(cls: int) -> str:
    """POP909's (Harte's) label of a class: 'C:maj', 'A:min', 'G:7', 'N'."""
    if cls == NO_CHORD:
        return "N"
    return f"{ROOT_NAMES[chord_root(cls)]}:{chord_quality(cls)}"


def pitch_classes(cls: int) -> np.ndarray:
    """(12,) bool: the pitch classes a chord class sounds (all False for N)."""
    out = np.zeros(12, bool)
    if cls != NO_CHORD and cls < NUM_CHORDS:
        out[[(chord_root(cls) + i) % 12 for i in INTERVALS[chord_quality(cls)]]] = True
    return out


def chord_tone_table() -> np.ndarray:
    """(NUM_CHORDS, 12) bool: `pitch_classes` of every class, e.g. to feed a model pitch classes."""
    return np.stack([pitch_classes(c) for c in range(NUM_CHORDS)])


_NAME = re.compile(r"^([A-Ga-g])([#b]*)(?::?)(.*?)(?:/([^/]*))?$")


def parse_chord(name: str) -> int:
    """The class of one chord name ('Am7', 'F#dim', 'Bb/D', 'A:min7', 'N'); ChordError names a bad one."""
    token = name.strip()
    if token.upper() in _NO_CHORD_NAMES:
        return NO_CHORD
    m = _NAME.match(token)
    if m is None or (m.group(2) and not re.fullmatch(r"#{1,2}|b{1,2}", m.group(2))):
        raise ChordError(f"unknown chord {name!r}: {SYNTAX}; a name is a root A-G, # or b, and a kind "
                         f"such as m, 7, dim, aug, sus4")
    letter, accidental, suffix = m.group(1).upper(), m.group(2), m.group(3)
    quality = _FOLD.get(suffix) or _FOLD.get(suffix.lower() if suffix.lower() != "m" else suffix)
    if quality is None and suffix.endswith(")") and "(" in suffix:
        quality = _FOLD.get(suffix[: suffix.index("(")])  # an added tone in brackets: C:maj(9)
    if quality is None:
        raise ChordError(f"unknown chord {name!r}: kind {suffix!r} is not one of m, 7, maj7, m7, dim, aug, "
                         f"sus2, sus4, 6, 9, hdim7, ... ({SYNTAX})")
    root = _LETTERS[letter] + accidental.count("#") - accidental.count("b")
    return chord_class(root % 12, quality)


# -- POP909's chord files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChordSpan:
    """One line of a chord file: a label sounding from `start` to `end` seconds."""

    start: float  # seconds
    end: float  # seconds
    label: str  # as written: 'C:maj', 'A:min7/b7', 'N'

    @property
    def cls(self) -> int:
        """The label's class in the vocabulary."""
        return parse_chord(self.label)


def read_chord_file(path: str | Path) -> list[ChordSpan]:
    """The spans of a chord file in POP909's format (module docstring), in time order; a ChordError
    naming the file and line when a line is not `start end label` with a known label and end >= start."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ChordError(f"{path}: cannot read the chord file ({e.__class__.__name__})") from None
    spans = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        try:
            if len(fields) != 3:
                raise ValueError
            start, end = float(fields[0]), float(fields[1])
        except ValueError:
            raise ChordError(f"{path}, line {number}: expected 'start end label' (seconds, seconds, a chord "
                             f"such as C:maj), got {line.strip()[:60]!r}") from None
        if not (np.isfinite(start) and np.isfinite(end)) or end < start or start < 0:
            raise ChordError(f"{path}, line {number}: the span {start:g}..{end:g} s is not a time span")
        try:
            parse_chord(fields[2])
        except ChordError as e:
            raise ChordError(f"{path}, line {number}: {e}") from None
        spans.append(ChordSpan(start, end, fields[2]))
    return sorted(spans, key=lambda s: s.start)


def write_chord_file(path: str | Path, spans, *, overwrite: bool = False) -> Path:
    """Write spans (ChordSpans, or (start, end, label) triples) in POP909's format, atomically; an
    existing file is an OverwriteError unless `overwrite`."""
    from musicvae_lite.files import atomic_write

    lines = []
    for span in spans:
        start, end, label = (span.start, span.end, span.label) if isinstance(span, ChordSpan) else span
        parse_chord(label)  # a bad label fails before anything is written
        lines.append(f"{start:.6f}\t{end:.6f}\t{label}\n")
    data = "".join(lines).encode("utf-8")
    return atomic_write(path, lambda f: f.write(data), overwrite=overwrite)


def chord_file_for(midi_path: str | Path) -> Path | None:
    """The chord file of a MIDI file: `<stem>.chords.txt` beside it, else `chord_midi.txt` in its folder
    when no other MIDI file is there (POP909's layout); None when there is none."""
    from musicvae_lite.music.sources import MIDI_SUFFIXES

    midi_path = Path(midi_path)
    own = midi_path.with_name(midi_path.stem + ".chords.txt")
    if own.is_file():
        return own
    shared = midi_path.with_name("chord_midi.txt")
    if shared.is_file():
        others = [p for p in midi_path.parent.iterdir()
                  if p.suffix.lower() in MIDI_SUFFIXES and p.name != midi_path.name]
        if not others:
            return shared
    return None


def _tempo_segments(tempos, ticks_per_quarter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tick, seconds per tick, seconds) at each tempo change of a (tick, microseconds per quarter) map,
    with MIDI's 120 qpm before the first one."""
    changes = [(0, 500_000)] + [(int(t), int(us)) for t, us in tempos if t > 0] \
        if not tempos or tempos[0][0] != 0 else [(int(t), int(us)) for t, us in tempos]
    ticks = np.array([t for t, _ in changes], float)
    sec_per_tick = np.array([us for _, us in changes], float) / 1e6 / ticks_per_quarter
    return ticks, sec_per_tick, np.concatenate([[0.0], np.cumsum(np.diff(ticks) * sec_per_tick[:-1])])


def ticks_to_seconds(ticks: np.ndarray, tempos, ticks_per_quarter: int) -> np.ndarray:
    """Seconds of (float) ticks under a tempo map (see `seconds_to_ticks`)."""
    at_tick, sec_per_tick, at = _tempo_segments(tempos, ticks_per_quarter)
    ticks = np.asarray(ticks, float)
    k = np.clip(np.searchsorted(at_tick, ticks, side="right") - 1, 0, len(at) - 1)
    return at[k] + (ticks - at_tick[k]) * sec_per_tick[k]


def seconds_to_ticks(seconds: np.ndarray, tempos, ticks_per_quarter: int) -> np.ndarray:
    """Ticks (float) of times in seconds under a tempo map of (tick, microseconds per quarter) changes
    (120 qpm before the first one, as MIDI says)."""
    ticks, sec_per_tick, at = _tempo_segments(tempos, ticks_per_quarter)
    seconds = np.asarray(seconds, float)
    k = np.searchsorted(at, seconds, side="right") - 1
    k = np.clip(k, 0, len(at) - 1)
    return ticks[k] + (seconds - at[k]) / sec_per_tick[k]


def chords_on_steps(spans: list[ChordSpan], tempos, ticks_per_quarter: int, n_steps: int) -> np.ndarray:
    """(n_steps,) uint8: the chord class of every 16th-note step of a file from tick 0 (N where no span
    covers it); a span covers the steps from its rounded start to its rounded end."""
    out = np.full(n_steps, NO_CHORD, np.uint8)
    if not spans:
        return out
    tick_per_step = ticks_per_quarter / STEPS_PER_BEAT
    bounds = seconds_to_ticks(np.array([[s.start, s.end] for s in spans]).ravel(), tempos, ticks_per_quarter)
    steps = np.round(bounds / tick_per_step).astype(np.int64).reshape(-1, 2)
    for (a, b), span in zip(steps, spans):
        out[max(a, 0):max(min(b, n_steps), 0)] = span.cls
    return out


# -- the --chords syntax ------------------------------------------------------------------------------


def _token(token: str) -> tuple[int, float | None]:
    """(class, beats or None) of one token of a progression: 'Am', 'Am:2', 'A:min', 'A:min:2'."""
    head, sep, tail = token.rpartition(":")
    if sep and re.fullmatch(r"\d+(\.\d+)?", tail):
        beats = float(tail)
        if beats <= 0:
            raise ChordError(f"bad chord token {token!r}: a duration is a positive number of beats ({SYNTAX})")
        return parse_chord(head), beats
    return parse_chord(token), None


def parse_progression(text: str, steps_per_bar: int = 16) -> np.ndarray:
    """(steps,) uint8 chord classes, one per 16th-note step, of a progression in the `--chords` syntax
    (module docstring), in bars of `steps_per_bar` steps; a ChordError naming the bad token otherwise."""
    if not text or not text.strip():
        raise ChordError(f"no chords given: {SYNTAX}")
    barred = "|" in text
    out: list[np.ndarray] = []
    for number, bar in enumerate(text.split("|") if barred else [text], start=1):
        tokens = bar.split()
        if not tokens:
            if barred and number not in (1, len(text.split("|"))):
                raise ChordError(f"bar {number} of {text.strip()!r} is empty: {SYNTAX}")
            continue
        parsed = [(t, *_token(t)) for t in tokens]
        if not barred:
            for token, cls, beats in parsed:
                n = steps_per_bar if beats is None else beats * STEPS_PER_BEAT
                if n != int(n):
                    raise ChordError(f"bad chord token {token!r}: {beats:g} beats is not a whole number of 16ths")
                out.append(np.full(int(n), cls, np.uint8))
            continue
        given = sum(b * STEPS_PER_BEAT for _, _, b in parsed if b is not None)
        free = [p for p in parsed if p[2] is None]
        left = steps_per_bar - given
        if left < 0 or (free and left < len(free)) or (not free and left != 0):
            raise ChordError(f"bar {number} ({bar.strip()!r}) holds {given / STEPS_PER_BEAT:g} beats of "
                             f"durations; a bar has {steps_per_bar / STEPS_PER_BEAT:g}")
        shares = np.diff(np.round(np.linspace(0, left, len(free) + 1)).astype(int)) if free else []
        it = iter(shares)
        for token, cls, beats in parsed:
            n = next(it) if beats is None else beats * STEPS_PER_BEAT
            if n != int(n):
                raise ChordError(f"bad chord token {token!r}: {beats:g} beats is not a whole number of 16ths")
            out.append(np.full(int(n), cls, np.uint8))
    if not out:
        raise ChordError(f"no chords given: {SYNTAX}")
    return np.concatenate(out)


def fit_steps(chords: np.ndarray, n_steps: int) -> tuple[np.ndarray, str | None]:
    """`chords` repeated or cut to `n_steps`, and a one-line notice when they were (None when they fit)."""
    chords = np.asarray(chords, np.uint8)
    if len(chords) == n_steps:
        return chords, None
    if len(chords) > n_steps:
        return chords[:n_steps], f"the chords last {len(chords)} steps; cut to {n_steps}"
    reps = -(-n_steps // len(chords))
    return np.tile(chords, reps)[:n_steps], f"the chords last {len(chords)} steps; repeated to fill {n_steps}"


def describe_steps(chords: np.ndarray, steps_per_bar: int = 16) -> list[str]:
    """One line per bar of the chord names that sound in it, e.g. ['C', 'G', 'Am F']."""
    lines = []
    for b in range(0, len(chords), steps_per_bar):
        bar = chords[b:b + steps_per_bar]
        names = [chord_name(int(c)) for i, c in enumerate(bar) if i == 0 or c != bar[i - 1]]
        lines.append(" ".join(names))
    return lines
