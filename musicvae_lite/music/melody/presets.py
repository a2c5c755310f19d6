"""Named melody-model presets, as plain reviewable code (cf. magenta's music_vae/configs.py CONFIG_MAP).

Values are MusicVAE's (Roberts et al. 2018; magenta's `cat-mel_2bar_small`, `cat-mel_2bar_big` and
`hierdec-mel_16bar` configs, with lstm_models.get_default_hparams: Adam at 1e-3 decaying by 0.9999 per
step to 1e-5, gradients clipped to global norm 1), plus a tiny preset for tests and a CPU-sized one
for the bundled model. Each names its encoder and decoder as parts (music/networks/config.py), as
magenta's configs.py composes `MusicVAE(encoder, decoder)`.
"""

from __future__ import annotations

from musicvae_lite.core.config import Preset, TrainConfig
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.config import MelodyModelConfig
from musicvae_lite.music.networks.config import (
    CodeConductorConfig,
    DenseLevelsConfig,
    HierarchicalDecoderConfig,
    HierarchicalEncoderConfig,
    LstmConductorConfig,
    LstmDecoderConfig,
    LstmEncoderConfig,
    LstmLevelsConfig,
)

__all__ = ["PRESETS", "MelodyModelConfig", "get_preset"]  # MelodyModelConfig lives in config.py

PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[preset.name] = preset


_add(Preset(
    "mel_2bar_small", "MusicVAE cat-mel_2bar_small: 2 bars, z 256, encoder [512], decoder [256, 256]",
    MelodyModelConfig(bars=2, z_size=256, encoder=LstmEncoderConfig((512,)), decoder=LstmDecoderConfig((256, 256)),
                      max_beta=0.2),
    TrainConfig(steps=50_000, batch_size=512)))
_add(Preset(
    "mel_2bar_big", "MusicVAE cat-mel_2bar_big: 2 bars, z 512, encoder [2048], decoder [2048] x 3",
    MelodyModelConfig(bars=2, z_size=512, encoder=LstmEncoderConfig((2048,)),
                      decoder=LstmDecoderConfig((2048, 2048, 2048)), max_beta=0.5),
    TrainConfig(steps=50_000, batch_size=512)))
_add(Preset(
    "hierdec_mel_16bar",
    "MusicVAE hierdec-mel_16bar: 16 bars, z 512, encoder [2048, 2048], conductor and decoder [1024, 1024]",
    MelodyModelConfig(bars=16, z_size=512, encoder=LstmEncoderConfig((2048, 2048)),
                      decoder=HierarchicalDecoderConfig(conductor=LstmConductorConfig((1024, 1024)),
                                                        core=LstmDecoderConfig((1024, 1024))),
                      free_bits=256, max_beta=0.2),
    TrainConfig(steps=50_000, batch_size=512)))
_add(Preset(
    "mel_2bar_cpu",
    "The bundled model's recipe (its first stage; see its model card): a 2-bar model that trains on one CPU "
    "core in about an hour, regularized by dropout 0.3, with a 64-bit free-bits budget and full KL weight above it",
    MelodyModelConfig(bars=2, z_size=128, encoder=LstmEncoderConfig((256,)), decoder=LstmDecoderConfig((256, 256)),
                      free_bits=64, max_beta=1.0, beta_rate=0.9995, sampling_rate=1000.0, dropout=0.3),
    TrainConfig(steps=30_000, batch_size=128, decay_rate=0.9999, eval_every=1000, eval_examples=8192,
                checkpoint_every=1000, precision="auto")))
# The 16-bar pair for CPUs: magenta's hierdec-mel_16bar shape scaled down (z 512 -> 256, 2048-unit
# encoder -> 256, 1024-unit conductor and bar decoder -> 256), and a flat baseline with the same number
# of parameters (2.80M each: the flat decoder's layers widened to 300 units) and the same training
# budget, for the paper's comparison (Table 1). Free bits and max beta are the paper's; beta rises over
# ~2,000 steps rather than 100,000 (beta_rate 0.999), to reach its weight within a CPU run. fp32: bf16
# autocast has not paid off at small batches on the CPUs we measured (benchmarks/bench_train.py), and
# the machine these were first trained on has no native bf16. Measured there: from scratch, both stay
# at the always-"hold" baseline for the first 500 steps (see the README); they need far more steps.
_16BAR = dict(bars=16, z_size=256, encoder=LstmEncoderConfig((256,)), free_bits=256, max_beta=0.2, beta_rate=0.999)
_16BAR_TRAIN = TrainConfig(steps=2_000, batch_size=64, eval_every=250, eval_examples=1024, checkpoint_every=250,
                           precision="fp32")
_add(Preset(
    "hier_mel_16bar_cpu",
    "16 bars, hierarchical: z 256, encoder [256], conductor [256] over 16 bars, bar decoder [256, 256] "
    "(2.80M parameters); about 4.5 s a step on one CPU core (2.5 h for the 2,000 steps), far less on a GPU",
    MelodyModelConfig(**_16BAR, decoder=HierarchicalDecoderConfig(conductor=LstmConductorConfig((256,)),
                                                                  core=LstmDecoderConfig((256, 256)))),
    _16BAR_TRAIN))
_add(Preset(
    "hier_mel_16bar_warm",
    "16 bars, hierarchical, shaped to be warm-started from a 2-bar model with z 128 and decoder [256, 256] "
    "(the bundled `default`): `--warm-start default` gives its bar decoder that model's decoder and its "
    "encoder that model's LSTM; the conductor [256, 128] learns to speak the 2-bar model's codes",
    MelodyModelConfig(**_16BAR, decoder=HierarchicalDecoderConfig(conductor=LstmConductorConfig((256, 128)),
                                                                  core=LstmDecoderConfig((256, 256))),
                      dropout=0.1),
    _16BAR_TRAIN))
_add(Preset(
    "flat_mel_16bar_cpu",
    "16 bars, flat baseline for hier_mel_16bar_cpu: the same encoder and code, one LSTM decoder [300, 300] "
    "over all 256 steps (2.81M parameters), the same budget",
    MelodyModelConfig(**_16BAR, decoder=LstmDecoderConfig((300, 300))), _16BAR_TRAIN))
_add(Preset(
    "flat_mel_16bar_warm",
    "16 bars, flat baseline for hier_mel_16bar_warm: the same encoder and code, one LSTM decoder [256, 256, 256] "
    "over all 256 steps (3.06M parameters, 9% more than the hierarchical one); `--warm-start default` gives it "
    "the encoder LSTM, the decoder's second layer and output layer, the same budget",
    MelodyModelConfig(**_16BAR, decoder=LstmDecoderConfig((256, 256, 256)), dropout=0.1), _16BAR_TRAIN))
# 16 bars as a sequence of 2-bar codes (music/networks/code_training.py): magenta's hier-mel_16bar shape
# (hierarchical encoder and decoder) with 2-bar segments, whose lower levels are the bundled 2-bar
# model's encoder and decoder (`--warm-start default`: z 128, encoder [256], decoder [256, 256]), kept as
# they are; the levels between learn to carry its 8 codes through z, on the codes alone. Dense levels
# (one linear map each way) learned the codes several times faster than LSTM levels: on 512 held-out
# windows after 600 steps at batch 64, code error 0.22 against 0.70 (LSTM levels at lr 1e-3 or 3e-3, or
# a conductor reading z at every step), 0.30 with a 1024-unit tanh layer each way (README, 16-bar levers).
_2BAR_Z = 128  # the bundled 2-bar model's code size ...
_2BAR_ENCODER = LstmEncoderConfig((256,))  # ... its encoder, which reads each 2-bar segment ...
_2BAR_DECODER = LstmDecoderConfig((256, 256))  # ... and its decoder, which writes each segment from its code
_16BAR_CODES = dict(bars=16, z_size=256, free_bits=256, max_beta=0.2, beta_rate=0.999, dropout=0.1,
                    train_on_codes=True)


def _codes_model(upper, conductor) -> MelodyModelConfig:
    """16 bars as eight 2-bar segments, each a code of the 2-bar model: `upper` reads the eight codes into z,
    `conductor` writes them back."""
    return MelodyModelConfig(
        **_16BAR_CODES,
        encoder=HierarchicalEncoderConfig(segment=_2BAR_ENCODER, upper=upper, segment_bars=2, segment_z=_2BAR_Z),
        decoder=HierarchicalDecoderConfig(conductor=CodeConductorConfig(code_size=_2BAR_Z, levels=conductor),
                                          core=_2BAR_DECODER, segment_bars=2))


_add(Preset(
    "hier_mel_16bar_codes",
    "16 bars as eight codes of a 2-bar model (the bundled `default`, via --warm-start): one linear map from "
    "the codes to z 256 and one back; trained on the codes alone, about 1 s a step on one core",
    _codes_model(upper=DenseLevelsConfig(), conductor=DenseLevelsConfig()),
    TrainConfig(steps=3_000, batch_size=64, learning_rate=3e-3, eval_every=500, eval_examples=1024,
                checkpoint_every=250, precision="fp32")))
_add(Preset(
    "hier_mel_16bar_codes_lstm",
    "hier_mel_16bar_codes with LSTM levels, as magenta's hierarchical models have: a BiLSTM [256] over the "
    "codes, a conductor [256, 256] driven by z, then a linear map to the codes",
    _codes_model(upper=LstmLevelsConfig((256,)), conductor=LstmLevelsConfig((256, 256))),
    TrainConfig(steps=3_000, batch_size=64, eval_every=500, eval_examples=1024, checkpoint_every=250,
                precision="fp32")))
_add(Preset(
    "mel_2bar_tiny", "A tiny 2-bar model for tests: z 16, one 64-unit layer each way, no KL weight",
    MelodyModelConfig(bars=2, z_size=16, encoder=LstmEncoderConfig((64,)), decoder=LstmDecoderConfig((64,)),
                      max_beta=0.0, beta_rate=0.0, sampling_schedule="constant", sampling_rate=0.0, transpose=0),
    TrainConfig(steps=600, batch_size=8, learning_rate=1e-2, decay_rate=0.997, min_learning_rate=1e-3,
                log_every=10, eval_every=200, checkpoint_every=200, precision="fp32")))


def get_preset(name: str) -> Preset:
    """The preset called `name`, or an error listing them all."""
    try:
        return PRESETS[name]
    except KeyError:
        raise MvaeError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
