r"""Many small networks trained at once: :class:`StackedMLP` and :func:`fit_stacked`.

Benchmarks such as Gal & Ghahramani (2016)'s UCI regression train one tiny network
(one hidden layer of 50 units) per data split and per hyperparameter setting: 20 splits
times 12 grid points is 240 networks per data set. Trained one after another, each step
of each network costs far more in Python and kernel-launch overhead than in arithmetic.

:class:`StackedMLP` holds :math:`K` independent MLPs of the same shape in stacked weight
tensors, :math:`W^{(l)} \in \mathbb{R}^{K \times d_{l-1} \times d_l}`, and evaluates all of
them with one batched matrix product per layer. Because every loss term, every dropout
mask and Adam's update are per element, training the stack with the *sum* of the
:math:`K` losses is exactly :math:`K` separate trainings (tested against separate
``nn.Linear`` networks); only the wall time changes.

Dropout follows Gal's UCI networks: inverted dropout with drop probability :math:`p_k`
(one per network) on the input of every linear layer, including the first.
"""
from __future__ import annotations

import math
import time
from typing import Callable

import torch
from torch import Tensor, nn
from tqdm import tqdm

from .techniques._validation import check_int
from .techniques.concrete import concrete_dropout, concrete_regularizer

__all__ = ["StackedMLP", "StackedConcreteMLP", "stacked_dropout", "fit_stacked", "gather_rows",
           "sampled_networks_forward", "stacked_mc_regression"]


def stacked_dropout(x: Tensor, p: Tensor, training: bool = True,
                    generator: torch.Generator | None = None) -> Tensor:
    r"""Inverted dropout with one drop probability per network.

    Args:
        x: activations ``(K, B, F)``, one mask per row; or ``(K, S, B, F)``, one mask per
            group ``(k, s)`` shared by its ``B`` rows (one sampled network per MC pass).
        p: drop probabilities ``(K,)``, each in :math:`[0, 1)`.
        training: apply dropout; otherwise return ``x`` unchanged.
        generator: random generator for the masks.

    Returns:
        ``x * mask / (1 - p)`` with ``mask ~ Bernoulli(1 - p_k)`` for network :math:`k`.
    """
    if not training:
        return x
    keep = (1.0 - p).view(-1, *([1] * (x.dim() - 1)))
    shape = x.shape if x.dim() == 3 else (*x.shape[:2], 1, x.shape[3])
    u = torch.rand(shape, device=x.device, dtype=x.dtype, generator=generator)
    return x * ((u < keep) / keep)


class StackedMLP(nn.Module):
    r"""``num_models`` independent MLPs ``sizes[0] -> ... -> sizes[-1]`` with ReLU hidden
    units, evaluated together.

    Args:
        num_models: :math:`K`, the number of networks.
        sizes: layer widths, e.g. ``(8, 50, 1)``.
        p: drop probability of each network, a float or a sequence of :math:`K` floats,
            each in :math:`[0, 1)`.

    Shape:
        input :math:`(K, B, d_0)`; output :math:`(K, B, d_L)`. An input
        :math:`(K, S, B, d_0)` gives :math:`(K, S, B, d_L)` with one dropout mask per
        group :math:`(k, s)`, shared by its :math:`B` rows (see :func:`stacked_dropout`).

    Weights are initialized like Keras' ``Dense`` (Glorot uniform, zero biases), the
    initialization of Gal's experiments.

    Example:
        >>> net = StackedMLP(3, (4, 10, 1), p=[0.0, 0.05, 0.1])
        >>> net(torch.randn(3, 7, 4)).shape
        torch.Size([3, 7, 1])
    """

    def __init__(self, num_models: int, sizes: tuple[int, ...], p=0.0):
        super().__init__()
        num_models = check_int(num_models, name="num_models")
        if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ValueError(f"sizes must list at least two positive widths, got sizes={sizes!r}")
        p = torch.as_tensor(p, dtype=torch.float32).expand(num_models).clone()
        if not bool(((p >= 0) & (p < 1)).all()):
            raise ValueError(f"every drop probability p must be in [0, 1), got p={p.tolist()!r}")
        self.num_models, self.sizes = num_models, tuple(int(s) for s in sizes)
        self.register_buffer("p", p)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            self.weights.append(nn.Parameter(torch.empty(num_models, fan_in, fan_out)
                                             .uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.zeros(num_models, 1, fan_out)))

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if x.dim() not in (3, 4) or x.shape[0] != self.num_models or x.shape[-1] != self.sizes[0]:
            raise ValueError(f"input must have shape (num_models={self.num_models}, [groups,] "
                             f"batch, {self.sizes[0]}), got {tuple(x.shape)}")
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = stacked_dropout(x, self.p, self.training, generator)
            x = torch.baddbmm(b, x, w) if x.dim() == 3 else \
                torch.matmul(x, w.unsqueeze(1)) + b.unsqueeze(1)
            if i < last:
                x = torch.relu(x)
        return x

    def drop_probabilities(self) -> Tensor:
        """Drop probability of every layer's input for every network, ``(layers, K)``."""
        return self.p.expand(len(self.weights), self.num_models)

    def squared_weight_norms(self) -> Tensor:
        """:math:`\\sum_l \\lVert W_k^{(l)} \\rVert^2` per network, ``(K,)`` (biases excluded)."""
        return sum(w.square().sum(dim=(1, 2)) for w in self.weights)

    def extra_repr(self) -> str:
        return f"num_models={self.num_models}, sizes={self.sizes}"


class StackedConcreteMLP(StackedMLP):
    r""":class:`StackedMLP` with Concrete dropout (Gal, Hron & Kendall, 2017): every layer's
    input has its own learnable drop probability :math:`p_{lk} = \sigma(\ell_{lk})` for each
    network :math:`k`, trained through the Concrete relaxation
    (:func:`~dropout_tutorial.techniques.concrete.concrete_dropout`, temperature ``t``).

    Add :meth:`regularization` to the loss (it replaces the weight decay): per network,
    :math:`\sum_l w_r \lVert W_l \rVert^2 / (1 - p_l) + d_r K_l (p_l \log p_l + (1 - p_l)
    \log(1 - p_l))`, with :math:`K_l` the layer's input width
    (:func:`~dropout_tutorial.techniques.concrete.concrete_regularizer`). For MC sampling,
    :func:`sampled_networks_forward` draws exact Bernoulli masks with the learned
    probabilities (the limit :math:`t \to 0` of the relaxation).

    Args:
        num_models, sizes: as :class:`StackedMLP`.
        p_init: initial drop probability of every layer (the authors use 0.1).
        temperature: :math:`t` of the relaxation (the authors use 0.1).
    """

    def __init__(self, num_models: int, sizes: tuple[int, ...], p_init: float = 0.1,
                 temperature: float = 0.1):
        super().__init__(num_models, sizes, p=0.0)
        if not 0 < p_init < 1:
            raise ValueError(f"p_init must be in (0, 1), got p_init={p_init!r}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got temperature={temperature!r}")
        self.temperature = float(temperature)
        logit = math.log(p_init) - math.log1p(-p_init)
        self.p_logit = nn.Parameter(torch.full((len(self.weights), self.num_models), logit))

    def drop_probabilities(self) -> Tensor:
        return torch.sigmoid(self.p_logit)

    def forward(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        if x.dim() != 3 or x.shape[0] != self.num_models or x.shape[-1] != self.sizes[0]:
            raise ValueError(f"input must have shape (num_models={self.num_models}, batch, "
                             f"{self.sizes[0]}), got {tuple(x.shape)}")
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            x = concrete_dropout(x, self.p_logit[i].view(-1, 1, 1), self.temperature,
                                 self.training, generator=generator)
            x = torch.baddbmm(b, x, w)
            if i < last:
                x = torch.relu(x)
        return x

    def regularization(self, weight_regularizer: Tensor | float,
                       dropout_regularizer: Tensor | float) -> Tensor:
        """The Concrete regularizer of each network, ``(K,)``."""
        return sum(concrete_regularizer(self.p_logit[i], w.square().sum(dim=(1, 2)), w.shape[1],
                                        weight_regularizer, dropout_regularizer)
                   for i, w in enumerate(self.weights))


def gather_rows(x: Tensor, index: Tensor) -> Tensor:
    """``out[k, i] = x[k, index[k, i]]`` for ``x`` of shape ``(K, N, F)`` and ``index``
    of shape ``(K, B)``."""
    return x.gather(1, index.unsqueeze(-1).expand(-1, -1, x.shape[-1]))


def fit_stacked(model: StackedMLP, x: Tensor, y: Tensor, *, epochs: int, batch_size: int = 128,
                weight_decay: Tensor | float = 0.0, lr: float = 1e-3,
                regularizer: Callable[[StackedMLP], Tensor] | None = None,
                generator: torch.Generator | None = None, progress: bool = False,
                desc: str = "stack") -> dict[str, list[float]]:
    r"""Train the :math:`K` networks of ``model`` with Adam on mean squared error, each
    network on its own data ``x[k], y[k]`` in its own random order.

    The loss of network :math:`k` on a minibatch :math:`B` is Gal's Keras objective

    .. math:: \frac{1}{|B|}\sum_{i \in B}(y_{ki} - \hat y_{ki})^2
              + \lambda_k \sum_l \lVert W_k^{(l)} \rVert^2,

    and the stack minimizes the sum over :math:`k`, whose gradient for network :math:`k`
    is its own loss's gradient. Every epoch visits all :math:`N` rows in minibatches of
    ``batch_size`` (the last one smaller), like Keras' ``fit``.

    Args:
        model: the networks.
        x: inputs ``(K, N, d_0)``; y: targets ``(K, N, d_L)``.
        epochs: passes over the data.
        batch_size: rows per minibatch.
        weight_decay: :math:`\lambda_k`, a float or ``(K,)`` tensor.
        lr: Adam's step size (Keras' default 0.001).
        regularizer: optional extra loss per network, ``model -> (K,)`` (for example
            :meth:`StackedConcreteMLP.regularization` with its coefficients).
        generator: generator for the data order and the dropout masks.
        progress: show a progress bar over epochs.

    Returns:
        ``{"epoch", "train_loss", "seconds", "drop_p"}``: per epoch, the mean minibatch
        squared error averaged over networks (dropout active), cumulative seconds, and the
        drop probability of each layer averaged over networks.
    """
    epochs, batch_size = check_int(epochs, name="epochs"), check_int(batch_size, name="batch_size")
    K, N = x.shape[:2]
    if x.dim() != 3 or y.dim() != 3 or y.shape[:2] != (K, N) or K != model.num_models:
        raise ValueError(f"x must be (K={model.num_models}, N, d) and y (K, N, d_out) with the "
                         f"same N; got x {tuple(x.shape)} and y {tuple(y.shape)}")
    decay = torch.as_tensor(weight_decay, dtype=x.dtype, device=x.device).expand(K)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-8, foreach=True)
    history: dict[str, list] = {"epoch": [], "train_loss": [], "seconds": [], "drop_p": []}
    elapsed = 0.0
    model.train()
    for epoch in tqdm(range(epochs), desc=desc, disable=not progress, leave=False):
        tic = time.perf_counter()
        order = torch.rand(K, N, generator=generator, device=x.device).argsort(dim=1)
        total = torch.zeros((), device=x.device)
        steps = 0
        for start in range(0, N, batch_size):
            idx = order[:, start:start + batch_size]
            xb, yb = gather_rows(x, idx), gather_rows(y, idx)
            mse = (model(xb, generator) - yb).square().mean(dim=(1, 2))       # (K,)
            per_model = mse + decay * model.squared_weight_norms()
            if regularizer is not None:
                per_model = per_model + regularizer(model)
            loss = per_model.sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += mse.detach().mean()
            steps += 1
        elapsed += time.perf_counter() - tic
        history["epoch"].append(epoch + 1)
        history["train_loss"].append(total.item() / steps)
        history["seconds"].append(elapsed)
        history["drop_p"].append(model.drop_probabilities().detach().mean(dim=1).tolist())
    return history


@torch.no_grad()
def sampled_networks_forward(model: StackedMLP, x: Tensor, passes: int,
                             generator: torch.Generator | None = None) -> Tensor:
    r"""Outputs of ``passes`` sampled networks per stacked network on the same inputs.

    Pass :math:`t` draws one dropout mask :math:`m_t` per layer and network, and because
    :math:`(h \odot m_t) W = h\,(\operatorname{diag}(m_t) W)` the mask is folded into the
    weights: each layer is one matrix product batched over (network, pass), and the
    activations are never masked element by element. Equivalent to calling the model with
    ``x`` expanded to ``(K, passes, M, d_0)`` (tested), at a fraction of the cost.

    Args:
        model: the networks; x: inputs ``(K, M, d_0)``; passes: samples per network.

    Returns:
        ``(K, passes, M, d_L)``.
    """
    K, M = x.shape[:2]
    keeps = 1.0 - model.drop_probabilities().detach()
    last = len(model.weights) - 1
    h = x.unsqueeze(1)                                                       # (K, 1, M, d_0)
    for i, (w, b) in enumerate(zip(model.weights, model.biases)):
        keep = keeps[i].view(K, 1, 1)
        u = torch.rand(K, passes, w.shape[1], device=x.device, dtype=x.dtype, generator=generator)
        w_t = ((u < keep) / keep).unsqueeze(-1) * w.unsqueeze(1)            # (K, c, in, out)
        h = torch.matmul(h, w_t).add_(b.unsqueeze(1))           # batched over (network, pass)
        if i < last:
            h = h.relu_()
    return h


@torch.no_grad()
def stacked_mc_regression(model: StackedMLP, x: Tensor, y: Tensor, *, T: int, tau: Tensor | float,
                          y_mean: Tensor | float = 0.0, y_std: Tensor | float = 1.0,
                          max_elements: int = 1 << 21,
                          generator: torch.Generator | None = None) -> dict[str, Tensor]:
    r"""Test metrics of Gal & Ghahramani (2016) for each of the :math:`K` networks.

    The outputs are mapped back to the data's units, :math:`\hat y = \mu_y + \sigma_y f(x)`,
    and with :math:`T` dropout samples :math:`\hat y_t`:

    * ``rmse``: the standard (weight-scaling) prediction, dropout off;
    * ``mc_rmse``: the MC prediction :math:`\frac{1}{T}\sum_t \hat y_t`;
    * ``ll``: the mean over test points of
      :math:`\operatorname{logsumexp}_t(-\tfrac{\tau}{2}(y - \hat y_t)^2) - \log T
      - \tfrac12\log 2\pi + \tfrac12\log\tau`.

    Pass :math:`t` samples one network :math:`f^{\omega_t}` (one dropout mask per layer)
    and applies it to all :math:`M` test points, as in the paper's derivation. Keras, which
    Gal's code used, draws a mask per point instead; each point's predictive distribution,
    and so the expectation of every metric, is the same, while the random draws fall from
    :math:`TMF` to :math:`TF` per layer. The samples are streamed in chunks of passes (at
    most ``max_elements`` hidden activations at once) with running sums and a running
    log-sum-exp, so memory does not grow with :math:`T`.

    Args:
        model: the trained networks.
        x: test inputs ``(K, M, d_0)`` (already normalized like the training inputs).
        y: test targets in the data's units, ``(K, M)``.
        T: number of stochastic passes.
        tau: model precision :math:`\tau` per network (float or ``(K,)``).
        y_mean, y_std: the training targets' mean and standard deviation (float or ``(K,)``).
        max_elements: bound on the hidden activations per chunk, ``K * M * passes * width``.
        generator: generator for the dropout masks.

    Returns:
        ``{"rmse", "mc_rmse", "ll"}``, each a ``(K,)`` float64 tensor.
    """
    T = check_int(T, name="T")
    K, M = x.shape[:2]
    if y.shape != (K, M):
        raise ValueError(f"y must have shape (K, M) = {(K, M)}, got {tuple(y.shape)}")
    def as_k(v) -> Tensor:                       # a float or (K,) values as a (K, 1) column
        return torch.as_tensor(v, dtype=torch.float64, device=x.device).expand(K)[:, None]

    tau, mean, std = as_k(tau), as_k(y_mean), as_k(y_std)
    if not bool((tau > 0).all()):
        raise ValueError("tau must be > 0 for every network")
    y = y.to(torch.float64)
    was_training = model.training
    model.eval()
    standard = model(x).squeeze(-1).to(torch.float64) * std + mean
    model.train(was_training)
    chunk = max(1, min(T, max_elements // (K * M * max(model.sizes[1:]))))
    total = torch.zeros(K, M, dtype=torch.float64, device=x.device)
    lse = torch.full((K, M), -math.inf, dtype=torch.float64, device=x.device)
    for start in range(0, T, chunk):
        c = min(chunk, T - start)
        out = sampled_networks_forward(model, x, c, generator)[..., 0].to(torch.float64)
        samples = out * std[:, :, None] + mean[:, :, None]                  # (K, c, M)
        total += samples.sum(dim=1)
        log_terms = -0.5 * tau[:, :, None] * (y[:, None, :] - samples).square()
        lse = torch.logaddexp(lse, log_terms.logsumexp(dim=1))
    ll = lse - math.log(T) - 0.5 * math.log(2 * math.pi) + 0.5 * tau.log()
    return {"rmse": (standard - y).square().mean(dim=1).sqrt(),
            "mc_rmse": (total / T - y).square().mean(dim=1).sqrt(),
            "ll": ll.mean(dim=1)}
