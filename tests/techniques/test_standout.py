"""Standout (adaptive dropout): keep probability sigma(alpha s + beta) per unit."""
from __future__ import annotations

import math

import pytest
import torch

from dropout_tutorial.techniques import Standout, standout


def test_per_unit_keep_rate_follows_sigmoid(gen, assert_binomial):
    """Unit j is kept at rate sigma(alpha s_j + beta); larger s is kept more often (alpha > 0)."""
    s = torch.tensor([0.2, 0.5, 1.0, 2.0, 3.0], dtype=torch.float64)
    reps, alpha, beta = 20_000, 1.5, -1.0
    y = standout(s.repeat(reps, 1), alpha, beta, generator=gen)
    kept = (y != 0).sum(0)
    keep_prob = torch.sigmoid(alpha * s + beta)
    for j in range(5):
        assert_binomial(int(kept[j]), reps, keep_prob[j].item())
    assert bool((kept.diff() > 0).all())


def test_eval_is_the_exact_expectation(gen, assert_mean):
    """Eval returns k * g(s); the mean of training outputs converges to it."""
    s = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64)
    expected = torch.sigmoid(0.7 * s + 0.3) * torch.relu(s)
    torch.testing.assert_close(standout(s, 0.7, 0.3, training=False), expected, rtol=0, atol=0)
    reps = 50_000
    y = standout(s.repeat(reps, 1), 0.7, 0.3, generator=gen)
    for j in (1, 2):
        k, g = torch.sigmoid(0.7 * s[j] + 0.3).item(), s[j].item()
        assert_mean(y[:, j], k * g, g * math.sqrt(k * (1 - k)))


def test_alpha_zero_is_classic_dropout(gen, assert_binomial):
    """alpha = 0, beta = logit(q) drops at rate p with unscaled survivors g(s)."""
    p = 0.3
    s = torch.rand(100_000, generator=gen, dtype=torch.float64) + 0.1
    y = standout(s, 0.0, math.log((1 - p) / p), generator=gen)
    assert_binomial(int((y == 0).sum()), s.numel(), p)
    assert torch.equal(y[y != 0], s[y != 0])


def test_limits_keep_all_and_drop_all():
    """beta -> +inf keeps every unit (identity on g(s)); beta -> -inf drops all (zeros)."""
    s = torch.randn(50)
    assert torch.equal(standout(s, 0.0, 1e4), torch.relu(s))
    assert torch.equal(standout(s, 0.0, -1e4), torch.zeros(50))


def test_training_gradient_flows_only_through_kept_units(gen):
    """In training dy/ds = m * g'(s): zero at dropped units, k is not differentiated."""
    s = (torch.rand(1000, generator=gen, dtype=torch.float64) + 0.1).requires_grad_()
    y = standout(s, 1.0, 0.0, generator=gen)
    y.sum().backward()
    assert torch.equal(s.grad, (y.detach() != 0).double())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_module_shape_dtype_and_device(dtype, gen):
    """The module maps (*, in) to (*, out) in the input's dtype and on its device."""
    m = Standout(6, 4, alpha=1.0, beta=0.5).to(dtype)
    assert m(torch.randn(2, 3, 6, generator=gen).to(dtype), generator=gen).dtype == dtype
    assert m.eval()(torch.ones(2, 6, dtype=dtype)).shape == (2, 4)
    assert standout(torch.empty(3, device="meta")).device.type == "meta"
