"""The image models on the shared core: corruptions, shapes, ELBO invariants, one step lowers the loss,
every preset through the CLI on tiny data (train, eval, plot, sample, interpolate, reconstruct)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from musicvae_lite.cli import app
from musicvae_lite.core.vae import VAE
from musicvae_lite.errors import MvaeError
from musicvae_lite.image.autoencoder import psnr
from musicvae_lite.image.corruptions import Downsample, GaussianNoise, parse_corruption
from musicvae_lite.image.evaluate import evaluate_images, iwae_bound
from musicvae_lite.image.idx import write_idx
from musicvae_lite.image.model import build_image_model
from musicvae_lite.image.presets import IMAGE_PRESETS, ImageModelConfig

runner = CliRunner()
SMALL = {  # each preset's architecture at a size that trains in a blink
    "mnist_ae": {"hidden_sizes": (16,), "z_size": 4},
    "mnist_conv_ae": {},
    "mnist_denoise": {"channels": (4, 8, 8)},
    "mnist_superres_x2": {"channels": (4, 8)},
    "mnist_superres_x4": {"channels": (4, 8)},
    "mnist_vae": {"hidden_sizes": (16,), "z_size": 4},
    "mnist_vae_2d": {"hidden_sizes": (16,)},
    "mnist_conv_vae": {"hidden_sizes": (16,), "channels": (4, 8), "z_size": 4},
    "mnist_tiny_vae": {},
}


def shapes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n 28x28 uint8 images of 10 classes: class k is a bright bar at rows 2k+3..2k+6, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
    for i, k in enumerate(labels):
        images[i, 2 * k + 3:2 * k + 7, 4:24] = 230
    return images, labels


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-mnist")
    for split, n, seed in (("train", 96, 0), ("t10k", 40, 1)):
        images, labels = shapes(n, seed)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte", labels)  # raw: both kinds in one folder
    return folder


def small(name: str) -> ImageModelConfig:
    return replace(IMAGE_PRESETS[name].model, **SMALL[name])


def batch(n: int = 8) -> torch.Tensor:
    images, _ = shapes(n, 3)
    return torch.from_numpy(images).float().div(255).unsqueeze(1)  # (B, 1, 28, 28)


# -------------------------------------------------------------------------------- corruptions


def test_noise_is_fresh_every_batch_reproducible_by_seed_and_clipped():
    x = batch()
    noise = GaussianNoise(0.3)
    a, b = noise(x, torch.Generator().manual_seed(0)), noise(x, torch.Generator().manual_seed(0))
    g = torch.Generator().manual_seed(0)
    first, second = noise(x, g), noise(x, g)
    assert torch.equal(a, b) and not torch.equal(first, second)
    assert a.min() >= 0 and a.max() <= 1 and a.shape == x.shape
    residual = (noise(torch.full((64, 1, 28, 28), 0.5), g) - 0.5).std()
    assert 0.27 < residual < 0.31  # sigma 0.3, barely clipped around mid-grey


@pytest.mark.parametrize("factor", [2, 4])
def test_downsampling_keeps_the_size_and_loses_detail(factor):
    x = batch()
    d = Downsample(factor)
    assert d.low_res(x).shape == (8, 1, 28 // factor, 28 // factor)
    y = d(x)
    assert y.shape == x.shape and 0 <= y.min() and y.max() <= 1
    flat = torch.full((2, 1, 28, 28), 0.25)
    assert torch.allclose(d(flat), flat, atol=1e-5)  # a flat image survives
    assert (y - x).abs().mean() > 0.01  # a detailed one does not


def test_corruption_specs_and_errors():
    assert parse_corruption("noise:0.5") == GaussianNoise(0.5)
    assert parse_corruption("downsample:4") == Downsample(4)
    assert not parse_corruption("none").restores
    for bad in ("blur:3", "noise:x", "downsample:1", "noise:-1"):
        with pytest.raises(MvaeError):
            parse_corruption(bad)
    with pytest.raises(MvaeError, match="cannot be downsampled"):
        Downsample(3).low_res(batch())


# ------------------------------------------------------------------------------------- models


@pytest.mark.parametrize("name", list(SMALL))
def test_every_preset_builds_and_one_step_lowers_the_loss(name):
    torch.manual_seed(0)
    cfg = small(name)
    model = build_image_model(cfg)
    clean = batch(16)
    x = parse_corruption(cfg.corruption)(clean, torch.Generator().manual_seed(0))
    noise = torch.randn(16, cfg.z_size, generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    before = model(x, clean, noise=noise)
    assert {"loss", "recon"} <= set(before) and before["loss"].ndim == 0
    for _ in range(3):
        optimizer.zero_grad()
        model(x, clean, noise=noise)["loss"].backward()
        optimizer.step()
    assert model(x, clean, noise=noise)["loss"] < before["loss"]


def test_restorers_start_as_the_identity():
    model = build_image_model(small("mnist_denoise"))
    x = batch()
    assert torch.allclose(model.restore(x), x, atol=1e-6)


def test_the_posterior_is_computed_in_fp32_under_bf16_autocast():
    # In bf16 the wider conv VAE's posterior collapsed at once (KL 0.01 nats, loss stuck at the mean image).
    model = build_image_model(small("mnist_conv_vae"))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        posterior = model.encode(batch(4))
    assert posterior.mu.dtype == posterior.logvar.dtype == torch.float32


def test_the_psnr_objective_is_the_mean_negative_psnr_and_raises_it():
    torch.manual_seed(0)
    model = build_image_model(replace(small("mnist_denoise"), likelihood="psnr"))
    clean = batch(16)
    x = parse_corruption("noise:0.3")(clean, torch.Generator().manual_seed(0))
    out = model(x, clean)
    assert torch.allclose(out["loss"], -psnr(x, clean).mean(), atol=1e-4)  # the identity at the start
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(5):
        optimizer.zero_grad()
        model(x, clean)["loss"].backward()
        optimizer.step()
    assert psnr(model.restore(x), clean).mean() > psnr(x, clean).mean() + 0.5


@pytest.mark.parametrize("cfg, message", [
    (ImageModelConfig(kind="gan"), "kind"),
    (ImageModelConfig(architecture="mlp"), "architecture"),
    (ImageModelConfig(kind="vae", architecture="lesson_conv", channels=(16, 8, 8)), "plain autoencoder"),
    (ImageModelConfig(kind="restore", architecture="dense"), "unet"),
    (ImageModelConfig(kind="vae", likelihood="psnr"), "restorer"),
])
def test_impossible_configs_are_refused(cfg, message):
    with pytest.raises(MvaeError, match=message):
        build_image_model(cfg)


def test_vae_kl_is_nonnegative_and_iwae_bound_is_tighter_than_the_elbo():
    torch.manual_seed(0)
    model = build_image_model(small("mnist_vae"))
    assert isinstance(model, VAE)
    x = batch(32)
    posterior = model.encoder(x)
    assert (posterior.kl() >= 0).all()
    g = torch.Generator().manual_seed(0)
    elbo = torch.stack([model(x, x, noise=torch.randn(32, 4, generator=g))["recon"] for _ in range(50)]).mean() \
        + posterior.kl().mean()
    bound = iwae_bound(model, x, 64, g).mean()
    assert bound <= elbo + 1e-3
    single = iwae_bound(model, x, 1, torch.Generator().manual_seed(5)).mean()
    assert single > bound  # one sample is the ELBO itself: looser


def test_evaluate_reports_the_figures_of_each_kind():
    images, _ = shapes(20, 4)
    vae = evaluate_images(build_image_model(small("mnist_vae")), small("mnist_vae"), images, iwae_k=8)
    assert {"neg_elbo", "iwae_bound", "bce", "kl", "psnr"} <= set(vae) and vae["images"] == 20
    assert vae["neg_elbo"] == pytest.approx(vae["bce"] + vae["kl"])
    dn = evaluate_images(build_image_model(small("mnist_denoise")), small("mnist_denoise"), images)
    # an untrained restorer is the identity: its output is exactly the noisy baseline
    assert dn["psnr"] == pytest.approx(dn["baseline_psnr"], abs=1e-4) and abs(dn["gain_db"]) < 1e-4
    assert 8 < dn["baseline_psnr"] < 16


# ---------------------------------------------------------------------------------------- CLI


def sets(name: str) -> list[str]:
    out = []
    for key, value in SMALL[name].items():
        out += ["--set", f"{key}={','.join(map(str, value)) if isinstance(value, tuple) else value}"]
    return out


@pytest.mark.parametrize("name", list(SMALL))
def test_every_preset_trains_evaluates_and_plots_through_the_cli(name, tiny_data, tmp_path):
    run = tmp_path / "run"
    result = runner.invoke(app, ["train", name, "--data", str(tiny_data), "-o", str(run), "--steps", "3",
                                 "--batch-size", "8", "-q", *sets(name)])
    assert result.exit_code == 0, result.output
    assert (run / "last.pt").exists() and (run / "plots" / "loss_curves.png").exists()
    result = runner.invoke(app, ["eval", str(run), str(tiny_data), "--json", "--iwae-k", "4"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    kind = IMAGE_PRESETS[name].model.kind
    expected = {"vae": {"neg_elbo", "iwae_bound"}, "ae": {"bce", "psnr"}, "restore": {"psnr", "baseline_psnr"}}[kind]
    assert expected <= set(figures) and figures["images"] == 40
    result = runner.invoke(app, ["plot", str(run)])
    assert result.exit_code == 0, result.output
    drawn = {p.name for p in (run / "plots").glob("*.png")}
    assert {"loss_curves.png", "restoration.png" if kind == "restore" else "reconstructions.png"} <= drawn
    if kind == "vae":
        assert "samples.png" in drawn
    if IMAGE_PRESETS[name].model.z_size == 2 and kind != "restore":
        assert {"latent_vs_pca.png", "manifold.png"} <= drawn
        assert "5-NN label accuracy in 2-D" in result.output


@pytest.fixture(scope="module")
def vae_run(tiny_data, tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("vae") / "run"
    result = runner.invoke(app, ["train", "mnist_tiny_vae", "--data", str(tiny_data), "-o", str(run), "--steps", "4",
                                 "-q"])
    assert result.exit_code == 0, result.output
    return run


def test_sample_interpolate_reconstruct_write_pngs_and_keep_existing_files(vae_run, tmp_path):
    import matplotlib.image as mpimg

    out = tmp_path / "out"
    for args in (["sample", str(vae_run), "-n", "9", "--seed", "1"],
                 ["interpolate", str(vae_run), "0", "5", "-n", "5"],
                 ["reconstruct", str(vae_run), "0", "1", "2"]):
        result = runner.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        written = Path(result.output.split("wrote ")[1].strip())
        assert written.exists() and mpimg.imread(written).ndim == 3
        again = runner.invoke(app, [*args, "-o", str(out)])
        assert again.exit_code == 2 and "exists" in again.output  # nothing overwritten without --force
        assert runner.invoke(app, [*args, "-o", str(out), "--force"]).exit_code == 0


def test_sampling_is_seeded(vae_run):
    from musicvae_lite.families import load
    from musicvae_lite.image.generate import sample

    m = load(vae_run, family="image").model
    assert np.array_equal(sample(m, 4, seed=3), sample(m, 4, seed=3))
    assert not np.array_equal(sample(m, 4, seed=3), sample(m, 4, seed=4))


def test_interpolation_ends_are_the_reconstructions(vae_run):
    from musicvae_lite.families import load
    from musicvae_lite.image.generate import interpolate, reconstruct

    m = load(vae_run, family="image").model
    images = shapes(2, 9)[0].astype(np.float32) / 255
    strip = interpolate(m, images[0], images[1], 4)
    _, recon = reconstruct(m, images)
    assert strip.shape == (4, 28, 28)
    np.testing.assert_allclose(strip[[0, -1]], recon, atol=1e-5)


def test_image_input_errors_are_one_line(vae_run, tmp_path):
    import matplotlib.pyplot as plt

    png = tmp_path / "small.png"
    plt.imsave(png, np.zeros((10, 12)), cmap="gray")
    for args, fragment in (
            (["interpolate", str(vae_run), str(png), str(png)], "takes 28x28 images"),
            (["interpolate", str(vae_run), "0", "99999"], "does not exist"),
            (["interpolate", str(vae_run), "0"], "two images"),
            (["eval", str(vae_run), str(tmp_path / "nowhere")], "error:"),
            (["train", "mnist_vae", "--data", str(tmp_path), "-o", str(tmp_path / "r")], "error:")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert fragment in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("preset, likelihood, fragment", [
    ("mnist_tiny_vae", "psnr", "psnr is a restorer's objective"),
    ("mnist_tiny_vae", "foo", "an image decoder takes one of bernoulli, mse"),
    ("mnist_denoise", "foo", "a restorer takes one of bernoulli, mse, psnr"),
])
def test_a_wrong_likelihood_is_a_one_line_error(preset, likelihood, fragment, tiny_data, tmp_path):
    result = runner.invoke(app, ["train", preset, "--data", str(tiny_data), "-o", str(tmp_path / "r"), "-q",
                                 "--steps", "1", "--set", f"likelihood={likelihood}"])
    assert result.exit_code == 2 and fragment in result.output and "Traceback" not in result.output


def test_a_plain_autoencoder_has_no_prior(tiny_data, tmp_path):
    run = tmp_path / "ae"
    assert runner.invoke(app, ["train", "mnist_ae", "--data", str(tiny_data), "-o", str(run), "--steps", "2",
                               "--batch-size", "8", "-q", *sets("mnist_ae")]).exit_code == 0
    result = runner.invoke(app, ["sample", str(run), "-o", str(tmp_path / "s")])
    assert result.exit_code == 2 and "only VAEs" in result.output


def test_a_vae_s_eval_loss_is_its_negative_elbo(vae_run):
    """The trainer evaluates with the KL weight of the current step: beta 1 from the first step here."""
    import csv

    with open(vae_run / "metrics.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["split"] == "eval"]
    last = max(int(r["step"]) for r in rows)
    values = {r["name"]: float(r["value"]) for r in rows if int(r["step"]) == last}
    assert values["kl"] > 0
    assert values["loss"] == pytest.approx(values["recon"] + values["kl"], rel=1e-4)


def test_images_may_be_named_by_png_and_test_index_together(vae_run, tiny_data, tmp_path):
    import matplotlib.pyplot as plt

    png = tmp_path / "blank.png"
    plt.imsave(png, np.zeros((28, 28)), cmap="gray")
    result = runner.invoke(app, ["interpolate", str(vae_run), str(png), "0", "-n", "3", "-o", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "i" / "interpolation.png").exists()


def test_four_images_make_a_grid(vae_run, tmp_path):
    result = runner.invoke(app, ["interpolate", str(vae_run), "0", "1", "2", "3", "-n", "3", "-o", str(tmp_path / "g")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "g" / "grid.png").exists()


def test_melody_options_on_an_image_run_are_one_line_errors(vae_run, tmp_path):
    for args, fragment in (
            (["sample", str(vae_run), "--temperature", "0.5"], "--temperature does not apply to mvae sample with image models"),
            (["interpolate", str(vae_run), "0", "1", "--window", "1"], "--window does not apply"),
            (["encode", str(vae_run), "0", "-o", str(tmp_path / "c.npy")], "image models do not encode"),
            (["eval", str(vae_run), str(tmp_path), "--batch-size", "0", "--iwae-k", "4", "--limit", "1"], "DATA")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert fragment in result.output and len(result.output.strip().splitlines()) == 1


def test_image_eval_names_its_data_argument(vae_run, tmp_path):
    result = runner.invoke(app, ["eval", str(vae_run), str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "DATA " in result.output and "--data" not in result.output


def test_default_image_eval_skips_the_iwae_bound_and_says_how_to_get_it(vae_run, tiny_data):
    result = runner.invoke(app, ["eval", str(vae_run), str(tiny_data)])
    assert result.exit_code == 0, result.output
    assert "negative ELBO" in result.output and "IWAE bound  " not in result.output
    assert "--iwae-k 100" in result.output
