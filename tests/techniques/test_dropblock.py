"""DropBlock: whole blocks inside the map, exact expected drop fraction, normalization."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import (DropBlock2d, dropblock, dropblock_expected_drop_fraction,
                                         dropblock_gamma)


def _opening(dropped: torch.Tensor, kh: int, kw: int) -> torch.Tensor:
    """Morphological opening with a kh x kw block that must lie inside the map."""
    eroded = -F.max_pool2d(-dropped, (kh, kw), stride=1)                 # valid corners only
    return F.max_pool2d(F.pad(eroded, (kw - 1, kw - 1, kh - 1, kh - 1)), (kh, kw), stride=1)


@pytest.mark.parametrize("hw,bs", [((16, 16), 3), ((12, 9), 4), ((8, 8), 7), ((5, 6), 9),
                                   ((7, 7), 2)])
def test_dropped_set_is_a_union_of_whole_blocks(hw, bs, gen):
    """opening(D) == D for odd, even and larger-than-map blocks on square and non-square maps."""
    x = torch.ones(8, 4, *hw)
    y = dropblock(x, 0.3, bs, generator=gen)
    dropped = (y == 0).float()
    kh, kw = min(bs, hw[0]), min(bs, hw[1])
    assert dropped.any()
    assert torch.equal(_opening(dropped, kh, kw), dropped)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_unbatched_and_device(dtype, gen):
    """Shape and dtype preserved; (C, H, W) works; masks follow the input's device."""
    x = torch.randn(2, 3, 8, 8, generator=gen, dtype=dtype)
    assert dropblock(x, 0.2, 3, generator=gen).dtype == dtype
    assert dropblock(x[0], 0.2, 3, generator=gen).shape == (3, 8, 8)
    assert dropblock(torch.empty(2, 3, 8, 8, device="meta"), 0.2, 3).device.type == "meta"


def test_expected_drop_fraction_matches_exact_formula(gen):
    """Realised fraction = mean of 1 - (1 - gamma)^c(i, j) (0.1769 for 16x16, bs 5, p 0.2)."""
    assert dropblock_expected_drop_fraction(0.2, 16, 16, 5) == pytest.approx(0.1769, abs=1e-4)
    y = dropblock(torch.ones(64, 32, 16, 16), 0.2, 5, generator=gen)
    per_map = (y == 0).float().mean(dim=(2, 3)).flatten()            # independent maps
    bound = 5 * per_map.std().item() / math.sqrt(per_map.numel())
    assert abs(per_map.mean().item() - 0.1769) <= bound + 1e-4


def test_gamma_is_the_papers_formula():
    """Square maps: gamma = (1 - keep) / bs^2 * f^2 / (f - bs + 1)^2."""
    assert dropblock_gamma(0.1, 32, 32, 7) == pytest.approx(0.1 / 49 * 32 ** 2 / 26 ** 2)


def test_block_size_one_is_elementwise_dropout(gen, assert_binomial):
    """bs = 1: each pixel dropped independently with probability p."""
    y = dropblock(torch.ones(16, 8, 32, 32), 0.3, 1, generator=gen)
    assert_binomial(int((y == 0).sum()), y.numel(), 0.3)


@pytest.mark.parametrize("hw,bs", [((7, 7), 7), ((5, 5), 9)])
def test_block_covering_the_map_is_spatial_dropout(hw, bs, gen, assert_binomial):
    """bs >= H, W: whole channels dropped with probability p."""
    y = dropblock(torch.ones(200, 50, *hw), 0.3, bs, generator=gen).flatten(2)
    dropped = (y == 0).all(-1)
    assert bool((dropped | (y != 0).all(-1)).all())
    assert_binomial(int(dropped.sum()), 200 * 50, 0.3)


def test_channels_independent_or_shared(gen):
    """Default: per-channel masks; share_channels=True: one mask per sample for all channels."""
    x = torch.ones(4, 6, 16, 16)
    y = dropblock(x, 0.3, 3, generator=gen) == 0
    assert not all(torch.equal(y[:, 0], y[:, c]) for c in range(1, 6))
    ys = dropblock(x, 0.3, 3, share_channels=True, generator=gen) == 0
    assert all(torch.equal(ys[:, 0], ys[:, c]) for c in range(1, 6))


def test_normalization_gradient_and_modes(gen):
    """Mean of a ones input is 1 after scaling; grad = mask * scale; eval and p = 0 identity."""
    x = torch.ones(8, 4, 12, 12, dtype=torch.float64, requires_grad=True)
    y = dropblock(x, 0.3, 3, generator=gen)
    assert y.mean().item() == pytest.approx(1.0, abs=1e-12)
    y.sum().backward()
    assert torch.equal(x.grad, y.detach())                 # ones input: y = mask * scale
    assert DropBlock2d(0.3, 3).eval()(x) is x and dropblock(x, 0.0, 3) is x


def test_p_one_is_finite_and_bs1_drops_everything(gen):
    """p = 1: bs = 1 gives zeros without NaN; larger blocks drop the formula's fraction (< 1)."""
    assert torch.equal(dropblock(torch.ones(2, 2, 4, 4), 1.0, 1, generator=gen),
                       torch.zeros(2, 2, 4, 4))
    y = dropblock(torch.ones(32, 8, 8, 8), 1.0, 3, generator=gen)
    assert torch.isfinite(y).all() and 0.4 < (y == 0).float().mean().item() < 0.8
    assert dropblock_expected_drop_fraction(1.0, 8, 8, 3) == pytest.approx(
        (y == 0).float().mean().item(), abs=0.03)
