"""One home for argument validation, with one wording for every technique.

Every public function and module of :mod:`dropout_tutorial` validates its arguments with
these helpers, so the messages read the same everywhere: the argument's name, what was
expected, and the value received.
"""
from __future__ import annotations

import math
import numbers

import torch

__all__ = ["check_probability", "check_positive", "check_tensor", "check_int", "check_finite",
           "check_choice", "check_generator"]


def check_probability(p, *, name: str = "p", allow_zero: bool = True,
                      allow_one: bool = True) -> float:
    """Return ``p`` as a float after checking that it is a probability.

    Raises ``TypeError`` for a non-number (``bool`` and tensors included) and ``ValueError``
    for NaN or a value outside ``[0, 1]`` (or the half-open interval the caller asks for).
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{name} must be a float, got {name}={p!r} of type {type(p).__name__}")
    p = float(p)
    low_ok = p >= 0 if allow_zero else p > 0
    high_ok = p <= 1 if allow_one else p < 1
    if math.isnan(p) or not (low_ok and high_ok):
        bound = ("[" if allow_zero else "(") + "0, 1" + ("]" if allow_one else ")")
        raise ValueError(f"{name} must be in {bound}, got {name}={p!r}")
    return p


def check_positive(value, *, name: str, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is a finite positive number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {name}={value!r} "
                        f"of type {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not math.isfinite(value) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be finite and {bound}, got {name}={value!r}")
    return value


def check_int(value, *, name: str, minimum: int = 1) -> int:
    """Return ``value`` after checking it is an ``int`` no smaller than ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {name}={value!r} "
                        f"of type {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value!r}")
    return int(value)


def check_tensor(x, *, name: str = "input", ndims: tuple[int, ...] | None = None,
                 where: str = "") -> torch.Tensor:
    """Check that ``x`` is a floating-point tensor whose rank is one of ``ndims``."""
    prefix = f"{where}: " if where else ""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{prefix}{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{prefix}{name} must be a floating-point tensor, got dtype={x.dtype}")
    if ndims is not None and x.dim() not in ndims:
        expected = " or ".join(f"{d}D" for d in ndims)
        raise ValueError(f"{prefix}expected {expected} {name}, but received a {x.dim()}D "
                         f"{name} of shape {tuple(x.shape)}")
    return x


def check_finite(value, *, name: str) -> float:
    """Return ``value`` as a float after checking it is a finite real number (any sign)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {name}={value!r} "
                        f"of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value!r}")
    return value


def check_choice(value, choices: tuple[str, ...], *, name: str) -> str:
    """Return ``value`` after checking it is one of the strings in ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {name}={value!r}")
    return value


def check_generator(generator, *, name: str = "generator"):
    """Check that ``generator`` is ``None`` or a ``torch.Generator``."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"{name} must be a torch.Generator or None, got {name}={generator!r} "
                        f"of type {type(generator).__name__}")
    return generator
