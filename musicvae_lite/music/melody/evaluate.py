"""Reconstruction quality of a melody VAE, as the MusicVAE paper's Table 1 reports it (Roberts et al.
2018): accuracy against the input events, teacher-forced (the decoder's argmax with the true previous
event fed in), free-running greedy (argmax decoding from the posterior mean, the decoder fed only its
own output) and the paper's "sampling" protocol (the same, but each event sampled from the softmax at
temperature 1.0, from a seeded generator: `sampled_accuracy_t1`), plus the KL in bits per window and
accuracy per event class."""

from __future__ import annotations

from dataclasses import dataclass

from pathlib import Path

import numpy as np
import torch

from musicvae_lite.core.vae import VAE
from musicvae_lite.music.melody.encoding import (
    NO_EVENT,
    NOTE_OFF,
    NUM_CLASSES,
    NUM_SPECIAL,
)
from musicvae_lite.music.sequence_eval import (
    SequenceEval,
    evaluate_sequences,
    sequence_baselines,
)


@dataclass
class MelodyEval(SequenceEval):
    """Figures over a set of melody windows (music/sequence_eval.py), with accuracy per event group."""

    def group_accuracy(self) -> dict[str, float | None]:
        """Teacher-forced accuracy on no-event steps, note-offs and note-ons."""
        counts = np.array(self.class_counts, float)
        acc = np.array([a if a is not None else 0.0 for a in self.class_accuracy])
        out = {}
        for name, sel in (("no_event", [NO_EVENT]), ("note_off", [NOTE_OFF]),
                          ("note_on", list(range(NUM_SPECIAL, NUM_CLASSES)))):
            n = counts[sel].sum()
            out[name] = float((acc[sel] * counts[sel]).sum() / n) if n else None
        return out

    def to_json(self) -> dict:
        return {**super().to_json(), "class_accuracy_groups": self.group_accuracy()}


def evaluate_melodies(model: VAE, events: np.ndarray, *, batch_size: int = 256, device: str | torch.device = "cpu",
                      progress: bool = False, seed: int = 0, meters: np.ndarray | None = None,
                      reads_chords: bool = False, chords: np.ndarray | None = None) -> MelodyEval:
    """Evaluate `model` on windows (N, steps) uint8; `seed` seeds the temperature-1 sampling (a generator
    on `device`: the same seed gives the same figure on the same kind of device); `meters` (N,) labels
    ("6/8") give a model that reads the meter each window's; a model that `reads_chords` reads `chords`
    (N, steps) chord classes beside the steps (None: not given)."""
    parts = []
    if meters is not None:
        from musicvae_lite.music.meter import controls_table

        table, index = controls_table(meters, events.shape[1])
        parts.append(table[index])  # (N, steps, K)
    if reads_chords:
        from musicvae_lite.music.chord_controls import chord_features, unknown_chords

        parts.append(chord_features(chords if chords is not None else unknown_chords(*events.shape)))
    controls = np.concatenate(parts, axis=-1) if parts else None
    found = evaluate_sequences(model, events, num_classes=NUM_CLASSES, batch_size=batch_size, device=device,
                               progress=progress, seed=seed, controls=controls)
    return MelodyEval(**vars(found))


DENSE_SHARE = 0.1  # "the densest windows": this share of them, by note count


def accuracy_by(result: MelodyEval, events: np.ndarray, collections: np.ndarray | None,
                meters: np.ndarray | None = None) -> dict:
    """The three accuracies on subsets of the evaluated windows: the densest `DENSE_SHARE` by note count
    (ties at the cut included), each collection when `collections` (N,) labels the windows, and each meter
    when `meters` (N,) does and there is more than one."""
    steps = events.shape[1]
    notes = (events >= NUM_SPECIAL).sum(axis=1)  # (N,) note-ons per window
    subsets = {"densest_10pct": notes >= np.quantile(notes, 1 - DENSE_SHARE)} if len(events) else {}
    if collections is not None:
        subsets.update({f"collection:{c}": collections == c for c in sorted(set(collections.tolist()))})
    if meters is not None and len(set(np.asarray(meters).tolist())) > 1:
        subsets.update({f"meter:{m}": meters == m for m in sorted(set(np.asarray(meters).tolist()))})
    out = {}
    for name, mask in subsets.items():
        if mask.any():
            out[name] = {"windows": int(mask.sum()), "mean_notes": float(notes[mask].mean()),
                         **{key: float(result.per_window[k][mask].sum() / (mask.sum() * steps))
                            for key, k in (("teacher_forced_accuracy", "tf"), ("sampled_accuracy", "free"),
                                           ("sampled_accuracy_t1", "t1"))}}
    return out




def baseline_accuracies(train: np.ndarray, events: np.ndarray) -> dict[str, float]:
    """music/sequence_eval.py's code-free baselines over the 90 melody classes."""
    return sequence_baselines(train, events, NUM_CLASSES)

# -- `mvae eval`'s report ------------------------------------------------------------------------------


def _held_out(model, data, options) -> tuple[list, int | None]:
    """The held-out windows to score: one MelodyData for a model of one meter, one per bar length for a model
    that reads the meter (a folder of datasets per bar length, data.load_melody_groups); `--unseen-by`
    applied to each; and how many it left out."""
    from musicvae_lite.music.melody.data import load_melody_data, load_melody_groups, unseen_by

    cfg = model.config
    groups = load_melody_groups(data, cfg.bars) if cfg.meter_controls else \
        [load_melody_data(data, cfg.bars, cfg.grid.steps_per_bar)]
    left_out = None
    if options.get("unseen_by") is not None:  # a folder of datasets per bar length: each group against its own
        other = Path(options["unseen_by"])
        pairs = [unseen_by(g, other / f"bar{g.steps // cfg.bars}" if (other / f"bar{g.steps // cfg.bars}").is_dir()
                           else other) for g in groups]
        groups, left_out = [g for g, _ in pairs], sum(n for _, n in pairs)
    return [g for g in groups if len(g.eval)], left_out


def evaluation_report(model, data, *, device, progress: bool, options) -> tuple[dict, list[str]]:
    """`mvae eval` of a melody model: the figures (a JSON-able dict) and the report's lines. A model that reads
    the meter is scored on each bar length's windows, each window in its meter, and the report adds the
    accuracies per meter and the baselines per bar length."""
    from musicvae_lite.errors import MvaeError
    from musicvae_lite.music.sources import spread_indices

    groups, left_out = _held_out(model, data, options)
    if not groups:
        raise MvaeError(f"{data} has no evaluation windows")
    total = sum(len(g.eval) for g in groups)
    limit = options.get("limit")
    parts = []
    for g in groups:
        share = None if limit is None or limit >= total else max(1, round(limit * len(g.eval) / total))
        chosen = spread_indices(len(g.eval), share)  # evenly through the collections
        meters = None if g.eval_meter is None else g.eval_meter[chosen]  # subsets per meter for any model
        windows = g.eval[chosen]
        chords = g.eval_chords[chosen] if model.reads_chords and g.eval_chords is not None else None
        result = evaluate_melodies(model.vae, windows, batch_size=options.get("batch_size") or 256, device=device,
                                   progress=progress, meters=meters if model.config.meter_controls else None,
                                   reads_chords=model.reads_chords, chords=chords)
        collections = None if g.eval_collections is None else np.asarray(g.eval_collections)[chosen]
        subsets = accuracy_by(result, windows, collections, meters)
        for name, figures in subsets.items():  # each meter's code-free baselines, fit on its bar length's windows
            if name.startswith("meter:"):
                base = baseline_accuracies(g.train, windows[meters == name.removeprefix("meter:")])
                figures.update({f"baseline_{k}": v for k, v in base.items()})
        parts.append((g, windows, result, subsets, baseline_accuracies(g.train, windows)))
    note = (f" ({left_out} left out: their files are in {options['unseen_by']}'s training split)"
            if left_out is not None else "")
    if len(parts) == 1:
        _, windows, result, subsets, baselines = parts[0]
        over = " over their chords" if model.reads_chords and groups[0].eval_chords is not None else ""
        lines = [f"{model.name} (step {model.step}) on {result.windows} windows of {data}{note}{over}",
                 *_figure_lines(result)]
        if baselines:
            lines.append(f"  baselines without a code (teacher-forced, fit on the training windows): most common "
                         f"event {baselines['most_common_event']:.4f}, bigram {baselines['bigram']:.4f}")
        lines += _subset_lines(subsets)
        return {"model": model.name, "step": model.step, **result.to_json(), "subsets": subsets,
                "baselines": baselines, "left_out_seen": left_out}, lines
    lines = [f"{model.name} (step {model.step}) on {sum(r.windows for _, _, r, _, _ in parts)} windows of {data}"
             f"{note}, each bar length on its own:"]
    figures = {"model": model.name, "step": model.step, "left_out_seen": left_out, "bar_lengths": {}}
    for g, windows, result, subsets, baselines in parts:
        bar = g.steps // model.config.bars
        lines += [f"bars of {bar} steps: {result.windows} windows", *_figure_lines(result)]
        if baselines:
            lines.append(f"  baselines: most common event {baselines['most_common_event']:.4f}, bigram "
                         f"{baselines['bigram']:.4f}")
        lines += _subset_lines(subsets)
        figures["bar_lengths"][str(bar)] = {**result.to_json(), "subsets": subsets, "baselines": baselines}
    others = [r for g, _, r, _, _ in parts if g.steps != model.config.bars * 16]
    if others:
        steps = sum(w.size for g, w, _, _, _ in parts if g.steps != model.config.bars * 16)
        pooled = {key: sum(float(r.per_window[k].sum()) for r in others) / steps
                  for key, k in (("teacher_forced_accuracy", "tf"), ("sampled_accuracy", "free"),
                                 ("sampled_accuracy_t1", "t1"))}
        figures["not_duple"] = {"windows": sum(r.windows for r in others), **pooled}
        lines.append(f"every bar length but 16 steps ({figures['not_duple']['windows']} windows): "
                     f"{pooled['teacher_forced_accuracy']:.4f} / {pooled['sampled_accuracy']:.4f} / "
                     f"{pooled['sampled_accuracy_t1']:.4f} (teacher-forced / greedy / T = 1)")
    return figures, lines


def _figure_lines(result: MelodyEval) -> list[str]:
    groups = result.group_accuracy()
    return [f"  teacher-forced accuracy   {result.teacher_forced_accuracy:.4f}",
            f"  free-running accuracy     {result.sampled_accuracy:.4f}  (greedy from mu)",
            f"  sampled accuracy, T = 1   {result.sampled_accuracy_t1:.4f}  (sampling from mu at temperature 1, "
            f"seed 0: MusicVAE's Table 1 protocol)",
            f"  KL                        {result.kl_bits:.1f} bits per window",
            f"  reconstruction            {result.recon_nats:.2f} nats per window",
            "  per class (teacher-forced): " + ", ".join(
                f"{k} {v:.4f}" if v is not None else f"{k} -" for k, v in groups.items())]


def _subset_lines(subsets: dict) -> list[str]:
    if not subsets:
        return []
    def baselines(f: dict) -> str:
        if "baseline_bigram" not in f:
            return ""
        return f"; baselines {f['baseline_most_common_event']:.4f} / {f['baseline_bigram']:.4f}"

    return ["  subsets (teacher-forced / greedy / sampled at T = 1, windows, mean notes; for a meter, its "
            "baselines: most common event / bigram):"] + [
        f"    {name:<28} {f['teacher_forced_accuracy']:.4f} / {f['sampled_accuracy']:.4f} / "
        f"{f['sampled_accuracy_t1']:.4f}  ({f['windows']}, {f['mean_notes']:.1f}{baselines(f)})"
        for name, f in subsets.items()]
