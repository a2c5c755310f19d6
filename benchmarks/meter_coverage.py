"""How many files of each folder a melody reader takes in each bar length (`--steps-per-bar`: 16, 12, 18,
24 steps; music/melody/extract.py `BAR_GROUPS`), and why the files no bar length reads are refused, by
reason. The meters issue's first measure: which share of a collection the toolkit still refuses.

  python benchmarks/meter_coverage.py corpora/essen corpora/airdsAirs corpora/bach [--limit 450]

A file counts under the first bar length that reads it (16 first: the duple default).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.errors import MvaeError  # noqa: E402
from musicvae_lite.music.melody.extract import BAR_GROUPS, ExtractConfig, extract_file  # noqa: E402


def coverage(folder: Path, limit: int | None) -> tuple[int, Counter, Counter]:
    """(files, files read first by each bar length, refused files by reason)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))[:limit]
    read, refused = Counter(), Counter()
    for path in files:
        reasons = []
        for steps in BAR_GROUPS:
            try:
                extract_file(path, ExtractConfig(steps_per_bar=steps))
            except MvaeError as e:
                reasons.append(str(e).split(": ", 1)[-1].split(" (need")[0])
                continue
            read[steps] += 1
            break
        else:
            refused[reasons[0]] += 1
    return len(files), read, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="the first N files of each folder, sorted by name")
    args = parser.parse_args()
    for folder in args.folders:
        total, read, refused = coverage(folder, args.limit)
        taken = " / ".join(f"{read[s]}" for s in BAR_GROUPS)
        print(f"{folder.name}: {total} files; read first in {' / '.join(map(str, BAR_GROUPS))} steps: {taken}; "
              f"refused by every bar length: {sum(refused.values())} ({100 * sum(refused.values()) / max(total, 1):.1f}%)")
        for reason, count in refused.most_common():
            print(f"  {count:>5}  {reason}")


if __name__ == "__main__":
    main()
