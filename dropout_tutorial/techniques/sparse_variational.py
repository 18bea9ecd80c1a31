r"""Sparse variational dropout (Molchanov, Ashukha & Vetrov 2017).

The *additive* reparameterization :math:`w = \theta + \sigma\varepsilon` learns :math:`\theta`
and :math:`\log\sigma^2` freely, with :math:`\log\alpha = \log\sigma^2 - \log\theta^2`; this
removes the gradient variance of the multiplicative noise and allows per-weight
:math:`\alpha \gg 1`. Weights with :math:`\log\alpha \ge 3` (:math:`\alpha \gtrsim 20`,
equivalent drop probability above 0.95) are pruned at evaluation.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_finite, check_int, check_positive
from .variational_gaussian import kl_molchanov, local_reparameterization

__all__ = ["LinearSVDO"]


class LinearSVDO(nn.Module):
    r"""Dense layer with sparse variational dropout and the local reparameterization trick.

    :math:`\log\alpha = \mathrm{clip}(\log\sigma^2 - \log(\theta^2 + 10^{-8}), -c, c)`
    (the eps keeps the gradient finite as :math:`\theta \to 0`). Training samples
    :math:`b = x\theta^\top + \beta + \sqrt{x^2(\alpha\theta^2)^\top + 10^{-8}}\,\zeta`;
    evaluation is deterministic with the pruned weights
    :math:`\theta \odot [\log\alpha < \text{threshold}]`. :meth:`kl` uses
    :func:`~.variational_gaussian.kl_molchanov`, valid for every :math:`\alpha` (within 0.01 of
    the integrated KL over :math:`[10^{-3}, 10^3]`). As in the paper, scale the KL by
    :math:`1/N` and anneal its weight from 0 to 1.

    Args:
        in_features, out_features: layer sizes. bias: learn an additive bias. Default: True.
        threshold: prune weights with :math:`\log\alpha \ge` threshold at evaluation. Default: 3.
        log_sigma2_init: initial :math:`\log\sigma^2`. Default: -10 (the authors' code).
        clip: clip :math:`\log\alpha` to ``[-clip, clip]``. Default: 8.

    Shape:
        Input :math:`(*, \text{in})`, output :math:`(*, \text{out})`.

    References:
        Molchanov, Ashukha & Vetrov (2017), ICML, arXiv:1701.05369 (code:
        bayesgroup/variational-dropout-sparsifies-dnn, ``DenseVarDropOutARD``).

    Example:
        >>> layer = LinearSVDO(4, 2, log_sigma2_init=-30.0)
        >>> layer.eval()(torch.ones(3, 4)).shape, layer.sparsity()
        (torch.Size([3, 2]), 0.0)
    """
    is_variational_dropout = True

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 threshold: float = 3.0, log_sigma2_init: float = -10.0, clip: float = 8.0):
        super().__init__()
        self.in_features = check_int(in_features, name="in_features")
        self.out_features = check_int(out_features, name="out_features")
        self.threshold = check_finite(threshold, name="threshold")
        self.clip = check_positive(clip, name="clip")
        log_sigma2_init = check_finite(log_sigma2_init, name="log_sigma2_init")
        ref = nn.Linear(in_features, out_features, bias=bias)   # PyTorch's default init
        self.weight = nn.Parameter(ref.weight.detach().clone())
        self.bias = nn.Parameter(ref.bias.detach().clone()) if bias else None
        self.log_sigma2 = nn.Parameter(torch.full_like(self.weight, log_sigma2_init))

    def _log_alpha(self, weight_sq: Tensor) -> Tensor:
        return (self.log_sigma2 - torch.log(weight_sq + 1e-8)).clamp(-self.clip, self.clip)

    @property
    def log_alpha(self) -> Tensor:
        return self._log_alpha(self.weight * self.weight)

    def keep_mask(self) -> Tensor:
        """Boolean mask of the weights kept at evaluation, :math:`\\log\\alpha <` threshold."""
        return self.log_alpha < self.threshold

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if not self.training:
            return F.linear(x, self.weight * self.keep_mask(), self.bias)
        weight_sq = self.weight * self.weight
        weight_var = self._log_alpha(weight_sq).exp() * weight_sq          # alpha theta^2
        return local_reparameterization(x, self.weight, weight_var, self.bias,
                                        generator=generator)

    def kl(self) -> Tensor:
        """Sum over weights of the Molchanov KL approximation."""
        return kl_molchanov(self.log_alpha).sum()

    def sparsity(self) -> float:
        """Fraction of weights pruned at evaluation (:math:`\\log\\alpha \\ge` threshold)."""
        return 1.0 - self.keep_mask().float().mean().item()

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, threshold={self.threshold}, clip={self.clip}")
