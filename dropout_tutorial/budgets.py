"""Compute budgets: how much work a chapter does.

* ``smoke``: seconds per notebook, on real data (CI proves the training path runs);
* ``cpu``: the reference budget, a chapter within about an hour on a 2-core laptop;
  the committed book shows these results;
* ``paper``: the paper's own settings, meant for a GPU.

A notebook's ``parameters`` cell reads the default from ``DROPOUT_BUDGET`` and papermill's
``-p budget ...`` overrides it. Chapters pick their values with :func:`by_budget`.
"""
from __future__ import annotations

import os
from typing import TypeVar

__all__ = ["BUDGETS", "BUDGET_ENV", "DEFAULT_BUDGET", "get_budget", "by_budget"]

BUDGETS = ("smoke", "cpu", "paper")
BUDGET_ENV = "DROPOUT_BUDGET"
DEFAULT_BUDGET = "cpu"

T = TypeVar("T")


def get_budget(name: str | None = None) -> str:
    """Validate ``name`` (default: ``DROPOUT_BUDGET``, else ``"cpu"``) and return it."""
    if name is None:
        name = os.environ.get(BUDGET_ENV) or DEFAULT_BUDGET
    if name not in BUDGETS:
        raise ValueError(f"budget must be one of {', '.join(BUDGETS)}, got budget={name!r} "
                         f"(check the {BUDGET_ENV} environment variable)")
    return name


def by_budget(budget: str, *, smoke: T, cpu: T, paper: T) -> T:
    """Pick the value for ``budget``: ``by_budget(b, smoke=2, cpu=50, paper=3000)``."""
    return {"smoke": smoke, "cpu": cpu, "paper": paper}[get_budget(budget)]
