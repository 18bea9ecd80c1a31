"""Chapter 5 (MC dropout for classification): LeNet, Caffe's inv policy, rotations, the MC
summaries, the budgets' configs, and one smoke run of both runner tasks on real MNIST."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

import dropout_tutorial as dt
from dropout_tutorial.experiments import mc_classification as ch05
from dropout_tutorial.models import LeNet
from dropout_tutorial.runner import checkpoint_path


# --- LeNet --------------------------------------------------------------------------------

def test_lenet_has_caffes_layers_and_parameter_count():
    """20@5x5 (520) + 50@5x5 (25,050) + 800->500 (400,500) + 500->10 (5,010) = 431,080."""
    net = LeNet(p=0.5)
    assert sum(p.numel() for p in net.parameters()) == 431_080
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert isinstance(net.head[0], nn.Dropout) and net.head[0].p == 0.5
    assert not any(isinstance(m, nn.Dropout) for m in net.trunk)   # dropout only in the head
    assert isinstance(LeNet(p=0.0).head[0], nn.Identity)


def test_lenet_forward_is_head_of_trunk_and_deterministic_in_eval(gen):
    net = LeNet().eval()
    x = torch.rand(4, 1, 28, 28, generator=gen)
    assert torch.equal(net(x), net.head(net.trunk(x)))
    assert torch.equal(net(x), net(x))


def test_lenet_caffe_init_is_xavier_uniform_with_zero_bias():
    torch.manual_seed(0)
    net = LeNet()
    for layer in (m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))):
        bound = math.sqrt(3.0 / layer.weight[0].numel())
        assert layer.weight.abs().max() <= bound
        assert layer.weight.abs().max() > 0.95 * bound            # fills the interval
        assert torch.equal(layer.bias, torch.zeros_like(layer.bias))


@pytest.mark.parametrize("kwargs, match", [
    (dict(p=1.5), r"p must be in \[0, 1\], got p=1.5"),
    (dict(init="he"), "init must be 'caffe' or 'default', got init='he'"),
    (dict(image_size=12), "image_size must be at least 16"),
])
def test_lenet_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LeNet(**kwargs)


def test_mc_over_the_head_equals_mc_over_the_network(gen):
    """Sampling only the head on cached features gives the full network's samples."""
    net = LeNet()
    x = torch.rand(5, 1, 28, 28, generator=gen)
    torch.manual_seed(3)
    full = dt.techniques.mc.mc_predict(net, x, T=20)
    torch.manual_seed(3)
    head = dt.techniques.mc.mc_predict(net.head, ch05.trunk_features(net, x), T=20)
    assert torch.allclose(full, head, atol=1e-5)


def test_mc_mean_of_the_head_converges_to_weight_scaling(gen):
    """Inverted dropout before a linear layer: E[logits] = weight-scaling logits; the
    average of T = 4000 passes is within 6 standard errors of it."""
    net = LeNet()
    features = ch05.trunk_features(net, torch.rand(3, 1, 28, 28, generator=gen))
    logits = ch05.mc_head_logits(net, features, 4000, generator=gen)
    se = logits.std(0) / math.sqrt(4000)
    assert ((logits.mean(0) - net.head.eval()(features)).abs() < 6 * se + 1e-6).all()
    assert (logits.std(0) > 0).all()                                 # the passes do differ


def test_per_pass_masks_are_shared_across_inputs(gen):
    """With one mask per pass, two identical inputs get identical samples in every pass."""
    net = LeNet()
    features = ch05.trunk_features(net, torch.rand(1, 1, 28, 28, generator=gen)).repeat(2, 1)
    logits = ch05.mc_head_logits(net, features, 50, generator=gen)
    assert torch.equal(logits[:, 0], logits[:, 1])


# --- Caffe's inv learning-rate policy -----------------------------------------------------

def test_caffe_inv_lr_by_hand():
    assert ch05.caffe_inv_lr(0, 0.01, 1e-4, 0.75) == 0.01
    assert ch05.caffe_inv_lr(10_000, 0.01, 1e-4, 0.75) == pytest.approx(0.01 * 2 ** -0.75)
    # the cpu budget's last update (7,820 updates) and the paper's 10^6 iterations
    # 0.01 * 1.7819^-0.75
    assert ch05.caffe_inv_lr(7_819, 0.01, 1e-4, 0.75) == pytest.approx(0.006484, abs=1e-6)
    assert ch05.caffe_inv_lr(10**6, 0.01, 1e-4, 0.75) == pytest.approx(0.01 * 101 ** -0.75)


def test_caffe_inv_schedule_sets_the_rate_before_each_step_of_its_model_only():
    model, other = nn.Linear(2, 1), nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    opt_other = torch.optim.SGD(other.parameters(), lr=1.0)
    seen = []
    with ch05.caffe_inv_schedule(model, 0.01, 0.5, 1.0, start_iteration=2) as iteration:
        for _ in range(3):
            model(torch.ones(1, 2)).sum().backward()
            opt.step()
            seen.append(opt.param_groups[0]["lr"])
            opt_other.step()
    assert seen == pytest.approx([0.01 / 2.0, 0.01 / 2.5, 0.01 / 3.0])   # i = 2, 3, 4
    assert iteration[0] == 5
    assert opt_other.param_groups[0]["lr"] == 1.0                      # untouched
    opt.step()                                                         # hook removed
    assert opt.param_groups[0]["lr"] == pytest.approx(0.01 / 3.0)


# --- inputs -------------------------------------------------------------------------------

def test_rotations_by_multiples_of_90_degrees_are_exact(gen):
    x = torch.rand(3, 1, 28, 28, generator=gen)
    assert torch.allclose(ch05.rotate_images(x, 0.0), x, atol=1e-5)
    assert torch.allclose(ch05.rotate_images(x, 90.0), torch.rot90(x, 1, dims=(-2, -1)),
                          atol=1e-5)
    assert torch.allclose(ch05.rotate_images(x, 180.0), torch.rot90(x, 2, dims=(-2, -1)),
                          atol=1e-5)
    assert torch.allclose(ch05.rotate_images(x, 360.0), x, atol=1e-5)


def test_rotation_keeps_a_centred_digit_and_takes_one_angle_per_image(gen):
    x = torch.zeros(2, 1, 28, 28)
    x[:, :, 8:20, 12:16] = 1.0                                         # a centred bar ("1")
    out = ch05.rotate_images(x, torch.tensor([45.0, 90.0]))
    assert out.sum((1, 2, 3)) == pytest.approx(x.sum((1, 2, 3)), rel=0.05)   # ink preserved
    assert torch.allclose(out[1], torch.rot90(x[1], 1, dims=(-2, -1)), atol=1e-5)


@pytest.mark.parametrize("x, degrees, match", [
    (torch.zeros(2, 28, 28), 10.0, r"x must be a float tensor \(N, C, H, W\), got \(2, 28, 28\)"),
    (torch.zeros(2, 1, 28, 28), torch.zeros(3), "degrees must be one angle or one per image"),
])
def test_rotation_rejects_bad_inputs(x, degrees, match):
    with pytest.raises(ValueError, match=match):
        ch05.rotate_images(x, degrees)


def test_noise_images_are_seeded_and_in_range():
    a = ch05.noise_images(50, generator=torch.Generator().manual_seed(1))
    b = ch05.noise_images(50, generator=torch.Generator().manual_seed(1))
    assert a.shape == (50, 1, 28, 28) and torch.equal(a, b)
    assert a.min() >= 0 and a.max() <= 1
    assert 0.1 < a.mean() < 0.25                   # clipped N(0.13, 0.31^2): mean about 0.18


# --- summaries ----------------------------------------------------------------------------

def test_rotation_summary_agreeing_and_disagreeing_passes():
    """Angle 0: every pass says class 0 with one logit vector (no spread, MI = 0).
    Angle 1: half the passes say class 0, half class 1, confidently (MI close to log 2)."""
    agree = torch.tensor([10.0, 0.0, 0.0]).expand(4, 3)
    split = torch.tensor([[20.0, 0.0, 0.0], [0.0, 20.0, 0.0]]).repeat(2, 1)
    summary = ch05.rotation_summary(torch.stack([agree, split]))
    assert summary["logit_sd"][0] == 0 and summary["probability_sd"][0] == 0
    assert summary["mutual_information"][0] == pytest.approx(0.0, abs=1e-6)
    assert summary["mutual_information"][1] == pytest.approx(math.log(2), abs=1e-4)
    assert summary["entropy"][1] == pytest.approx(math.log(2), abs=1e-4)
    assert summary["mean_probability"][1] == pytest.approx(0.5, abs=1e-4)
    with pytest.raises(ValueError, match=r"logits must be a tensor \(angles, T, classes\)"):
        ch05.rotation_summary(torch.zeros(4, 3))


def test_rotation_verdict_on_a_constructed_figure():
    """Upright: confident '1' with some logit spread; 90°: passes split between 1 and 2,
    which is ambiguous, with the largest spread and MI; 180°: confident '1' again. No
    angle is read as 5 or 7, so the drift of the paper's figure is absent."""
    confident = torch.tensor([12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    upright = torch.stack([torch.roll(confident, 1) + 0.5 * k for k in range(4)])
    split = torch.zeros(4, 8)
    split[0::2, 1], split[1::2, 2] = 15.0, 15.0
    summary = ch05.rotation_summary(torch.stack([upright, split, upright]))
    verdict = ch05.rotation_verdict(summary, (0.0, 90.0, 180.0))
    assert verdict["ambiguous_angles"] == [90.0]
    assert verdict["angle_max_mi"] == 90.0 and verdict["angle_max_sd"] == 90.0
    assert verdict["uncertain_when_ambiguous"]
    assert not verdict["drifts_like_paper"]
    assert ch05.shown_classes(torch.stack([upright, split, upright])) == [1, 2]


def test_first_T_matching_uses_the_mean_over_repeats():
    sweep = {"T": [1, 10, 100], "accuracy": [[0.90, 0.95, 0.99], [0.92, 0.97, 0.99]]}
    assert ch05.first_T_matching(sweep, "accuracy", 0.96) == 10     # mean 0.96 at T = 10
    assert ch05.first_T_matching(sweep, "accuracy", 0.995) is None


def test_sweep_passes_reports_each_T(gen):
    net = LeNet()
    features = ch05.trunk_features(net, torch.rand(20, 1, 28, 28, generator=gen))
    labels = torch.randint(0, 10, (20,), generator=gen)
    out = ch05.sweep_passes(net, features, labels, (5, 1, 2), generator=gen)
    assert out["T"] == [1, 2, 5]
    assert all(0 <= a <= 1 for a in out["accuracy"])
    assert all(ll < 0 for ll in out["log_likelihood"])


# --- configs and the runner tasks ---------------------------------------------------------

@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_configs_follow_the_paper_solver(budget):
    runs = ch05.configs(budget)
    (model,), (analysis,) = runs["LeNet, dropout p = 0.5"], runs["MC dropout analysis"]
    assert analysis.model == model and model.budget == analysis.budget == budget
    assert model.p == 0.5 and model.lr_policy == "inv"
    assert (model.lr_gamma, model.lr_power) == (1e-4, 0.75)
    solver = model.train
    assert (solver.lr, solver.momentum, solver.weight_decay, solver.batch_size) == \
        (0.01, 0.9, 5e-4, 64)
    assert len(analysis.angles) == 12 and analysis.passes == 100
    dt.config_hash(model), dt.config_hash(analysis)                   # hashable, JSON-able


def test_paper_budget_is_about_a_million_updates():
    model = ch05.configs("paper")["LeNet, dropout p = 0.5"][0]
    updates = model.train.epochs * -(-50_000 // model.train.batch_size)
    assert 0.95e6 < updates < 1.05e6


def test_config_rejects_unknown_policy():
    with pytest.raises(ValueError, match="lr_policy must be 'inv' or 'epoch'"):
        dataclasses.replace(ch05.configs("smoke")["LeNet, dropout p = 0.5"][0], lr_policy="step")


def test_smoke_runs_train_and_analyse():
    """Both tasks at the smoke budget on real MNIST: a record, a checkpoint holding the
    final weights, and an analysis whose numbers are well formed."""
    runs = ch05.configs("smoke")
    model_cfg, analysis_cfg = runs["LeNet, dropout p = 0.5"][0], runs["MC dropout analysis"][0]
    rec = dt.run(model_cfg, device="cpu", progress=False)
    assert rec.final["epochs"] == 1 and rec.final["updates"] == 32
    assert rec.final["test_error"] < 0.5                              # learned something
    assert checkpoint_path(model_cfg).exists()
    final = dt.run(analysis_cfg, device="cpu", progress=False).final
    logits = torch.tensor(final["rotation"]["logits"])
    assert logits.shape == (12, 100, 10)
    calib = final["calibration"]
    for method in ("MC dropout", "weight scaling"):
        assert 0 <= calib[method]["ece"] <= 1 and calib[method]["nll"] > 0
        assert sum(calib[method]["bins"]["count"]) == analysis_cfg.n_test
    net = ch05.load_trained_lenet(model_cfg)                          # the final weights
    test = ch05.load_mnist_images().test.subset(analysis_cfg.n_test)
    error = dt.evaluate(net, test)["error"]
    assert calib["weight scaling"]["accuracy"] == pytest.approx(1 - error)
    sets = final["uncertainty"]["sets"]
    assert sum(sets["MNIST test"]["hist_entropy"]) == analysis_cfg.n_test
    assert sets["Gaussian noise"]["mean_entropy"] > sets["MNIST test"]["mean_entropy"]
    sweep = final["sweep"]
    assert sweep["T"] == list(analysis_cfg.sweep)
    assert len(sweep["accuracy"]) == analysis_cfg.sweep_repeats


def test_resumed_training_continues_the_inv_schedule_bit_for_bit(tmp_path):
    """1 epoch, then a resumed 2nd epoch, gives the weights of 2 epochs in one go: the
    inv policy restarts at iteration (epochs done) x (updates per epoch)."""
    base = ch05.configs("smoke")["LeNet, dropout p = 0.5"][0]
    one = dataclasses.replace(base, train=dataclasses.replace(base.train, epochs=1))
    two = dataclasses.replace(base, train=dataclasses.replace(base.train, epochs=2))
    cpu = torch.device("cpu")
    resumed, straight = tmp_path / "resumed.pt", tmp_path / "straight.pt"
    ch05.train_mnist_lenet(one, cpu, resumed, False)
    ch05.train_mnist_lenet(two, cpu, resumed, False)
    ch05.train_mnist_lenet(two, cpu, straight, False)
    a = torch.load(resumed, weights_only=False)["model"]
    b = torch.load(straight, weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
