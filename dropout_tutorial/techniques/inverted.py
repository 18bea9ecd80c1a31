r"""Inverted dropout, the modern default (``torch.nn.Dropout`` semantics).

Two ways of drawing the Bernoulli mask are offered, selected by ``impl``:

* ``"fast"`` (default): ``mask = (u >= p)`` with ``u ~ U[0, 1)`` from ``torch.rand``. On CPU this
  is about 2.5x faster than PyTorch's scalar ``bernoulli_`` kernel, which dominates the cost of
  ``F.dropout`` (see ``benchmarks/bench_techniques.py``). Same distribution, different draws.
* ``"native-parity"``: ``torch.empty_like(x).bernoulli_(1 - p)`` then ``div_(1 - p)``, the exact
  operation order of ATen's ``_dropout_impl``; with the same seed the output is bitwise equal to
  ``F.dropout`` on CPU (same build, CPU vendor, dtype and memory format).
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from ._validation import check_choice, check_generator, check_probability, check_tensor

__all__ = ["IMPLS", "inverted_dropout", "InvertedDropout"]

IMPLS = ("fast", "native-parity")


def _bernoulli_keep(x: Tensor, shape, q: float, impl: str,
                    generator: torch.Generator | None) -> Tensor:
    """Return a 0/1 keep mask of ``shape`` (1 with probability ``q``) in ``x``'s dtype and device.

    Shared by the techniques of this package that draw Bernoulli masks.
    """
    with torch.no_grad():
        if impl == "native-parity":
            # empty_like keeps x's memory format, as ATen does; new_empty is contiguous
            noise = torch.empty_like(x) if tuple(shape) == tuple(x.shape) else x.new_empty(shape)
            return noise.bernoulli_(q, generator=generator)
        # fast: threshold uniforms; low-precision dtypes draw the uniforms in float32
        u_dtype = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
        u = torch.rand(shape, generator=generator, device=x.device, dtype=u_dtype)
        return u.ge_(1.0 - q).to(x.dtype)  # P(u >= 1 - q) = q


def inverted_dropout(x: Tensor, p: float = 0.5, training: bool = True, *, impl: str = "fast",
                     generator: torch.Generator | None = None) -> Tensor:
    r"""Zero each element with probability ``p`` and scale the survivors by :math:`1/(1-p)`.

    With :math:`m_i \sim \mathrm{Bernoulli}(q)`, :math:`q = 1 - p`,

    .. math:: y_i = \frac{m_i x_i}{q}, \qquad \mathbb{E}[y_i] = x_i,
              \qquad \mathrm{Var}[y_i] = x_i^2 \frac{p}{q},

    so that evaluation is the identity. The gradient is :math:`\partial y_i/\partial x_i = m_i/q`.
    ``p = 1`` returns zeros (``x * 0``, NaN where ``x`` is infinite, as PyTorch). In evaluation
    mode, or for ``p = 0``, the input itself is returned (an alias, as ``nn.Dropout``).

    Args:
        x: floating-point input of any shape.
        p: probability of dropping an element. Default: 0.5.
        training: apply dropout if True, else return ``x``. Default: True.
        impl: ``"fast"`` (default) or ``"native-parity"`` (bitwise equal to ``F.dropout`` on CPU
            with the same seed), see the module docstring.
        generator: optional random generator on ``x``'s device.

    Shape:
        Input and output: any shape :math:`(*)`.

    Returns:
        Tensor of the same shape, dtype and device as ``x``.

    References:
        Srivastava et al. (2014), JMLR 15(56):1929-1958.

    Example:
        >>> x = torch.ones(4, 8)
        >>> inverted_dropout(x, p=0.5, training=False) is x
        True
        >>> y = inverted_dropout(x, p=0.5, generator=torch.Generator().manual_seed(0))
        >>> sorted(set(y.flatten().tolist()))
        [0.0, 2.0]
    """
    p = check_probability(p, name="p")
    check_tensor(x, name="x", where="inverted_dropout")
    check_choice(impl, IMPLS, name="impl")
    check_generator(generator)
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        return x * x.new_zeros(())
    q = 1.0 - p                                   # keep probability
    mask = _bernoulli_keep(x, x.shape, q, impl, generator).div_(q)  # m / q, no grad
    return x * mask


class InvertedDropout(nn.Module):
    r"""Module form of :func:`inverted_dropout` (eval: identity).

    Args:
        p: probability of dropping an element. Default: 0.5.
        impl: ``"fast"`` (default) or ``"native-parity"``.

    Shape:
        Input and output: any shape :math:`(*)`.

    Example:
        >>> m = InvertedDropout(p=0.2)
        >>> m
        InvertedDropout(p=0.2, impl='fast')
        >>> m.eval()(torch.ones(3)).tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, impl: str = "fast"):
        super().__init__()
        self.p = check_probability(p, name="p")
        self.impl = check_choice(impl, IMPLS, name="impl")

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return inverted_dropout(x, self.p, self.training, impl=self.impl, generator=generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, impl={self.impl!r}"
