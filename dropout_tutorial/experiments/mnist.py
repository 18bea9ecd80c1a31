"""Permutation-invariant MNIST with a fully connected network (Hinton et al. 2012;
Srivastava et al. 2014): the ``mnist_mlp`` task of the runner."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..data import MNISTSplits, TensorSplit, mnist_splits
from ..models import MLP
from ..reproducibility import set_seed
from ..runner import register_task
from ..training import TrainConfig, evaluate, fit

__all__ = ["MNISTConfig", "load_mnist_splits", "build_model", "train_mnist_mlp"]


@dataclass(frozen=True)
class MNISTConfig:
    """One MNIST training run.

    Attributes:
        name: a short identifier, used in file names and legends.
        budget: ``"smoke"``, ``"cpu"`` or ``"paper"``.
        seed: seeds the initial weights, the dropout masks and the data order.
        sizes, activation, p_input, p_hidden, dropout, init_std: the network (see ``MLP``).
        train_size: use the first ``train_size`` of the 50,000 training images (all if None).
        val_size: use the first ``val_size`` of the 10,000 validation images (all if None).
        track_test: also evaluate on the test set after every epoch (for figures of test
            error against training time; model selection still uses validation only).
        train: the optimizer and its schedules.
    """

    name: str
    budget: str
    seed: int = 0
    sizes: tuple[int, ...] = (784, 800, 800, 10)
    activation: str = "relu"
    p_input: float = 0.0
    p_hidden: float = 0.0
    dropout: str = "inverted"
    init_std: float | None = None
    train_size: int | None = None
    val_size: int | None = None
    track_test: bool = False
    train: TrainConfig = field(default_factory=TrainConfig)
    task: str = "mnist_mlp"


@functools.lru_cache(maxsize=2)
def load_mnist_splits(device: str = "cpu") -> MNISTSplits:
    """The 50k/10k/10k MNIST split on ``device``, loaded once per process."""
    return mnist_splits(device=device)


def build_model(config: MNISTConfig, device: torch.device) -> MLP:
    return MLP(config.sizes, config.activation, config.p_input, config.p_hidden,
               config.dropout, config.init_std).to(device)


@register_task("mnist_mlp")
def train_mnist_mlp(config: MNISTConfig, device: torch.device, checkpoint: Path,
                    progress: bool | None) -> tuple[dict, dict]:
    """Train one network; final metrics on train, validation and (once) test."""
    generator = set_seed(config.seed)
    splits = load_mnist_splits(str(device))
    train = splits.train.subset(config.train_size)
    eval_sets: dict[str, TensorSplit] = {"val": splits.val.subset(config.val_size)}
    if config.track_test:
        eval_sets["test"] = splits.test
    model = build_model(config, device)
    history = fit(model, train, config.train, eval_sets=eval_sets, generator=generator,
                  checkpoint=checkpoint, progress=progress, desc=config.name)
    final = {}
    for name, split in (("train", train), ("val", eval_sets["val"]), ("test", splits.test)):
        if f"{name}_error" in history:             # already evaluated after the last epoch
            scores = {m: history[f"{name}_{m}"][-1] for m in ("loss", "error")}
        else:
            scores = evaluate(model, split)
        final[f"{name}_loss"], final[f"{name}_error"] = scores["loss"], scores["error"]
    best = min(range(len(history["val_error"])), key=history["val_error"].__getitem__)
    final |= {"best_val_error": history["val_error"][best], "best_val_epoch": best + 1,
              "train_seconds": history["seconds"][-1], "epochs": len(history["epoch"]),
              "updates": len(history["epoch"]) * -(-len(train) // config.train.batch_size)}
    return history, final
