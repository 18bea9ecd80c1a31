"""Tests for meta-dropout: the noise op, the perturbed MLP, the inner loop and the demo."""
import math

import pytest
import torch
import torch.nn.functional as F

from dropout_tutorial.techniques.meta import (
    MetaDropoutMLP, inner_adapt, meta_dropout, meta_query_loss, sample_sinusoid_tasks,
    sinusoid_meta_dropout_demo,
)

Z = 5.0


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def small_model(seed=0, maml=False):
    torch.manual_seed(seed)
    return MetaDropoutMLP((1, 16, 16, 1), maml=maml)


class TestMetaDropoutOp:
    def test_deterministic_path_is_mu_times_softplus_alpha(self):
        """sample=False: y = mu * softplus(alpha), the same at every call."""
        mu, alpha = torch.randn(5, 4, generator=gen(1)), torch.randn(5, 4, generator=gen(2))
        y = meta_dropout(mu, alpha, sample=False)
        assert torch.allclose(y, mu * F.softplus(alpha))
        assert torch.equal(y, meta_dropout(mu, alpha, sample=False))

    def test_sampled_noise_has_mean_alpha_and_unit_variance(self):
        """a = softplus^-1(y / mu) ~ N(alpha, 1): mean and variance within z-bounds (n = 4e4)."""
        n, alpha0 = 40_000, 0.7
        y = meta_dropout(torch.full((n,), 2.0, dtype=torch.float64),
                         torch.full((n,), alpha0, dtype=torch.float64), generator=gen(3))
        a = torch.log(torch.expm1(y / 2.0))
        assert abs(a.mean().item() - alpha0) <= Z / math.sqrt(n)
        assert abs(a.var().item() - 1.0) <= Z * math.sqrt(2.0 / n)  # Var(s^2) = 2 for N(0, 1)

    def test_gradient_reaches_mu_and_alpha(self):
        """Reparameterised: dy/dmu = softplus(a), dy/dalpha = mu * sigmoid(a)."""
        mu = torch.randn(6, dtype=torch.float64, requires_grad=True)
        alpha = torch.randn(6, dtype=torch.float64, requires_grad=True)
        meta_dropout(mu, alpha, sample=False).sum().backward()
        assert torch.allclose(mu.grad, F.softplus(alpha.detach()))
        assert torch.allclose(alpha.grad, mu.detach() * torch.sigmoid(alpha.detach()))


class TestMetaDropoutMLP:
    def test_shape_dtype_and_sampling(self):
        """(N, 1) -> (N, 1); sampled outputs differ, deterministic ones do not."""
        net = small_model().double()
        x = torch.randn(7, 1, dtype=torch.float64)
        assert net(x).shape == (7, 1) and net(x).dtype == torch.float64
        assert torch.equal(net(x), net(x))
        assert not torch.equal(net(x, sample=True), net(x, sample=True))

    def test_maml_flag_removes_the_perturbation(self):
        """maml=True is a plain MLP: the output ignores phi and sampling."""
        net = small_model(maml=True)
        x = torch.randn(5, 1)
        plain = F.linear(F.relu(F.linear(F.relu(F.linear(x, net.theta["w0"], net.theta["b0"])),
                                         net.theta["w1"], net.theta["b1"])),
                         net.theta["w2"], net.theta["b2"])
        assert torch.allclose(net(x, sample=True), plain)

    def test_inner_loop_adapts_theta_only(self):
        """inner_adapt returns new theta tensors; phi and the stored theta are unchanged."""
        net = small_model()
        phi = {k: v.clone() for k, v in net.phi.items()}
        theta = {k: v.clone() for k, v in net.theta.items()}
        x_s, y_s, _, _ = sample_sinusoid_tasks(1, generator=gen(4))[0]
        adapted = inner_adapt(net, x_s, y_s, steps=2, inner_lr=0.1, generator=gen(5))
        assert adapted.keys() == net.theta.keys()
        assert any(not torch.equal(adapted[k], theta[k]) for k in theta)
        assert all(torch.equal(net.phi[k], phi[k]) for k in phi)
        assert all(torch.equal(net.theta[k], theta[k]) for k in theta)

    def test_phi_gradient_flows_through_the_inner_loop(self):
        """Second-order MAML: phi's query gradient has an inner-loop part; the first-order
        approximation keeps only the direct part (softplus(alpha) on the query path), which is
        also what steps=0 gives."""
        net = small_model(1)
        tasks = sample_sinusoid_tasks(2, generator=gen(6))

        def phi_grad(steps, create_graph):
            net.zero_grad()
            meta_query_loss(net, tasks, steps=steps, inner_lr=0.05, create_graph=create_graph,
                            generator=gen(7)).backward()
            return torch.cat([p.grad.flatten() for p in net.phi.values()])

        second, first, none = phi_grad(1, True), phi_grad(1, False), phi_grad(0, True)
        assert second.abs().sum() > 0
        assert not torch.allclose(second, first)
        assert torch.isfinite(second).all() and none.abs().sum() > 0

    def test_maml_model_gives_phi_no_gradient(self):
        """With the perturbation off, the query loss does not depend on phi."""
        net = small_model(2, maml=True)
        meta_query_loss(net, sample_sinusoid_tasks(2, generator=gen(8)), steps=1).backward()
        assert all(p.grad is None for p in net.phi.values())


def test_demo_outer_loop_reduces_query_loss():
    """Meta-training lowers the held-out post-adaptation query MSE (seeded, about 1 s)."""
    out = sinusoid_meta_dropout_demo(meta_steps=150, n_eval_tasks=20, seed=0)
    assert len(out["history"]) == 150
    assert out["after"] < 0.85 * out["before"]  # seed 0: 5.13 -> 3.95


BAD_INPUTS = [
    (lambda: meta_dropout(torch.ones(3), torch.ones(4)),
     ValueError, r"alpha must have the shape of mu"),
    (lambda: inner_adapt(small_model(), torch.ones(2, 1), torch.ones(2, 1), inner_lr=0.0),
     ValueError, r"inner_lr must be finite and > 0"),
    (lambda: inner_adapt(small_model(), torch.ones(2, 1), torch.ones(2, 1), steps=-1),
     ValueError, r"steps must be >= 0"),
    (lambda: MetaDropoutMLP(sizes=(3,)), ValueError, r"sizes must list at least 2 widths"),
    (lambda: MetaDropoutMLP()(torch.ones(3)), ValueError, r"MetaDropoutMLP: expected 2D input"),
    (lambda: sample_sinusoid_tasks(0), ValueError, r"n_tasks must be >= 1"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUTS)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Each bad argument raises the documented error type with the argument's name."""
    with pytest.raises(error, match=match):
        call()
