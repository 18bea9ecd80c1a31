"""Inverted dropout: y = m x / q, eval identity, bitwise parity with F.dropout (CPU)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import IMPLS, InvertedDropout, inverted_dropout

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_shape_dtype_device_preserved(impl, dtype, gen):
    """Output keeps the input's shape, dtype and device."""
    x = torch.randn(3, 4, 5, generator=gen).to(dtype)
    y = inverted_dropout(x, 0.3, impl=impl)
    assert y.shape == x.shape and y.dtype == dtype and y.device == x.device


@pytest.mark.parametrize("impl", IMPLS)
def test_mask_follows_input_device(impl):
    """The mask is built on the input's device (a CPU mask would fail on a meta tensor)."""
    y = inverted_dropout(torch.empty(8, 8, device="meta"), 0.3, impl=impl)
    assert y.device.type == "meta"


@pytest.mark.parametrize("impl", IMPLS)
def test_eval_and_p0_return_input(impl, gen):
    """Evaluation and p = 0 return the input itself (an alias, like nn.Dropout)."""
    x = torch.randn(10, generator=gen)
    assert inverted_dropout(x, 0.5, training=False, impl=impl) is x
    assert inverted_dropout(x, 0.0, impl=impl) is x
    assert InvertedDropout(0.5, impl=impl).eval()(x) is x


@pytest.mark.parametrize("impl", IMPLS)
def test_p1_gives_zeros_and_zero_gradient(impl, gen):
    """p = 1 returns zeros and passes no gradient."""
    x = torch.randn(50, generator=gen, requires_grad=True)
    y = inverted_dropout(x, 1.0, impl=impl)
    y.sum().backward()
    assert torch.equal(y, torch.zeros(50)) and torch.equal(x.grad, torch.zeros(50))


@pytest.mark.parametrize("impl", IMPLS)
def test_drop_rate_is_binomial(impl, gen, assert_binomial):
    """The number of dropped elements is Binomial(numel, p)."""
    n, p = 200_000, 0.3
    y = inverted_dropout(torch.ones(n), p, impl=impl, generator=gen)
    assert_binomial(int((y == 0).sum()), n, p)


@pytest.mark.parametrize("impl", IMPLS)
def test_kept_values_are_x_over_q(impl, gen):
    """Every survivor equals x / q (up to one rounding)."""
    x = torch.rand(10_000, generator=gen) + 0.5
    y = inverted_dropout(x, 0.3, impl=impl, generator=gen)
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / 0.7, rtol=2e-7, atol=0)


@pytest.mark.parametrize("impl", IMPLS)
def test_mean_and_variance_match_formula(impl, gen, assert_mean):
    """E[y] = x and Var[y] = x^2 p / q (tolerance from the two-point distribution)."""
    n, p, x0 = 200_000, 0.3, 2.0
    q = 1 - p
    y = inverted_dropout(torch.full((n,), x0, dtype=torch.float64), p, impl=impl, generator=gen)
    var = x0 ** 2 * p / q
    assert_mean(y, x0, math.sqrt(var))
    mu4 = q * (x0 * p / q) ** 4 + p * x0 ** 4          # fourth central moment
    assert abs(y.var().item() - var) <= 5 * math.sqrt((mu4 - var ** 2) / n)


@pytest.mark.parametrize("impl", IMPLS)
def test_gradient_is_mask_over_q(impl, gen):
    """dy/dx = m / q: exactly zero where dropped, 1/q where kept."""
    x = (torch.rand(1000, generator=gen) + 0.5).requires_grad_()
    y = inverted_dropout(x, 0.4, impl=impl, generator=gen)
    y.backward(torch.ones_like(y))
    kept = y.detach() != 0
    assert torch.equal(x.grad[~kept], torch.zeros(int((~kept).sum())))
    torch.testing.assert_close(x.grad[kept], torch.full((int(kept.sum()),), 1 / 0.6))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_native_parity_bitwise_equals_f_dropout(dtype, p):
    """With the same global seed, impl='native-parity' equals F.dropout bit for bit (CPU)."""
    x = torch.randn(64, 37).to(dtype)
    torch.manual_seed(7)
    ref = F.dropout(x, p, training=True)
    torch.manual_seed(7)
    ours = inverted_dropout(x, p, impl="native-parity")
    assert torch.equal(ours, ref)


def test_native_parity_with_generator_and_module():
    """A generator seeded like the global one, and the module form, reproduce nn.Dropout."""
    x = torch.randn(8, 3, 5, 5).to(memory_format=torch.channels_last)   # layout kept as ATen
    torch.manual_seed(3)
    ref = torch.nn.Dropout(0.25)(x)
    module = InvertedDropout(0.25, impl="native-parity")
    ours = module(x, generator=torch.Generator().manual_seed(3))
    assert torch.equal(ours, ref)


@pytest.mark.parametrize("impl", IMPLS)
def test_seed_reproduces_and_calls_differ(impl):
    """Two calls give different masks; re-seeding reproduces the mask."""
    x = torch.ones(1000)
    g = torch.Generator().manual_seed(11)
    a = inverted_dropout(x, 0.5, impl=impl, generator=g)
    b = inverted_dropout(x, 0.5, impl=impl, generator=g)
    c = inverted_dropout(x, 0.5, impl=impl, generator=torch.Generator().manual_seed(11))
    assert not torch.equal(a, b) and torch.equal(a, c)


def test_module_repr_and_training_flag():
    """The module reads self.training and reports its hyperparameters."""
    m = InvertedDropout(0.2)
    assert repr(m) == "InvertedDropout(p=0.2, impl='fast')"
    assert (m(torch.ones(1000)) == 0).any()
