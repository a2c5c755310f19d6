"""Named GrooVAE presets, as plain reviewable code (cf. magenta's music_vae/configs.py CONFIG_MAP).

A GrooVAE (Gillick et al. 2019) decodes a drum performance, per step and drum a hit, a velocity and a
timing offset (decoder.py), from a code its encoder reads off one *view* of the same window (views.py):

    humanize  the quantized hits alone (no velocity, no timing): magenta's `groovae_2bar_humanize`,
              Magenta Studio's Groove. The model learns how a drummer plays a programmed beat.
    drumify   the rhythm alone: every hit of the step collapsed to one tap, keeping the earliest one's
              timing, velocity dropped (magenta's `groovae_2bar_tap_fixed_velocity`, "tap2drum";
              Magenta Studio's Drumify). Any rhythm becomes a full beat.
    full      hits, velocities and offsets (magenta's `groovae_2bar`/`groovae_4bar` autoencoders); with
              the hits as the decoder's control, magenta's `groovae_2bar_hits_control`: the code carries
              the feel alone, for groove transfer (transfer.py).

magenta's 2-bar GrooVAE settings (configs.py): z 256, encoder [512], decoder [256, 256], free bits 48, max
beta 0.2, batch 512, dropout keep probability 0.3. The `_cpu` presets keep the decoder and shrink the
encoder and code so that one CPU core trains one in about 90 minutes, and take the two levers of
decoder.py (velocities and offsets scored where hit; the view fed to the decoder as a control), each
measured against magenta's way in the model cards; `groove_2bar_tiny` is for tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from musicvae_lite.core.config import Preset, TrainConfig
from musicvae_lite.music.drums.presets import parts_from_settings, settings_of
from musicvae_lite.music.networks.config import GridConfig, LstmEncoderConfig

VIEWS = ("humanize", "drumify", "full")


@dataclass(frozen=True)
class GrooveDecoderConfig:
    """magenta's `GrooveLstmDecoder`: an LSTM writes each step's hits, velocities and offsets (decoder.py), with
    our two options, each measured against magenta's way in the model cards."""

    TYPE: ClassVar[str] = "groove_lstm"
    sizes: tuple[int, ...] = (256, 256)  # units of each LSTM layer (groovae_2bar_*: [256, 256])
    masked: bool = False  # score velocities and offsets only where a drum is hit (magenta: False)
    control: bool = False  # feed the decoder each step's control view too: the encoder's view, or a full-view
    # model's hits (views.control_view; magenta's groovae_2bar_hits_control)

    def __post_init__(self):
        if not self.sizes or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"a groove decoder needs LSTM layers of positive sizes, got {list(self.sizes)}")

    def summary(self) -> str:
        options = [name for name in ("masked", "control") if getattr(self, name)]
        return f"dec {list(self.sizes)}" + (f" ({', '.join(options)})" if options else "")


@dataclass(frozen=True)
class GrooveModelConfig:
    """A GrooVAE: a bidirectional LSTM encoder over one view of a window, an LSTM decoder of hits,
    velocities and offsets."""

    bars: int = 2  # window length in bars of the grid
    view: str = "humanize"  # what the encoder reads: humanize, drumify or full (views.py)
    z_size: int = 256  # latent code size
    encoder: LstmEncoderConfig = LstmEncoderConfig((512,))  # reads the view (groovae_2bar_*: [512])
    decoder: GrooveDecoderConfig = GrooveDecoderConfig()  # writes the performance
    free_bits: float = 48.0  # KL budget per window, in bits, not penalized
    max_beta: float = 0.2  # final KL weight
    beta_rate: float = 0.99999  # beta = (1 - beta_rate**step) * max_beta
    dropout: float = 0.0  # on the LSTMs' outputs while training
    bar_position: bool = False  # encoder and decoder control also read each step's place in the bar
    # (drums/position.py), for training windows cut on a beat hop (mvae data build --hop 4)
    hit_threshold: float = 0.5  # greedy decoding hits a drum where its probability passes this; a bundled
    # drumify model's is chosen on the validation split after training (evaluate.tune_hit_threshold)
    grid: GridConfig = GridConfig()  # 4 steps a quarter, 16 a bar (what a checkpoint without a grid means)

    def __post_init__(self):
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}, got {self.view!r}")
        if not 0.0 < self.hit_threshold < 1.0:
            raise ValueError(f"hit_threshold must lie strictly between 0 and 1, got {self.hit_threshold}")

    @property
    def steps(self) -> int:
        return self.grid.steps_per_bar * self.bars

    @property
    def control(self) -> bool:
        """Whether the decoder reads the view as a control (generation and evaluation ask)."""
        return self.decoder.control

    @classmethod
    def from_settings(cls, d: dict) -> GrooveModelConfig:
        """The config of the flat form checkpoints had before configs had parts (and `--set`'s names)."""
        return cls(**parts_from_settings(cls, d))

    def settings(self) -> dict:
        return settings_of(self)


PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[preset.name] = preset


_MAGENTA = {"z_size": 256, "encoder": LstmEncoderConfig((512,)), "decoder": GrooveDecoderConfig((256, 256)),
            "free_bits": 48.0, "max_beta": 0.2,
            "dropout": 0.7}  # magenta keeps 0.3 of each LSTM cell's inputs; ours drops outputs
_CPU = {"z_size": 128, "encoder": LstmEncoderConfig((256,)),
        "decoder": GrooveDecoderConfig((256, 256), masked=True, control=True),
        "free_bits": 48.0, "max_beta": 0.2, "beta_rate": 0.9995, "dropout": 0.2}
_CPU_TRAIN = {"steps": 5000, "batch_size": 128, "eval_every": 500, "eval_examples": 2048, "checkpoint_every": 500,
              "precision": "auto"}

_add(Preset("groove_2bar_humanize", "magenta's groovae_2bar_humanize: quantized hits in, a drummer's "
            "velocities and timing out (z 256, encoder [512], decoder [256, 256])",
            GrooveModelConfig(view="humanize", **_MAGENTA), TrainConfig(steps=50_000, batch_size=512)))
_add(Preset("groove_2bar_drumify", "magenta's groovae_2bar_tap_fixed_velocity (tap2drum): a tapped rhythm in, "
            "a full beat out",
            GrooveModelConfig(view="drumify", **_MAGENTA), TrainConfig(steps=50_000, batch_size=512)))
_add(Preset("groove_2bar", "a 2-bar groove autoencoder: hits, velocities and offsets in and out",
            GrooveModelConfig(view="full", **_MAGENTA), TrainConfig(steps=50_000, batch_size=512)))
_add(Preset("groove_2bar_humanize_cpu", "humanize sized for one CPU core: z 128, encoder [256], decoder [256, 256], "
            "hits fed to the decoder, velocity and timing scored where hit",
            GrooveModelConfig(view="humanize", **_CPU), TrainConfig(**_CPU_TRAIN)))
_add(Preset("groove_2bar_drumify_cpu", "drumify sized for one CPU core: z 128, encoder [256], decoder [256, 256], "
            "taps fed to the decoder, velocity and timing scored where hit",
            GrooveModelConfig(view="drumify", **_CPU), TrainConfig(**_CPU_TRAIN)))
_add(Preset("groove_2bar_transfer_cpu", "groove transfer sized for one CPU core: the encoder reads the whole "
            "performance, the decoder the hits (magenta's groovae_2bar_hits_control), so a feel's code can play "
            "another beat; z 128, encoder [256], decoder [256, 256]",
            GrooveModelConfig(view="full", **_CPU), TrainConfig(**_CPU_TRAIN)))
_add(Preset("groove_2bar_tiny", "A tiny 2-bar humanize model for tests (--set view=drumify for tap2drum): z 16, "
            "one 32-unit layer each way, no KL weight",
            GrooveModelConfig(view="humanize", z_size=16, encoder=LstmEncoderConfig((32,)),
                              decoder=GrooveDecoderConfig((32,)), free_bits=0.0, max_beta=0.0, beta_rate=0.0),
            TrainConfig(steps=100, batch_size=8, learning_rate=1e-2, decay_rate=0.99, min_learning_rate=1e-3,
                        log_every=10, eval_every=50, checkpoint_every=50, precision="fp32")))
