"""MusicVAE's LSTM encoder and decoders, tiny and on the CPU: shapes, causality, sampling, training."""

from __future__ import annotations

import pytest
import torch

from musicvae_lite.core.vae import VAE, Posterior
from musicvae_lite.music.melody.encoding import NUM_CLASSES
from musicvae_lite.music.networks.hierarchical_decoder import HierarchicalDecoder
from musicvae_lite.music.networks.lstm_decoder import CategoricalLstmDecoder, one_hot_inputs, shift_right
from musicvae_lite.music.networks.lstm_encoder import BidirectionalLstmEncoder

Z = 8  # latent size
B = 3  # batch


def flat_decoder() -> CategoricalLstmDecoder:
    return CategoricalLstmDecoder(NUM_CLASSES, hidden_sizes=[12, 10], z_size=Z, max_steps=16)


def hier_decoder() -> HierarchicalDecoder:
    return HierarchicalDecoder(NUM_CLASSES, hidden_sizes=[12, 10], conductor_sizes=[9, 11], z_size=Z, num_bars=4,
                               steps_per_bar=4)


DECODERS = {"flat": flat_decoder, "hierarchical": hier_decoder}


@pytest.fixture(params=list(DECODERS))
def decoder(request):
    torch.manual_seed(0)
    return DECODERS[request.param]()


def events(batch: int, steps: int, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, NUM_CLASSES, (batch, steps), generator=torch.Generator().manual_seed(seed))


def steps_of(decoder) -> int:
    return decoder.max_steps  # 16 for both test decoders


def test_encoder_gives_a_posterior_that_reads_every_position():
    torch.manual_seed(0)
    enc = BidirectionalLstmEncoder(NUM_CLASSES, hidden_sizes=[12, 7], z_size=Z)
    x = events(B, 10)
    post = enc(x)
    assert isinstance(post, Posterior)
    assert post.mu.shape == post.logvar.shape == (B, Z)
    assert enc.code(x).shape == (B, 2 * 7)
    assert post.sample().shape == (B, Z) and post.kl().shape == (B,)
    for t in (0, 5, 9):  # both directions: the first, a middle and the last event all matter
        y = x.clone()
        y[:, t] = (y[:, t] + 1) % NUM_CLASSES
        assert not torch.allclose(enc.code(y), enc.code(x))


def test_decoder_output_and_reconstruction_shapes(decoder):
    T = steps_of(decoder)
    target = events(B, T)
    logits = decoder(torch.randn(B, Z), target)
    assert logits.shape == (B, T, NUM_CLASSES)
    nll, metrics = decoder.reconstruction(logits, target)
    assert nll.shape == (B,) and (nll > 0).all()
    assert set(metrics) == {"accuracy"} and metrics["accuracy"].shape == ()
    assert 0.0 <= metrics["accuracy"].item() <= 1.0
    # Summed over time in nats: a uniform prediction costs T * ln(C) per example.
    uniform = torch.zeros(B, T, NUM_CLASSES)
    assert torch.allclose(decoder.reconstruction(uniform, target)[0],
                          torch.full((B,), T * torch.log(torch.tensor(float(NUM_CLASSES)))))


def test_teacher_forced_logits_are_causal(decoder):
    T = steps_of(decoder)
    z, target = torch.randn(B, Z), events(B, T)
    logits = decoder(z, target)
    for t in (1, 3, 4, 5, 8, 14):  # 3 -> 4 and 7 -> 8 cross bar lines of the hierarchical decoder
        future = target.clone()
        future[:, t:] = events(B, T - t, seed=t)
        changed = decoder(z, future)
        assert torch.allclose(changed[:, :t], logits[:, :t], atol=1e-6), t
        # ...and step t+1 does read event t.
        assert not torch.allclose(changed[:, t + 1], logits[:, t + 1]), t


def test_greedy_generation_matches_teacher_forcing_on_its_own_output(decoder):
    """The step-by-step loop and the whole-sequence pass are one model."""
    decoder = decoder.double()
    z = torch.randn(B, Z, dtype=torch.float64)
    greedy = decoder.generate(z, temperature=0.0)
    assert torch.equal(decoder(z, greedy).argmax(dim=-1), greedy)


def test_generate_gives_valid_events_greedy_is_deterministic_and_a_generator_reproduces(decoder):
    z = torch.randn(B, Z)
    T = steps_of(decoder)
    sample = decoder.generate(z)
    assert sample.shape == (B, T) and sample.dtype == torch.int64
    assert sample.min() >= 0 and sample.max() < NUM_CLASSES
    assert torch.equal(decoder.generate(z, temperature=0.0), decoder.generate(z, temperature=0.0))
    a = decoder.generate(z, temperature=1.5, generator=torch.Generator().manual_seed(7))
    b = decoder.generate(z, temperature=1.5, generator=torch.Generator().manual_seed(7))
    c = decoder.generate(z, temperature=1.5, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    with pytest.raises(ValueError):
        decoder.generate(z, temperature=-1.0)


def test_flat_generate_takes_a_length():
    torch.manual_seed(0)
    dec = flat_decoder()
    assert dec.generate(torch.randn(2, Z), steps=5).shape == (2, 5)
    assert dec.generate(torch.randn(2, Z)).shape == (2, 16)


def test_hierarchical_decoder_checks_the_length():
    with pytest.raises(ValueError, match="4 bars of 4 steps"):
        hier_decoder()(torch.randn(B, Z), events(B, 12))


def test_sampling_prob_zero_is_teacher_forcing_and_one_changes_the_inputs(decoder):
    T = steps_of(decoder)
    z, target = torch.randn(B, Z), events(B, T)
    forced = decoder(z, target, sampling_prob=0.0)
    if isinstance(decoder, CategoricalLstmDecoder):  # plain teacher forcing, one step at a time
        prev, state, steps = shift_right(target), decoder.rnn.initial_state(z), []
        for t in range(T):
            out, state = decoder.rnn(one_hot_inputs(prev[:, t:t + 1], NUM_CLASSES, z), state)
            steps.append(decoder.output(out))
        assert torch.allclose(forced, torch.cat(steps, dim=1), atol=1e-5)
    rng = torch.get_rng_state()
    assert torch.equal(decoder(z, target), forced)
    assert torch.equal(torch.get_rng_state(), rng)  # teacher forcing draws no random numbers
    loss_forced = decoder.reconstruction(forced, target)[0]
    torch.manual_seed(1)
    sampled = decoder(z, target, sampling_prob=1.0)
    torch.manual_seed(1)
    assert torch.equal(decoder(z, target, sampling_prob=1.0), sampled)  # the global seed reproduces
    assert not torch.allclose(decoder.reconstruction(sampled, target)[0], loss_forced)
    assert torch.allclose(sampled[:, 0], forced[:, 0])  # the start input is never replaced
    sampled.sum().backward()  # the second pass is trained
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in decoder.parameters())
    with pytest.raises(ValueError):
        decoder(z, target, sampling_prob=1.5)


@pytest.mark.parametrize("sampling_prob", [0.0, 0.5])
def test_a_tiny_vae_learns_a_fixed_batch(decoder, sampling_prob):
    torch.manual_seed(0)
    T = steps_of(decoder)
    vae = VAE(BidirectionalLstmEncoder(NUM_CLASSES, hidden_sizes=[16], z_size=Z), decoder, max_beta=0.1)
    x = events(4, T, seed=3)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-2)
    losses = []
    for step in range(30):
        terms = vae(x, x, step=step, sampling_prob=sampling_prob)
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
        losses.append(terms["loss"].item())
    assert {"loss", "recon", "kl", "kl_bits", "beta", "accuracy"} <= set(terms)
    assert losses[-1] < 0.9 * losses[0], losses  # about 0.8 in practice
