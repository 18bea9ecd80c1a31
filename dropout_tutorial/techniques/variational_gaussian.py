r"""Variational Gaussian dropout with learned :math:`\alpha` (Kingma, Salimans & Welling 2015).

Each weight has the posterior :math:`q(w) = \mathcal{N}(\theta, \alpha\theta^2)` under the
log-uniform prior, and a dense layer is sampled with the *local reparameterization trick*: the
pre-activations :math:`b = A W^\top` are Gaussian with mean :math:`\gamma = A\theta^\top` and
variance :math:`\delta = A^2 (\alpha\theta^2)^\top`, so :math:`b = \gamma + \sqrt{\delta}\,\zeta`
with one :math:`\zeta \sim \mathcal{N}(0, 1)` per example and output unit (the paper's
"variational dropout B"). The sparse variant of Molchanov et al. (2017) is in
:mod:`.sparse_variational`; both KL approximations live here.

The KL term is ill-defined for the improper prior (Hron et al. 2018, ICML): both approximations
are penalties normalized so that :math:`\mathrm{KL} \to 0` as :math:`\alpha \to \infty`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_choice, check_generator, check_int, check_probability

__all__ = ["KINGMA_C", "KINGMA_CONST", "MOLCHANOV_K", "kl_kingma", "kl_molchanov",
           "local_reparameterization", "LinearVD", "variational_kl"]

KINGMA_C = (1.16145124, -1.50204118, 0.58629921)   # c1, c2, c3 of Kingma et al. (2015), eq. 10
# Additive constant fitted (mean residual over 61 log-spaced alpha in [1e-3, 1]) to the
# numerically integrated -KL normalized to vanish as alpha -> infinity; max error there 0.021.
KINGMA_CONST = -0.6548
MOLCHANOV_K = (0.63576, 1.87320, 1.48695)           # k1, k2, k3 of Molchanov et al. (2017), eq. 14


def kl_kingma(log_alpha: Tensor) -> Tensor:
    r"""Elementwise KL approximation of Kingma et al. (2015), valid only for :math:`\alpha \le 1`.

    :math:`-\mathrm{KL} \approx 0.5\log\alpha + c_1\alpha + c_2\alpha^2 + c_3\alpha^3 + C`.
    The cubic explodes for :math:`\alpha > 1` (+18 at :math:`\alpha = 4`), so :math:`\log\alpha`
    is clipped to :math:`\le 0` here (the gradient is zero above the clip).

    Example:
        >>> round(kl_kingma(torch.tensor(0.0)).item(), 3)
        0.409
    """
    la = log_alpha.clamp(max=0.0)                       # valid range: alpha <= 1
    a = la.exp()
    c1, c2, c3 = KINGMA_C
    return -(0.5 * la + c1 * a + c2 * a ** 2 + c3 * a ** 3 + KINGMA_CONST)


def kl_molchanov(log_alpha: Tensor) -> Tensor:
    r"""Elementwise KL approximation of Molchanov et al. (2017), accurate for all :math:`\alpha`.

    :math:`-\mathrm{KL} \approx k_1\sigma(k_2 + k_3\log\alpha) - 0.5\log(1 + \alpha^{-1}) - k_1`,
    within 0.01 of the numerically integrated value over :math:`\alpha \in [10^{-3}, 10^3]`;
    it decreases monotonically in :math:`\log\alpha` and tends to 0 as :math:`\alpha \to \infty`.

    Example:
        >>> round(kl_molchanov(torch.tensor(0.0)).item(), 3)
        0.431
    """
    k1, k2, k3 = MOLCHANOV_K
    neg_kl = k1 * torch.sigmoid(k2 + k3 * log_alpha) - 0.5 * F.softplus(-log_alpha) - k1
    return -neg_kl                                      # log(1 + 1/alpha) = softplus(-log alpha)


def local_reparameterization(x: Tensor, weight: Tensor, weight_var: Tensor,
                             bias: Tensor | None = None, *, eps: float = 1e-8,
                             generator: torch.Generator | None = None) -> Tensor:
    r"""Sample :math:`b = x\theta^\top + \beta + \sqrt{x^2 \sigma^{2\top} + \epsilon}\,\zeta`.

    Args:
        x: input :math:`(*, \text{in})`; weight, weight_var: mean and variance of the weights,
            :math:`(\text{out}, \text{in})`; bias: :math:`(\text{out},)` or None.
        eps: added to the variance before the square root (finite gradients at zero variance).
        generator: optional random generator on ``x``'s device.

    Returns:
        A sample of shape :math:`(*, \text{out})`, independent across examples and units.
    """
    check_generator(generator)
    mean = F.linear(x, weight, bias)                    # gamma = A theta
    var = F.linear(x * x, weight_var)                   # delta = A^2 (alpha theta^2)
    zeta = torch.randn(mean.shape, generator=generator, device=x.device, dtype=x.dtype)
    return mean + (var + eps).sqrt() * zeta


class LinearVD(nn.Module):
    r"""Dense layer with variational Gaussian dropout (Kingma et al. 2015) and the LRT.

    Training samples the pre-activations with :func:`local_reparameterization` and
    :math:`\alpha = \exp(\min(\log\alpha, 0))` (the KL approximation is valid only for
    :math:`\alpha \le 1`, i.e. an equivalent drop probability :math:`p = \alpha/(1+\alpha) \le
    0.5`). Evaluation is deterministic: :math:`y = x\theta^\top + \beta`. Add
    ``kl() / N`` (``N`` the data-set size) to the mean negative log-likelihood per example.

    Args:
        in_features, out_features: layer sizes. bias: learn an additive bias. Default: True.
        p_init: initial equivalent drop probability, :math:`\alpha_0 = p/(1-p)`, in
            ``(0, 0.5]``. Default: 0.2.
        granularity: one :math:`\log\alpha` per ``"weight"``, per ``"input"`` unit or per
            ``"layer"``. Default: ``"weight"``.

    Shape:
        Input :math:`(*, \text{in})`, output :math:`(*, \text{out})`.

    References:
        Kingma, Salimans & Welling (2015), NeurIPS, arXiv:1506.02557.

    Example:
        >>> layer = LinearVD(4, 2)
        >>> layer(torch.ones(3, 4)).shape, layer.kl().dim()
        (torch.Size([3, 2]), 0)
    """
    is_variational_dropout = True   # picked up by variational_kl

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 p_init: float = 0.2, granularity: str = "weight"):
        super().__init__()
        self.in_features = check_int(in_features, name="in_features")
        self.out_features = check_int(out_features, name="out_features")
        p_init = check_probability(p_init, name="p_init", allow_zero=False)
        if p_init > 0.5:
            raise ValueError(f"p_init must be in (0, 0.5] (alpha <= 1), got p_init={p_init!r}")
        self.granularity = check_choice(granularity, ("weight", "input", "layer"),
                                        name="granularity")
        shape = {"weight": (out_features, in_features), "input": (1, in_features),
                 "layer": (1, 1)}[granularity]
        ref = nn.Linear(in_features, out_features, bias=bias)   # PyTorch's default init
        self.weight = nn.Parameter(ref.weight.detach().clone())
        self.bias = nn.Parameter(ref.bias.detach().clone()) if bias else None
        self.log_alpha = nn.Parameter(torch.full(shape, math.log(p_init / (1.0 - p_init))))

    def clipped_log_alpha(self) -> Tensor:
        return self.log_alpha.clamp(max=0.0)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if not self.training:
            return F.linear(x, self.weight, self.bias)
        weight_var = self.clipped_log_alpha().exp() * self.weight ** 2   # alpha theta^2
        return local_reparameterization(x, self.weight, weight_var, self.bias,
                                        generator=generator)

    def kl(self) -> Tensor:
        """Sum over all weights of :func:`kl_kingma` (shared alphas count once per weight)."""
        return kl_kingma(self.log_alpha).expand_as(self.weight).sum()

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, granularity={self.granularity!r}")


def variational_kl(model: nn.Module) -> Tensor:
    """Sum of ``kl()`` over every submodule that defines it (``LinearVD``, ``LinearSVDO``)."""
    terms = [m.kl() for m in model.modules() if getattr(m, "is_variational_dropout", False)]
    return torch.stack(terms).sum() if terms else torch.zeros(())
