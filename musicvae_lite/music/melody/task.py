"""Training a melody VAE with the generic trainer: batches of windows with random transposition,
MusicVAE's scheduled sampling, and the named loss terms."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.errors import MvaeError
from musicvae_lite.music.networks.code_training import code_loss
from musicvae_lite.music.melody.data import MelodyData, transpose_with_shift
from musicvae_lite.music.melody.model import build_melody_vae, model_config_to_dict
from musicvae_lite.music.melody.names import FAMILY
from musicvae_lite.music.melody.presets import MelodyModelConfig
from musicvae_lite.music.sequence_task import SequenceTask


KEY_APART = 5  # key_from_chords: the most semitones between what the encoder reads and what the decoder writes


class MelodyTask(SequenceTask):
    """A `TrainTask` (core/trainer.py) for melody VAEs."""

    family = FAMILY
    build = staticmethod(build_melody_vae)
    config_to_dict = staticmethod(model_config_to_dict)

    def __init__(self, model: MelodyModelConfig, data: MelodyData | list[MelodyData], preset: str = "custom"):
        self.model_cfg = model
        groups = data if isinstance(data, list) else [data]
        if len(groups) > 1 and not model.meter_controls:
            raise MvaeError("windows of several bar lengths train a model that reads the meter "
                            "(--set meter_controls=true)")
        self.data = groups[0]
        self.preset = preset
        self.source = groups[0].source
        self._groups = [MeterGroup.of(g.train, g.train_meter, model, g.train_chords) for g in groups]
        self._eval_groups = [MeterGroup.of(g.eval, g.eval_meter, model, g.eval_chords) for g in groups]
        self._train = self._groups[0].events  # (N, T) int64: the first (largest) group, as SequenceTask has it
        self._eval = self._eval_groups[0].events

    def train_size(self) -> int:
        return sum(len(g.events) for g in self._groups)

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        """Transposed windows and the posterior's noise, both drawn from `generator` (so data-parallel
        shards of one global batch see exactly what a single process would). With windows of several
        lengths a batch is of one length: the group of the first index (so a group is chosen in proportion
        to its size), or with `meter_balance` b != 1 a group drawn in proportion to size**b; its windows
        drawn uniformly from that group."""
        group, first = self._groups[0], int(indices[0])
        if len(self._groups) > 1:
            balance = self.model_cfg.meter_balance
            if balance != 1.0:
                sizes = torch.tensor([float(len(g.events)) for g in self._groups])
                group = self._groups[int(torch.multinomial(sizes.pow(balance), 1, generator=generator))]
            else:
                for group in self._groups:
                    if first < len(group.events):
                        break
                    first -= len(group.events)
            indices = torch.randint(len(group.events), (len(indices),), generator=generator)
        events, shift = transpose_with_shift(group.events[indices], self.model_cfg.transpose, generator)  # (B, T)
        noise = self.noise(len(indices), generator)  # (B, Z)
        batch = {"events": events.to(device, non_blocking=True), "noise": noise.to(device, non_blocking=True)}
        if self.model_cfg.control_size:
            hide = None
            if self.model_cfg.chord_controls:  # drawn even at dropout 0, so that a run's batches do not depend on it
                hide = torch.rand(len(indices), generator=generator) < self.model_cfg.chord_dropout  # (B,)
            batch["controls"] = group.controls_of(indices, shift, hide).to(device, non_blocking=True)
            if self.model_cfg.key_from_chords:
                batch.update(self._read_apart(group, indices, events, shift, hide, generator, device))
        return batch

    def _read_apart(self, group: MeterGroup, indices: Tensor, events: Tensor, shift: Tensor, hide: Tensor,
                    generator: torch.Generator, device: torch.device) -> dict[str, Tensor]:
        """`key_from_chords`: what the encoder reads instead of the decoder's target, where the window's chords are
        given (not UNKNOWN, not hidden): the target and its chords moved again, by up to KEY_APART semitones
        either way, so that the code's key says nothing certain of the target's and the decoder learns the key
        from the chords; the window as the decoder writes it where they are not given. Within 5 semitones the
        code's register and the chords' pitch classes name one pitch (further apart, a code's C and a chord's G
        could mean the G below or the G above)."""
        from musicvae_lite.music.chords import UNKNOWN

        other, apart = transpose_with_shift(events, KEY_APART, generator)
        given = (group.chords[indices] != UNKNOWN).any(dim=1) & ~hide  # (B,)
        inputs = torch.where(given[:, None], other, events)
        enc_shift = torch.where(given, shift + apart, shift)
        return {"inputs": inputs.to(device, non_blocking=True),
                "encoder_controls": group.controls_of(indices, enc_shift, hide).to(device, non_blocking=True)}

    def eval_batches(self, batch_size: int, limit: int, device: torch.device):
        """Held-out windows spread evenly through each group, the groups sharing `limit` by size."""
        from musicvae_lite.music.sources import spread_indices

        total = sum(len(g.events) for g in self._eval_groups)
        for group in self._eval_groups:
            share = len(group.events) if total <= limit else round(limit * len(group.events) / total)
            keep = torch.from_numpy(spread_indices(len(group.events), share))
            for i in range(0, len(keep), batch_size):
                chunk = keep[i:i + batch_size]
                batch = {"events": group.events[chunk].to(device)}
                if self.model_cfg.control_size:
                    batch["controls"] = group.controls_of(chunk).to(device)
                yield batch, len(chunk)

    def loss(self, model: nn.Module, batch: dict[str, Tensor], step: int, *, train: bool) -> dict[str, Tensor]:
        """Training: z sampled with the batch's noise, scheduled sampling on. Evaluation: z = mu, no sampling."""
        p = self.sampling(step, train)
        x = batch["events"]
        if self.model_cfg.train_on_codes:
            if isinstance(model, nn.parallel.DistributedDataParallel):  # its loss bypasses the wrapper's forward
                raise MvaeError("train_on_codes trains in one process (about 1 s a step on one CPU core): "
                                "run mvae train without torchrun")
            terms = code_loss(model, x, step=step, sample_z=train, noise=batch.get("noise"),
                              controls=batch.get("controls"))
        else:
            terms = model(batch.get("inputs", x), x, step=step, sampling_prob=p, sample_z=train,
                          noise=batch.get("noise"), controls=batch.get("controls"),
                          encoder_controls=batch.get("encoder_controls"))
        if train:
            terms["sampling_prob"] = torch.tensor(p)
        return terms


class MeterGroup:
    """Windows of one length with what a model reads beside their steps: for a model that reads the meter, each
    window's meter as an index into a table of per-step controls (music/meter.py `metric_controls`); for one
    that reads chords, each window's chord per step (music/chord_controls.py; UNKNOWN where not given)."""

    def __init__(self, events: Tensor, meter_index: Tensor | None, table: Tensor | None,
                 chords: Tensor | None = None):
        self.events = events  # (N, T) int64
        self.meter_index = meter_index  # (N,) int64 into table
        self.table = table  # (M, T, K) float32; None for a model that reads no meter
        self.chords = chords  # (N, T) int64 chord classes; None for a model that reads no chords

    @classmethod
    def of(cls, events: np.ndarray, meters: np.ndarray | None, model: MelodyModelConfig,
           chords: np.ndarray | None = None) -> MeterGroup:
        tensor = torch.from_numpy(events.astype(np.int64))
        index = table = chord_tensor = None
        if model.meter_controls:
            from musicvae_lite.music.meter import DEFAULT_METER, controls_table

            labels = meters if meters is not None else np.full(len(events), DEFAULT_METER.label)
            table_np, index_np = controls_table(labels, events.shape[1])
            index, table = torch.from_numpy(index_np), torch.from_numpy(table_np)
        if model.chord_controls:
            from musicvae_lite.music.chord_controls import unknown_chords

            given = chords if chords is not None else unknown_chords(*events.shape)
            chord_tensor = torch.from_numpy(given.astype(np.int64))
        return cls(tensor, index, table, chord_tensor)

    def controls_of(self, indices: Tensor, shift: Tensor | None = None, hide: Tensor | None = None) -> Tensor:
        """(B, T, K) controls of the windows at `indices`: the meter's, then the chords' moved by `shift` (B,)
        semitones (the melody's transposition), all zeros for the windows `hide` (B,) bool marks."""
        parts = [] if self.table is None else [self.table[self.meter_index[indices]]]
        if self.chords is not None:
            from musicvae_lite.music.chord_controls import chord_features_t, transpose_classes_t

            chords = self.chords[indices]  # (B, T)
            if shift is not None:
                chords = transpose_classes_t(chords, shift)
            features = chord_features_t(chords)  # (B, T, CHORD_SIZE)
            if hide is not None:
                features = features * (~hide).to(features.dtype)[:, None, None]
            parts.append(features)
        return torch.cat(parts, dim=-1)
