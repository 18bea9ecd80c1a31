"""Chapter 6 (Concrete dropout): the objective, the synthetic experiment, the configs."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch

import dropout_tutorial as dt
from dropout_tutorial.experiments import concrete as ch06
from dropout_tutorial.models import ConcreteMLP
from dropout_tutorial.techniques import ConcreteDropout, concrete_regularization


def test_heteroscedastic_loss_is_twice_the_gaussian_nll_without_constant():
    """mean_i sum_d (exp(-s)(y - mu)^2 + s) = 2 NLL - D log(2 pi), checked by hand and
    against torch.distributions.Normal."""
    mu = torch.tensor([[1.0], [0.0], [2.0]], dtype=torch.float64)
    s = torch.tensor([[0.0], [math.log(4.0)], [-1.0]], dtype=torch.float64)
    y = torch.tensor([[2.0], [1.0], [2.5]], dtype=torch.float64)
    hand = ((1.0 + 0.0) + (1.0 / 4.0 + math.log(4.0)) + (math.e * 0.25 - 1.0)) / 3
    loss = ch06.heteroscedastic_loss(torch.cat([mu, s], 1), y)
    assert loss.item() == pytest.approx(hand, rel=1e-12)
    nll = -torch.distributions.Normal(mu, torch.exp(0.5 * s)).log_prob(y).mean()
    assert loss.item() == pytest.approx(2 * nll.item() - math.log(2 * math.pi), rel=1e-12)


def test_heteroscedastic_loss_sums_output_dimensions():
    out = torch.tensor([[0.0, 1.0, 0.0, 0.0]])         # mu = (0, 1), s = (0, 0)
    assert ch06.heteroscedastic_loss(out, torch.tensor([[1.0, 3.0]])).item() == 1.0 + 4.0


@pytest.mark.parametrize("output,target,name", [
    (torch.zeros(4, 3), torch.zeros(4, 1), "output"),   # odd width: not mean + log variance
    (torch.zeros(4, 2), torch.zeros(5, 1), "target"),
    (torch.zeros(4, 2), torch.zeros(4), "target"),
])
def test_heteroscedastic_loss_rejects_bad_shapes(output, target, name):
    with pytest.raises(ValueError, match=name):
        ch06.heteroscedastic_loss(output, target)


def test_regularizer_weights_are_the_authors_and_scale_as_one_over_n():
    wr, dr = ch06.regularizer_weights(1e-4, 100)
    assert (wr, dr) == pytest.approx((1e-8 / 100, 2 / 100), rel=1e-12)
    wr10, dr10 = ch06.regularizer_weights(1e-4, 1000)
    assert (wr / wr10, dr / dr10) == pytest.approx((10.0, 10.0), rel=1e-12)
    assert wr / dr == pytest.approx(1e-8 / 2, rel=1e-12)       # ratio l^2 / 2, independent of N
    assert ch06.regularizer_weights(1e-2, 50, loss="cross_entropy") == \
        pytest.approx((1e-4 / 50, 1 / 50), rel=1e-12)
    assert ch06.regularizer_weights(1e-2, 50, tau=4.0) == pytest.approx((1e-4 / 200, 2 / 200))


@pytest.mark.parametrize("kwargs,name", [
    (dict(length_scale=1e-4, n_train=0), "n_train"),
    (dict(length_scale=0.0, n_train=10), "length_scale"),
    (dict(length_scale=1e-4, n_train=10, tau=-1.0), "tau"),
    (dict(length_scale=1e-4, n_train=10, loss="mse"), "loss"),
])
def test_regularizer_weights_reject_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        ch06.regularizer_weights(**kwargs)


def test_model_regularizer_halves_when_n_doubles():
    """Same weights and p: the whole Concrete regularizer of the network is proportional
    to 1/N, so the balance between the data term and the KL term moves with N."""
    torch.manual_seed(0)
    small = ConcreteMLP((1, 8, 8, 1), heteroscedastic=True,
                        **dict(zip(("weight_regularizer", "dropout_regularizer"),
                                   ch06.regularizer_weights(0.5, 10))))
    large = ConcreteMLP((1, 8, 8, 1), heteroscedastic=True,
                        **dict(zip(("weight_regularizer", "dropout_regularizer"),
                                   ch06.regularizer_weights(0.5, 20))))
    large.load_state_dict(small.state_dict())
    x = torch.randn(4, 1)
    small(x), large(x)
    ratio = concrete_regularization(small) / concrete_regularization(large)
    assert ratio.item() == pytest.approx(2.0, rel=1e-6)


def test_concrete_mlp_layout_and_input_dims():
    """Every Linear is wrapped (input layer included); two heads see the last hidden layer."""
    net = ConcreteMLP((3, 16, 16, 2), weight_regularizer=0.0, dropout_regularizer=0.0,
                      heteroscedastic=True)
    out = net(torch.zeros(5, 3))
    assert out.shape == (5, 4)
    assert [m.input_dim for m in net.concrete_layers()] == [3, 16, 16, 16]
    assert all(isinstance(m, ConcreteDropout) for m in net.concrete_layers())
    assert net.drop_probabilities() == pytest.approx([0.1] * 4)
    plain = ConcreteMLP((3, 16, 2), weight_regularizer=0.0, dropout_regularizer=0.0)
    assert plain(torch.zeros(5, 3)).shape == (5, 2) and len(plain.concrete_layers()) == 2
    with pytest.raises(ValueError, match="sizes"):
        ConcreteMLP((3,), weight_regularizer=0.0, dropout_regularizer=0.0)


def test_learned_p_rises_at_small_n_and_falls_at_large_n():
    """On 20 points, the N = 10 regularizer (strong entropy term, K = 32) pushes the hidden
    layers' p from 0.1 towards 0.5, while the N = 100,000 one lets the data term lower it."""
    learned = {}
    for n_reg in (10, 100_000):
        torch.manual_seed(0)
        x, y = ch06.make_synthetic_data(20, generator=torch.Generator().manual_seed(0))
        wr, dr = ch06.regularizer_weights(1e-4, n_reg)
        net = ConcreteMLP((1, 32, 32, 1), weight_regularizer=wr, dropout_regularizer=dr,
                          heteroscedastic=True)
        opt = torch.optim.Adam(net.parameters(), lr=1e-2)
        for _ in range(200):
            loss = ch06.heteroscedastic_loss(net(x), y) + concrete_regularization(net)
            opt.zero_grad()
            loss.backward()
            opt.step()
        learned[n_reg] = net.drop_probabilities()
    hidden_small, hidden_large = learned[10][1:], learned[100_000][1:]
    assert min(hidden_small) > 0.25                 # measured 0.35-0.40
    assert max(hidden_large) < 0.09                 # measured 0.04-0.07
    assert learned[10][0] < 0.1                     # K = 1: the input layer's p stays small


def test_synthetic_summary_matches_hand_computation():
    # T = 2 passes, M = 2 points; samples[..., 0] = mean, samples[..., 1] = log variance
    samples = torch.tensor([[[1.0, 0.0], [3.0, math.log(4.0)]],
                            [[3.0, 0.0], [5.0, math.log(4.0)]]])
    y = torch.tensor([[2.0], [3.0]])
    out = ch06.synthetic_summary(samples, y)
    assert out["rmse"] == pytest.approx(math.sqrt((0.0 + 1.0) / 2))     # MC means 2 and 4
    assert out["epistemic_var"] == pytest.approx(1.0)                   # Var_t = 1 at each point
    assert out["aleatoric_var"] == pytest.approx((1.0 + 4.0) / 2)
    ll = [sum(-0.5 * math.exp(-s) * (m - t) ** 2 - 0.5 * s - 0.5 * math.log(2 * math.pi)
              for (m, s), t in zip(row, (2.0, 3.0))) for row in samples.tolist()]
    hand = (math.log(sum(math.exp(v) for v in ll)) - math.log(2)) / 2
    assert out["test_ll"] == pytest.approx(hand, rel=1e-6)


def test_synthetic_data_is_the_authors_line():
    x, y = ch06.make_synthetic_data(20_000, generator=torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (20_000, 1)
    noise = y - 2 * x - 8
    assert abs(x.mean().item()) < 0.03 and abs(x.std().item() - 1) < 0.02
    assert abs(noise.mean().item()) < 0.03 and abs(noise.std().item() - 1) < 0.02


def test_cpu_budget_uses_the_authors_settings():
    cfgs = ch06.synthetic_configs("cpu")
    assert list(cfgs) == [f"N={n}" for n in ch06.PAPER_NS]
    for (label, runs), epochs in zip(cfgs.items(), ch06.PAPER_EPOCHS):
        assert len(runs) == 3 and [r.seed for r in runs] == [0, 1, 2]
        c = runs[0]
        assert (c.epochs, c.batch_size, c.hidden, c.length_scale, c.n_val, c.mc_samples,
                c.init_p, c.temperature) == (epochs, 20, (1024,) * 3, 1e-4, 1000, 20, 0.1, 0.1)
        assert label == f"N={c.n_train}"
    paper = ch06.synthetic_configs("paper")
    assert [dataclasses.replace(r, budget="cpu") for runs in paper.values() for r in runs] == \
        [r for runs in cfgs.values() for r in runs]


def test_mnist_configs_pair_concrete_with_dropout_at_equal_updates():
    cfgs = ch06.mnist_configs("cpu")
    sizes = (5_000, 10_000, 20_000, 50_000)
    assert list(cfgs) == [f"{m}, {s:,}" for m in ("concrete", "dropout") for s in sizes]
    updates = {runs[0].train.epochs * runs[0].train_size // 100 for runs in cfgs.values()}
    assert updates == {5_000}                       # the same number of Adam updates
    assert all(r.train.optimizer == "adam" for runs in cfgs.values() for r in runs)
    assert cfgs["dropout, 5,000"][0].p_input == 0.2 and cfgs["dropout, 5,000"][0].p_hidden == 0.5
    with pytest.raises(ValueError, match="method"):
        ch06.ConcreteMNISTConfig("x", "cpu", method="standout")
    with pytest.raises(ValueError, match="train_size"):
        ch06.ConcreteMNISTConfig("x", "cpu", train_size=0)


def test_bad_budget_and_config_values_raise():
    with pytest.raises(ValueError, match="budget"):
        ch06.configs("gpu")
    with pytest.raises(ValueError, match="batch_size"):
        ch06.SyntheticConfig("x", "cpu", batch_size=0)
    with pytest.raises(ValueError, match="length_scale"):
        ch06.SyntheticConfig("x", "cpu", length_scale=-1.0)


def test_smoke_synthetic_run_is_stored_and_resumes_bit_for_bit(monkeypatch):
    """A run interrupted after 2 of 4 epochs and resumed from its checkpoint ends exactly
    where an uninterrupted run ends."""
    small = dict(n_train=40, n_val=50, hidden=(16, 16), mc_samples=5, log_every=1)
    full = ch06.SyntheticConfig("t-full", "smoke", epochs=4, **small)
    rec = dt.run(full, device="cpu", progress=False)
    names = ch06.layer_names(2, heteroscedastic=True)
    assert names == ("L1", "L2", "mean", "logvar")
    assert set(rec.final) >= {"rmse", "test_ll", "epistemic_var", "aleatoric_var",
                              *(f"p_{k}" for k in names)}
    assert rec.history["epoch"] == [1, 2, 3, 4] and rec.final["updates"] == 8
    assert dt.run(full, device="cpu").path == rec.path              # stored: not retrained

    half = dataclasses.replace(full, name="t-resumed", epochs=2)
    dt.run(half, device="cpu", progress=False)
    resumed = dataclasses.replace(full, name="t-resumed")
    ckpt = dt.runner.checkpoint_path(resumed)
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    dt.runner.checkpoint_path(half).rename(ckpt)                    # as if interrupted
    again = dt.run(resumed, device="cpu", progress=False)
    assert again.provenance["resumed_from_epoch"] == 2
    for key in ("rmse", "test_ll", *(f"p_{k}" for k in names)):
        assert again.final[key] == rec.final[key]
    assert again.history["train_loss"] == rec.history["train_loss"]


def test_aggregate_synthetic_follows_the_authors_printout():
    """RMSE s.e. = np.std (population) / sqrt(R); std = sqrt of the mean variance."""
    # keys in the alphabetical order of a stored record: logvar before mean
    finals = [dict(aleatoric_var=1.0, epistemic_var=0.25, p_L1=0.1, p_L2=0.3, p_logvar=0.9,
                   p_mean=0.3, rmse=1.0),
              dict(aleatoric_var=4.0, epistemic_var=0.25, p_L1=0.2, p_L2=0.3, p_logvar=0.7,
                   p_mean=0.5, rmse=2.0)]
    out = ch06.aggregate_synthetic(finals)
    assert out["rmse"] == 1.5 and out["rmse_se"] == pytest.approx(0.5 / math.sqrt(2))
    assert out["aleatoric"] == pytest.approx(math.sqrt(2.5)) and out["epistemic"] == 0.5
    assert out["layers"] == ("L1", "L2", "mean", "logvar")       # network order
    assert out["p"] == pytest.approx((0.15, 0.3, 0.4, 0.8))
    assert out["p_se"] == pytest.approx((0.05, 0.0, 0.1, 0.1))     # sample s.d. / sqrt(R)
    with pytest.raises(ValueError, match="finals"):
        ch06.aggregate_synthetic([])


def test_paper_table_is_complete_and_in_layer_order():
    assert tuple(ch06.PAPER_SYNTHETIC) == ch06.PAPER_NS
    for row in ch06.PAPER_SYNTHETIC.values():
        assert len(row["p"]) == len(ch06.SYNTHETIC_LAYERS)
        assert row["p"][0] < min(row["p"][1:])            # the input layer's p is the smallest


def test_adam_limit_p_bounds_what_adam_can_reach():
    """Adam on a constant-sign gradient moves the logit by lr per step, so p follows the
    bound exactly; the authors' schedules (1,000-2,000 updates from p = 0.1) cap p near
    0.23-0.45."""
    assert ch06.adam_limit_p(0.1, 1e-3, 0) == pytest.approx(0.1)
    assert ch06.adam_limit_p(0.1, 1e-3, 2000) == pytest.approx(0.4509, abs=1e-4)
    logit = torch.nn.Parameter(torch.tensor(math.log(0.1 / 0.9)))
    opt = torch.optim.Adam([logit], lr=1e-3)
    for _ in range(500):
        opt.zero_grad()
        (-3.0 * logit).backward()                       # constant push towards larger p
        opt.step()
    assert torch.sigmoid(logit).item() == pytest.approx(ch06.adam_limit_p(0.1, 1e-3, 500),
                                                        abs=1e-4)
    with pytest.raises(ValueError, match="init_p"):
        ch06.adam_limit_p(0.0, 1e-3, 10)
    with pytest.raises(ValueError, match="updates"):
        ch06.adam_limit_p(0.1, 1e-3, -1)
