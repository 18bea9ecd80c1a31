r"""Scheduled dropout: drive the drop probability ``p`` of dropout modules during training.

Pure schedule functions give :math:`p(t)`; schedule objects write it into the ``p`` attribute
of target modules at every ``step()``. Nothing is re-created: the modules read ``self.p`` at
each forward call. (Under ``torch.compile`` a changing Python float recompiles; quantize ``p``
or compile without the dropout modules.) Targets are given explicitly, or found in a model as
every submodule with a float attribute ``p`` (``torch.nn`` dropout modules and this package's).
"""
from __future__ import annotations

import math
import numbers

from torch import nn

from ._validation import (check_choice, check_finite, check_int, check_positive,
                          check_probability)

__all__ = ["linear_ramp", "scheduled_drop_path_rate", "curriculum_keep_prob",
           "find_dropout_modules", "DropoutSchedule", "LinearSchedule", "ScheduledDropPath",
           "CurriculumSchedule", "PlateauSchedule"]


def linear_ramp(step: int, start: float, end: float, total_steps: int) -> float:
    r""":math:`p(t) = p_0 + (p_1 - p_0)\min(1, t/T)` (e.g. DropBlock's keep-probability ramp).

    Example:
        >>> linear_ramp(5, 0.0, 0.1, 10)
        0.05
    """
    step = check_int(step, name="step", minimum=0)
    total_steps = check_int(total_steps, name="total_steps")
    return start + (end - start) * min(1.0, step / total_steps)


def scheduled_drop_path_rate(step: int, p_max: float, total_steps: int, layer: int = 0,
                             num_layers: int = 1) -> float:
    r"""ScheduledDropPath (Zoph et al. 2018): :math:`p(l, t) = p_{\max}\frac{l+1}{L}\min(1, t/T)`.

    ``layer`` is the 0-based cell index :math:`l` of :math:`L` cells (NASNet's ``v3`` scaling).

    Example:
        >>> scheduled_drop_path_rate(50, 0.3, 100, layer=1, num_layers=2)
        0.15
    """
    p_max = check_probability(p_max, name="p_max")
    num_layers = check_int(num_layers, name="num_layers")
    if check_int(layer, name="layer", minimum=0) >= num_layers:
        raise ValueError(f"layer must be < num_layers={num_layers}, got layer={layer!r}")
    return linear_ramp(step, 0.0, p_max * (layer + 1) / num_layers, total_steps)


def curriculum_keep_prob(step: int, keep_target: float, gamma: float,
                         anti: bool = False) -> float:
    r"""Curriculum keep probability :math:`\theta(t) = (1-\bar\theta)e^{-\gamma t} + \bar\theta`.

    Morerio et al. (2017), "Curriculum Dropout", ICCV.

    ``t`` is the iteration (minibatch) count, :math:`\bar\theta` the target *keep* probability;
    the drop probability is :math:`1 - \theta(t)`. ``anti=True`` gives the anti-curriculum
    :math:`1 - (1-\bar\theta)e^{-\gamma t}`, rising from :math:`\bar\theta` to 1. The authors'
    MNIST configuration uses :math:`\gamma = 10^{-3}` per iteration.

    Example:
        >>> curriculum_keep_prob(0, 0.5, 1e-3)
        1.0
    """
    keep_target = check_probability(keep_target, name="keep_target", allow_zero=False)
    gamma = check_positive(gamma, name="gamma", allow_zero=True)
    step = check_int(step, name="step", minimum=0)
    decay = (1.0 - keep_target) * math.exp(-gamma * step)
    return 1.0 - decay if anti else decay + keep_target


def find_dropout_modules(model: nn.Module) -> list[nn.Module]:
    """Submodules of ``model`` (itself included) with a real-valued attribute ``p``, in order."""
    def has_p(m):
        p = getattr(m, "p", None)
        return isinstance(p, numbers.Real) and not isinstance(p, bool)
    return [m for m in model.modules() if has_p(m)]


class DropoutSchedule:
    """Base class: ``value(step)`` gives p; ``step()`` writes it into every target's ``p``.

    Args:
        targets: a model (its dropout modules are found with :func:`find_dropout_modules`) or
            an explicit sequence of modules.
    """

    def __init__(self, targets):
        if isinstance(targets, nn.Module):
            targets = find_dropout_modules(targets)
        self.targets = list(targets)
        if not self.targets or not all(isinstance(m, nn.Module) for m in self.targets):
            raise ValueError("targets must contain at least one nn.Module, "
                             f"got targets={targets!r}")
        self.last_step = -1

    def value(self, step: int, index: int = 0) -> float:
        raise NotImplementedError

    def step(self, step: int | None = None) -> list[float]:
        """Advance to ``step`` (default: previous + 1), set and return each target's p."""
        self.last_step = self.last_step + 1 if step is None else check_int(step, name="step",
                                                                             minimum=0)
        ps = [check_probability(self.value(self.last_step, i), name="p")
              for i in range(len(self.targets))]
        for module, p in zip(self.targets, ps):
            module.p = p
        return ps


class LinearSchedule(DropoutSchedule):
    """Linear ramp of p from ``start`` to ``end`` over ``total_steps``, then constant.

    Example:
        >>> drop = nn.Dropout(0.0)
        >>> LinearSchedule([drop], 0.0, 0.5, total_steps=10).step(4), drop.p
        ([0.2], 0.2)
    """

    def __init__(self, targets, start: float, end: float, total_steps: int):
        super().__init__(targets)
        self.start = check_probability(start, name="start")
        self.end = check_probability(end, name="end")
        self.total_steps = check_int(total_steps, name="total_steps")

    def value(self, step: int, index: int = 0) -> float:
        return linear_ramp(step, self.start, self.end, self.total_steps)


class ScheduledDropPath(DropoutSchedule):
    """ScheduledDropPath: target ``i`` of ``L`` gets :func:`scheduled_drop_path_rate` of cell i."""

    def __init__(self, targets, p_max: float, total_steps: int):
        super().__init__(targets)
        self.p_max = check_probability(p_max, name="p_max")
        self.total_steps = check_int(total_steps, name="total_steps")

    def value(self, step: int, index: int = 0) -> float:
        return scheduled_drop_path_rate(step, self.p_max, self.total_steps, index,
                                        len(self.targets))


class CurriculumSchedule(DropoutSchedule):
    """Curriculum dropout: p(t) = 1 - :func:`curriculum_keep_prob` (t = iteration)."""

    def __init__(self, targets, keep_target: float, gamma: float = 1e-3, anti: bool = False):
        super().__init__(targets)
        self.keep_target = check_probability(keep_target, name="keep_target", allow_zero=False)
        self.gamma = check_positive(gamma, name="gamma", allow_zero=True)
        self.anti = bool(anti)

    def value(self, step: int, index: int = 0) -> float:
        return 1.0 - curriculum_keep_prob(step, self.keep_target, self.gamma, self.anti)


class PlateauSchedule(DropoutSchedule):
    """Raise p by ``delta`` (capped to ``[0, max_p]``) when a validation metric stops improving.

    Like ``ReduceLROnPlateau``: call ``step(metric)`` after each evaluation; after ``patience``
    calls without an improvement larger than ``threshold`` p changes by ``delta`` (negative
    ``delta`` lowers it) and the counter restarts.
    """

    def __init__(self, targets, p_init: float = 0.1, delta: float = 0.1, max_p: float = 0.5,
                 patience: int = 2, mode: str = "min", threshold: float = 0.0):
        super().__init__(targets)
        self.p = check_probability(p_init, name="p_init")
        self.delta = check_finite(delta, name="delta")
        self.max_p = check_probability(max_p, name="max_p")
        self.patience = check_int(patience, name="patience")
        self.mode = check_choice(mode, ("min", "max"), name="mode")
        self.threshold = check_positive(threshold, name="threshold", allow_zero=True)
        self.best, self.bad_steps = math.inf if mode == "min" else -math.inf, 0

    def value(self, step: int, index: int = 0) -> float:
        return self.p

    def step(self, metric: float) -> list[float]:
        metric = check_finite(metric, name="metric")
        sign = 1.0 if self.mode == "min" else -1.0
        if sign * (self.best - metric) > self.threshold:
            self.best, self.bad_steps = metric, 0
        else:
            self.bad_steps += 1
        if self.bad_steps >= self.patience:
            self.p, self.bad_steps = min(max(self.p + self.delta, 0.0), self.max_p), 0
        return super().step()
