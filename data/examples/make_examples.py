"""Writes the examples that ship in the package, one folder a family: `musicvae_lite/examples/melody/`
and `musicvae_lite/examples/drums/` (original tunes and patterns, written for musicvae_lite; public domain). This folder links to two of them for the README's commands.

    python data/examples/make_examples.py [--force]

Each tune is 4/4 in one piano track, a list of (pitch, length in 16th notes); pitch 0 is a rest. The
first four are 8 bars (7 two-bar windows each with `mvae windows`); `sunrise` and `harbour` are 16 bars
with the repeats songs have (sunrise A A' B A, harbour with a bar sequence a tone down), the ends of the
README's 16-bar interpolation (`--model melody_16bar`). Two more are in their own meter, 16 bars of 12
sixteenths each: `waltz` (3/4, a tune in G major) and `jig` (6/8, D major, running eighths in threes with
dotted quarters at the phrase ends), the ends a meter-reading model interpolates within a meter. `mvae serve`
offers them as the ends of an interpolation and the corners of the blender. Files already there are left
alone without --force.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from musicvae_lite.music.melody.encoding import NOTE_OFF, pitch_to_class
from musicvae_lite.music.melody.render import melody_midi_bytes, write_melody_midi
from musicvae_lite.music.meter import Meter

FOLDER = Path(__file__).resolve().parents[2] / "musicvae_lite" / "examples"

# A bright tune in C major, 112 qpm.
MORNING = [
    (60, 4), (64, 4), (67, 4), (72, 4), (71, 2), (69, 2), (67, 4), (64, 4), (65, 4),
    (67, 6), (65, 2), (64, 4), (62, 4), (60, 4), (62, 4), (64, 8), (0, 4), (64, 4),
    (65, 4), (67, 4), (69, 4), (67, 2), (65, 2), (64, 4), (62, 4), (64, 4), (60, 4),
    (62, 2), (64, 2), (62, 4), (59, 4), (60, 12),
]
# A slower tune in A minor, 84 qpm.
EVENING = [
    (69, 8), (72, 4), (71, 4), (69, 4), (67, 4), (64, 8), (65, 4), (67, 4), (69, 8),
    (64, 4), (62, 12), (0, 4), (60, 4), (62, 4), (64, 6), (65, 2), (67, 4), (69, 4),
    (71, 4), (72, 4), (71, 4), (68, 4), (69, 12), (0, 4),
]
# A quick dance in G major, 132 qpm, in running eighths.
DANCE = [
    (67, 2), (71, 2), (74, 2), (71, 2), (67, 2), (71, 2), (74, 4), (72, 2), (71, 2), (69, 2), (67, 2),
    (66, 4), (62, 4), (64, 2), (66, 2), (67, 2), (69, 2), (71, 4), (67, 4), (69, 2), (71, 2), (72, 2),
    (74, 2), (76, 4), (74, 4), (79, 2), (78, 2), (76, 2), (74, 2), (72, 2), (71, 2), (69, 4), (71, 2),
    (69, 2), (67, 2), (66, 2), (64, 4), (62, 4), (67, 2), (66, 2), (67, 2), (69, 2), (71, 2), (69, 2),
    (66, 4), (67, 8), (0, 8),
]
# A lullaby in F major, 72 qpm.
LULLABY = [
    (65, 6), (67, 2), (69, 4), (65, 4), (70, 8), (69, 4), (67, 4), (65, 4), (62, 4), (64, 4), (65, 4),
    (67, 12), (0, 4), (72, 6), (70, 2), (69, 4), (67, 4), (65, 8), (62, 4), (64, 4), (65, 4), (67, 4),
    (64, 4), (60, 4), (65, 12), (0, 4),
]
# 16 bars in C major, 100 qpm, in the form A A' B A (bars 1-3 come back twice).
_SUN_A = [(60, 4), (64, 4), (67, 4), (64, 4), (65, 4), (69, 4), (67, 8), (64, 4), (62, 4), (60, 4), (64, 4)]
SUNRISE = (
    _SUN_A + [(62, 12), (0, 4)] + _SUN_A + [(60, 12), (0, 4)]
    + [(69, 4), (67, 2), (65, 2), (64, 4), (65, 4), (67, 4), (72, 4), (71, 8), (69, 4), (67, 2), (65, 2), (64, 4),
       (62, 4), (64, 4), (67, 4), (62, 8)]
    + _SUN_A + [(60, 12), (0, 4)]
)
# 16 bars in A minor, 120 qpm, in eighths: a two-bar phrase, the same a whole tone down, the phrase again
# with a cadence, a rising middle, the opening to end.
_HARBOUR_1 = [(69, 2), (72, 2), (76, 2), (72, 2), (69, 4), (67, 4), (65, 2), (67, 2), (69, 4), (64, 8)]
_HARBOUR_CADENCE = [(65, 2), (64, 2), (62, 2), (64, 2), (65, 4), (67, 4), (69, 12), (0, 4)]
HARBOUR = (
    _HARBOUR_1 + [(p - 2, n) for p, n in _HARBOUR_1] + _HARBOUR_1 + _HARBOUR_CADENCE
    + [(72, 4), (71, 4), (69, 4), (67, 4), (65, 4), (67, 4), (69, 8), (72, 4), (74, 4), (76, 4), (74, 4),
       (72, 4), (71, 4), (69, 8)]
    + _HARBOUR_1 + _HARBOUR_CADENCE
)
# A waltz in G major, 3/4 at 160 qpm (a bar of 12 steps: 4 a beat), A (bars 1-8, ending on the dominant's A)
# and B (bars 9-16, up to the high G, home to G).
WALTZ = [
    (67, 8), (71, 4), (74, 4), (72, 4), (71, 4), (69, 8), (72, 4), (71, 12),
    (67, 4), (69, 4), (71, 4), (72, 8), (76, 4), (74, 4), (72, 4), (71, 4), (69, 12),
    (74, 8), (79, 4), (78, 4), (76, 4), (74, 4), (72, 8), (76, 4), (74, 12),
    (71, 4), (74, 4), (72, 4), (69, 8), (66, 4), (67, 4), (69, 4), (66, 4), (67, 12),
]
# A double jig in D major, 6/8 at 165 qpm (a dotted quarter at 110; a bar of 12 steps: two beats of three
# eighths), running eighths with quarter-eighth pairs and dotted quarters at the phrase ends.
JIG = [
    (69, 2), (66, 2), (69, 2), (74, 2), (69, 2), (66, 2), (67, 2), (71, 2), (67, 2), (64, 6),
    (66, 2), (69, 2), (66, 2), (62, 2), (66, 2), (69, 2), (71, 4), (69, 2), (67, 2), (66, 2), (64, 2),
    (69, 2), (66, 2), (69, 2), (74, 2), (76, 2), (78, 2), (76, 4), (73, 2), (69, 6),
    (71, 2), (67, 2), (64, 2), (69, 2), (66, 2), (62, 2), (64, 4), (66, 2), (62, 6),
    (78, 2), (76, 2), (74, 2), (69, 2), (74, 2), (78, 2), (79, 4), (78, 2), (76, 6),
    (76, 2), (74, 2), (73, 2), (69, 2), (73, 2), (76, 2), (78, 4), (76, 2), (74, 6),
    (71, 2), (73, 2), (74, 2), (69, 2), (66, 2), (62, 2), (67, 4), (71, 2), (64, 4), (67, 2),
    (66, 2), (69, 2), (74, 2), (73, 2), (71, 2), (73, 2), (74, 6), (0, 6),
]
# Four programmed 2-bar drum patterns (original, public domain), as (drum class, steps) per pattern, two
# bars each; classes as in musicvae_lite/music/drums/encoding.py: 0 kick, 1 snare, 2 closed hi-hat,
# 3 open hi-hat, 4-6 toms, 7 crash, 8 ride. Written twice over (4 bars) at the tempo given.
BEATS = {
    "rock": (112.0, {0: [0, 8, 10, 16, 24, 26], 1: [4, 12, 20, 28], 2: list(range(0, 32, 2)), 7: [0]}),
    "funk": (100.0, {0: [0, 3, 10, 16, 19, 26, 30], 1: [4, 12, 15, 20, 28], 2: list(range(0, 32)), 3: [14]}),
    "halftime": (80.0, {0: [0, 6, 16, 22, 27], 1: [8, 24], 2: list(range(0, 32, 2)), 8: [0, 16]}),
    "bossa": (128.0, {0: [0, 3, 4, 8, 11, 12, 16, 19, 20, 24, 27, 28], 1: [0, 6, 12, 18, 22, 28],
                      2: list(range(0, 32, 2)), 6: [30]}),
}
TUNES = (("morning", MORNING, 112.0), ("evening", EVENING, 84.0), ("dance", DANCE, 132.0),
         ("lullaby", LULLABY, 72.0), ("sunrise", SUNRISE, 100.0), ("harbour", HARBOUR, 120.0))
METER_TUNES = (("waltz", WALTZ, 160.0, Meter(3, 4)), ("jig", JIG, 165.0, Meter(6, 8)))  # (name, tune, qpm, meter)


def events(tune: list[tuple[int, int]], bar_steps: int = 16) -> np.ndarray:
    """The tune as melody events, padded to whole bars of `bar_steps` steps."""
    ev = []
    for pitch, length in tune:
        if pitch:
            ev += [pitch_to_class(pitch)] + [0] * (length - 1)
        else:
            ev += [NOTE_OFF] + [0] * (length - 1)
    ev += [0] * (-len(ev) % bar_steps)
    return np.array(ev, np.uint8)


def write_beats(force: bool) -> None:
    from musicvae_lite.music.drums.render import drum_midi_bytes

    for name, (qpm, pattern) in BEATS.items():
        path = FOLDER / "drums" / f"{name}.mid"
        if path.exists() and not force:
            print(f"kept {path} (--force rewrites it)")
            continue
        hits = np.zeros((32, 9), bool)
        for drum, steps in pattern.items():
            hits[steps, drum] = True
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(drum_midi_bytes([hits, hits], qpm=qpm))
        print(f"wrote {path} (4 bars)")


def main() -> None:
    force = "--force" in sys.argv
    write_beats(force)
    for name, tune, qpm in TUNES:
        path = FOLDER / "melody" / f"{name}.mid"
        if path.exists() and not force:
            print(f"kept {path} (--force rewrites it)")
            continue
        write_melody_midi(path, events(tune), qpm=qpm, overwrite=force)
        print(f"wrote {path} ({len(events(tune)) // 16} bars)")
    for name, tune, qpm, meter in METER_TUNES:
        path = FOLDER / "melody" / f"{name}.mid"
        if path.exists() and not force:
            print(f"kept {path} (--force rewrites it)")
            continue
        ev = events(tune, meter.steps_per_bar)
        path.write_bytes(melody_midi_bytes(ev, qpm=qpm, meter=meter))  # one track named "melody", in `meter`
        print(f"wrote {path} ({len(ev) // meter.steps_per_bar} bars of {meter.label})")


if __name__ == "__main__":
    main()
