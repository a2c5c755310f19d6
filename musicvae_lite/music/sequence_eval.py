"""Reconstruction quality of a categorical sequence VAE (melodies: 90 classes, drums: 512), as the MusicVAE
paper's Table 1 reports it (Roberts et al. 2018): accuracy against the input, teacher-forced (the
decoder's argmax with the true previous event fed in), free-running greedy (argmax decoding from the
posterior mean, the decoder fed only its own output) and the paper's "sampling" protocol (the same, but
each event sampled from the softmax at temperature 1.0, from a seeded generator: `sampled_accuracy_t1`),
plus the KL in bits per window and accuracy per class. A family adds its own views (melody/evaluate.py:
accuracy per event group)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from musicvae_lite.core.vae import VAE, kl_bits


@dataclass
class SequenceEval:
    """Figures over a set of windows."""

    windows: int
    teacher_forced_accuracy: float  # argmax of teacher-forced logits vs the input, over all steps
    sampled_accuracy: float  # greedy free-running decoding from mu vs the input, over all steps
    sampled_accuracy_t1: float  # free-running sampling at temperature 1 from mu (the paper's Table 1 protocol)
    kl_bits: float  # mean KL(q(z|x) || N(0, I)) per window, in bits
    recon_nats: float  # mean teacher-forced negative log-likelihood per window, in nats
    per_window: dict = field(default_factory=dict, repr=False)  # (N,) correct steps per window: tf, free, t1
    class_counts: list[int] = field(default_factory=list)  # target steps per class
    class_accuracy: list[float | None] = field(default_factory=list)  # teacher-forced, per class

    def to_json(self) -> dict:
        return {"windows": self.windows, "teacher_forced_accuracy": self.teacher_forced_accuracy,
                "sampled_accuracy": self.sampled_accuracy, "sampled_accuracy_t1": self.sampled_accuracy_t1,
                "kl_bits": self.kl_bits,
                "recon_nats": self.recon_nats,
                "per_class_accuracy": {str(c): a for c, a in enumerate(self.class_accuracy) if a is not None}}


@torch.no_grad()
def evaluate_sequences(model: VAE, events: np.ndarray, *, num_classes: int, batch_size: int = 256,
                       device: str | torch.device = "cpu", progress: bool = False, seed: int = 0,
                       encoder_input: Callable[[torch.Tensor], torch.Tensor] | None = None,
                       controls: np.ndarray | None = None) -> SequenceEval:
    """Evaluate `model` on windows (N, steps) of classes 0..num_classes-1; `seed` seeds the
    temperature-1 sampling (a generator on `device`: the same seed gives the same figure on the same
    kind of device). `encoder_input` turns a batch of events into what the encoder reads (default: the
    events themselves); `controls` (N, steps, K), each window's per-step controls for a model that reads them
    (a melody model's meter)."""
    device = torch.device(device)
    model = model.to(device).eval()
    data = torch.from_numpy(events.astype(np.int64))
    tf_correct = fr_correct = t1_correct = total = 0
    sampler = torch.Generator(device=device).manual_seed(seed)
    per_window: dict[str, list] = {"tf": [], "free": [], "t1": []}
    kl_sum = nll_sum = 0.0
    hit = torch.zeros(num_classes, dtype=torch.long)
    seen = torch.zeros(num_classes, dtype=torch.long)
    from tqdm import tqdm

    for i in tqdm(range(0, len(data), batch_size), disable=not progress, unit="batch", desc="evaluating"):
        x = data[i:i + batch_size].to(device)  # (B, T)
        c = {} if controls is None else {"controls": torch.from_numpy(controls[i:i + batch_size]).to(device)}
        posterior = model.encoder(x if encoder_input is None else encoder_input(x), *c.values())
        logits = model.decoder(posterior.mu, x, sampling_prob=0.0, **c)  # (B, T, C)
        nll, _ = model.decoder.reconstruction(logits, x)
        predicted = logits.argmax(dim=-1)  # (B, T)
        free = model.decoder.generate(posterior.mu, temperature=0.0, **c)  # (B, T)
        sampled = model.decoder.generate(posterior.mu, temperature=1.0, generator=sampler, **c)  # (B, T)
        tf_correct += int((predicted == x).sum())
        fr_correct += int((free == x).sum())
        t1_correct += int((sampled == x).sum())
        for key, got in (("tf", predicted), ("free", free), ("t1", sampled)):
            per_window[key].append((got == x).sum(dim=1).cpu().numpy())
        total += x.numel()
        kl_sum += float(kl_bits(posterior.kl()).sum())
        nll_sum += float(nll.sum())
        flat, ok = x.flatten().cpu(), (predicted == x).flatten().cpu()
        seen += torch.bincount(flat, minlength=num_classes)
        hit += torch.bincount(flat[ok], minlength=num_classes)
    n = len(data)
    per_class = [float(h) / float(s) if s else None for h, s in zip(hit.tolist(), seen.tolist())]
    per = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in per_window.items()}
    return SequenceEval(n, tf_correct / max(total, 1), fr_correct / max(total, 1), t1_correct / max(total, 1),
                      kl_sum / max(n, 1), nll_sum / max(n, 1), per, seen.tolist(), per_class)


def sequence_baselines(train: np.ndarray, events: np.ndarray, num_classes: int) -> dict[str, float]:
    """What predicting each event without a code scores on `events`, as the teacher-forced accuracy
    does (the true previous event given; class `num_classes` stands for the start): `most_common_event` (the training windows' most frequent
    class everywhere) and `bigram` (the class that most often follows the previous one in the
    training windows). A VAE's teacher-forced accuracy above the bigram's is what its code carries."""
    if not len(train) or not len(events):
        return {}
    train, events = np.asarray(train, np.int64), np.asarray(events, np.int64)
    common = int(np.bincount(train.ravel(), minlength=num_classes).argmax())

    def with_previous(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.full((len(x), 1), num_classes), x[:, :-1]], axis=1)

    counts = np.zeros((num_classes + 1, num_classes), np.int64)
    np.add.at(counts, (with_previous(train).ravel(), train.ravel()), 1)
    follows = counts.argmax(axis=1)
    follows[counts.sum(axis=1) == 0] = common
    return {"most_common_event": float((events == common).mean()),
            "bigram": float((follows[with_previous(events)] == events).mean())}
