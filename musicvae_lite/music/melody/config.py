"""A melody VAE's config: the window, the code, the encoder and the decoder as parts you compose
(music/networks/config.py, after magenta's configs.py `MusicVAE(encoder, decoder)`), the hyperparameters
that train it, and the grid its events lie on. Torch-free.

Before configs had parts, a checkpoint stored the flat form: one bag of settings (`encoder_sizes`,
`conductor_sizes`, `segment_z`, `dense_codes`, ...) of which only some combinations made sense.
`from_settings` reads that form (the bundled models and runs trained before keep loading, and `--set`
keeps its names), `settings` writes it where the config can be said that way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from musicvae_lite.music.networks.config import (
    CodeConductorConfig,
    DenseLevelsConfig,
    GridConfig,
    HierarchicalDecoderConfig,
    HierarchicalEncoderConfig,
    LstmConductorConfig,
    LstmDecoderConfig,
    LstmEncoderConfig,
    LstmLevelsConfig,
    check_segments,
)

MelodyEncoder = Union[LstmEncoderConfig, HierarchicalEncoderConfig]
MelodyDecoder = Union[LstmDecoderConfig, HierarchicalDecoderConfig]


@dataclass(frozen=True)
class MelodyModelConfig:
    """A melody VAE: an encoder and a decoder (flat or hierarchical) over the 90-class melody events."""

    bars: int = 2  # window length in bars of the grid
    z_size: int = 256  # latent code size
    encoder: MelodyEncoder = LstmEncoderConfig((512,))  # events -> z (cat-mel_2bar_small: BiLSTM [512])
    decoder: MelodyDecoder = LstmDecoderConfig((256, 256))  # z -> events (cat-mel_2bar_small: LSTM [256, 256])
    train_on_codes: bool = False  # learn the levels between on the segment codes alone (networks/code_training.py)
    code_prior: bool = False  # sample z from a Gaussian fitted to training codes (stored with the weights)
    code_prior_scale: float = 1.0  # and that Gaussian's spread around its mean scaled by this
    meter_priors: tuple[str, ...] = ()  # meters ("6/8") whose samples come from a Gaussian fitted to their codes
    attribute_names: tuple[str, ...] = ()  # attribute vectors the model carries (`mvae attribute apply a.mid NAME`)
    free_bits: float = 0.0  # KL budget per window, in bits, not penalized
    max_beta: float = 0.2  # final KL weight
    beta_rate: float = 0.99999  # beta = (1 - beta_rate**step) * max_beta
    sampling_schedule: str = "inverse_sigmoid"  # scheduled sampling: inverse_sigmoid, exponential, constant
    sampling_rate: float = 1000.0  # k of the inverse sigmoid (or the constant probability)
    transpose: int = 5  # training-time transposition, up to this many semitones either way
    dropout: float = 0.0  # on the LSTMs' outputs while training; magenta's presets have none
    meter_controls: bool = False  # encoder and decoder read each step's place in its bar (meter.metric_controls):
    # one model for windows of every meter, two bars of the tune's own (3/4: 24 steps; 6/8: 24; 12/8: 48)
    meter_balance: float = 1.0  # a batch's bar length is drawn in proportion to (its windows)**this: 1 as the data
    # has them, 0.5 gives a rare meter (9/8) more batches than its share
    chord_controls: bool = False  # encoder and decoder read each step's chord (music/chord_controls.py): a
    # conditional VAE, decoded over a given progression; zeros where no chord is given
    chord_dropout: float = 0.0  # the share of training windows whose chords are hidden (all zeros), so that one
    # model serves with chords and without
    chord_to_output: bool = False  # the decoder's output layer also reads each step's chord directly (a flat
    # decoder): a chord's tones can be preferred at once, where through the LSTM the chords learn slowly
    key_from_chords: bool = False  # where a training window's chords are given, the encoder reads it (and its
    # chords) transposed apart from what the decoder writes, so that the decoder takes the key from the chords
    grid: GridConfig = GridConfig()  # 4 steps a quarter, 16 a bar (what a checkpoint without a grid means)

    def __post_init__(self):
        if self.bars < 1 or self.z_size < 1:
            raise ValueError(f"bars and z_size must be positive, got {self.bars} and {self.z_size}")
        check_segments(self.bars, self.encoder, self.decoder)
        if (self.key_from_chords or self.chord_to_output) and not self.chord_controls:
            raise ValueError("key_from_chords and chord_to_output need chord_controls")
        if self.chord_to_output and isinstance(self.decoder, HierarchicalDecoderConfig):
            raise ValueError("chord_to_output needs a flat decoder")
        if not 0.0 <= self.chord_dropout <= 1.0:
            raise ValueError(f"chord_dropout is a share of windows in [0, 1], got {self.chord_dropout}")
        if self.train_on_codes:
            self._check_code_levels()

    def _check_code_levels(self) -> None:
        """Training on codes compares the conductor's codes with the segment encoder's: both sides must have them,
        of one size and over the same segments."""
        enc, dec = self.encoder, self.decoder
        if not (isinstance(enc, HierarchicalEncoderConfig) and isinstance(dec, HierarchicalDecoderConfig)
                and dec.codes and enc.segment_z == dec.conductor.code_size and enc.segment_bars == dec.segment_bars):
            raise ValueError("train_on_codes needs segment codes on both sides: a hierarchical encoder with "
                             "segment_z and a code conductor of that code_size, over the same segments")

    @property
    def steps(self) -> int:
        """Events in a window (the toolkit's 16-step bar until everything asks the grid)."""
        return self.grid.steps_per_bar * self.bars

    @property
    def control_size(self) -> int:
        """Features read beside each step's event: the meter's (meter.CONTROL_SIZE), then the chord's
        (chord_controls.CHORD_SIZE), each when the model reads it."""
        from musicvae_lite.music.chord_controls import CHORD_SIZE
        from musicvae_lite.music.meter import CONTROL_SIZE

        return CONTROL_SIZE * self.meter_controls + CHORD_SIZE * self.chord_controls

    @property
    def hierarchical(self) -> bool:
        """Whether the decoder has a conductor."""
        return isinstance(self.decoder, HierarchicalDecoderConfig)

    # -- the flat form: checkpoints written before configs had parts, and `--set`'s names ------------------

    @classmethod
    def from_settings(cls, d: dict) -> MelodyModelConfig:
        """The config the flat form `d` describes (ValueError for settings it does not know or that do not go
        together, as `build_melody_vae` refused them before)."""
        unknown = set(d) - set(FLAT_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
        s = {k: tuple(v) if isinstance(v, list) else v for k, v in {**FLAT_DEFAULTS, **d}.items()}
        segment_z, dense = s["segment_z"], s["dense_codes"]
        if segment_z and not dense and not (s["encoder_upper_sizes"] and s["conductor_sizes"]):
            raise ValueError("segment_z needs LSTM layers over the segments (encoder_upper_sizes, conductor_sizes) "
                             "or dense_codes")
        if (s["train_on_codes"] or dense) and not segment_z:
            raise ValueError("train_on_codes and dense_codes need segment codes: set segment_z")
        levels = DenseLevelsConfig if dense else LstmLevelsConfig
        encoder = LstmEncoderConfig(s["encoder_sizes"])
        if s["encoder_upper_sizes"] or segment_z:
            encoder = HierarchicalEncoderConfig(segment=encoder, upper=levels(s["encoder_upper_sizes"]),
                                                segment_bars=s["segment_bars"], segment_z=segment_z)
        decoder = LstmDecoderConfig(s["decoder_sizes"])
        if segment_z:
            decoder = HierarchicalDecoderConfig(CodeConductorConfig(segment_z, levels(s["conductor_sizes"])),
                                                decoder, s["segment_bars"])
        elif s["conductor_sizes"]:
            decoder = HierarchicalDecoderConfig(LstmConductorConfig(s["conductor_sizes"]), decoder, s["segment_bars"])
        grid = GridConfig(s.pop("steps_per_quarter"), s.pop("steps_per_bar"))
        hparams = {k: v for k, v in s.items() if k in _HPARAMS}
        return cls(encoder=encoder, decoder=decoder, grid=grid, **hparams)

    def settings(self) -> dict:
        """This config in the flat form (ValueError where the flat names cannot say it, e.g. an encoder and a
        decoder over segments of different lengths)."""
        enc, dec = self.encoder, self.decoder
        s = {k: getattr(self, k) for k in _HPARAMS}
        s.update(steps_per_quarter=self.grid.steps_per_quarter, steps_per_bar=self.grid.steps_per_bar)
        s.update(encoder_sizes=enc.sizes if isinstance(enc, LstmEncoderConfig) else enc.segment.sizes,
                 decoder_sizes=dec.sizes if isinstance(dec, LstmDecoderConfig) else dec.core.sizes)
        levels = []
        if isinstance(enc, HierarchicalEncoderConfig):
            s.update(encoder_upper_sizes=_sizes(enc.upper), segment_bars=enc.segment_bars, segment_z=enc.segment_z)
            levels.append(enc.upper)
        if isinstance(dec, HierarchicalDecoderConfig):
            conductor = dec.conductor.levels if dec.codes else dec.conductor
            s.update(conductor_sizes=_sizes(conductor), segment_bars=dec.segment_bars)
            s["segment_z"] = s.get("segment_z") or (dec.conductor.code_size if dec.codes else 0)
            levels.append(conductor)
        s["dense_codes"] = any(isinstance(level, DenseLevelsConfig) for level in levels)
        try:
            same = MelodyModelConfig.from_settings(s) == self
        except ValueError:
            same = False
        if not same:
            raise ValueError("this composition has no flat form; name its parts' settings by path "
                             "(e.g. decoder.core.sizes)")
        return {**FLAT_DEFAULTS, **s}


def _sizes(level) -> tuple[int, ...]:
    return level.hidden if isinstance(level, DenseLevelsConfig) else level.sizes


_HPARAMS = ("bars", "z_size", "train_on_codes", "code_prior", "code_prior_scale", "meter_priors", "attribute_names",
            "free_bits", "max_beta", "beta_rate", "sampling_schedule", "sampling_rate", "transpose", "dropout",
            "meter_controls", "meter_balance", "chord_controls", "chord_dropout",
            "chord_to_output", "key_from_chords")

# The flat form's settings and what a checkpoint that leaves one out means (the flat config's defaults).
FLAT_DEFAULTS: dict = {
    "bars": 2, "z_size": 256, "encoder_sizes": (512,), "decoder_sizes": (256, 256), "conductor_sizes": (),
    "segment_bars": 1, "encoder_upper_sizes": (), "segment_z": 0, "dense_codes": False, "train_on_codes": False,
    "code_prior": False, "code_prior_scale": 1.0, "meter_priors": (), "attribute_names": (), "free_bits": 0.0,
    "max_beta": 0.2, "beta_rate": 0.99999,
    "sampling_schedule": "inverse_sigmoid", "sampling_rate": 1000.0, "transpose": 5, "dropout": 0.0,
    "meter_controls": False, "meter_balance": 1.0, "chord_controls": False, "chord_dropout": 0.0,
    "chord_to_output": False, "key_from_chords": False, "steps_per_quarter": 4, "steps_per_bar": 16,
}
