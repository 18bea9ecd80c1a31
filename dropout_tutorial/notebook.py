"""Small helpers that every chapter calls in its first cells: setup and provenance.

They keep notebooks short and their printed output deterministic for a given budget,
so that strict nbval comparisons are meaningful (see the book's reproducibility page).
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from statistics import mean, stdev
from typing import Iterable, Sequence

import torch

from .budgets import get_budget
from .device import get_device
from .plotting import use_book_style
from .reproducibility import configure_threads, set_seed
from .runner import RESULTS_ENV, project_root

__all__ = ["Setup", "setup", "stored_results_note", "provenance_table", "mean_se",
           "markdown_table", "load_benchmark"]


@dataclass(frozen=True)
class Setup:
    budget: str
    device: torch.device
    seed: int
    threads: int


def setup(budget: str, device: str = "auto", seed: int = 0) -> Setup:
    """Validate the notebook's parameters, pick the device, set threads, seed and the
    figure style. Prints the budget and seed (the device is printed by
    :func:`provenance_table`, since it is where a rerun may differ), and
    :func:`stored_results_note` where it applies."""
    budget = get_budget(budget)
    chosen = get_device(device)
    threads = configure_threads()
    set_seed(seed)
    use_book_style()
    print(f"budget={budget} seed={seed}")
    note = stored_results_note(budget)
    if note is not None:
        print(note)
    return Setup(budget, chosen, seed, threads)


def stored_results_note(budget: str) -> str | None:
    """A warning for a reader outside a checkout of the repository (Colab after a pip
    install) at the ``cpu`` or ``paper`` budget: no stored records can be found there,
    so the chapter trains every run, which takes days for the MNIST chapters. None in a
    checkout, with ``DROPOUT_TUTORIAL_RESULTS`` set, or at ``smoke``."""
    if get_budget(budget) == "smoke" or os.environ.get(RESULTS_ENV) or project_root():
        return None
    return (f"Note: no stored results here (not a checkout of the repository), so every "
            f"'{budget}' run of this chapter is trained now: from minutes to days per "
            f"chapter (the book's 'How to use this book' page lists each). To read the "
            f"book's stored results instead, clone the repository and run the notebook "
            f"from inside it; for a quick run, set budget = \"smoke\".")


def mean_se(values: Sequence[float]) -> tuple[float, float]:
    """Mean and standard error of the mean (0 for a single value)."""
    values = list(values)
    se = stdev(values) / len(values) ** 0.5 if len(values) > 1 else 0.0
    return mean(values), se


def _cell(value) -> str:
    return str(value).replace("|", "\\|")          # a literal | would split the cell


def markdown_table(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A Markdown table from a header and rows of printable cells (``|`` is escaped)."""
    lines = ["| " + " | ".join(map(_cell, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def provenance_table(records) -> str:
    """Where each stored result came from: budget, seed, device, versions, wall time."""
    rows = []
    for rec in records:
        prov = rec.provenance
        commit = prov.get("git_commit") or "?"
        rows.append((rec.config["name"], prov["budget"], prov["seed"], prov["device"],
                     prov.get("device_name") or prov.get("cpu") or prov["processor"],
                     prov["threads"], f"torch {prov['torch']}",
                     f"{prov['wall_seconds'] / 60:.1f} min",
                     commit[:12] + ("+dirty" if commit.endswith("+dirty") else ""),
                     prov["finished"][:10]))
    return markdown_table(("run", "budget", "seed", "device", "hardware", "threads",
                           "versions", "wall time", "commit", "date"), rows)


def load_benchmark(name: str) -> dict | None:
    """The stored result of a script in ``benchmarks/``: ``results/benchmarks/<name>.json``
    of the project checkout, or None outside a checkout (for example on Colab after a pip
    install) and when the benchmark was never run with ``--json``."""
    root = project_root()
    path = None if root is None else root / "results" / "benchmarks" / f"{name}.json"
    return json.loads(path.read_text()) if path is not None and path.is_file() else None
