"""Named drum-model presets, as plain reviewable code (cf. magenta's music_vae/configs.py CONFIG_MAP).

`drums_2bar_lokl` is magenta's `cat-drums_2bar_small` (Roberts et al. 2018; configs.py: z 256, encoder
[512], decoder [256, 256], free bits 48, max beta 0.2, batch 512, inverse-sigmoid scheduled sampling at
rate 1000): the low-KL model, better for sampling. magenta.js also serves a high-KL checkpoint of the same
shape, better for reconstruction and interpolation; its training settings are not in configs.py, so
`drums_2bar_hikl` is ours: the same model with a 256-bit free-bits budget, so the code carries more.
A CPU-sized preset and a tiny one for tests complete the set.
"""

from __future__ import annotations

from dataclasses import dataclass

from musicvae_lite.core.config import Preset, TrainConfig
from musicvae_lite.music.grid import STEPS_PER_BAR


@dataclass(frozen=True)
class DrumModelConfig:
    """A drum VAE over the 512 hit combinations of each step: a bidirectional LSTM encoder and an LSTM decoder."""

    bars: int = 2  # window length in 16-step bars
    z_size: int = 256  # latent code size
    encoder_sizes: tuple[int, ...] = (512,)  # bidirectional LSTM layers (units per direction)
    decoder_sizes: tuple[int, ...] = (256, 256)  # decoder LSTM layers
    free_bits: float = 48.0  # KL budget per window, in bits, not penalized
    max_beta: float = 0.2  # final KL weight
    beta_rate: float = 0.99999  # beta = (1 - beta_rate**step) * max_beta
    sampling_schedule: str = "inverse_sigmoid"  # scheduled sampling: inverse_sigmoid, exponential, constant
    sampling_rate: float = 1000.0  # k of the inverse sigmoid (or the constant probability)
    dropout: float = 0.0  # on the LSTMs' outputs while training

    @property
    def steps(self) -> int:
        return STEPS_PER_BAR * self.bars


PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[preset.name] = preset


_add(Preset(
    "drums_2bar_lokl", "MusicVAE cat-drums_2bar_small, low KL (free bits 48): 2 bars, z 256, encoder [512], "
    "decoder [256, 256], 512 hit classes",
    DrumModelConfig(), TrainConfig(steps=50_000, batch_size=512)))
_add(Preset(
    "drums_2bar_hikl", "cat-drums_2bar_small's shape with a 256-bit free-bits budget: a weaker prior, "
    "closer reconstructions and interpolations",
    DrumModelConfig(free_bits=256.0), TrainConfig(steps=50_000, batch_size=512)))
_add(Preset(
    "drums_2bar_cpu", "A 2-bar drum VAE sized for one CPU core: z 128, encoder [256], decoder [256, 256], "
    "free bits 64, dropout 0.2",
    DrumModelConfig(z_size=128, encoder_sizes=(256,), decoder_sizes=(256, 256), free_bits=64.0, max_beta=0.5,
                    beta_rate=0.9995, dropout=0.2),
    TrainConfig(steps=20_000, batch_size=128, eval_every=1000, eval_examples=4096, checkpoint_every=1000,
                precision="auto")))
_add(Preset(
    "drums_2bar_tiny", "A tiny 2-bar drum model for tests: z 16, one 32-unit layer each way, no KL weight",
    DrumModelConfig(z_size=16, encoder_sizes=(32,), decoder_sizes=(32,), free_bits=0.0, max_beta=0.0, beta_rate=0.0,
                    sampling_schedule="constant", sampling_rate=0.0),
    TrainConfig(steps=100, batch_size=8, learning_rate=1e-2, decay_rate=0.99, min_learning_rate=1e-3, log_every=10,
                eval_every=50, checkpoint_every=50, precision="fp32")))
