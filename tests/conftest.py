"""Test-wide settings: tiny models run fastest on one thread (and do not fight other processes)."""

import torch

torch.set_num_threads(1)
