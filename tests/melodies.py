"""Small melody datasets written by the tests: random-walk tunes as (N, 32) event windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musicvae_lite.music.melody.encoding import NOTE_OFF, pitch_to_class


def random_windows(n: int, seed: int = 0, steps: int = 32) -> np.ndarray:
    """`n` distinct melodic windows: notes of 1-4 sixteenths walking by small steps, some rests."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, steps), np.uint8)
    for row in out:
        t, pitch = 0, int(rng.integers(55, 75))
        while t < steps:
            dur = int(rng.choice([1, 2, 2, 4, 4]))
            row[t] = pitch_to_class(pitch)
            if rng.random() < 0.15 and t + dur < steps:
                row[t + dur] = NOTE_OFF
            t += dur + (1 if row[min(t + dur, steps - 1)] == NOTE_OFF else 0)
            pitch = int(np.clip(pitch + rng.integers(-3, 4), 40, 90))
    return out


def write_dataset(folder: Path, n_train: int, n_eval: int, seed: int = 0) -> Path:
    """A dataset folder as `mvae data build` writes it (the parts training reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    events = random_windows(n_train + n_eval, seed)
    for name, part in (("train", events[:n_train]), ("eval", events[n_train:])):
        np.savez(folder / f"{name}.npz", events=part, file_index=np.zeros(len(part), np.int32),
                 start_bar=np.zeros(len(part), np.int32), files=np.array(["synthetic"]))
    return folder
