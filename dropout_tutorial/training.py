"""The training loop: explicit, readable, and as fast as a bare loop.

``fit`` trains a classifier on tensors that already live on the device. Each epoch the
training set is permuted once (one gather) and minibatches are contiguous slices of it,
so there is no per-sample ``Dataset`` and no host-device copy in the hot loop. The loss
is accumulated on the device and read once per epoch.

Schedules are per epoch, as in Hinton et al. (2012), Appendix A:

* learning rate :math:`\\epsilon_e = \\epsilon_0 f^e`;
* momentum rising linearly from ``momentum_start`` to ``momentum`` over
  ``momentum_epochs`` epochs, then constant;
* with ``scale_grad_by_momentum`` the step is :math:`(1 - m_e)\\,\\epsilon_e` times the
  gradient, Hinton's :math:`\\Delta w_t = m\\,\\Delta w_{t-1} - (1-m)\\,\\epsilon\\,\\nabla L`.
  It is exact while lr and momentum are constant; PyTorch's SGD applies the current
  rate to the whole velocity, so at an epoch boundary the old velocity is rescaled by the
  ratio of consecutive rates (a factor of about :math:`f \\approx 0.998`).

After every step, ``max_norm`` rescales each unit's incoming weight vector (each row of
a ``Linear`` weight, each filter of a convolution) to an L2 norm of at most ``max_norm``.
A checkpoint (model, optimizer, history, every random state) is written atomically after
each epoch, and ``fit`` resumes from it bit for bit.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from .data import TensorSplit

__all__ = ["TrainConfig", "fit", "evaluate", "apply_max_norm", "epoch_schedule",
           "make_optimizer", "progress_enabled"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Defaults are a plain SGD run; see the chapters for the papers' values.

    Attributes:
        epochs: passes over the training set.
        batch_size: examples per update (Hinton 2012 and Srivastava 2014 use 100).
        optimizer: ``"sgd"`` or ``"adam"``.
        lr: initial learning rate :math:`\\epsilon_0`.
        lr_decay: factor :math:`f` applied to the learning rate after every epoch.
        momentum: final momentum (SGD) .
        momentum_start: momentum at epoch 0; ``None`` means constant ``momentum``.
        momentum_epochs: epochs of the linear momentum ramp.
        scale_grad_by_momentum: multiply the step by :math:`1 - m` (Hinton 2012).
        weight_decay: L2 coefficient passed to the optimizer (0 = none).
        max_norm: bound on each unit's incoming weight norm (``None`` = unconstrained).
        betas: Adam's coefficients.
    """

    epochs: int = 10
    batch_size: int = 100
    optimizer: str = "sgd"
    lr: float = 0.1
    lr_decay: float = 1.0
    momentum: float = 0.0
    momentum_start: float | None = None
    momentum_epochs: int = 0
    scale_grad_by_momentum: bool = False
    weight_decay: float = 0.0
    max_norm: float | None = None
    betas: tuple[float, float] = (0.9, 0.999)

    def __post_init__(self):
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got optimizer={self.optimizer!r}")
        for name in ("epochs", "batch_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {name}={value!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"lr must be finite and > 0, got lr={self.lr!r}")
        if not 0 < self.lr_decay <= 1:
            raise ValueError(f"lr_decay must be in (0, 1], got lr_decay={self.lr_decay!r}")
        for name in ("momentum", "momentum_start"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < 1:
                raise ValueError(f"{name} must be in [0, 1), got {name}={value!r}")
        if self.max_norm is not None and not self.max_norm > 0:
            raise ValueError(f"max_norm must be > 0 or None, got max_norm={self.max_norm!r}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got weight_decay={self.weight_decay!r}")


def epoch_schedule(config: TrainConfig, epoch: int) -> tuple[float, float]:
    """Return ``(step_size, momentum)`` for a 0-based ``epoch``."""
    momentum = config.momentum
    if config.momentum_start is not None and config.momentum_epochs > 0:
        frac = min(1.0, epoch / config.momentum_epochs)
        momentum = config.momentum_start + frac * (config.momentum - config.momentum_start)
    lr = config.lr * config.lr_decay ** epoch
    if config.scale_grad_by_momentum:
        lr *= 1.0 - momentum
    return lr, momentum


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """The optimizer named by ``config`` over all of ``model``'s parameters."""
    lr, momentum = epoch_schedule(config, 0)
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr, betas=config.betas,
                                weight_decay=config.weight_decay)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum,
                           weight_decay=config.weight_decay)


@torch.no_grad()
def apply_max_norm(layers: list[nn.Module], max_norm: float) -> None:
    """Rescale each unit's incoming weights (dim 0 of the weight) to norm <= ``max_norm``."""
    for layer in layers:
        w = layer.weight
        norms = w.reshape(w.shape[0], -1).norm(dim=1)
        scale = (max_norm / norms).clamp_(max=1.0)
        w.mul_(scale.view(-1, *([1] * (w.dim() - 1))))


def _constrained_layers(model: nn.Module) -> list[nn.Module]:
    return [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d,
                                                         nn.Conv3d))]


@torch.no_grad()
def evaluate(model: nn.Module, data: TensorSplit, *, batch_size: int = 10_000,
             loss_fn: LossFn = F.cross_entropy) -> dict[str, float]:
    """Mean loss and classification error (a fraction) of ``model`` in eval mode."""
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), device=data.x.device)
    wrong = torch.zeros((), device=data.x.device, dtype=torch.long)
    for i in range(0, len(data), batch_size):
        xb, yb = data.x[i:i + batch_size], data.y[i:i + batch_size]
        out = model(xb)
        loss_sum += loss_fn(out, yb) * len(xb)
        wrong += (out.argmax(dim=1) != yb).sum()
    model.train(was_training)
    n = len(data)
    return {"loss": loss_sum.item() / n, "error": wrong.item() / n}


def progress_enabled(progress: bool | None) -> bool:
    """Progress bars are shown unless disabled, or ``CI`` / ``DROPOUT_TUTORIAL_QUIET`` is set."""
    if progress is not None:
        return progress
    return not (os.environ.get("CI") or os.environ.get("DROPOUT_TUTORIAL_QUIET"))


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _rng_states(generator: torch.Generator) -> dict:
    states = {"torch": torch.get_rng_state(), "shuffle": generator.get_state()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _restore_rng(states: dict, generator: torch.Generator) -> None:
    torch.set_rng_state(states["torch"])
    generator.set_state(states["shuffle"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def fit(model: nn.Module, train: TensorSplit, config: TrainConfig, *,
        eval_sets: dict[str, TensorSplit] | None = None,
        generator: torch.Generator, checkpoint: str | Path | None = None,
        loss_fn: LossFn = F.cross_entropy,
        regularizer: Callable[[nn.Module], torch.Tensor] | None = None,
        progress: bool | None = None, desc: str = "train") -> dict[str, list[float]]:
    """Train ``model`` on ``train`` and evaluate it on each of ``eval_sets`` after every epoch.

    Args:
        model: the network, already on the device of ``train.x``.
        train: training tensors.
        config: optimizer, schedules and constraints.
        eval_sets: named splits on the same device, e.g. ``{"val": splits.val}``.
        generator: CPU generator that shuffles the data (its state is checkpointed).
        checkpoint: file written after every epoch; if it exists, training resumes there.
        loss_fn: training and evaluation loss, ``F.cross_entropy`` by default.
        regularizer: optional extra loss term computed from the model each step
            (for example Concrete dropout's regularizer).
        progress: show a progress bar (``None``: see :func:`progress_enabled`).

    Returns:
        The history: per epoch ``epoch``, ``lr``, ``momentum``, ``train_loss`` (the mean
        minibatch loss, with dropout active), ``<name>_loss`` and ``<name>_error`` for each
        evaluation set, and ``seconds`` (cumulative training time, evaluation excluded).
    """
    optimizer = make_optimizer(model, config)
    constrained = _constrained_layers(model) if config.max_norm else []
    eval_sets = eval_sets or {}
    keys = ["epoch", "lr", "momentum", "train_loss", "seconds"]
    keys += [f"{name}_{metric}" for name in eval_sets for metric in ("loss", "error")]
    history: dict[str, list[float]] = {key: [] for key in keys}
    start_epoch, elapsed = 0, 0.0
    checkpoint = Path(checkpoint) if checkpoint else None
    if checkpoint is not None and checkpoint.exists():
        state = torch.load(checkpoint, map_location=train.x.device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, start_epoch, elapsed = state["history"], state["epoch"], state["seconds"]
        _restore_rng(state["rng"], generator)

    n, bs = len(train), config.batch_size
    bar = tqdm(range(start_epoch, config.epochs), desc=desc, initial=start_epoch,
               total=config.epochs, disable=not progress_enabled(progress), leave=False)
    for epoch in bar:
        tic = time.perf_counter()
        lr, momentum = epoch_schedule(config, epoch)
        for group in optimizer.param_groups:
            group["lr"] = lr
            if config.optimizer == "sgd":
                group["momentum"] = momentum
        perm = torch.randperm(n, generator=generator).to(train.x.device)
        xs, ys = train.x[perm], train.y[perm]               # one gather per epoch
        model.train()
        loss_sum = torch.zeros((), device=train.x.device)
        for i in range(0, n, bs):
            xb, yb = xs[i:i + bs], ys[i:i + bs]
            loss = loss_fn(model(xb), yb)
            total = loss + regularizer(model) if regularizer is not None else loss
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            if constrained:
                apply_max_norm(constrained, config.max_norm)
            loss_sum += loss.detach() * len(xb)
        train_loss = loss_sum.item() / n        # waits for a GPU's queued work: timed below
        elapsed += time.perf_counter() - tic
        row = {"epoch": epoch + 1, "lr": lr, "momentum": momentum,
               "train_loss": train_loss, "seconds": elapsed}
        for name, split in eval_sets.items():
            scores = evaluate(model, split, loss_fn=loss_fn)
            row[f"{name}_loss"], row[f"{name}_error"] = scores["loss"], scores["error"]
        for key, value in row.items():
            history[key].append(value)
        bar.set_postfix({k: f"{100 * v:.2f}%" for k, v in row.items() if k.endswith("_error")})
        if checkpoint is not None:
            _save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                          "history": history, "epoch": epoch + 1, "seconds": elapsed,
                          "rng": _rng_states(generator), "config": asdict(config)}, checkpoint)
    bar.close()
    return history
