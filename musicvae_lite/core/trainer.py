"""One generic trainer for every model here: device and precision, the optimization loop with its
schedules, periodic evaluation, logging (progress bar, CSV, TensorBoard when installed), checkpoints
and exact resumption, data-parallel training under torchrun, and clean stops.

Nothing here knows about music or images (after minGPT's Trainer: "nothing in this file really has
anything to do with GPT"). A model family plugs in through a `TrainTask`: it builds the model, turns
example indices into a batch (applying its augmentation or input corruption), and computes the named
loss terms. Schedules are MusicVAE's (see schedules.py).

Randomness is drawn from generators the checkpoint carries (batch order and augmentation from the
trainer's own generator; everything else from the global RNGs, whose states are saved too), so a run
resumed from step N continues exactly as if it had never stopped (on CPU; GPUs add their own
non-determinism). Data-parallel replicas draw the same global batch of indices and each takes its
slice, so N processes on batch B follow one process on batch B.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn

from musicvae_lite.core import checkpoint as ckpt
from musicvae_lite.core.config import TrainConfig
from musicvae_lite.core.device import Precision, pick_device, pick_precision
from musicvae_lite.core.schedules import clip_gradients, learning_rate
from musicvae_lite.errors import MvaeError


class TrainingError(MvaeError):
    """Training cannot start or had to stop (non-finite loss, too little data, bad resume)."""


class TrainTask(Protocol):
    """What the trainer needs from a model family."""

    def describe(self) -> dict:
        """JSON-able settings that rebuild the model (stored in every checkpoint)."""

    def build_model(self) -> nn.Module:
        """A freshly initialized model (the trainer seeds torch first)."""

    def train_size(self) -> int:
        """Number of training examples."""

    def train_batch(self, indices: Tensor, generator: torch.Generator, device: torch.device) -> Any:
        """The training batch for these example indices (a tensor, or a dict/tuple of tensors whose
        first dimension is the batch); all its randomness draws from `generator`."""

    def eval_batches(self, batch_size: int, limit: int, device: torch.device) -> Iterable[tuple[Any, int]]:
        """Held-out batches (batch, number of examples), at most `limit` examples, in a fixed order."""

    def loss(self, model: nn.Module, batch: Any, step: int, *, train: bool) -> dict[str, Tensor]:
        """Named loss terms, `loss` first; every other entry is a scalar metric to log."""


@dataclass
class TrainResult:
    """How a `fit` ended."""

    step: int  # optimizer steps completed
    checkpoint: Path | None  # the newest checkpoint
    eval_metrics: dict[str, float] = field(default_factory=dict)  # the last evaluation
    interrupted: bool = False  # stopped by Ctrl-C (after saving)
    seconds: float = 0.0
    start_step: int = 0  # the step this call started from (a resumed run's checkpoint step)
    main_process: bool = True  # False on the other ranks of a data-parallel run

    @property
    def trained(self) -> int:
        """Optimizer steps this call took."""
        return self.step - self.start_step


class _Distributed:
    """torchrun's environment: rank, world size; NCCL on GPUs, gloo on CPUs."""

    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.enabled = self.world > 1

    def start(self, device: torch.device) -> None:
        if self.enabled and not torch.distributed.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            torch.distributed.init_process_group(backend)

    def stop(self) -> None:
        if self.enabled and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()

    @property
    def main(self) -> bool:
        return self.rank == 0


class _StopFlag:
    """First Ctrl-C: finish the current step, save, stop. A second one interrupts at once."""

    def __init__(self) -> None:
        self.requested = False
        self._previous = None

    def __enter__(self) -> _StopFlag:
        if threading_main():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


class MetricsLog:
    """metrics.csv in long form (step, split, name, value), and TensorBoard when it is installed."""

    def __init__(self, run_dir: Path, enabled: bool) -> None:
        self.enabled = enabled
        self.path = run_dir / "metrics.csv"
        self.tb = None
        if not enabled:
            return
        new = not self.path.exists()
        self._file = open(self.path, "a", newline="")
        self._csv = csv.writer(self._file)
        if new:
            self._csv.writerow(["step", "split", "name", "value"])
        try:
            from torch.utils.tensorboard import SummaryWriter

            self.tb = SummaryWriter(str(run_dir / "tensorboard"))
        except Exception:  # tensorboard is optional
            self.tb = None

    def write(self, step: int, split: str, values: dict[str, float]) -> None:
        if not self.enabled:
            return
        for name, value in values.items():
            self._csv.writerow([step, split, name, f"{value:.6g}"])
            if self.tb is not None:
                self.tb.add_scalar(f"{split}/{name}", value, step)
        self._file.flush()

    def close(self) -> None:
        if self.enabled:
            self._file.close()
            if self.tb is not None:
                self.tb.close()


def _shard(batch: Any, part: slice) -> Any:
    """This process's rows of a global batch: a tensor, or a dict or tuple of them."""
    if isinstance(batch, Tensor):
        return batch[part]
    if isinstance(batch, dict):
        return {k: _shard(v, part) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return type(batch)(_shard(v, part) for v in batch)
    raise TypeError(f"cannot split a batch of type {type(batch).__name__} across processes")


def grown_inputs(fresh: dict[str, Tensor], weights: dict[str, Tensor]) -> dict[str, Tensor]:
    """`weights` fitted to a model whose input layers read more features than they did (a melody model
    fine-tuned to read the meter beside its events): a matrix that matches but for fewer input columns gets
    zero columns appended, so that the grown model starts out computing exactly what the old one did. When the
    grown model has every tensor the old one had and more (a chord model's direct chord-to-output layer), the
    new ones keep their fresh initialization; weights of another model (names the fresh one lacks) are left
    as they are, for loading to refuse."""
    out = dict(weights)
    if set(weights) <= set(fresh):
        out.update({name: tensor for name, tensor in fresh.items() if name not in weights})
    for name, old in weights.items():
        new = fresh.get(name)
        if (new is not None and old.ndim == 2 and new.ndim == 2 and old.shape[0] == new.shape[0]
                and old.shape[1] < new.shape[1]):
            out[name] = torch.cat([old.to(new.dtype), old.new_zeros(old.shape[0], new.shape[1] - old.shape[1])
                                   .to(new.dtype)], dim=1)
    return out


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _scalars(terms: dict[str, Tensor]) -> dict[str, float]:
    return {k: float(v.detach().float()) for k, v in terms.items()}


class Trainer:
    """Trains a `TrainTask`'s model into `run_dir` (checkpoints, metrics.csv, config.json)."""

    def __init__(self, task: TrainTask, cfg: TrainConfig, run_dir: str | Path, *, resume: bool = False,
                 progress: bool = True, init_weights: dict[str, Tensor] | None = None,
                 threads: str | int | None = None) -> None:
        self.task = task
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.init_weights = init_weights  # start from these weights (fine-tuning) instead of a fresh init
        self.progress = progress
        self.threads = threads  # None: leave torch's setting; "auto" or a number: see core/threads.py
        self.dist = _Distributed()
        self._comm_device = torch.device("cpu")  # where collective flags live: the training device

    # -- set-up ----------------------------------------------------------------------------------

    def _check_run_dir(self) -> None:
        existing = ckpt.CheckpointManager(self.run_dir).latest() if self.run_dir.exists() else None
        if existing is not None and not self.resume:
            raise TrainingError(f"{self.run_dir} already holds a training run (newest checkpoint "
                                f"{existing.name}); use --resume to continue it, or another folder")
        if self.resume and existing is None:
            raise TrainingError(f"--resume: no checkpoint in {self.run_dir}")

    def _global_batch(self) -> int:
        b, n = self.cfg.batch_size, self.task.train_size()
        if b < 1:
            raise TrainingError(f"batch size must be at least 1, got {b}")
        if n < b:
            raise TrainingError(f"the training set has {n} examples, fewer than one batch of {b}; "
                                f"use --batch-size {n} or less, or more data")
        if b % self.dist.world:
            raise TrainingError(f"batch size {b} does not split evenly over {self.dist.world} processes")
        return b

    # -- the loop --------------------------------------------------------------------------------

    def fit(self) -> TrainResult:
        cfg = self.cfg
        t0 = time.perf_counter()
        device = pick_device(cfg.device)
        if self.dist.enabled and device.type == "cuda":
            device = torch.device("cuda", self.dist.local_rank)
            torch.cuda.set_device(device)
        precision = pick_precision(cfg.precision, device)
        batch_size = self._global_batch()
        governor = None
        if self.threads is not None and device.type == "cpu":
            from musicvae_lite.core.threads import ThreadGovernor, parse_threads, use_threads

            try:
                auto = parse_threads(self.threads) is None
            except ValueError:
                raise TrainingError(f"threads must be 'auto' or a positive number, got {self.threads!r}") from None
            use_threads(self.threads)
            governor = ThreadGovernor() if auto else None
        if self.dist.main:
            self._check_run_dir()
            self.run_dir.mkdir(parents=True, exist_ok=True)
        self.dist.start(device)
        self._comm_device = device
        try:
            return self._fit(device, precision, batch_size, t0, governor)
        finally:
            self.dist.stop()

    def _fit(self, device: torch.device, precision: Precision, batch_size: int, t0: float,
             governor=None) -> TrainResult:
        cfg, task = self.cfg, self.task
        seed_everything(cfg.seed)
        model = task.build_model().to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
        scaler = torch.amp.GradScaler(device.type) if precision.scaler else None
        batches = torch.Generator().manual_seed(cfg.seed)
        manager = ckpt.CheckpointManager(self.run_dir, keep_last=cfg.keep_last)
        step, latest = self._start(model, optimizer, scaler, batches, manager)
        start_step = step
        trained = model
        if self.dist.enabled:
            trained = nn.parallel.DistributedDataParallel(
                model, device_ids=[device.index] if device.type == "cuda" else None)
        self._write_config(precision, device)
        log = MetricsLog(self.run_dir, self.dist.main)
        bar = self._bar(step)
        n = task.train_size()
        local = batch_size // self.dist.world
        eval_metrics: dict[str, float] = {}
        interrupted = False

        def save(metric: float | None = None) -> Path | None:
            self._check_replicas(model)
            if not self.dist.main:
                return None
            return manager.save(step, config={"task": task.describe(), "train": asdict(cfg)},
                                model=model.state_dict(), optimizer=optimizer.state_dict(),
                                extra={"batch_generator": batches.get_state(),
                                       **({"grad_scaler": scaler.state_dict()} if scaler is not None else {})},
                                rng=ckpt.rng_state(),
                                metrics=eval_metrics, metric=metric)

        with _StopFlag() as stop:
            try:
                while step < cfg.steps:
                    if governor is not None:
                        governor.tick()
                    lr = learning_rate(step, cfg.learning_rate, cfg.decay_rate, cfg.min_learning_rate)
                    for group in optimizer.param_groups:
                        group["lr"] = lr
                    indices = torch.randperm(n, generator=batches)[:batch_size]
                    batch = task.train_batch(indices, batches, device)  # the global batch, on every rank
                    if self.dist.enabled:
                        batch = _shard(batch, slice(self.dist.rank * local, (self.dist.rank + 1) * local))
                    model.train()
                    with precision.autocast(device):
                        terms = task.loss(trained, batch, step, train=True)
                    loss = terms["loss"]
                    bad_loss, stop_now = self._agree(not bool(torch.isfinite(loss.detach())), stop.requested)
                    if bad_loss:
                        where = f"; the last good checkpoint is {latest}" if latest else ""
                        raise TrainingError(f"the loss became {float(loss.detach())} at step {step}; training stopped"
                                            f"{where} (try a lower learning rate or --precision fp32)")
                    grad_norm = self._update(model, loss, optimizer, scaler)
                    step += 1
                    values = _scalars(terms)
                    bar.update(1)
                    bar.set_postfix_str(self._postfix(values), refresh=False)
                    if step % cfg.log_every == 0 or step == cfg.steps:
                        log.write(step, "train", {**values, "lr": lr, "grad_norm": grad_norm})
                    due_eval = step == cfg.steps or (cfg.eval_every and step % cfg.eval_every == 0)
                    if due_eval:
                        eval_metrics = self.evaluate(model, device, precision, step)
                        log.write(step, "eval", eval_metrics)
                    if step == cfg.steps or step % cfg.checkpoint_every == 0 or stop_now:
                        latest = save(eval_metrics.get("loss") if due_eval else None) or latest
                    if stop_now:
                        interrupted = True
                        break
            except KeyboardInterrupt:  # a second Ctrl-C: the step in flight is lost, the model is not
                interrupted = True
                latest = save() or latest
            finally:
                bar.close()
                log.close()
        return TrainResult(step, latest, eval_metrics, interrupted, time.perf_counter() - t0, start_step,
                           self.dist.main)

    def _start(self, model: nn.Module, optimizer, scaler, batches: torch.Generator,
               manager) -> tuple[int, Path | None]:
        """Where training starts: the starting weights (`--warm-start`), or the run's latest checkpoint when
        resuming (weights, optimizer, batch order, loss scale, random state). Returns (step, checkpoint)."""
        if self.init_weights is not None and not self.resume:
            try:
                model.load_state_dict(grown_inputs(model.state_dict(), self.init_weights))
            except RuntimeError as e:
                first = str(e).strip().splitlines()[1:2] or [str(e)]
                raise TrainingError(f"the starting weights do not fit this model: {first[0].strip()}") from None
        if not self.resume:
            return 0, None
        latest = manager.latest()
        state = ckpt.load_checkpoint(latest, map_location="cpu")
        model.load_state_dict(state.model)
        optimizer.load_state_dict(state.optimizer)
        batches.set_state(state.extra["batch_generator"])
        if scaler is not None and "grad_scaler" in state.extra:
            scaler.load_state_dict(state.extra["grad_scaler"])
        ckpt.set_rng_state(state.rng)
        return state.step, latest

    def _write_config(self, precision: Precision, device: torch.device) -> None:
        """The run folder's config.json (what `families` reads a run's family from), by the main process."""
        if self.dist.main:
            config = {"task": self.task.describe(), "train": asdict(self.cfg), "precision": precision.name,
                      "device": str(device), "world_size": self.dist.world}
            (self.run_dir / "config.json").write_text(json.dumps(config, indent=2))

    def _update(self, model: nn.Module, loss: torch.Tensor, optimizer, scaler) -> float:
        """One optimizer step on `loss` (scaled when mixed precision needs it), gradients clipped; returns
        their norm before clipping."""
        optimizer.zero_grad(set_to_none=True)
        if scaler is None:
            loss.backward()
            grad_norm = clip_gradients(model.parameters(), self.cfg.grad_clip)
            optimizer.step()
            return grad_norm
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = clip_gradients(model.parameters(), self.cfg.grad_clip)
        scaler.step(optimizer)
        scaler.update()
        return grad_norm

    def _agree(self, *flags: bool) -> tuple[bool, ...]:
        """Flags that any process raised, known to all (so that every replica stops at the same step)."""
        if not self.dist.enabled:
            return flags
        t = torch.tensor([float(f) for f in flags], device=self._comm_device)  # NCCL needs GPU tensors
        torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
        return tuple(bool(v) for v in t.tolist())

    @torch.no_grad()
    def _check_replicas(self, model: nn.Module) -> None:
        """Data-parallel replicas must hold the same weights; compare a fingerprint of them at each save."""
        if not self.dist.enabled:
            return
        mine = torch.stack([torch.stack([p.double().sum(), (p.double() * p.double()).sum()])
                            for p in model.parameters()]).flatten().to(self._comm_device)
        every = [torch.zeros_like(mine) for _ in range(self.dist.world)]
        torch.distributed.all_gather(every, mine)
        if any(not torch.equal(every[0], other) for other in every[1:]):
            raise TrainingError("data-parallel replicas diverged; training stopped")

    @torch.no_grad()
    def evaluate(self, model: nn.Module, device: torch.device, precision: Precision, step: int) -> dict[str, float]:
        """The task's loss terms averaged over (a bounded part of) the held-out data, weighted as the
        training loss is at `step` (the KL weight anneals); `train=False` lets the task turn off its
        training-time randomness (scheduled sampling, z sampling)."""
        model.eval()
        sums: dict[str, float] = {}
        count = 0
        for batch, size in self.task.eval_batches(self.cfg.batch_size, self.cfg.eval_examples, device):
            with precision.autocast(device):
                terms = _scalars(self.task.loss(model, batch, step, train=False))
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + v * size
            count += size
        model.train()
        return {k: v / count for k, v in sums.items()} if count else {}

    # -- display ---------------------------------------------------------------------------------

    def _bar(self, start: int):
        from tqdm import tqdm

        return tqdm(total=self.cfg.steps, initial=start, unit="step", dynamic_ncols=True, desc="training",
                    disable=not (self.progress and self.dist.main))

    @staticmethod
    def _postfix(values: dict[str, float]) -> str:
        parts = [f"loss {values['loss']:.3f}"]
        if "accuracy" in values:
            parts.append(f"acc {values['accuracy']:.3f}")
        if "kl_bits" in values:
            parts.append(f"kl {values['kl_bits']:.1f} bits")
        return ", ".join(parts)
