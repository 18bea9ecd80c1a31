r"""Monte-Carlo (MC) dropout: keep dropout on at test time and average T stochastic passes.

Gal & Ghahramani (2016) show that a network trained with dropout and weight decay
approximates a Bayesian posterior over weights; the predictive distribution is estimated
from :math:`T` stochastic forward passes :math:`\hat y_t = f^{\omega_t}(x)`.

* :func:`enable_mc_dropout` switches on the dropout modules only (BatchNorm stays in eval);
* :func:`mc_predict` runs the T passes, batched: the input is repeated T times along the batch
  dimension, in chunks of at most ``max_rows`` rows;
* the summaries turn the samples ``(T, N, ...)`` into predictive quantities: mean, variance
  with the model precision :math:`\tau`, test log-likelihood, predictive probabilities,
  entropy and mutual information (BALD).

References:
    Gal & Ghahramani (2016), https://arxiv.org/abs/1506.02142;
    Houlsby et al. (2011), BALD, https://arxiv.org/abs/1112.5745;
    yaringal/DropoutUncertaintyExps ``net/net.py`` (log-likelihood and :math:`\tau`).
"""
from __future__ import annotations

import math
import warnings

import torch
from torch import Tensor, nn

from ._validation import check_int, check_positive, check_probability
from .recurrent import _keep_mask
from .tools import uses_dropout

__all__ = [
    "MCDropoutMode", "enable_mc_dropout", "mc_predict", "predictive_mean", "regression_predictive",
    "mc_log_likelihood", "model_precision", "predictive_probs", "predictive_entropy",
    "expected_entropy", "mutual_information", "variation_ratio",
]


class MCDropoutMode:
    """Returned by :func:`enable_mc_dropout`; restores the previous modes on exit."""

    def __init__(self, model: nn.Module, modes: list, num_enabled: int):
        self.model, self._modes, self.num_enabled = model, modes, num_enabled

    def restore(self) -> None:
        """Put every module back in the mode it had before :func:`enable_mc_dropout`."""
        for module, mode in self._modes:
            module.training = mode

    def __enter__(self) -> nn.Module:
        return self.model

    def __exit__(self, *exc) -> None:
        self.restore()


def enable_mc_dropout(model: nn.Module) -> MCDropoutMode:
    """Put ``model`` in eval mode, then switch on only the modules that use dropout.

    Dropout modules (see :func:`~dropout_tutorial.techniques.tools.uses_dropout`) go to
    training mode; everything else, BatchNorm included, stays in eval mode, so running
    statistics are neither used from the batch nor updated. The change applies at once; used
    as a context manager, the previous modes of all modules are restored on exit.

    Args:
        model: the network.

    Returns:
        An :class:`MCDropoutMode` (``num_enabled`` counts the modules switched on).

    Example:
        >>> net = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3), nn.Dropout(0.5)).train()
        >>> with enable_mc_dropout(net):
        ...     print(net[1].training, net[2].training)
        False True
        >>> net[1].training
        True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    enabled = [m for m in model.modules() if uses_dropout(m)]
    for m in enabled:
        m.training = True  # this module only: its children keep their own rule
    if not enabled:
        warnings.warn("enable_mc_dropout: no dropout module found; the MC samples will be "
                      "identical unless the model calls dropout functionally", stacklevel=2)
    return MCDropoutMode(model, modes, len(enabled))


def _share_masks_per_pass(model: nn.Module, passes: list, generator):
    """Make every ``nn.Dropout`` draw one mask per pass, shared by the N inputs of the pass."""
    handles, saved = [], []

    def hook(module, args, out):
        k = passes[0]  # passes in the current chunk
        per_pass = out.view(k, -1, *out.shape[1:])
        mask = _keep_mask((k, 1) + tuple(out.shape[1:]), module._mc_p, like=out,
                          generator=generator)
        return (per_pass * mask).view(out.shape)

    for m in model.modules():
        if isinstance(m, nn.Dropout) and m.training:
            saved.append((m, m.p))
            m._mc_p, m.p = m.p, 0.0  # the module returns its input; the hook applies the mask
            handles.append(m.register_forward_hook(hook))
    return handles, saved


@torch.no_grad()
def mc_predict(model: nn.Module, x: Tensor, T: int, *, chunk_size: int | None = None,
               max_rows: int = 8192, per_pass_masks: bool = False,
               generator: torch.Generator | None = None) -> Tensor:
    r"""Run ``T`` stochastic forward passes of ``model`` on ``x`` with dropout on.

    The input ``(N, ...)`` is repeated along the batch dimension, ``(k·N, ...)`` for ``k``
    passes at a time, and the output is reshaped to ``(k, N, ...)``: one batched call replaces
    ``k`` calls. The passes are chunked so that a call sees at most ``max_rows`` rows, unless
    ``chunk_size`` (passes per call) is given. Because every input row gets its own dropout
    mask, the samples have the distribution of ``T`` separate calls ``model(x)``; with a single
    dropout layer and a sequential sampler (as on CPU), even the values are those of the
    separate calls.

    With ``per_pass_masks=True``, every ``nn.Dropout`` instead draws one mask per pass,
    shared by the ``N`` inputs: pass :math:`t` evaluates one sampled network
    :math:`f^{\omega_t}` on all inputs, as in the paper's derivation. Per-point predictive
    statistics have the same distribution; the draws drop from :math:`T N F` to :math:`T F`
    Bernoulli samples, which is what makes :math:`T = 10^4` fast. Other dropout modules keep
    per-row masks.

    Args:
        model: the network, returning a tensor whose first dimension is the batch; its modes
            are restored afterwards (see :func:`enable_mc_dropout`).
        x: input batch ``(N, ...)``; the first dimension must be the batch (use
            ``batch_first`` sequence models).
        T: number of stochastic passes.
        chunk_size: passes per batched call. Default: ``max(1, max_rows // N)``.
        max_rows: largest batch per call when ``chunk_size`` is None. Default: 8192.
        per_pass_masks: one ``nn.Dropout`` mask per pass instead of per row. Default: False.
        generator: random generator for ``per_pass_masks`` (``nn.Dropout`` itself has none).

    Shape:
        ``x``: :math:`(N, *)`; output: :math:`(T, N, *_{out})`.

    Returns:
        The stacked samples.

    Example:
        >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 1))
        >>> mc_predict(net, torch.randn(5, 2), T=100).shape
        torch.Size([100, 5, 1])
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"mc_predict: x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 1 or x.shape[0] == 0:
        raise ValueError(f"mc_predict: x must have a non-empty batch dimension, "
                         f"got shape {tuple(x.shape)}")
    T = check_int(T, name="T")
    N = x.shape[0]
    chunk = max(1, check_int(max_rows, name="max_rows") // N) if chunk_size is None \
        else check_int(chunk_size, name="chunk_size")
    samples, passes = [], [chunk]
    with enable_mc_dropout(model):
        handles, saved = _share_masks_per_pass(model, passes, generator) if per_pass_masks \
            else ([], [])
        try:
            for start in range(0, T, chunk):
                k = passes[0] = min(chunk, T - start)
                xb = x.unsqueeze(0).expand(k, *x.shape).reshape(k * N, *x.shape[1:])
                out = model(xb)
                if not isinstance(out, Tensor):
                    raise TypeError(f"mc_predict: model must return a tensor, got "
                                    f"{type(out).__name__}; wrap it to select the output")
                samples.append(out.view(k, N, *out.shape[1:]))
        finally:
            for h in handles:
                h.remove()
            for m, p in saved:
                m.p = p
                del m._mc_p
    return torch.cat(samples)


# ---------------------------------------------------------------------------------------------
# Summaries of the samples
# ---------------------------------------------------------------------------------------------

def _check_samples(samples, *, where: str, min_dim: int = 2) -> Tensor:
    if not isinstance(samples, Tensor) or not samples.is_floating_point():
        raise TypeError(f"{where}: samples must be a floating-point torch.Tensor, "
                        f"got {type(samples).__name__}")
    if samples.dim() < min_dim or samples.shape[0] == 0:
        raise ValueError(f"{where}: expected samples of shape (T, N, ...) with at least "
                         f"{min_dim} dimensions and T >= 1, got shape {tuple(samples.shape)}")
    return samples


def _check_probs(probs, *, where: str) -> Tensor:
    _check_samples(probs, where=where, min_dim=3)
    total = probs.sum(-1)
    if probs.min() < 0 or probs.max() > 1 or not torch.allclose(total, torch.ones_like(total),
                                                                 atol=1e-4):
        raise ValueError(f"{where}: samples must be probabilities (T, N, C) summing to 1 over "
                         "the last dimension: pass softmax(logits), not logits")
    return probs


def predictive_mean(samples: Tensor) -> Tensor:
    r"""Predictive mean :math:`\frac1T \sum_t \hat y_t` of samples ``(T, N, ...)``."""
    return _check_samples(samples, where="predictive_mean").mean(0)


def regression_predictive(samples: Tensor, tau: float) -> tuple[Tensor, Tensor]:
    r"""Predictive mean and variance for regression (Gal & Ghahramani 2016, eq. 8).

    .. math::
        \mathbb{E}[y^*] \approx \frac1T \sum_t \hat y_t, \qquad
        \mathrm{Var}[y^*] \approx \tau^{-1} + \frac1T \sum_t \hat y_t^2 - \mathbb{E}[y^*]^2,

    i.e. the (biased, divide-by-T) sample variance plus the observation noise
    :math:`\tau^{-1}`, per output dimension.

    Args:
        samples: MC samples ``(T, N, ...)``.
        tau: model precision :math:`\tau > 0` (see :func:`model_precision`).

    Returns:
        ``(mean, variance)``, each of shape ``(N, ...)``.

    Example:
        >>> m, v = regression_predictive(torch.tensor([[1.0], [3.0]]), tau=4.0)
        >>> m.item(), v.item()
        (2.0, 1.25)
    """
    _check_samples(samples, where="regression_predictive")
    tau = check_positive(tau, name="tau")
    return samples.mean(0), samples.var(0, unbiased=False) + 1.0 / tau


def mc_log_likelihood(samples: Tensor, y: Tensor, tau: float) -> Tensor:
    r"""Average test log-likelihood of the MC predictive (Gaussian mixture over the T passes).

    .. math::
        \mathrm{ll}(x, y) = \operatorname{logsumexp}_t\big(-\tfrac{\tau}{2}\lVert y -
        \hat y_t\rVert^2\big) - \log T - \tfrac{D}{2}\log 2\pi + \tfrac{D}{2}\log\tau,

    averaged over the :math:`N` points; :math:`D` is the number of output values per point.
    This is the formula of Gal's ``DropoutUncertaintyExps`` (there with :math:`D = 1`).

    Args:
        samples: MC samples ``(T, N, ...)`` (in the units of ``y``).
        y: targets of shape ``samples.shape[1:]``.
        tau: model precision :math:`\tau > 0`.

    Returns:
        A 0-dim tensor.

    Example:
        >>> ll = mc_log_likelihood(torch.zeros(10, 3), torch.zeros(3), tau=1.0)
        >>> round(ll.item(), 4)  # log N(0; 0, 1) = -0.5 log(2 pi)
        -0.9189
    """
    _check_samples(samples, where="mc_log_likelihood")
    tau = check_positive(tau, name="tau")
    if not isinstance(y, Tensor) or y.shape != samples.shape[1:]:
        raise ValueError(f"mc_log_likelihood: y must have shape {tuple(samples.shape[1:])} "
                         f"(samples.shape[1:]), got "
                         f"{tuple(y.shape) if isinstance(y, Tensor) else type(y).__name__}")
    T, N = samples.shape[:2]
    D = samples[0, 0].numel()
    sq = (y.unsqueeze(0) - samples).pow(2).reshape(T, N, -1).sum(-1)     # (T, N)
    ll = (torch.logsumexp(-0.5 * tau * sq, dim=0) - math.log(T)
          - 0.5 * D * math.log(2 * math.pi) + 0.5 * D * math.log(tau))
    return ll.mean()


def model_precision(length_scale: float, p: float, N: int, weight_decay: float) -> float:
    r"""Model precision :math:`\tau = (1-p)\, l^2 / (2 N \lambda)` (Gal & Ghahramani 2016).

    The paper writes :math:`\tau = p\, l^2 / (2 N \lambda)` with :math:`p` the **keep**
    probability; here ``p`` is the **drop** probability, as everywhere in this package, so
    the keep probability is :math:`1 - p`. Gal's code solves the same relation for the weight
    decay: ``reg = lengthscale**2 * (1 - dropout) / (2. * N * tau)``.

    Args:
        length_scale: prior length-scale :math:`l > 0`.
        p: drop probability, in :math:`[0, 1)`.
        N: number of training points.
        weight_decay: weight decay :math:`\lambda > 0` (the L2 coefficient).

    Example:
        >>> model_precision(length_scale=1.0, p=0.5, N=100, weight_decay=1e-3)
        2.5
    """
    length_scale = check_positive(length_scale, name="length_scale")
    p = check_probability(p, name="p", allow_one=False)
    N = check_int(N, name="N")
    weight_decay = check_positive(weight_decay, name="weight_decay")
    return (1.0 - p) * length_scale ** 2 / (2.0 * N * weight_decay)


def predictive_probs(logits: Tensor) -> Tensor:
    r"""Average the per-pass class probabilities, :math:`\bar p = \frac1T\sum_t
    \mathrm{softmax}(f^{\omega_t}(x))` (probabilities, never logits, are averaged).

    Args:
        logits: MC logits ``(T, N, C)``.

    Returns:
        ``(N, C)`` predictive probabilities.
    """
    _check_samples(logits, where="predictive_probs", min_dim=3)
    return logits.softmax(-1).mean(0)


def predictive_entropy(probs: Tensor) -> Tensor:
    r"""Entropy of the predictive, :math:`H[\bar p] = -\sum_c \bar p_c \log \bar p_c`.

    Args:
        probs: per-pass probabilities ``(T, N, C)``.

    Returns:
        ``(N,)`` entropies in nats, in :math:`[0, \log C]`.
    """
    p_bar = _check_probs(probs, where="predictive_entropy").mean(0)
    return -torch.special.xlogy(p_bar, p_bar).sum(-1)


def expected_entropy(probs: Tensor) -> Tensor:
    r"""Mean entropy of the passes, :math:`\frac1T \sum_t H[p_t]`, for ``(T, N, C)`` probs."""
    _check_probs(probs, where="expected_entropy")
    return -torch.special.xlogy(probs, probs).sum(-1).mean(0)


def mutual_information(probs: Tensor) -> Tensor:
    r"""BALD score: mutual information between the prediction and the weights.

    .. math:: I[y, \omega] \approx H[\bar p] - \frac1T \sum_t H[p_t] \;\geq 0,

    zero when all passes agree. Rounding can make the difference :math:`-10^{-8}`; it is
    clamped at 0.

    Args:
        probs: per-pass probabilities ``(T, N, C)``.

    Returns:
        ``(N,)`` mutual information in nats.

    References:
        Houlsby et al. (2011), https://arxiv.org/abs/1112.5745; Gal, Islam & Ghahramani (2017).

    Example:
        >>> probs = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]])  # two confident passes disagree
        >>> round(mutual_information(probs).item(), 4)  # = log 2
        0.6931
    """
    return (predictive_entropy(probs) - expected_entropy(probs)).clamp_min(0.0)


def variation_ratio(probs: Tensor) -> Tensor:
    r"""Variation ratio :math:`1 - (\text{count of the modal class})/T` of ``(T, N, C)`` probs."""
    _check_probs(probs, where="variation_ratio")
    T, C = probs.shape[0], probs.shape[-1]
    votes = torch.nn.functional.one_hot(probs.argmax(-1), C).sum(0)  # (N, C)
    return 1.0 - votes.max(-1).values.to(probs.dtype) / T
