r"""DropConnect (Wan et al. 2013): drop individual *weights* of a linear layer.

Training computes :math:`u = (M \odot W)v + b` with :math:`M_{ij} \sim \mathrm{Bernoulli}(q)`
and no rescaling, as in the paper (the bias is not masked: the paper masks the weights only).
Inference follows the paper's Gaussian moment matching: :math:`u \approx \mathcal{N}(\mu,
\sigma^2)` with :math:`\mu = qWv + b` and :math:`\sigma^2 = q(1-q)(W \odot W)(v \odot v)`, and
:math:`r = \frac{1}{Z}\sum_z a(u_z)`. With ``inference="mean"`` (or no activation, where the
expectation is exactly :math:`a(\mu)`) the mean network :math:`a(\mu)` is used instead.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_choice, check_generator, check_int, check_probability
from .inverted import _bernoulli_keep

__all__ = ["DropConnectLinear"]


class DropConnectLinear(nn.Linear):
    r"""Linear layer with DropConnect on its weights, followed by an optional activation.

    Args:
        in_features, out_features, bias: as ``nn.Linear``.
        p: probability of dropping a weight. Default: 0.5.
        activation: nonlinearity :math:`a` applied after the layer, or None (identity).
        inference: ``"gaussian"`` (default; the paper's sampling estimator, stochastic unless a
            seeded ``generator`` is passed) or ``"mean"`` (deterministic weight scaling).
        num_samples: :math:`Z`, Gaussian samples per unit at inference. Default: 100.
        per_example: one weight mask per example (the paper; memory
            :math:`O(N \cdot |W|)`) instead of one per mini-batch. Default: False.

    Shape:
        Input :math:`(*, \text{in})`, output :math:`(*, \text{out})`.

    References:
        Wan, Zeiler, Zhang, LeCun & Fergus (2013), ICML, PMLR 28(3):1058-1066.

    Example:
        >>> layer = DropConnectLinear(4, 3, p=0.5, inference="mean").eval()
        >>> torch.allclose(layer(torch.ones(2, 4)), 0.5 * (torch.ones(2, 4) @ layer.weight.T)
        ...                + layer.bias)
        True
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, p: float = 0.5,
                 *, activation: Callable[[Tensor], Tensor] | None = None,
                 inference: str = "gaussian", num_samples: int = 100,
                 per_example: bool = False):
        super().__init__(check_int(in_features, name="in_features"),
                         check_int(out_features, name="out_features"), bias=bias)
        self.p = check_probability(p, name="p")
        if activation is not None and not callable(activation):
            raise TypeError(f"activation must be callable or None, got activation={activation!r}")
        self.activation = activation
        self.inference = check_choice(inference, ("gaussian", "mean"), name="inference")
        self.num_samples = check_int(num_samples, name="num_samples")
        self.per_example = bool(per_example)

    def _act(self, u: Tensor) -> Tensor:
        return u if self.activation is None else self.activation(u)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        check_generator(generator)
        q = 1.0 - self.p
        if self.training:
            if self.p == 0.0:
                return self._act(F.linear(x, self.weight, self.bias))
            if self.per_example:                          # M_b (.) W for every example b
                shape = x.shape[:-1] + self.weight.shape
                mask = _bernoulli_keep(self.weight, shape, q, "fast", generator)
                u = torch.einsum("...oi,...i->...o", mask * self.weight, x)
                u = u if self.bias is None else u + self.bias
            else:                                         # one mask per mini-batch
                mask = _bernoulli_keep(self.weight, self.weight.shape, q, "fast", generator)
                u = F.linear(x, mask * self.weight, self.bias)
            return self._act(u)
        mean = q * F.linear(x, self.weight) + (0.0 if self.bias is None else self.bias)  # mu
        if self.inference == "mean" or self.activation is None or self.p in (0.0, 1.0):
            return self._act(mean)
        var = q * (1.0 - q) * F.linear(x * x, self.weight * self.weight)    # sigma^2
        z = torch.randn((self.num_samples,) + tuple(mean.shape), generator=generator,
                        device=x.device, dtype=x.dtype)
        return self._act(mean + var.sqrt() * z).mean(dim=0)  # (1/Z) sum_z a(u_z)

    def extra_repr(self) -> str:
        return (f"{super().extra_repr()}, p={self.p}, inference={self.inference!r}, "
                f"num_samples={self.num_samples}, per_example={self.per_example}")
