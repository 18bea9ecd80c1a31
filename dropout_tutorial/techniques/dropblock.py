r"""DropBlock (Ghiasi, Lin & Le 2018): drop contiguous square regions of feature maps.

Block seeds are drawn only where a whole block fits (as torchvision), so every dropped region
is a union of complete blocks inside the map. Masks are independent per channel by default
("Algorithm 1 corresponds to the latter, which tends to work better", paper p. 2). Blocks
larger than the map are clipped to the map, and even block sizes work: a seed marks the
top-left corner of its block, so no centre is needed. Note that ``p`` enters the seed rate
:math:`\gamma`; the realised drop fraction is lower because blocks overlap, see
:func:`dropblock_expected_drop_fraction`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_generator, check_int, check_probability, check_tensor

__all__ = ["dropblock_gamma", "dropblock_expected_drop_fraction", "dropblock", "DropBlock2d"]


def dropblock_gamma(p: float, height: int, width: int, block_size: int) -> float:
    r"""Seed rate :math:`\gamma = \frac{p}{k_h k_w}\frac{HW}{(H-k_h+1)(W-k_w+1)}`.

    With :math:`k_h = \min(bs, H)`, :math:`k_w = \min(bs, W)`; the paper's eq. 1 for square
    maps. :math:`\gamma \le p` always.

    Example:
        >>> round(dropblock_gamma(0.2, 16, 16, 5), 5)
        0.01422
    """
    p = check_probability(p, name="p")
    height, width = check_int(height, name="height"), check_int(width, name="width")
    block_size = check_int(block_size, name="block_size")
    kh, kw = min(block_size, height), min(block_size, width)
    return p * height * width / (kh * kw * (height - kh + 1) * (width - kw + 1))


def dropblock_expected_drop_fraction(p: float, height: int, width: int, block_size: int) -> float:
    r"""Exact expected fraction of dropped pixels: mean of :math:`1 - (1-\gamma)^{c(i,j)}`.

    :math:`c(i, j)` is the number of valid seeds whose block covers pixel :math:`(i, j)`.

    Example:
        >>> round(dropblock_expected_drop_fraction(0.2, 16, 16, 5), 4)
        0.1769
    """
    gamma = dropblock_gamma(p, height, width, block_size)          # validates the arguments
    kh, kw = min(block_size, height), min(block_size, width)
    seeds = torch.ones(1, 1, height - kh + 1, width - kw + 1, dtype=torch.float64)
    cover = F.avg_pool2d(F.pad(seeds, (kw - 1, kw - 1, kh - 1, kh - 1)), (kh, kw), stride=1)
    cover = (cover * kh * kw).round()                     # c(i, j), exact integers
    return (1.0 - (1.0 - gamma) ** cover).mean().item()


def _window_any(t: Tensor, k: int, dim: int) -> Tensor:
    """``out[i] = any(t[i : i + k])`` along ``dim`` (length shrinks by k - 1), by doubling."""
    span = 1
    while 2 * span <= k:                          # t[i] covers [i, i + span)
        n = t.size(dim) - span
        t = t.narrow(dim, 0, n) | t.narrow(dim, span, n)
        span *= 2
    if span < k:                                  # span <= k < 2 span: two overlapping windows
        n = t.size(dim) - (k - span)
        t = t.narrow(dim, 0, n) | t.narrow(dim, k - span, n)
    return t


def dropblock(x: Tensor, p: float = 0.1, block_size: int = 7, training: bool = True, *,
              share_channels: bool = False, generator: torch.Generator | None = None) -> Tensor:
    r"""Zero random ``block_size`` x ``block_size`` blocks and rescale by the kept fraction.

    1. Seeds :math:`M_{ij} \sim \mathrm{Bernoulli}(\gamma)` on the
       :math:`(H-k_h+1) \times (W-k_w+1)` valid top-left corners, per (sample, channel), or per
       sample with ``share_channels=True``.
    2. Each seed zeroes the :math:`k_h \times k_w` block below and right of it (a dilation,
       computed as a separable sliding OR on booleans, much faster than a CPU max-pool).
    3. :math:`y = x \odot \text{keep} \cdot \frac{\#\text{keep}}{\sum \text{keep}}`, one global
       scale (the paper's normalization); an all-dropped mask gives zeros, not NaN.

    ``block_size = 1`` is element-wise dropout with rate ``p``; ``block_size >= H, W`` is spatial
    dropout (whole channels, rate ``p``). Evaluation and ``p = 0`` return ``x``. The gradient is
    the mask times the scale (the mask and the scale are constants).

    Args:
        x: input :math:`(N, C, H, W)` or unbatched :math:`(C, H, W)`.
        p: drop probability used in :math:`\gamma`. Default: 0.1.
        block_size: side of the square block, an int >= 1 (odd or even). Default: 7.
        training: apply DropBlock if True. Default: True.
        share_channels: one mask per sample shared by all channels. Default: False.
        generator: optional random generator on ``x``'s device.

    References:
        Ghiasi, Lin & Le (2018), NeurIPS, arXiv:1810.12890.

    Example:
        >>> dropblock(torch.ones(2, 3, 8, 8), p=0.2, block_size=3).shape
        torch.Size([2, 3, 8, 8])
    """
    p = check_probability(p, name="p")
    block_size = check_int(block_size, name="block_size")
    check_tensor(x, name="x", ndims=(3, 4), where="dropblock")
    check_generator(generator)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    xb = x if x.dim() == 4 else x.unsqueeze(0)
    n, c, h, w = xb.shape
    kh, kw = min(block_size, h), min(block_size, w)
    gamma = min(1.0, dropblock_gamma(p, h, w, block_size))
    with torch.no_grad():
        dtype = x.dtype if x.dtype == torch.float64 else torch.float32
        c_mask = 1 if share_channels else c
        # 1. seeds on the valid top-left corners, zero-padded by k - 1 on every side
        seeds = torch.zeros(n, c_mask, h + kh - 1, w + kw - 1, dtype=torch.bool, device=x.device)
        u = torch.rand((n, c_mask, h - kh + 1, w - kw + 1), generator=generator,
                       device=x.device, dtype=dtype)
        seeds[:, :, kh - 1:h, kw - 1:w] = u < gamma
        # 2. a pixel is dropped if a seed lies in the kh x kw window above-left of it
        dropped = _window_any(_window_any(seeds, kh, dim=2), kw, dim=3)    # (n, c_mask, h, w)
        keep = (~dropped).to(x.dtype)
        # 3. normalize by the kept fraction (one global scale); all dropped -> zeros
        scale = keep.numel() / torch.count_nonzero(keep).clamp_min(1).to(x.dtype)
        mask = keep.mul_(scale)
    y = xb * mask
    return y if x.dim() == 4 else y.squeeze(0)


class DropBlock2d(nn.Module):
    r"""Module form of :func:`dropblock` (eval: identity).

    Args:
        p: drop probability used in :math:`\gamma`. Default: 0.1.
        block_size: block side. Default: 7.
        share_channels: share the mask across channels. Default: False (per channel).

    Example:
        >>> DropBlock2d(p=0.1, block_size=5)
        DropBlock2d(p=0.1, block_size=5, share_channels=False)
    """

    def __init__(self, p: float = 0.1, block_size: int = 7, share_channels: bool = False):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.block_size = check_int(block_size, name="block_size")
        self.share_channels = bool(share_channels)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return dropblock(x, self.p, self.block_size, self.training,
                         share_channels=self.share_channels, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, block_size={self.block_size}, share_channels={self.share_channels}"
