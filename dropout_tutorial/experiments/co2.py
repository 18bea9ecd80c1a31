"""Gal & Ghahramani (2016), Figure 2: extrapolating the Mauna Loa CO2 series.

A network with dropout after every hidden layer is trained on Gal's 272 standardized
points, then asked about the 1,000 inputs to their right, which it never saw. With dropout
switched off (weight scaling) it returns one confident curve; with MC dropout it returns a
distribution whose spread grows away from the data for ReLU units and stays bounded for
TanH units.

The paper trained 4 x 1024 units with SGD (lr 0.01, momentum 0.9, Caffe's "inv" decay)
for 10^6 iterations of 200 points. The ``cpu`` budget keeps the data, the depth, the drop
probability (0.1), the weight decays (1e-6 ReLU, 5e-7 TanH) and the batch size, but uses
4 x 256 units and Adam for 20,000 iterations; ``paper`` uses 4 x 1024 units and 10^5 Adam
iterations (Caffe's "inv" schedule is not reproduced).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..budgets import by_budget
from ..data import TensorSplit
from ..models import MLP
from ..regression_data import load_co2
from ..reproducibility import set_seed
from ..runner import register_task
from ..techniques.mc import mc_predict
from ..training import TrainConfig, fit

__all__ = ["CO2Config", "configs", "prediction_inputs"]


@dataclass(frozen=True)
class CO2Config:
    """One CO2 network.

    Attributes:
        name: identifier, e.g. ``"gal2016-co2-relu"``.
        budget: ``"smoke"``, ``"cpu"`` or ``"paper"``.
        activation: ``"relu"`` or ``"tanh"``.
        width: units in each of the ``depth`` hidden layers.
        depth: number of hidden layers.
        p: drop probability after every hidden layer.
        T: MC dropout passes for the predictive distribution.
        train: optimizer and schedule (``epochs`` = iterations / 2 at batch 200).
        seed: seeds the weights, the masks and the data order.
    """

    name: str
    budget: str
    activation: str = "relu"
    width: int = 256
    depth: int = 4
    p: float = 0.1
    T: int = 1000
    train: TrainConfig = field(default_factory=TrainConfig)
    seed: int = 0
    task: str = "co2_mc_dropout"


def prediction_inputs() -> np.ndarray:
    """The inputs of the figure: the training inputs followed by the extrapolation grid."""
    co2 = load_co2()
    return np.concatenate([co2.x_train, co2.x_extrapolate])


@register_task("co2_mc_dropout")
def _co2_task(config: CO2Config, device: torch.device, checkpoint: Path,
              progress: bool | None) -> tuple[dict, dict]:
    generator = set_seed(config.seed)
    co2 = load_co2()
    def as_column(a) -> torch.Tensor:
        return torch.as_tensor(a, dtype=torch.float32, device=device)[:, None]

    train = TensorSplit(as_column(co2.x_train), as_column(co2.y_train))
    model = MLP((1, *[config.width] * config.depth, 1), config.activation,
                p_hidden=config.p).to(device)
    # thousands of tiny epochs: no per-epoch checkpoint (the whole run takes minutes)
    history = fit(model, train, config.train, generator=generator, loss_fn=F.mse_loss,
                  progress=progress, desc=config.name)
    x = as_column(prediction_inputs())
    model.eval()
    with torch.no_grad():
        standard = model(x)[:, 0]
    samples = mc_predict(model, x, config.T, per_pass_masks=True, generator=generator)[..., 0]
    every = max(1, len(history["epoch"]) // 200)             # keep 200 points of the curve
    curves = {k: history[k][every - 1::every] for k in ("epoch", "train_loss", "seconds")}
    curves |= {"x": x[:, 0].tolist(), "standard": standard.tolist(),
               "mc_mean": samples.mean(0).tolist(), "mc_std": samples.std(0).tolist()}
    n = len(co2.x_train)
    final = {"train_rmse_standard": float((standard[:n] - train.y[:, 0]).square().mean().sqrt()),
             "train_rmse_mc": float((samples.mean(0)[:n] - train.y[:, 0]).square().mean().sqrt()),
             "mc_std_train": float(samples.std(0)[:n].mean()),
             "mc_std_far": float(samples.std(0)[-100:].mean()),
             "train_seconds": history["seconds"][-1], "iterations": len(history["epoch"]) * 2}
    return curves, final


def configs(budget: str) -> dict[str, list[CO2Config]]:
    """ReLU and TanH networks (Figure 2c and 2d)."""
    width = by_budget(budget, smoke=32, cpu=256, paper=1024)
    iterations = by_budget(budget, smoke=200, cpu=20_000, paper=100_000)
    T = by_budget(budget, smoke=50, cpu=1000, paper=1000)

    def train(weight_decay: float) -> TrainConfig:
        return TrainConfig(epochs=iterations // 2, batch_size=200, optimizer="adam", lr=1e-3,
                           weight_decay=weight_decay)

    return {"co2": [
        CO2Config("gal2016-co2-relu", budget, "relu", width=width, T=T, train=train(1e-6)),
        CO2Config("gal2016-co2-tanh", budget, "tanh", width=width, T=T, train=train(5e-7)),
    ]}
