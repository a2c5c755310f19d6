"""A drum VAE from its config, and its config back from a checkpoint: MusicVAE's bidirectional LSTM encoder
and categorical LSTM decoder (lstm_encoder.py, lstm_decoder.py) over the 512 hit combinations of a step
(encoding.py), as magenta's `cat-drums_2bar_small` (Roberts et al. 2018). The encoder reads each step's
9-hit roll plus a "no hit" flag (magenta's `roll_input`: 10 inputs rather than a 512-wide one-hot, a
third less work per training step); the decoder predicts one of the 512 classes, with a softmax (magenta) or as
its 9 drums (`output`: drums/hits_output.py). A model with `bar_position` reads each step's place in the bar
in its encoder and its decoder (`controls`), so that it can learn from windows cut on a hop shorter than a
bar; the windows it is given and writes start on a bar."""

from __future__ import annotations

from musicvae_lite.core.config import config_from_dict, config_to_dict
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.drums.encoding import NUM_CLASSES, ROLL_SIZE
from musicvae_lite.music.drums.presets import DrumModelConfig
from musicvae_lite.music.networks.config import check_built_grid
from musicvae_lite.music.networks.lstm_decoder import CategoricalLstmDecoder
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder


def build_drum_vae(cfg: DrumModelConfig) -> VAE:
    """The VAE `cfg` describes, freshly initialized."""
    check_built_grid(cfg.grid)
    encoder = BidirectionalLstmEncoder(ROLL_SIZE, cfg.encoder.sizes, cfg.z_size, dropout=cfg.dropout,
                                       control_size=cfg.control_size)
    decoder = CategoricalLstmDecoder(NUM_CLASSES, cfg.decoder.sizes, cfg.z_size, max_steps=cfg.steps,
                                     dropout=cfg.dropout, control_size=cfg.control_size)
    if cfg.output != "softmax":  # the 9 drums in place of the 512-way softmax: the same log-probabilities' shape
        from musicvae_lite.music.drums.hits_output import HitsOutput

        decoder.output = HitsOutput(decoder.rnn.output_size, chained=cfg.output == "hits")
    return VAE(encoder, decoder, max_beta=cfg.max_beta, beta_rate=cfg.beta_rate, free_bits=cfg.free_bits)


def model_config_to_dict(cfg: DrumModelConfig) -> dict:
    """The dict a checkpoint stores: the config with its parts."""
    return config_to_dict(cfg)


def model_config_from_dict(d: dict) -> DrumModelConfig:
    """A config from its checkpointed dict: with parts, or the flat form of checkpoints written before."""
    return model_config_of(DrumModelConfig, d)


def model_config_of(cls, d: dict):
    """`cls` (the drum or groove config) from a checkpoint's dict in either form (MvaeError when it does not fit)."""
    if isinstance(d.get("encoder"), dict) or isinstance(d.get("decoder"), dict):
        return config_from_dict(cls, d)
    try:
        return cls.from_settings(d)
    except (TypeError, ValueError) as e:
        raise MvaeError(f"checkpoint's {cls.__name__}: {e}") from None


def encoder_input(classes):
    """What the encoder reads for 512-class events (B, T) int64: their rolls (B, T, 10) float32."""
    import torch

    from musicvae_lite.music.drums.encoding import ROLL_TABLE

    table = torch.from_numpy(ROLL_TABLE).to(classes.device)
    return table[classes]


def controls(cfg: DrumModelConfig, count: int, phase=None):
    """What a drum VAE of config `cfg` reads beside the steps of `count` windows, each `phase` steps into its bar
    ((count,) ints; None: on the bar): their bar positions (count, steps, 2) float32, or None for a model that
    reads none."""
    import torch

    from musicvae_lite.music.drums.position import bar_position

    if not cfg.bar_position:
        return None
    return torch.from_numpy(bar_position((count, cfg.steps, 1), phase, bar=cfg.grid.steps_per_bar))
