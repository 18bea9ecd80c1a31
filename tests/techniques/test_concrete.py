"""Concrete dropout: relaxed Bernoulli mask, learnable p, the authors' regularizer."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dropout_tutorial.techniques import (ConcreteDropout, concrete_dropout,
                                         concrete_regularization)


def _logit(p: float) -> torch.Tensor:
    return torch.tensor(math.log(p / (1 - p)), dtype=torch.float64)


@pytest.mark.parametrize("p,t", [(0.1, 0.1), (0.5, 0.1), (0.1, 1.0)])
def test_relaxed_keep_above_half_has_probability_one_minus_p(p, t, gen, assert_binomial):
    """Exact for every t: P(1 - z~ > 1/2) = 1 - p."""
    n = 100_000
    y = concrete_dropout(torch.ones(n, dtype=torch.float64), _logit(p), t, generator=gen)
    keep = y * (1 - p)                                          # 1 - z~
    assert_binomial(int((keep > 0.5).sum()), n, 1 - p)


def test_mean_keep_close_to_one_minus_p_at_low_temperature(gen):
    """At t = 0.1, E[1 - z~] is within 0.01 of 1 - p (0.8989 vs 0.9 at p = 0.1)."""
    y = concrete_dropout(torch.ones(200_000, dtype=torch.float64), _logit(0.1), 0.1, generator=gen)
    assert abs((y * 0.9).mean().item() - 0.9) < 0.01


def test_regularizer_matches_hand_computation():
    """R = wr sum(theta^2) / (1 - p) + dr K (p log p + (1 - p) log(1 - p)), K = x[0].numel()."""
    layer = nn.Linear(3, 2).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, 1.0]]))
        layer.bias.copy_(torch.tensor([0.5, -1.0]))
    m = ConcreteDropout(layer, weight_regularizer=0.01, dropout_regularizer=0.2).double()
    with torch.no_grad():
        m.p_logit.copy_(_logit(0.2))                            # exactly logit(0.2) in float64
    m(torch.ones(5, 3, dtype=torch.float64))
    p, squares, k = 0.2, 1 + 4 + 0.25 + 0 + 9 + 1 + 0.25 + 1, 3
    hand = 0.01 * squares / (1 - p) + 0.2 * k * (p * math.log(p) + (1 - p) * math.log(1 - p))
    assert m.regularization().item() == pytest.approx(hand, rel=1e-12)
    assert concrete_regularization(nn.Sequential(m, nn.ReLU())).item() == pytest.approx(hand)


def test_input_dim_is_per_example_numel():
    """K = x[0].numel(), e.g. 12 for a (5, 3, 4) input."""
    m = ConcreteDropout(nn.Linear(4, 2))
    m(torch.ones(5, 3, 4))
    assert m.input_dim == 12


@pytest.mark.parametrize("logit", [-100.0, 30.0])
def test_float32_numerically_safe_at_extreme_logits(logit, gen):
    """No NaN or inf in the output, the regularizer or the gradient when sigmoid saturates."""
    m = ConcreteDropout(nn.Linear(4, 1))
    with torch.no_grad():
        m.p_logit.fill_(logit)
    y = m(torch.randn(8, 4, generator=gen), generator=gen)
    loss = y.sum() + m.regularization()
    loss.backward()
    assert torch.isfinite(y).all() and torch.isfinite(loss) and torch.isfinite(m.p_logit.grad)
    if logit < 0:                                   # p ~ 0: the relaxed mask keeps everything
        x = torch.randn(32, generator=gen)
        torch.testing.assert_close(concrete_dropout(x, torch.tensor(logit), generator=gen), x)


def test_gradient_reaches_p_logit_and_eval_is_deterministic(gen):
    """d loss / d p_logit is finite and non-zero; eval is layer(x) without dropout."""
    m = ConcreteDropout(nn.Linear(4, 2))
    x = torch.randn(16, 4, generator=gen)
    (m(x, generator=gen).pow(2).sum() + m.regularization()).backward()
    assert torch.isfinite(m.p_logit.grad) and m.p_logit.grad.abs() > 0
    m.eval()
    torch.testing.assert_close(m(x), m.layer(x), rtol=0, atol=0)
    assert concrete_dropout(x, m.p_logit, training=False) is x


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_dtype_and_device_follow_input(dtype):
    """The output keeps the input's dtype (noise computed in >= float32) and device."""
    y = concrete_dropout(torch.ones(3, 4, dtype=dtype), torch.tensor(-2.0))
    assert y.dtype == dtype and torch.isfinite(y).all()
    assert concrete_dropout(torch.empty(3, device="meta"),
                            torch.tensor(0.0, device="meta")).device.type == "meta"


def _fit(dropout_regularizer: float, steps: int = 150) -> float:
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1)
    m = ConcreteDropout(nn.Linear(8, 1), weight_regularizer=1e-6,
                        dropout_regularizer=dropout_regularizer, init_p=0.1)
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        opt.zero_grad()
        loss = (m(x, generator=g) - y).pow(2).mean() + m.regularization()
        loss.backward()
        opt.step()
    return m.drop_probability.item()


def test_learned_p_moves_in_the_expected_direction():
    """Noise-free regression: the data term lowers p; a strong entropy term raises p toward 0.5."""
    assert _fit(dropout_regularizer=1e-5) < 0.1
    assert _fit(dropout_regularizer=1.0) > 0.1


def test_regularization_needs_a_forward_pass():
    """regularization() before any forward call raises RuntimeError."""
    with pytest.raises(RuntimeError, match="call forward first"):
        ConcreteDropout(nn.Linear(2, 2)).regularization()


def test_fixed_p_fast_path_equals_learnable_path():
    """A p_logit without gradient builds the same mask in place as the differentiable path."""
    x = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    logit = torch.tensor(-1.0)
    a = concrete_dropout(x, logit, generator=torch.Generator().manual_seed(1))
    b = concrete_dropout(x, logit.clone().requires_grad_(),
                         generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b.detach())
