"""Alpha dropout: SELU self-normalization preserved, parity with F.alpha_dropout."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import (IMPLS, SELU_ALPHA_PRIME, AlphaDropout,
                                         FeatureAlphaDropout, alpha_dropout,
                                         feature_alpha_dropout)


def _a(p: float) -> float:
    return 1.0 / math.sqrt((SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("p", [0.05, 0.5])
def test_bitwise_parity_with_native(dtype, p):
    """native-parity equals F.alpha_dropout / F.feature_alpha_dropout (training=True) bitwise."""
    x = torch.randn(16, 6, 5).to(dtype)
    torch.manual_seed(1)
    ref = F.alpha_dropout(x, p, training=True)
    torch.manual_seed(1)
    assert torch.equal(alpha_dropout(x, p, impl="native-parity"), ref)
    torch.manual_seed(1)
    ref = F.feature_alpha_dropout(x, p, training=True)
    torch.manual_seed(1)
    assert torch.equal(feature_alpha_dropout(x, p, impl="native-parity"), ref)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("p", [0.05, 0.1, 0.2, 0.5])
def test_standard_normal_input_keeps_zero_mean_unit_variance(p, impl, gen):
    """For x ~ N(0, 1): E[y] = 0 and Var[y] = 1 (tolerance from the sample fourth moment)."""
    n = 200_000
    x = torch.randn(n, generator=gen, dtype=torch.float64)
    y = alpha_dropout(x, p, impl=impl, generator=gen)
    assert abs(y.mean().item()) <= 5 / math.sqrt(n)
    m4 = ((y - y.mean()) ** 4).mean().item()
    assert abs(y.var().item() - 1) <= 5 * math.sqrt((m4 - 1) / n)


@pytest.mark.parametrize("impl", IMPLS)
def test_dropped_value_and_rate(impl, gen, assert_binomial):
    """Dropped units equal -a * 1.7581 * (1 - p) (-0.779 at p = 0.5), a fraction ~ p of them."""
    n, p = 100_000, 0.5
    x = torch.rand(n, generator=gen, dtype=torch.float64) + 1.0         # never the constant
    y = alpha_dropout(x, p, impl=impl, generator=gen)
    const = -_a(p) * SELU_ALPHA_PRIME * (1 - p)
    assert round(const, 3) == -0.779
    dropped = torch.isclose(y, torch.full_like(y, const), rtol=0, atol=1e-12)
    assert_binomial(int(dropped.sum()), n, p)


def test_feature_variant_drops_whole_channels(gen):
    """feature=True: every (n, c) slice is either constant (dropped) or a * x + b."""
    x = torch.rand(32, 16, 10, generator=gen, dtype=torch.float64) + 1.0
    y = feature_alpha_dropout(x, 0.5, generator=gen)
    const = -_a(0.5) * SELU_ALPHA_PRIME * 0.5
    dropped = torch.isclose(y, torch.full_like(y, const)).all(-1)
    b = _a(0.5) * 0.5 * SELU_ALPHA_PRIME
    kept = torch.isclose(y, _a(0.5) * x + b).all(-1)
    assert bool((dropped ^ kept).all()) and dropped.any() and kept.any()


@pytest.mark.parametrize("impl", IMPLS)
def test_gradient_is_a_times_mask(impl, gen):
    """dy/dx = a * d: zero where dropped, a where kept."""
    x = (torch.rand(2000, generator=gen, dtype=torch.float64) + 1).requires_grad_()
    y = alpha_dropout(x, 0.2, impl=impl, generator=gen)
    y.sum().backward()
    const = torch.tensor(-_a(0.2) * SELU_ALPHA_PRIME * 0.8, dtype=torch.float64)
    kept = ~torch.isclose(y.detach(), const)
    torch.testing.assert_close(x.grad, kept.double() * _a(0.2))


def test_eval_p0_p1_and_training_default():
    """Eval and p = 0 return x; p = 1 gives zeros like PyTorch; training defaults to True here."""
    x = torch.randn(4, 3)
    assert AlphaDropout(0.5).eval()(x) is x and alpha_dropout(x, 0.0) is x
    torch.manual_seed(0)
    assert torch.equal(alpha_dropout(x, 1.0), F.alpha_dropout(x, 1.0, training=True))
    assert torch.equal(alpha_dropout(x, 1.0), torch.zeros_like(x))
    assert torch.equal(F.alpha_dropout(x, 0.5), x)            # PyTorch's default: off
    assert not torch.equal(alpha_dropout(x, 0.5), x)         # ours: on


def test_modules_dtype_and_device():
    """Modules keep dtype; masks follow the input's device."""
    y = FeatureAlphaDropout(0.1)(torch.ones(2, 3, 4, dtype=torch.float64))
    assert y.dtype == torch.float64
    assert AlphaDropout(0.1)(torch.empty(5, device="meta")).device.type == "meta"
    assert repr(FeatureAlphaDropout(0.1)) == "FeatureAlphaDropout(p=0.1, impl='fast')"
