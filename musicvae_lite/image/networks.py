"""The image networks: dense and convolutional encoder/decoder bodies, and the U-Net used to restore
corrupted images. Bodies map tensors to tensors; autoencoder.py wraps them into encoders (a code or a
Gaussian posterior) and decoders (with a pixel likelihood).

References: pytorch/examples' vae/main.py (the dense VAE, 784-400-20); F. Chollet, "Building
Autoencoders in Keras" (2016), whose convolutional autoencoder the lesson uses (3x3 convolutions with
16, 8 and 8 filters, each followed by 2x2 max pooling, a 4x4x8 code, and the mirror image with
upsampling); Radford et al. 2016 (DCGAN: 4x4 stride-2 convolutions and transposed convolutions);
Ronneberger et al. 2015 (U-Net: an encoder-decoder with skip connections at each scale); Kim et al.
2016 (VDSR: the network predicts a residual added to its input).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def dense_encoder(image_size: int, hidden_sizes: Sequence[int]) -> tuple[nn.Module, int]:
    """Images (B, 1, S, S) -> features (B, F) through ReLU dense layers; returns (body, F)."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = image_size * image_size
    for size in hidden_sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers), width


def dense_decoder(image_size: int, z_size: int, hidden_sizes: Sequence[int]) -> nn.Module:
    """Codes (B, Z) -> output maps (B, 1, S, S) (logits or pixels) through ReLU dense layers."""
    layers: list[nn.Module] = []
    width = z_size
    for size in hidden_sizes:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers += [nn.Linear(width, image_size * image_size), nn.Unflatten(1, (1, image_size, image_size))]
    return nn.Sequential(*layers)


class LessonConvEncoder(nn.Module):
    """The lesson's convolutional encoder: (B, 1, 28, 28) -> a (B, c3, 4, 4) code.

    Three 3x3 'same' convolutions with ReLU (16, 8, 8 filters), each followed by 2x2 max pooling with
    Keras' 'same' padding (28 -> 14 -> 7 -> 4)."""

    def __init__(self, channels: Sequence[int] = (16, 8, 8)):
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)]
            c_in = c
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, c3, 4, 4) for 28 x 28 inputs


class LessonConvDecoder(nn.Module):
    """The lesson's decoder: a (B, c3, 4, 4) code -> (B, 1, 28, 28) output maps.

    3x3 convolutions with ReLU (8, 8, then 16 filters, the last one unpadded so 16 -> 14), each
    followed by 2x upsampling (4 -> 8 -> 16 -> 14 -> 28), then a 3x3 convolution to one channel."""

    def __init__(self, channels: Sequence[int] = (16, 8, 8)):
        super().__init__()
        c16, c8a, c8b = channels
        self.net = nn.Sequential(
            nn.Conv2d(c8b, c8b, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),  # 4 -> 8
            nn.Conv2d(c8b, c8a, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),  # 8 -> 16
            nn.Conv2d(c8a, c16, 3), nn.ReLU(), nn.Upsample(scale_factor=2),  # 16 -> 14 -> 28
            nn.Conv2d(c16, 1, 3, padding=1))

    def forward(self, code: Tensor) -> Tensor:
        return self.net(code)  # (B, 1, 28, 28)


class StridedConvEncoder(nn.Module):
    """(B, 1, S, S) -> features (B, F): per stage a 3x3 convolution and a 4x4 stride-2 convolution
    halving the size (DCGAN style), then one dense layer; it mirrors StridedConvDecoder."""

    def __init__(self, image_size: int, channels: Sequence[int], hidden: int):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, size = 1, image_size
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 4, stride=2, padding=1), nn.ReLU()]
            c_in, size = c, size // 2
        layers += [nn.Flatten(), nn.Linear(c_in * size * size, hidden), nn.ReLU()]
        self.net = nn.Sequential(*layers)
        self.output_size = hidden

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, hidden)


class StridedConvDecoder(nn.Module):
    """Codes (B, Z) -> output maps (B, 1, S, S): dense layers to a (C, S / 2^n, S / 2^n) map, then per
    stage a 4x4 stride-2 transposed convolution doubling the size and a 3x3 convolution refining it
    (the last one gives the single output channel)."""

    def __init__(self, image_size: int, z_size: int, channels: Sequence[int], hidden: int):
        super().__init__()
        channels = list(channels)[::-1]  # widest first
        base = image_size // 2 ** len(channels)
        layers: list[nn.Module] = [nn.Linear(z_size, hidden), nn.ReLU(),
                                   nn.Linear(hidden, channels[0] * base * base), nn.ReLU(),
                                   nn.Unflatten(1, (channels[0], base, base))]
        for c, c_next in zip(channels, channels[1:] + [1]):
            layers += [nn.ConvTranspose2d(c, c, 4, stride=2, padding=1), nn.ReLU(), nn.Conv2d(c, c_next, 3, padding=1)]
            if c_next != 1:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)  # (B, 1, S, S)


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two 3x3 convolutions, each with batch normalization and ReLU (as DnCNN, Zhang et al. 2017)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                         nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


class UNet(nn.Module):
    """A small U-Net predicting a residual: (B, 1, S, S) corrupted images -> (B, 1, S, S) restored
    pixels, input + correction.

    The image is first rearranged into `fold` x `fold` sub-images stacked as channels (FFDNet's
    reversible downsampling, Zhang et al. 2018), which cuts the cost by fold^2 at equal width; fold 1
    keeps a first level at full resolution, which denoising needs (0.4 dB better after one epoch). Each
    level is two 3x3 convolutions; going down halves the size (2x2 max pooling), going up doubles it
    (2x2 stride-2 transposed convolution) and concatenates the matching level's features. Images whose
    side is not a multiple of fold * 2^(levels - 1) are padded (edge pixels repeated) and cropped back."""

    def __init__(self, channels: Sequence[int] = (32, 64), fold: int = 2):
        super().__init__()
        channels = list(channels)
        self.fold = fold
        self.unshuffle = nn.PixelUnshuffle(fold)
        self.shuffle = nn.PixelShuffle(fold)
        self.down = nn.ModuleList()
        c_in = fold * fold
        for c in channels:
            self.down.append(_conv_block(c_in, c))
            c_in = c
        self.pool = nn.MaxPool2d(2)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for c_low, c_high in zip(channels[::-1], channels[-2::-1]):
            self.up.append(nn.ConvTranspose2d(c_low, c_high, 2, stride=2))
            self.merge.append(_conv_block(2 * c_high, c_high))
        self.out = nn.Conv2d(channels[0], fold * fold, 1)
        nn.init.zeros_(self.out.weight)  # start as the identity: output = input
        nn.init.zeros_(self.out.bias)

    def forward(self, x: Tensor) -> Tensor:
        H, W = x.shape[-2:]
        multiple = self.fold * 2 ** (len(self.down) - 1)
        pad_h, pad_w = -H % multiple, -W % multiple
        padded = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate") if pad_h or pad_w else x  # (B, 1, H', W')
        skips = []
        h = self.unshuffle(padded)  # (B, fold^2, H' / fold, W' / fold)
        for i, block in enumerate(self.down):
            h = block(h if i == 0 else self.pool(h))  # (B, C_i, S / 2^i, S / 2^i)
            skips.append(h)
        for up, merge, skip in zip(self.up, self.merge, skips[-2::-1]):
            h = merge(torch.cat([up(h), skip], dim=1))
        return x + self.shuffle(self.out(h))[..., :H, :W]  # (B, 1, H, W)
