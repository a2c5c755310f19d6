"""16 bars as a sequence of 2-bar codes: the hierarchical encoder (a 2-bar encoder on each segment, a
BiLSTM over their codes), the hierarchical decoder's code projection and independent bars, the loss on
codes alone (music/networks/code_training.py), and a run warm-started from a 2-bar model through `mvae train`."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from melodies import random_windows, write_dataset
from typer.testing import CliRunner

from musicvae_lite.families import load_model
from musicvae_lite.cli import app
from musicvae_lite.core.runs import warm_weights
from musicvae_lite.errors import MvaeError
from musicvae_lite.music.melody.model import build_melody_vae, model_config_from_dict
from musicvae_lite.music.melody.presets import PRESETS, MelodyModelConfig
from musicvae_lite.music.networks.code_training import code_loss
from musicvae_lite.music.networks.config import (
    CodeConductorConfig,
    HierarchicalDecoderConfig,
    HierarchicalEncoderConfig,
    LstmDecoderConfig,
    LstmEncoderConfig,
    LstmLevelsConfig,
)
from musicvae_lite.music.networks.lstm_decoder import START

SHORT = MelodyModelConfig(bars=2, z_size=8, encoder=LstmEncoderConfig((12,)), decoder=LstmDecoderConfig((16,)))
LONG = MelodyModelConfig(  # 8 bars as four codes (z 8) of SHORT: SHORT's encoder and decoder per 2-bar segment
    bars=8, z_size=10, train_on_codes=True,
    encoder=HierarchicalEncoderConfig(segment=LstmEncoderConfig((12,)), upper=LstmLevelsConfig((14,)), segment_bars=2,
                                      segment_z=8),
    decoder=HierarchicalDecoderConfig(conductor=CodeConductorConfig(8, LstmLevelsConfig((18,))),
                                      core=LstmDecoderConfig((16,)), segment_bars=2))


def with_settings(cfg: MelodyModelConfig, **flat) -> MelodyModelConfig:
    """`cfg` with settings changed by their flat names (as `--set` takes them)."""
    return MelodyModelConfig.from_settings({**cfg.settings(), **flat})


def long_windows(n: int, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(random_windows(n, seed, steps=128).astype(np.int64))


def warm_long() -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    short = build_melody_vae(SHORT).eval()
    with torch.no_grad():  # codes that say something, as a trained model's do: spread means, narrow posteriors
        short.encoder.mu.weight.normal_(std=0.5)
        short.encoder.logvar.bias.fill_(-2.0)
    long = build_melody_vae(LONG)
    weights, taken = warm_weights(long.state_dict(), short.state_dict())
    long.load_state_dict(weights)
    assert any(k.startswith("encoder.segments.") for k in taken) and any(k.startswith("decoder.core.") for k in taken)
    assert not any(k.startswith(("encoder.upper.", "decoder.conductor.", "decoder.to_code.")) for k in taken)
    return short, long.eval()


def test_segments_are_the_short_models_codes_and_its_decoder_reads_them():
    short, long = warm_long()
    x = long_windows(3)
    segments = long.encoder.segment_posteriors(x)  # (3, 4, 8)
    for u in range(4):
        alone = short.encoder(x[:, 32 * u:32 * (u + 1)])
        assert torch.allclose(segments.mu[:, u], alone.mu, atol=1e-6)
        assert torch.allclose(segments.logvar[:, u], alone.logvar, atol=1e-6)
    z = long.encoder(x).mu
    codes = long.decoder.bar_embeddings(z)  # (3, 4, 8): in the short model's code space
    logits = long.decoder(z, x)  # teacher-forced, bars independent: each is the short decoder on its code
    for u in range(4):
        bar = x[:, 32 * u:32 * (u + 1)]
        assert torch.allclose(logits[:, 32 * u:32 * (u + 1)], short.decoder(codes[:, u], bar), atol=1e-5)
    generated = long.decoder.generate(z, temperature=0.0)
    again = torch.cat([short.decoder.generate(codes[:, u], temperature=0.0) for u in range(4)], dim=1)
    assert torch.equal(generated, again)  # every bar restarts from START, as the short model was trained


def test_dense_levels_carry_the_codes_the_same_way():
    torch.manual_seed(0)
    cfg = with_settings(LONG, dense_codes=True, encoder_upper_sizes=(), conductor_sizes=(20,))
    long = build_melody_vae(cfg).eval()
    x = long_windows(2)
    post = long.encoder(x)
    assert post.mu.shape == (2, 10) and long.decoder.bar_embeddings(post.mu).shape == (2, 4, 8)
    assert long.decoder.generate(post.mu, temperature=0.0).shape == (2, 128)
    assert long.decoder(post.mu, x).shape == (2, 128, long.decoder.num_classes)
    with pytest.raises(MvaeError, match="segment codes"):  # the flat form could say it; the parts cannot
        model_config_from_dict({**SHORT.settings(), "dense_codes": True})


def test_scheduled_sampling_keeps_the_restarts():
    from musicvae_lite.music.networks.lstm_decoder import parallel_scheduled_sampling

    prev = torch.tensor([[START, 5, 6, START, 7, 8]])
    seen = []
    parallel_scheduled_sampling(lambda p: (seen.append(p.clone()), torch.zeros(1, 6, 10))[1], prev, 1.0)
    assert seen[-1][0, 0] == START and seen[-1][0, 3] == START and (seen[-1][0, [1, 2, 4, 5]] != START).all()


def test_the_code_loss_trains_only_the_upper_levels_and_falls():
    _, long = warm_long()
    long.train()
    x = long_windows(16, seed=1)
    before = {k: v.clone() for k, v in long.state_dict().items()}
    opt = torch.optim.Adam([p for p in long.parameters()], lr=3e-3)
    first = None
    for step in range(80):
        terms = code_loss(long, x, step=step, sample_z=False)
        first = first or (terms["loss"].item(), terms["code_rms"].item())
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
    assert terms["loss"].item() < 0.5 * first[0] and 0 < terms["code_rms"].item() < 0.7 * first[1]
    after = long.state_dict()
    for name, value in after.items():
        if name.startswith(("encoder.segments.", "decoder.core.")):  # the 2-bar model: as it was
            assert torch.equal(value, before[name]), name
        elif name.startswith(("encoder.upper.", "encoder.mu", "decoder.to_code.",
                              "decoder.conductor.layers.0.weight_hh")):
            assert not torch.equal(value, before[name]), name


def test_a_code_model_trains_warm_from_a_2_bar_run_and_evaluates_on_events(tmp_path):
    short_data = write_dataset(tmp_path / "d2", 24, 8)
    long_data = tmp_path / "d8"
    long_data.mkdir()
    for name, n, seed in (("train", 24, 3), ("eval", 6, 4)):
        np.savez(long_data / f"{name}.npz", events=random_windows(n, seed, steps=128), file_index=np.zeros(n, np.int32),
                 start_bar=np.zeros(n, np.int32), files=np.array(["synthetic"]))
    runner = CliRunner()
    r = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(short_data), "-o", str(tmp_path / "short"),
                            "--steps", "2", "--batch-size", "4", "--threads", "1", "-q"])
    assert r.exit_code == 0, r.output
    sets = ["--set", "bars=8", "--set", "encoder_upper_sizes=16", "--set", "segment_bars=2", "--set", "segment_z=16",
            "--set", "conductor_sizes=16", "--set", "train_on_codes=true"]
    r = runner.invoke(app, ["train", "mel_2bar_tiny", "--data", str(long_data), "-o", str(tmp_path / "long"),
                            "--steps", "3", "--batch-size", "4", "--threads", "1", "-q", "--warm-start",
                            str(tmp_path / "short"), *sets])
    assert r.exit_code == 0, r.output
    assert "warm start from" in r.output
    r = runner.invoke(app, ["eval", str(tmp_path / "long"), str(long_data), "--json", "--threads", "1"])
    assert r.exit_code == 0, r.output
    assert '"teacher_forced_accuracy"' in r.output


def test_the_codes_preset_takes_the_bundled_models_shape():
    cfg = PRESETS["hier_mel_16bar_codes"].model
    bundled = replace(SHORT, z_size=128, encoder=LstmEncoderConfig((256,)), decoder=LstmDecoderConfig((256, 256)))
    long, short = build_melody_vae(cfg).state_dict(), build_melody_vae(bundled).state_dict()
    _, taken = warm_weights(long, short)
    lower = [k for k in long if k.startswith(("encoder.segments.", "decoder.core."))]
    assert sorted(taken) == sorted(lower) and len(lower) == len(short)  # all of the 2-bar model, nothing else


def test_a_fitted_code_prior_samples_where_the_codes_are(tmp_path):
    from musicvae_lite.core.checkpoint import save_checkpoint
    from musicvae_lite.core.latent import draw_codes
    from musicvae_lite.music.melody import generate as g
    from musicvae_lite.music.melody.model import model_config_to_dict

    torch.manual_seed(0)
    cfg = with_settings(LONG, dense_codes=True, encoder_upper_sizes=(), conductor_sizes=())
    run = tmp_path / "long.pt"
    vae = build_melody_vae(cfg)
    with torch.no_grad():  # codes spread as a trained model's are (a fresh one's are ~1e-6)
        vae.encoder.mu.weight.normal_(std=0.5)
        vae.encoder.segments.mu.weight.normal_(std=0.5)
    save_checkpoint(run, config={"task": {"family": "melody", "model": model_config_to_dict(cfg)}},
                    model=vae.state_dict(), step=7)
    data = tmp_path / "d8"
    data.mkdir()
    for name, n, seed in (("train", 40, 3), ("eval", 4, 4)):
        np.savez(data / f"{name}.npz", events=random_windows(n, seed, steps=128), file_index=np.zeros(n, np.int32),
                 start_bar=np.zeros(n, np.int32), files=np.array(["synthetic"]))
    plain = load_model(run)
    noise = torch.randn(3, 10)
    assert torch.equal(draw_codes(plain.vae, noise), noise)  # no fitted prior: z ~ N(0, I)
    out = g.export_with_code_prior(run, data, tmp_path / "bundled.pt", scale=0.5, limit=40)
    fitted = load_model(out)
    assert fitted.config.code_prior and fitted.config.code_prior_scale == 0.5 and fitted.step == 7
    codes = g.encode(fitted, random_windows(40, 3, steps=128))  # the training windows
    mean = fitted.vae.code_prior_mean.float()
    assert torch.allclose(mean, torch.as_tensor(codes).mean(0), atol=0.02)  # fitted in fp32, stored in fp16
    drawn = draw_codes(fitted.vae, torch.randn(4000, 10), fitted.config.code_prior_scale)
    assert torch.allclose(drawn.mean(0), mean, atol=0.1 * float(drawn.std()))
    assert torch.allclose(drawn.std(0), 0.5 * torch.as_tensor(codes).std(0), rtol=0.2)
    assert g.sample(fitted, 2, seed=0).shape == (2, 128)
    with pytest.raises(MvaeError, match="no code prior"):
        g.fit_code_prior(plain, random_windows(30, 3, steps=128))
