"""The drum decoder's 9-drum output (drums/hits_output.py): a normalized distribution over the 512 classes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from musicvae_lite.music.drums.encoding import NUM_CLASSES, classes_to_hits
from musicvae_lite.music.drums.hits_output import HitsOutput, class_bits


def test_class_bits_are_the_encoding_s_hits():
    assert np.array_equal(class_bits().numpy(), classes_to_hits(np.arange(NUM_CLASSES)).astype(np.float32))


@pytest.mark.parametrize("chained", [True, False])
def test_the_512_log_probabilities_sum_to_one_and_match_the_drum_by_drum_chain(chained):
    torch.manual_seed(0)
    out = HitsOutput(6, chained=chained)
    if chained:
        with torch.no_grad():
            out.between.normal_(0, 1.0)  # V, of which only the part below the diagonal may count
    h = torch.randn(2, 3, 6)
    logp = out(h)  # (2, 3, 512)
    assert logp.shape == (2, 3, NUM_CLASSES)
    assert torch.allclose(logp.exp().sum(-1), torch.ones(2, 3), atol=1e-5)
    a = out.drums(h[0, 0])  # (9,) the state's part of each drum's logit
    V = out.between.detach() * torch.ones(9, 9).tril(-1) if chained else torch.zeros(9, 9)
    for c in itertools.islice(range(NUM_CLASSES), 0, NUM_CLASSES, 37):  # drum after drum, by hand
        bits = class_bits()[c]
        total = 0.0
        for d in range(9):
            logit = a[d] + (V[d] * bits).sum()
            total += torch.nn.functional.logsigmoid(logit if bits[d] else -logit)
        assert torch.allclose(logp[0, 0, c], total, atol=1e-5)


def test_a_drum_model_with_the_hits_output_trains_and_decodes():
    from dataclasses import replace

    from musicvae_lite.music.drums.model import build_drum_vae
    from musicvae_lite.music.drums.presets import PRESETS

    cfg = replace(PRESETS["drums_2bar_tiny"].model, output="hits")
    vae = build_drum_vae(cfg)
    x = torch.randint(0, NUM_CLASSES, (4, cfg.steps))
    from musicvae_lite.music.drums.model import encoder_input

    posterior = vae.encoder(encoder_input(x))
    logits = vae.decoder(posterior.mu, x)
    nll, metrics = vae.decoder.reconstruction(logits, x)
    nll.sum().backward()
    assert vae.decoder.output.between.grad is not None and nll.shape == (4,)
    assert vae.decoder.generate(posterior.mu.detach(), temperature=0.0).shape == (4, cfg.steps)
    with pytest.raises(ValueError, match="output must be one of"):
        replace(cfg, output="nade")
