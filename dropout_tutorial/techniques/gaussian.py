r"""Gaussian dropout: multiplicative :math:`\mathcal{N}(1, p/(1-p))` noise (Srivastava 2014)."""
from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._validation import check_generator, check_probability, check_tensor

__all__ = ["gaussian_dropout", "GaussianDropout", "standard_gaussian_dropout",
           "StandardGaussianDropout"]


def gaussian_dropout(x: Tensor, p: float = 0.5, training: bool = True, *,
                     generator: torch.Generator | None = None) -> Tensor:
    r"""Multiply each element by independent noise :math:`\varepsilon \sim \mathcal{N}(1, \alpha)`.

    With :math:`\alpha = p/(1-p)` the noise has the variance of inverted Bernoulli dropout with
    drop probability :math:`p`: :math:`\mathbb{E}[y] = x`, :math:`\mathrm{Var}[y] = x^2 p/(1-p)`.
    We draw :math:`\varepsilon = 1 + \sqrt{\alpha}\, z`, :math:`z \sim \mathcal{N}(0, 1)`; the
    argument of the square root is the *variance* :math:`\alpha`, the standard deviation is
    :math:`\sqrt{\alpha}`. Negative multipliers are legitimate (probability
    :math:`\Phi(-1/\sqrt{\alpha})`, 15.9% at ``p = 0.5``) and are not clipped. ``p = 1`` is
    rejected: the variance would be infinite. The gradient is :math:`\partial y/\partial x =
    \varepsilon`. Evaluation and ``p = 0`` return ``x``.

    Args:
        x: floating-point input of any shape.
        p: drop probability of the Bernoulli dropout whose variance is matched, in ``[0, 1)``.
            Default: 0.5.
        training: apply noise if True. Default: True.
        generator: optional random generator on ``x``'s device.

    Shape:
        Input and output: any shape :math:`(*)`.

    References:
        Srivastava et al. (2014), JMLR 15(56), section 10; Wang & Manning (2013), ICML.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> y = gaussian_dropout(torch.ones(10_000), p=0.5, generator=g)
        >>> abs(y.mean().item() - 1) < 0.05, abs(y.std().item() - 1) < 0.05
        (True, True)
    """
    p = check_probability(p, name="p", allow_one=False)   # std is infinite at p = 1
    check_tensor(x, name="x", where="gaussian_dropout")
    check_generator(generator)
    if not training or p == 0.0:
        return x
    std = math.sqrt(p / (1.0 - p))                         # sqrt(alpha), alpha = p / q
    with torch.no_grad():
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        noise.mul_(std).add_(1.0)                           # epsilon ~ N(1, alpha)
    return x * noise


class GaussianDropout(nn.Module):
    r"""Module form of :func:`gaussian_dropout` (eval: identity).

    Args:
        p: drop probability whose Bernoulli variance is matched, in ``[0, 1)``. Default: 0.5.

    Example:
        >>> GaussianDropout(p=0.1)
        GaussianDropout(p=0.1)
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = check_probability(p, name="p", allow_one=False)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return gaussian_dropout(x, self.p, self.training, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


def standard_gaussian_dropout(x: Tensor, p: float = 0.5, training: bool = True, *,
                              generator: torch.Generator | None = None) -> Tensor:
    r"""Gaussian dropout in the papers' form: noise :math:`\mathcal{N}(q, pq)` in training,
    :math:`y = q x` in evaluation (:math:`q = 1 - p`).

    The training noise has the mean and variance of a Bernoulli(:math:`q`) mask, as
    :func:`~dropout_tutorial.techniques.standard_dropout`'s does, and evaluation scales by
    :math:`q` as that function does; it is :func:`gaussian_dropout` multiplied by :math:`q`
    (the same draws for the same generator state). Use it where a schedule or a max-norm
    bound was chosen for the papers' form of Bernoulli dropout. ``p = 1`` is rejected (the
    variance :math:`p/q` of the mean-1 noise would be infinite); ``p = 0`` returns ``x``.

    Args:
        x: floating-point input of any shape.
        p: drop probability of the Bernoulli dropout whose mean and variance are matched,
            in ``[0, 1)``. Default: 0.5.
        training: apply noise if True, else scale by ``1 - p``. Default: True.
        generator: optional random generator on ``x``'s device.

    References:
        Srivastava et al. (2014), JMLR 15(56), section 10.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> y = standard_gaussian_dropout(torch.ones(10_000), p=0.5, generator=g)
        >>> abs(y.mean().item() - 0.5) < 0.02, abs(y.var().item() - 0.25) < 0.02
        (True, True)
        >>> standard_gaussian_dropout(torch.ones(2), p=0.25, training=False).tolist()
        [0.75, 0.75]
    """
    p = check_probability(p, name="p", allow_one=False)
    check_tensor(x, name="x", where="standard_gaussian_dropout")
    check_generator(generator)
    if p == 0.0:
        return x
    if not training:
        return x * (1.0 - p)
    return gaussian_dropout(x, p, True, generator=generator) * (1.0 - p)


class StandardGaussianDropout(nn.Module):
    r"""Module form of :func:`standard_gaussian_dropout` (eval: multiply by ``1 - p``).

    Args:
        p: drop probability whose Bernoulli mean and variance are matched, in ``[0, 1)``.
            Default: 0.5.

    Example:
        >>> StandardGaussianDropout(p=0.5).eval()(torch.full((2,), 4.0)).tolist()
        [2.0, 2.0]
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = check_probability(p, name="p", allow_one=False)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return standard_gaussian_dropout(x, self.p, self.training, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
