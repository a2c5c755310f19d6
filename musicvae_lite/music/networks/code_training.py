"""Training a long-window model on a short model's codes: the hierarchical encoder's segment level and
the hierarchical decoder's bar decoder are a short (2-bar) VAE's encoder and decoder (warm-started from
it and left as they are); the levels between learn to carry a sequence of its codes through z.

The loss for one window x of U segments x_1..x_U, whose codes under the short model's encoder are
q(c_u | x_u) = N(m_u, s_u^2), and the conductor's codes e_u(z) from z ~ q(z | m_1..m_U):

    loss = sum_u sum_d [ (e_ud - m_ud)^2 / (2 s_ud^2) + log s_ud + log(2 pi) / 2 ]
           + beta * max(KL(q(z) || N(0, I)) - free bits, 0)

the first term being the negative log-likelihood of the segment codes under Gaussians of the short
model's own posterior widths: a code dimension that model is sure of must be matched closely, one it
ignores (s near 1) hardly counts. Nothing is decoded, so a step costs the segment encoder's forward
pass and two LSTMs over U steps, where decoding 256 events and back-propagating through them costs
several times more (the README's 16-bar section has the figures). It is the idea of stacking a sequence
model on a 2-bar MusicVAE's codes (Mittal et al. 2021, "Symbolic music generation with diffusion
models", model MusicVAE 2-bar latents in sequences) in a VAE of the hierarchical MusicVAE's shape.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from musicvae_lite.core.vae import VAE, Posterior, beta_at, free_bits_kl, kl_bits


def code_loss(vae: VAE, x: Tensor, *, step: int, sample_z: bool = True,
              noise: Tensor | None = None, controls: Tensor | None = None) -> dict[str, Tensor]:
    """The loss's named terms, `loss` first, for events x (B, U * S) (and their per-step controls (B, U * S, K)
    for a model that reads the meter): see the module docstring."""
    return code_loss_of(vae, segment_codes(vae, x, controls), step=step, sample_z=sample_z, noise=noise)


def segment_codes(vae: VAE, x: Tensor, controls: Tensor | None = None) -> Posterior:
    """The short model's posterior over each segment's code, as that model gives it (no dropout, no
    gradient): mu, logvar (B, U, Zs)."""
    level = vae.encoder.segments
    was_training = level.training
    level.eval()
    with torch.no_grad():
        segments = vae.encoder.segment_posteriors(x, controls)
    level.train(was_training)
    return segments


def code_loss_of(vae: VAE, segments: Posterior, *, step: int, sample_z: bool = True,
                 noise: Tensor | None = None) -> dict[str, Tensor]:
    """`code_loss` from the segments' codes (`segment_codes`), which can be computed once and kept."""
    posterior = vae.encoder.from_segments(segments.mu)
    z = posterior.sample(noise) if sample_z else posterior.mu
    codes = vae.decoder.bar_embeddings(z)  # (B, U, Zs)
    logvar = segments.logvar.float()
    nll = 0.5 * ((codes.float() - segments.mu.float()).pow(2) / logvar.exp() + logvar + math.log(2 * math.pi))
    recon = nll.sum(dim=(1, 2))  # (B,) nats
    kl = posterior.kl()
    beta = beta_at(step, vae.max_beta, vae.beta_rate)
    loss = (recon + beta * free_bits_kl(kl, vae.free_bits)).mean()
    rms = (codes.detach().float() - segments.mu.float()).pow(2).mean().sqrt()  # code error, for the logs
    return {"loss": loss, "recon": recon.mean().detach(), "kl": kl.mean().detach(),
            "kl_bits": kl_bits(kl).mean().detach(), "beta": torch.tensor(beta), "code_rms": rms}
