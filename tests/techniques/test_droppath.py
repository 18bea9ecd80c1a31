"""DropPath / stochastic depth: per-sample (row) or per-batch branch dropping."""
from __future__ import annotations

import pytest
import torch

from dropout_tutorial.techniques import DropPath, drop_path


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_row_mode_per_sample_structure_and_rate(dtype, gen, assert_binomial):
    """Each sample is all zeros or exactly x / q; dropped samples ~ Binomial(N, p)."""
    x = (torch.rand(20_000, 3, 2, generator=gen) + 0.5).to(dtype)
    y = drop_path(x, 0.2, generator=gen).flatten(1)
    assert y.dtype == dtype
    dropped = (y == 0).all(1)
    kept = torch.isclose(y, (x / 0.8).flatten(1), rtol=2 * torch.finfo(dtype).eps, atol=0).all(1)
    assert bool((dropped ^ kept).all())
    assert_binomial(int(dropped.sum()), 20_000, 0.2)


def test_batch_mode_drops_the_whole_tensor(gen, assert_binomial):
    """'batch': one draw per call for the whole tensor."""
    x = torch.ones(4, 5)
    outcomes = [drop_path(x, 0.3, mode="batch", generator=gen) for _ in range(2000)]
    assert all(torch.equal(y, torch.zeros(4, 5)) or torch.equal(y, x / 0.7) for y in outcomes)
    assert_binomial(sum(bool((y == 0).all()) for y in outcomes), 2000, 0.3)


def test_bitwise_equal_to_timm_recipe():
    """Same mask draw as timm's drop_path (new_empty(N, 1, ...).bernoulli_(q).div_(q))."""
    x = torch.randn(16, 3, 4, 4)
    torch.manual_seed(5)
    ref = x * x.new_empty(16, 1, 1, 1).bernoulli_(0.75).div_(0.75)
    torch.manual_seed(5)
    assert torch.equal(drop_path(x, 0.25), ref)


def test_gradient_is_per_sample_mask_over_q(gen):
    """dy/dx = b_n / q, zero for dropped samples."""
    x = (torch.rand(64, 5, generator=gen) + 0.5).requires_grad_()
    y = drop_path(x, 0.5, generator=gen)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y.detach() != 0).float() / 0.5)


def test_p1_no_scaling_eval_and_skip_path():
    """p = 1: zeros, no division by zero; scale_by_keep=False keeps x; skip path survives."""
    x = torch.randn(8, 3)
    assert torch.equal(drop_path(x, 1.0), torch.zeros(8, 3))
    y = drop_path(x, 0.5, scale_by_keep=False)
    assert bool(((y == 0) | (y == x)).all())
    assert torch.equal(x + drop_path(x, 1.0), x)              # residual: skip never dropped
    assert DropPath(0.5).eval()(x) is x and drop_path(x, 0.0) is x
    assert drop_path(torch.empty(4, 2, device="meta"), 0.5).device.type == "meta"
    assert repr(DropPath(0.2, mode="batch")) == "DropPath(p=0.2, mode='batch', scale_by_keep=True)"
