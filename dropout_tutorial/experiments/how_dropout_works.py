"""Chapter 1, "How dropout works": a first MNIST experiment with and without dropout.

784-800-800-10 ReLU networks trained with Hinton et al. (2012)'s recipe (Appendix A.1:
SGD on minibatches of 100, momentum rising linearly from 0.5 to 0.99, learning rate
decaying by a constant factor per epoch, the step scaled by 1 - momentum, max-norm
sqrt(15) on each hidden unit's incoming weights), compressed from 3,000 epochs to the
budget's epoch count by raising the decay factor to the power 3000 / epochs, with the
momentum ramp spanning the same first sixth of training (500 of 3,000 epochs).
The initial rate is 1 rather than the paper's 10: with ReLU units and PyTorch's default
initialization a rate of 10 diverged to chance level in our first trial (the paper's
networks were initialized from N(0, 0.01)).
"""
from __future__ import annotations

from ..budgets import by_budget
from ..training import TrainConfig
from .mnist import MNISTConfig

__all__ = ["hinton_schedule", "configs", "seeds"]

PAPER_EPOCHS = 3000


def hinton_schedule(epochs: int, *, lr: float = 1.0, max_norm: float | None = None,
                    lr_decay: float | None = None, momentum: float = 0.99) -> TrainConfig:
    """Hinton et al. (2012)'s schedule, compressed to ``epochs`` epochs.

    ``lr_decay`` is the factor applied to the learning rate after every epoch; by default
    it is 0.998 ** (3000 / epochs), the paper's total decay over 3,000 epochs squeezed into
    ``epochs``. A compressed run spends 3000 / epochs times fewer updates at every learning
    rate, so a gentler decay can be chosen on the validation set. ``momentum`` is the final
    momentum, reached from 0.5 over the first sixth of training (0.99 in Hinton et al.;
    0.95 in Srivastava et al.'s Appendix B.1)."""
    if lr_decay is None:
        lr_decay = 0.998 ** (PAPER_EPOCHS / epochs)        # same total decay as 3,000 epochs
    if not 0.0 < lr_decay <= 1.0:
        raise ValueError(f"lr_decay must be in (0, 1], got {lr_decay}")
    return TrainConfig(
        epochs=epochs, batch_size=100, optimizer="sgd", lr=lr,
        lr_decay=lr_decay,
        momentum=momentum, momentum_start=0.5,
        momentum_epochs=max(1, round(epochs * 500 / PAPER_EPOCHS)),
        scale_grad_by_momentum=True, max_norm=max_norm)


def seeds(budget: str) -> list[int]:
    return list(range(by_budget(budget, smoke=1, cpu=3, paper=3)))


def configs(budget: str) -> dict[str, list[MNISTConfig]]:
    """The two networks of the chapter, one config per seed."""
    epochs = by_budget(budget, smoke=2, cpu=60, paper=PAPER_EPOCHS)
    subset = by_budget(budget, smoke=(5_000, 2_000), cpu=(None, None), paper=(None, None))
    common = dict(budget=budget, sizes=(784, 800, 800, 10), activation="relu",
                  train_size=subset[0], val_size=subset[1])
    return {
        "no dropout": [MNISTConfig(name="ch01-no-dropout", seed=s, train=hinton_schedule(epochs),
                                   **common) for s in seeds(budget)],
        "dropout": [MNISTConfig(name="ch01-dropout", seed=s, p_input=0.2, p_hidden=0.5,
                                train=hinton_schedule(epochs, max_norm=15 ** 0.5), **common)
                    for s in seeds(budget)],
    }
