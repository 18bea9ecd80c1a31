"""Stacked networks: equal to separate networks, correct dropout statistics, correct
MC metrics."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dropout_tutorial.stacked import (StackedMLP, fit_stacked, gather_rows,
                                      sampled_networks_forward, stacked_dropout,
                                      stacked_mc_regression)
from dropout_tutorial.techniques.mc import mc_log_likelihood


def _separate_copy(stack: StackedMLP, k: int) -> nn.Sequential:
    """Network ``k`` of the stack as an ordinary ``nn.Sequential`` (dropout off)."""
    layers = []
    for i, (w, b) in enumerate(zip(stack.weights, stack.biases)):
        lin = nn.Linear(*w.shape[1:])
        with torch.no_grad():
            lin.weight.copy_(w[k].T)
            lin.bias.copy_(b[k, 0])
        layers += [lin] + ([nn.ReLU()] if i < len(stack.weights) - 1 else [])
    return nn.Sequential(*layers)


def test_training_the_stack_equals_training_each_network_alone(gen):
    K, N, D = 3, 40, 5
    stack = StackedMLP(K, (D, 8, 1), p=0.0)
    nets = [_separate_copy(stack, k) for k in range(K)]
    x, y = torch.randn(K, N, D, generator=gen), torch.randn(K, N, 1, generator=gen)
    decay = torch.tensor([0.0, 1e-3, 1e-1])
    # one full batch per epoch: the data order cannot matter
    fit_stacked(stack, x, y, epochs=25, batch_size=N, weight_decay=decay, generator=gen)
    for k, net in enumerate(nets):
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-8)
        for _ in range(25):
            weights = [m.weight for m in net if isinstance(m, nn.Linear)]
            loss = (net(x[k]) - y[k]).square().mean() + decay[k] * sum(w.square().sum()
                                                                        for w in weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            torch.testing.assert_close(stack.eval()(x)[k], net(x[k]), rtol=1e-5, atol=1e-5)


def test_each_network_drops_its_own_fraction_and_keeps_the_mean(gen):
    p = torch.tensor([0.0, 0.1, 0.5])
    x = torch.ones(3, 20_000, 10)
    y = stacked_dropout(x, p, generator=gen)
    dropped = (y == 0).float().mean(dim=(1, 2))
    torch.testing.assert_close(dropped, p, atol=0.01, rtol=0)
    torch.testing.assert_close(y.mean(dim=(1, 2)), torch.ones(3), atol=0.02, rtol=0)
    assert stacked_dropout(x, p, training=False) is x


def test_grouped_input_shares_one_mask_per_group(gen):
    x = torch.ones(2, 4, 6, 9)                   # (K, groups, rows, features)
    y = stacked_dropout(x, torch.tensor([0.5, 0.5]), generator=gen)
    assert torch.equal(y, y[:, :, :1].expand_as(y))      # all rows of a group agree
    assert not torch.equal(y[:, 0], y[:, 1])             # groups differ


def test_sampled_networks_forward_equals_masking_the_activations():
    stack = StackedMLP(3, (4, 7, 5, 2), p=[0.1, 0.3, 0.5])
    x = torch.randn(3, 6, 4)
    out = sampled_networks_forward(stack, x, 4, torch.Generator().manual_seed(1))
    g = torch.Generator().manual_seed(1)
    keep = (1 - stack.p).view(3, 1, 1)
    h = x.unsqueeze(1).expand(3, 4, 6, 4)                # (K, passes, M, d)
    with torch.no_grad():
        for i, (w, b) in enumerate(zip(stack.weights, stack.biases)):
            mask = ((torch.rand(3, 4, w.shape[1], generator=g) < keep) / keep).unsqueeze(2)
            h = torch.matmul(h * mask, w.unsqueeze(1)) + b.unsqueeze(1)
            h = h.relu() if i < 2 else h
    torch.testing.assert_close(out, h)


def test_mc_metrics_match_the_reference_formula():
    torch.manual_seed(0)
    stack = StackedMLP(2, (3, 16, 1), p=[0.1, 0.2])
    x, y = torch.randn(2, 30, 3), torch.randn(2, 30, dtype=torch.float64)
    tau, mean, std = torch.tensor([2.0, 0.5]), torch.tensor([1.0, -2.0]), torch.tensor([3.0, 0.5])
    T = 50
    got = stacked_mc_regression(stack, x, y, T=T, tau=tau, y_mean=mean, y_std=std,
                                generator=torch.Generator().manual_seed(3))
    samples = sampled_networks_forward(stack, x, T, torch.Generator().manual_seed(3))[..., 0]
    samples = samples.double() * std.double()[:, None, None] + mean.double()[:, None, None]
    for k in range(2):
        s = samples[k]                                    # (T, M)
        ll = mc_log_likelihood(s, y[k], tau=float(tau[k]))
        assert got["ll"][k].item() == pytest.approx(ll.item(), abs=1e-9)
        mc_rmse = (s.mean(0) - y[k]).square().mean().sqrt()
        assert got["mc_rmse"][k].item() == pytest.approx(mc_rmse.item(), abs=1e-9)


def test_without_dropout_the_mc_likelihood_is_the_gaussian_density():
    stack = StackedMLP(1, (2, 4, 1), p=0.0)
    x, y = torch.randn(1, 10, 2), torch.randn(1, 10, dtype=torch.float64)
    got = stacked_mc_regression(stack, x, y, T=7, tau=4.0)
    pred = stack(x)[0, :, 0].double()
    expected = (-2.0 * (y[0] - pred) ** 2 - 0.5 * math.log(2 * math.pi) + 0.5 * math.log(4.0))
    assert got["ll"][0].item() == pytest.approx(expected.mean().item(), abs=1e-6)
    assert got["rmse"][0].item() == pytest.approx(got["mc_rmse"][0].item(), abs=1e-6)


def test_gather_rows_picks_rows_per_network():
    x = torch.arange(2 * 5 * 3.0).view(2, 5, 3)
    idx = torch.tensor([[4, 0], [1, 1]])
    assert torch.equal(gather_rows(x, idx), torch.stack([x[0, [4, 0]], x[1, [1, 1]]]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(num_models=2, sizes=(3, 4, 1), p=1.0), "p must be in"),
    (dict(num_models=2, sizes=(3, 4, 1), p=[0.1, -0.1]), "p must be in"),
    (dict(num_models=2, sizes=(3,), p=0.1), "sizes"),
    (dict(num_models=0, sizes=(3, 1), p=0.1), "num_models"),
])
def test_bad_construction_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        StackedMLP(**kwargs)


def test_bad_shapes_raise():
    stack = StackedMLP(2, (3, 4, 1))
    with pytest.raises(ValueError, match="input must have shape"):
        stack(torch.randn(3, 5, 3))
    with pytest.raises(ValueError, match="same N"):
        fit_stacked(stack, torch.randn(2, 5, 3), torch.randn(2, 4, 1), epochs=1)
    with pytest.raises(ValueError, match="y must have shape"):
        stacked_mc_regression(stack, torch.randn(2, 5, 3), torch.randn(2, 4), T=3, tau=1.0)
    with pytest.raises(ValueError, match="tau must be > 0"):
        stacked_mc_regression(stack, torch.randn(2, 5, 3), torch.randn(2, 5), T=3, tau=0.0)


def test_concrete_stack_regularizer_is_the_per_layer_concrete_regularizer():
    from dropout_tutorial.stacked import StackedConcreteMLP
    from dropout_tutorial.techniques.concrete import concrete_regularizer
    stack = StackedConcreteMLP(2, (3, 5, 1), p_init=0.2)
    got = stack.regularization(1e-3, 0.5)
    for k in range(2):
        expected = sum(concrete_regularizer(stack.p_logit[i, k], w[k].square().sum(), w.shape[1],
                                            1e-3, 0.5) for i, w in enumerate(stack.weights))
        assert got[k].item() == pytest.approx(expected.item(), rel=1e-6)
    torch.testing.assert_close(stack.drop_probabilities(), torch.full((2, 2), 0.2))


def test_concrete_stack_is_deterministic_in_eval_and_matches_the_plain_stack():
    from dropout_tutorial.stacked import StackedConcreteMLP
    stack = StackedConcreteMLP(2, (3, 5, 1)).eval()
    plain = StackedMLP(2, (3, 5, 1)).eval()
    plain.load_state_dict({k: v for k, v in stack.state_dict().items() if k != "p_logit"}
                          | {"p": plain.p})
    x = torch.randn(2, 4, 3)
    torch.testing.assert_close(stack(x), plain(x))


def test_the_entropy_term_raises_a_small_drop_probability(gen):
    """With a dominant dropout regularizer (tiny N), p moves from 0.1 toward 0.5."""
    from dropout_tutorial.stacked import StackedConcreteMLP
    stack = StackedConcreteMLP(1, (4, 8, 1), p_init=0.1)
    x, y = torch.randn(1, 16, 4, generator=gen), torch.randn(1, 16, 1, generator=gen)
    fit_stacked(stack, x, y, epochs=200, batch_size=16, lr=1e-2, generator=gen,
                regularizer=lambda m: m.regularization(1e-6, 1.0))
    assert (stack.drop_probabilities() > 0.3).all()


@pytest.mark.parametrize("kwargs, match", [(dict(p_init=0.0), "p_init"),
                                           (dict(temperature=0.0), "temperature")])
def test_concrete_stack_bad_arguments(kwargs, match):
    from dropout_tutorial.stacked import StackedConcreteMLP
    with pytest.raises(ValueError, match=match):
        StackedConcreteMLP(2, (3, 1), **kwargs)
