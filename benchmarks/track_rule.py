"""Which track would a melody reader pick? Rules measured on multi-track files whose melody track is
named (POP909: MELODY, BRIDGE, PIANO), with the names hidden from the rules.

  python benchmarks/track_rule.py ../shared/data/pop909 [--melody-name MELODY]

For each file, every rule ranks the pitched tracks and the script counts how often the track named
`--melody-name` comes first. The last rule is the one music/melody/extract.py's `track_order` uses
(without its name test, which would make the measurement trivial).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.music.errors import MusicDataError  # noqa: E402
from musicvae_lite.music.melody.extract import BUSY_SHARE, _alone_share  # noqa: E402
from musicvae_lite.music.midi_read import read_midi  # noqa: E402


def features(track) -> dict:
    return {"notes": len(track.start), "alone": _alone_share(track), "pitch": float(np.mean(track.pitch))}


RULES = {
    "most notes": lambda f, busiest: f["notes"],
    "highest mean pitch": lambda f, busiest: f["pitch"],
    "most monophonic (share of onsets alone)": lambda f, busiest: f["alone"],
    "80% alone, then most notes": lambda f, busiest: (f["alone"] >= 0.8, f["notes"]),
    "80% alone, then highest mean pitch": lambda f, busiest: (f["alone"] >= 0.8, f["pitch"]),
    "most monophonic of the tracks with >= 25% of the busiest's notes":
        lambda f, busiest: (f["notes"] >= 0.25 * busiest, f["alone"]),
    f"most monophonic of the tracks with >= {BUSY_SHARE:.0%} of the busiest's notes (track_order)":
        lambda f, busiest: (f["notes"] >= BUSY_SHARE * busiest, f["alone"]),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--melody-name", default="MELODY")
    args = parser.parse_args(argv)
    wins, total = dict.fromkeys(RULES, 0), 0
    for path in sorted(args.folder.rglob("*.mid")):
        try:
            tracks = [t for t in read_midi(path).tracks if not t.is_drum and len(t.start)]
        except MusicDataError:
            continue
        names = [t.name.strip().upper() for t in tracks]
        if args.melody_name.upper() not in names or len(tracks) < 2:
            continue
        total += 1
        feats = [features(t) for t in tracks]
        busiest = max(f["notes"] for f in feats)
        for name, rule in RULES.items():  # ties: the first track in the file
            best = max(range(len(tracks)), key=lambda i: (rule(feats[i], busiest), -i))
            wins[name] += names[best] == args.melody_name.upper()
    print(f"{total} multi-track files with a {args.melody_name} track under {args.folder}")
    for name, n in wins.items():
        print(f"{n / max(total, 1):7.1%} {n:5d}/{total}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
