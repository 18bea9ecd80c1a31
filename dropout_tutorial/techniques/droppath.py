r"""DropPath / stochastic depth (Huang et al. 2016): drop a whole residual branch per sample.

Apply it to the residual branch only, ``x + drop_path(f(x), p)``, never to the skip path. Not
to be confused with DropConnect (Wan et al. 2013), which drops individual weights; EfficientNet
code calls this "drop_connect", a misnomer.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ._validation import check_choice, check_generator, check_probability, check_tensor

__all__ = ["drop_path", "DropPath"]

MODES = ("row", "batch")


def drop_path(x: Tensor, p: float = 0.1, training: bool = True, *, mode: str = "row",
              scale_by_keep: bool = True, generator: torch.Generator | None = None) -> Tensor:
    r"""Zero the whole branch output with probability ``p``, per sample (``"row"``) or per batch.

    With :math:`b \sim \mathrm{Bernoulli}(q)`, :math:`q = 1 - p`, :math:`y = b\,x/q` where
    :math:`b` has shape :math:`(N, 1, \ldots, 1)` in ``"row"`` mode (timm's ``DropPath``,
    torchvision's ``stochastic_depth(mode="row")``) and is a single draw in ``"batch"`` mode (the
    official stochastic-depth code). The mask is drawn as timm does
    (``x.new_empty(shape).bernoulli_(q)``, then ``div_(q)`` if ``q > 0``), so ``p = 1`` gives
    zeros without dividing by zero. Evaluation and ``p = 0`` return ``x`` (the modern
    convention; the paper instead scales the branch by :math:`q` at test time).

    Args:
        x: branch output :math:`(N, *)`.
        p: probability of dropping a sample's branch. Default: 0.1.
        training: apply if True. Default: True.
        mode: ``"row"`` (default) or ``"batch"``.
        scale_by_keep: divide survivors by :math:`q`. Default: True.
        generator: optional random generator on ``x``'s device.

    References:
        Huang et al. (2016), "Deep Networks with Stochastic Depth", ECCV, arXiv:1603.09382.

    Example:
        >>> y = drop_path(torch.ones(6, 3), p=0.5)
        >>> sorted(set(y.sum(dim=1).tolist())) in ([0.0], [6.0], [0.0, 6.0])
        True
    """
    p = check_probability(p, name="p")
    check_tensor(x, name="x", where="drop_path")
    if x.dim() == 0:
        raise ValueError("drop_path: expected x of rank >= 1 (N, *), but received a 0D x")
    check_choice(mode, MODES, name="mode")
    check_generator(generator)
    if not training or p == 0.0:
        return x
    q = 1.0 - p
    shape = (x.shape[0],) + (1,) * (x.dim() - 1) if mode == "row" else (1,) * x.dim()
    with torch.no_grad():
        mask = x.new_empty(shape).bernoulli_(q, generator=generator)    # b, one per sample
        if q > 0.0 and scale_by_keep:
            mask.div_(q)
    return x * mask


class DropPath(nn.Module):
    r"""Module form of :func:`drop_path` (eval: identity).

    Args:
        p: drop probability of the branch. Default: 0.1.
        mode: ``"row"`` (per sample, default) or ``"batch"``.
        scale_by_keep: divide survivors by :math:`1 - p`. Default: True.

    Example:
        >>> DropPath(p=0.2)
        DropPath(p=0.2, mode='row', scale_by_keep=True)
    """

    def __init__(self, p: float = 0.1, mode: str = "row", scale_by_keep: bool = True):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.mode = check_choice(mode, MODES, name="mode")
        self.scale_by_keep = bool(scale_by_keep)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return drop_path(x, self.p, self.training, mode=self.mode,
                         scale_by_keep=self.scale_by_keep, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, mode={self.mode!r}, scale_by_keep={self.scale_by_keep}"
