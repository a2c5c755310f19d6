"""A melody VAE from its config, and its config to and from a checkpoint: MusicVAE's bidirectional LSTM
encoder (flat, or hierarchical over segments) with a flat categorical LSTM decoder or the hierarchical
"conductor" decoder for long windows (Roberts et al. 2018), each built from the part of the config that
names it (config.py; the networks are in music/networks/)."""

from __future__ import annotations

import torch

from musicvae_lite.core.config import config_from_dict, config_to_dict
from musicvae_lite.core.latent import add_code_prior, add_meter_priors
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.chord_controls import CHORD_SIZE
from musicvae_lite.music.melody.config import MelodyModelConfig
from musicvae_lite.music.melody.encoding import NUM_CLASSES
from musicvae_lite.music.networks.config import (
    DenseLevelsConfig,
    HierarchicalDecoderConfig,
    HierarchicalEncoderConfig,
    check_built_grid,
)
from musicvae_lite.music.networks.hierarchical_decoder import HierarchicalDecoder
from musicvae_lite.music.networks.hierarchical_encoder import HierarchicalEncoder
from musicvae_lite.music.networks.lstm_decoder import CategoricalLstmDecoder
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder


def build_melody_vae(cfg: MelodyModelConfig) -> VAE:
    """The VAE `cfg` describes, freshly initialized."""
    check_built_grid(cfg.grid)
    vae = VAE(_encoder(cfg), _decoder(cfg), max_beta=cfg.max_beta, beta_rate=cfg.beta_rate, free_bits=cfg.free_bits)
    if cfg.code_prior:
        add_code_prior(vae, cfg.z_size)
    if cfg.meter_priors:
        add_meter_priors(vae, cfg.z_size, len(cfg.meter_priors))
    if cfg.attribute_names:  # (A, Z): one latent direction per attribute, filled by export_with_attributes
        vae.register_buffer("attribute_vectors", torch.zeros(len(cfg.attribute_names), cfg.z_size))
    return vae


def _encoder(cfg: MelodyModelConfig):
    enc = cfg.encoder
    if not isinstance(enc, HierarchicalEncoderConfig):
        return BidirectionalLstmEncoder(NUM_CLASSES, enc.sizes, cfg.z_size, dropout=cfg.dropout,
                                        control_size=cfg.control_size)
    dense = isinstance(enc.upper, DenseLevelsConfig)
    return HierarchicalEncoder(NUM_CLASSES, enc.segment.sizes, enc.segment_z or cfg.z_size,
                               enc.upper.hidden if dense else enc.upper.sizes, cfg.z_size,
                               num_segments=cfg.bars // enc.segment_bars,
                               segment_steps=enc.segment_bars * cfg.grid.steps_per_bar, dropout=cfg.dropout,
                               dense=dense, control_size=cfg.control_size)


def _decoder(cfg: MelodyModelConfig):
    dec = cfg.decoder
    if not isinstance(dec, HierarchicalDecoderConfig):
        return CategoricalLstmDecoder(NUM_CLASSES, dec.sizes, cfg.z_size, max_steps=cfg.steps, dropout=cfg.dropout,
                                      control_size=cfg.control_size,
                                      output_controls=CHORD_SIZE if cfg.chord_to_output else 0)
    code_size, conductor, dense = 0, dec.conductor, False
    if dec.codes:
        code_size, conductor = dec.conductor.code_size, dec.conductor.levels
        dense = isinstance(conductor, DenseLevelsConfig)
    return HierarchicalDecoder(NUM_CLASSES, dec.core.sizes, conductor.hidden if dense else conductor.sizes,
                               cfg.z_size, num_bars=cfg.bars // dec.segment_bars,
                               steps_per_bar=dec.segment_bars * cfg.grid.steps_per_bar, dropout=cfg.dropout,
                               code_size=code_size, independent_bars=dec.codes, dense_conductor=dense,
                               control_size=cfg.control_size)


def model_config_to_dict(cfg: MelodyModelConfig) -> dict:
    """The dict a checkpoint stores: the config with its parts (core/config.py `config_to_dict`)."""
    return config_to_dict(cfg)


def model_config_from_dict(d: dict) -> MelodyModelConfig:
    """Rebuild a config from its checkpointed dict: the form with parts (`encoder` is a dict), or the flat form
    every checkpoint written before had (`encoder_sizes`, `conductor_sizes`, ...; no grid: 4 and 16 steps)."""
    if isinstance(d.get("encoder"), dict) or isinstance(d.get("decoder"), dict):
        return config_from_dict(MelodyModelConfig, d)
    try:
        return MelodyModelConfig.from_settings(d)
    except ValueError as e:
        raise MvaeError(f"checkpoint's melody model config: {e}") from None
