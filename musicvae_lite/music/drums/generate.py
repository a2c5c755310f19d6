"""A trained drum VAE (its windows checked as 512 classes, its encoder reading their rolls), which the one
sequence generation API of music/sequence_generate.py (encode, decode, interpolate, grid, sample over
windows (steps,) or (n, steps)) drives, and the windows of a MIDI file fit for it (drums/codec.py).
Codes are posterior means; decoding is greedy at temperature 0 and samples the categorical outputs
otherwise, as for melodies (magenta's music_vae TrainedModel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_CLASSES
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.sequence_generate import TrainedSequenceModel, trained_from_checkpoint


@dataclass
class DrumModel(TrainedSequenceModel):
    """A trained drum VAE ready to use (CPU, eval mode)."""

    config: DrumModelConfig

    windows_name = "drum windows (512 classes)"

    def batch(self, events) -> torch.Tensor:
        batch = super().batch(events)  # (n, steps) int64, shape checked
        if batch.numel() and (int(batch.min()) < 0 or int(batch.max()) >= NUM_CLASSES):
            raise MvaeError(f"drum classes must lie in 0..{NUM_CLASSES - 1}")
        return batch

    def controls(self, meter, steps: int, n: int, chords=None) -> torch.Tensor | None:
        """The bar position of each step of `n` windows on the bar for a model that reads it (none otherwise);
        a one-line error for a meter or chords the model does not take."""
        from musicvae_lite.music.drums.model import controls

        super().controls(meter, steps, n, chords)  # checks the meter and the chords
        return controls(self.config, n)

    def encoder_input(self, batch: torch.Tensor) -> torch.Tensor:
        from musicvae_lite.music.drums.model import encoder_input

        return encoder_input(batch)


def model_from_checkpoint(state, name: str) -> DrumModel:
    from musicvae_lite.music.drums.model import build_drum_vae, model_config_from_dict

    return trained_from_checkpoint(DrumModel, state, name, model_config_from_dict, build_drum_vae)


def drums_from_file(model: DrumModel, path: str | Path, window: int = 0) -> np.ndarray:
    """Window `window` of a MIDI file's drums as 512-class events (steps,) int64."""
    from musicvae_lite.music.drums.codec import DRUMS

    return DRUMS.read(model, path, window)[0]
