"""Where and in what precision to train: CUDA, then Apple MPS, then CPU; bf16 autocast where the
hardware has it, fp16 with a gradient scaler where it has only that, else fp32.

References: PyTorch's automatic mixed precision docs (torch.autocast, torch.amp.GradScaler); bf16 on
CPU needs AVX-512 BF16 or AMX (`torch.backends.mkldnn` reports it).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from musicvae_lite.errors import MvaeError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def pick_device(name: str = "auto") -> torch.device:
    """'auto' picks CUDA, then MPS, then CPU; anything else is checked and used as given."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise MvaeError(f"unknown device {name!r}; use auto, cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise MvaeError(f"--device {name}: no CUDA GPU is available here")
    if device.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise MvaeError(f"--device {name}: Apple MPS is not available here")
    return device


def cpu_has_bf16() -> bool:
    """Whether this CPU runs bf16 natively (AVX-512 BF16 or AMX), so bf16 autocast pays off."""
    probe = getattr(torch.backends.mkldnn, "is_bf16_supported", None)
    if probe is not None:
        try:
            return bool(probe())
        except Exception:  # older builds
            return False
    return bool(getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)())


@dataclass(frozen=True)
class Precision:
    """A resolved precision: the autocast dtype (None for fp32) and whether a gradient scaler is needed."""

    name: str  # fp32, bf16 or fp16
    dtype: torch.dtype | None
    scaler: bool

    def autocast(self, device: torch.device):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=self.dtype)


def pick_precision(name: str, device: torch.device) -> Precision:
    """'auto': bf16 on GPUs that support it and on CPUs with native bf16, fp16 + scaler on older GPUs,
    fp32 elsewhere."""
    if name not in PRECISIONS:
        raise MvaeError(f"unknown precision {name!r}; use one of {', '.join(PRECISIONS)}")
    if name == "auto":
        if device.type == "cuda":
            name = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        elif device.type == "cpu" and cpu_has_bf16():
            name = "bf16"
        else:
            name = "fp32"
    if name == "fp32":
        return Precision("fp32", None, False)
    if name == "bf16":
        return Precision("bf16", torch.bfloat16, False)
    if device.type == "cpu":
        raise MvaeError("fp16 autocast is for GPUs; use bf16 or fp32 on the CPU")
    return Precision("fp16", torch.float16, True)
