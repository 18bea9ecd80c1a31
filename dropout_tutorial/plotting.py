"""One figure style for the whole book: labelled axes with units, readable when rendered.

Every chapter calls :func:`use_book_style` once (notebooks do it in their setup cell)
and draws through the helpers here, so figures share fonts, sizes and colours.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib as mpl
import numpy as np
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
             nrows: int = 1, figsize: tuple[float, float] | None = None):
    """A figure with ``nrows`` x ``ncols`` axes sharing the labels: one axes, a row of
    them, or (several rows) all of them in reading order. Labels should carry units,
    e.g. ``"epoch"``, ``"test error (%)"``."""
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False)
    for ax in axes.flat:
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
    if nrows > 1:
        return fig, list(axes.flat)
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


# ---------------------------------------------------------------------------------------------
# Helpers of the "dropout zoo" chapter: masks, noise and predictions, side by side
# ---------------------------------------------------------------------------------------------

__all__ += ["show_masks", "plot_mask_over_time", "plot_multiplier_hist", "plot_mc_predictions"]


def _to_numpy(values):
    """A NumPy array from a tensor (detached, on the CPU) or anything array-like."""
    if hasattr(values, "detach"):
        return values.detach().cpu().numpy()
    import numpy as np
    return np.asarray(values)


def show_masks(masks, titles: Sequence[str] | None = None, *, xlabel: str = "unit",
               ylabel: str = "example", ncols: int | None = None, cmap: str = "gray",
               vmin: float | None = None, vmax: float | None = None,
               colorbar_label: str | None = None, aspect: str = "equal",
               panel_size: tuple[float, float] = (2.6, 2.6), suptitle: str | None = None):
    """Show 2-D masks (or noise, feature or attention maps) side by side as images.

    Each element of ``masks`` is a 2-D tensor or array drawn with ``imshow`` (row 0 at the
    top). With the default grey colour map a 0/1 mask shows dropped entries in black and
    kept ones in white. All panels share ``vmin``/``vmax`` (default: the overall minimum and
    maximum), so one colour bar, labelled ``colorbar_label``, serves them all.

    Args:
        masks: sequence of 2-D tensors or arrays.
        titles: one title per panel, or None.
        xlabel, ylabel: what the columns and rows index, e.g. ``"unit"``, ``"example"``.
        ncols: panels per row. Default: all panels on one row.
        cmap: matplotlib colour map. Default: ``"gray"``.
        vmin, vmax: colour limits shared by the panels.
        colorbar_label: add a shared colour bar with this label (None: no colour bar).
        aspect: ``"equal"`` (square pixels) or ``"auto"`` (fill the panel).
        panel_size: (width, height) of one panel in inches.
        suptitle: optional title of the whole figure.

    Returns:
        A flat NumPy array of the axes that hold images (one per mask).
    """
    arrays = [_to_numpy(m) for m in masks]
    if not arrays or any(a.ndim != 2 for a in arrays):
        raise ValueError("show_masks: expected a non-empty sequence of 2-D masks, got shapes "
                         f"{[a.shape for a in arrays]}")
    if titles is not None and len(titles) != len(arrays):
        raise ValueError(f"show_masks: got {len(arrays)} masks but {len(titles)} titles")
    ncols = len(arrays) if ncols is None else ncols
    nrows = -(-len(arrays) // ncols)
    vmin = min(float(a.min()) for a in arrays) if vmin is None else vmin
    vmax = max(float(a.max()) for a in arrays) if vmax is None else vmax
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, layout="constrained",
                             figsize=(panel_size[0] * ncols + (1.0 if colorbar_label else 0.0),
                                      panel_size[1] * nrows))
    axes = axes.ravel()
    for i, (ax, a) in enumerate(zip(axes, arrays)):
        image = ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax, aspect=aspect,
                          interpolation="nearest")
        ax.grid(False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if titles is not None:
            ax.set_title(titles[i])
    for ax in axes[len(arrays):]:
        ax.set_axis_off()
    if colorbar_label:
        fig.colorbar(image, ax=axes[:len(arrays)].tolist(), label=colorbar_label, shrink=0.8)
    if suptitle:
        fig.suptitle(suptitle)
    return axes[:len(arrays)]


def plot_mask_over_time(masks, titles: Sequence[str] | None = None, *,
                        feature_label: str = "feature (unit)", **kwargs):
    """Show masks of shape (T, F), time steps by features, with time running left to right.

    Recurrent dropout is easiest to judge this way: a *locked* (variational) mask is a set of
    horizontal stripes, constant over time, while naive per-step dropout changes in every
    column. Extra keyword arguments go to :func:`show_masks`.

    Args:
        masks: sequence of 2-D tensors or arrays of shape (time steps, features).
        titles: one title per panel, or None.
        feature_label: label of the vertical axis.

    Returns:
        The axes, as :func:`show_masks`.
    """
    transposed = [_to_numpy(m).T for m in masks]          # (F, T): time on the x axis
    kwargs.setdefault("aspect", "auto")
    kwargs.setdefault("panel_size", (3.4, 2.4))
    return show_masks(transposed, titles, xlabel="time step t", ylabel=feature_label, **kwargs)


def plot_multiplier_hist(values, *, bins=60, density=None, density_label: str | None = None,
                         label: str | None = None, xlabel: str = "multiplier",
                         ylabel: str = "probability density", ax=None, **hist_kwargs):
    """Normalized histogram of sampled multipliers (or outputs), with an optional density.

    Args:
        values: samples, a tensor or an array of any shape (flattened).
        bins: as in ``matplotlib.pyplot.hist``. Default: 60.
        density: optional callable ``f(xs) -> densities`` (NumPy in, NumPy out) drawn as a
            line over the histogram's range, e.g. the :math:`\\mathcal{N}(1, p/(1-p))` density.
        density_label, label: legend entries of the line and of the histogram.
        xlabel, ylabel: axis labels; the histogram is normalized, so the default y label is
            ``"probability density"``.
        ax: axes to draw on (default: a new figure).
        **hist_kwargs: passed to ``ax.hist`` (e.g. ``alpha``, ``color``).

    Returns:
        The axes.
    """
    import numpy as np
    if ax is None:
        _, ax = new_axes(xlabel, ylabel)
    data = _to_numpy(values).ravel()
    hist_kwargs.setdefault("alpha", 0.6)
    _, edges, _ = ax.hist(data, bins=bins, density=True, label=label, **hist_kwargs)
    if density is not None:
        xs = np.linspace(edges[0], edges[-1], 400)
        ax.plot(xs, density(xs), label=density_label)
    if label or density_label:
        ax.legend()
    return ax


def plot_mc_predictions(x, samples, *, x_train=None, y_train=None, n_show: int = 20,
                        xlabel: str = "input x", ylabel: str = "prediction y", ax=None):
    """Spread of MC-dropout predictions of a 1-D regression: samples, mean and ±2 sd band.

    Args:
        x: inputs of shape (N,) (or (N, 1)), sorted.
        samples: stochastic predictions of shape (T, N) or (T, N, 1).
        x_train, y_train: optional training points, drawn as dots.
        n_show: how many of the T sample curves to draw (thin lines).
        xlabel, ylabel: axis labels.
        ax: axes to draw on (default: a new figure).

    Returns:
        The axes.
    """
    xs = _to_numpy(x).reshape(-1)
    ys = _to_numpy(samples).reshape(len(_to_numpy(samples)), -1)    # (T, N)
    if ys.shape[1] != xs.shape[0]:
        raise ValueError(f"plot_mc_predictions: samples of shape {ys.shape} do not match "
                         f"{xs.shape[0]} inputs")
    if ax is None:
        _, ax = new_axes(xlabel, ylabel)
    mean, sd = ys.mean(0), ys.std(0)
    ax.plot(xs, ys[:n_show].T, color="#7f7f7f", lw=0.6, alpha=0.5)
    ax.fill_between(xs, mean - 2 * sd, mean + 2 * sd, alpha=0.25, label="mean ± 2 sd")
    ax.plot(xs, mean, label=f"mean of T = {ys.shape[0]} passes")
    if x_train is not None and y_train is not None:
        ax.plot(_to_numpy(x_train).ravel(), _to_numpy(y_train).ravel(), "o", ms=4,
                color="#d62728", label="training points")
    ax.legend()
    return ax


__all__ += ["plot_predictive_band", "plot_paper_vs_ours"]


def plot_predictive_band(x, mean, std, *, x_train=None, y_train=None, point=None,
                         boundary: float | None = None, xlabel: str = "input x",
                         ylabel: str = "prediction y", ax=None):
    """A predictive mean with a ±2 standard-deviation band, optionally with the training
    points, a deterministic ``point`` prediction, and a vertical line at ``boundary``
    (where the training data end).

    Args:
        x: sorted inputs ``(N,)``; mean, std: predictive mean and standard deviation ``(N,)``.
        x_train, y_train: training points, drawn as dots.
        point: a deterministic prediction ``(N,)`` drawn as a dashed line.
        boundary: x position of a vertical dotted line.
        xlabel, ylabel: axis labels; ax: axes to draw on (default: a new figure).

    Returns:
        The axes.
    """
    xs, m, s = (_to_numpy(v).reshape(-1) for v in (x, mean, std))
    if not len(xs) == len(m) == len(s):
        raise ValueError(f"plot_predictive_band: x, mean and std must have the same length, "
                         f"got {len(xs)}, {len(m)}, {len(s)}")
    if ax is None:
        _, ax = new_axes(xlabel, ylabel)
    ax.fill_between(xs, m - 2 * s, m + 2 * s, alpha=0.25, label="MC mean ± 2 sd")
    ax.plot(xs, m, label="MC mean")
    if point is not None:
        ax.plot(xs, _to_numpy(point).reshape(-1), ls="--", color="#2ca02c",
                label="weight scaling (dropout off)")
    if x_train is not None and y_train is not None:
        ax.plot(_to_numpy(x_train).ravel(), _to_numpy(y_train).ravel(), ".", ms=3,
                color="#d62728", label="training points")
    if boundary is not None:
        ax.axvline(boundary, color="grey", ls=":", lw=1)
    ax.legend(loc="upper left")
    return ax


def plot_paper_vs_ours(labels: Sequence[str], ours, ours_se, paper, paper_se, *,
                       xlabel: str, ax=None):
    """One row per label: our value and the paper's, each with a ±1 standard-error bar.

    Args:
        labels: row names (e.g. data sets).
        ours, ours_se, paper, paper_se: values and standard errors, one per label.
        xlabel: the metric, with its unit.
        ax: axes to draw on (default: a new figure).

    Returns:
        The axes.
    """
    values = [np.asarray(v, dtype=float).reshape(-1) for v in (ours, ours_se, paper, paper_se)]
    if any(len(v) != len(labels) for v in values):
        raise ValueError("plot_paper_vs_ours: every sequence needs one value per label")
    if ax is None:
        _, ax = new_axes(xlabel, "", figsize=(5, 0.4 * len(labels) + 1))
    ax.set_xlabel(xlabel)
    rows = np.arange(len(labels))
    ax.errorbar(values[2], rows + 0.15, xerr=values[3], fmt="s", ms=4, capsize=3,
                color="#7f7f7f", label="paper")
    ax.errorbar(values[0], rows - 0.15, xerr=values[1], fmt="o", ms=4, capsize=3,
                color="#1f77b4", label="ours")
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.legend(loc="best")
    return ax
