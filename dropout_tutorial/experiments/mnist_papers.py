"""MNIST runs of Hinton et al. (2012) and Srivastava et al. (2014), Table 2 (MLP rows).

All networks are permutation-invariant MLPs trained with Hinton et al.'s schedule
(see :func:`~dropout_tutorial.experiments.how_dropout_works.hinton_schedule`): SGD on
minibatches of 100, momentum 0.5 -> 0.99 over the first sixth of training, the learning
rate decaying every epoch, the step scaled by 1 - momentum, max-norm sqrt(15) where the
paper uses it. The ``paper`` budget keeps the papers' 3,000 epochs; ``cpu`` compresses
the same schedule to 200 epochs (about 40 minutes per 3x1024 network on one CPU core);
``smoke`` trains 2 epochs on 5,000 images.

Drop probabilities are PyTorch's (probability of dropping): the papers' "retain 0.8
input, 0.5 hidden" is ``p_input=0.2, p_hidden=0.5`` here.
"""
from __future__ import annotations

from ..budgets import by_budget
from .how_dropout_works import PAPER_EPOCHS, hinton_schedule
from .mnist import MNISTConfig

__all__ = ["MAX_NORM", "epochs_for", "hinton2012_configs", "table2_configs", "configs",
           "first_reaching"]

MAX_NORM = 15 ** 0.5            # Hinton et al. (2012): squared length of w_j at most 15


def epochs_for(budget: str) -> int:
    return by_budget(budget, smoke=2, cpu=200, paper=PAPER_EPOCHS)


def _common(budget: str, sizes: tuple[int, ...]) -> dict:
    train_size, val_size = by_budget(budget, smoke=(5_000, 2_000), cpu=(None, None),
                                     paper=(None, None))
    return dict(budget=budget, sizes=sizes, train_size=train_size, val_size=val_size,
                track_test=True)


def hinton2012_configs(budget: str, seeds: tuple[int, ...] = (0,)) -> dict[str, list[MNISTConfig]]:
    """Hinton et al. (2012), MNIST: 784-800-800-10 without dropout, with 50 % hidden
    dropout, and with 50 % hidden plus 20 % input dropout (paper: about 160, 130 and 110
    test errors). The dropout nets use max-norm; the plain net does not."""
    epochs, common = epochs_for(budget), _common(budget, (784, 800, 800, 10))
    plain = hinton_schedule(epochs)
    constrained = hinton_schedule(epochs, max_norm=MAX_NORM)
    return {
        "no dropout": [MNISTConfig("hinton2012-none", seed=s, train=plain, **common)
                       for s in seeds],
        "hidden dropout": [MNISTConfig("hinton2012-hidden", seed=s, p_hidden=0.5,
                                       train=constrained, **common) for s in seeds],
        "hidden + input dropout": [MNISTConfig("hinton2012-hidden-input", seed=s, p_input=0.2,
                                               p_hidden=0.5, train=constrained, **common)
                                   for s in seeds],
    }


def table2_configs(budget: str, seeds: tuple[int, ...] = (0,)) -> dict[str, list[MNISTConfig]]:
    """Srivastava et al. (2014), Table 2, the 3x1024 rows: a standard net, dropout with
    logistic units, dropout with ReLUs, and dropout with ReLUs and max-norm."""
    epochs, common = epochs_for(budget), _common(budget, (784, 1024, 1024, 1024, 10))
    plain = hinton_schedule(epochs)
    constrained = hinton_schedule(epochs, max_norm=MAX_NORM)
    drop = dict(p_input=0.2, p_hidden=0.5)
    return {
        "standard net (ReLU)": [MNISTConfig("srivastava2014-t2-standard", seed=s, train=plain,
                                            **common) for s in seeds],
        "dropout, logistic": [MNISTConfig("srivastava2014-t2-logistic", seed=s,
                                          activation="logistic", train=plain, **drop, **common)
                              for s in seeds],
        "dropout, ReLU": [MNISTConfig("srivastava2014-t2-relu", seed=s, train=plain, **drop,
                                      **common) for s in seeds],
        "dropout, ReLU + max-norm": [MNISTConfig("srivastava2014-t2-relu-maxnorm", seed=s,
                                                 train=constrained, **drop, **common)
                                     for s in seeds],
    }


def configs(budget: str) -> dict[str, list[MNISTConfig]]:
    """The runs of the chapter "Dropout on MNIST: Hinton et al. (2012) and Srivastava et
    al. (2014)": Hinton's three networks (2 seeds at the ``cpu`` budget, 3 at ``paper``)
    and Table 2's 3x1024 ReLU + max-norm row (1 seed at ``cpu``, about 50 minutes)."""
    hinton_seeds = by_budget(budget, smoke=(0,), cpu=(0, 1), paper=(0, 1, 2))
    table2_seeds = by_budget(budget, smoke=(0,), cpu=(0,), paper=(0, 1, 2))
    table2 = table2_configs(budget, table2_seeds)
    return hinton2012_configs(budget, hinton_seeds) | {
        "3x1024 ReLU, dropout + max-norm": table2["dropout, ReLU + max-norm"]}


def first_reaching(history: dict, metric: str, threshold: float) -> tuple[int, float] | None:
    """``(epoch, training seconds)`` at which ``metric`` first fell to ``threshold`` or below,
    or ``None`` if it never did."""
    for epoch, value, seconds in zip(history["epoch"], history[metric], history["seconds"]):
        if value <= threshold:
            return epoch, seconds
    return None
