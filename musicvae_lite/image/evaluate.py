"""Test-set figures for image models, on the official test split.

VAEs: the negative ELBO per image, BCE of the decoded logits on the continuous pixels plus the KL in
nats, with one posterior sample per image (what pytorch/examples' vae/main.py prints as its test
loss), and the importance-weighted bound of Burda et al. 2016 with k samples,
-log (1/k) sum_i p(x | z_i) p(z_i) / q(z_i | x), which is tighter (lower on average) than the ELBO.
Autoencoders: BCE per image and PSNR. Restoration models: the PSNR of their output and of the
baseline they must beat (the corrupted input: the noisy image, or the bicubic upsampling).
PSNR is averaged over images, each 10 log10(1 / MSE) for pixels in [0, 1].
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from musicvae_lite.core.vae import VAE
from musicvae_lite.image.autoencoder import Autoencoder, Restorer, pixel_mean, pixel_nll, psnr
from musicvae_lite.image.corruptions import parse_corruption
from musicvae_lite.image.presets import ImageModelConfig
from musicvae_lite.image.task import EVAL_SEED, to_float

LOG_2PI = math.log(2.0 * math.pi)


def _log_normal(z: Tensor, mu: Tensor, logvar: Tensor) -> Tensor:
    """log N(z; mu, exp(logvar)) summed over the last dimension."""
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) / logvar.exp()).sum(dim=-1)


@torch.no_grad()
def iwae_bound(model: VAE, x: Tensor, k: int, generator: torch.Generator) -> Tensor:
    """The k-sample importance-weighted bound on -log p(x), per image in nats: (B,)."""
    posterior = model.encoder(x)
    mu, logvar = posterior.mu.float(), posterior.logvar.float()  # (B, Z)
    B, Z = mu.shape  # batch, latent size
    eps = torch.randn(k, B, Z, generator=generator).to(mu.device)  # (K, B, Z)
    z = mu + (0.5 * logvar).exp() * eps  # (K, B, Z)
    outputs = model.decoder(z.reshape(k * B, Z))  # (K * B, 1, H, W)
    target = x.unsqueeze(0).expand(k, *x.shape).reshape(k * B, *x.shape[1:])
    log_px = -pixel_nll(outputs, target, model.decoder.likelihood).view(k, B)  # (K, B)
    log_w = log_px + _log_normal(z, torch.zeros_like(z), torch.zeros_like(z)) - _log_normal(z, mu, logvar)
    return -(torch.logsumexp(log_w, dim=0) - math.log(k))  # (B,)


@torch.no_grad()
def evaluate_images(model: nn.Module, cfg: ImageModelConfig, test_images: np.ndarray, *, iwae_k: int = 100,
                    batch_size: int = 500, device: torch.device | str = "cpu", progress: bool = False) -> dict:
    """Figures of `model` on test images (N, H, W) uint8; keys depend on the model kind (module docstring)."""
    from tqdm import tqdm

    device = torch.device(device)
    model = model.to(device).eval()
    corruption = parse_corruption(cfg.corruption)
    generator = torch.Generator().manual_seed(EVAL_SEED)
    sums: dict[str, float] = {}
    n = len(test_images)
    if isinstance(model, VAE) and iwae_k > 0:
        batch_size = max(1, min(batch_size, 4096 // iwae_k))  # k decodes per image
    for i in tqdm(range(0, n, batch_size), disable=not progress, unit="batch", desc="evaluating"):
        clean = to_float(test_images[i:i + batch_size]).to(device)  # (B, 1, H, W)
        x = corruption(clean, generator).to(device)
        figures: dict[str, Tensor] = {}
        if isinstance(model, VAE):
            posterior = model.encoder(x)
            noise = torch.randn(posterior.mu.shape, generator=generator).to(device)
            outputs = model.decoder(posterior.sample(noise))
            bce = pixel_nll(outputs, clean, model.decoder.likelihood)
            kl = posterior.kl()
            figures = {"neg_elbo": bce + kl, "bce": bce, "kl": kl,
                       "psnr": psnr(pixel_mean(model.decoder(posterior.mu), model.decoder.likelihood), clean)}
            if iwae_k > 0:
                figures["iwae_bound"] = iwae_bound(model, x, iwae_k, generator)
        elif isinstance(model, Autoencoder):
            outputs = model.decoder(model.encoder(x))
            figures = {"bce": pixel_nll(outputs, clean, "bernoulli") if model.decoder.likelihood == "bernoulli"
                       else _bce_of_pixels(pixel_mean(outputs, model.decoder.likelihood), clean),
                       "psnr": psnr(pixel_mean(outputs, model.decoder.likelihood), clean)}
        elif isinstance(model, Restorer):
            restored = model.restore(x)
            figures = {"psnr": psnr(restored, clean), "baseline_psnr": psnr(x, clean),
                       "bce": _bce_of_pixels(restored, clean)}
        else:
            raise TypeError(f"not an image model: {type(model).__name__}")
        for key, value in figures.items():
            sums[key] = sums.get(key, 0.0) + float(value.double().sum())
    result = {key: value / max(n, 1) for key, value in sums.items()}
    if "baseline_psnr" in result:
        result["gain_db"] = result["psnr"] - result["baseline_psnr"]
    return {"images": n, **result}


def _bce_of_pixels(prediction: Tensor, target: Tensor) -> Tensor:
    """BCE per image of predicted pixel values (clamped away from 0 and 1), summed over pixels: (B,)."""
    p = prediction.float().clamp(1e-6, 1 - 1e-6)
    return F.binary_cross_entropy(p, target.float(), reduction="none").flatten(1).sum(dim=1)
