"""A melody VAE from its config, and back from a checkpoint: MusicVAE's bidirectional LSTM encoder
with a flat categorical LSTM decoder, or with the hierarchical "conductor" decoder for long windows
(Roberts et al. 2018)."""

from __future__ import annotations

from dataclasses import asdict

from musicvae_lite.core.config import config_from_dict
from musicvae_lite.core.latent import add_code_prior
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.hierarchical import HierarchicalDecoder
from musicvae_lite.music.hierarchical_encoder import HierarchicalEncoder
from musicvae_lite.music.lstm_decoder import CategoricalLstmDecoder
from musicvae_lite.music.lstm_encoder import BidirectionalLstmEncoder
from musicvae_lite.music.melody.encoding import NUM_CLASSES, STEPS_PER_BAR
from musicvae_lite.music.melody.presets import MelodyModelConfig


def build_melody_vae(cfg: MelodyModelConfig) -> VAE:
    """The VAE `cfg` describes, freshly initialized."""
    if cfg.bars % cfg.segment_bars:
        raise MvaeError(f"segment_bars={cfg.segment_bars} does not divide the window's {cfg.bars} bars")
    segments, segment_steps = cfg.bars // cfg.segment_bars, cfg.segment_bars * STEPS_PER_BAR
    if cfg.segment_z and not cfg.dense_codes and not (cfg.encoder_upper_sizes and cfg.conductor_sizes):
        raise MvaeError("segment_z needs LSTM layers over the segments (encoder_upper_sizes, conductor_sizes) "
                        "or dense_codes")
    if (cfg.train_on_codes or cfg.dense_codes) and not cfg.segment_z:
        raise MvaeError("train_on_codes and dense_codes need segment codes: set segment_z")
    if cfg.encoder_upper_sizes or cfg.segment_z:
        encoder = HierarchicalEncoder(NUM_CLASSES, cfg.encoder_sizes, cfg.segment_z or cfg.z_size,
                                      cfg.encoder_upper_sizes, cfg.z_size, num_segments=segments,
                                      segment_steps=segment_steps, dropout=cfg.dropout, dense=cfg.dense_codes)
    else:
        encoder = BidirectionalLstmEncoder(NUM_CLASSES, cfg.encoder_sizes, cfg.z_size, dropout=cfg.dropout)
    if cfg.hierarchical:
        decoder = HierarchicalDecoder(NUM_CLASSES, cfg.decoder_sizes, cfg.conductor_sizes, cfg.z_size,
                                      num_bars=segments, steps_per_bar=segment_steps, dropout=cfg.dropout,
                                      code_size=cfg.segment_z, independent_bars=bool(cfg.segment_z),
                                      dense_conductor=cfg.dense_codes)
    else:
        decoder = CategoricalLstmDecoder(NUM_CLASSES, cfg.decoder_sizes, cfg.z_size, max_steps=cfg.steps,
                                         dropout=cfg.dropout)
    vae = VAE(encoder, decoder, max_beta=cfg.max_beta, beta_rate=cfg.beta_rate, free_bits=cfg.free_bits)
    if cfg.code_prior:
        add_code_prior(vae, cfg.z_size)
    return vae


def model_config_to_dict(cfg: MelodyModelConfig) -> dict:
    return asdict(cfg)


def model_config_from_dict(d: dict) -> MelodyModelConfig:
    """Rebuild a config from its checkpointed dict."""
    return config_from_dict(MelodyModelConfig, d)
