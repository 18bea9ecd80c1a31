r"""Alpha dropout for self-normalizing (SELU) networks (Klambauer et al. 2017).

Dropped units are set to the SELU saturation value :math:`\alpha' = -\lambda\alpha` instead of 0,
then an affine map :math:`(a, b)` restores zero mean and unit variance for standardized input.
"""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._validation import check_choice, check_generator, check_probability, check_tensor
from .inverted import IMPLS, _bernoulli_keep

__all__ = ["SELU_ALPHA_PRIME", "alpha_dropout", "feature_alpha_dropout", "AlphaDropout",
           "FeatureAlphaDropout"]

SELU_ALPHA_PRIME = 1.7580993408473766   # lambda * alpha of SELU (the sign is applied below)


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = True, *, feature: bool = False,
                  impl: str = "fast", generator: torch.Generator | None = None) -> Tensor:
    r"""Alpha dropout: :math:`y = a\,(x d + \alpha'(1 - d)) + b`, :math:`d \sim \mathrm{B}(q)`.

    With :math:`q = 1 - p`, :math:`\alpha' = -1.7581`, :math:`a = ((\alpha'^2 p + 1) q)^{-1/2}`
    and :math:`b = a p \cdot 1.7581`, an input with mean 0 and variance 1 keeps mean 0 and
    variance 1. Dropped units take :math:`-a \cdot 1.7581\, q` (:math:`-0.779` at ``p = 0.5``).
    The gradient is :math:`a d`. With ``feature=True`` one draw per channel, shape
    :math:`(N, C, 1, \ldots)`. Evaluation and ``p = 0`` return ``x``; ``p = 1`` returns zeros,
    as PyTorch (``a`` is infinite there). Unlike ``F.alpha_dropout``, ``training`` defaults to
    True.

    Args:
        x: floating-point input; rank >= 2 when ``feature=True``.
        p: probability of dropping a unit (the paper recommends 0.05-0.1). Default: 0.5.
        training: apply dropout if True. Default: True.
        feature: drop whole channels (``F.feature_alpha_dropout``). Default: False.
        impl: ``"fast"`` (default) or ``"native-parity"`` (bitwise equal to
            ``F.alpha_dropout(..., training=True)`` / ``F.feature_alpha_dropout`` on CPU).
        generator: optional random generator on ``x``'s device.

    Shape:
        Input and output: :math:`(*)`, or :math:`(N, C, *)` when ``feature=True``.

    References:
        Klambauer et al. (2017), NeurIPS, arXiv:1706.02515.

    Example:
        >>> x = torch.randn(100_000, generator=torch.Generator().manual_seed(0))
        >>> y = alpha_dropout(x, p=0.1, generator=torch.Generator().manual_seed(1))
        >>> abs(y.mean().item()) < 0.02, abs(y.var().item() - 1) < 0.02
        (True, True)
    """
    p = check_probability(p, name="p")
    where = "feature_alpha_dropout" if feature else "alpha_dropout"
    check_tensor(x, name="x", where=where)
    if feature and x.dim() < 2:
        raise ValueError(f"{where}: expected x of rank >= 2 (N, C, *), but received a "
                         f"{x.dim()}D x of shape {tuple(x.shape)}")
    check_choice(impl, IMPLS, name="impl")
    check_generator(generator)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        return x * x.new_zeros(())
    shape = (tuple(x.shape[:2]) + (1,) * (x.dim() - 2)) if feature else x.shape
    A = SELU_ALPHA_PRIME
    a = 1.0 / math.sqrt((A * A * p + 1.0) * (1.0 - p))         # restores unit variance
    with torch.no_grad():
        noise = _bernoulli_keep(x, shape, 1.0 - p, impl, generator)          # d
        b = noise.add(-1.0).mul_(A * a).add_(A * a * p)        # a*alpha'*(1-d) + b, ATen order
        noise.mul_(a)                                           # a*d
    return x.mul(noise).add_(b)


def feature_alpha_dropout(x: Tensor, p: float = 0.5, training: bool = True, **kwargs) -> Tensor:
    """:func:`alpha_dropout` with one draw per channel, :math:`(N, C, *)` input."""
    return alpha_dropout(x, p, training, feature=True, **kwargs)


class AlphaDropout(nn.Module):
    r"""Module form of :func:`alpha_dropout` (eval: identity).

    Args:
        p: probability of dropping a unit. Default: 0.5.
        impl: ``"fast"`` (default) or ``"native-parity"``.

    Example:
        >>> AlphaDropout(p=0.05)
        AlphaDropout(p=0.05, impl='fast')
    """
    feature = False

    def __init__(self, p: float = 0.5, impl: str = "fast"):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.impl = check_choice(impl, IMPLS, name="impl")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return alpha_dropout(x, self.p, self.training, feature=self.feature, impl=self.impl,
                             generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, impl={self.impl!r}"


class FeatureAlphaDropout(AlphaDropout):
    r"""Module form of :func:`feature_alpha_dropout`: whole channels take the dropped value.

    Example:
        >>> FeatureAlphaDropout(p=0.1)(torch.zeros(2, 3, 4)).shape
        torch.Size([2, 3, 4])
    """
    feature = True
