"""The training loop: schedules, max-norm, evaluation, checkpoints and resume."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dropout_tutorial.data import TensorSplit
from dropout_tutorial.experiments.mnist import load_mnist_splits
from dropout_tutorial.models import MLP
from dropout_tutorial.training import (TrainConfig, apply_max_norm, epoch_schedule, evaluate,
                                       fit)


@pytest.fixture(scope="module")
def small():
    splits = load_mnist_splits("cpu")
    return splits.train.subset(2000), splits.val.subset(1000)


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    return MLP((784, 64, 10), **kwargs)


def test_hinton_schedule_values():
    cfg = TrainConfig(lr=10.0, lr_decay=0.998, momentum=0.99, momentum_start=0.5,
                      momentum_epochs=500, scale_grad_by_momentum=True)
    lr0, m0 = epoch_schedule(cfg, 0)
    assert (lr0, m0) == (pytest.approx(5.0), 0.5)
    lr250, m250 = epoch_schedule(cfg, 250)
    assert m250 == pytest.approx(0.745)
    assert lr250 == pytest.approx(10 * 0.998**250 * (1 - 0.745))
    assert epoch_schedule(cfg, 900)[1] == pytest.approx(0.99)


def test_constant_schedule_without_ramp():
    cfg = TrainConfig(lr=0.1, momentum=0.9)
    assert epoch_schedule(cfg, 0) == epoch_schedule(cfg, 37) == (0.1, 0.9)


def test_max_norm_caps_long_rows_and_leaves_short_ones():
    layer = nn.Linear(4, 3)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[3.0, 4, 0, 0], [0.1, 0, 0, 0], [0, 0, 6, 8]]))
    apply_max_norm([layer], 2.0)
    norms = layer.weight.norm(dim=1)
    assert torch.allclose(norms, torch.tensor([2.0, 0.1, 2.0]))
    assert torch.allclose(layer.weight[0], torch.tensor([1.2, 1.6, 0, 0]))   # direction kept


def test_fit_learns_and_respects_max_norm(small, gen):
    train, val = small
    model = _model(p_hidden=0.5)
    cfg = TrainConfig(epochs=3, lr=0.1, momentum=0.9, max_norm=1.5)
    hist = fit(model, train, cfg, eval_sets={"val": val}, generator=gen, progress=False)
    assert hist["epoch"] == [1, 2, 3]
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["val_error"][-1] < 0.2
    for layer in model.linear_layers():
        assert layer.weight.norm(dim=1).max() <= 1.5 + 1e-5


def test_adam_and_weight_decay_run(small, gen):
    train, val = small
    model = _model()
    hist = fit(model, train, TrainConfig(epochs=2, optimizer="adam", lr=1e-3, weight_decay=1e-4),
               eval_sets={"val": val}, generator=gen, progress=False)
    assert hist["val_error"][-1] < 0.25


def test_evaluate_matches_a_direct_computation(small):
    _, val = small
    model = _model(p_hidden=0.5)
    scores = evaluate(model, val, batch_size=300)           # several batches, eval mode
    assert model.training                                   # mode restored
    model.eval()
    with torch.no_grad():
        out = model(val.x)
    assert scores["error"] == pytest.approx((out.argmax(1) != val.y).float().mean().item())
    assert scores["loss"] == pytest.approx(nn.functional.cross_entropy(out, val.y).item(),
                                           rel=1e-5)


def test_resume_continues_bit_for_bit(small, tmp_path):
    train, val = small
    cfg4 = TrainConfig(epochs=4, lr=0.05, momentum=0.9, momentum_start=0.5, momentum_epochs=3,
                       lr_decay=0.9, max_norm=2.0)
    straight = _model(p_input=0.2, p_hidden=0.5)
    torch.manual_seed(1)
    h_straight = fit(straight, train, cfg4, eval_sets={"val": val},
                     generator=torch.Generator().manual_seed(1), progress=False)

    ckpt = tmp_path / "run.pt"
    first = _model(p_input=0.2, p_hidden=0.5)
    torch.manual_seed(1)
    fit(first, train, TrainConfig(**{**cfg4.__dict__, "epochs": 2}), eval_sets={"val": val},
        generator=torch.Generator().manual_seed(1), checkpoint=ckpt, progress=False)
    torch.manual_seed(12345)                                # the RNG is restored from the checkpoint
    resumed = _model(seed=99, p_input=0.2, p_hidden=0.5)    # weights too
    h_resumed = fit(resumed, train, cfg4, eval_sets={"val": val},
                    generator=torch.Generator().manual_seed(5), checkpoint=ckpt, progress=False)
    for a, b in zip(straight.parameters(), resumed.parameters()):
        assert torch.equal(a, b)
    assert h_resumed["val_error"] == h_straight["val_error"]
    assert h_resumed["train_loss"] == h_straight["train_loss"]


@pytest.mark.parametrize("kwargs, match", [
    (dict(optimizer="rmsprop"), "optimizer"), (dict(epochs=0), "epochs"),
    (dict(batch_size=2.5), "batch_size"), (dict(lr=-1.0), "lr"), (dict(lr=math.nan), "lr"),
    (dict(lr_decay=1.5), "lr_decay"), (dict(momentum=1.0), "momentum"),
    (dict(momentum_start=-0.1), "momentum_start"), (dict(max_norm=0.0), "max_norm"),
    (dict(weight_decay=-1e-4), "weight_decay"),
])
def test_bad_train_configs(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(sizes=(784,)), "sizes"), (dict(sizes=(784, 0, 10)), "sizes"),
    (dict(activation="gelu"), "activation"), (dict(p_hidden=1.5), "p_hidden must be in"),
    (dict(p_input=-0.1), "p_input must be in"), (dict(p_hidden=0.5, dropout="magic"), "dropout"),
])
def test_bad_models(kwargs, match):
    args = dict(sizes=(784, 32, 10)) | kwargs
    with pytest.raises(ValueError, match=match):
        MLP(**args)


def test_no_dropout_means_no_dropout_layers():
    assert not any(isinstance(m, nn.Dropout) for m in MLP((784, 32, 32, 10)))
    drops = [m for m in MLP((784, 32, 32, 10), p_input=0.2, p_hidden=0.5)
             if isinstance(m, nn.Dropout)]
    assert [m.p for m in drops] == [0.2, 0.5, 0.5]


def test_to_inverted_rewrites_the_papers_form_as_pytorchs():
    """W (m * h) = (q W) (m * h) / q: the twin has nn.Dropout and weights scaled by the
    retain probability q of the dropout feeding them, so its test-time output and its
    thinned networks are the papers' form's."""
    from dropout_tutorial.techniques import StandardDropout
    torch.manual_seed(0)
    paper = MLP((784, 32, 16, 10), p_input=0.2, p_hidden=0.5, dropout="standard")
    twin = paper.to_inverted()
    assert [type(m) for m in twin] == [nn.Dropout if isinstance(m, StandardDropout)
                                       else type(m) for m in paper]
    assert [m.p for m in twin if isinstance(m, nn.Dropout)] == [0.2, 0.5, 0.5]
    for a, b, q in zip(twin.linear_layers(), paper.linear_layers(), (0.8, 0.5, 0.5)):
        torch.testing.assert_close(a.weight, q * b.weight)
        torch.testing.assert_close(a.bias, b.bias)
    assert all(m.training for m in twin.modules())
    x = torch.rand(8, 784)
    evaluated = paper.eval().to_inverted()
    assert not any(m.training for m in evaluated.modules())         # keeps eval mode
    torch.testing.assert_close(evaluated(x), paper(x))
    torch.testing.assert_close(twin.eval()(x), paper(x))
    assert paper.linear_layers()[0].weight is not twin.linear_layers()[0].weight   # a copy
    plain = MLP((784, 32, 10), p_hidden=0.5)                     # already inverted: unchanged
    for a, b in zip(plain.to_inverted().linear_layers(), plain.linear_layers()):
        torch.testing.assert_close(a.weight, b.weight)


def test_to_inverted_rewrites_papers_form_gaussian_dropout_as_mean_one():
    """StandardGaussianDropout -> GaussianDropout with the next weights scaled by q: the same
    test-time output and, for the same generator state, the same noisy training output."""
    from dropout_tutorial.techniques import GaussianDropout, StandardGaussianDropout
    torch.manual_seed(0)
    paper = MLP((784, 32, 16, 10), p_input=0.2, p_hidden=0.5, dropout="standard-gaussian")
    twin = paper.to_inverted()
    assert [type(m) for m in twin] == [GaussianDropout if isinstance(m, StandardGaussianDropout)
                                       else type(m) for m in paper]
    x = torch.rand(8, 784)
    torch.manual_seed(1)
    noisy = paper(x)
    torch.manual_seed(1)
    torch.testing.assert_close(twin(x), noisy)
    torch.testing.assert_close(twin.eval()(x), paper.eval()(x))


@pytest.mark.parametrize("kind, expected", [("inverted", nn.Dropout), ("standard", None),
                                            ("gaussian", None), ("standard-gaussian", None)])
def test_every_dropout_kind_builds_its_module(kind, expected):
    from dropout_tutorial.models import DROPOUT_KINDS, make_dropout
    module = make_dropout(kind, 0.3)
    assert isinstance(module, expected or DROPOUT_KINDS[kind]) and module.p == 0.3
    assert isinstance(make_dropout(kind, 0.0), nn.Identity)
