"""Tests for the dropout predicates, swap() and check_dropout()."""
import contextlib

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dropout_tutorial.techniques.attention import ADL, MultiHeadSelfAttention
from dropout_tutorial.techniques.recurrent import (
    EmbeddingDropout, LockedDropout, VariationalLSTM, WeightDropLSTM,
)
from dropout_tutorial.techniques.tools import check_dropout, is_dropout_layer, swap, uses_dropout


def codes(findings):
    return sorted(f.code for f in findings)


# ------------------------------------------------------------------ predicates

@pytest.mark.parametrize("module, layer, uses", [
    (nn.Dropout(0.5), True, True),
    (nn.Dropout1d(0.5), True, True),
    (nn.Dropout2d(0.5), True, True),
    (nn.Dropout3d(0.5), True, True),
    (nn.AlphaDropout(0.5), True, True),
    (nn.FeatureAlphaDropout(0.5), True, True),
    (LockedDropout(0.5), True, True),
    (ADL(), True, True),
    (EmbeddingDropout(5, 2), False, True),
    (VariationalLSTM(2, 3), False, True),
    (WeightDropLSTM(2, 3), False, True),
    (MultiHeadSelfAttention(4, 2), False, True),
    (nn.MultiheadAttention(4, 2, dropout=0.1), False, True),
    (nn.MultiheadAttention(4, 2, dropout=0.0), False, False),
    (nn.LSTM(2, 3, num_layers=2, dropout=0.2), False, True),
    (nn.BatchNorm1d(3), False, False),
    (nn.Linear(2, 2), False, False),
])
def test_predicates_classify_modules(module, layer, uses):
    """is_dropout_layer: swappable layers; uses_dropout: anything random in training mode."""
    assert is_dropout_layer(module) is layer and uses_dropout(module) is uses


def test_package_classes_are_recognised_by_name_and_flags_take_precedence():
    """A package class named *Dropout / *DropPath counts without flags; explicit flags win."""
    FakeDropout = type("FakeDropout", (nn.Identity,), {"__module__": "dropout_tutorial.x"})
    FakeDropPath = type("FakeDropPath", (nn.Identity,), {"__module__": "dropout_tutorial.x"})
    Outsider = type("MyDropout", (nn.Identity,), {"__module__": "somewhere_else"})
    Flagged = type("Flagged", (nn.Identity,), {"is_dropout_layer": True})
    Wrapper = type("WrapDropout", (nn.Module,), {"__module__": "dropout_tutorial.x"})
    wrapper = Wrapper()
    wrapper.layer = nn.Linear(2, 2)  # wraps a layer (like ConcreteDropout): not swappable
    assert is_dropout_layer(FakeDropout()) and is_dropout_layer(FakeDropPath())
    assert not is_dropout_layer(Outsider()) and is_dropout_layer(Flagged())
    assert not is_dropout_layer(wrapper) and uses_dropout(wrapper)
    assert not uses_dropout(Outsider())


# ------------------------------------------------------------------ swap

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared = nn.Dropout(0.5)
        self.seq = nn.Sequential(nn.Linear(4, 4), self.shared, nn.ReLU(), nn.Dropout2d(0.2))
        self.blocks = nn.ModuleList([nn.Linear(4, 4), nn.AlphaDropout(0.1)])
        self.heads = nn.ModuleDict({"a": nn.Dropout(0.3), "b": nn.Linear(4, 1)})
        self.rnn = VariationalLSTM(4, 4)
        self.emb = EmbeddingDropout(10, 4)


def test_swap_counts_and_replaces_everywhere():
    """Sequential, ModuleList, ModuleDict and attributes; a shared layer counts once and stays
    shared; layers with weights (LSTM, embedding) are not touched."""
    net = Net()
    n = swap(net, lambda old: LockedDropout(p=getattr(old, "p", 0.5)))
    assert n == 4
    assert isinstance(net.seq[1], LockedDropout) and net.seq[1] is net.shared
    assert isinstance(net.seq[3], LockedDropout) and net.seq[3].p == 0.2
    assert isinstance(net.blocks[1], LockedDropout) and net.heads["a"].p == 0.3
    assert isinstance(net.rnn, VariationalLSTM) and isinstance(net.emb, EmbeddingDropout)
    assert not any(isinstance(m, nn.modules.dropout._DropoutNd) for m in net.modules())


def test_swap_keeps_training_mode_and_changes_behaviour():
    """The new layer inherits the old one's mode; changing p changes the outputs."""
    net = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5)).eval()
    net[1].train()
    assert swap(net, lambda old: nn.Dropout(p=0.0)) == 1
    assert net[1].training and net[1].p == 0.0
    x = torch.randn(4, 3)
    assert torch.equal(net(x), net(x))


def test_swap_with_a_custom_predicate_and_nothing_to_swap():
    """predicate selects other modules; a model without dropout gives 0."""
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert swap(net, lambda old: nn.GELU(), predicate=lambda m: isinstance(m, nn.ReLU)) == 1
    assert isinstance(net[1], nn.GELU)
    assert swap(net, lambda old: nn.Dropout()) == 0


# ------------------------------------------------------------------ check_dropout

class FunctionalDropoutNet(nn.Module):
    """The classic bug: F.dropout without training=self.training."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return F.dropout(self.fc(x), 0.5)


class SDPANet(nn.Module):
    """The SDPA bug: dropout_p passed unconditionally."""

    def forward(self, x):
        return F.scaled_dot_product_attention(x, x, x, dropout_p=0.5)


class OutOfOrder(nn.Module):
    """Registered BN, Dropout; executed Linear -> Dropout -> BN."""

    def __init__(self):
        super().__init__()
        self.bn = nn.BatchNorm1d(4)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return self.bn(self.drop(self.fc(x)))


def clean_model():
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(8, 2))


def test_clean_model_has_no_findings():
    """Linear -> BN -> ReLU -> Dropout -> Linear, in train and eval, with and without input."""
    net = clean_model()
    assert check_dropout(net) == [] and check_dropout(net.eval()) == []
    assert check_dropout(net, torch.randn(3, 4)) == []


@pytest.mark.parametrize("build, example, expected", [
    (lambda: nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.BatchNorm1d(4)), None,
     ["dropout_before_batchnorm"]),
    (lambda: nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 4), nn.ReLU(), nn.BatchNorm1d(4)), None,
     ["dropout_before_batchnorm"]),
    (lambda: nn.Sequential(nn.Linear(4, 2), nn.Dropout(0.5)), None, ["dropout_after_output"]),
    (lambda: nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9), nn.Linear(4, 2)), None,
     ["p_looks_like_keep_prob"]),
    (lambda: nn.LSTM(4, 4, dropout=0.3), None, ["rnn_dropout_single_layer"]),
    (lambda: FunctionalDropoutNet().eval(), torch.randn(3, 4), ["stochastic_in_eval"]),
    (lambda: SDPANet().eval(), torch.randn(2, 5, 4), ["stochastic_in_eval"]),
    (lambda: OutOfOrder(), torch.randn(3, 4), ["dropout_before_batchnorm"]),
])
def test_checker_finds_each_planted_mistake(build, example, expected):
    """Each planted mistake is reported, and nothing else."""
    warns = expected == ["rnn_dropout_single_layer"]  # PyTorch itself warns for this one
    with pytest.warns(UserWarning, match="num_layers") if warns else contextlib.nullcontext():
        model = build()
    assert codes(check_dropout(model, example)) == expected


def test_checker_reports_mixed_modes_and_names_the_module():
    """Model in eval with a dropout layer left in training mode."""
    net = clean_model().eval()
    net[3].train()
    (finding,) = check_dropout(net)
    assert finding.code == "mixed_modes" and finding.module == "3" and "MC dropout" in str(finding)


def test_registration_order_can_miss_what_execution_order_finds():
    """Without an input the order is the registration order (a documented proxy)."""
    assert check_dropout(OutOfOrder()) == []


def test_checker_has_no_side_effects():
    """Modes, BatchNorm statistics and the global RNG state are unchanged."""
    net = clean_model().train()
    stats = [b.clone() for b in net[1].buffers()]
    x = torch.randn(3, 4)
    state = torch.get_rng_state()
    check_dropout(net, x)
    assert net.training and all(m.training for m in net.modules())
    assert all(torch.equal(a, b) for a, b in zip(stats, net[1].buffers()))
    assert torch.equal(state, torch.get_rng_state())


# ------------------------------------------------------------------ bad input

BAD_INPUTS = [
    (lambda: swap("model", lambda m: m), TypeError, r"model must be an nn.Module"),
    (lambda: swap(nn.Sequential(nn.Dropout()), 3), TypeError, r"factory must be callable"),
    (lambda: swap(nn.Sequential(nn.Dropout()), lambda m: 0.5),
     TypeError, r"factory must return an nn.Module"),
    (lambda: swap(nn.Dropout(), lambda m: m), ValueError, r"model is itself a dropout layer"),
    (lambda: check_dropout(42), TypeError, r"model must be an nn.Module"),
]


@pytest.mark.parametrize("call, error, match", BAD_INPUTS)
def test_bad_input_raises_naming_the_argument(call, error, match):
    """Each bad argument raises the documented error type with the argument's name."""
    with pytest.raises(error, match=match):
        call()
