"""Shared fixtures. Every test gets its own results and cache folders, so tests never
write the committed results/ folder (and read it only where they point there on purpose)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def isolated_results(tmp_path, monkeypatch):
    monkeypatch.setenv("DROPOUT_TUTORIAL_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("DROPOUT_TUTORIAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("DROPOUT_TUTORIAL_REQUIRE_STORED", raising=False)
    monkeypatch.delenv("DROPOUT_BUDGET", raising=False)
    monkeypatch.delenv("DROPOUT_DEVICE", raising=False)
    return tmp_path


@pytest.fixture
def gen():
    """A seeded CPU generator, and the global RNG seeded too."""
    torch.manual_seed(0)
    return torch.Generator().manual_seed(0)
