"""Standard (classic) dropout and the exact geometric-mean identity of weight scaling."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import (StandardDropout, inverted_dropout,
                                         softmax_arithmetic_mean_over_masks,
                                         softmax_geometric_mean_over_masks, standard_dropout)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_and_eval_scaling(dtype, gen):
    """Train keeps shape and dtype; eval multiplies by q = 1 - p exactly."""
    x = torch.randn(4, 6, generator=gen, dtype=dtype)
    assert standard_dropout(x, 0.3).dtype == dtype
    assert torch.equal(standard_dropout(x, 0.3, training=False), x * 0.7)
    assert torch.equal(StandardDropout(0.3).eval()(x), x * 0.7)


def test_p0_identity_and_p1_zeros(gen):
    """p = 0 is the identity in both modes; p = 1 gives zeros in both modes."""
    x = torch.randn(100, generator=gen)
    assert standard_dropout(x, 0.0) is x and standard_dropout(x, 0.0, training=False) is x
    assert torch.equal(standard_dropout(x, 1.0), torch.zeros(100))
    assert torch.equal(standard_dropout(x, 1.0, training=False), torch.zeros(100))


def test_train_keeps_survivors_unscaled_with_mean_qx(gen, assert_mean, assert_binomial):
    """Train values are 0 or x; E[y] = q x and Var[y] = x^2 p q."""
    n, p, x0 = 200_000, 0.4, 3.0
    y = standard_dropout(torch.full((n,), x0, dtype=torch.float64), p, generator=gen)
    assert set(y.unique().tolist()) == {0.0, x0}
    assert_binomial(int((y == 0).sum()), n, p)
    assert_mean(y, (1 - p) * x0, math.sqrt(x0 ** 2 * p * (1 - p)))


def test_same_mask_standard_is_q_times_inverted(gen):
    """With the same seed, y_standard = q * y_inverted and the zero patterns coincide."""
    x = torch.randn(500, generator=gen, dtype=torch.float64)
    s = standard_dropout(x, 0.3, generator=torch.Generator().manual_seed(5))
    i = inverted_dropout(x, 0.3, generator=torch.Generator().manual_seed(5))
    assert torch.equal(s == 0, i == 0)
    torch.testing.assert_close(s, 0.7 * i)


def test_mask_parity_with_f_dropout():
    """native-parity draws the same mask as F.dropout for the same seed."""
    x = torch.rand(300) + 0.1
    torch.manual_seed(2)
    ref = F.dropout(x, 0.5, training=True)
    torch.manual_seed(2)
    ours = standard_dropout(x, 0.5, impl="native-parity")
    assert torch.equal(ours == 0, ref == 0) and torch.equal(ours[ours != 0], x[ours != 0])


def test_gradient_is_mask(gen):
    """dy/dx = m: zero where dropped, one where kept (no rescaling)."""
    x = (torch.rand(1000, generator=gen) + 0.5).requires_grad_()
    y = standard_dropout(x, 0.5, generator=gen)
    y.sum().backward()
    assert torch.equal(x.grad, (y.detach() != 0).float())


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_weight_scaling_equals_geometric_mean_over_all_masks(p):
    """Exact: the normalized geometric mean over all 2^8 masks = softmax(W (q x) + b)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, generator=g, dtype=torch.float64)
    w = torch.randn(4, 8, generator=g, dtype=torch.float64)
    b = torch.randn(4, generator=g, dtype=torch.float64)
    geo = softmax_geometric_mean_over_masks(x, w, b, p)
    scaled = torch.softmax(w @ ((1 - p) * x) + b, dim=-1)
    torch.testing.assert_close(geo, scaled, rtol=0, atol=1e-12)


def test_geometric_mean_batched_and_arithmetic_mean_differs():
    """Batched inputs work; the arithmetic (MC) mean is a distribution but not weight scaling."""
    g = torch.Generator().manual_seed(1)
    x = 2 * torch.randn(3, 8, generator=g, dtype=torch.float64)
    w = torch.randn(4, 8, generator=g, dtype=torch.float64)
    geo = softmax_geometric_mean_over_masks(x, w, None, 0.5)
    torch.testing.assert_close(geo, torch.softmax(0.5 * x @ w.T, dim=-1), rtol=0, atol=1e-12)
    arith = softmax_arithmetic_mean_over_masks(x, w, None, 0.5)
    torch.testing.assert_close(arith.sum(-1), torch.ones(3, dtype=torch.float64))
    assert (arith - geo).abs().max() > 1e-3
