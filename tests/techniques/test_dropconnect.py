"""DropConnect: dropped weights, moment-matched Gaussian inference, mean inference."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques import DropConnectLinear


def _layer(p=0.5, **kw):
    torch.manual_seed(0)
    return DropConnectLinear(6, 3, p=p, **kw).double()


def test_per_example_moments_match_the_paper(gen):
    """Per-example masks: u has mean q W v + b and variance q (1 - q) (W^2)(v^2)."""
    layer, q, n = _layer(p=0.4, per_example=True), 0.6, 20_000
    v = torch.linspace(-1, 1, 6, dtype=torch.float64)
    u = layer(v.repeat(n, 1), generator=gen).detach()
    mean = q * layer.weight.detach() @ v + layer.bias.detach()
    var = q * (1 - q) * (layer.weight.detach() ** 2) @ (v ** 2)
    assert bool(((u.mean(0) - mean).abs() <= 5 * (var / n).sqrt()).all())
    assert bool(((u.var(0) - var).abs() <= 5 * var * math.sqrt(3 / n)).all())   # kurtosis < 4


def test_batch_mask_shared_rate_and_gradient(gen, assert_binomial):
    """Per-batch: identical rows for identical inputs; drop rate Binomial(|W|); masked grads 0."""
    torch.manual_seed(1)
    layer = DropConnectLinear(200, 100, p=0.3, bias=False)
    eye = torch.eye(200)
    u = layer(eye, generator=gen)                                  # rows = (M * W)^T
    mask = (u.T != 0)
    assert_binomial(int((~mask).sum()), 200 * 100, 0.3)
    assert torch.equal(u.T[mask], layer.weight.detach()[mask])     # no rescaling
    u.sum().backward()
    assert torch.equal(layer.weight.grad, mask.float())
    rows = layer(torch.ones(5, 200), generator=gen)
    assert bool((rows == rows[0]).all())


def test_per_example_masks_differ(gen):
    """per_example=True draws a different mask for identical examples."""
    rows = _layer(per_example=True)(torch.ones(4, 6, dtype=torch.float64), generator=gen)
    assert not torch.equal(rows[0], rows[1])


def test_mean_inference_is_weight_scaling():
    """inference='mean' (or no activation): a(q W v + b), deterministic."""
    x = torch.randn(4, 6, dtype=torch.float64)
    layer = _layer(p=0.25, inference="mean", activation=torch.tanh).eval()
    expected = torch.tanh(0.75 * F.linear(x, layer.weight) + layer.bias)
    torch.testing.assert_close(layer(x), expected)
    plain = _layer(p=0.25).eval()                                # gaussian but identity activation
    torch.testing.assert_close(plain(x), 0.75 * F.linear(x, plain.weight) + plain.bias)


def test_gaussian_inference_converges_to_expected_activation():
    """(1/Z) sum tanh(u_z), u ~ N(mu, sigma^2), matches Gauss-Hermite E[tanh(u)] within 5 s.e."""
    layer = _layer(p=0.5, activation=torch.tanh, num_samples=20_000).eval()
    v = torch.linspace(-1, 1, 6, dtype=torch.float64).unsqueeze(0)
    r = layer(v, generator=torch.Generator().manual_seed(0)).squeeze(0)
    mu = (0.5 * layer.weight @ v[0] + layer.bias).detach().numpy()
    sd = np.sqrt(0.25 * (layer.weight.detach() ** 2 @ v[0] ** 2).numpy())
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    exact = (np.tanh(mu[:, None] + sd[:, None] * nodes) * weights).sum(1) / math.sqrt(2 * math.pi)
    assert np.all(np.abs(r.detach().numpy() - exact) <= 5 / math.sqrt(20_000))
    again = layer(v, generator=torch.Generator().manual_seed(0)).squeeze(0)
    assert torch.equal(r, again)                                   # seeded: reproducible


def test_p0_and_p1(gen):
    """p = 0 is a plain linear layer; p = 1 leaves only the bias in both modes."""
    x = torch.randn(3, 6, dtype=torch.float64)
    layer = _layer(p=0.0)
    torch.testing.assert_close(layer(x), F.linear(x, layer.weight, layer.bias))
    full = _layer(p=1.0, activation=torch.tanh)
    torch.testing.assert_close(full(x, generator=gen), torch.tanh(full.bias).expand(3, 3))
    torch.testing.assert_close(full.eval()(x), torch.tanh(full.bias).expand(3, 3))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_device_and_repr(dtype):
    """Output dtype follows the layer and input; masks follow the device."""
    layer = DropConnectLinear(4, 2).to(dtype)
    assert layer(torch.ones(3, 4, dtype=dtype)).dtype == dtype
    meta_layer = DropConnectLinear(4, 2).to("meta")
    assert meta_layer(torch.empty(3, 4, device="meta")).device.type == "meta"
    assert "p=0.5, inference='gaussian'" in repr(layer)
