"""Variational Gaussian dropout (Kingma 2015) and sparse variational dropout (Molchanov 2017)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import (KINGMA_C, KINGMA_CONST, LinearSVDO, LinearVD, kl_kingma,
                                         kl_molchanov, local_reparameterization, variational_kl)

LIMIT = (0.5772156649015329 + math.log(2)) / 2      # alpha -> inf limit of 0.5 log a - E log|eps|


def _mc_neg_kl(alpha: float, n: int = 1_000_000, seed: int = 0):
    """Monte-Carlo -KL = 0.5 log a - E log|1 + sqrt(a) z| - limit, and its standard error."""
    z = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    f = torch.log(torch.abs(1 + math.sqrt(alpha) * z))
    return 0.5 * math.log(alpha) - f.mean().item() - LIMIT, f.std().item() / math.sqrt(n)


@pytest.mark.parametrize("alpha", [1e-3, 1e-2, 0.1, 0.5, 1.0])
def test_kingma_kl_matches_monte_carlo_for_alpha_le_1(alpha):
    """Kingma's polynomial is within 0.021 (its fitted-constant error) + 5 s.e. of the MC KL."""
    neg_kl, se = _mc_neg_kl(alpha)
    approx = -kl_kingma(torch.tensor(math.log(alpha), dtype=torch.float64)).item()
    assert abs(approx - neg_kl) <= 0.021 + 5 * se


@pytest.mark.parametrize("alpha", [1e-3, 0.1, 1.0, 20.0, 1e3])
def test_molchanov_kl_matches_monte_carlo_everywhere(alpha):
    """Molchanov's approximation is within 0.0094 (+ 5 s.e.) of the MC KL over [1e-3, 1e3]."""
    neg_kl, se = _mc_neg_kl(alpha)
    approx = -kl_molchanov(torch.tensor(math.log(alpha), dtype=torch.float64)).item()
    assert abs(approx - neg_kl) <= 0.0094 + 5 * se


def test_kingma_polynomial_explodes_above_one_so_it_is_clipped():
    """Unclipped, the cubic is off by > 10 at alpha = 4; kl_kingma clips log alpha to <= 0."""
    c1, c2, c3 = KINGMA_C
    a = 4.0
    raw = 0.5 * math.log(a) + c1 * a + c2 * a ** 2 + c3 * a ** 3 + KINGMA_CONST
    assert abs(raw - _mc_neg_kl(a, n=100_000)[0]) > 10
    assert kl_kingma(torch.tensor(math.log(a))).item() == kl_kingma(torch.tensor(0.0)).item()


def test_molchanov_kl_positive_decreasing_and_vanishing():
    """KL > 0, decreasing in log alpha, and -> 0 as alpha -> infinity."""
    kl = kl_molchanov(torch.linspace(-8, 8, 200, dtype=torch.float64))
    assert bool((kl > 0).all()) and bool((kl.diff() < 0).all())
    assert kl_molchanov(torch.tensor(30.0, dtype=torch.float64)).item() < 1e-6


def test_local_reparameterization_moments_and_independence(gen):
    """Over many zeta: mean = A theta, var = A^2 (alpha theta^2); examples are uncorrelated."""
    a = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    theta = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    var_w = 0.5 * theta ** 2
    reps = 50_000
    b = local_reparameterization(a.repeat(reps, 1), theta, var_w, eps=0.0, generator=gen)
    b = b.reshape(reps, 4, 2)
    mean, var = a @ theta.T, (a * a) @ var_w.T
    assert bool(((b.mean(0) - mean).abs() <= 5 * (var / reps).sqrt()).all())
    assert bool(((b.var(0) - var).abs() <= 5 * var * math.sqrt(2 / reps)).all())
    corr = torch.corrcoef(torch.stack([b[:, 0, 0], b[:, 1, 0]]))[0, 1].item()
    assert abs(corr) <= 5 / math.sqrt(reps)


def test_linear_vd_train_stochastic_eval_deterministic_and_clipped(gen):
    """Train samples; eval is x theta^T + b; log alpha above 0 acts as alpha = 1."""
    layer = LinearVD(5, 3, granularity="weight").double()
    x = torch.randn(8, 5, generator=gen, dtype=torch.float64)
    assert not torch.equal(layer(x, generator=gen), layer(x, generator=gen))
    layer.eval()
    torch.testing.assert_close(layer(x), F.linear(x, layer.weight, layer.bias))
    with torch.no_grad():
        layer.log_alpha.fill_(2.0)
    assert layer.clipped_log_alpha().max().item() == 0.0
    torch.testing.assert_close(layer.kl(), 15 * kl_kingma(torch.tensor(0.0, dtype=torch.float64)))


@pytest.mark.parametrize("granularity,shape", [("weight", (3, 5)), ("input", (1, 5)),
                                               ("layer", (1, 1))])
def test_linear_vd_granularity_and_gradients(granularity, shape, gen):
    """log alpha has the requested shape; the KL counts every weight; gradients reach all."""
    layer = LinearVD(5, 3, granularity=granularity, p_init=0.2)
    assert layer.log_alpha.shape == shape
    torch.testing.assert_close(layer.kl(), 15 * kl_kingma(torch.tensor(math.log(0.25))))
    loss = layer(torch.randn(4, 5, generator=gen), generator=gen).pow(2).sum() + layer.kl()
    loss.backward()
    for prm in (layer.weight, layer.bias, layer.log_alpha):
        assert torch.isfinite(prm.grad).all() and prm.grad.abs().sum() > 0


def test_svdo_eval_prunes_exactly_log_alpha_ge_threshold():
    """Eval uses theta * [log alpha < 3]; sparsity is the pruned fraction."""
    layer = LinearSVDO(3, 2).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -2.0, 0.5], [0.1, 3.0, -1.0]]))
        layer.log_sigma2.copy_(torch.log(layer.weight ** 2) + torch.tensor([[4.0, 0, 2.9],
                                                                              [3.001, -5, 9.0]]))
    keep = torch.tensor([[False, True, True], [False, True, True]])
    keep[1, 2] = False                                  # log alpha = 9 clipped to 8 >= 3
    assert torch.equal(layer.keep_mask(), keep)
    assert layer.sparsity() == pytest.approx(3 / 6)
    x = torch.randn(4, 3, dtype=torch.float64)
    layer.eval()
    torch.testing.assert_close(layer(x), F.linear(x, layer.weight * keep, layer.bias))
    torch.testing.assert_close(layer(x), layer(x), rtol=0, atol=0)


def test_svdo_gradients_finite_at_zero_weight(gen):
    """eps inside log(theta^2 + 1e-8) keeps gradients finite when a weight is exactly 0."""
    layer = LinearSVDO(4, 3)
    with torch.no_grad():
        layer.weight[0, 0] = 0.0
    loss = layer(torch.randn(5, 4, generator=gen), generator=gen).sum() + layer.kl()
    loss.backward()
    assert torch.isfinite(layer.weight.grad).all() and torch.isfinite(layer.log_sigma2.grad).all()
    assert torch.isfinite(layer.kl())


def test_variational_kl_sums_all_layers():
    """variational_kl adds the KL of every LinearVD and LinearSVDO in a model."""
    model = torch.nn.Sequential(LinearVD(4, 3), torch.nn.ReLU(), LinearSVDO(3, 2))
    torch.testing.assert_close(variational_kl(model), model[0].kl() + model[2].kl())
    assert variational_kl(torch.nn.Linear(2, 2)).item() == 0.0


def test_vanishing_noise_makes_training_equal_evaluation(gen):
    """alpha -> 0: the train output is the eval output up to the sqrt(1e-8) = 1e-4 eps noise."""
    x = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    vd = LinearVD(4, 3).double()
    svdo = LinearSVDO(4, 3, log_sigma2_init=-60.0, clip=100.0).double()   # default clip: -8
    with torch.no_grad():
        vd.log_alpha.fill_(-60.0)
    for layer in (vd, svdo):
        train = layer.train()(x, generator=gen)
        torch.testing.assert_close(train, layer.eval()(x), rtol=0, atol=5e-4)
