"""Calibration and scoring metrics: hand-computed values, properties, and parity with
torchmetrics (a maintained implementation of the same definitions)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torchmetrics.classification import BinaryAUROC, MulticlassCalibrationError

from dropout_tutorial.metrics import (auroc, brier_score, expected_calibration_error,
                                      negative_log_likelihood, reliability_bins)

PROBS = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7], [0.2, 0.8]])
LABELS = torch.tensor([0, 1, 1, 0])


def random_probs(gen, n=2000, c=10, concentration=0.3):
    """Dirichlet rows: many confident and some uncertain predictions."""
    dist = torch.distributions.Dirichlet(torch.full((c,), concentration))
    torch.manual_seed(int(torch.randint(10**6, (1,), generator=gen)))
    probs = dist.sample((n,))
    labels = torch.randint(0, c, (n,), generator=gen)
    return probs, labels


def test_reliability_bins_by_hand():
    """Confidences 0.9 (right), 0.6 (wrong), 0.7 (right), 0.8 (wrong) in 5 bins of 0.2."""
    bins = reliability_bins(PROBS, LABELS, n_bins=5)
    assert bins["edges"].tolist() == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert bins["count"].tolist() == [0.0, 0.0, 1.0, 2.0, 1.0]   # 0.6 | 0.7, 0.8 | 0.9
    assert bins["accuracy"][2:].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert bins["confidence"][2:].tolist() == pytest.approx([0.6, 0.75, 0.9])
    assert torch.isnan(bins["accuracy"][:2]).all() and torch.isnan(bins["confidence"][:2]).all()


def test_ece_by_hand():
    """ECE = (1 * |0 - 0.6| + 2 * |0.5 - 0.75| + 1 * |1 - 0.9|) / 4 = 0.3."""
    assert expected_calibration_error(PROBS, LABELS, n_bins=5) == pytest.approx(0.3)
    # one bin: |accuracy 0.5 - mean confidence 0.75| = 0.25
    assert expected_calibration_error(PROBS, LABELS, n_bins=1) == pytest.approx(0.25)


def test_bins_are_closed_on_the_right():
    """A confidence on an edge belongs to the bin below it: (0.5, 1] holds 1.0, (0, 0.5] 0.5."""
    probs = torch.tensor([[0.5, 0.5], [1.0, 0.0]])
    bins = reliability_bins(probs, torch.tensor([0, 0]), n_bins=2)
    assert bins["count"].tolist() == [1.0, 1.0]


def test_ece_is_zero_when_calibrated():
    """Confidence 0.75 with exactly 3 of 4 right is perfectly calibrated."""
    probs = torch.tensor([[0.75, 0.25]]).repeat(4, 1)
    assert expected_calibration_error(probs, torch.tensor([0, 0, 0, 1])) == pytest.approx(0.0)


def test_bin_counts_add_up_and_ece_is_bounded(gen):
    probs, labels = random_probs(gen)
    bins = reliability_bins(probs, labels, n_bins=15)
    assert bins["count"].sum().item() == len(labels)
    assert 0.0 <= expected_calibration_error(probs, labels) <= 1.0


@pytest.mark.parametrize("n_bins", [1, 10, 15])
def test_ece_matches_torchmetrics(gen, n_bins):
    """Same equal-width, l1 definition as torchmetrics' MulticlassCalibrationError (away
    from bin edges, where the conventions differ: torchmetrics uses [lo, hi) bins)."""
    probs, labels = random_probs(gen)
    probs = probs.double()
    ours = expected_calibration_error(probs, labels, n_bins=n_bins)
    theirs = MulticlassCalibrationError(num_classes=10, n_bins=n_bins, norm="l1")(probs, labels)
    assert ours == pytest.approx(theirs.item(), abs=1e-6)   # torchmetrics works in float32


def test_nll_by_hand_and_against_cross_entropy(gen):
    """-(log 0.9 + log 0.4 + log 0.7 + log 0.2) / 4, and F.nll_loss on log-probabilities."""
    expected = -(math.log(0.9) + math.log(0.4) + math.log(0.7) + math.log(0.2)) / 4
    assert negative_log_likelihood(PROBS, LABELS) == pytest.approx(expected, rel=1e-6)
    probs, labels = random_probs(gen, concentration=2.0)
    assert negative_log_likelihood(probs, labels) == pytest.approx(
        F.nll_loss(probs.log(), labels).item(), rel=1e-5)


def test_nll_stays_finite_for_a_zero_probability():
    nll = negative_log_likelihood(torch.tensor([[1.0, 0.0]]), torch.tensor([1]))
    assert math.isfinite(nll) and nll == pytest.approx(-math.log(torch.finfo(torch.float32).tiny))


def test_brier_by_hand():
    """(0.01 + 0.01) + (0.36 + 0.36) + (0.09 + 0.09) + (0.64 + 0.64), over 4."""
    assert brier_score(PROBS, LABELS) == pytest.approx(2.2 / 4)
    assert brier_score(torch.tensor([[1.0, 0.0]]), torch.tensor([0])) == 0.0
    assert brier_score(torch.tensor([[1.0, 0.0]]), torch.tensor([1])) == 2.0


def test_brier_equals_its_expanded_form(gen):
    """sum_c (p_c - e_c)^2 = 1 - 2 p_y + sum_c p_c^2."""
    probs, labels = random_probs(gen)
    p_y = probs.gather(1, labels[:, None]).squeeze(1)
    expanded = (1 - 2 * p_y + probs.pow(2).sum(1)).mean().item()
    assert brier_score(probs, labels) == pytest.approx(expanded, rel=1e-5)


def test_auroc_by_hand_and_extremes():
    """Pairs (pos > neg): 0.3 beats both, 0.2 beats 0.1 and ties 0.2: 3.5 of 4."""
    assert auroc(torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.2])) == pytest.approx(0.875)
    assert auroc(torch.tensor([0.0, 0.1]), torch.tensor([0.5, 0.9])) == 1.0
    assert auroc(torch.tensor([0.5, 0.9]), torch.tensor([0.0, 0.1])) == 0.0
    assert auroc(torch.ones(3), torch.ones(5)) == 0.5


def test_auroc_is_near_one_half_for_one_distribution(gen):
    """Two samples of 4,000 from one distribution: s.d. of the AUROC is about 0.0065."""
    a, b = torch.randn(4000, generator=gen), torch.randn(4000, generator=gen)
    assert auroc(a, b) == pytest.approx(0.5, abs=0.03)


def test_auroc_matches_torchmetrics(gen):
    neg, pos = torch.randn(500, generator=gen), torch.randn(300, generator=gen) + 1.0
    scores = torch.cat([neg, pos])
    target = torch.cat([torch.zeros(500), torch.ones(300)]).long()
    assert auroc(neg, pos) == pytest.approx(BinaryAUROC()(scores, target).item(), abs=1e-6)


@pytest.mark.parametrize("fn", [reliability_bins, expected_calibration_error,
                                negative_log_likelihood, brier_score])
def test_logits_are_rejected_with_advice(fn):
    with pytest.raises(ValueError, match=r"pass softmax\(logits\)"):
        fn(torch.tensor([[2.0, -1.0]]), torch.tensor([0]))


@pytest.mark.parametrize("labels, match", [
    (torch.tensor([0, 1]), r"labels must be an integer tensor of shape \(1,\), got \(2,\)"),
    (torch.tensor([0.0]), r"labels must be an integer tensor"),
    (torch.tensor([2]), r"labels must be class indices in \[0, 1\], got values in \[2, 2\]"),
])
def test_bad_labels_are_rejected(labels, match):
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(torch.tensor([[0.5, 0.5]]), labels)


def test_bad_shapes_and_bins_are_rejected():
    with pytest.raises(ValueError, match=r"probs must be a floating-point tensor of shape"):
        brier_score(torch.tensor([0.5, 0.5]), torch.tensor([0]))
    with pytest.raises(ValueError, match="no examples"):
        brier_score(torch.zeros(0, 2), torch.zeros(0, dtype=torch.long))
    with pytest.raises(ValueError, match="n_bins must be >= 1, got n_bins=0"):
        reliability_bins(PROBS, LABELS, n_bins=0)
    with pytest.raises(ValueError, match="auroc: positives must be a non-empty 1-D tensor"):
        auroc(torch.ones(3), torch.ones(0))
    with pytest.raises(ValueError, match="auroc: negatives must be finite"):
        auroc(torch.tensor([math.nan]), torch.ones(2))
