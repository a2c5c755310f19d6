"""Groove transfer on held-out drummers: a window's quantized hits played with the feel of another
performance, scored against how the drummer really played that window (musicvae_lite/music/drums/groove/
transfer.py; the errors as `mvae eval groove` takes them: mean absolute timing in ms and velocity 0-127
over the drummer's hits).

  python benchmarks/bench_groove_transfer.py datasets/groove [--model groove] [--transfer-model RUN]

Three kinds of pair, on the test split (the shrinkage of each method, and the default method, are chosen
on the validation split's same-file pairs first, and printed):
  same file      the beat: window i of a file; the feel: that file's other windows that do not overlap it
                 (tiled on a two-bar hop, as `mvae groove --feel` reads a file); the truth: window i as played
  same drummer and style   the beat: a window of one file; the feel: a whole other file of the same drummer
                 in the same style (funk, rock, ...; each of up to 3 others in turn)
  same drummer   the same with any other file of the drummer, as the issue's target asks
Rows, all in the same run: the quantized beat at the training mean velocity, the training groove
template, `groove` humanize without a feel, humanize decoded from the feel's code (the mean code of its
windows; the humanize encoder reads hits only), the feel's per-position template, and the residual
method (humanize, moved by the feel's departures from the model): transfer.py. With --transfer-model (a
full-view GrooVAE whose decoder is told the hits: preset groove_2bar_transfer_cpu, magenta's
groovae_2bar_hits_control), one row more: the beat's hits decoded from the mean code of the feel's windows,
as that model's encoder reads them whole (velocities and timing included).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHRINKS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)


def load_split(folder: Path, name: str):
    """A split of the dataset with each window's first bar in its file (`start_bar`)."""
    from musicvae_lite.music.drums.dataset import load_drum_split

    split = load_drum_split(folder, name)
    with np.load(Path(folder) / f"{name}.npz", allow_pickle=False) as d:
        split.start_bar = d["start_bar"]
    return split


def _meta(split) -> tuple[dict, dict, dict]:
    """Windows by file, and each file's drummer and style (from the Groove MIDI Dataset's file names)."""
    files = defaultdict(list)
    for i, f in enumerate(split.file_index):
        files[int(f)].append(i)
    drummer = {f: (re.search(r"drummer\d+", str(split.files[f])) or [str(f)])[0] for f in files}
    style = {f: (re.search(r"/\d+_([a-z]+)", str(split.files[f])) or [None, str(f)])[1] for f in files}
    return files, drummer, style


def pairs(split, kind: str, others: int = 3) -> list[tuple[int, np.ndarray]]:
    """(beat window, feel windows) pairs of one split (module docstring)."""
    files, drummer, style = _meta(split)
    starts = np.asarray(split.start_bar)
    out = []
    if kind == "same file":
        for idx in files.values():
            idx = np.array(idx)
            for i in idx:
                b = starts[i]
                feel = idx[(starts[idx] % 2 == b % 2) & (np.abs(starts[idx] - b) >= 2)]
                if len(feel):
                    out.append((int(i), feel))
        return out
    key = drummer if kind == "same drummer" else {f: (drummer[f], style[f]) for f in files}
    groups = defaultdict(list)
    for f in sorted(files):
        groups[key[f]].append(f)
    for group in groups.values():
        for j, f in enumerate(group):
            for g in [group[(j + k) % len(group)] for k in range(1, min(others, len(group) - 1) + 1)]:
                feel = np.array([i for i in files[g] if starts[i] % 2 == 0])
                out += [(int(i), feel) for i in files[f]]
    return out


def score(split, ms, pairs_, predictions) -> tuple[float, float]:
    """Mean absolute timing (ms) and velocity (0-127) errors over the beats' hits."""
    t_err, v_err, n = 0.0, 0.0, 0
    for (i, _), (vel, off) in zip(pairs_, predictions):
        h = split.hits[i]
        t_err += float((np.abs(off - split.offset[i]) * ms[i])[h].sum())
        v_err += float((np.abs(vel - split.velocity[i]) * 127)[h].sum())
        n += int(h.sum())
    return t_err / n, v_err / n


class Prepared:
    """A split's humanized windows, codes, and per-window position sums (transfer.position_sums) of the
    velocities and offsets (template) and of their departures from the humanized ones (residual)."""

    def __init__(self, model, split):
        from musicvae_lite.music.drums.groove.generate import humanize
        from musicvae_lite.music.drums.groove.transfer import position_sums

        self.split, hits = split, split.hits
        perf = (hits, split.velocity, split.offset)
        parts = [humanize(model, tuple(a[s:s + 256] for a in perf)) for s in range(0, len(split), 256)]
        self.played = tuple(np.concatenate([p[k] for p in parts]) for k in range(3))
        self.codes = codes_of(model, split)
        sums = {"n": [], "template": [], "residual": []}
        for i in tqdm(range(len(split)), desc="position sums", leave=False):
            n, v = position_sums(hits[i], split.velocity[i])
            sums["n"].append(n)
            sums["template"].append((v, position_sums(hits[i], split.offset[i])[1]))
            sums["residual"].append((position_sums(hits[i], split.velocity[i] - self.played[1][i])[1],
                                     position_sums(hits[i], split.offset[i] - self.played[2][i])[1]))
        self.n = np.stack(sums["n"])
        self.sums = {m: tuple(np.stack([x[k] for x in sums[m]]) for k in range(2)) for m in ("template", "residual")}

    def transfer(self, i: int, feel: np.ndarray, method: str, shrink: float):
        from musicvae_lite.music.drums.groove.transfer import apply_feel, feel_from_sums

        vs, os_ = (a[feel].sum(axis=0) for a in self.sums[method])
        f = feel_from_sums(method, self.n[feel].sum(axis=0), vs, os_, shrink=shrink)
        got = apply_feel(f, self.split.hits[i], tuple(a[i] for a in self.played))
        return got[1], got[2]


def feel_code_rows(model, codes: np.ndarray, split, pairs_) -> list:
    """(velocity, offset) of each pair's beat decoded over its hits from the mean of the feel windows' `codes`."""
    from musicvae_lite.music.drums.groove.generate import control_of, decode

    hits, out = split.hits, []
    beats = np.array([i for i, _ in pairs_])
    z = np.stack([codes[feel].mean(axis=0) for _, feel in pairs_])
    for s in range(0, len(beats), 256):
        b = beats[s:s + 256]
        got = decode(model, z[s:s + 256], hits=hits[b],
                     control=control_of(model, (hits[b], split.velocity[b], split.offset[b])))
        out += list(zip(got[1], got[2]))
    return out


def codes_of(model, split) -> np.ndarray:
    """Posterior means of every window of a split, as `model`'s encoder reads them."""
    from musicvae_lite.music.drums.groove.generate import encode

    perf = (split.hits, split.velocity, split.offset)
    return np.concatenate([encode(model, tuple(a[s:s + 256] for a in perf)) for s in range(0, len(split), 256)])


def methods(model, train, prep: Prepared, pairs_, shrink: dict) -> dict[str, list]:
    """Each row's (velocity, offset) predictions for the pairs."""
    split = prep.split
    hits, T = split.hits, split.hits.shape[1]
    mean_vel = float(train.velocity[train.hits].mean())
    n = np.maximum(train.hits.sum(axis=0), 1)  # the training template, as evaluate.humanize_baselines fits it
    t_vel = np.where(train.hits, train.velocity, 0).sum(axis=0) / n
    t_off = np.where(train.hits, train.offset, 0).sum(axis=0) / n
    rows: dict[str, list] = defaultdict(list)
    for i, feel in tqdm(pairs_, desc="pairs", leave=False):
        rows["quantized, training mean velocity"].append((np.full((T, 9), mean_vel), np.zeros((T, 9))))
        rows["training groove template"].append((t_vel, t_off))
        rows["humanize, no feel (`groove`)"].append((prep.played[1][i], prep.played[2][i]))
        rows["feel's per-position template"].append(prep.transfer(i, feel, "template", 0.0))
        if shrink["template"]:
            rows[f"  the same, shrunk ({shrink['template']:g} pseudo-hits)"].append(
                prep.transfer(i, feel, "template", shrink["template"]))
        rows[f"residual: humanize + feel's departures ({shrink['residual']:g})"].append(
            prep.transfer(i, feel, "residual", shrink["residual"]))
        rows[f"  the same, shrunk more ({ROBUST:g})"].append(prep.transfer(i, feel, "residual", ROBUST))
    rows["humanize from the feel's code"] = feel_code_rows(model, prep.codes, split, pairs_)
    return rows


ROBUST = 32.0  # the residual's shrinkage that did best over all three kinds of validation pair (first run)
KINDS = ("same file", "same drummer and style", "same drummer")


def tune(model, held) -> tuple[dict[str, float], str]:
    """The shrinkage of each method that does best on `held`'s same-file pairs (the protocol where the feel
    is the beat's own: timing and velocity errors, each relative to humanize's, summed), and the method
    that does best there: the default of transfer.py."""
    from musicvae_lite.music.drums.groove.evaluate import step_ms

    ms = step_ms(held)[:, 0, 0]
    prep = Prepared(model, held)
    ps = pairs(held, "same file")
    base = score(held, ms, ps, [(prep.played[1][i], prep.played[2][i]) for i, _ in ps])
    print(f"validation split, feel from the same file: {len(ps)} pairs; humanize {base[0]:.2f} ms, "
          f"{base[1]:.2f} velocity")
    scores = {}
    for method in ("template", "residual"):
        for k in tqdm(SHRINKS, desc=method, leave=False):
            t, v = score(held, ms, ps, [prep.transfer(i, feel, method, k) for i, feel in ps])
            scores[method, k] = t / base[0] + v / base[1]
            print(f"  {method:<9} shrink {k:>4g}: {t:6.2f} ms  {v:6.2f} velocity")
    best = {m: min(SHRINKS, key=lambda k, m=m: scores[m, k]) for m in ("template", "residual")}
    default = min(best, key=lambda m: scores[m, best[m]])
    print(f"chosen: template {best['template']:g}, residual {best['residual']:g} pseudo-hits; default method: {default}")
    return best, default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a drum dataset folder (mvae data build --family drums)")
    parser.add_argument("--model", default="groove", help="a humanize GrooVAE (default: the bundled `groove`)")
    parser.add_argument("--transfer-model", help="a full-view GrooVAE told the hits (groove_2bar_transfer_cpu): "
                        "adds its row")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    import torch

    from musicvae_lite.families import load
    from musicvae_lite.music.drums.groove.evaluate import step_ms

    torch.set_num_threads(args.threads)
    model = load(args.model, family="drums").model
    other = load(args.transfer_model, family="drums").model if args.transfer_model else None
    if other is not None and not (other.view == "full" and other.config.control):
        parser.error(f"{args.transfer_model} is not a full-view GrooVAE told the hits (groove_2bar_transfer_cpu)")
    train = load_split(args.data, "train")
    shrink, _ = tune(model, load_split(args.data, "eval"))
    test = load_split(args.data, "test")
    prep = Prepared(model, test)
    ms = step_ms(test)[:, 0, 0]
    other_codes = codes_of(other, test) if other is not None else None
    for kind in KINDS:
        ps = pairs(test, kind)
        rows = methods(model, train, prep, ps, shrink)
        if other is not None:
            rows[f"transfer model ({other.name}): feel's code"] = feel_code_rows(other, other_codes, test, ps)
        figures = {name: score(test, ms, ps, preds) for name, preds in rows.items()}
        ref = figures["training groove template"]
        hits = sum(int(test.hits[i].sum()) for i, _ in ps)
        print(f"\ntest split, feel from the {kind}: {len(ps)} pairs, {hits} hits scored")
        print(f"{'':<46} {'timing (ms)':>11} {'velocity':>9}   better than the training template")
        for name, (t, v) in figures.items():
            print(f"{name:<46} {t:>11.2f} {v:>9.2f}   {1 - t / ref[0]:>6.1%} / {1 - v / ref[1]:>6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
