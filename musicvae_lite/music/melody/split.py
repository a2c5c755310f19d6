"""A train/eval split that holds out: no held-out window occurs among the training windows up to
transposition, and near-duplicate tunes land on the same side.

Folk-song collections repeat themselves (variants of one tune, the same tune in two books, a tune and its
transposition), so a split by file alone leaves copies of training windows in the held-out set: on
Essen about 22% of the held-out windows occurred among the training windows up to transposition. Here:

1. every window gets a transposition-free key (its note-on classes moved so that the lowest is the
   lowest class; rests, holds and note-offs as they are);
2. two files are near-duplicates when they share at least `NEAR_DUPLICATE` of the keys of the smaller
   one (keys shared by more than `COMMON_KEY_FILES` files, such as a bare scale run, do not count: they
   are idioms, not copies); near-duplicates are joined into groups, and a group goes to eval only if
   the file that names it (the first by name) does, so the whole group lands on one side;
3. held-out windows whose key is among the training keys are dropped;
4. a training window identical to one of an earlier training file is dropped: one file's windows are
   already distinct, but across files a pattern can repeat hundreds of times (a Palestrina voice's
   held whole notes: 295,000 training windows of the corpus held 41,600 distinct ones), and would
   outweigh every other collection in a mix.

Moving a group is the one way a file can change sides when files are added; the counts of both steps
are reported (`SplitReport`) and written to the dataset's summary.json.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import asdict, dataclass

import numpy as np

from musicvae_lite.music.melody.encoding import NUM_SPECIAL

NEAR_DUPLICATE = 0.5  # share of the smaller file's window keys two near-duplicate files have in common
COMMON_KEY_FILES = 50  # a key in more files than this is an idiom, not evidence of a copy


@dataclass
class SplitReport:
    """What cleaning the split did."""

    near_duplicate_groups: int  # groups of two or more near-duplicate files
    files_moved: int  # files that changed side to join their group
    eval_windows_dropped: int  # held-out windows found among the training windows up to transposition
    eval_windows_kept: int
    train_windows_dropped: int = 0  # training windows identical to one of an earlier training file

    def to_dict(self) -> dict:
        return asdict(self)


def transposition_keys(events: np.ndarray) -> list[bytes]:
    """One key per window (N, steps): the same for a window and any transposition of it."""
    ev = np.asarray(events, np.int16)
    notes = ev >= NUM_SPECIAL
    low = np.where(notes, ev, np.iinfo(np.int16).max).min(axis=1, keepdims=True)  # (N, 1)
    shifted = np.where(notes, ev - low + NUM_SPECIAL, ev).astype(np.uint8)  # lowest note-on -> class 2
    return [row.tobytes() for row in shifted]


class _Groups:
    """Union-find over file indices."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clean_split(paths: list[str], windows: list[np.ndarray], in_eval: list[bool],
                is_eval_name) -> tuple[list[bool], list[np.ndarray], SplitReport]:
    """(each file's side after grouping near-duplicates, a keep-mask per file's windows, the report).

    `paths` and `windows` ((n_i, steps) per file) describe the files; `in_eval` is the split by file;
    `is_eval_name(path)` decides a group's side from the path that names it. Training files lose the
    windows an earlier training file has; held-out files lose those whose key occurs in any training
    file."""
    keys = [transposition_keys(w) for w in windows]
    owners: dict[bytes, list[int]] = defaultdict(list)
    for i, ks in enumerate(keys):
        for k in set(ks):
            owners[k].append(i)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for files in owners.values():
        if 1 < len(files) <= COMMON_KEY_FILES:
            for a in range(len(files)):
                for b in range(a + 1, len(files)):
                    shared[files[a], files[b]] += 1
    groups = _Groups(len(paths))
    distinct = [len(set(ks)) for ks in keys]
    for (a, b), count in shared.items():
        if count >= NEAR_DUPLICATE * min(distinct[a], distinct[b]):
            groups.join(a, b)
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(paths)):
        members[groups.find(i)].append(i)
    side = list(in_eval)
    moved = 0
    for files in members.values():
        if len(files) < 2:
            continue
        name = min(files, key=lambda i: (os.path.basename(paths[i]), paths[i]))
        group_eval = bool(is_eval_name(paths[name]))
        for i in files:
            moved += side[i] != group_eval
            side[i] = group_eval
    train_keys = {k for i, ks in enumerate(keys) if not side[i] for k in ks}
    keep, dropped, kept, seen, repeats = [], 0, 0, set(), 0
    for i, ks in enumerate(keys):
        if side[i]:
            mask = np.array([k not in train_keys for k in ks], bool)
            dropped += int((~mask).sum())
            kept += int(mask.sum())
        else:
            rows = [row.tobytes() for row in np.ascontiguousarray(windows[i])]
            mask = np.array([row not in seen for row in rows], bool)
            seen.update(rows)
            repeats += int((~mask).sum())
        keep.append(mask)
    report = SplitReport(sum(len(f) > 1 for f in members.values()), moved, dropped, kept, repeats)
    return side, keep, report
