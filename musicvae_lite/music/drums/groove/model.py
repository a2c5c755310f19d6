"""A GrooVAE from its config, and its config back from a checkpoint: MusicVAE's bidirectional LSTM encoder
(lstm_encoder.py) over the model's view of a window (views.py) and GrooVAE's decoder of hits, velocities
and offsets (decoder.py)."""

from __future__ import annotations

from musicvae_lite.core.config import config_to_dict
from musicvae_lite.core.vae import VAE
from musicvae_lite.music.drums.groove.decoder import GrooveLstmDecoder
from musicvae_lite.music.drums.groove.presets import GrooveModelConfig
from musicvae_lite.music.drums.groove.views import CONTROL_VIEW, VIEW_SIZES
from musicvae_lite.music.drums.position import POSITION_SIZE
from musicvae_lite.music.drums.model import model_config_of
from musicvae_lite.music.networks.config import check_built_grid
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder


def build_groove_vae(cfg: GrooveModelConfig) -> VAE:
    """The VAE `cfg` describes, freshly initialized."""
    check_built_grid(cfg.grid)
    pos = POSITION_SIZE if cfg.bar_position else 0
    encoder = BidirectionalLstmEncoder(VIEW_SIZES[cfg.view] + pos, cfg.encoder.sizes, cfg.z_size, dropout=cfg.dropout)
    dec = cfg.decoder
    decoder = GrooveLstmDecoder(dec.sizes, cfg.z_size, max_steps=cfg.steps, dropout=cfg.dropout, masked=dec.masked,
                                control_size=VIEW_SIZES[CONTROL_VIEW[cfg.view]] + pos if dec.control else 0)
    return VAE(encoder, decoder, max_beta=cfg.max_beta, beta_rate=cfg.beta_rate, free_bits=cfg.free_bits)


def model_config_to_dict(cfg: GrooveModelConfig) -> dict:
    """The dict a checkpoint stores: the config with its parts (its `view` on top, where the family looks)."""
    return config_to_dict(cfg)


def model_config_from_dict(d: dict) -> GrooveModelConfig:
    """A config from its checkpointed dict: with parts, or the flat form of checkpoints written before."""
    return model_config_of(GrooveModelConfig, d)
