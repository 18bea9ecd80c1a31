r"""Adaptive dropout ("standout", Ba & Frey 2013), the cheap tied version (Algorithm 2).

A belief network overlaid on the layer decides which units to keep: the *keep* probability of
unit :math:`j` is :math:`k_j = \sigma(\alpha s_j + \beta)` with :math:`s = Wx + b` the layer's
pre-activation, i.e. the standout weights are tied to the layer's, :math:`\pi = \alpha W + \beta`.
Design choice (the paper's notation is ambiguous, see TECHNIQUES.md sec. 8): the bias
:math:`\beta` is added once per unit, as most re-implementations do, rather than the literal
elementwise reading :math:`\beta\sum_i a_i`.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from ._validation import check_finite, check_generator, check_int, check_tensor

__all__ = ["standout", "Standout"]


def standout(s: Tensor, alpha: float = 1.0, beta: float = 0.0, training: bool = True, *,
             activation: Callable[[Tensor], Tensor] = torch.relu,
             generator: torch.Generator | None = None) -> Tensor:
    r"""Standout on pre-activations ``s``: :math:`y = m \odot g(s)`, :math:`m \sim \mathrm{B}(k)`.

    The keep probability :math:`k = \sigma(\alpha s + \beta)` depends on the input. As in the
    paper there is no :math:`1/k` rescaling; evaluation returns the expectation over the mask,
    :math:`y = k \odot g(s)`. In training the mask is a non-differentiable sample and ``k`` is
    not differentiated (the gradient flows through :math:`g(s)` where :math:`m = 1`); in
    evaluation :math:`k \odot g(s)` is differentiated as a whole. :math:`\alpha = 0`,
    :math:`\beta = \mathrm{logit}(q)` recovers classic dropout with keep probability :math:`q`.

    Args:
        s: pre-activations :math:`(*, H)`.
        alpha, beta: scale and offset of the standout network (finite floats). Defaults: 1, 0.
        training: sample the mask if True, else return the expectation. Default: True.
        activation: the layer's nonlinearity :math:`g`. Default: ``torch.relu``.
        generator: optional random generator on ``s``'s device.

    Shape:
        Input and output: :math:`(*, H)`.

    References:
        Ba & Frey (2013), "Adaptive dropout for training deep neural networks", NeurIPS.

    Example:
        >>> s = torch.tensor([-2.0, 0.0, 2.0])
        >>> standout(s, alpha=0.0, beta=0.0, training=False).tolist()
        [0.0, 0.0, 1.0]
    """
    alpha = check_finite(alpha, name="alpha")
    beta = check_finite(beta, name="beta")
    check_tensor(s, name="s", where="standout")
    check_generator(generator)
    if not callable(activation):
        raise TypeError(f"activation must be callable, got activation={activation!r}")
    h = activation(s)
    if not training:
        return torch.sigmoid(alpha * s + beta) * h           # E_m[m g(s)] = k g(s)
    with torch.no_grad():                                     # k is not differentiated in training
        keep_prob = s.mul(alpha).add_(beta).sigmoid_()
        mask = torch.rand(s.shape, generator=generator, device=s.device, dtype=s.dtype)
        mask = mask.lt_(keep_prob)                            # P(m = 1) = k, as 0./1. values
    return mask * h


class Standout(nn.Module):
    r"""A linear layer followed by standout: :math:`y = m \odot g(Wx + b)`.

    Args:
        in_features, out_features: layer sizes.
        alpha, beta: standout scale and offset. Defaults: 1, 0.
        activation: nonlinearity :math:`g`. Default: ReLU.
        bias: learn a bias :math:`b`. Default: True.

    Shape:
        Input :math:`(*, \text{in})`, output :math:`(*, \text{out})`.

    Example:
        >>> Standout(4, 3, alpha=1.0, beta=0.0)
        Standout(
          in_features=4, out_features=3, alpha=1.0, beta=0.0
          (linear): Linear(in_features=4, out_features=3, bias=True)
        )
    """

    def __init__(self, in_features: int, out_features: int, alpha: float = 1.0,
                 beta: float = 0.0, activation: Callable[[Tensor], Tensor] = torch.relu,
                 bias: bool = True):
        super().__init__()
        self.linear = nn.Linear(check_int(in_features, name="in_features"),
                                check_int(out_features, name="out_features"), bias=bias)
        self.alpha = check_finite(alpha, name="alpha")
        self.beta = check_finite(beta, name="beta")
        if not callable(activation):
            raise TypeError(f"activation must be callable, got activation={activation!r}")
        self.activation = activation

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return standout(self.linear(x), self.alpha, self.beta, self.training,
                        activation=self.activation, generator=generator)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, out_features={self.linear.out_features}"
                f", alpha={self.alpha}, beta={self.beta}")
