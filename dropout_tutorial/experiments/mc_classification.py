r"""MC dropout for classification (Gal & Ghahramani 2016, Figure 4 and beyond).

Two runner tasks:

* ``mnist_lenet`` trains Caffe's LeNet with dropout p = 0.5 before the last layer
  (:class:`~dropout_tutorial.models.LeNet`) on MNIST with the paper's solver: SGD, lr 0.01,
  momentum 0.9, weight decay 5e-4 and Caffe's "inv" policy
  :math:`\eta_i = \eta_0 (1 + \gamma i)^{-\text{power}}` (:math:`\gamma` = 1e-4,
  power 0.75, :math:`i` the iteration), applied before every update;
* ``mc_classification`` loads the trained weights (from the training run's checkpoint)
  and stores everything the chapter plots: the rotated-digit samples of Figure 4, the
  uncertainty of in- and out-of-distribution inputs, calibration of MC dropout against
  weight scaling, and accuracy and log-likelihood against the number of passes T.

Dropout sits only in the network's ``head`` (dropout + last layer), so MC dropout computes
the 500 features of each image once and samples the head T times; this is exact, and it
makes T = 1000 passes over the test set cheap on a CPU.

Budgets: ``smoke`` trains 1 epoch on 2,000 images and analyses 1,000 test images;
``cpu`` trains 10 epochs on the 50,000 training images (7,820 updates of 64 images, the
inv policy taking the rate from 0.01 to 0.0065); ``paper`` trains 1,280 epochs (about
10^6 updates, the paper's "about 10^6 iterations") and is meant for a GPU.
"""
from __future__ import annotations

import contextlib
import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.optim.optimizer import register_optimizer_step_pre_hook
from torch import Tensor

from .. import metrics
from ..budgets import by_budget
from ..data import MNISTSplits, mnist_splits
from ..models import LeNet
from ..reproducibility import set_seed
from ..runner import checkpoint_path, register_task, run
from ..techniques._validation import check_int, check_positive, check_probability
from ..techniques.mc import mc_predict, mutual_information, predictive_entropy
from ..training import TrainConfig, evaluate, fit

__all__ = ["LeNetConfig", "MCAnalysisConfig", "configs", "caffe_inv_lr", "caffe_inv_schedule",
           "rotate_images", "noise_images", "load_mnist_images", "build_lenet",
           "load_trained_lenet", "trunk_features", "mc_head_logits", "mc_head_probs",
           "uncertainty_scores", "sweep_passes", "rotation_summary", "paper_angles"]


@dataclass(frozen=True)
class LeNetConfig:
    """One LeNet training run on MNIST (task ``mnist_lenet``).

    Attributes:
        name, budget, seed: as for every run (the seed fixes weights, masks and data order).
        p: drop probability before the last layer (Gal & Ghahramani: 0.5).
        init: ``"caffe"`` (xavier filler, zero biases) or ``"default"`` (see ``LeNet``).
        train_size, val_size: first images of the 50,000 / 10,000 split (all if None).
        train: optimizer settings; ``train.lr`` is the base rate of the inv policy.
        lr_policy: ``"inv"`` (Caffe, per iteration) or ``"epoch"`` (``train``'s own
            per-epoch schedule).
        lr_gamma, lr_power: the inv policy's :math:`\\gamma` and power.
    """

    name: str
    budget: str
    seed: int = 0
    p: float = 0.5
    init: str = "caffe"
    train_size: int | None = None
    val_size: int | None = None
    train: TrainConfig = field(default_factory=TrainConfig)
    lr_policy: str = "inv"
    lr_gamma: float = 1e-4
    lr_power: float = 0.75
    task: str = "mnist_lenet"

    def __post_init__(self):
        check_probability(self.p, name="p")
        if self.lr_policy not in ("inv", "epoch"):
            raise ValueError(f"lr_policy must be 'inv' or 'epoch', got "
                             f"lr_policy={self.lr_policy!r}")


def paper_angles(n: int = 12, last: float = 165.0) -> tuple[float, ...]:
    """``n`` rotation angles in degrees, evenly spaced from 0 to ``last``."""
    n = check_int(n, name="n", minimum=2)
    return tuple(round(last * k / (n - 1), 6) for k in range(n))


@dataclass(frozen=True)
class MCAnalysisConfig:
    """The chapter's MC-dropout analyses of one trained LeNet (task ``mc_classification``).

    Attributes:
        model: the training run whose final weights are analysed.
        digit: class of the rotated image (the first test image of that class).
        angles: rotation angles in degrees (12, as remembered from the paper's Figure 4).
        passes: T for Figure 4 and for the MC calibration metrics (paper: 100).
        sweep: the values of T of the accuracy / log-likelihood sweep.
        sweep_repeats: independent repetitions of the sweep (mean and standard error).
        n_test: test images analysed (all 10,000 if None).
        ood_angle: rotation (degrees) of the rotated out-of-distribution test images.
        n_bins: equal-width bins of the reliability diagram and the ECE.
        hist_bins: bins of the entropy and mutual-information histograms.
    """

    name: str
    budget: str
    model: LeNetConfig
    seed: int = 0
    digit: int = 1
    angles: tuple[float, ...] = field(default_factory=paper_angles)
    passes: int = 100
    sweep: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
    sweep_repeats: int = 5
    n_test: int | None = None
    ood_angle: float = 90.0
    n_bins: int = 15
    hist_bins: int = 40
    task: str = "mc_classification"


def configs(budget: str) -> dict[str, list]:
    """The runs of the chapter "MC dropout for classification": one LeNet with dropout
    (seed 0) and the analysis of its final weights."""
    epochs = by_budget(budget, smoke=1, cpu=10, paper=1280)
    train_size, val_size, n_test = by_budget(budget, smoke=(2_000, 1_000, 1_000),
                                             cpu=(None, None, None), paper=(None, None, None))
    solver = TrainConfig(epochs=epochs, batch_size=64, optimizer="sgd", lr=0.01, momentum=0.9,
                         weight_decay=5e-4)
    model = LeNetConfig("gal2016-lenet-dropout", budget, p=0.5, train_size=train_size,
                        val_size=val_size, train=solver)
    sweep = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
    analysis = MCAnalysisConfig("gal2016-mc-classification", budget, model=model,
                                n_test=n_test,
                                sweep=by_budget(budget, smoke=sweep[:8], cpu=sweep, paper=sweep),
                                sweep_repeats=by_budget(budget, smoke=2, cpu=5, paper=5))
    return {"LeNet, dropout p = 0.5": [model], "MC dropout analysis": [analysis]}


# ---------------------------------------------------------------------------------------------
# Training: Caffe's "inv" learning-rate policy
# ---------------------------------------------------------------------------------------------

def caffe_inv_lr(iteration: int, base_lr: float, gamma: float, power: float) -> float:
    r"""Caffe's "inv" policy: :math:`\eta_i = \eta_0\,(1 + \gamma i)^{-\text{power}}`.

    Example:
        >>> round(caffe_inv_lr(10_000, 0.01, 1e-4, 0.75), 6)   # (1 + 1)^-0.75 = 0.5946
        0.005946
    """
    return base_lr * (1.0 + gamma * iteration) ** (-power)


@contextlib.contextmanager
def caffe_inv_schedule(model: torch.nn.Module, base_lr: float, gamma: float, power: float,
                       start_iteration: int = 0):
    """Within the block, set the learning rate of the optimizer that updates ``model`` to
    :func:`caffe_inv_lr` before every step (``fit`` only sets rates once per epoch).

    Implemented with a global optimizer step pre-hook that acts only on optimizers holding
    ``model``'s first parameter. Yields a one-element list with the iteration count.
    """
    first = next(model.parameters())
    iteration = [start_iteration]

    def hook(optimizer, args, kwargs):
        if not any(q is first for group in optimizer.param_groups for q in group["params"]):
            return
        lr = caffe_inv_lr(iteration[0], base_lr, gamma, power)
        for group in optimizer.param_groups:
            group["lr"] = lr
        iteration[0] += 1

    handle = register_optimizer_step_pre_hook(hook)
    try:
        yield iteration
    finally:
        handle.remove()


@functools.lru_cache(maxsize=2)
def load_mnist_images(device: str = "cpu") -> MNISTSplits:
    """The 50k/10k/10k MNIST split as ``(N, 1, 28, 28)`` images in [0, 1], loaded once."""
    return mnist_splits(device=device, flatten=False)


def build_lenet(config: LeNetConfig, device: torch.device | str = "cpu") -> LeNet:
    return LeNet(p=config.p, init=config.init).to(device)


@register_task("mnist_lenet")
def train_mnist_lenet(config: LeNetConfig, device: torch.device, checkpoint: Path,
                      progress: bool | None) -> tuple[dict, dict]:
    """Train one LeNet; final loss and error on train, validation and (once) test."""
    generator = set_seed(config.seed)
    splits = load_mnist_images(str(device))
    train = splits.train.subset(config.train_size)
    val = splits.val.subset(config.val_size)
    model = build_lenet(config, device)
    per_epoch = -(-len(train) // config.train.batch_size)
    start = 0
    if checkpoint.exists():
        start = int(torch.load(checkpoint, map_location="cpu", weights_only=False)["epoch"])
    schedule = caffe_inv_schedule(model, config.train.lr, config.lr_gamma, config.lr_power,
                                  start_iteration=start * per_epoch) \
        if config.lr_policy == "inv" else contextlib.nullcontext([0])
    with schedule:
        history = fit(model, train, config.train, eval_sets={"val": val}, generator=generator,
                      checkpoint=checkpoint, progress=progress, desc=config.name)
    updates = config.train.epochs * per_epoch
    final = {"epochs": len(history["epoch"]), "updates": updates,
             "train_seconds": history["seconds"][-1],
             "final_lr": (caffe_inv_lr(updates - 1, config.train.lr, config.lr_gamma,
                                       config.lr_power) if config.lr_policy == "inv"
                          else history["lr"][-1])}
    for name, split in (("train", train), ("val", val), ("test", splits.test)):
        scores = evaluate(model, split)
        final[f"{name}_loss"], final[f"{name}_error"] = scores["loss"], scores["error"]
    return history, final


def load_trained_lenet(config: LeNetConfig, device: torch.device | str = "cpu") -> LeNet:
    """The final weights of ``config``'s run, read from its checkpoint (trained first,
    through the runner, when the checkpoint is missing, e.g. in a fresh clone)."""
    path = checkpoint_path(config)
    if not path.exists():
        run(config, force=True, device=device)
    model = build_lenet(config, device)
    state = torch.load(path, map_location=device, weights_only=False)
    if state["epoch"] != config.train.epochs:
        raise RuntimeError(f"checkpoint {path} stopped at epoch {state['epoch']} of "
                           f"{config.train.epochs}; run dt.run(config) to finish training")
    model.load_state_dict(state["model"])
    return model.eval()


# ---------------------------------------------------------------------------------------------
# Inputs: rotations and noise
# ---------------------------------------------------------------------------------------------

def rotate_images(x: Tensor, degrees: float | Tensor) -> Tensor:
    """Rotate images ``(N, C, H, W)`` counterclockwise (as displayed) about their centre.

    Bilinear interpolation; pixels that come from outside the image are 0 (background).
    ``degrees`` is one angle or one per image. Rotation by 90 degrees equals
    ``torch.rot90(x, 1, dims=(-2, -1))`` up to float rounding.

    Example:
        >>> x = torch.zeros(1, 1, 5, 5); x[0, 0, 0, 2] = 1.0      # a dot at the top
        >>> rotate_images(x, 90.0)[0, 0].argmax().item()           # now on the left: row 2, col 0
        10
    """
    if not isinstance(x, Tensor) or x.dim() != 4 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"rotate_images: x must be a float tensor (N, C, H, W), got {shape}; "
                         "use load_mnist(..., flatten=False) for MNIST images")
    n = x.shape[0]
    angle = torch.as_tensor(degrees, dtype=x.dtype, device=x.device).reshape(-1)
    if angle.numel() not in (1, n):
        raise ValueError(f"rotate_images: degrees must be one angle or one per image ({n}), "
                         f"got {angle.numel()}")
    rad = torch.deg2rad(angle).expand(n)
    cos, sin = torch.cos(rad), torch.sin(rad)
    zero = torch.zeros_like(cos)
    # affine_grid maps output to input coordinates (x right, y down): sample the input at
    # the output point rotated clockwise on screen, which turns the image counterclockwise
    theta = torch.stack([torch.stack([cos, -sin, zero], -1),
                         torch.stack([sin, cos, zero], -1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def noise_images(n: int, *, mean: float = 0.1307, std: float = 0.3081, size: int = 28,
                 generator: torch.Generator | None = None) -> Tensor:
    """``n`` images of i.i.d. Gaussian pixels with MNIST's pixel mean and standard
    deviation (training set), clipped to [0, 1]: inputs no digit resembles."""
    n = check_int(n, name="n")
    check_positive(std, name="std")
    x = torch.randn(n, 1, size, size, generator=generator) * std + mean
    return x.clamp_(0.0, 1.0)


# ---------------------------------------------------------------------------------------------
# MC dropout summaries
# ---------------------------------------------------------------------------------------------

@torch.no_grad()
def trunk_features(model: LeNet, x: Tensor, batch_size: int = 2_000) -> Tensor:
    """The deterministic 500 features of ``model`` (its ``trunk``) for images ``x``."""
    was_training = model.training
    model.eval()
    out = torch.cat([model.trunk(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


@torch.no_grad()
def mc_head_logits(model: LeNet, features: Tensor, T: int, *,
                   generator: torch.Generator | None = None) -> Tensor:
    """Logits ``(T, N, C)`` of ``T`` stochastic passes of the head (dropout + last layer)
    on the trunk's ``features``. Pass :math:`t` draws one dropout mask and applies it to
    all N inputs: it evaluates one sampled network, as in the paper's derivation, and
    needs T x 500 Bernoulli draws instead of T x N x 500 (see ``mc_predict``)."""
    return mc_predict(model.head, features, T, per_pass_masks=True, generator=generator)


def mc_head_probs(model: LeNet, features: Tensor, T: int, *,
                  generator: torch.Generator | None = None) -> Tensor:
    """Softmax outputs ``(T, N, C)`` of :func:`mc_head_logits`."""
    return mc_head_logits(model, features, T, generator=generator).softmax(-1)


def uncertainty_scores(probs: Tensor) -> dict[str, Tensor]:
    """Per input: predictive entropy, mutual information (BALD) and the MC mean's
    confidence, from per-pass probabilities ``(T, N, C)``."""
    return {"entropy": predictive_entropy(probs), "mutual_information": mutual_information(probs),
            "confidence": probs.mean(0).max(-1).values}


@torch.no_grad()
def sweep_passes(model: LeNet, features: Tensor, labels: Tensor, Ts: tuple[int, ...], *,
                 generator: torch.Generator | None = None) -> dict[str, list[float]]:
    """Test accuracy and log-likelihood of the MC average over the first T passes, for each
    T in ``Ts`` (one set of max(Ts) passes; the estimates for different T are nested)."""
    Ts = sorted(check_int(t, name="T") for t in Ts)
    running = torch.zeros(features.shape[0], model.head[-1].out_features)
    out: dict[str, list[float]] = {"T": [], "accuracy": [], "log_likelihood": []}
    done = 0
    for T in Ts:
        running += mc_head_probs(model, features, T - done, generator=generator).sum(0)
        done = T
        probs = running / T
        out["T"].append(T)
        out["accuracy"].append(float((probs.argmax(-1) == labels).double().mean()))
        out["log_likelihood"].append(-metrics.negative_log_likelihood(probs, labels))
    return out


def rotation_summary(logits: Tensor) -> dict[str, Tensor]:
    """Per angle, from the stored Figure-4 samples ``(A, T, C)`` (logits): the MC-mean
    class, the standard deviation over passes of the softmax input and output of that
    class, predictive entropy and mutual information."""
    if not isinstance(logits, Tensor) or logits.dim() != 3:
        raise ValueError("rotation_summary: logits must be a tensor (angles, T, classes), got "
                         f"{tuple(logits.shape) if isinstance(logits, Tensor) else logits!r}")
    probs = logits.softmax(-1)                                      # (A, T, C)
    per_pass = probs.transpose(0, 1)                                # (T, A, C)
    top = probs.mean(1).argmax(-1)                                  # (A,)
    pick = top.view(-1, 1, 1).expand(-1, logits.shape[1], 1)
    return {"predicted": top, "mean_probability": probs.mean(1).max(-1).values,
            "logit_sd": logits.gather(2, pick).squeeze(2).std(1),
            "probability_sd": probs.gather(2, pick).squeeze(2).std(1),
            "entropy": predictive_entropy(per_pass),
            "mutual_information": mutual_information(per_pass)}


def _histogram(values: Tensor, edges: Tensor) -> list[float]:
    return torch.histogram(values.double().cpu(), bins=edges.double().cpu())[0].tolist()


def _rounded(t: Tensor, digits: int = 4) -> list:
    return torch.round(t.double(), decimals=digits).tolist()


@register_task("mc_classification")
def analyse_mc_classification(config: MCAnalysisConfig, device: torch.device, checkpoint: Path,
                              progress: bool | None) -> tuple[dict, dict]:
    """Figure 4, uncertainty of in- and out-of-distribution inputs, calibration and the
    T sweep for the final weights of ``config.model``."""
    generator = set_seed(config.seed)
    model = load_trained_lenet(config.model, "cpu")
    test = load_mnist_images("cpu").test.subset(config.n_test)
    final: dict = {}
    # --- Figure 4: one digit rotated through the angles, T passes each
    index = int((test.y == config.digit).nonzero()[0])
    digit = test.x[index:index + 1].expand(len(config.angles), -1, -1, -1)
    rotated = rotate_images(digit, torch.tensor(config.angles))
    with torch.no_grad():
        logits = mc_head_logits(model, trunk_features(model, rotated), config.passes,
                                generator=generator)
    final["rotation"] = {"test_index": index, "angles": list(config.angles),
                         "logits": _rounded(logits.transpose(0, 1))}
    # --- in- and out-of-distribution inputs: features once, then T head passes
    sets = {"MNIST test": test.x,
            f"test rotated {config.ood_angle:g} deg": rotate_images(test.x, config.ood_angle),
            "Gaussian noise": noise_images(len(test), generator=generator)}
    scores = {}
    features = {name: trunk_features(model, x) for name, x in sets.items()}
    for name, feats in features.items():
        scores[name] = uncertainty_scores(mc_head_probs(model, feats, config.passes,
                                                        generator=generator))
        with torch.no_grad():
            scores[name]["confidence (weight scaling)"] = model.head(feats).softmax(-1).max(-1)[0]
    final["uncertainty"] = _summarise_scores(scores, config.hist_bins)
    # --- calibration of MC dropout (T passes) and weight scaling on the test set
    feats = features["MNIST test"]
    with torch.no_grad():
        probs = {"MC dropout": mc_head_probs(model, feats, config.passes,
                                             generator=generator).mean(0),
                 "weight scaling": model.head(feats).softmax(-1)}
    final["calibration"] = {name: _calibration(p, test.y, config.n_bins)
                            for name, p in probs.items()}
    # --- accuracy and log-likelihood against T
    runs = [sweep_passes(model, feats, test.y, config.sweep, generator=generator)
            for _ in range(config.sweep_repeats)]
    final["sweep"] = {"T": runs[0]["T"],
                      "accuracy": [r["accuracy"] for r in runs],
                      "log_likelihood": [r["log_likelihood"] for r in runs]}
    final["n_test"] = len(test)
    return {}, final


def _calibration(probs: Tensor, labels: Tensor, n_bins: int) -> dict:
    bins = metrics.reliability_bins(probs, labels, n_bins)
    return {"accuracy": float((probs.argmax(-1) == labels).double().mean()),
            "ece": metrics.expected_calibration_error(probs, labels, n_bins),
            "nll": metrics.negative_log_likelihood(probs, labels),
            "brier": metrics.brier_score(probs, labels),
            "bins": {k: [None if math.isnan(v) else v for v in t.tolist()]
                     for k, t in bins.items()}}


def _summarise_scores(scores: dict[str, dict[str, Tensor]], hist_bins: int) -> dict:
    """Means, medians, histograms and AUROC (in-distribution vs each other set)."""
    n_classes = 10
    top = max(float(s["mutual_information"].max()) for s in scores.values())
    edges = {"entropy": torch.linspace(0, math.log(n_classes), hist_bins + 1),
             "mutual_information": torch.linspace(0, max(top, 1e-6) * 1.0001, hist_bins + 1)}
    ref_name = next(iter(scores))
    out: dict = {"edges": {k: e.tolist() for k, e in edges.items()}, "sets": {}}
    for name, s in scores.items():
        row = {f"mean_{k}": float(v.mean()) for k, v in s.items()}
        row |= {f"median_{k}": float(v.median()) for k, v in s.items()}
        row |= {f"hist_{k}": _histogram(s[k], e) for k, e in edges.items()}
        if name != ref_name:
            ref = scores[ref_name]
            row["auroc_entropy"] = metrics.auroc(ref["entropy"], s["entropy"])
            row["auroc_mutual_information"] = metrics.auroc(ref["mutual_information"],
                                                            s["mutual_information"])
            # a low confidence is the alarm: score = minus the confidence
            for k in ("confidence", "confidence (weight scaling)"):
                row[f"auroc_{k}"] = metrics.auroc(-ref[k], -s[k])
        out["sets"][name] = row
    return out


# ---------------------------------------------------------------------------------------------
# Reading the stored analysis: tables, verdicts and figures of the chapter
# ---------------------------------------------------------------------------------------------

__all__ += ["rotated_digit", "shown_classes", "first_T_matching", "rotation_verdict",
            "plot_rotated_digits", "plot_softmax_scatter", "plot_rotation_uncertainty",
            "plot_uncertainty_histograms", "plot_reliability", "plot_sweep"]

ID_SET = "MNIST test"


def rotated_digit(config: MCAnalysisConfig, index: int) -> Tensor:
    """The analysed test image (``index``) rotated through ``config.angles``: (A, 1, 28, 28)."""
    x = load_mnist_images("cpu").test.x[index:index + 1]
    return rotate_images(x.expand(len(config.angles), -1, -1, -1), torch.tensor(config.angles))


def shown_classes(logits: Tensor, min_probability: float = 0.1) -> list[int]:
    """Classes worth drawing in Figure 4: those whose MC-mean probability reaches
    ``min_probability`` at some angle (logits ``(A, T, C)``)."""
    mean = logits.softmax(-1).mean(1)                                   # (A, C)
    return [c for c in range(mean.shape[1]) if mean[:, c].max() >= min_probability]


def first_T_matching(sweep: dict, key: str, target: float) -> int | None:
    """Smallest T whose mean over repeats of ``sweep[key]`` reaches ``target``, or None."""
    for i, T in enumerate(sweep["T"]):
        if sum(r[i] for r in sweep[key]) / len(sweep[key]) >= target:
            return T
    return None


def rotation_verdict(summary: dict[str, Tensor], angles: tuple[float, ...],
                     digit: int = 1, drift_to: tuple[int, ...] = (5, 7)) -> dict:
    """Check Figure 4's qualitative claim on our samples.

    * ``uncertain_when_ambiguous``: the mutual information and the spread of the softmax
      input of the top class are both largest at an angle where the MC-mean prediction
      is not ``digit`` with confidence 0.9 or more (an ambiguous image), and both are larger
      there than for the upright digit;
    * ``drifts_like_paper``: at some angle the MC-mean prediction is one of ``drift_to``.
    """
    mi, sd = summary["mutual_information"], summary["logit_sd"]
    ambiguous = (summary["predicted"] != digit) | (summary["mean_probability"] < 0.9)
    at_mi, at_sd = int(mi.argmax()), int(sd.argmax())
    uncertain = bool(ambiguous[at_mi] and ambiguous[at_sd] and mi[at_mi] > mi[0]
                     and sd[at_sd] > sd[0])
    predicted = [int(c) for c in summary["predicted"]]
    return {"uncertain_when_ambiguous": uncertain,
            "drifts_like_paper": any(c in drift_to for c in predicted),
            "angle_max_mi": angles[at_mi], "angle_max_sd": angles[at_sd],
            "ambiguous_angles": [a for a, amb in zip(angles, ambiguous.tolist()) if amb],
            "predicted": predicted}


def plot_rotated_digits(images: Tensor, angles) -> None:
    """The rotated inputs in a row, each titled with its angle."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(angles), figsize=(0.8 * len(angles), 1.2))
    for ax, img, angle in zip(axes, images, angles):
        ax.imshow(img[0].numpy(), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{angle:g}°", fontsize=9)
        ax.set_axis_off()


def plot_softmax_scatter(logits: Tensor, angles, classes: list[int]) -> None:
    """Figure 4 of Gal & Ghahramani (2016): the T samples of the softmax input (logits,
    left) and output (right) of each shown class at each rotation angle."""
    from ..plotting import new_axes
    fig, (ax_in, ax_out) = new_axes("rotation angle (degrees)", "", ncols=2, figsize=(11, 4))
    angles_t = torch.tensor(angles, dtype=torch.float64)
    probs = logits.softmax(-1)
    T = logits.shape[1]
    step = float(angles_t[1] - angles_t[0]) if len(angles_t) > 1 else 1.0
    for k, c in enumerate(classes):
        # classes side by side around each angle
        shift = (k - (len(classes) - 1) / 2) * min(0.12, 0.6 / len(classes)) * step
        xs = (angles_t + shift).repeat_interleave(T)
        ax_in.scatter(xs, logits[:, :, c].reshape(-1), s=4, alpha=0.35, label=f"class {c}")
        ax_out.scatter(xs, probs[:, :, c].reshape(-1), s=4, alpha=0.35, label=f"class {c}")
    ax_in.set_ylabel("softmax input (logit)")
    ax_out.set_ylabel("softmax output (probability)")
    for ax in (ax_in, ax_out):
        ax.set_xticks(list(angles))
        ax.tick_params(axis="x", labelrotation=90)
    ax_out.legend(markerscale=3, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()


def plot_rotation_uncertainty(summary: dict[str, Tensor], angles) -> None:
    """Predictive entropy and mutual information (left), and the standard deviation over
    passes of the top class's softmax input and output (right), against the angle."""
    from ..plotting import new_axes
    fig, (ax_h, ax_sd) = new_axes("rotation angle (degrees)", "", ncols=2, figsize=(11, 3.6))
    ax_h.plot(angles, summary["entropy"], "o-", label="predictive entropy")
    ax_h.plot(angles, summary["mutual_information"], "s-", label="mutual information")
    ax_h.set_ylabel("nats")
    ax_h.legend()
    ax_sd.plot(angles, summary["logit_sd"], "o-", label="softmax input (logit)")
    ax_sd.set_ylabel("s.d. over passes, logit")
    twin = ax_sd.twinx()
    twin.plot(angles, summary["probability_sd"], "s-", color="#d62728",
              label="softmax output (probability)")
    twin.set_ylabel("s.d. over passes, probability")
    twin.grid(False)
    ax_sd.legend(handles=ax_sd.lines + twin.lines, loc="upper left", fontsize=9)
    fig.tight_layout()


def plot_uncertainty_histograms(uncertainty: dict) -> None:
    """Histograms of predictive entropy and mutual information for each input set."""
    from ..plotting import new_axes
    labels = {"entropy": "predictive entropy (nats)",
              "mutual_information": "mutual information (nats)"}
    fig, axes = new_axes("", "images", ncols=2, figsize=(11, 3.8))
    names = [ID_SET] + sorted(n for n in uncertainty["sets"] if n != ID_SET)
    for ax, key in zip(axes, labels):
        edges = uncertainty["edges"][key]
        for name in names:
            counts = uncertainty["sets"][name][f"hist_{key}"]
            ax.stairs(counts, edges, label=name, lw=1.6)
        ax.set_xlabel(labels[key])
        ax.set_yscale("log")
    axes[0].legend()
    fig.tight_layout()


def plot_reliability(calibration: dict) -> None:
    """Reliability diagrams: accuracy against mean confidence per bin, for each method."""
    from ..plotting import new_axes
    names = list(calibration)
    fig, axes = new_axes("confidence (max predictive probability)", "accuracy",
                       ncols=len(names), figsize=(5.2 * len(names), 4))
    for ax, name in zip(axes, names):
        bins = calibration[name]["bins"]
        edges = bins["edges"]
        width = edges[1] - edges[0]
        acc = [a if a is not None else 0.0 for a in bins["accuracy"]]
        conf = [c if c is not None else 0.0 for c in bins["confidence"]]
        ax.bar(edges[:-1], acc, width=width, align="edge", edgecolor="black", alpha=0.7,
               label="accuracy in bin")
        ax.plot(conf, acc, "o", color="#d62728", ms=4, label="(mean confidence, accuracy)")
        ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title(f"{name}: ECE = {100 * calibration[name]['ece']:.2f} %")
        for left, n in zip(edges[:-1], bins["count"]):
            if n:
                ax.text(left + width / 2, 0.02, f"{int(n)}", rotation=90, ha="center",
                        va="bottom", fontsize=7)
    axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()


def plot_sweep(sweep: dict, calibration: dict) -> None:
    """Test accuracy (%) and log-likelihood of the MC average against T (mean ± s.e. over
    repetitions), with weight scaling as a horizontal line."""
    from ..notebook import mean_se
    from ..plotting import new_axes
    fig, (ax_acc, ax_ll) = new_axes("number of stochastic passes T", "", ncols=2,
                                  figsize=(11, 3.8))
    ws = calibration["weight scaling"]
    for ax, key, scale, ws_value, ylabel in (
            (ax_acc, "accuracy", 100, 100 * ws["accuracy"], "test accuracy (%)"),
            (ax_ll, "log_likelihood", 1, -ws["nll"], "test log-likelihood (nats per image)")):
        stats = [mean_se([scale * r[i] for r in sweep[key]]) for i in range(len(sweep["T"]))]
        means = [m for m, _ in stats]
        ses = [s for _, s in stats]
        ax.errorbar(sweep["T"], means, yerr=ses, fmt="o-", ms=4, capsize=2,
                    label="MC dropout (mean ± s.e.)")
        ax.axhline(ws_value, color="#d62728", ls="--", label="weight scaling")
        ax.set_xscale("log")
        ax.set_ylabel(ylabel)
    ax_acc.legend(loc="lower right")
    fig.tight_layout()
