"""Writes the example melodies that ship in the package, `musicvae_lite/examples/` (original tunes,
written for musicvae_lite; public domain). This folder links to two of them for the README's commands.

    python data/examples/make_examples.py [--force]

Each tune is 8 bars of 4/4 in one piano track, a list of (pitch, length in 16th notes); pitch 0 is
a rest. They give 7 two-bar windows each with `mvae windows`. `mvae serve` offers them as the ends of an
interpolation and the corners of the blender. Files already there are left alone without --force.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from musicvae_lite.music.melody.encoding import NOTE_OFF, pitch_to_class
from musicvae_lite.music.melody.render import write_melody_midi

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
TUNES = (("morning", MORNING, 112.0), ("evening", EVENING, 84.0), ("dance", DANCE, 132.0),
         ("lullaby", LULLABY, 72.0))


def events(tune: list[tuple[int, int]]) -> np.ndarray:
    """The tune as melody events, padded to whole bars."""
    ev = []
    for pitch, length in tune:
        if pitch:
            ev += [pitch_to_class(pitch)] + [0] * (length - 1)
        else:
            ev += [NOTE_OFF] + [0] * (length - 1)
    ev += [0] * (-len(ev) % 16)
    return np.array(ev, np.uint8)


def main() -> None:
    force = "--force" in sys.argv
    for name, tune, qpm in TUNES:
        path = FOLDER / f"{name}.mid"
        if path.exists() and not force:
            print(f"kept {path} (--force rewrites it)")
            continue
        write_melody_midi(path, events(tune), qpm=qpm, overwrite=force)
        print(f"wrote {path} ({len(events(tune)) // 16} bars)")


if __name__ == "__main__":
    main()
