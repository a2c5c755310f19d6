"""How well a GrooVAE does what it is for, on held-out windows, beside baselines fit on the training
windows in the same run (the protocol of Gillick et al. 2019, section 5; the figures are ours):

humanize  each held-out window's quantized hits go in; the drummer's own velocities and timing are the
          answer. Mean absolute timing error in milliseconds (offsets times the length of a 16th at the
          file's tempo; 120 qpm where it sets none) and velocity error in MIDI units (0..127), over the
          drummer's hits. Baselines: (a) the quantized beat, every hit at the training hits' mean velocity;
          (b) a groove template, per drum and step of the window the training hits' mean offset and
          velocity (the drum's overall means where the training set never hits it there).
drumify   each held-out window's rhythm goes in (its taps: views.py); the drummer's beat is the answer.
          Onset F1 of the kick, the snare and the hi-hat (closed and open together) on the grid, summed
          over windows; decoded greedily and at temperature 1. Baselines put on every tap: (a) the most
          frequent non-empty step of the training set, (b) the most frequent non-empty step at that
          position of the window, (c) the most frequent training window's hits at the tapped steps.

Both also give the teacher-forced hit accuracy and the KL of the held-out windows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from musicvae_lite.core.vae import kl_bits
from musicvae_lite.music.drums.dataset import DrumSplit
from musicvae_lite.music.drums.encoding import NUM_DRUMS, classes_to_hits
from musicvae_lite.music.grid import STEPS_PER_QUARTER
from musicvae_lite.music.drums.groove.generate import GrooveModel, control_of, decode, encode
from musicvae_lite.music.drums.groove.views import model_inputs, performance

DEFAULT_QPM = 120.0  # for a file that sets no tempo
F1_DRUMS = {"kick": (0,), "snare": (1,), "hi-hat": (2, 3)}  # classes scored by drumify's onset F1


@dataclass
class TimingErrors:
    timing_ms: float  # mean absolute timing error over the drummer's hits, in milliseconds
    velocity: float  # mean absolute velocity error, MIDI units

    def to_json(self) -> dict:
        return {"timing_ms": self.timing_ms, "velocity": self.velocity}


def step_ms(split: DrumSplit) -> np.ndarray:
    """(N, 1, 1) the length of a 16th note in each window's file, in ms."""
    return (60_000.0 / split.qpm(DEFAULT_QPM) / STEPS_PER_QUARTER)[:, None, None]


def timing_errors(split: DrumSplit, velocity: np.ndarray, offset: np.ndarray) -> TimingErrors:
    """Errors of predicted (N, T, 9) velocities (0..1) and offsets (steps) on the split's hits."""
    hits = split.hits
    ms = np.abs(np.asarray(offset) - split.offset) * step_ms(split)
    vel = np.abs(np.asarray(velocity) - split.velocity) * 127.0
    return TimingErrors(float(ms[hits].mean()), float(vel[hits].mean()))


def humanize_baselines(train: DrumSplit, held: DrumSplit) -> dict[str, TimingErrors]:
    """(a) quantized at the mean velocity, (b) the per-drum, per-step groove template."""
    t_hits = train.hits  # (N, T, 9)
    mean_vel = float(train.velocity[t_hits].mean())
    n = t_hits.sum(axis=0)  # (T, 9) training hits per step position and drum
    drum_n = n.sum(axis=0)  # (9,)
    drum_vel = np.where(t_hits, train.velocity, 0).sum(axis=(0, 1)) / np.maximum(drum_n, 1)
    drum_off = np.where(t_hits, train.offset, 0).sum(axis=(0, 1)) / np.maximum(drum_n, 1)
    vel_t = np.where(n > 0, np.where(t_hits, train.velocity, 0).sum(axis=0) / np.maximum(n, 1), drum_vel)
    off_t = np.where(n > 0, np.where(t_hits, train.offset, 0).sum(axis=0) / np.maximum(n, 1), drum_off)
    shape = held.velocity.shape
    return {"quantized_mean_velocity": timing_errors(held, np.full(shape, mean_vel), np.zeros(shape)),
            "groove_template": timing_errors(held, np.broadcast_to(vel_t, shape), np.broadcast_to(off_t, shape))}


def onset_f1(true_hits: np.ndarray, pred_hits: np.ndarray) -> dict[str, float]:
    """Onset F1 per scored drum (hi-hat: closed or open) and their mean, over all windows."""
    out = {}
    for name, classes in F1_DRUMS.items():
        t = np.asarray(true_hits)[..., list(classes)].any(axis=-1)
        p = np.asarray(pred_hits)[..., list(classes)].any(axis=-1)
        tp = float((t & p).sum())
        denom = float(t.sum() + p.sum())
        out[name] = 2 * tp / denom if denom else 1.0
    out["mean"] = float(np.mean([out[k] for k in F1_DRUMS]))
    return out


def drumify_baselines(train: DrumSplit, held: DrumSplit) -> dict[str, dict[str, float]]:
    """The three tap-filling baselines' onset F1 (module docstring)."""
    tap = held.hits.any(axis=-1)  # (N, T)
    classes = train.classes  # (N, T) 512-class steps
    busy = classes[classes > 0]
    top = Counter(busy.tolist()).most_common(1)[0][0]
    per_pos = np.array([Counter(c[c > 0].tolist()).most_common(1)[0][0] if (c > 0).any() else top
                        for c in classes.T])  # (T,)
    top_window = Counter(map(tuple, classes.tolist())).most_common(1)[0][0]

    def fill(step_classes: np.ndarray) -> np.ndarray:
        return classes_to_hits(np.where(tap, np.broadcast_to(step_classes, tap.shape), 0))

    return {"most_frequent_step": onset_f1(held.hits, fill(np.array(top))),
            "most_frequent_step_per_position": onset_f1(held.hits, fill(per_pos)),
            "most_frequent_window": onset_f1(held.hits, fill(np.array(top_window)))}


@torch.no_grad()
def teacher_forced(model: GrooveModel, held: DrumSplit, batch_size: int) -> dict[str, float]:
    """Hit accuracy (threshold 1/2) with teacher forcing from the posterior mean, and the mean KL in bits."""
    hits = held.hits
    view, control = model_inputs(model.config, hits, held.velocity, held.offset, held.phase)
    x = torch.from_numpy(view)
    y = performance(hits, held.velocity, held.offset)
    y = torch.from_numpy(y if control is None else np.concatenate([y, control], axis=-1))
    correct, kl = 0.0, 0.0
    for i in range(0, len(x), batch_size):
        post = model.vae.encoder(x[i:i + batch_size])
        out = model.vae.decoder(post.mu, y[i:i + batch_size])  # teacher-forced, under the control if any
        correct += float(((out[..., :NUM_DRUMS] > 0) == (y[i:i + batch_size, :, :NUM_DRUMS] > 0.5)).float().sum())
        kl += float(kl_bits(post.kl()).sum())
    return {"hit_accuracy": correct / max(1, y[..., :NUM_DRUMS].numel()), "kl_bits": kl / max(1, len(x))}


def _batched(fn, n: int, batch_size: int):
    parts = [fn(slice(i, i + batch_size)) for i in range(0, n, batch_size)]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def evaluate_groove(model: GrooveModel, train: DrumSplit | None, held: DrumSplit, *, batch_size: int = 256,
                    seed: int = 0) -> dict:
    """The figures of the module docstring for `model`'s view, as a JSON-able dict; the baselines only
    when there is a training split to fit them on (`train`; MIDI files given to `mvae eval` have none)."""
    hits = held.hits
    figures: dict = {"windows": len(held), **teacher_forced(model, held, batch_size)}
    perf = (hits, held.velocity, held.offset)
    codes = np.concatenate([encode(model, tuple(a[i:i + batch_size] for a in perf))
                            for i in range(0, len(held), batch_size)])
    control = control_of(model, perf)  # None unless the decoder takes one

    def ctrl(s: slice):
        return None if control is None else control[s]

    if model.view == "drumify":
        greedy = _batched(lambda s: decode(model, codes[s], control=ctrl(s)), len(held), batch_size)
        sampled = _batched(lambda s: decode(model, codes[s], temperature=1.0, seed=seed + s.start, control=ctrl(s)),
                           len(held), batch_size)
        figures["onset_f1"] = onset_f1(hits, greedy[0])
        figures["onset_f1_t1"] = onset_f1(hits, sampled[0])
        figures["baselines"] = drumify_baselines(train, held) if train is not None else {}
    else:
        played = _batched(lambda s: decode(model, codes[s], hits=hits[s], control=ctrl(s)), len(held), batch_size)
        figures["humanize"] = timing_errors(held, played[1], played[2]).to_json()
        figures["baselines"] = ({k: v.to_json() for k, v in humanize_baselines(train, held).items()}
                                if train is not None else {})
    return figures


def report(model: GrooveModel, figures: dict, where: str) -> list[str]:
    """The figures as lines for the terminal."""
    lines = [f"{model.name} ({model.view}, step {model.step}) on {figures['windows']} {where}",
             f"  teacher-forced hit accuracy {figures['hit_accuracy']:.4f}; "
             f"KL {figures['kl_bits']:.1f} bits per window"]
    if "humanize" in figures:
        lines.append("  humanize: mean absolute error over the drummer's hits    timing (ms)  velocity (0-127)")
        rows = [("model", figures["humanize"])] + list(figures["baselines"].items())
        for name, r in rows:
            lines.append(f"    {name:<52} {r['timing_ms']:>8.2f}  {r['velocity']:>10.2f}")
    if "onset_f1" in figures:
        names = "  ".join(f"{k:>7}" for k in [*F1_DRUMS, "mean"])
        lines.append(f"  drumify: onset F1 against the drummer's beat{'':>9}{names}")
        greedy = f"model, greedy (hit where p > {model.config.hit_threshold:g})"
        rows = [(greedy, figures["onset_f1"]), ("model, T = 1", figures["onset_f1_t1"])] + \
            list(figures["baselines"].items())
        for name, r in rows:
            lines.append(f"    {name:<52} " + "  ".join(f"{r[k]:>7.3f}" for k in [*F1_DRUMS, "mean"]))
    return lines


def tune_hit_threshold(model: GrooveModel, held: DrumSplit, *, candidates=(0.5, 0.45, 0.4, 0.35, 0.3, 0.25, 0.2, 0.15),
                       batch_size: int = 256) -> tuple[float, dict[float, dict[str, float]]]:
    """The greedy decoding threshold for a drumify model whose beats on `held` (the validation split, never
    the test split) play as many hits as the drummers did, and each candidate's mean hits per window and
    mean onset F1. Density, not F1, chooses: F1 keeps rising as the threshold falls, by playing every drum
    the model half-believes in (at 0.15, twice the drummers' hits, kick and snare together on most taps)."""
    from dataclasses import replace

    perf = (held.hits, held.velocity, held.offset)
    codes = encode(model, perf)
    control = control_of(model, perf)
    target = float(held.hits.sum(axis=(1, 2)).mean())
    scores = {}
    for t in candidates:
        trial = replace(model, config=replace(model.config, hit_threshold=t))
        hits = _batched(lambda s, m=trial: decode(m, codes[s], control=None if control is None else control[s]),
                        len(held), batch_size)[0]
        scores[t] = {"hits_per_window": float(hits.sum(axis=(1, 2)).mean()), "f1": onset_f1(held.hits, hits)["mean"]}
    best = min(scores, key=lambda t: abs(scores[t]["hits_per_window"] - target))
    return best, {"drummers_hits_per_window": target, **scores}
