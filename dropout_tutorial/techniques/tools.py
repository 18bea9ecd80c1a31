r"""Tools for the dropout layers of any model: find them, swap them, check them.

Two predicates decide what counts as dropout:

* :func:`is_dropout_layer`: a *shape-preserving dropout layer* that can be replaced by another
  one (``nn.Dropout``, ``nn.Dropout1d/2d/3d``, ``nn.AlphaDropout``,
  ``nn.FeatureAlphaDropout`` and the package's own layers);
* :func:`uses_dropout`: any module whose ``training`` flag switches randomness on: the layers
  above plus modules with internal dropout (``nn.MultiheadAttention``, ``nn.RNNBase`` and
  ``nn.Transformer*Layer`` with a non-zero ``dropout``, and the package's
  ``VariationalLSTM``, ``VariationalGRU``, ``WeightDropLSTM``, ``EmbeddingDropout``,
  attention modules).

A class can state its kind with the class attributes ``is_dropout_layer`` and
``uses_dropout`` (booleans); they take precedence over every rule. Without them, a class
defined in the ``dropout_tutorial`` package is recognised by its name: without child modules
and named ``*Dropout``, ``*Dropout1d/2d/3d``, ``*DropPath`` or ``*DropBlock2d``, it is a dropout
layer; a name containing ``Drop``, ``Standout``, ``VD`` or ``SVDO`` (``ConcreteDropout``, which
wraps a layer, ``DropConnectLinear``, ``LinearVD``, ...) marks a module that uses dropout.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor, nn

__all__ = ["is_dropout_layer", "uses_dropout", "swap", "Finding", "check_dropout"]

_LAYER_NAME = re.compile(r"(Dropout[123]?d?|DropPath|DropBlock[123]?d?)$")
_USES_NAME = re.compile(r"Drop|Standout|VD")
_NORMS = (nn.modules.batchnorm._BatchNorm,)
_TRANSPARENT = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh,
                nn.Sigmoid, nn.Identity, nn.Flatten, nn.Unflatten)  # keep the variance shift
_WEIGHTED = (nn.Linear, nn.modules.conv._ConvNd)


def is_dropout_layer(module: nn.Module) -> bool:
    """Return True for a shape-preserving dropout layer (see the module docstring)."""
    flag = getattr(type(module), "is_dropout_layer", None)
    if flag is not None:
        return bool(flag)
    if isinstance(module, nn.modules.dropout._DropoutNd):
        return True
    return (_in_package(module) and bool(_LAYER_NAME.search(type(module).__name__))
            and not any(True for _ in module.children()))


def _in_package(module: nn.Module) -> bool:
    return type(module).__module__.startswith("dropout_tutorial")


def uses_dropout(module: nn.Module) -> bool:
    """Return True if ``module.training`` switches randomness on in this very module."""
    flag = getattr(type(module), "uses_dropout", None)
    if flag is not None:
        return bool(flag)
    if is_dropout_layer(module):
        return True
    if _in_package(module) and _USES_NAME.search(type(module).__name__):
        return True
    internal = (nn.MultiheadAttention, nn.RNNBase)
    if isinstance(module, internal) and float(getattr(module, "dropout", 0.0)) > 0.0:
        return True
    # In eval mode these layers take a fused fast path that skips their dropout children.
    if isinstance(module, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
        return any(is_dropout_layer(m) and getattr(m, "p", 0.0) > 0.0 for m in module.children())
    return False


def swap(model: nn.Module, factory: Callable[[nn.Module], nn.Module], *,
         predicate: Callable[[nn.Module], bool] = is_dropout_layer) -> int:
    """Replace every dropout layer of ``model`` by ``factory(old_layer)``, in place.

    The new module takes the old one's place in its parent (``Sequential``, ``ModuleList``,
    ``ModuleDict`` or attribute) and its training mode. A layer registered twice is replaced
    by one new module. Functional calls (``F.dropout`` in a ``forward``) are not modules and
    are not reached.

    Args:
        model: the model to modify.
        factory: called once per layer with the old layer; returns the new module.
        predicate: which modules to replace. Default: :func:`is_dropout_layer`.

    Returns:
        The number of layers replaced.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.ReLU(), nn.Dropout(0.2))
        >>> swap(net, lambda old: nn.Dropout(p=0.1))
        2
        >>> net[1].p, net[3].p
        (0.1, 0.1)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if not callable(factory):
        raise TypeError(f"factory must be callable, got {type(factory).__name__}")
    if predicate(model):
        raise ValueError("model is itself a dropout layer: call factory(model) directly")
    targets = [(parent, name, child) for parent in model.modules()
               for name, child in parent.named_children() if predicate(child)]
    replaced: dict[int, nn.Module] = {}
    for parent, name, old in targets:
        if id(old) not in replaced:
            new = factory(old)
            if not isinstance(new, nn.Module):
                raise TypeError(f"factory must return an nn.Module, got {type(new).__name__}")
            replaced[id(old)] = new.train(old.training)
        setattr(parent, name, replaced[id(old)])
    return len(replaced)


@dataclass(frozen=True)
class Finding:
    """One problem found by :func:`check_dropout`: a code, the module's name, a message."""

    code: str
    module: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.module or '<model>'}: {self.message}"


def _execution_order(model: nn.Module, example_input) -> list[tuple[str, nn.Module]]:
    """Leaf modules in the order they run on ``example_input`` (first call of each)."""
    names = {id(m): n for n, m in model.named_modules()}
    order, seen, handles = [], set(), []

    def hook(module, args):
        if id(module) not in seen:
            seen.add(id(module))
            order.append((names[id(module)], module))

    for m in model.modules():
        if not any(True for _ in m.children()):
            handles.append(m.register_forward_pre_hook(hook))
    try:
        _run(model, example_input)
    finally:
        for h in handles:
            h.remove()
    return order


def _run(model: nn.Module, example_input, seed: int = 0) -> list[Tensor]:
    """Run ``model`` once in eval mode without side effects; return its output tensors."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()  # no BatchNorm statistics updates while we look
    try:
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(seed)
            args = example_input if isinstance(example_input, tuple) else (example_input,)
            out = model(*args)
    finally:
        for m, mode in modes:
            m.training = mode
    out = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in out if isinstance(o, Tensor)]


def _is_stochastic_in_eval(model: nn.Module, example_input) -> bool:
    """True if two eval-mode runs with different seeds give different outputs."""
    first, second = _run(model, example_input, seed=0), _run(model, example_input, seed=1)
    return any(not torch.equal(a, b) for a, b in zip(first, second))


def check_dropout(model: nn.Module, example_input=None, *,
                  keep_prob_threshold: float = 0.8) -> list[Finding]:
    """Report common dropout mistakes in ``model`` as a list of :class:`Finding`.

    Codes reported:

    * ``mixed_modes``: the model is in eval mode but a dropout module is in training mode.
      This is intended for MC dropout (see
      :func:`~dropout_tutorial.techniques.mc.enable_mc_dropout`) and a bug otherwise.
    * ``dropout_before_batchnorm``: a dropout layer feeds a BatchNorm layer, directly or
      through activations and one linear/conv layer: BatchNorm's running variance, measured
      with dropout on, no longer matches at test time ("variance shift", Li et al. 2019).
    * ``dropout_after_output``: a dropout layer is the last module to run.
    * ``p_looks_like_keep_prob``: ``p >= keep_prob_threshold``; PyTorch's ``p`` is the drop
      probability, and such values usually come from a paper or framework that uses keep.
    * ``rnn_dropout_single_layer``: ``nn.RNN/LSTM/GRU(dropout > 0, num_layers=1)`` drops nothing.
    * ``stochastic_in_eval`` (only with ``example_input``): the model is in eval mode, no dropout
      module is in training mode, yet two runs differ: typically ``F.dropout(x, p)`` without
      ``training=self.training``, or ``F.scaled_dot_product_attention(dropout_p=p)`` in eval.

    Functional calls cannot be found statically: ``F.dropout`` inside a ``forward`` is not a
    module, so only the dynamic ``stochastic_in_eval`` test (which needs ``example_input`` and a
    model in eval mode) can reveal them, and only if the call is reached. Without
    ``example_input``, module order is registration order, a proxy for execution order.

    Args:
        model: the model to inspect; it is not modified (modes and RNG state are restored).
        example_input: optional input (a tensor or a tuple of positional arguments) used to
            record the execution order and to test determinism in eval mode.
        keep_prob_threshold: ``p`` at or above which a layer is reported. Default: 0.8.

    Returns:
        The findings, empty for a clean model.

    References:
        Li, Chen, Hu & Yang (2019), "Understanding the Disharmony between Dropout and Batch
        Normalization by Variance Shift", CVPR, https://arxiv.org/abs/1801.05134

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.BatchNorm1d(8))
        >>> [f.code for f in check_dropout(net)]
        ['dropout_before_batchnorm']
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    findings: list[Finding] = []
    named = list(model.named_modules())
    if not model.training:
        findings += [Finding("mixed_modes", n, f"{type(m).__name__} is in training mode while "
                             "the model is in eval mode (fine only for intended MC dropout)")
                     for n, m in named if uses_dropout(m) and m.training]
    if example_input is not None:
        order = _execution_order(model, example_input)
    else:
        order = [(n, m) for n, m in named if not any(True for _ in m.children())]
    findings += _before_batchnorm(order)
    if order and is_dropout_layer(order[-1][1]):
        findings.append(Finding("dropout_after_output", order[-1][0],
                                "dropout is the last layer: it perturbs the prediction itself"))
    for n, m in named:
        p = getattr(m, "p", None)
        if is_dropout_layer(m) and isinstance(p, float) and p >= keep_prob_threshold:
            findings.append(Finding("p_looks_like_keep_prob", n, f"p={p} drops most units; "
                                    f"p is the drop probability (did you mean p={1 - p:.2g}?)"))
        if isinstance(m, nn.RNNBase) and m.dropout > 0 and m.num_layers == 1:
            findings.append(Finding("rnn_dropout_single_layer", n, "dropout acts between "
                                    "stacked layers only, so it does nothing with num_layers=1"))
    stochastic_modules = any(uses_dropout(m) and m.training for _, m in named)
    if (example_input is not None and not model.training and not stochastic_modules
            and _is_stochastic_in_eval(model, example_input)):
        findings.append(Finding("stochastic_in_eval", "", "outputs differ between two eval runs: "
                                "look for F.dropout without training=self.training or "
                                "scaled_dot_product_attention(dropout_p>0) in eval"))
    return findings


def _before_batchnorm(order) -> list[Finding]:
    """Findings for dropout layers whose output reaches a BatchNorm (see check_dropout)."""
    findings = []
    for i, (name, m) in enumerate(order):
        if not is_dropout_layer(m) or getattr(m, "p", 1.0) == 0.0:
            continue
        through = None
        for next_name, nxt in order[i + 1:]:
            if isinstance(nxt, _NORMS):
                how = "directly" if through is None else f"through {type(through).__name__}"
                findings.append(Finding("dropout_before_batchnorm", name, f"feeds {how} the "
                                        f"BatchNorm '{next_name}' (variance shift at test time)"))
                break
            if isinstance(nxt, _WEIGHTED) and through is None:
                through = nxt
            elif not isinstance(nxt, _TRANSPARENT):
                break
    return findings
