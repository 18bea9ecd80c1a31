"""Tests for MC dropout: mode switching, batched sampling and the predictive summaries."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from dropout_tutorial.techniques.mc import (
    enable_mc_dropout, expected_entropy, mc_log_likelihood, mc_predict, model_precision,
    mutual_information, predictive_entropy, predictive_mean, predictive_probs,
    regression_predictive, variation_ratio,
)
from dropout_tutorial.techniques.recurrent import LockedDropout, VariationalLSTM

Z = 5.0


def assert_binomial(k: int, n: int, p: float) -> None:
    assert abs(k - n * p) <= Z * math.sqrt(n * p * (1 - p)), (k, n, p)


def regression_net(p: float = 0.2) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(p), nn.Linear(16, 1))


# ------------------------------------------------------------------ modes

class TestEnableMCDropout:
    def test_only_dropout_goes_to_training_and_modes_are_restored(self):
        """Dropout on, BatchNorm and the rest in eval; previous modes back after the block."""
        net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5),
                            nn.Sequential(nn.Dropout2d(0.1)))
        net.train()
        net[0].eval()  # a mixed starting state must be restored as it was
        before = [m.training for m in net.modules()]
        with enable_mc_dropout(net) as model:
            assert model is net
            assert [m.training for m in net.modules()] == [False, False, False, True, False, True]
        assert [m.training for m in net.modules()] == before

    def test_batchnorm_statistics_unchanged_by_mc_predict(self):
        """BatchNorm stays in eval: running statistics are not updated while sampling."""
        net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 1))
        net[1].running_mean.fill_(0.3)
        stats = [t.clone() for t in net[1].buffers()]
        mc_predict(net, torch.randn(1, 3), T=50)  # batch of 1 would fail in train mode
        assert all(torch.equal(a, b) for a, b in zip(stats, net[1].buffers()))

    def test_plain_call_applies_at_once_and_counts_modules(self):
        """Without `with`, the switch stays on; num_enabled counts the modules switched on."""
        net = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), VariationalLSTM(4, 4))
        mode = enable_mc_dropout(net)
        assert mode.num_enabled == 2 and net[1].training and net[2].training
        assert not net.training
        mode.restore()
        assert net.training

    def test_warns_when_no_dropout_module(self):
        """A model without dropout modules gets a warning (the samples would be identical)."""
        with pytest.warns(UserWarning, match="no dropout module found"):
            enable_mc_dropout(nn.Linear(2, 2))

    def test_transformer_layer_fast_path_is_disabled(self):
        """nn.TransformerEncoderLayer in eval takes a fused path that skips its dropout; MC mode
        switches the layer itself on, so samples differ, while children-only would not."""
        torch.manual_seed(1)
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.3,
                                           batch_first=True).eval()
        x = torch.randn(2, 5, 8)
        samples = mc_predict(layer, x, T=3)
        assert not torch.equal(samples[0], samples[1])
        for m in layer.modules():  # the naive way: only the nn.Dropout children
            if isinstance(m, nn.Dropout):
                m.train()
        with torch.no_grad():
            assert torch.equal(layer(x), layer(x))


# ------------------------------------------------------------------ sampling

class TestMCPredict:
    def test_shape_and_default_chunking(self):
        """(N, D) input gives (T, N, out); the default chunk size does not change the shape."""
        net = regression_net()
        x = torch.randn(7, 3)
        assert mc_predict(net, x, T=11).shape == (11, 7, 1)
        assert mc_predict(net, x, T=11, max_rows=15).shape == (11, 7, 1)

    def test_vectorized_equals_chunked_and_separate_passes_exactly(self):
        """Same seed: one batched pass, chunks of 3 passes, and T separate model(x) calls give the
        same values (one dropout layer; the CPU sampler consumes its stream sequentially)."""
        torch.manual_seed(0)
        a = torch.empty(10).bernoulli_(0.5)
        torch.manual_seed(0)
        b = torch.cat([torch.empty(4).bernoulli_(0.5), torch.empty(6).bernoulli_(0.5)])
        assert torch.equal(a, b), "precondition: bernoulli_ draws must not depend on chunking"
        net, x, T = regression_net(), torch.randn(5, 3), 10
        torch.manual_seed(1)
        vectorized = mc_predict(net, x, T, chunk_size=T)
        torch.manual_seed(1)
        chunked = mc_predict(net, x, T, chunk_size=3)
        torch.manual_seed(1)
        with enable_mc_dropout(net), torch.no_grad():
            separate = torch.stack([net(x) for _ in range(T)])
        assert torch.equal(vectorized, chunked) and torch.equal(vectorized, separate)

    def test_vectorized_and_chunked_agree_in_distribution(self):
        """Two dropout layers (draw order differs between paths): the drop rates both match p."""
        net = nn.Sequential(nn.Dropout(0.3), nn.Dropout(0.3))
        x = torch.ones(50, 40)
        torch.manual_seed(2)
        for chunk in (200, 7):
            s = mc_predict(net, x, T=200, chunk_size=chunk)
            keep = 0.7 * 0.7
            assert_binomial(int((s == 0).sum()), s.numel(), 1 - keep)
            assert torch.allclose(s[s != 0], torch.tensor(1 / keep))

    def test_repeated_calls_differ_and_eval_is_deterministic(self):
        """MC samples vary; plain eval forward passes do not; the model is left in eval."""
        net = regression_net().eval()
        x = torch.randn(4, 3)
        s = mc_predict(net, x, T=2)
        assert not torch.equal(s[0], s[1])
        assert torch.equal(net(x), net(x)) and not net.training

    def test_mean_converges_to_the_analytic_expectation(self):
        """Dropout then Linear: E[y] = W x + b; the MC mean is within z * sd / sqrt(T)."""
        torch.manual_seed(3)
        p, T = 0.3, 20_000
        lin = nn.Linear(6, 1)
        net = nn.Sequential(nn.Dropout(p), lin)
        x = torch.randn(2, 6)
        mean = predictive_mean(mc_predict(net, x, T))
        exact = lin(x).detach()
        sd = torch.sqrt((lin.weight ** 2 * x ** 2).sum(-1, keepdim=True) * p / (1 - p)).detach()
        assert ((mean - exact).abs() <= Z * sd / math.sqrt(T)).all()

    def test_per_pass_masks_share_the_mask_across_inputs(self):
        """per_pass_masks: in pass t every input has the same zeros; the rate is Binomial(T*F, p)
        and p, hooks and modes are restored afterwards."""
        net = nn.Sequential(nn.Dropout(0.4))
        x = torch.ones(6, 300)
        s = mc_predict(net, x, T=40, chunk_size=16, per_pass_masks=True,
                       generator=torch.Generator().manual_seed(4))
        assert torch.equal(s, s[:, :1].expand_as(s))
        assert_binomial(int((s[:, 0] == 0).sum()), 40 * 300, 0.4)
        assert net[0].p == 0.4 and not net[0]._forward_hooks and not hasattr(net[0], "_mc_p")

    def test_per_pass_masks_are_reproducible_with_a_generator(self):
        """The same generator seed gives the same samples in per-pass mode."""
        net, x = regression_net(), torch.randn(5, 3)
        a = mc_predict(net, x, 20, per_pass_masks=True, generator=torch.Generator().manual_seed(5))
        b = mc_predict(net, x, 20, per_pass_masks=True, generator=torch.Generator().manual_seed(5))
        assert torch.equal(a, b)

    def test_works_with_project_recurrent_modules(self):
        """Sequence models: LockedDropout and VariationalLSTM are switched on by MC mode."""
        torch.manual_seed(6)
        net = nn.Sequential(LockedDropout(0.3, batch_first=True))
        s = mc_predict(net.eval(), torch.ones(2, 5, 4), T=30)
        assert s.shape == (30, 2, 5, 4)
        assert torch.equal(s, s[:, :, :1].expand_as(s))  # locked over time within each pass
        assert (s == 0).any()


# ------------------------------------------------------------------ summaries

class TestSummaries:
    def test_regression_variance_is_sample_variance_plus_inverse_tau(self):
        """Var = (1/T) sum y_t^2 - mean^2 + 1/tau, exactly (numpy oracle)."""
        rng = np.random.default_rng(0)
        s = rng.normal(size=(30, 5, 2))
        mean, var = regression_predictive(torch.from_numpy(s), tau=2.5)
        assert np.allclose(mean.numpy(), s.mean(0))
        assert np.allclose(var.numpy(), (s ** 2).mean(0) - s.mean(0) ** 2 + 1 / 2.5)

    @pytest.mark.parametrize("out_dims", [(), (3,)])
    def test_log_likelihood_matches_direct_mixture_density(self, out_dims):
        """logsumexp formula = log((1/T) sum_t N(y; y_t, 1/tau)), averaged over points (numpy)."""
        rng = np.random.default_rng(1)
        T, N, tau = 8, 6, 3.0
        s, y = rng.normal(size=(T, N) + out_dims), rng.normal(size=(N,) + out_dims)
        dens = np.sqrt(tau / (2 * np.pi)) * np.exp(-0.5 * tau * (y - s) ** 2)   # per value
        dens = dens.reshape(T, N, -1).prod(-1)                                   # independent dims
        expected = np.log(dens.mean(0)).mean()
        ll = mc_log_likelihood(torch.from_numpy(s), torch.from_numpy(y), tau)
        assert ll.item() == pytest.approx(expected, rel=1e-10)

    def test_model_precision_uses_keep_probability(self):
        """tau = (1 - p) l^2 / (2 N lambda), and Gal's reg formula recovers lambda."""
        l, p, N, lam = 0.5, 0.1, 200, 1e-4
        tau = model_precision(l, p, N, lam)
        assert tau == pytest.approx(0.9 * 0.25 / (2 * 200 * 1e-4))
        assert l ** 2 * (1 - p) / (2.0 * N * tau) == pytest.approx(lam)  # DropoutUncertaintyExps

    def test_predictive_probs_average_probabilities_not_logits(self):
        """p_bar = mean_t softmax(logits_t), which differs from softmax(mean_t logits)."""
        logits = torch.tensor([[[4.0, 0.0]], [[0.0, 0.0]]])
        probs = predictive_probs(logits)
        assert torch.allclose(probs, logits.softmax(-1).mean(0))
        assert not torch.allclose(probs, logits.mean(0).softmax(-1))

    def test_entropy_and_bald_bounds_and_numpy_oracle(self):
        """0 <= MI <= H[p_bar] <= log C on random passes, and both match numpy."""
        torch.manual_seed(7)
        probs = torch.randn(20, 9, 4).softmax(-1)
        H, MI = predictive_entropy(probs), mutual_information(probs)
        assert (MI >= 0).all() and (MI <= H + 1e-7).all() and (H <= math.log(4) + 1e-7).all()
        P = probs.numpy().astype(np.float64)
        p_bar = P.mean(0)
        H_np = -(p_bar * np.log(p_bar)).sum(-1)
        EH_np = -(P * np.log(P)).sum(-1).mean(0)
        assert np.allclose(H.numpy(), H_np, atol=1e-6)
        assert np.allclose(expected_entropy(probs).numpy(), EH_np, atol=1e-6)
        assert np.allclose(MI.numpy(), H_np - EH_np, atol=1e-6)

    def test_bald_is_zero_for_a_deterministic_model(self):
        """p = 0: all passes agree, so the mutual information is 0 (up to float32 rounding of
        the mean, a few ulp of log C)."""
        torch.manual_seed(8)
        net = nn.Sequential(nn.Linear(3, 5), nn.Dropout(0.0), nn.Softmax(-1))
        probs = mc_predict(net, torch.randn(4, 3), T=10)
        assert torch.equal(probs[0], probs[-1])
        assert torch.allclose(mutual_information(probs), torch.zeros(4), atol=1e-6)
        assert (predictive_entropy(probs) > 0).all()

    def test_variation_ratio(self):
        """1 - (modal count)/T: 3 votes for class 0 and 1 for class 1 give 0.25."""
        probs = torch.tensor([[[0.9, 0.1]], [[0.8, 0.2]], [[0.6, 0.4]], [[0.1, 0.9]]])
        assert variation_ratio(probs).item() == pytest.approx(0.25)


# ------------------------------------------------------------------ bad input

BAD_INPUTS = [
    (lambda: mc_predict(nn.Dropout(), torch.ones(2, 3), T=0),
     ValueError, r"T must be >= 1, got T=0"),
    (lambda: mc_predict(nn.Dropout(), torch.ones(2, 3), T=2.5), TypeError, r"T must be an int"),
    (lambda: mc_predict(nn.Dropout(), [1.0, 2.0], T=2), TypeError, r"x must be a torch.Tensor"),
    (lambda: mc_predict(nn.Dropout(), torch.ones(2, 3), T=2, chunk_size=0),
     ValueError, r"chunk_size must be >= 1"),
    (lambda: enable_mc_dropout("model"), TypeError, r"model must be an nn.Module"),
    (lambda: mc_predict(VariationalLSTM(3, 3), torch.ones(2, 4, 3), T=2),
     TypeError, r"model must return a tensor, got tuple"),
    (lambda: regression_predictive(torch.ones(3, 2), tau=0.0),
     ValueError, r"tau must be finite and > 0"),
    (lambda: mc_log_likelihood(torch.ones(3, 2), torch.ones(3), tau=1.0),
     ValueError, r"y must have shape \(2,\)"),
    (lambda: model_precision(1.0, p=1.0, N=10, weight_decay=1e-4),
     ValueError, r"p must be in \[0, 1\), got p=1.0"),
    (lambda: model_precision(1.0, p=0.1, N=10, weight_decay=float("nan")),
     ValueError, r"weight_decay must be finite"),
    (lambda: model_precision(1.0, p=0.1, N=0, weight_decay=1e-4), ValueError, r"N must be >= 1"),
    (lambda: predictive_entropy(torch.randn(4, 2, 3)),
     ValueError, r"pass softmax\(logits\), not logits"),
    (lambda: predictive_mean(torch.ones(5)),
     ValueError, r"expected samples of shape \(T, N, ...\)"),
    (lambda: predictive_mean(torch.ones(5, 2, dtype=torch.long)),
     TypeError, r"samples must be a floating-point"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUTS)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Each bad argument raises the documented error type with the argument's name."""
    with pytest.raises(error, match=match):
        call()
