r"""Spatial (channel) dropout in 1, 2 and 3 dimensions (Tompson et al. 2015).

Adjacent activations of a feature map are strongly correlated, so element-wise dropout barely
regularizes convolutional layers; spatial dropout drops whole channels instead.

Unbatched inputs: unlike ``F.dropout2d``, which treats a 3-D input as ``(N, C, L)`` (with a
warning), :func:`spatial_dropout2d` treats a 3-D input as one unbatched image ``(C, H, W)``,
as Tompson's Torch7 ``SpatialDropout`` did. Likewise 2-D is ``(C, L)`` for 1-D and 4-D is
``(C, D, H, W)`` for 3-D. Batched inputs are bitwise equal to ``F.dropout1d/2d/3d`` on CPU with
``impl="native-parity"``, the default here: the mask has only ``N * C`` entries, so drawing it
with PyTorch's sampler costs nothing measurable and parity comes for free.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ._validation import (check_choice, check_generator, check_int, check_probability,
                          check_tensor)
from .inverted import IMPLS, _bernoulli_keep

__all__ = ["spatial_dropout", "spatial_dropout1d", "spatial_dropout2d", "spatial_dropout3d",
           "SpatialDropout1d", "SpatialDropout2d", "SpatialDropout3d"]


def spatial_dropout(x: Tensor, p: float = 0.5, training: bool = True, *, spatial_dims: int = 2,
                    impl: str = "native-parity",
                    generator: torch.Generator | None = None) -> Tensor:
    r"""Zero whole channels with probability ``p`` and scale the rest by :math:`1/(1-p)`.

    The mask :math:`m_{nc} \sim \mathrm{Bernoulli}(1-p)` has shape :math:`(N, C, 1, \ldots, 1)`
    and is broadcast over the ``spatial_dims`` trailing dimensions: :math:`y_{nc\cdot} =
    m_{nc} x_{nc\cdot}/(1-p)`. The gradient is :math:`m_{nc}/(1-p)` on every element of channel
    :math:`(n, c)`. Evaluation and ``p = 0`` return ``x``; ``p = 1`` returns zeros.

    Args:
        x: input of shape :math:`(N, C, *S)` or unbatched :math:`(C, *S)`,
            with ``len(S) == spatial_dims``.
        p: probability of dropping a channel. Default: 0.5.
        training: apply dropout if True. Default: True.
        spatial_dims: 1, 2 or 3. Default: 2.
        impl: ``"native-parity"`` (default, bitwise equal to ``F.dropout{1,2,3}d`` on batched
            CPU input with the same seed) or ``"fast"``.
        generator: optional random generator on ``x``'s device.

    Shape:
        Input and output: :math:`(N, C, *S)` or :math:`(C, *S)`.

    References:
        Tompson et al. (2015), CVPR, arXiv:1411.4280.

    Example:
        >>> y = spatial_dropout(torch.ones(2, 3, 4, 4), p=0.5)
        >>> bool(((y == 0) | (y == 2)).all())
        True
    """
    if check_int(spatial_dims, name="spatial_dims") > 3:
        raise ValueError(f"spatial_dims must be <= 3, got spatial_dims={spatial_dims!r}")
    p = check_probability(p, name="p")
    check_tensor(x, name="x", ndims=(spatial_dims + 1, spatial_dims + 2),
                 where=f"spatial_dropout{spatial_dims}d")
    check_choice(impl, IMPLS, name="impl")
    check_generator(generator)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        return x * x.new_zeros(())
    batched = x.dim() == spatial_dims + 2
    xb = x if batched else x.unsqueeze(0)                      # (N, C, *S)
    q = 1.0 - p
    shape = tuple(xb.shape[:2]) + (1,) * spatial_dims           # one draw per (n, c)
    mask = _bernoulli_keep(xb, shape, q, impl, generator).div_(q)
    y = xb * mask
    return y if batched else y.squeeze(0)


def spatial_dropout1d(x: Tensor, p: float = 0.5, training: bool = True, **kwargs) -> Tensor:
    """:func:`spatial_dropout` on :math:`(N, C, L)` or :math:`(C, L)` input."""
    return spatial_dropout(x, p, training, spatial_dims=1, **kwargs)


def spatial_dropout2d(x: Tensor, p: float = 0.5, training: bool = True, **kwargs) -> Tensor:
    """:func:`spatial_dropout` on :math:`(N, C, H, W)` or unbatched :math:`(C, H, W)` input."""
    return spatial_dropout(x, p, training, spatial_dims=2, **kwargs)


def spatial_dropout3d(x: Tensor, p: float = 0.5, training: bool = True, **kwargs) -> Tensor:
    """:func:`spatial_dropout` on :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)` input."""
    return spatial_dropout(x, p, training, spatial_dims=3, **kwargs)


class _SpatialDropoutNd(nn.Module):
    spatial_dims = 2

    def __init__(self, p: float = 0.5, impl: str = "native-parity"):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.impl = check_choice(impl, IMPLS, name="impl")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return spatial_dropout(x, self.p, self.training, spatial_dims=self.spatial_dims,
                               impl=self.impl, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, impl={self.impl!r}"


class SpatialDropout1d(_SpatialDropoutNd):
    """Module form of :func:`spatial_dropout1d`; input :math:`(N, C, L)` or :math:`(C, L)`.

    Example:
        >>> SpatialDropout1d(p=0.1)(torch.ones(2, 3, 5)).shape
        torch.Size([2, 3, 5])
    """
    spatial_dims = 1


class SpatialDropout2d(_SpatialDropoutNd):
    """Module form of :func:`spatial_dropout2d`; 3-D input is unbatched :math:`(C, H, W)`.

    Example:
        >>> SpatialDropout2d(p=0.2)(torch.ones(3, 4, 4)).shape
        torch.Size([3, 4, 4])
    """
    spatial_dims = 2


class SpatialDropout3d(_SpatialDropoutNd):
    """Module form of :func:`spatial_dropout3d`; input :math:`(N, C, D, H, W)` or unbatched.

    Example:
        >>> SpatialDropout3d(p=0.2).eval()(torch.ones(1, 2, 2, 2, 2)).sum().item()
        16.0
    """
    spatial_dims = 3
