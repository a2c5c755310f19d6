"""Image autoencoders on the shared VAE contract (core/vae.py): encoders that give a code or a
Gaussian posterior, decoders that give per-pixel outputs scored by a pixel likelihood, the plain
(deterministic) autoencoder, and the restoration model used for denoising and super-resolution.

A VAE here is `core.vae.VAE(GaussianEncoder, PixelDecoder)`: the same class the melody models use.
Every model is called as `model(x, target, step=..., sample_z=..., noise=...)` and returns the named
loss terms the trainer logs. x is the (possibly corrupted) input and target the clean image, both
(B, 1, H, W) in [0, 1].

Pixel likelihoods: "bernoulli" treats each grey level as the probability of a binary pixel and scores
outputs (logits) with binary cross-entropy summed over pixels, the loss pytorch/examples' VAE reports
on continuous MNIST pixels; "mse" scores outputs (pixel values) with the squared error summed over
pixels; "psnr" scores outputs (pixel values) with each image's negative PSNR, 10 log10 of its mean
squared error, so that the mean loss is the mean per-image PSNR the restoration benchmarks report (a
restorer's objective, not a likelihood: it weights each image's error by how small it already is).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.core.vae import Decoder, Encoder, Posterior
from musicvae_lite.errors import MvaeError

DECODER_LIKELIHOODS = ("bernoulli", "mse")  # true likelihoods: what an ELBO or a reconstruction needs
LIKELIHOODS = (*DECODER_LIKELIHOODS, "psnr")  # restorers may also train on PSNR


def psnr(prediction: Tensor, target: Tensor) -> Tensor:
    """Peak signal-to-noise ratio per image in dB, for pixels in [0, 1]: (B,)."""
    mse = (prediction.float() - target.float()).pow(2).flatten(1).mean(dim=1)  # (B,)
    return 10.0 * torch.log10(1.0 / mse.clamp(min=1e-10))


def pixel_nll(outputs: Tensor, target: Tensor, likelihood: str) -> Tensor:
    """Per-image loss, (B,): BCE of logits or squared error of pixel values, summed over pixels, or the
    negative PSNR of pixel values in dB."""
    if likelihood == "bernoulli":
        per_pixel = F.binary_cross_entropy_with_logits(outputs.float(), target.float(), reduction="none")
    elif likelihood == "psnr":
        return -psnr(outputs, target)
    else:
        per_pixel = (outputs.float() - target.float()).pow(2)
    return per_pixel.flatten(1).sum(dim=1)


def pixel_mean(outputs: Tensor, likelihood: str) -> Tensor:
    """The image the outputs stand for, in [0, 1]."""
    return torch.sigmoid(outputs.float()) if likelihood == "bernoulli" else outputs.float().clamp(0.0, 1.0)


def pixel_reconstruction(outputs: Tensor, target: Tensor, likelihood: str) -> tuple[Tensor, dict[str, Tensor]]:
    """(per-image loss (B,), {"psnr": the batch's mean PSNR of the images the outputs stand for})."""
    return pixel_nll(outputs, target, likelihood), {"psnr": psnr(pixel_mean(outputs, likelihood), target).mean().detach()}


def check_likelihood(likelihood: str, allowed: tuple[str, ...], what: str) -> str:
    if likelihood not in allowed:
        hint = " (psnr is a restorer's objective)" if likelihood == "psnr" else ""
        raise MvaeError(f"likelihood={likelihood}: {what} takes one of {', '.join(allowed)}{hint}")
    return likelihood


class CodeEncoder(nn.Module):
    """A deterministic encoder: images -> codes (B, ...) (a vector, or the lesson's 4x4 feature map)."""

    def __init__(self, body: nn.Module, head: nn.Module | None = None):
        super().__init__()
        self.body = body
        self.head = head if head is not None else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


class GaussianEncoder(Encoder):
    """Images -> Posterior with (B, z_size) mu and logvar, from a feature body (B, F)."""

    def __init__(self, body: nn.Module, feature_size: int, z_size: int):
        super().__init__()
        self.body = body
        self.z_size = z_size
        self.mu = nn.Linear(feature_size, z_size)
        self.logvar = nn.Linear(feature_size, z_size)

    def forward(self, x: Tensor) -> Posterior:
        h = self.body(x)  # (B, F)
        with torch.autocast(h.device.type, enabled=False):  # the posterior in fp32 even under bf16 autocast
            h = h.float()
            return Posterior(mu=self.mu(h), logvar=self.logvar(h))


class PixelDecoder(Decoder):
    """Codes -> per-pixel outputs (B, 1, H, W), scored by a pixel likelihood."""

    def __init__(self, body: nn.Module, likelihood: str = "bernoulli"):
        super().__init__()
        self.body = body
        self.likelihood = check_likelihood(likelihood, DECODER_LIKELIHOODS, "an image decoder")

    def forward(self, z: Tensor, target: Tensor | None = None, *, sampling_prob: float = 0.0) -> Tensor:
        return self.body(z)  # (B, 1, H, W)

    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        return pixel_reconstruction(outputs, target, self.likelihood)

    @torch.no_grad()
    def generate(self, z: Tensor, *, temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
        """The decoded images' means (B, 1, H, W) in [0, 1]; pixels are not sampled (that only adds noise)."""
        return pixel_mean(self.body(z), self.likelihood)


class Autoencoder(nn.Module):
    """A plain autoencoder: code = encoder(x), outputs = decoder(code); the loss is the reconstruction."""

    def __init__(self, encoder: CodeEncoder, decoder: PixelDecoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def encode(self, x: Tensor) -> Tensor:
        return self.encoder(x)

    def forward(self, x: Tensor, target: Tensor, *, step: int = 0, sample_z: bool = True,
                noise: Tensor | None = None, sampling_prob: float = 0.0) -> dict[str, Tensor]:
        outputs = self.decoder(self.encoder(x))
        recon, metrics = self.decoder.reconstruction(outputs, target)
        loss = recon.mean()
        return {"loss": loss, "recon": loss.detach(), **metrics}


class Restorer(nn.Module):
    """An image-to-image network (e.g. the U-Net) that undoes a corruption: outputs = net(x)."""

    def __init__(self, net: nn.Module, likelihood: str = "mse"):
        super().__init__()
        self.net = net
        self.likelihood = check_likelihood(likelihood, LIKELIHOODS, "a restorer")

    @torch.no_grad()
    def restore(self, x: Tensor) -> Tensor:
        """Corrupted images (B, 1, H, W) -> restored images in [0, 1]."""
        return pixel_mean(self.net(x), self.likelihood)

    def forward(self, x: Tensor, target: Tensor, *, step: int = 0, sample_z: bool = True,
                noise: Tensor | None = None, sampling_prob: float = 0.0) -> dict[str, Tensor]:
        nll, metrics = pixel_reconstruction(self.net(x), target, self.likelihood)
        loss = nll.mean()
        return {"loss": loss, "recon": loss.detach(), **metrics}
