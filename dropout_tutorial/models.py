"""Small networks with a dropout slot, built from plain settings so a config can name them."""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from .techniques import GaussianDropout, StandardDropout
from .techniques._validation import check_probability

__all__ = ["ACTIVATIONS", "DROPOUT_KINDS", "make_dropout", "MLP"]

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
}


# Name -> factory(p). "inverted" is PyTorch's own nn.Dropout, the reference everything
# else is compared with; the others are the package's techniques.
DROPOUT_KINDS: dict[str, Callable[[float], nn.Module]] = {
    "inverted": nn.Dropout,
    "standard": StandardDropout,
    "gaussian": GaussianDropout,
}


def make_dropout(kind: str, p: float) -> nn.Module:
    """A dropout module of the named kind with drop probability ``p``
    (``nn.Identity`` when ``p == 0``, so a "no dropout" network has no dropout layers)."""
    p = check_probability(p, name="p")
    if kind not in DROPOUT_KINDS:
        raise ValueError(f"dropout must be one of {sorted(DROPOUT_KINDS)}, got dropout={kind!r}")
    return nn.Identity() if p == 0 else DROPOUT_KINDS[kind](p)


class MLP(nn.Sequential):
    r"""A fully connected network with dropout on the input and after every hidden layer.

    The layers are ``[drop(p_input)] Linear act drop(p_hidden) ... Linear`` (no dropout
    after the output layer), as in Hinton et al. (2012) and Srivastava et al. (2014).

    Args:
        sizes: widths from input to output, e.g. ``(784, 800, 800, 10)``.
        activation: ``"relu"``, ``"logistic"`` or ``"tanh"``.
        p_input: drop probability of the input units.
        p_hidden: drop probability of the hidden units.
        dropout: kind of dropout (see :data:`DROPOUT_KINDS`).
        init_std: if given, weights are drawn from :math:`N(0, \sigma^2)` with this
            :math:`\sigma` and biases set to zero; otherwise PyTorch's default init.

    Example:
        >>> MLP((784, 800, 800, 10), p_input=0.2, p_hidden=0.5)(torch.zeros(2, 784)).shape
        torch.Size([2, 10])
    """

    def __init__(self, sizes: tuple[int, ...], activation: str = "relu", p_input: float = 0.0,
                 p_hidden: float = 0.0, dropout: str = "inverted",
                 init_std: float | None = None):
        if len(sizes) < 2 or any(not isinstance(s, int) or s < 1 for s in sizes):
            raise ValueError(f"sizes must hold at least two positive ints, got sizes={sizes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, "
                             f"got activation={activation!r}")
        p_input = check_probability(p_input, name="p_input")
        p_hidden = check_probability(p_hidden, name="p_hidden")
        layers: list[nn.Module] = []
        if p_input > 0:
            layers.append(make_dropout(dropout, p_input))
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < len(sizes) - 2:
                layers += [ACTIVATIONS[activation](), make_dropout(dropout, p_hidden)]
        super().__init__(*layers)
        if init_std is not None:
            for layer in self.linear_layers():
                nn.init.normal_(layer.weight, 0.0, init_std)
                nn.init.zeros_(layer.bias)

    def linear_layers(self) -> list[nn.Linear]:
        return [m for m in self if isinstance(m, nn.Linear)]
