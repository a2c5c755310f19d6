"""The toy family: a dense VAE on points in R^D stored as one .npy file (N, D) float32 (the first 80% train,
the rest held out). It supports `sample` only, which writes samples.npy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from musicvae_lite.core.config import Preset, TrainConfig, config_from_dict
from musicvae_lite.core.family import Evaluation, Family, Output, Request
from musicvae_lite.core.vae import VAE, Decoder, Encoder, Posterior
from musicvae_lite.errors import MvaeError
from musicvae_lite.files import atomic_write


@dataclass(frozen=True)
class ToyConfig:
    dim: int = 4  # point dimension
    z_size: int = 2  # latent size
    hidden: int = 32  # hidden units


PRESETS = {"toy_vae": Preset("toy_vae", "a dense VAE on points", ToyConfig(),
                             TrainConfig(steps=200, batch_size=32, learning_rate=1e-2, decay_rate=1.0, log_every=10,
                                         eval_every=100, checkpoint_every=100, precision="fp32", seed=1))}


class DenseEncoder(Encoder):
    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.z_size = cfg.z_size
        self.net = nn.Sequential(nn.Linear(cfg.dim, cfg.hidden), nn.Tanh(), nn.Linear(cfg.hidden, 2 * cfg.z_size))

    def forward(self, x):
        mu, logvar = self.net(x).chunk(2, dim=-1)  # (B, Z) each
        return Posterior(mu, logvar)


class DenseDecoder(Decoder):
    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(cfg.z_size, cfg.hidden), nn.Tanh(), nn.Linear(cfg.hidden, cfg.dim))

    def forward(self, z, target, *, sampling_prob=0.0):
        return self.net(z)

    def reconstruction(self, outputs, target):
        return (outputs - target).pow(2).sum(dim=-1), {}

    def generate(self, z, *, temperature=1.0, generator=None):
        return self.net(z)


def build(cfg: ToyConfig) -> VAE:
    return VAE(DenseEncoder(cfg), DenseDecoder(cfg), max_beta=0.01)


def read_points(path: Path) -> np.ndarray:
    try:
        points = np.load(path, allow_pickle=False).astype(np.float32)
    except (OSError, ValueError) as e:
        raise MvaeError(f"{path}: not a .npy file of points ({e})") from None
    return points


class ToyTask:
    def __init__(self, cfg: ToyConfig, points: np.ndarray, preset: str):
        cut = int(0.8 * len(points))
        self.cfg, self.preset = cfg, preset
        self.train, self.eval = torch.from_numpy(points[:cut]), torch.from_numpy(points[cut:])

    def describe(self):
        return {"family": "toy", "preset": self.preset, "model": asdict(self.cfg)}

    def build_model(self):
        return build(self.cfg)

    def train_size(self):
        return len(self.train)

    def train_batch(self, indices, generator, device):
        return {"x": self.train[indices].to(device),
                "noise": torch.randn(len(indices), self.cfg.z_size, generator=generator).to(device)}

    def eval_batches(self, batch_size, limit, device):
        for i in range(0, min(limit, len(self.eval)), batch_size):
            chunk = self.eval[i:i + batch_size]
            yield {"x": chunk.to(device)}, len(chunk)

    def loss(self, model, batch, step, *, train):
        return model(batch["x"], batch["x"], step=step, sample_z=train, noise=batch.get("noise"))


@dataclass
class ToyModel:
    vae: VAE
    cfg: ToyConfig
    step: int
    name: str


class ToyFamily(Family):
    name = "toy"
    description = "a toy dense VAE on points"
    OPTIONS = {"sample": ("n", "seed")}
    EVAL_OPTIONS = ("limit",)

    def presets(self) -> Mapping[str, Preset]:
        return PRESETS

    def model_config_from_dict(self, d):
        return config_from_dict(ToyConfig, d)

    def task(self, preset, data):
        if data is None:
            raise MvaeError("a toy preset needs --data: a .npy file of points")
        return ToyTask(preset.model, read_points(data), preset.name)

    def load(self, checkpoint, name):
        cfg = self.model_config_from_dict(checkpoint.config["task"]["model"])
        vae = build(cfg)
        vae.load_state_dict(checkpoint.model)
        return ToyModel(vae.eval(), cfg, checkpoint.step, name)

    @torch.no_grad()
    def evaluate(self, model, data, *, device, progress, options):
        points = torch.from_numpy(read_points(data))
        points = points[int(0.8 * len(points)):][:options.get("limit")]
        posterior = model.vae.encoder(points)
        mse = float((model.vae.decoder.generate(posterior.mu) - points).pow(2).sum(dim=-1).mean())
        figures = {"model": model.name, "step": model.step, "points": len(points), "mse": mse,
                   "kl": float(posterior.kl().mean())}
        return Evaluation(figures, [f"{model.name}: mse {mse:.4f} on {len(points)} points"])

    @torch.no_grad()
    def sample(self, model, request: Request) -> Output:
        g = torch.Generator().manual_seed(request.get("seed", 0))
        z = torch.randn(request.get("n", 4), model.cfg.z_size, generator=g)
        points = model.vae.decoder.generate(z).numpy()
        path = atomic_write(Path(request.out) / "samples.npy", lambda f: np.save(f, points), overwrite=request.force)
        return Output([path], [f"{len(points)} points"])
