"""How many files of each folder a melody reader takes in each bar length (`--steps-per-bar`: 16, 12, 18,
24 steps; music/melody/extract.py `BAR_GROUPS`), and why the files no bar length reads are refused, by
reason. The meters issue's first measure: which share of a collection the toolkit still refuses.

  python benchmarks/meter_coverage.py corpora/essen corpora/airdsAirs corpora/bach [--limit 450]

A file counts under the first bar length that reads it (16 first: the duple default). A file no bar length
reads is refused for its meter when every bar length names the meter (kind `unsupported-meter`), else for
what its notes lack (too short, out of range: those are no meter's fault); both are listed by reason.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from musicvae_lite.errors import MvaeError  # noqa: E402
from musicvae_lite.music.melody.extract import BAR_GROUPS, ExtractConfig, extract_file  # noqa: E402


def coverage(folder: Path, limit: int | None) -> tuple[int, Counter, Counter, Counter]:
    """(files, files read first by each bar length, files refused for their meter by reason, files refused
    for another reason by reason)."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".mid", ".midi"))[:limit]
    read, meter, other = Counter(), Counter(), Counter()
    for path in files:
        reasons = []
        for steps in BAR_GROUPS:
            try:
                extract_file(path, ExtractConfig(steps_per_bar=steps))
            except MvaeError as e:
                reasons.append((getattr(e, "kind", ""), str(e).split(": ", 1)[-1].split(" (need")[0]))
                continue
            read[steps] += 1
            break
        else:
            not_meter = [r for kind, r in reasons if kind != "unsupported-meter"]
            if not_meter:
                other[not_meter[0]] += 1
            else:
                meter[reasons[0][1]] += 1
    return len(files), read, meter, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="the first N files of each folder, sorted by name")
    args = parser.parse_args()
    for folder in args.folders:
        total, read, meter, other = coverage(folder, args.limit)
        taken = " / ".join(f"{read[s]}" for s in BAR_GROUPS)
        refused = sum(meter.values())
        print(f"{folder.name}: {total} files; read first in {' / '.join(map(str, BAR_GROUPS))} steps: {taken}; "
              f"refused for their meter: {refused} ({100 * refused / max(total, 1):.2f}%); for their notes: "
              f"{sum(other.values())}")
        for reason, count in meter.most_common():
            print(f"  {count:>5}  {reason}")
        for reason, count in other.most_common(3):
            print(f"  {count:>5}  (notes) {reason}")


if __name__ == "__main__":
    main()
