"""One figure style for the whole book: labelled axes with units, readable when rendered.

Every chapter calls :func:`use_book_style` once (notebooks do it in their setup cell)
and draws through the helpers here, so figures share fonts, sizes and colours.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib as mpl
import matplotlib.pyplot as plt

__all__ = ["BOOK_STYLE", "use_book_style", "new_axes", "plot_learning_curves",
           "plot_histogram"]

BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 110,
    "savefig.dpi": 150,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "axes.prop_cycle": mpl.cycler(color=["#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                         "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]),
}


def use_book_style() -> None:
    """Apply the book's matplotlib style (idempotent)."""
    mpl.rcParams.update(BOOK_STYLE)


def new_axes(xlabel: str, ylabel: str, title: str | None = None, *, ncols: int = 1,
             figsize: tuple[float, float] | None = None):
    """A figure with ``ncols`` axes sharing the labels. Labels should carry units,
    e.g. ``"epoch"``, ``"test error (%)"``."""
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    for ax in axes[0]:
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
    return fig, (axes[0][0] if ncols == 1 else axes[0])


def plot_learning_curves(records: Iterable, *, metric: str = "val_error", ax=None,
                         labels: Sequence[str] | None = None, percent: bool = True,
                         x: str = "epoch"):
    """Plot ``metric`` of each run record against ``x`` (``"epoch"`` or ``"seconds"``).

    Errors are shown in percent. Returns the axes.
    """
    records = list(records)
    if ax is None:
        unit = "(%)" if percent and metric.endswith("error") else ""
        xlabel = "epoch" if x == "epoch" else "training time (s)"
        _, ax = new_axes(xlabel, f"{metric.replace('_', ' ')} {unit}".strip())
    for i, rec in enumerate(records):
        ys = rec.history[metric]
        if percent and metric.endswith("error"):
            ys = [100 * v for v in ys]
        ax.plot(rec.history[x], ys, label=labels[i] if labels else rec.config["name"])
    ax.legend()
    return ax


def plot_histogram(values, *, bins, xlabel: str, ylabel: str = "count", ax=None,
                   label: str | None = None, **kwargs):
    """A labelled histogram (``values`` may be a tensor or an array)."""
    if ax is None:
        _, ax = new_axes(xlabel, ylabel)
    if hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    ax.hist(values, bins=bins, label=label, **kwargs)
    if label:
        ax.legend()
    return ax
