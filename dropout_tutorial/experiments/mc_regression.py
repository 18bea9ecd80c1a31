"""The runs of the chapter "MC dropout for regression" (Gal & Ghahramani, 2016): the UCI
benchmark under both protocols (:mod:`.uci`) and the CO2 extrapolation (:mod:`.co2`)."""
from __future__ import annotations

from . import co2, uci

__all__ = ["configs"]


def configs(budget: str) -> dict[str, list]:
    return uci.configs(budget) | co2.configs(budget)
