"""Writes the two example melodies in this folder (original tunes, written for musicvae_lite; public domain).

    python data/examples/make_examples.py [--force]

Each tune is 8 bars of 4/4 in one piano track, a list of (pitch, length in 16th notes); pitch 0 is
a rest. They give 7 two-bar windows each with `mvae windows`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from musicvae_lite.music.encoding import NOTE_OFF, pitch_to_class
from musicvae_lite.music.midi_write import write_melody_midi

HERE = Path(__file__).resolve().parent

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
    for name, tune, qpm in (("morning", MORNING, 112.0), ("evening", EVENING, 84.0)):
        path = write_melody_midi(HERE / f"{name}.mid", events(tune), qpm=qpm, overwrite=force)
        print(f"wrote {path} ({len(events(tune)) // 16} bars)")


if __name__ == "__main__":
    main()
