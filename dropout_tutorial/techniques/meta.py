r"""Meta-dropout (Lee, Nam, Yang & Hwang 2020): learn *how* to perturb latent features.

A noise generator with parameters :math:`\phi` (same architecture as the main layer, parameters
:math:`\theta`) outputs an input-dependent mean :math:`\alpha(h)` and each hidden layer becomes

.. math::
    \mu = h W_\theta^\top + b_\theta, \quad \alpha = h W_\phi^\top + b_\phi, \quad
    a \sim \mathcal{N}(\alpha, I), \quad
    h' = \mathrm{ReLU}\big(\mu \odot \mathrm{softplus}(a)\big).

Training is MAML-style: the inner loop adapts :math:`\theta` only, by gradient steps on a
task's support loss computed **with** noise; the outer loop updates :math:`\theta` (the
initialisation) and :math:`\phi` on the query loss computed **without** sampling
(:math:`a = \alpha`), differentiating through the inner steps (second order). So the noise is
learned to make the few-shot adaptation generalize. At test time the output is *not* the
identity: it is :math:`\mu \odot \mathrm{softplus}(\alpha)`.

What this tutorial version simplifies, compared with the authors' code
(haebeom-lee/metadrop, TensorFlow): an MLP on synthetic sinusoid regression (Finn et al.
2017) instead of the 4-conv network with BatchNorm on Omniglot / miniImageNet; no additive
noise on the last layer (the paper's classification head); a few hundred outer steps with
Adam on CPU instead of tens of thousands; the inner noise expectation uses ``n_mc`` samples,
batched. Note that :math:`\phi` also receives a *direct* gradient from the query loss, since
:math:`\mathrm{softplus}(\alpha(h))` scales the deterministic path; with a first-order MAML
approximation only that direct part remains.

References:
    Lee et al. (2020), ICLR, https://arxiv.org/abs/1905.12914;
    Finn, Abbeel & Levine (2017), MAML, https://arxiv.org/abs/1703.03400.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ._validation import check_int, check_positive, check_tensor

__all__ = ["meta_dropout", "MetaDropoutMLP", "inner_adapt", "meta_query_loss",
           "sample_sinusoid_tasks", "sinusoid_meta_dropout_demo"]


def meta_dropout(mu: Tensor, alpha: Tensor, sample: bool = True, *,
                 generator: torch.Generator | None = None) -> Tensor:
    r"""Multiplicative meta-dropout noise: :math:`\mu \odot \mathrm{softplus}(a)`.

    :math:`a = \alpha + \varepsilon`, :math:`\varepsilon \sim \mathcal{N}(0, 1)` if ``sample``,
    else :math:`a = \alpha`. Reparameterised: gradients reach both ``mu`` and ``alpha``.

    Args:
        mu: pre-activations of the main layer.
        alpha: noise-generator output, the same shape as ``mu``.
        sample: draw the noise (True) or use its mean input :math:`\alpha` (False).
        generator: optional random generator.

    Example:
        >>> y = meta_dropout(torch.ones(3), torch.zeros(3), sample=False)
        >>> torch.allclose(y, torch.full((3,), math.log(2.0)))
        True
    """
    check_tensor(mu, name="mu", where="meta_dropout")
    check_tensor(alpha, name="alpha", where="meta_dropout")
    if alpha.shape != mu.shape:
        raise ValueError(f"meta_dropout: alpha must have the shape of mu {tuple(mu.shape)}, "
                         f"got {tuple(alpha.shape)}")
    if sample:
        noise = torch.randn(alpha.shape, generator=generator, device=alpha.device,
                            dtype=alpha.dtype)
        alpha = alpha + noise
    return mu * F.softplus(alpha)


class MetaDropoutMLP(nn.Module):
    r"""An MLP whose hidden layers are perturbed by meta-dropout.

    ``theta`` holds the main weights (adapted in the inner loop), ``phi`` the noise generator
    (one linear map per hidden layer, meta-learned only). ``forward(x, theta)`` accepts adapted
    weights, as produced by :func:`inner_adapt`.

    Args:
        sizes: layer widths, input first. Default: ``(1, 40, 40, 1)``.
        maml: disable the perturbation (plain MAML, as the authors' ``maml`` flag). Default: False.

    Shape:
        Input :math:`(N, \text{sizes}[0])`; output :math:`(N, \text{sizes}[-1])`.

    Example:
        >>> net = MetaDropoutMLP((1, 8, 1))
        >>> net(torch.randn(4, 1), sample=True).shape
        torch.Size([4, 1])
    """

    def __init__(self, sizes: tuple[int, ...] = (1, 40, 40, 1), maml: bool = False):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least 2 widths, got sizes={sizes!r}")
        self.sizes = tuple(check_int(s, name="sizes") for s in sizes)
        self.maml = bool(maml)
        self.theta, self.phi = nn.ParameterDict(), nn.ParameterDict()
        for l, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layer = nn.Linear(d_in, d_out)  # default PyTorch initialisation
            self.theta[f"w{l}"], self.theta[f"b{l}"] = layer.weight, layer.bias
            if l < len(sizes) - 2:           # noise generator for hidden layers only
                self.phi[f"w{l}"] = nn.Parameter(torch.randn(d_out, d_in) * 0.02)
                self.phi[f"b{l}"] = nn.Parameter(torch.zeros(d_out))

    def forward(self, x: Tensor, theta: dict | None = None, *, sample: bool = False,
                generator: torch.Generator | None = None) -> Tensor:
        check_tensor(x, name="input", ndims=(2,), where="MetaDropoutMLP")
        theta = dict(self.theta) if theta is None else theta
        h, last = x, len(self.sizes) - 2
        for l in range(last + 1):
            mu = F.linear(h, theta[f"w{l}"], theta[f"b{l}"])
            if l == last:
                return mu
            if not self.maml:
                alpha = F.linear(h, self.phi[f"w{l}"], self.phi[f"b{l}"])
                mu = meta_dropout(mu, alpha, sample, generator=generator)
            h = F.relu(mu)
        raise AssertionError("unreachable")

    def extra_repr(self) -> str:
        return f"sizes={self.sizes}, maml={self.maml}"


def inner_adapt(model: MetaDropoutMLP, x: Tensor, y: Tensor, *, steps: int = 5,
                inner_lr: float = 0.01, n_mc: int = 1, create_graph: bool = True,
                generator: torch.Generator | None = None) -> dict:
    r"""Adapt ``model.theta`` to a task's support set; :math:`\phi` is never updated here.

    Each step minimises the support MSE averaged over ``n_mc`` noise samples (the inputs are
    repeated ``n_mc`` times in one batch): :math:`\theta \leftarrow \theta - \eta\,
    \nabla_\theta \mathbb{E}_a[\mathcal{L}_{\text{support}}]`. With ``create_graph=True`` the
    outer loss can differentiate through the steps (second-order MAML).

    Returns:
        The adapted weights, a dict with the keys of ``model.theta``.
    """
    steps = check_int(steps, name="steps", minimum=0)
    inner_lr = check_positive(inner_lr, name="inner_lr")
    n_mc = check_int(n_mc, name="n_mc")
    theta = dict(model.theta)
    xs, ys = x.repeat(n_mc, 1), y.repeat(n_mc, 1)
    for _ in range(steps):
        loss = F.mse_loss(model(xs, theta, sample=True, generator=generator), ys)
        grads = torch.autograd.grad(loss, list(theta.values()), create_graph=create_graph)
        theta = {k: w - inner_lr * g for (k, w), g in zip(theta.items(), grads)}
    return theta


def meta_query_loss(model: MetaDropoutMLP, tasks, *, steps: int = 5, inner_lr: float = 0.01,
                    n_mc: int = 1, create_graph: bool = True,
                    generator: torch.Generator | None = None) -> Tensor:
    """Mean query MSE over ``tasks`` = [(x_s, y_s, x_q, y_q), ...] after inner adaptation.

    The query prediction is deterministic (``sample=False``), as in the authors' code.
    """
    losses = []
    for x_s, y_s, x_q, y_q in tasks:
        theta = inner_adapt(model, x_s, y_s, steps=steps, inner_lr=inner_lr, n_mc=n_mc,
                            create_graph=create_graph, generator=generator)
        losses.append(F.mse_loss(model(x_q, theta, sample=False), y_q))
    return torch.stack(losses).mean()


def sample_sinusoid_tasks(n_tasks: int, k_shot: int = 5, k_query: int = 20, *,
                          generator: torch.Generator | None = None) -> list:
    r"""Sinusoid regression tasks of Finn et al. (2017): :math:`y = A \sin(x - \varphi)`,
    :math:`A \sim U[0.1, 5]`, :math:`\varphi \sim U[0, \pi]`, :math:`x \sim U[-5, 5]`.

    Returns:
        A list of ``(x_s, y_s, x_q, y_q)`` with shapes ``(k_shot, 1)`` and ``(k_query, 1)``.
    """
    check_int(n_tasks, name="n_tasks")
    check_int(k_shot, name="k_shot")
    check_int(k_query, name="k_query")
    tasks = []
    for _ in range(n_tasks):
        amp = 0.1 + 4.9 * torch.rand((), generator=generator)
        phase = math.pi * torch.rand((), generator=generator)
        x = 10.0 * torch.rand(k_shot + k_query, 1, generator=generator) - 5.0
        y = amp * torch.sin(x - phase)
        tasks.append((x[:k_shot], y[:k_shot], x[k_shot:], y[k_shot:]))
    return tasks


def sinusoid_meta_dropout_demo(meta_steps: int = 300, *, meta_batch: int = 4, k_shot: int = 5,
                               steps: int = 1, inner_lr: float = 0.01, meta_lr: float = 1e-3,
                               n_eval_tasks: int = 50, seed: int = 0,
                               maml: bool = False) -> dict:
    """Meta-train a :class:`MetaDropoutMLP` on 5-shot sinusoid regression (a few seconds on CPU).

    The outer loop (Adam on ``theta`` and ``phi``) minimises the post-adaptation query loss of
    ``meta_batch`` fresh tasks per step. The query MSE on ``n_eval_tasks`` fixed held-out tasks,
    after ``steps`` inner steps, is reported before and after meta-training.

    Returns:
        ``{"before": float, "after": float, "history": [training query loss per step]}``.

    Example:
        >>> out = sinusoid_meta_dropout_demo(meta_steps=20, n_eval_tasks=5)
        >>> sorted(out)
        ['after', 'before', 'history']
    """
    check_int(meta_steps, name="meta_steps", minimum=0)
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)                 # the initial weights
        model = MetaDropoutMLP((1, 40, 40, 1), maml=maml)
    eval_tasks = sample_sinusoid_tasks(n_eval_tasks, k_shot, generator=torch.Generator()
                                       .manual_seed(seed + 1))
    kw = dict(steps=steps, inner_lr=inner_lr, generator=g)

    def evaluate() -> float:
        return meta_query_loss(model, eval_tasks, create_graph=False, n_mc=10, **kw).item()

    before, history = evaluate(), []
    opt = torch.optim.Adam(model.parameters(), lr=meta_lr)
    for _ in range(meta_steps):
        loss = meta_query_loss(model, sample_sinusoid_tasks(meta_batch, k_shot, generator=g), **kw)
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return {"before": before, "after": evaluate(), "history": history}
