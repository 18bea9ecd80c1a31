"""Gaussian dropout: y = x * eps, eps ~ N(1, p / (1 - p))."""
from __future__ import annotations

import math

import pytest
import torch

from dropout_tutorial.techniques import (GaussianDropout, StandardGaussianDropout,
                                         gaussian_dropout, standard_gaussian_dropout)


def _phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_shape_dtype_device(dtype, gen):
    """Shape, dtype and device follow the input (meta device included)."""
    x = torch.randn(3, 7, generator=gen).to(dtype)
    y = gaussian_dropout(x, 0.3, generator=gen)
    assert y.shape == x.shape and y.dtype == dtype
    assert gaussian_dropout(torch.empty(4, device="meta"), 0.3).device.type == "meta"


@pytest.mark.parametrize("p", [0.3, 0.5])
def test_mean_and_variance_match_bernoulli_dropout(p, gen, assert_mean):
    """E[y] = x and Var[y] = x^2 p / (1 - p), the variance of inverted Bernoulli dropout."""
    n, x0 = 200_000, 2.0
    y = gaussian_dropout(torch.full((n,), x0, dtype=torch.float64), p, generator=gen)
    var = x0 ** 2 * p / (1 - p)
    assert_mean(y, x0, math.sqrt(var))
    assert abs(y.var().item() - var) <= 5 * var * math.sqrt(2 / n)   # normal: Var(s^2) = 2 s^4 / n


def test_noise_distribution_ks(gen):
    """Kolmogorov-Smirnov distance of eps to N(1, alpha) below the 1e-6-level critical value."""
    n, p = 20_000, 0.5
    eps = gaussian_dropout(torch.ones(n, dtype=torch.float64), p, generator=gen).sort().values
    cdf = torch.tensor([_phi((e - 1) / math.sqrt(p / (1 - p))) for e in eps.tolist()],
                       dtype=torch.float64)
    i = torch.arange(1, n + 1, dtype=torch.float64)
    d = torch.maximum(i / n - cdf, cdf - (i - 1) / n).max().item()
    assert d < math.sqrt(-math.log(1e-6 / 2) / (2 * n))


def test_negative_multipliers_are_kept_and_no_zeros(gen, assert_binomial):
    """P(eps < 0) = Phi(-1 / sqrt(alpha)) (15.9% at p = 0.5); no exact zeros as in Bernoulli."""
    n = 100_000
    eps = gaussian_dropout(torch.ones(n, dtype=torch.float64), 0.5, generator=gen)
    assert_binomial(int((eps < 0).sum()), n, _phi(-1.0))
    assert not (eps == 0).any()


def test_gradient_is_the_noise(gen):
    """dy/dx = eps = y / x."""
    x = (torch.rand(1000, generator=gen, dtype=torch.float64) + 0.5).requires_grad_()
    y = gaussian_dropout(x, 0.2, generator=gen)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y / x).detach())


def test_eval_p0_identity_and_p1_rejected():
    """Eval and p = 0 return x; p = 1 (infinite variance) raises ValueError."""
    x = torch.randn(5)
    assert GaussianDropout(0.5).eval()(x) is x and gaussian_dropout(x, 0.0) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got p=1.0"):
        gaussian_dropout(x, 1.0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        GaussianDropout(1.0)


# --- the papers' form: noise N(q, pq) in training, y = q x in evaluation ---------------------

@pytest.mark.parametrize("p", [0.2, 0.5])
def test_papers_form_matches_bernoulli_mean_and_variance(p, gen, assert_mean):
    """E[y] = q x and Var[y] = p q x^2: the mean and variance of a Bernoulli(q) mask."""
    n, x0, q = 200_000, 2.0, 1 - p
    y = standard_gaussian_dropout(torch.full((n,), x0, dtype=torch.float64), p, generator=gen)
    var = x0 ** 2 * p * q
    assert_mean(y, q * x0, math.sqrt(var))
    assert abs(y.var().item() - var) <= 5 * var * math.sqrt(2 / n)


def test_papers_form_is_the_mean_one_form_times_q():
    """The same generator state gives q times gaussian_dropout's output; gradient = noise."""
    x = (torch.rand(500, dtype=torch.float64) + 0.5).requires_grad_()
    y = standard_gaussian_dropout(x, 0.3, generator=torch.Generator().manual_seed(4))
    ref = gaussian_dropout(x.detach(), 0.3, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(y.detach(), 0.7 * ref)
    y.sum().backward()
    torch.testing.assert_close(x.grad, (y / x).detach())


def test_papers_form_eval_scales_by_q_and_p0_is_identity():
    x = torch.randn(6)
    torch.testing.assert_close(StandardGaussianDropout(0.4).eval()(x), 0.6 * x)
    assert standard_gaussian_dropout(x, 0.0) is x
    assert StandardGaussianDropout(0.0)(x) is x
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got p=1.0"):
        standard_gaussian_dropout(x, 1.0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        StandardGaussianDropout(1.0)
    assert repr(StandardGaussianDropout(0.25)) == "StandardGaussianDropout(p=0.25)"
