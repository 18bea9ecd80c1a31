r"""Standard ("classic") dropout with test-time weight scaling (Hinton 2012, Srivastava 2014).

Training keeps the survivors unscaled; evaluation multiplies by the keep probability
:math:`q = 1 - p`. For a single softmax layer this weight scaling is *exactly* the normalized
geometric mean of the predictions of all :math:`2^n` dropout sub-networks, which
:func:`softmax_geometric_mean_over_masks` computes by enumeration (book: "How dropout works").
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ._validation import (check_choice, check_generator, check_int, check_probability,
                          check_tensor)
from .inverted import IMPLS, _bernoulli_keep

__all__ = ["standard_dropout", "StandardDropout", "softmax_geometric_mean_over_masks",
           "softmax_arithmetic_mean_over_masks"]


def standard_dropout(x: Tensor, p: float = 0.5, training: bool = True, *, impl: str = "fast",
                     generator: torch.Generator | None = None) -> Tensor:
    r"""Classic dropout: :math:`y = m \odot x` in training and :math:`y = q x` in evaluation.

    With :math:`m_i \sim \mathrm{Bernoulli}(q)`: :math:`\mathbb{E}_{\text{train}}[y] = q x =
    y_{\text{eval}}` and :math:`\mathrm{Var}_{\text{train}}[y] = x^2 p q`. Equivalently the next
    layer's weights are multiplied by :math:`q` at test time (the paper's form). ``p = 1`` gives
    zeros in both modes. Note Srivastava et al. write :math:`p` for the *retain* probability.

    Args:
        x: floating-point input of any shape.
        p: probability of dropping an element. Default: 0.5.
        training: training (mask, no rescaling) or evaluation (scale by ``1 - p``). Default: True.
        impl: mask sampler, ``"fast"`` or ``"native-parity"`` (see :mod:`.inverted`).
        generator: optional random generator on ``x``'s device.

    Shape:
        Input and output: any shape :math:`(*)`.

    References:
        Hinton et al. (2012), arXiv:1207.0580; Srivastava et al. (2014), JMLR 15(56):1929-1958.

    Example:
        >>> standard_dropout(torch.ones(3), p=0.25, training=False).tolist()
        [0.75, 0.75, 0.75]
    """
    p = check_probability(p, name="p")
    check_tensor(x, name="x", where="standard_dropout")
    check_choice(impl, IMPLS, name="impl")
    check_generator(generator)
    if p == 0.0:
        return x
    if not training:
        return x * (1.0 - p)                     # weight scaling: E_train[y] = q x
    if p == 1.0:
        return x * x.new_zeros(())
    return x * _bernoulli_keep(x, x.shape, 1.0 - p, impl, generator)


class StandardDropout(nn.Module):
    r"""Module form of :func:`standard_dropout` (eval: multiply by ``1 - p``, not the identity).

    Args:
        p: probability of dropping an element. Default: 0.5.
        impl: ``"fast"`` (default) or ``"native-parity"``.

    Example:
        >>> StandardDropout(p=0.5).eval()(torch.full((2,), 4.0)).tolist()
        [2.0, 2.0]
    """

    def __init__(self, p: float = 0.5, impl: str = "fast"):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.impl = check_choice(impl, IMPLS, name="impl")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return standard_dropout(x, self.p, self.training, impl=self.impl, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, impl={self.impl!r}"


def _all_masks_log_probs(x: Tensor, weight: Tensor, bias: Tensor | None, p: float):
    """Enumerate the 2^n input masks; return (mask probabilities, log-softmax per mask)."""
    check_tensor(x, name="x", ndims=(1, 2), where="softmax_*_over_masks")
    check_tensor(weight, name="weight", ndims=(2,), where="softmax_*_over_masks")
    p = check_probability(p, name="p")
    n = check_int(x.shape[-1], name="number of input units")
    if n > 20:
        raise ValueError(f"n must be <= 20 (2^n masks are enumerated), got n={n}")
    codes = torch.arange(2 ** n, device=x.device).unsqueeze(1)
    masks = ((codes >> torch.arange(n, device=x.device)) & 1).to(x.dtype)     # (2^n, n)
    keep = torch.tensor([p, 1.0 - p], dtype=x.dtype, device=x.device)
    mask_prob = keep[masks.long()].prod(dim=1)                                # P(m)
    masked = masks.unsqueeze(1) * x.reshape(1, -1, n)                         # (2^n, B, n)
    logits = masked @ weight.T + (0 if bias is None else bias)
    return mask_prob, torch.log_softmax(logits, dim=-1), x.dim() == 1


def softmax_geometric_mean_over_masks(x: Tensor, weight: Tensor, bias: Tensor | None,
                                      p: float) -> Tensor:
    r"""Normalized, mask-probability-weighted geometric mean of a softmax layer over all masks.

    For inputs :math:`x \in \mathbb{R}^n` dropped with masks :math:`m \in \{0,1\}^n`,
    :math:`P(m) = q^{|m|} p^{n-|m|}`, computes

    .. math:: G_c \propto \prod_m \mathrm{softmax}(W(m \odot x) + b)_c^{P(m)},
              \qquad \textstyle\sum_c G_c = 1,

    by enumerating all :math:`2^n` masks (``n <= 20``). Since :math:`\sum_m P(m)\,m = q\mathbf{1}`
    and the log-normalizer does not depend on the class, :math:`G =
    \mathrm{softmax}(W(qx) + b)`: weight scaling is exact for one softmax layer.

    Args:
        x: input of shape ``(n,)`` or ``(B, n)``.
        weight: weights of shape ``(k, n)``; bias: ``(k,)`` or None.
        p: probability of dropping an input unit.

    Returns:
        Class probabilities of shape ``(k,)`` or ``(B, k)``.

    References:
        Srivastava et al. (2014), JMLR 15(56), section 9.1.

    Example:
        >>> g = torch.Generator().manual_seed(0)
        >>> x, w = torch.randn(8, generator=g), torch.randn(4, 8, generator=g)
        >>> geo = softmax_geometric_mean_over_masks(x, w, None, p=0.3)
        >>> torch.allclose(geo, torch.softmax(w @ (0.7 * x), dim=-1), atol=1e-6)
        True
    """
    mask_prob, log_probs, single = _all_masks_log_probs(x, weight, bias, p)
    log_geo = torch.einsum("m,mbk->bk", mask_prob, log_probs)   # sum_m P(m) log softmax
    out = torch.softmax(log_geo, dim=-1)                          # renormalize
    return out[0] if single else out


def softmax_arithmetic_mean_over_masks(x: Tensor, weight: Tensor, bias: Tensor | None,
                                       p: float) -> Tensor:
    r"""Exact arithmetic mean :math:`\sum_m P(m)\,\mathrm{softmax}(W(m\odot x)+b)` over all masks.

    This is what MC dropout averaging converges to; it differs from the geometric mean (and so
    from weight scaling). Arguments and shapes as :func:`softmax_geometric_mean_over_masks`.

    Example:
        >>> x, w = torch.ones(3), torch.eye(3)
        >>> round(float(softmax_arithmetic_mean_over_masks(x, w, None, 0.5).sum()), 6)
        1.0
    """
    mask_prob, log_probs, single = _all_masks_log_probs(x, weight, bias, p)
    out = torch.einsum("m,mbk->bk", mask_prob, log_probs.exp())
    return out[0] if single else out
