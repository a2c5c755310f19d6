"""The variational autoencoder every model here shares: the encoder/decoder contract, the Gaussian
posterior with its reparameterization and KL, free bits and beta annealing.

References: Kingma & Welling 2014, "Auto-Encoding Variational Bayes" (reparameterization, the KL of a
diagonal Gaussian to N(0, I)); Roberts et al. 2018, "A Hierarchical Latent Vector Model for Learning
Long-Term Structure in Music", and magenta's music_vae/base_model.py (free bits as a budget on each
example's total KL, `max(KL - free_bits * ln 2, 0)`, and `beta = (1 - beta_rate**step) * max_beta`);
Kingma et al. 2016 (free bits). The posterior is parameterized by log-variance throughout:
std = exp(0.5 * logvar).

Contract (cf. magenta's BaseEncoder / BaseDecoder): an `Encoder` maps a batch of inputs to a
`Posterior`; a `Decoder` maps codes z (and, for training, the targets) to outputs, scores them with
`reconstruction` (per-example negative log-likelihood in nats plus named metrics) and `generate`s
from z. `VAE.forward` composes them and returns named terms the trainer logs as they are (it is
`forward`, not another method, so that DistributedDataParallel sees the call).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass

import torch
from torch import Tensor, nn

LN2 = math.log(2.0)


@dataclass
class Posterior:
    """A diagonal Gaussian q(z | x)."""

    mu: Tensor  # (B, Z)
    logvar: Tensor  # (B, Z)

    def sample(self, noise: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """z = mu + std * eps, differentiable in mu and logvar (the reparameterization trick); eps is
        `noise` (B, Z) when given, else drawn now."""
        if noise is None:
            noise = torch.randn(self.mu.shape, generator=generator, device=self.mu.device, dtype=self.mu.dtype)
        return self.mu + torch.exp(0.5 * self.logvar) * noise

    def kl(self) -> Tensor:
        """KL(q || N(0, I)) per example, in nats: (B,)."""
        mu, logvar = self.mu.float(), self.logvar.float()
        return 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).sum(dim=-1)


def kl_bits(kl_nats: Tensor) -> Tensor:
    """Nats to bits."""
    return kl_nats / LN2


def free_bits_kl(kl_nats: Tensor, free_bits: float) -> Tensor:
    """MusicVAE's free bits: each example's KL above a budget of `free_bits` bits, (B,)."""
    return torch.clamp(kl_nats - free_bits * LN2, min=0.0)


def beta_at(step: int, max_beta: float, beta_rate: float) -> float:
    """KL weight annealed from 0 towards `max_beta`: (1 - beta_rate**step) * max_beta; beta_rate 0 means
    `max_beta` from the start."""
    if beta_rate == 0.0:  # also at step 0, where 0**0 would be 1 and beta 0
        return max_beta
    return (1.0 - beta_rate**step) * max_beta


class Encoder(nn.Module, ABC):
    """Inputs -> posterior over z."""

    z_size: int

    @abstractmethod
    def forward(self, x: Tensor) -> Posterior:
        """x: a batch of inputs (model-specific shape) -> Posterior with (B, z_size) parameters."""


class Decoder(nn.Module, ABC):
    """Codes z -> outputs, scored against targets."""

    @abstractmethod
    def forward(self, z: Tensor, target: Tensor, *, sampling_prob: float = 0.0) -> Tensor:
        """Training-time outputs for `target` given z (B, Z): e.g. logits (B, T, C) with teacher forcing,
        feeding the model's own predictions with probability `sampling_prob` (scheduled sampling)."""

    @abstractmethod
    def reconstruction(self, outputs: Tensor, target: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """(negative log-likelihood per example in nats (B,), named metrics (scalars))."""

    @abstractmethod
    def generate(self, z: Tensor, *, temperature: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
        """Outputs decoded from z alone (no targets); temperature 0 decodes greedily."""


class VAE(nn.Module):
    """Encoder + decoder + the KL controls. Calling it returns the loss's named terms, `loss` first."""

    def __init__(self, encoder: Encoder, decoder: Decoder, *, max_beta: float = 1.0, beta_rate: float = 0.0,
                 free_bits: float = 0.0):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.max_beta = max_beta  # the KL weight reached when annealing ends
        self.beta_rate = beta_rate  # beta = (1 - beta_rate**step) * max_beta; 0: no annealing
        self.free_bits = free_bits  # KL budget per example, in bits, not penalized

    def encode(self, x: Tensor, controls: Tensor | None = None) -> Posterior:
        return self.encoder(x) if controls is None else self.encoder(x, controls)

    def forward(self, x: Tensor, target: Tensor, *, step: int = 0, sampling_prob: float = 0.0,
                sample_z: bool = True, noise: Tensor | None = None, controls: Tensor | None = None,
                encoder_controls: Tensor | None = None) -> dict[str, Tensor]:
        """The negative ELBO with free bits and beta: mean over the batch of recon + beta * max(KL - fb, 0).
        z is drawn from the posterior (with `noise` as eps when given), or is its mean when not `sample_z`.
        `controls` (B, T, K): what a model that reads them (a melody model's meter) gets beside each step; the
        encoder reads `encoder_controls` instead when given (its input x differs from the target)."""
        posterior = self.encode(x, controls if encoder_controls is None else encoder_controls)
        z = posterior.sample(noise) if sample_z else posterior.mu
        if controls is None:
            outputs = self.decoder(z, target, sampling_prob=sampling_prob)
        else:
            outputs = self.decoder(z, target, sampling_prob=sampling_prob, controls=controls)
        recon, metrics = self.decoder.reconstruction(outputs, target)
        kl = posterior.kl()
        beta = beta_at(step, self.max_beta, self.beta_rate)
        loss = (recon + beta * free_bits_kl(kl, self.free_bits)).mean()
        return {"loss": loss, "recon": recon.mean().detach(), "kl": kl.mean().detach(),
                "kl_bits": kl_bits(kl).mean().detach(), "beta": torch.tensor(beta), **metrics}
