r"""Scores of probabilistic classifiers: calibration, proper scoring rules, and AUROC.

All functions take predictive probabilities ``probs`` of shape ``(N, C)`` (rows summing
to 1: average softmax *outputs*, never logits) and integer labels ``(N,)``. With
:math:`\hat y_i = \arg\max_c p_{ic}` the prediction and :math:`\hat p_i = \max_c p_{ic}`
its confidence:

* **reliability bins**: :math:`M` equal-width bins :math:`B_m = (\tfrac{m-1}{M},
  \tfrac{m}{M}]` of the confidence (the first bin also holds 0), and in each bin the
  accuracy :math:`\mathrm{acc}(B_m)` and mean confidence :math:`\mathrm{conf}(B_m)`;
* **expected calibration error** (Naeini et al. 2015; Guo et al. 2017):
  :math:`\mathrm{ECE} = \sum_m \tfrac{|B_m|}{N}\,|\mathrm{acc}(B_m) - \mathrm{conf}(B_m)|`;
* **negative log-likelihood**: :math:`-\tfrac1N \sum_i \log p_{i y_i}` (nats);
* **Brier score**: :math:`\tfrac1N \sum_i \sum_c (p_{ic} - [y_i = c])^2`, in :math:`[0, 2]`;
* **AUROC** of a score separating two groups: the probability that a random member of
  the second group scores higher than a random member of the first (ties count 1/2).

References:
    Naeini, Cooper & Hauskrecht (2015), https://ojs.aaai.org/index.php/AAAI/article/view/9602;
    Guo, Pleiss, Sun & Weinberger (2017), https://arxiv.org/abs/1706.04599;
    Brier (1950), Monthly Weather Review 78(1).
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from .techniques._validation import check_int

__all__ = ["reliability_bins", "expected_calibration_error", "negative_log_likelihood",
           "brier_score", "auroc"]


def _check_probs_labels(probs, labels, *, where: str) -> tuple[Tensor, Tensor]:
    if not isinstance(probs, Tensor) or not probs.is_floating_point() or probs.dim() != 2:
        shape = tuple(probs.shape) if isinstance(probs, Tensor) else type(probs).__name__
        raise ValueError(f"{where}: probs must be a floating-point tensor of shape (N, C), "
                         f"got {shape}")
    if probs.shape[0] == 0:
        raise ValueError(f"{where}: probs holds no examples (N = 0)")
    total = probs.sum(-1)
    if probs.min() < 0 or probs.max() > 1 or not torch.allclose(total, torch.ones_like(total),
                                                                 atol=1e-4):
        raise ValueError(f"{where}: each row of probs must be probabilities summing to 1: "
                         "pass softmax(logits) (or the MC average of softmax outputs), "
                         "not logits")
    if (not isinstance(labels, Tensor) or labels.dtype.is_floating_point
            or labels.shape != probs.shape[:1]):
        shape = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"{where}: labels must be an integer tensor of shape "
                         f"({probs.shape[0]},), got {shape}")
    if labels.min() < 0 or labels.max() >= probs.shape[1]:
        raise ValueError(f"{where}: labels must be class indices in [0, {probs.shape[1] - 1}], "
                         f"got values in [{labels.min().item()}, {labels.max().item()}]")
    return probs, labels.to(probs.device)


def reliability_bins(probs: Tensor, labels: Tensor, n_bins: int = 15) -> dict[str, Tensor]:
    r"""Confidence histogram with the accuracy and mean confidence of each bin.

    Args:
        probs: predictive probabilities ``(N, C)``.
        labels: true classes ``(N,)``.
        n_bins: number :math:`M` of equal-width confidence bins on [0, 1]. Default: 15.

    Returns:
        A dict of tensors: ``edges`` ``(M + 1,)``; ``count``, ``accuracy`` and
        ``confidence`` ``(M,)``. Empty bins have ``count`` 0 and NaN accuracy and confidence.

    Example:
        >>> probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
        >>> bins = reliability_bins(probs, torch.tensor([0, 1, 1]), n_bins=2)
        >>> bins["count"].tolist(), bins["accuracy"].tolist()
        ([0.0, 3.0], [nan, 0.6666666865348816])
    """
    probs, labels = _check_probs_labels(probs, labels, where="reliability_bins")
    n_bins = check_int(n_bins, name="n_bins")
    confidence, prediction = probs.max(-1)
    correct = (prediction == labels).to(probs.dtype)
    # bin m holds ((m-1)/M, m/M]: ceil(conf * M) - 1, with conf = 0 put in the first bin
    index = (torch.ceil(confidence * n_bins).long() - 1).clamp_(0, n_bins - 1)
    count = torch.zeros(n_bins, dtype=probs.dtype, device=probs.device)
    count.index_add_(0, index, torch.ones_like(confidence))
    conf_sum = torch.zeros_like(count).index_add_(0, index, confidence)
    acc_sum = torch.zeros_like(count).index_add_(0, index, correct)
    empty = count == 0
    safe = count.clamp_min(1)
    nan = torch.full_like(count, math.nan)
    return {"edges": torch.linspace(0, 1, n_bins + 1, dtype=probs.dtype, device=probs.device),
            "count": count,
            "accuracy": torch.where(empty, nan, acc_sum / safe),
            "confidence": torch.where(empty, nan, conf_sum / safe)}


def expected_calibration_error(probs: Tensor, labels: Tensor, n_bins: int = 15) -> float:
    r"""ECE with :math:`M` equal-width bins: :math:`\sum_m \frac{|B_m|}{N}
    |\mathrm{acc}(B_m) - \mathrm{conf}(B_m)|` (a fraction in [0, 1], not a percentage).

    Example:
        >>> probs = torch.tensor([[0.9, 0.1], [0.6, 0.4], [0.3, 0.7]])
        >>> round(expected_calibration_error(probs, torch.tensor([0, 1, 1]), n_bins=2), 4)
        0.0667
    """
    bins = reliability_bins(probs, labels, n_bins)
    gap = (bins["accuracy"] - bins["confidence"]).abs().nan_to_num(0.0)
    return float((bins["count"] * gap).sum() / bins["count"].sum())


def negative_log_likelihood(probs: Tensor, labels: Tensor) -> float:
    r"""Mean :math:`-\log p_{i y_i}` in nats. A probability of exactly 0 for the true class
    is clamped to the smallest positive float of ``probs.dtype``, so the value stays finite
    (about 87.3 nats per such example in float32) instead of becoming infinite.

    Example:
        >>> round(negative_log_likelihood(torch.tensor([[0.5, 0.5]]), torch.tensor([0])), 4)
        0.6931
    """
    probs, labels = _check_probs_labels(probs, labels, where="negative_log_likelihood")
    p_true = probs.gather(1, labels.view(-1, 1)).squeeze(1)
    return float(-p_true.clamp_min(torch.finfo(probs.dtype).tiny).log().mean())


def brier_score(probs: Tensor, labels: Tensor) -> float:
    r"""Multi-class Brier score :math:`\frac1N \sum_i \lVert p_i - e_{y_i}\rVert^2`, in [0, 2].

    Example:
        >>> brier_score(torch.tensor([[0.5, 0.5]]), torch.tensor([0]))
        0.5
    """
    probs, labels = _check_probs_labels(probs, labels, where="brier_score")
    onehot = torch.nn.functional.one_hot(labels, probs.shape[1]).to(probs.dtype)
    return float((probs - onehot).pow(2).sum(-1).mean())


def auroc(negatives: Tensor, positives: Tensor) -> float:
    r"""Area under the ROC curve for telling ``positives`` (e.g. out-of-distribution
    inputs) from ``negatives`` by a score (e.g. predictive entropy): the Mann-Whitney
    probability :math:`P(s_+ > s_-) + \tfrac12 P(s_+ = s_-)`. 0.5 is chance, 1 is perfect.

    Example:
        >>> auroc(torch.tensor([0.1, 0.2]), torch.tensor([0.3, 0.2]))
        0.875
    """
    for name, s in (("negatives", negatives), ("positives", positives)):
        if not isinstance(s, Tensor) or s.dim() != 1 or s.numel() == 0:
            shape = tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__
            raise ValueError(f"auroc: {name} must be a non-empty 1-D tensor of scores, "
                             f"got {shape}")
        if not torch.isfinite(s.double()).all():
            raise ValueError(f"auroc: {name} must be finite; remove NaN or inf scores first")
    scores = torch.cat([negatives, positives.to(negatives.device)]).double()
    # average ranks (1-based); tied scores share the mean of their ranks
    values, inverse, counts = torch.unique(scores, return_inverse=True, return_counts=True)
    upper = counts.cumsum(0).double()
    mean_rank = upper - (counts.double() - 1) / 2
    ranks = mean_rank[inverse]
    n_neg, n_pos = len(negatives), len(positives)
    u = ranks[n_neg:].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_neg * n_pos))
