r"""Concrete dropout (Gal, Hron & Kendall 2017): learned drop probabilities against data size.

Two runner tasks:

* ``concrete_synthetic``: the authors' heteroscedastic regression (their PyTorch notebook,
  yaringal/ConcreteDropout ``concrete-dropout-pytorch.ipynb`` @622e6a1): :math:`y = 2x + 8 +
  \varepsilon`, :math:`x, \varepsilon \sim \mathcal N(0, 1)`; a 1-1024-1024-1024 ReLU network with
  every layer wrapped in Concrete dropout and two heads (mean, log variance); the loss
  :math:`\frac1M\sum_i \big(e^{-s_i}(y_i-\mu_i)^2 + s_i\big)` with :math:`s = \log\sigma^2`; the
  regularizer weights :math:`w_r = l^2/N`, :math:`d_r = 2/N`, :math:`l = 10^{-4}`; Adam (PyTorch
  defaults); batches of 20 taken in order; 20 MC samples on 1,000 validation points.
* ``concrete_mnist``: a 784-512-512-512-10 ReLU MLP on MNIST (the 50k/10k split), either with
  Concrete dropout on every layer (:math:`w_r = l^2/N`, :math:`d_r = 1/N`: the authors drop the
  factor 2 for the cross-entropy loss) or with fixed standard dropout (:math:`p = 0.2` on the
  input, 0.5 on the hidden units, Srivastava et al.'s hand-tuned values) for comparison.

``configs(budget)`` lists the chapter's runs:

* ``smoke``: seconds (N = 10 and 100 for one epoch; MNIST on 1,000 and 2,000 images);
* ``cpu``, the reference: the synthetic experiment at the authors' full settings (measured
  5 to 9 minutes per repetition on one CPU core shared with other jobs), the same network
  trained for 5,000 updates at N = 10, 100, 1,000 and 10,000 (does p converge?), and MNIST
  at 5,000 Adam updates per training-set size, one seed (1 to 6 minutes per run);
* ``paper``: the same synthetic settings, the longer runs at 10,000 updates for all six
  sizes, and MNIST at 50,000 updates with 3 seeds (our choice: the paper's MNIST settings
  are not verified); about 30 times the ``cpu`` MNIST time on a CPU core, not measured on
  a GPU.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from ..budgets import by_budget, get_budget
from ..models import MLP, ConcreteMLP
from ..reproducibility import set_seed
from ..runner import register_task
from ..techniques import concrete_regularization
from ..techniques._validation import check_int, check_positive, check_probability
from ..techniques.mc import mc_predict
from ..training import TrainConfig, evaluate, fit
from .mnist import load_mnist_splits

__all__ = ["PAPER_NS", "PAPER_EPOCHS", "PAPER_SYNTHETIC", "SYNTHETIC_LAYERS", "MNIST_LAYERS",
           "SyntheticConfig", "ConcreteMNISTConfig", "regularizer_weights",
           "heteroscedastic_loss", "adam_limit_p", "layer_names", "make_synthetic_data",
           "build_synthetic_model", "synthetic_summary", "aggregate_synthetic",
           "build_mnist_model", "synthetic_configs", "convergence_configs", "mnist_configs",
           "mnist_epochs", "configs"]

PAPER_NS = (10, 25, 50, 100, 1000, 10000)            # the authors' training-set sizes
PAPER_EPOCHS = (2000, 1000, 500, 200, 20, 2)          # ... and epochs for each
SYNTHETIC_LAYERS = ("L1", "L2", "L3", "mean", "logvar")   # order of the p_* keys
MNIST_LAYERS = ("L1", "L2", "L3", "L4")

# The authors' printed results of the synthetic experiment (their PyTorch notebook's output,
# verified): test RMSE (mean and standard error over 3 repetitions, np.std / sqrt(3)), the
# converged p of [L1, L2, L3, mean head, log-variance head], and the aleatoric and epistemic
# standard deviations (square roots of the variances averaged over the repetitions).
PAPER_SYNTHETIC: dict[int, dict] = {
    10: dict(rmse=1.823, rmse_se=0.347, p=(0.077, 0.404, 0.404, 0.403, 0.404),
             aleatoric=1.321, epistemic=1.092),
    25: dict(rmse=1.175, rmse_se=0.049, p=(0.069, 0.404, 0.403, 0.403, 0.404),
             aleatoric=1.357, epistemic=0.820),
    50: dict(rmse=1.152, rmse_se=0.055, p=(0.071, 0.326, 0.326, 0.325, 0.326),
             aleatoric=1.270, epistemic=0.745),
    100: dict(rmse=1.145, rmse_se=0.027, p=(0.079, 0.236, 0.236, 0.236, 0.236),
              aleatoric=1.247, epistemic=0.668),
    1000: dict(rmse=1.065, rmse_se=0.029, p=(0.075, 0.231, 0.225, 0.224, 0.233),
               aleatoric=1.321, epistemic=0.652),
    10000: dict(rmse=1.205, rmse_se=0.089, p=(0.079, 0.137, 0.127, 0.112, 0.169),
                aleatoric=1.229, epistemic=0.542),
}


def _layer_order(key: str) -> tuple[int, int]:
    """Sort ``p_L1, p_L2, ..., p_mean, p_logvar`` in network order (stored records have
    their keys sorted alphabetically)."""
    name = key[2:]
    if name.startswith("L") and name[1:].isdigit():
        return 0, int(name[1:])
    return 1, ("mean", "logvar").index(name) if name in ("mean", "logvar") else 2


def aggregate_synthetic(finals: list[dict]) -> dict:
    r"""Summarize the repetitions of one N as the authors print them.

    ``finals`` are the ``final`` dicts of the repetitions. Returns the mean RMSE and its
    standard error as the authors compute it (population standard deviation over
    :math:`\sqrt{R}`), the mean p of each layer in network order (``p``; ``layers`` names
    them: ``L1 ... mean, logvar``), its sample standard error (``p_se``), and the aleatoric
    and epistemic standard deviations, square roots of the variances averaged over the
    repetitions.
    """
    if not finals:
        raise ValueError("finals must hold at least one run's final metrics, got finals=[]")
    r = len(finals)
    names = sorted((k for k in finals[0] if k.startswith("p_")), key=_layer_order)
    rmse = [f["rmse"] for f in finals]
    mean_rmse = sum(rmse) / r
    p = tuple(sum(f[k] for f in finals) / r for k in names)
    p_se = tuple(0.0 if r == 1 else
                 math.sqrt(sum((f[k] - m) ** 2 for f in finals) / (r - 1) / r)
                 for k, m in zip(names, p))
    return {
        "rmse": mean_rmse,
        "rmse_se": math.sqrt(sum((v - mean_rmse) ** 2 for v in rmse) / r) / math.sqrt(r),
        "layers": tuple(k[2:] for k in names), "p": p, "p_se": p_se,
        "aleatoric": math.sqrt(sum(f["aleatoric_var"] for f in finals) / r),
        "epistemic": math.sqrt(sum(f["epistemic_var"] for f in finals) / r),
        "repetitions": r,
    }


# ---------------------------------------------------------------------------------------------
# The objective
# ---------------------------------------------------------------------------------------------

def regularizer_weights(length_scale: float, n_train: int, *, tau: float = 1.0,
                        loss: str = "gaussian") -> tuple[float, float]:
    r"""The authors' regularizer weights :math:`(w_r, d_r) = (l^2/(\tau N), 2/(\tau N))`.

    Both scale as :math:`1/N`: the KL term of the objective is divided by the data-set size.
    With ``loss="gaussian"`` the factor 2 of :math:`d_r` matches a loss written as
    :math:`\sum (e^{-s}(y-\mu)^2 + s)`, twice the Gaussian negative log-likelihood; with
    ``loss="cross_entropy"`` (already a negative log-likelihood) the authors drop it:
    :math:`d_r = 1/(\tau N)`.

    Args:
        length_scale: prior length-scale :math:`l > 0`.
        n_train: number of training points :math:`N \ge 1`.
        tau: model precision :math:`\tau > 0` (1 when the noise is learned by the model).
        loss: ``"gaussian"`` or ``"cross_entropy"``.

    Example:
        >>> regularizer_weights(1e-4, 100)
        (1e-10, 0.02)
    """
    length_scale = check_positive(length_scale, name="length_scale")
    n_train = check_int(n_train, name="n_train")
    tau = check_positive(tau, name="tau")
    if loss not in ("gaussian", "cross_entropy"):
        raise ValueError(f"loss must be 'gaussian' or 'cross_entropy', got loss={loss!r}")
    factor = 2.0 if loss == "gaussian" else 1.0
    return length_scale ** 2 / (tau * n_train), factor / (tau * n_train)


def heteroscedastic_loss(output: Tensor, target: Tensor) -> Tensor:
    r"""The authors' heteroscedastic loss, :math:`\frac1M\sum_i\sum_d \big(e^{-s_{id}}
    (y_{id} - \mu_{id})^2 + s_{id}\big)`.

    ``output`` is ``cat([mu, s], dim=1)`` with :math:`s = \log\sigma^2` (as returned by a
    heteroscedastic :class:`~dropout_tutorial.models.ConcreteMLP`). Per point this is
    :math:`2\,\mathrm{NLL} - D\log 2\pi`: twice the Gaussian negative log-likelihood, without
    its constant.

    Args:
        output: ``(M, 2D)`` means then log variances.
        target: ``(M, D)`` targets.

    Returns:
        A 0-dim tensor.
    """
    if not isinstance(output, Tensor) or output.dim() != 2 or output.shape[1] % 2:
        raise ValueError("output must be a (batch, 2 * D) tensor of means then log variances, "
                         f"got output of shape {tuple(getattr(output, 'shape', ()))}")
    d = output.shape[1] // 2
    if not isinstance(target, Tensor) or tuple(target.shape) != (output.shape[0], d):
        raise ValueError(f"target must have shape {(output.shape[0], d)} to match output, "
                         f"got target of shape {tuple(getattr(target, 'shape', ()))}")
    mean, log_var = output[:, :d], output[:, d:]
    return (torch.exp(-log_var) * (target - mean) ** 2 + log_var).sum(1).mean(0)


# ---------------------------------------------------------------------------------------------
# Synthetic heteroscedastic regression
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SyntheticConfig:
    """One repetition of the synthetic experiment at one training-set size.

    Attributes:
        name, budget, seed: as every runner config (``seed`` is the repetition).
        n_train: training points :math:`N`; n_val: validation points (the authors': 1,000).
        epochs: passes over the training set; batch_size: points per update (20).
        hidden: hidden widths (3 x 1024); length_scale: :math:`l` (1e-4).
        lr: Adam's learning rate (1e-3, PyTorch's default, as the authors').
        mc_samples: stochastic passes at test time (20); init_p, temperature: as the authors'.
        log_every: keep one history row every ``log_every`` epochs (and the last).
    """

    name: str
    budget: str
    seed: int = 0
    n_train: int = 100
    epochs: int = 200
    n_val: int = 1000
    batch_size: int = 20
    hidden: tuple[int, ...] = (1024, 1024, 1024)
    length_scale: float = 1e-4
    lr: float = 1e-3
    mc_samples: int = 20
    init_p: float = 0.1
    temperature: float = 0.1
    log_every: int = 10
    task: str = "concrete_synthetic"

    def __post_init__(self):
        for name in ("n_train", "epochs", "n_val", "batch_size", "mc_samples", "log_every"):
            check_int(getattr(self, name), name=name)
        check_positive(self.length_scale, name="length_scale")
        check_positive(self.lr, name="lr")


def layer_names(n_hidden: int, *, heteroscedastic: bool = False) -> tuple[str, ...]:
    """Names of the Concrete dropout layers of a :class:`ConcreteMLP` with ``n_hidden``
    hidden layers, in order: ``L1`` (dropping the inputs) ... then ``mean`` and ``logvar``
    (heteroscedastic) or ``L{n_hidden + 1}`` (the output layer)."""
    body = tuple(f"L{i + 1}" for i in range(n_hidden))
    return body + (("mean", "logvar") if heteroscedastic else (f"L{n_hidden + 1}",))


def adam_limit_p(init_p: float, lr: float, updates: int) -> float:
    r"""The largest p that Adam can reach from ``init_p`` in ``updates`` steps.

    Adam moves each parameter by at most about its learning rate :math:`\eta` per step
    (exactly :math:`\eta` while the gradient keeps its sign and size), so after :math:`U`
    steps the logit :math:`\ell = \log\frac{p}{1-p}` has moved by at most about
    :math:`\eta U`: :math:`p \le \sigma(\ell_0 + \eta U)`. A learned p near this bound was
    still rising when training stopped.

    Example:
        >>> round(adam_limit_p(0.1, 1e-3, 1000), 3)
        0.232
    """
    init_p = check_probability(init_p, name="init_p", allow_zero=False, allow_one=False)
    lr = check_positive(lr, name="lr")
    updates = check_int(updates, name="updates", minimum=0)
    logit = math.log(init_p) - math.log1p(-init_p) + lr * updates
    return 1.0 / (1.0 + math.exp(-logit))


def make_synthetic_data(n: int, *, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    r"""``n`` points of :math:`y = 2x + 8 + \varepsilon`, :math:`x, \varepsilon \sim
    \mathcal N(0, 1)`, as ``(n, 1)`` float32 tensors (the authors' ``gen_data``)."""
    n = check_int(n, name="n")
    x = torch.randn(n, 1, generator=generator)
    y = 2.0 * x + 8.0 + torch.randn(n, 1, generator=generator)
    return x, y


def build_synthetic_model(config: SyntheticConfig) -> ConcreteMLP:
    wr, dr = regularizer_weights(config.length_scale, config.n_train)
    return ConcreteMLP((1, *config.hidden, 1), weight_regularizer=wr, dropout_regularizer=dr,
                       init_p=config.init_p, temperature=config.temperature,
                       heteroscedastic=True)


def _adam(model, lr: float, device: torch.device) -> torch.optim.Adam:
    fused = device.type in ("cpu", "cuda")        # same algorithm, one kernel per step
    return torch.optim.Adam(model.parameters(), lr=lr, fused=fused)


@torch.no_grad()
def synthetic_summary(samples: Tensor, y: Tensor) -> dict[str, float]:
    r"""The authors' test metrics from MC samples ``(T, M, 2)`` (mean, log variance):

    * ``rmse``: of the MC mean :math:`\bar\mu = \frac1T\sum_t \mu_t`;
    * ``test_ll``: :math:`\frac1M\big(\operatorname{logsumexp}_t \sum_i \log\mathcal N(y_i;
      \mu_{ti}, e^{s_{ti}}) - \log T\big)` (their per-point predictive probability);
    * ``epistemic_var``: :math:`\frac1M\sum_i \mathrm{Var}_t[\mu_{ti}]` (divide by T);
    * ``aleatoric_var``: :math:`\frac1M\sum_i \exp(\frac1T\sum_t s_{ti})`.
    """
    mean, log_var = samples[..., 0].double(), samples[..., 1].double()
    target = y.reshape(-1).double()
    T, M = mean.shape
    ll = (-0.5 * torch.exp(-log_var) * (mean - target) ** 2 - 0.5 * log_var
          - 0.5 * math.log(2 * math.pi)).sum(1)
    return {
        "rmse": ((mean.mean(0) - target) ** 2).mean().sqrt().item(),
        "test_ll": ((torch.logsumexp(ll, 0) - math.log(T)) / M).item(),
        "epistemic_var": mean.var(0, unbiased=False).mean().item(),
        "aleatoric_var": log_var.mean(0).exp().mean().item(),
    }


@register_task("concrete_synthetic")
def train_synthetic(config: SyntheticConfig, device: torch.device, checkpoint: Path,
                    progress: bool | None) -> tuple[dict, dict]:
    """Train one network as the authors' ``fit_model`` and evaluate it with MC dropout."""
    set_seed(config.seed)
    data_gen = torch.Generator().manual_seed(1_000_003 * config.seed + config.n_train)
    x, y = make_synthetic_data(config.n_train + config.n_val, generator=data_gen)
    x, y = x.to(device), y.to(device)
    x_train, y_train = x[:config.n_train], y[:config.n_train]
    x_val, y_val = x[config.n_train:], y[config.n_train:]
    model = build_synthetic_model(config).to(device)
    optimizer = _adam(model, config.lr, device)
    layers = layer_names(len(config.hidden), heteroscedastic=True)
    keys = ["epoch", "train_loss", "regularizer", "seconds"] + [f"p_{k}" for k in layers]
    history: dict[str, list[float]] = {k: [] for k in keys}
    start, elapsed = 0, 0.0
    if checkpoint.exists():
        state = torch.load(checkpoint, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        history, start, elapsed = state["history"], state["epoch"], state["seconds"]
        torch.set_rng_state(state["rng"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
    save_every = max(1, config.epochs // 10)
    n, bs = config.n_train, config.batch_size
    model.train()
    for epoch in range(start, config.epochs):
        tic = time.perf_counter()
        loss_sum = torch.zeros((), device=device)
        reg_sum = torch.zeros((), device=device)
        for i in range(0, n, bs):                   # in order, as the authors' loop
            xb, yb = x_train[i:i + bs], y_train[i:i + bs]
            loss = heteroscedastic_loss(model(xb), yb)
            reg = concrete_regularization(model)
            optimizer.zero_grad(set_to_none=True)
            (loss + reg).backward()
            optimizer.step()
            loss_sum += loss.detach() * len(xb)
            reg_sum += reg.detach() * len(xb)
        elapsed += time.perf_counter() - tic
        last = epoch + 1 == config.epochs
        if (epoch + 1) % config.log_every == 0 or last:
            row = [epoch + 1, loss_sum.item() / n, reg_sum.item() / n, elapsed,
                   *model.drop_probabilities()]
            for key, value in zip(keys, row):
                history[key].append(value)
        if (epoch + 1) % save_every == 0 or last:
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "history": history, "epoch": epoch + 1, "seconds": elapsed,
                     "rng": torch.get_rng_state()}
            if torch.cuda.is_available():
                state["cuda"] = torch.cuda.get_rng_state_all()
            tmp = checkpoint.with_name(checkpoint.name + ".tmp")
            torch.save(state, tmp)
            tmp.replace(checkpoint)
    samples = mc_predict(model, x_val, T=config.mc_samples)        # (T, n_val, 2)
    final = synthetic_summary(samples, y_val)
    final |= {f"p_{k}": p for k, p in zip(layers, model.drop_probabilities(), strict=True)}
    final |= {"train_seconds": elapsed, "epochs": config.epochs,
              "updates": config.epochs * -(-n // bs)}
    return history, final


# ---------------------------------------------------------------------------------------------
# MNIST: learned p against the training-set size
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConcreteMNISTConfig:
    """One MNIST run: Concrete dropout on every layer, or fixed standard dropout.

    Attributes:
        name, budget, seed: as every runner config.
        method: ``"concrete"`` or ``"dropout"`` (fixed ``p_input``, ``p_hidden``).
        train_size: the first ``train_size`` of the 50,000 training images (all if None).
        val_size: the first ``val_size`` of the 10,000 validation images (all if None).
        sizes: network widths; length_scale: :math:`l` of the Concrete regularizer.
        p_input, p_hidden: drop probabilities of the ``"dropout"`` network.
        mc_samples: MC dropout passes for the extra test metric of the Concrete network.
        train: optimizer and epochs.
    """

    name: str
    budget: str
    seed: int = 0
    method: str = "concrete"
    train_size: int | None = None
    val_size: int | None = None
    sizes: tuple[int, ...] = (784, 512, 512, 512, 10)
    length_scale: float = 1e-2
    p_input: float = 0.2
    p_hidden: float = 0.5
    mc_samples: int = 20
    train: TrainConfig = field(default_factory=TrainConfig)
    task: str = "concrete_mnist"

    def __post_init__(self):
        if self.method not in ("concrete", "dropout"):
            raise ValueError(f"method must be 'concrete' or 'dropout', got method={self.method!r}")
        if self.train_size is not None:
            check_int(self.train_size, name="train_size")
        check_positive(self.length_scale, name="length_scale")


def build_mnist_model(config: ConcreteMNISTConfig, n_train: int):
    if config.method == "dropout":
        return MLP(config.sizes, "relu", config.p_input, config.p_hidden)
    wr, dr = regularizer_weights(config.length_scale, n_train, loss="cross_entropy")
    return ConcreteMLP(config.sizes, weight_regularizer=wr, dropout_regularizer=dr)


@register_task("concrete_mnist")
def train_concrete_mnist(config: ConcreteMNISTConfig, device: torch.device, checkpoint: Path,
                         progress: bool | None) -> tuple[dict, dict]:
    """Train with ``fit`` (Adam); final errors on train, validation and test (dropout off),
    the learned p per layer and, for Concrete dropout, the MC-dropout test error."""
    generator = set_seed(config.seed)
    splits = load_mnist_splits(str(device))
    train = splits.train.subset(config.train_size)
    val = splits.val.subset(config.val_size)
    model = build_mnist_model(config, len(train)).to(device)
    regularizer = concrete_regularization if config.method == "concrete" else None
    history = fit(model, train, config.train, generator=generator, checkpoint=checkpoint,
                  regularizer=regularizer, progress=progress, desc=config.name)
    final: dict[str, float] = {}
    for name, split in (("train", train), ("val", val), ("test", splits.test)):
        scores = evaluate(model, split)
        final[f"{name}_loss"], final[f"{name}_error"] = scores["loss"], scores["error"]
    if config.method == "concrete":
        names = layer_names(len(config.sizes) - 2)
        final |= {f"p_{k}": p for k, p in zip(names, model.drop_probabilities(), strict=True)}
        wrong = 0
        for i in range(0, len(splits.test), 2000):
            xb = splits.test.x[i:i + 2000]
            probs = mc_predict(model, xb, T=config.mc_samples).softmax(-1).mean(0)
            wrong += int((probs.argmax(1) != splits.test.y[i:i + 2000]).sum())
        final["test_error_mc"] = wrong / len(splits.test)
    final |= {"train_seconds": history["seconds"][-1], "epochs": len(history["epoch"]),
              "updates": len(history["epoch"]) * -(-len(train) // config.train.batch_size),
              "n_train": len(train)}
    return history, final


# ---------------------------------------------------------------------------------------------
# The chapter's runs
# ---------------------------------------------------------------------------------------------

def synthetic_configs(budget: str) -> dict[str, list[SyntheticConfig]]:
    """One entry per training-set size, ``"N=10"`` ..., each a list of repetitions.

    ``cpu`` and ``paper`` both use the authors' full settings (their Ns, epochs, 3
    repetitions); ``smoke`` trains N = 10 and 100 for one epoch each."""
    budget = get_budget(budget)
    ns, epochs = by_budget(budget, smoke=((10, 100), (1, 1)), cpu=(PAPER_NS, PAPER_EPOCHS),
                           paper=(PAPER_NS, PAPER_EPOCHS))
    reps = by_budget(budget, smoke=1, cpu=3, paper=3)
    return {f"N={n}": [SyntheticConfig(f"concrete-synthetic-n{n}", budget, seed=rep, n_train=n,
                                       epochs=e, log_every=max(1, e // 100))
                       for rep in range(reps)]
            for n, e in zip(ns, epochs)}


def convergence_configs(budget: str) -> dict[str, list[SyntheticConfig]]:
    """The synthetic experiment with 5,000 updates at every N (10,000 and all six sizes at
    ``paper``; one repetition): does the learned p converge, or was it still moving when
    the authors' schedule stopped?
    Labels ``"long, N=10"``, ...; ``smoke`` runs N = 10 and 100 for a few updates."""
    budget = get_budget(budget)
    ns, updates = by_budget(budget, smoke=((10, 100), 10), cpu=((10, 100, 1000, 10000), 5_000),
                            paper=(PAPER_NS, 10_000))
    out = {}
    for n in ns:
        epochs = max(1, updates // -(-n // 20))
        out[f"long, N={n}"] = [SyntheticConfig(f"concrete-synthetic-long-n{n}", budget, seed=0,
                                               n_train=n, epochs=epochs,
                                               log_every=max(1, epochs // 100))]
    return out


def mnist_epochs(train_size: int, updates: int, batch_size: int = 100) -> int:
    """Epochs that give about ``updates`` minibatch updates on ``train_size`` images."""
    return max(1, round(updates * batch_size / train_size))


def mnist_configs(budget: str) -> dict[str, list[ConcreteMNISTConfig]]:
    """``"concrete, 5,000"``, ``"dropout, 5,000"``, ...: each training-set size with Concrete
    dropout and with fixed standard dropout, the same number of Adam updates for every size."""
    budget = get_budget(budget)
    sizes, updates, seeds, val_size = by_budget(
        budget, smoke=((1_000, 2_000), 10, (0,), 1_000),
        cpu=((5_000, 10_000, 20_000, 50_000), 5_000, (0,), None),
        paper=((5_000, 10_000, 20_000, 50_000), 50_000, (0, 1, 2), None))
    out: dict[str, list[ConcreteMNISTConfig]] = {}
    for method in ("concrete", "dropout"):
        for size in sizes:
            train = TrainConfig(epochs=mnist_epochs(size, updates), batch_size=100,
                                optimizer="adam", lr=1e-3)
            out[f"{method}, {size:,}"] = [
                ConcreteMNISTConfig(f"concrete-mnist-{method}-{size}", budget, seed=s,
                                    method=method, train_size=size, val_size=val_size,
                                    train=train) for s in seeds]
    return out


def configs(budget: str) -> dict[str, list]:
    """Every run of the chapter "Concrete dropout": the synthetic sizes, the long synthetic
    runs, then MNIST."""
    return synthetic_configs(budget) | convergence_configs(budget) | mnist_configs(budget)
