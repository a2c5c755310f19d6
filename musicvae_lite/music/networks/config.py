"""The parts a sequence VAE is composed of, as torch-free typed configs: encoders, decoders, the levels of
a hierarchy, and the grid the events lie on.

A family's model config composes them the way magenta's music_vae/configs.py composes its models
(`MusicVAE(lstm_models.BidirectionalLstmEncoder(), lstm_models.HierarchicalLstmDecoder(
lstm_models.CategoricalLstmDecoder(), level_lengths=[16, 16]))` beside a data converter and hparams;
Roberts et al. 2018), so a preset's architecture reads off its config: a flat model is
`encoder=LstmEncoderConfig(...), decoder=LstmDecoderConfig(...)`; a hierarchical decoder is
`HierarchicalDecoderConfig(conductor=..., core=...)`. A part holds only what it needs, so a setting that
means nothing for an architecture (a conductor's size on a flat decoder, dense levels without codes) cannot
be written. Each part a family may choose among carries a `TYPE` that its checkpointed dict keeps.

The networks these build are in this folder (lstm_encoder.py, lstm_decoder.py, hierarchical_encoder.py,
hierarchical_decoder.py); this module imports none of them, nor torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Union

from musicvae_lite.errors import MvaeError


def _layers(sizes: Sequence[int], what: str, *, at_least_one: bool = True) -> None:
    if at_least_one and not sizes:
        raise ValueError(f"{what} needs at least one layer")
    if any(int(s) < 1 for s in sizes):
        raise ValueError(f"{what}'s layer sizes must be positive, got {list(sizes)}")


@dataclass(frozen=True)
class GridConfig:
    """The step grid a model's events lie on (magenta's data converters: `steps_per_quarter`, and the bar
    length their `slice_bars` assumes). A checkpoint written before the grid was stored means these defaults.
    Recorded with every sequence model: its window length, its segments' and its outputs' meter
    (music/meter.py `model_meter`) are read from here."""

    steps_per_quarter: int = 4  # sixteenth notes (magenta's melody and drum converters)
    steps_per_bar: int = 16  # a 4/4 bar of sixteenths

    def __post_init__(self):
        if self.steps_per_quarter < 1 or self.steps_per_bar < 1:
            raise ValueError(f"grid steps must be positive, got {self.steps_per_quarter} per quarter and "
                             f"{self.steps_per_bar} per bar")


def check_built_grid(grid: GridConfig) -> None:
    """A model is built on any grid whose bar is a meter the outputs can be written in (music/meter.py:
    a whole number of eighth notes); an MvaeError for any other."""
    from musicvae_lite.music.meter import meter_for

    try:
        meter_for(grid.steps_per_bar, grid.steps_per_quarter)
    except ValueError as e:
        raise MvaeError(f"grid of {grid.steps_per_quarter} steps a quarter: {e}") from None


# -- encoders ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LstmEncoderConfig:
    """magenta's `BidirectionalLstmEncoder`: bidirectional LSTM layers, the last one's final states -> z."""

    TYPE: ClassVar[str] = "lstm"
    sizes: tuple[int, ...] = (512,)  # units per direction of each layer (cat-mel_2bar_small: [512])

    def __post_init__(self):
        _layers(self.sizes, "an LSTM encoder")

    def summary(self) -> str:
        return f"enc {list(self.sizes)}"


@dataclass(frozen=True)
class LstmLevelsConfig:
    """A level of a hierarchy made of LSTM layers over the segments (bidirectional in an encoder, as magenta's
    `HierarchicalLstmEncoder`; a conductor driven by z in a decoder)."""

    TYPE: ClassVar[str] = "lstm"
    sizes: tuple[int, ...] = (256,)  # units of each LSTM layer

    def __post_init__(self):
        _layers(self.sizes, "an LSTM level")

    def summary(self) -> str:
        return f"LSTM {list(self.sizes)}"


@dataclass(frozen=True)
class DenseLevelsConfig:
    """A level of a hierarchy made of dense layers over all segments at once (ours: learns a short model's
    codes several times faster than LSTM levels; networks/code_training.py, the README's 16-bar levers)."""

    TYPE: ClassVar[str] = "dense"
    hidden: tuple[int, ...] = ()  # tanh hidden layers before the one linear map; (): that map alone

    def __post_init__(self):
        _layers(self.hidden, "a dense level", at_least_one=False)

    def summary(self) -> str:
        return f"dense {list(self.hidden)}" if self.hidden else "linear"


Levels = Union[LstmLevelsConfig, DenseLevelsConfig]


@dataclass(frozen=True)
class HierarchicalEncoderConfig:
    """magenta's `HierarchicalLstmEncoder`: a whole short-window encoder reads each segment (with its own
    posterior, so with 2-bar segments it is a 2-bar model's encoder), and an upper level reads the segments'
    codes (hierarchical_encoder.py)."""

    TYPE: ClassVar[str] = "hierarchical"
    segment: LstmEncoderConfig = LstmEncoderConfig((256,))  # the encoder of each segment
    upper: Levels = LstmLevelsConfig((256,))  # over the segments' codes (posterior means) -> z
    segment_bars: int = 1  # bars a segment covers
    segment_z: int = 0  # the segment level's code size; 0: the model's z size

    def __post_init__(self):
        if self.segment_bars < 1 or self.segment_z < 0:
            raise ValueError(f"a hierarchical encoder needs segment_bars >= 1 and segment_z >= 0, got "
                             f"{self.segment_bars} and {self.segment_z}")

    def summary(self) -> str:
        codes = f" (codes {self.segment_z})" if self.segment_z else ""
        return (f"enc {list(self.segment.sizes)} per {self.segment_bars}-bar segment{codes}, "
                f"{self.upper.summary()} over the segments")


# -- decoders ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LstmDecoderConfig:
    """magenta's `CategoricalLstmDecoder`: an LSTM fed z (or a segment's embedding) and the previous event."""

    TYPE: ClassVar[str] = "lstm"
    sizes: tuple[int, ...] = (256, 256)  # units of each LSTM layer (cat-mel_2bar_small: [256, 256])

    def __post_init__(self):
        _layers(self.sizes, "an LSTM decoder")

    def summary(self) -> str:
        return f"dec {list(self.sizes)}"


@dataclass(frozen=True)
class LstmConductorConfig:
    """magenta's conductor (`HierarchicalLstmDecoder`, hierdec-mel_16bar): an LSTM driven by z gives one
    embedding per segment; each segment's decoder starts where the previous segment's last event left off."""

    TYPE: ClassVar[str] = "lstm"
    sizes: tuple[int, ...] = (1024, 1024)  # units of each conductor layer (hierdec-mel_16bar)

    def __post_init__(self):
        _layers(self.sizes, "an LSTM conductor")

    def summary(self) -> str:
        return f"conductor {list(self.sizes)}"


@dataclass(frozen=True)
class CodeConductorConfig:
    """Ours: a conductor that writes each segment as a code of a short model's latent space, which that model's
    decoder (the core, warm-started from it) reads; segments are decoded independently, each a window of the
    short model (hierarchical_decoder.py, code_training.py)."""

    TYPE: ClassVar[str] = "codes"
    code_size: int = 128  # the short model's z size
    levels: Levels = DenseLevelsConfig()  # from z to the codes: dense layers, or an LSTM and a linear map

    def __post_init__(self):
        if self.code_size < 1:
            raise ValueError(f"a code conductor's code_size must be positive, got {self.code_size}")

    def summary(self) -> str:
        return f"conductor {self.levels.summary()} -> codes {self.code_size}"


@dataclass(frozen=True)
class HierarchicalDecoderConfig:
    """magenta's `HierarchicalLstmDecoder`: a conductor gives one embedding (or code) per segment, and one
    core decoder, shared by all segments, writes each segment from it (hierarchical_decoder.py)."""

    TYPE: ClassVar[str] = "hierarchical"
    conductor: Union[LstmConductorConfig, CodeConductorConfig] = LstmConductorConfig()  # z -> per segment
    core: LstmDecoderConfig = LstmDecoderConfig((1024, 1024))  # the segment decoder (hierdec-mel_16bar)
    segment_bars: int = 1  # bars a conductor step covers

    def __post_init__(self):
        if self.segment_bars < 1:
            raise ValueError(f"a hierarchical decoder's segment_bars must be at least 1, got {self.segment_bars}")

    @property
    def codes(self) -> bool:
        """Whether its segments are a short model's codes (decoded independently)."""
        return isinstance(self.conductor, CodeConductorConfig)

    def summary(self) -> str:
        per = f" per {self.segment_bars} bars" if self.segment_bars > 1 else ""
        return f"{self.core.summary()}, {self.conductor.summary()}{per}"


def check_segments(bars: int, *parts) -> None:
    """A hierarchical part's segments must tile the window: ValueError naming the part otherwise."""
    for part in parts:
        segment = getattr(part, "segment_bars", None)
        if segment is not None and bars % segment:
            raise ValueError(f"segment_bars={segment} does not divide the window's {bars} bars")
