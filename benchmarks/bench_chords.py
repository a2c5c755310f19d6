"""How well does `mvae chords` hear POP909's chord labels? Per-beat agreement on imported POP909 songs.

  python -m musicvae_lite data corpus pop909 ../shared/data/pop909 -o /tmp/pop909   # once
  python benchmarks/bench_chords.py /tmp/pop909 [--split validation] [--limit N]

For every song of the split (info.csv), the chords heard in its tracks besides the melody (BRIDGE and
PIANO; music/melody/hear_chords.py) are compared with its chord_midi.txt, folded to music/chords.py's
vocabulary, on the first step of every beat where the label is a chord (not N):
- root: the same root;
- majmin: the same root and the same third, over the beats labelled maj, 7 (major third) or min
  (minor third), as MIREX's "majmin" measure does (sus, dim and aug labels left out); a heard chord
  counts by its third (maj, 7, aug: major; min, dim: minor; sus: neither);
- full: the same class of the 85.
Prints one JSON line per measure: pooled over beats and the median over songs.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.music.chords import (  # noqa: E402
    NO_CHORD,
    QUALITIES,
    chord_file_for,
    chords_on_steps,
    read_chord_file,
)
from musicvae_lite.music.melody.hear_chords import BEAT_STEPS, hear_midi  # noqa: E402
from musicvae_lite.music.midi_read import read_midi  # noqa: E402

THIRD = {"maj": 1, "7": 1, "aug": 1, "min": 2, "dim": 2}  # 1 major third, 2 minor third; others: 0


def _root_third(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(root, third kind) of chord classes (root -1 and third 0 for N)."""
    q = (classes.astype(int) - 1) % len(QUALITIES)
    third = np.array([THIRD.get(QUALITIES[i], 0) for i in q])
    root = np.where(classes == NO_CHORD, -1, (classes.astype(int) - 1) // len(QUALITIES))
    return root, np.where(classes == NO_CHORD, 0, third)


def song_agreement(path: Path) -> dict:
    """Per-beat agreement counts of one song."""
    midi = read_midi(path)
    heard = hear_midi(midi)
    truth = chords_on_steps(read_chord_file(chord_file_for(path)), midi.tempos, midi.ticks_per_quarter,
                            len(heard.steps))
    est, ref = heard.steps[::BEAT_STEPS], truth[::BEAT_STEPS]
    chorded = ref != NO_CHORD
    r_root, r_third = _root_third(ref)
    e_root, e_third = _root_third(est)
    mm = chorded & np.isin(ref, [c for c in range(1, 85) if QUALITIES[(c - 1) % 7] in ("maj", "7", "min")])
    return {"beats": int(chorded.sum()), "root": int((chorded & (e_root == r_root)).sum()),
            "full": int((chorded & (est == ref)).sum()), "majmin_beats": int(mm.sum()),
            "majmin": int((mm & (e_root == r_root) & (e_third == r_third)).sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="a folder written by `mvae data corpus pop909`")
    parser.add_argument("--split", default="validation", help="which songs of info.csv (default validation)")
    parser.add_argument("--limit", type=int, default=None, help="at most this many songs")
    args = parser.parse_args()
    root = Path(args.data)
    rows = [r for r in csv.DictReader(open(root / "info.csv", encoding="utf-8")) if r["split"] == args.split]
    per_song = [song_agreement(root / r["midi_filename"]) for r in rows[:args.limit]]
    total = {k: sum(s[k] for s in per_song) for k in per_song[0]}
    for measure, base in (("root", "beats"), ("majmin", "majmin_beats"), ("full", "beats")):
        shares = [s[measure] / s[base] for s in per_song if s[base]]
        print(json.dumps({"measure": measure, "split": args.split, "songs": len(per_song), "beats": total[base],
                          "pooled": round(total[measure] / total[base], 4),
                          "median_song": round(float(np.median(shares)), 4)}))


if __name__ == "__main__":
    main()
