"""What reading the chords buys a melody model (issue 23's targets), on held-out POP909 windows, with the
baseline in the same run.

  python benchmarks/bench_chord_model.py --model chords --baseline default --data /work/scratch/pop/mel2/bar16
  python benchmarks/bench_chord_model.py --model PATH.pt --data DATASET --limit 200 --timing-runs 0

`--data` is a dataset folder whose eval.npz carries `window_chords` (`mvae data build` of POP909 songs, each
with its chord file); the windows whose every step has a chord label (N allowed, not UNKNOWN) and at least one
chord are used, the first `--limit`. Prints one JSON line per part:
- accuracy: teacher-forced / greedy / T = 1 (MusicVAE's Table 1 protocol, music/melody/evaluate.py) of the
  chord model reading each window's true chords, and reading none (its "no chords given" zeros); and of the
  baseline model (which reads none). Target: the true chords add >= 0.01 teacher-forced.
- samples: one sample per held-out window under that window's own progression (prior codes, seeded, at
  `--temperature`, the sample verb's 0.5 by default): the share of note onsets on beats (steps 0, 4, 8, 12 of
  each bar) that are tones of the chord sounding there (music/melody/reharmonize.py `chord_tone_hits`), for
  the chord model, for the baseline's samples (it cannot read the chords) and for the held-out melodies
  themselves (the ceiling). Target: >= 0.85 and >= 0.2 above the baseline.
- reharmonize: each window decoded greedily over the progression of another held-out window (the one half the
  set away), its code read over its own true chords, over chords guessed from the melody alone
  (reharmonize.py `chords_from_melody`; their root agreement with the labels is printed) and without chords:
  onset F1 against the input and the chord-tone share on beats under the new chords (the input itself under
  the new chords for reference), the contour kept (successive moves up / down / same as the input's) and the
  pitches kept; with the rhythm kept (the verb's way: F1 is then 1 by construction) and free.
- `--chord-weights`: the samples and reharmonizations at each chord weight (classifier-free guidance).
  Target: >= 0.9 / >= 0.8.
- timing: `mvae interpolate a.mid b.mid --chords "C G" --model MODEL` end to end against a bare
  `python -c "import torch"` (bench_verbs.py's protocol: alternating, the median of `--timing-runs` after one
  untimed run). Target: <= 1.5x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from common import finite, load_models  # noqa: E402

from musicvae_lite.music.chords import NO_CHORD, UNKNOWN  # noqa: E402
from musicvae_lite.music.melody.chord_verbs import DEFAULT_CHORD_WEIGHT  # noqa: E402
from musicvae_lite.music.melody.encoding import NUM_SPECIAL  # noqa: E402
from musicvae_lite.music.melody.reharmonize import chord_tone_hits, chords_from_melody, onset_f1  # noqa: E402

EXAMPLES = REPO / "musicvae_lite" / "examples" / "melody"


def held_out(folder: Path, limit: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(events (N, steps), chords (N, steps), meters (N,)) of the eval windows with chord labels throughout."""
    with np.load(folder / "eval.npz", allow_pickle=False) as d:
        if "window_chords" not in d.files:
            raise SystemExit(f"{folder}/eval.npz has no window_chords: build it from songs with chord files")
        events, chords = d["events"], d["window_chords"]
        meters = d["window_meter"] if "window_meter" in d.files else np.full(len(events), "4/4")
    keep = np.flatnonzero((chords != UNKNOWN).all(1) & (chords != NO_CHORD).any(1))[:limit]
    return events[keep], chords[keep], meters[keep]


def controls_of(model, meters: np.ndarray, steps: int, chords: np.ndarray | None) -> np.ndarray | None:
    """(N, steps, K) controls of each window (its meter; its chords, or none given, for a model that reads them)."""
    from musicvae_lite.music.meter import parse_meter

    if not model.reads_meter and not model.reads_chords:
        return None
    out = None
    for label in np.unique(meters):
        where = np.flatnonzero(meters == label)
        c = model.controls(parse_meter(str(label)) if model.reads_meter else None, steps, len(where),
                           None if chords is None else chords[where]).numpy()
        out = np.zeros((len(meters), steps, c.shape[-1]), np.float32) if out is None else out
        out[where] = c
    return out


def accuracy(model, events, meters, chords) -> dict:
    """Teacher-forced / greedy / T = 1 accuracy of windows read with these controls."""
    from musicvae_lite.music.melody.encoding import NUM_CLASSES
    from musicvae_lite.music.sequence_eval import evaluate_sequences

    got = evaluate_sequences(model.vae, events, num_classes=NUM_CLASSES, controls=controls_of(
        model, meters, events.shape[1], chords))
    return {"teacher_forced": got.teacher_forced_accuracy, "greedy": got.sampled_accuracy,
            "t1": got.sampled_accuracy_t1}


def share(events, chords) -> float:
    hits, count = chord_tone_hits(events, chords)
    return hits / count if count else float("nan")


def samples(model, chords, meters, temperature: float, seed: int, with_chords: bool,
            weight: float = 1.0) -> np.ndarray:
    """One sample per window (N, steps), under that window's chords (at chord weight `weight`) when
    `with_chords`, in batches of 256."""
    from musicvae_lite.music.sequence_generate import decode, drawn_codes

    out = []
    for i in range(0, len(chords), 256):
        c = chords[i:i + 256]
        codes = drawn_codes(model, len(c), seed + i)
        out.append(decode(model, codes, temperature=temperature, seed=seed + i + 1, meter=str(meters[0]),
                          **({"chords": c, "chord_weight": weight} if with_chords else {})))
    return np.concatenate(out)


def reharmonized(model, events, own, new, meters, weight: float = 1.0, keep_rhythm: bool = True) -> np.ndarray:
    from musicvae_lite.music.melody.reharmonize import reharmonize

    return np.concatenate([reharmonize(model, events[i:i + 256], new[i:i + 256], meter=str(meters[0]),
                                       own_chords=None if own is None else own[i:i + 256], chord_weight=weight,
                                       keep_rhythm=keep_rhythm)
                           for i in range(0, len(events), 256)])


def contour(got: np.ndarray, events: np.ndarray) -> float:
    """The share of successive note-to-note moves (up, down, same) that `got` makes as `events` does, over the
    windows with as many notes as their input (all of them when the rhythm is kept)."""
    from musicvae_lite.music.melody.encoding import NUM_SPECIAL

    agree = total = 0
    for g, e in zip(got, events):
        a, b = g[g >= NUM_SPECIAL].astype(int), e[e >= NUM_SPECIAL].astype(int)
        if len(a) == len(b) and len(a) > 1:
            agree += int((np.sign(np.diff(a)) == np.sign(np.diff(b))).sum())
            total += len(a) - 1
    return agree / total if total else float("nan")


def timing(model_spec: str, runs: int) -> dict:
    """`mvae interpolate --chords` against `import torch`, medians of `runs` alternating runs."""
    import os

    from bench_interpolate import mvae_command, timed_run

    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    cmd = ["interpolate", str(EXAMPLES / "morning.mid"), str(EXAMPLES / "evening.mid"), "--chords", "C G",
           "--model", model_spec]
    times = {"import torch": [], "interpolate --chords": []}
    with tempfile.TemporaryDirectory(prefix="bench_chord_model_") as tmp:
        for i in range(runs + 1):
            torch_s = timed_run([sys.executable, "-c", "import torch"], env)
            verb_s = timed_run(mvae_command() + cmd + ["-o", str(Path(tmp) / str(i))], env)
            if i:
                times["import torch"].append(torch_s)
                times["interpolate --chords"].append(verb_s)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {**{k: round(v, 3) for k, v in med.items()}, "ratio": med["interpolate --chords"] / med["import torch"]}


def main(argv: list[str] | None = None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="chords", help="the chord model: a bundled name, run or checkpoint")
    ap.add_argument("--baseline", default="default", help="a model that reads no chords")
    ap.add_argument("--data", type=Path, required=True, help="a dataset folder whose eval.npz has window_chords")
    ap.add_argument("--limit", type=int, default=None, help="at most this many held-out windows")
    ap.add_argument("--temperature", type=float, default=0.5, help="of the samples (the sample verb's default)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timing-runs", type=int, default=5, help="0: no timing")
    ap.add_argument("--chord-weights", type=float, nargs="+", default=[1.0, DEFAULT_CHORD_WEIGHT],
                    help="the chord weights (classifier-free guidance) of the samples and reharmonizations")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    models = load_models([f"chords={args.model}", f"baseline={args.baseline}"])
    model, base = models["chords"], models["baseline"]
    events, chords, meters = held_out(args.data, args.limit)
    print(json.dumps({"windows": len(events), "data": str(args.data), "model": args.model, "baseline": args.baseline}))
    acc = {"true_chords": accuracy(model, events, meters, chords), "no_chords": accuracy(model, events, meters, None),
           "baseline": accuracy(base, events, meters, None)}
    acc["chords_add_teacher_forced"] = acc["true_chords"]["teacher_forced"] - acc["no_chords"]["teacher_forced"]
    print(json.dumps({"accuracy": acc}))
    theirs = samples(base, chords, meters, args.temperature, args.seed, False)
    s = {"baseline": share(theirs, chords), "held_out": share(events, chords),
         "chord_model_unconditioned": share(samples(model, chords, meters, args.temperature, args.seed, False),
                                            chords)}
    for w in args.chord_weights:
        ours = samples(model, chords, meters, args.temperature, args.seed, True, w)
        s[f"chord_model_weight_{w:g}"] = share(ours, chords)
        s[f"above_baseline_weight_{w:g}"] = s[f"chord_model_weight_{w:g}"] - s["baseline"]
        s[f"notes_per_window_weight_{w:g}"] = float((ours >= NUM_SPECIAL).sum(1).mean())
    print(json.dumps(finite({"samples_chord_tone_share_on_beats": s, "temperature": args.temperature})))
    other = np.roll(np.arange(len(events)), len(events) // 2)
    new = chords[other]
    out = {"input_under_new_chords": {"chord_tone_share": share(events, new)}}
    guessed = chords_from_melody(events)
    root = lambda c: (c.astype(int) - 1) // 7  # noqa: E731  (N: -1)
    out["chords_from_melody_root_agreement"] = float((root(guessed) == root(chords))[chords != NO_CHORD].mean())
    runs = [(f"read_over_own_chords_weight_{w:g}", chords, w, True) for w in args.chord_weights]
    runs += [(f"read_over_chords_from_melody_weight_{w:g}", guessed, w, True) for w in args.chord_weights[-1:]]
    runs += [(f"read_without_chords_weight_{w:g}", None, w, True) for w in args.chord_weights[-1:]]
    runs += [(f"rhythm_free_read_over_own_chords_weight_{w:g}", chords, w, False) for w in args.chord_weights]
    for name, own, w, keep in runs:
        got = reharmonized(model, events, own, new, meters, w, keep)
        out[name] = {"onset_f1": float(np.mean([onset_f1(g, e) for g, e in zip(got, events)])),
                     "chord_tone_share": share(got, new), "contour": contour(got, events),
                     "same_pitch": float((got == events)[events >= NUM_SPECIAL].mean()),
                     "unchanged": float((got == events).all(1).mean())}
    print(json.dumps(finite({"reharmonize": out})))
    if args.timing_runs:
        print(json.dumps({"timing": timing(args.model, args.timing_runs)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
