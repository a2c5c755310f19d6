"""Reconstruction quality of a melody VAE, as the MusicVAE paper's Table 1 reports it (Roberts et al.
2018): accuracy against the input events, teacher-forced (the decoder's argmax with the true previous
event fed in), free-running greedy (argmax decoding from the posterior mean, the decoder fed only its
own output) and the paper's "sampling" protocol (the same, but each event sampled from the softmax at
temperature 1.0, from a seeded generator: `sampled_accuracy_t1`), plus the KL in bits per window and
accuracy per event class."""

from __future__ import annotations

from dataclasses import dataclass

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
                      progress: bool = False, seed: int = 0) -> MelodyEval:
    """Evaluate `model` on windows (N, steps) uint8; `seed` seeds the temperature-1 sampling (a generator
    on `device`: the same seed gives the same figure on the same kind of device)."""
    found = evaluate_sequences(model, events, num_classes=NUM_CLASSES, batch_size=batch_size, device=device,
                               progress=progress, seed=seed)
    return MelodyEval(**vars(found))


DENSE_SHARE = 0.1  # "the densest windows": this share of them, by note count


def accuracy_by(result: MelodyEval, events: np.ndarray, collections: np.ndarray | None) -> dict:
    """The three accuracies on subsets of the evaluated windows: the densest `DENSE_SHARE` by note count
    (ties at the cut included), and each collection when `collections` (N,) labels the windows."""
    steps = events.shape[1]
    notes = (events >= NUM_SPECIAL).sum(axis=1)  # (N,) note-ons per window
    subsets = {"densest_10pct": notes >= np.quantile(notes, 1 - DENSE_SHARE)} if len(events) else {}
    if collections is not None:
        subsets.update({f"collection:{c}": collections == c for c in sorted(set(collections.tolist()))})
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