"""MidiMe: a small dense VAE over the codes of a big melody VAE, trained on one musician's windows in seconds
(magenta.js's MidiMe, Dinculescu, Engel & Roberts 2019, "MidiMe: Personalizing a MusicVAE model with user
data"; facts followed: dense layers Z -> [1024, 256, 64] -> a 4-dimensional latent and back for Z = 256,
Adam, full batch, about 100 epochs on the windows of a single file).

The big model's code space is rich but most of it is far from one person's music; the small VAE learns
the part of it their windows occupy, so that its prior's samples, mapped back into the big model's codes
and decoded there, sound like them. Built on the house VAE (core/vae.py): a `DenseEncoder` gives the
posterior over the small latent, a `DenseDecoder` maps small codes back to big ones and scores them with a
unit-variance Gaussian likelihood (half the squared error, in nats).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from musicvae_lite.core.vae import VAE, Decoder, Encoder, Posterior


@dataclass(frozen=True)
class MidiMeConfig:
    """The small VAE's shape and training settings."""

    code_size: int  # Z: the big model's code size (what the small VAE reads and writes)
    layers: tuple[int, ...] = ()  # encoder's hidden sizes, the decoder's in reverse (() : `layers_for(Z)`)
    latent: int = 4  # the small latent's size (MidiMe: 4)
    beta: float = 0.5  # KL weight (chosen by benchmarks/bench_personalize.py: near, not copies)
    epochs: int = 300  # full-batch Adam steps
    learning_rate: float = 1e-3  # Adam's
    seed: int = 0  # initialization and the reparameterization noise

    def sizes(self) -> tuple[int, ...]:
        return tuple(self.layers) or layers_for(self.code_size)

    def to_dict(self) -> dict:
        return {**asdict(self), "layers": list(self.sizes())}

    @classmethod
    def from_dict(cls, d: dict) -> "MidiMeConfig":
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "layers": tuple(known.get("layers", ()))})


def layers_for(code_size: int) -> tuple[int, ...]:
    """MidiMe's [1024, 256, 64] for codes of 256, scaled with the code size: [4Z, Z, Z/4] (at least 16)."""
    return (4 * code_size, code_size, max(16, code_size // 4))


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers between `sizes`, ReLU between them (none after the last)."""
    parts: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        parts.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            parts.append(nn.ReLU())
    return nn.Sequential(*parts)


class DenseEncoder(Encoder):
    """Big codes (B, Z) -> posterior over the small latent (B, latent)."""

    def __init__(self, code_size: int, layers: tuple[int, ...], latent: int):
        super().__init__()
        self.z_size = latent
        self.body = nn.Sequential(_mlp([code_size, *layers]), nn.ReLU())
        self.head = nn.Linear(layers[-1], 2 * latent)  # mu and logvar

    def forward(self, x: Tensor) -> Posterior:
        mu, logvar = self.head(self.body(x)).chunk(2, dim=-1)  # (B, latent) each
        return Posterior(mu, logvar)


class DenseDecoder(Decoder):
    """Small codes (B, latent) -> big codes (B, Z), scored by half the squared error (a unit Gaussian)."""

    def __init__(self, code_size: int, layers: tuple[int, ...], latent: int):
        super().__init__()
        self.net = _mlp([latent, *reversed(layers), code_size])

    def forward(self, z: Tensor, target: Tensor, *, sampling_prob: float = 0.0) -> Tensor:
        return self.net(z)  # (B, Z)

    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        err = (outputs - target).pow(2).sum(dim=-1)  # (B,)
        return 0.5 * err, {"rmse": err.mean().div(target.shape[-1]).sqrt().detach()}

    def generate(self, z: Tensor, *, temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
        return self.net(z)  # the likelihood's mean


def build_midime(cfg: MidiMeConfig) -> VAE:
    """The small VAE `cfg` describes, freshly initialized (seeded by `cfg.seed`)."""
    torch.manual_seed(cfg.seed)
    layers = cfg.sizes()
    return VAE(DenseEncoder(cfg.code_size, layers, cfg.latent), DenseDecoder(cfg.code_size, layers, cfg.latent),
               max_beta=cfg.beta)


def train_midime(vae: VAE, codes: Tensor, cfg: MidiMeConfig, *, progress: bool = False) -> dict[str, float]:
    """Fit the small VAE to codes (N, Z) float32: `cfg.epochs` full-batch Adam steps on recon + beta * KL.
    Returns the last step's terms (loss, recon, kl_bits, rmse). Leaves `vae` in eval mode."""
    from tqdm import tqdm

    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.Adam(vae.parameters(), lr=cfg.learning_rate)
    vae.train()
    bar = tqdm(range(cfg.epochs), unit="epoch", desc="personalizing", disable=not progress, dynamic_ncols=True,
               leave=False)
    terms: dict[str, Tensor] = {}
    for _ in bar:
        noise = torch.randn(len(codes), vae.encoder.z_size, generator=gen)
        terms = vae(codes, codes, noise=noise)
        opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        opt.step()
        bar.set_postfix(loss=f"{terms['loss'].item():.2f}", kl_bits=f"{terms['kl_bits'].item():.2f}", refresh=False)
    vae.eval()
    return {k: float(v.detach()) for k, v in terms.items() if k in ("loss", "recon", "kl_bits", "rmse")}


@torch.no_grad()
def latent_means(vae: VAE, codes: Tensor) -> Tensor:
    """The small latent's posterior means (N, latent) of big codes (N, Z)."""
    return vae.encoder(codes).mu


@torch.no_grad()
def big_codes(vae: VAE, z: Tensor) -> Tensor:
    """The big codes (N, Z) the small decoder gives for small codes (N, latent)."""
    return vae.decoder.generate(z)
