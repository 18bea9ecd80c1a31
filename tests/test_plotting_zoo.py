"""The plotting helpers of the dropout-zoo chapter: labelled axes, one image per mask."""
from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dropout_tutorial import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_masks_draws_one_labelled_image_per_mask():
    """Three masks give three axes, each with one image, the titles and the axis labels."""
    masks = [torch.ones(4, 5), torch.zeros(4, 5), np.eye(4, 5)]
    axes = plotting.show_masks(masks, ["a", "b", "c"], xlabel="unit", ylabel="example")
    assert len(axes) == 3
    assert [len(ax.images) for ax in axes] == [1, 1, 1]
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    assert all(ax.get_xlabel() == "unit" and ax.get_ylabel() == "example" for ax in axes)


def test_show_masks_shares_the_colour_scale_and_adds_one_colour_bar():
    """vmin/vmax default to the overall range; a colour bar adds one labelled axes."""
    axes = plotting.show_masks([torch.zeros(2, 2), 2 * torch.ones(2, 2)],
                               colorbar_label="multiplier")
    assert all(ax.images[0].get_clim() == (0.0, 2.0) for ax in axes)
    fig = axes[0].figure
    extra = [ax for ax in fig.axes if ax not in list(axes)]
    assert len(extra) == 1 and extra[0].get_ylabel() == "multiplier"


def test_show_masks_grid_hides_unused_panels():
    """Five masks on rows of three: five image axes returned, the sixth panel switched off."""
    axes = plotting.show_masks([torch.rand(3, 3) for _ in range(5)], ncols=3)
    assert len(axes) == 5
    fig = axes[0].figure
    assert sum(ax.axison for ax in fig.axes) == 5


@pytest.mark.parametrize("masks, titles", [([torch.ones(3)], None),
                                           ([torch.ones(2, 2)], ["a", "b"])])
def test_show_masks_rejects_bad_input(masks, titles):
    """A 1-D mask or a titles list of the wrong length raises ValueError."""
    with pytest.raises(ValueError, match="show_masks"):
        plotting.show_masks(masks, titles)


def test_plot_mask_over_time_puts_time_on_the_x_axis():
    """A (T, F) mask is drawn transposed: F rows, T columns, x labelled with time."""
    T, F = 7, 3
    axes = plotting.plot_mask_over_time([torch.ones(T, F)], ["locked"])
    assert axes[0].get_xlabel() == "time step t"
    assert axes[0].get_ylabel() == "feature (unit)"
    assert axes[0].images[0].get_array().shape == (F, T)


def test_plot_multiplier_hist_draws_a_normalized_histogram_and_the_density():
    """The histogram integrates to 1 and the density is drawn as one labelled line."""
    g = torch.Generator().manual_seed(0)
    values = 1 + torch.randn(5000, generator=g)

    def normal(xs):
        return np.exp(-0.5 * (xs - 1) ** 2) / math.sqrt(2 * math.pi)

    ax = plotting.plot_multiplier_hist(values, bins=40, density=normal, density_label="N(1, 1)",
                                       label="samples")
    heights = np.array([patch.get_height() for patch in ax.patches])
    widths = np.array([patch.get_width() for patch in ax.patches])
    assert (heights * widths).sum() == pytest.approx(1.0)
    assert len(ax.lines) == 1
    assert ax.get_xlabel() == "multiplier" and ax.get_ylabel() == "probability density"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["samples", "N(1, 1)"]


def test_plot_mc_predictions_draws_samples_mean_band_and_data():
    """n_show sample lines, the mean line, the training points and a ±2 sd band."""
    x = torch.linspace(-1, 1, 11)
    samples = torch.stack([x + 0.1 * k for k in range(30)])       # (T, N)
    ax = plotting.plot_mc_predictions(x, samples, x_train=x[:3], y_train=x[:3], n_show=5)
    assert len(ax.lines) == 5 + 1 + 1
    assert len(ax.collections) == 1                              # the fill_between band
    assert ax.get_xlabel() == "input x" and ax.get_ylabel() == "prediction y"
    with pytest.raises(ValueError, match="plot_mc_predictions"):
        plotting.plot_mc_predictions(x, samples[:, :5])


def test_plot_predictive_band_draws_mean_band_points_and_boundary():
    x = np.linspace(0, 1, 20)
    ax = plotting.plot_predictive_band(x, x, np.full(20, 0.1), x_train=x[:5], y_train=x[:5],
                                       point=x, boundary=0.5)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["MC mean ± 2 sd", "MC mean", "weight scaling (dropout off)",
                      "training points"]
    assert ax.get_xlabel() == "input x" and ax.get_ylabel() == "prediction y"
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert band.min() == pytest.approx(-0.2) and band.max() == pytest.approx(1.2)
    plt.close("all")


def test_plot_paper_vs_ours_labels_every_row_and_the_metric():
    fig, ax = plt.subplots()
    plotting.plot_paper_vs_ours(["a", "b"], [1.0, 2.0], [0.1, 0.2], [1.1, 1.9], [0.1, 0.1],
                                xlabel="RMSE ratio", ax=ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert ax.get_xlabel() == "RMSE ratio"
    with pytest.raises(ValueError, match="one value per label"):
        plotting.plot_paper_vs_ours(["a"], [1.0, 2.0], [0.1], [1.0], [0.1], xlabel="x")
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_predictive_band([0, 1], [0], [0, 1])
    plt.close("all")


@pytest.mark.parametrize("nrows, ncols, kind", [(1, 1, "one"), (1, 3, "row"), (2, 2, "grid")])
def test_new_axes_labels_every_axes_in_reading_order(nrows, ncols, kind):
    fig, axes = plotting.new_axes("epoch", "test error (%)", nrows=nrows, ncols=ncols)
    axes_list = [axes] if kind == "one" else list(axes)
    assert len(axes_list) == nrows * ncols == len(fig.axes)
    assert axes_list == fig.axes                                  # reading order
    assert all(ax.get_xlabel() == "epoch" and ax.get_ylabel() == "test error (%)"
               for ax in axes_list)
