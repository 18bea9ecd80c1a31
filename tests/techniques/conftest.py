"""Shared fixtures for the technique tests: seeded generators and statistical tolerances.

Every random test draws from an explicitly seeded ``torch.Generator`` (or re-seeds the global
generator for parity with ``torch.nn.functional``), so the suite is deterministic on a given
build. Tolerances come from the formulas being tested, with z = 5 (false-alarm rate ~6e-7).
"""
from __future__ import annotations

import math

import pytest
import torch

Z = 5.0


@pytest.fixture(autouse=True)
def _seed_global_rng():
    """Every test starts from the same global RNG state (tests also use explicit generators)."""
    torch.manual_seed(0)


@pytest.fixture
def gen() -> torch.Generator:
    """A CPU generator seeded with 0."""
    return torch.Generator().manual_seed(0)


@pytest.fixture
def assert_binomial():
    """Check that ``k`` successes out of ``n`` are within z*sqrt(n p (1-p)) of ``n p``."""
    def check(k: int, n: int, p: float, z: float = Z) -> None:
        sd = math.sqrt(n * p * (1.0 - p))
        assert abs(k - n * p) <= z * sd + 1e-9, f"k={k}, n={n}, p={p}: z={(k - n * p) / sd:.2f}"
    return check


@pytest.fixture
def assert_mean():
    """Check that the sample mean of ``samples`` is within z * sd / sqrt(n) of ``mu``."""
    def check(samples: torch.Tensor, mu: float, sd: float, z: float = Z) -> None:
        n = samples.numel()
        err = samples.double().mean().item() - mu
        assert abs(err) <= z * sd / math.sqrt(n), f"mean off by {err} (bound {z * sd / n**0.5})"
    return check
