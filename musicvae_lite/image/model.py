"""An image model from its config, and back from a checkpoint."""

from __future__ import annotations

from dataclasses import asdict
from torch import nn

from musicvae_lite.core.config import config_from_dict
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.image import networks as nets
from musicvae_lite.image.autoencoder import Autoencoder, CodeEncoder, GaussianEncoder, PixelDecoder, Restorer
from musicvae_lite.image.presets import ImageModelConfig

KINDS = ("ae", "vae", "restore")
ARCHITECTURES = ("dense", "lesson_conv", "strided_conv", "unet")


def build_image_model(cfg: ImageModelConfig) -> nn.Module:
    """The model `cfg` describes, freshly initialized."""
    if cfg.kind not in KINDS:
        raise MvaeError(f"unknown image model kind {cfg.kind!r}; choose one of {', '.join(KINDS)}")
    if cfg.architecture not in ARCHITECTURES:
        raise MvaeError(f"unknown architecture {cfg.architecture!r}; choose one of {', '.join(ARCHITECTURES)}")
    if (cfg.kind == "restore") != (cfg.architecture == "unet"):
        raise MvaeError("the unet architecture is for kind=restore, and restore needs the unet")
    size = cfg.image_size
    if cfg.kind == "restore":
        return Restorer(nets.UNet(cfg.channels, cfg.fold), cfg.likelihood)
    if cfg.architecture == "lesson_conv":
        if cfg.kind == "vae":
            raise MvaeError("the lesson's conv design is a plain autoencoder; use strided_conv for a VAE")
        if size != 28 or len(cfg.channels) != 3:
            raise MvaeError("the lesson's conv autoencoder takes 28x28 images and three channel counts")
        return Autoencoder(CodeEncoder(nets.LessonConvEncoder(cfg.channels)),
                           PixelDecoder(nets.LessonConvDecoder(cfg.channels), cfg.likelihood))
    if cfg.architecture == "dense":
        body, width = nets.dense_encoder(size, cfg.hidden_sizes)
        decoder = PixelDecoder(nets.dense_decoder(size, cfg.z_size, cfg.hidden_sizes[::-1]), cfg.likelihood)
    else:
        if size % 2 ** len(cfg.channels):
            raise MvaeError(f"{size}x{size} images cannot be halved {len(cfg.channels)} times")
        hidden = cfg.hidden_sizes[0] if cfg.hidden_sizes else 512
        encoder_body = nets.StridedConvEncoder(size, cfg.channels, hidden)
        body, width = encoder_body, encoder_body.output_size
        decoder = PixelDecoder(nets.StridedConvDecoder(size, cfg.z_size, cfg.channels, hidden), cfg.likelihood)
    if cfg.kind == "ae":
        return Autoencoder(CodeEncoder(body, nn.Linear(width, cfg.z_size)), decoder)
    return VAE(GaussianEncoder(body, width, cfg.z_size), decoder, max_beta=cfg.max_beta,
               beta_rate=cfg.beta_rate, free_bits=cfg.free_bits)


def model_config_to_dict(cfg: ImageModelConfig) -> dict:
    return asdict(cfg)


def model_config_from_dict(d: dict) -> ImageModelConfig:
    """Rebuild a config from its checkpointed dict."""
    return config_from_dict(ImageModelConfig, d)
