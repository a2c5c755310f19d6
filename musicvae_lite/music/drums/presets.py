"""Named drum-model presets, as plain reviewable code (cf. magenta's music_vae/configs.py CONFIG_MAP).

`drums_2bar_lokl` is magenta's `cat-drums_2bar_small` (Roberts et al. 2018; configs.py: z 256, encoder
[512], decoder [256, 256], free bits 48, max beta 0.2, batch 512, inverse-sigmoid scheduled sampling at
rate 1000): the low-KL model, better for sampling. magenta.js also serves a high-KL checkpoint of the same
shape, better for reconstruction and interpolation; its training settings are not in configs.py, so
`drums_2bar_hikl` is ours: the same model with a 256-bit free-bits budget, so the code carries more.
A CPU-sized preset and a tiny one for tests complete the set.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace

from musicvae_lite.core.config import Preset, TrainConfig
from musicvae_lite.music.drums.position import POSITION_SIZE
from musicvae_lite.music.networks.config import GridConfig, LstmDecoderConfig, LstmEncoderConfig


DRUM_OUTPUTS = ("softmax", "hits", "hits_independent")


@dataclass(frozen=True)
class DrumModelConfig:
    """A drum VAE over the 512 hit combinations of each step: a bidirectional LSTM encoder and an LSTM decoder."""

    bars: int = 2  # window length in bars of the grid
    z_size: int = 256  # latent code size
    encoder: LstmEncoderConfig = LstmEncoderConfig((512,))  # reads each step's roll (cat-drums_2bar_small: [512])
    decoder: LstmDecoderConfig = LstmDecoderConfig((256, 256))  # writes one of 512 classes a step ([256, 256])
    free_bits: float = 48.0  # KL budget per window, in bits, not penalized
    max_beta: float = 0.2  # final KL weight
    beta_rate: float = 0.99999  # beta = (1 - beta_rate**step) * max_beta
    sampling_schedule: str = "inverse_sigmoid"  # scheduled sampling: inverse_sigmoid, exponential, constant
    sampling_rate: float = 1000.0  # k of the inverse sigmoid (or the constant probability)
    dropout: float = 0.0  # on the LSTMs' outputs while training
    grid: GridConfig = GridConfig()  # 4 steps a quarter, 16 a bar (what a checkpoint without a grid means)
    output: str = "softmax"  # softmax: one of 512 classes (magenta); hits: the 9 drums, each given the ones
    # before it (drums/hits_output.py); hits_independent: the 9 drums independent given the state
    bar_position: bool = False  # encoder and decoder also read each step's place in the bar (position.py), for
    # training windows cut on a hop shorter than a bar (mvae data build --hop 2) that still write beats on the bar

    def __post_init__(self):
        if self.output not in DRUM_OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(DRUM_OUTPUTS)}, got {self.output!r}")

    @property
    def steps(self) -> int:
        return self.grid.steps_per_bar * self.bars

    @property
    def control_size(self) -> int:
        """Features read beside each step's hits, by the encoder and the decoder: the bar position, or none."""
        return POSITION_SIZE if self.bar_position else 0

    @classmethod
    def from_settings(cls, d: dict) -> DrumModelConfig:
        """The config of the flat form checkpoints had before configs had parts (and `--set`'s names)."""
        return cls(**parts_from_settings(cls, d))

    def settings(self) -> dict:
        return settings_of(self)


# The flat form's names of the parts' settings, for the drum and groove configs: flat name -> (part, setting).
FLAT_NAMES = {"encoder_sizes": ("encoder", "sizes"), "decoder_sizes": ("decoder", "sizes"),
              "masked": ("decoder", "masked"), "control": ("decoder", "control"),
              "steps_per_quarter": ("grid", "steps_per_quarter"), "steps_per_bar": ("grid", "steps_per_bar")}


def parts_from_settings(cls, d: dict) -> dict:
    """A flat dict of settings -> the keyword arguments of `cls`: each part its default with the settings
    given by their flat names (ValueError for a name `cls` does not know)."""
    defaults = {f.name: f.default for f in fields(cls)}
    kwargs, changes = {}, {}
    for key, value in d.items():
        value = tuple(value) if isinstance(value, list) else value
        part, setting = FLAT_NAMES.get(key, (None, None))
        if is_dataclass(defaults.get(part)) and setting in {f.name for f in fields(defaults[part])}:
            changes.setdefault(part, {})[setting] = value
        elif key in defaults and not is_dataclass(defaults[key]):
            kwargs[key] = value
        else:
            raise ValueError(f"unknown settings: {key}")
    return {**kwargs, **{part: replace(defaults[part], **c) for part, c in changes.items()}}


def settings_of(cfg) -> dict:
    """`cfg` in the flat form: its top-level settings and its parts' settings by their flat names."""
    out = {f.name: getattr(cfg, f.name) for f in fields(cfg) if not is_dataclass(getattr(cfg, f.name))}
    for flat, (part, setting) in FLAT_NAMES.items():
        if is_dataclass(getattr(cfg, part, None)) and hasattr(getattr(cfg, part), setting):
            out[flat] = getattr(getattr(cfg, part), setting)
    return out


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
    DrumModelConfig(z_size=128, encoder=LstmEncoderConfig((256,)), decoder=LstmDecoderConfig((256, 256)),
                    free_bits=64.0, max_beta=0.5, beta_rate=0.9995, dropout=0.2),
    TrainConfig(steps=20_000, batch_size=128, eval_every=1000, eval_examples=4096, checkpoint_every=1000,
                precision="auto")))
_add(Preset(
    "drums_2bar_tiny", "A tiny 2-bar drum model for tests: z 16, one 32-unit layer each way, no KL weight",
    DrumModelConfig(z_size=16, encoder=LstmEncoderConfig((32,)), decoder=LstmDecoderConfig((32,)), free_bits=0.0,
                    max_beta=0.0, beta_rate=0.0, sampling_schedule="constant", sampling_rate=0.0),
    TrainConfig(steps=100, batch_size=8, learning_rate=1e-2, decay_rate=0.99, min_learning_rate=1e-3, log_every=10,
                eval_every=50, checkpoint_every=50, precision="fp32")))
