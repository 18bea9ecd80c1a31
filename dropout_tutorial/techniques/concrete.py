r"""Concrete dropout: a learnable drop probability per layer (Gal, Hron & Kendall 2017).

The Bernoulli mask is replaced by its Concrete (relaxed Bernoulli) approximation so that the
loss is differentiable in :math:`p = \sigma(\ell)`, with :math:`\ell` the learnable logit. The
forward pass and the regularizer transcribe the authors' PyTorch notebook
(yaringal/ConcreteDropout, ``concrete-dropout-pytorch.ipynb`` @622e6a1); the entropy term is
computed from the logit, :math:`p\log p + (1-p)\log(1-p) = -p\,\mathrm{softplus}(-\ell) -
(1-p)\,\mathrm{softplus}(\ell)`, which cannot produce NaN when :math:`\sigma(\ell)` underflows.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_generator, check_positive, check_probability, check_tensor

__all__ = ["concrete_dropout", "concrete_regularizer", "ConcreteDropout",
           "concrete_regularization"]


def concrete_dropout(x: Tensor, p_logit: Tensor, temperature: float = 0.1, training: bool = True,
                     *, eps: float = 1e-7, generator: torch.Generator | None = None) -> Tensor:
    r"""Relaxed inverted dropout: :math:`x' = x\,(1 - \tilde z)/(1 - p)`.

    With :math:`u \sim U(0, 1)` per element and :math:`t` the temperature,

    .. math:: \tilde z = \sigma\!\Big(\frac{\log(p+\epsilon) - \log(1-p+\epsilon)
              + \log(u+\epsilon) - \log(1-u+\epsilon)}{t}\Big)

    is the relaxed *drop* indicator; exactly :math:`P(\tilde z > 1/2) = p` for every :math:`t`.
    The noise is computed in at least float32 (``eps = 1e-7`` vanishes in float16), and
    :math:`1-p` as :math:`\sigma(-\ell)`, finite up to :math:`\ell \approx 88` in float32.
    Evaluation returns ``x``.

    Args:
        x: input of any shape. p_logit: 0-d (or broadcastable) tensor :math:`\ell`.
        temperature: :math:`t > 0`. Default: 0.1. eps: as in the authors' code. Default: 1e-7.
        training: apply the relaxed mask if True. Default: True.
        generator: optional random generator on ``x``'s device.

    References:
        Gal, Hron & Kendall (2017), "Concrete Dropout", NeurIPS, arXiv:1705.07832.

    Example:
        >>> y = concrete_dropout(torch.ones(2, 3), torch.tensor(-2.0))
        >>> y.shape, y.dtype
        (torch.Size([2, 3]), torch.float32)
    """
    check_tensor(x, name="x", where="concrete_dropout")
    check_tensor(p_logit, name="p_logit", where="concrete_dropout")
    temperature = check_positive(temperature, name="temperature")
    eps = check_positive(eps, name="eps", allow_zero=True)
    check_generator(generator)
    if not training:
        return x
    dtype = torch.promote_types(x.dtype, torch.float32)
    logit = p_logit.to(dtype)
    p, keep = torch.sigmoid(logit), torch.sigmoid(-logit)    # p and 1 - p, both accurate
    with torch.no_grad():                                      # logistic noise, no gradient
        u = torch.rand(x.shape, generator=generator, device=x.device, dtype=dtype)
        one_minus_u = torch.rsub(u, 1.0 + eps)                 # 1 - u + eps
        noise = u.add_(eps).div_(one_minus_u).log_()           # log(u+eps) - log(1-u+eps)
        noise.mul_(-1.0 / temperature)
    drop_logit = torch.log(p + eps) - torch.log(keep + eps)   # logit of p, with eps as authors
    shift = drop_logit * (-1.0 / temperature)
    if torch.is_grad_enabled() and p_logit.requires_grad:
        mask = torch.sigmoid(noise + shift) / keep              # (1 - z~) / (1 - p)
    else:                                                       # fixed p: build the mask in place
        with torch.no_grad():
            mask = noise.add_(shift).sigmoid_().div_(keep)
    return x * mask.to(x.dtype)                                 # inverted scaling


def concrete_regularizer(p_logit: Tensor, sum_of_squares: Tensor, input_dim: int,
                         weight_regularizer: float, dropout_regularizer: float) -> Tensor:
    r"""Regularizer of one Concrete dropout layer, as in the authors' code.

    .. math:: R = w_r \frac{\sum\|\theta\|^2}{1-p} + d_r K \big(p\log p + (1-p)\log(1-p)\big)

    with :math:`K` the input dimensionality (``x[0].numel()``). For a loss
    :math:`\sum(\tau(y-\mu)^2 + \ldots)` the authors use :math:`w_r = l^2/N`, :math:`d_r = 2/N`.
    """
    p = torch.sigmoid(p_logit)
    weight_reg = weight_regularizer * sum_of_squares * (1 + torch.exp(p_logit))   # / (1 - p)
    neg_entropy = -p * F.softplus(-p_logit) - (1 - p) * F.softplus(p_logit)
    return weight_reg + dropout_regularizer * input_dim * neg_entropy


class ConcreteDropout(nn.Module):
    r"""Wrap ``layer`` with Concrete dropout on its input: ``layer(concrete_dropout(x))``.

    Call :meth:`regularization` (or :func:`concrete_regularization` on the whole model) after a
    forward pass and add it to the loss; do not also put the layer's weights in the
    optimizer's ``weight_decay``. Evaluation is deterministic (no dropout); for MC dropout keep
    the module in training mode. The authors advise against convolutional layers, for which
    this regularizer weighting is wrong.

    Args:
        layer: the wrapped module (its parameters are regularized, biases included).
        weight_regularizer, dropout_regularizer: :math:`w_r, d_r \ge 0`. Defaults: 1e-6, 1e-5.
        init_p: initial drop probability in (0, 1). Default: 0.1.
        temperature: relaxation temperature. Default: 0.1.

    Example:
        >>> m = ConcreteDropout(nn.Linear(3, 2))
        >>> y = m(torch.ones(4, 3)); round(m.drop_probability.item(), 4)
        0.1
    """

    def __init__(self, layer: nn.Module, *, weight_regularizer: float = 1e-6,
                 dropout_regularizer: float = 1e-5, init_p: float = 0.1,
                 temperature: float = 0.1):
        super().__init__()
        if not isinstance(layer, nn.Module):
            raise TypeError(f"layer must be an nn.Module, got layer={layer!r}")
        self.layer = layer
        self.weight_regularizer = check_positive(weight_regularizer, name="weight_regularizer",
                                                 allow_zero=True)
        self.dropout_regularizer = check_positive(dropout_regularizer,
                                                  name="dropout_regularizer", allow_zero=True)
        init_p = check_probability(init_p, name="init_p", allow_zero=False, allow_one=False)
        self.temperature = check_positive(temperature, name="temperature")
        self.p_logit = nn.Parameter(torch.tensor(math.log(init_p) - math.log1p(-init_p)))
        self.input_dim: int | None = None

    @property
    def drop_probability(self) -> Tensor:
        return torch.sigmoid(self.p_logit)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        self.input_dim = x[0].numel()                        # K, as in the authors' code
        x = concrete_dropout(x, self.p_logit, self.temperature, self.training,
                             generator=generator)
        return self.layer(x)

    def regularization(self) -> Tensor:
        if self.input_dim is None:
            raise RuntimeError("regularization() needs the input size: call forward first")
        sum_of_squares = sum(prm.pow(2).sum() for prm in self.layer.parameters())
        return concrete_regularizer(self.p_logit, sum_of_squares, self.input_dim,
                                    self.weight_regularizer, self.dropout_regularizer)

    def extra_repr(self) -> str:
        return (f"weight_regularizer={self.weight_regularizer}, "
                f"dropout_regularizer={self.dropout_regularizer}, "
                f"temperature={self.temperature}")


def concrete_regularization(model: nn.Module) -> Tensor:
    """Sum of :meth:`ConcreteDropout.regularization` over all Concrete dropout modules."""
    terms = [m.regularization() for m in model.modules() if isinstance(m, ConcreteDropout)]
    return torch.stack(terms).sum() if terms else torch.zeros(())
