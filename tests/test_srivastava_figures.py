"""Chapter 3b (Srivastava et al. 2014, Figures 7-11 and Tables 9-10): the pn-fixed widths,
Gaussian dropout's variance, cumulative MC averaging, tiling, the regularizers, config
validation, and one smoke run of each new runner task on real MNIST."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
import torch
from torch import nn

import dropout_tutorial as dt
from dropout_tutorial.experiments import srivastava_figures as ch
from dropout_tutorial.data import TensorSplit
from dropout_tutorial.experiments.mnist import build_model
from dropout_tutorial.runner import checkpoint_path
from dropout_tutorial.techniques import GaussianDropout, StandardGaussianDropout
from dropout_tutorial.training import TrainConfig


# --- Figure 4 -----------------------------------------------------------------------------

def test_figure4_pairs_differ_only_in_dropout():
    """Identical hyperparameters with and without dropout, as in the paper's Figure 4."""
    import dataclasses

    runs = ch.figure4_configs("cpu")
    assert len(runs) == 6
    for depth in (2, 3, 4):
        plains, drops = runs[f"{depth} x 1024, no dropout"], runs[f"{depth} x 1024, dropout"]
        assert [c.seed for c in plains] == [c.seed for c in drops] == [0, 1, 2, 3]
        for plain, drop in zip(plains, drops):
            assert drop.sizes == (784, *(1024,) * depth, 10)
            assert (drop.p_input, drop.p_hidden) == (0.2, 0.5)
            assert (plain.p_input, plain.p_hidden) == (0.0, 0.0)
            assert drop.track_test and drop.train.max_norm == pytest.approx(15 ** 0.5)
            assert dataclasses.replace(drop, name=plain.name, p_input=0.0,
                                       p_hidden=0.0) == plain
    assert all(len(c) == 1 for c in ch.figure4_configs("smoke").values())
    paper = ch.figure4_configs("paper")
    assert len(paper) == 12 and ch.n_updates(paper["4 x 2048, dropout"][0]) == 1_000_000


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_figure4_long_pairs_reuse_table2s_dropout_networks(budget):
    """Figure 4 at Table 2's length: the 2 and 3 x 1024 dropout networks are Table 10's
    long Bernoulli row and Table 2's 3 x 1024 dropout + max-norm runs (the same configs,
    so the same stored records), the 4 x 1024 one is Table 2's with a fourth hidden layer
    (its own seeds), and each partner without dropout differs only in having no dropout."""
    from dropout_tutorial.experiments import mnist_papers
    long = ch.figure4_long_configs(budget)
    depths = ch.FIG4_LONG_DEPTHS[budget]
    assert list(long) == [f"{d} x 1024, {kind}" for d in depths
                          for kind in ("no dropout", "dropout")]
    seeds = ch.three_seeds(budget)
    table2 = mnist_papers.table2_configs(
        budget, seeds, recipe=mnist_papers.final_recipe(budget, "table2"))
    same_runs = {3: table2["dropout, ReLU + max-norm"],
                 2: ch.table10_long_configs(budget)["Bernoulli"]}
    for depth in depths:
        plains, drops = long[f"{depth} x 1024, no dropout"], long[f"{depth} x 1024, dropout"]
        if depth in same_runs:
            assert drops == same_runs[depth]
            assert [c.seed for c in drops] == list(seeds)
        else:
            deep_seeds = ch.FIG4_LONG_DEEP_SEEDS[budget]
            assert [c.seed for c in drops] == list(deep_seeds)
            name = f"srivastava2014-fig4-long-{depth}x1024-dropout"
            assert drops == [replace(c, name=name, sizes=(784, *(1024,) * depth, 10))
                             for c in same_runs[3] if c.seed in deep_seeds]
        assert [c.seed for c in plains] == [c.seed for c in drops]
        for plain, drop in zip(plains, drops, strict=True):
            assert drop.sizes == (784, *(1024,) * depth, 10)
            assert (drop.p_input, drop.p_hidden) == (0.2, 0.5)
            assert (plain.p_input, plain.p_hidden) == (0.0, 0.0)
            assert plain.train.max_norm == 2.0 and plain.train.momentum == 0.95
            assert plain.train.epochs == mnist_papers.epochs_for(budget)
            assert replace(drop, name=plain.name, p_input=0.0, p_hidden=0.0) == plain
    assert 4 in ch.FIG4_LONG_DEPTHS["cpu"]
    assert ch.FIG4_LONG_DEEP_SEEDS["cpu"] == ch.three_seeds("cpu")   # the others' seeds
    assert ch.figure4_long_configs("paper") == {}      # Figure 4 itself has the paper's length


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_figure4_long_runs_are_listed_once(budget):
    """configs() lists Figure 4's long networks without dropout and its 4 x 1024 dropout
    network under Figure 4; the other dropout networks belong to Table 2 and Table 10."""
    from dropout_tutorial.experiments import mnist_papers
    long = ch.figure4_long_configs(budget)
    listed = ch.configs(budget)
    own = {label: runs for label, runs in long.items()
           if label.endswith(", no dropout") or label.startswith("4 x ")}
    assert {label: listed[f"Figure 4, Table 2's training: {label}"] for label in own} == own
    chapter3 = {c for runs in mnist_papers.configs(budget).values() for c in runs}
    part2 = [c for label, runs in listed.items() for c in runs
             if not label.startswith("Figure 4, Table 2's training: ")]
    for label in set(long) - set(own):
        for c in long[label]:
            assert (c in chapter3) != (c in part2)     # stored once, by one chapter


def _fake_runs(test_errors: list[float]) -> list:
    """Fake run records, one per seed (0, 1, ...), with only a final test error."""
    from types import SimpleNamespace
    return [SimpleNamespace(final={"test_error": e}, config={"seed": sd})
            for sd, e in enumerate(test_errors)]


def _fig4_records(errors: dict[str, tuple[list[float], list[float]]]) -> dict[str, list]:
    """Fake Figure 4 records: per architecture, test errors without and with dropout."""
    return {f"{arch}, {kind}": _fake_runs(pair[i]) for arch, pair in errors.items()
            for i, kind in enumerate(("no dropout", "dropout"))}


def test_figure4_summary_pairs_seeds_and_compares_every_network():
    """Gains are paired by seed; 'reproduced' needs the worst dropout mean below the best
    plain mean, 'direction only' a positive mean gain in every architecture."""
    apart = _fig4_records({"2 x 1024": ([0.015, 0.017], [0.012, 0.012]),
                           "3 x 1024": ([0.014, 0.016], [0.011, 0.013])})
    s = ch.figure4_summary(apart)
    assert s["pairs"]["2 x 1024"]["gain"] == pytest.approx([0.003, 0.005])
    assert s["worst_dropout"] == pytest.approx(0.012)
    assert s["best_plain"] == pytest.approx(0.015)
    assert (s["pairs_hold"], s["status"]) == (2, "reproduced")
    overlap = _fig4_records({"2 x 1024": ([0.015], [0.014]), "3 x 1024": ([0.017], [0.016])})
    assert ch.figure4_summary(overlap)["status"] == "direction only"      # 1.6 > 1.5
    reversed_pair = _fig4_records({"2 x 1024": ([0.015], [0.012]),
                                   "3 x 1024": ([0.014], [0.0145])})
    s = ch.figure4_summary(reversed_pair)
    assert (s["pairs_hold"], s["status"]) == (1, "not reproduced")
    unpaired = dict(apart, **{"3 x 1024, dropout": apart["3 x 1024, dropout"][:1]})
    with pytest.raises(ValueError, match="same seeds"):
        ch.figure4_summary(unpaired)
    with pytest.raises(ValueError, match="no dropout networks"):
        ch.figure4_summary({})


def test_figure4_schedule_spreads_the_chosen_total_decay():
    for epochs in (40, 2_000):
        schedule = ch.figure4_schedule(epochs)
        assert schedule.lr_decay ** epochs == pytest.approx(0.99 ** 200)
        assert schedule.momentum == 0.99 and schedule.scale_grad_by_momentum


# --- Figure 9 -----------------------------------------------------------------------------

@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_figure9_length_runs_change_only_the_number_of_epochs(budget):
    """The training-length test trains both panels' smallest-q networks longer, with the
    same recipe (its rate still decaying to a tenth over the run), seeds and widths."""
    panels = ch.figure9_length_panels(budget)
    assert list(panels) == list(ch.FIG9_LENGTH_EPOCHS[budget])
    smallest = min(ch.retain_values(budget))
    base = ch.figure9_configs(budget)
    for epochs, runs in panels.items():
        assert list(runs) == [f"(a) retain {smallest:.1f}", f"(b) retain {smallest:.1f}"]
        for label, configs in runs.items():
            assert len(configs) == len(base[label])
            for c, b in zip(configs, base[label]):
                assert c.train.epochs == epochs != b.train.epochs
                assert c.train.lr == b.train.lr
                assert c.train.lr_decay ** epochs == pytest.approx(0.1)
                assert replace(c, train=b.train) == b
    assert ch.figure9_length_panels("paper") == {}
    default_epochs = base[next(iter(base))][0].train.epochs
    assert ch.figure9_configs(budget, epochs=default_epochs) == base


# Figure 9's tests of an explanation: (function, configs() group, name infix, the one
# field they change, its value there, whether they cover only the smallest q, the
# learning rates they take)
FIG9_VARIANTS = [
    (ch.figure9_full_data_configs, "Figure 9, all training images", "-full", "train_size",
     None, True, ch.FIG9_CHOSEN),
    (ch.figure9_no_input_dropout_configs, "Figure 9, no input dropout", "-noinput",
     "p_input", 0.0, False, ch.FIG9_NOINPUT_CHOSEN),
]


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
@pytest.mark.parametrize("make, group, infix, field, value, smallest_only, recipes",
                         FIG9_VARIANTS)
def test_figure9_variants_change_one_field_only(budget, make, group, infix, field, value,
                                                smallest_only, recipes):
    """Each variant trains Figure 9's networks (both panels; all training images: at the
    smallest q only) with one field changed, under names of their own, and changes
    nothing else (seeds, widths, epochs; the recipe is the variant's own validation
    choice); every run is listed once by configs(). None at paper, whose Figure 9
    already trains on every image without input dropout."""
    test = make(budget)
    base = ch.figure9_configs(budget, recipes=recipes)
    smallest = min(ch.retain_values(budget))
    assert list(test) == ([f"(a) retain {smallest:.1f}", f"(b) retain {smallest:.1f}"]
                          if smallest_only else list(base))
    for label, configs in test.items():
        assert [c.seed for c in configs] == [c.seed for c in base[label]]
        for c, b in zip(configs, base[label], strict=True):
            assert getattr(c, field) == value != getattr(b, field)
            assert c.name == b.name.replace("-retain", f"{infix}-retain") != b.name
            assert replace(c, name=b.name, **{field: getattr(b, field)}) == b
        assert ch.configs(budget)[f"{group}: {label}"] == configs
    assert make("paper") == {}


def test_figure9_no_input_dropout_can_be_restricted_to_some_q():
    smallest = (min(ch.retain_values("cpu")),)
    some = ch.figure9_no_input_dropout_configs("cpu", retains=smallest)
    assert some == {label: runs for label, runs in
                    ch.figure9_no_input_dropout_configs("cpu").items() if label in some}
    assert list(some) == ["(a) retain 0.1", "(b) retain 0.1"]


@pytest.mark.parametrize("input_dropout", [True, False])
def test_figure9_recipe_search_varies_only_the_learning_rate(input_dropout):
    search = ch.figure9_recipe_search_configs("cpu", input_dropout)
    final, chosen = ((ch.figure9_configs("cpu"), ch.FIG9_CHOSEN) if input_dropout else
                     (ch.figure9_no_input_dropout_configs("cpu"), ch.FIG9_NOINPUT_CHOSEN))
    assert list(search) == list(final) and len(search) == 20
    for label, grid in search.items():
        assert list(grid) == list(ch.FIG9_RECIPES)
        configs = list(grid.values())
        assert [c.train.lr for c in configs] == [0.01, 0.03] and {c.seed for c in configs} == {0}
        assert {c.p_input for c in configs} == {0.2 if input_dropout else 0.0}
        assert replace(configs[0], train=configs[1].train) == configs[1]
        assert final[label][0] == grid[chosen.get(label, ch.RECIPE)]
    assert set(chosen) <= set(final)
    assert ch.figure9_recipe_search_configs("paper", input_dropout=False) == {}


@pytest.mark.parametrize("input_dropout", [True, False])
def test_figure9_learning_rates_are_the_stored_validation_choice(monkeypatch, input_dropout):
    """The chapter's recipe stays unless the other learning rate beats it on validation
    by more than one binomial standard error (mnist_papers.chosen_on_validation), with
    input dropout (FIG9_CHOSEN) and without (FIG9_NOINPUT_CHOSEN)."""
    from dropout_tutorial.experiments.mnist_papers import chosen_on_validation
    from dropout_tutorial.runner import load_record, project_root

    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS", raising=False)
    monkeypatch.chdir(project_root())
    chosen = ch.FIG9_CHOSEN if input_dropout else ch.FIG9_NOINPUT_CHOSEN
    for label, grid in ch.figure9_recipe_search_configs("cpu", input_dropout).items():
        records = {r: load_record(c) for r, c in grid.items()}
        assert [r for r, rec in records.items() if rec is None] == [], "run the search first"
        assert chosen_on_validation(records, prefer=ch.RECIPE) == \
            chosen.get(label, ch.RECIPE), label


Q9 = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


@pytest.mark.parametrize("err_a, plateau_status", [
    # flat middle (spread 0.4 points), both ends higher
    ([0.06, 0.04, 0.035, 0.032, 0.031, 0.033, 0.034, 0.035, 0.036, 0.04], "reproduced"),
    # the middle spreads over 0.6 points: only the ends hold
    ([0.06, 0.04, 0.035, 0.030, 0.031, 0.033, 0.034, 0.036, 0.036, 0.04], "direction only"),
    # flat middle but q = 1 below it: the small-q end and the flat middle hold
    ([0.06, 0.04, 0.035, 0.032, 0.031, 0.033, 0.034, 0.035, 0.03, 0.03], "direction only"),
    # the smallest q is the best: not the paper's shape
    ([0.02, 0.04, 0.035, 0.032, 0.031, 0.033, 0.034, 0.035, 0.036, 0.04], "not reproduced"),
])
def test_figure9_reading_of_panel_a(err_a, plateau_status):
    read = ch.figure9_reading(Q9, err_a, [0.03] * 10)
    assert read["plateau_status"] == plateau_status
    middle = err_a[3:8]
    assert read["spread"] == pytest.approx(max(middle) - min(middle))
    assert read["best_plateau"] == min(middle)


@pytest.mark.parametrize("best, status", [(0.5, "reproduced"), (0.6, "reproduced"),
                                          (0.4, "direction only"), (0.8, "direction only"),
                                          (0.3, "not reproduced"), (1.0, "not reproduced")])
def test_figure9_reading_of_panel_b_best_q(best, status):
    val_b = [0.05 if q != best else 0.03 for q in Q9]
    read = ch.figure9_reading(Q9, [0.03] * 10, val_b)
    assert (read["best_q"], read["best_q_status"]) == (best, status)
    tie = ch.figure9_reading(Q9, [0.03] * 10, [0.05, 0.04, 0.03, 0.03] + [0.05] * 6)
    assert tie["best_q"] == 0.3                                    # ties: the smaller q
    with pytest.raises(ValueError, match="one error of each kind per retain probability"):
        ch.figure9_reading(Q9, [0.03] * 9, val_b)


@pytest.mark.parametrize("pn, retain, n", [(64, 0.1, 640), (64, 0.3, 213), (64, 0.5, 128),
                                           (64, 0.7, 91), (64, 1.0, 64), (256, 0.1, 2560)])
def test_pn_width_keeps_the_expected_number_of_retained_units(pn, retain, n):
    """n = round(pn / retain), so retain * n is pn up to rounding (half a unit times retain)."""
    assert ch.pn_width(pn, retain) == n
    assert abs(retain * n - pn) <= retain / 2 + 1e-9


@pytest.mark.parametrize("retain", [0.0, -0.1, 1.5, True])
def test_pn_width_rejects_retain_outside_0_1(retain):
    with pytest.raises(ValueError, match="retain must be in \\(0, 1\\], got retain="):
        ch.pn_width(64, retain)


def test_figure9_cpu_configs_fix_n_in_a_and_pn_in_b():
    runs = ch.figure9_configs("cpu")
    assert len(runs) == 20
    for retain in ch.retain_values("cpu"):
        a, b = runs[f"(a) retain {retain:.1f}"][0], runs[f"(b) retain {retain:.1f}"][0]
        assert a.sizes == (784, 1024, 1024, 10)
        assert b.sizes == (784, ch.pn_width(128, retain), ch.pn_width(128, retain), 10)
        for c in (a, b):
            assert math.isclose(1 - c.p_hidden, retain)          # PyTorch's drop probability
            assert c.p_input == 0.2 and c.train_size == 10_000 and c.val_size is None
    assert runs["(b) retain 0.1"][0].sizes[1] == 1280
    for seeds in runs.values():                              # 3 seeds; only the seed differs
        assert [c.seed for c in seeds] == [0, 1, 2]
        assert all(replace(c, seed=0) == seeds[0] for c in seeds)
    assert all(len(seeds) == 1 for seeds in ch.figure9_configs("smoke").values())


def test_figure9_paper_configs_use_the_papers_network():
    runs = ch.figure9_configs("paper")
    assert runs["(a) retain 0.5"][0].sizes == (784, 2048, 2048, 2048, 10)
    assert runs["(b) retain 0.5"][0].sizes == (784, 512, 512, 1024, 10)
    assert {c.p_input for label in runs for c in runs[label]} == {0.0}  # no input dropout


# --- Table 10: Gaussian dropout --------------------------------------------------------------

@pytest.mark.parametrize("p, sigma2", [(0.5, 1.0), (0.2, 0.25), (0.0, 0.0), (0.75, 3.0)])
def test_gaussian_sigma2_is_p_over_1_minus_p(p, sigma2):
    """sigma^2 = p / (1 - p) in the drop-probability convention = (1 - r) / r with r = 1 - p."""
    assert math.isclose(ch.gaussian_sigma2(p), sigma2)
    r = 1 - p
    if r < 1:
        assert math.isclose(ch.gaussian_sigma2(p), (1 - r) / r)


def test_gaussian_sigma2_rejects_p_1():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got p=1.0"):
        ch.gaussian_sigma2(1.0)


@pytest.mark.parametrize("form, bernoulli_kind, gaussian_cls, mean",
                         [("", "standard", StandardGaussianDropout, 0.5),
                          (", mean-1 form", "inverted", GaussianDropout, 1.0)])
def test_table10_gaussian_network_has_the_bernoulli_mean_and_variance(
        form, bernoulli_kind, gaussian_cls, mean):
    """In each form the Gaussian run's hidden layers multiply by noise with the mean and
    variance of the Bernoulli run's mask (checked on 200,000 seeded draws), and the two
    runs differ only in the kind of dropout."""
    runs = ch.table10_configs("cpu")
    assert list(runs) == ["Bernoulli", "Gaussian", "Bernoulli, mean-1 form",
                          "Gaussian, mean-1 form"]
    bern, gauss = runs["Bernoulli" + form][0], runs["Gaussian" + form][0]
    assert {c.seed for c in runs["Gaussian" + form]} == {0, 1, 2}
    assert bern.dropout == bernoulli_kind
    assert replace(gauss, name=bern.name, dropout=bern.dropout) == bern
    net = build_model(gauss, torch.device("cpu"))
    layers = [m for m in net if isinstance(m, gaussian_cls)]
    assert [m.p for m in layers] == [0.2, 0.5, 0.5]
    torch.manual_seed(0)
    noise = layers[1](torch.ones(200_000, dtype=torch.float64))
    variance = 0.25 if mean == 0.5 else 1.0          # p q (papers' form) or p / q (mean 1)
    assert noise.mean().item() == pytest.approx(mean, abs=5 * variance ** 0.5 / 447)
    assert noise.var().item() == pytest.approx(variance, rel=0.02)


# --- Figure 11: cumulative MC averaging ------------------------------------------------------

def test_cumulative_mc_errors_equal_explicit_averaging(gen):
    probs = torch.rand(12, 50, 10, generator=gen).softmax(-1)
    labels = torch.randint(0, 10, (50,), generator=gen)
    errors = ch.cumulative_mc_errors(probs, labels)
    assert errors.shape == (12,)
    for k in range(1, 13):
        explicit = (probs[:k].mean(0).argmax(-1) != labels).double().mean()
        assert errors[k - 1].item() == pytest.approx(explicit.item(), abs=0)


def test_cumulative_mc_errors_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="probs must be"):
        ch.cumulative_mc_errors(torch.rand(3, 5, 10), torch.zeros(4, dtype=torch.long))


def test_figure11_uses_a_longer_trained_full_data_dropout_network():
    config = ch.figure11_config("cpu")
    fig10 = ch.figure10_configs("cpu")["dropout, 50000"][0]
    assert config.model == ch.figure11_network("cpu")
    assert config.model.sizes == fig10.sizes and config.model.train_size is None
    assert (config.model.p_input, config.model.p_hidden) == (fig10.p_input, fig10.p_hidden)
    assert ch.n_updates(config.model) == 15_000 > ch.n_updates(fig10)
    assert (config.max_k, config.repeats, config.n_test) == (128, 3, None)


def test_figure11_repeats_the_analysis_on_three_networks_differing_only_by_seed():
    runs = ch.figure11_configs("cpu")
    assert [c.seed for c in runs] == [c.model.seed for c in runs] == [0, 1, 2]
    assert runs[0] == ch.figure11_config("cpu")
    assert {replace(c.model, seed=0) for c in runs} == {runs[0].model}
    assert len(ch.figure11_configs("smoke")) == 1


@pytest.mark.parametrize("budget, max_k", [("smoke", 8), ("cpu", 1024), ("paper", 1024)])
def test_figure11_many_samples_reuses_the_small_networks(budget, max_k):
    """One long sequence of samples on the same networks (and the same mask seed)."""
    many, base = ch.figure11_many_samples_configs(budget), ch.figure11_configs(budget)
    assert [c.model for c in many] == [c.model for c in base]
    for c, b in zip(many, base, strict=True):
        assert (c.max_k, c.repeats) == (max_k, 1) and c.max_k > b.max_k
        assert replace(c, name=b.name, max_k=b.max_k, repeats=b.repeats) == b
    assert ch.configs(budget)["Figure 11: MC averaging, many samples"] == many


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_figure11_long_networks_change_only_the_training_length(budget):
    """The same networks, seeds and analysis, trained for FIG11_LONG_EPOCHS epochs under
    names of their own; the learning rate still decays to a tenth over the run."""
    long = ch.figure11_long_configs(budget)
    seeds = tuple(c.seed for c in long)
    assert seeds == ch.FIG11_UPDATES_MATCHED_SEEDS[budget]
    assert set(c.seed for c in ch.figure11_configs(budget)) <= set(seeds)
    base = ch.figure11_configs(budget, seeds)
    epochs = ch.FIG11_LONG_EPOCHS[budget]
    for c, b in zip(long, base, strict=True):
        assert c.model.train.epochs == epochs > b.model.train.epochs
        assert c.model.train.lr_decay ** epochs == pytest.approx(0.1)
        assert c.model == ch.figure11_network(budget, b.seed, epochs)
        assert replace(c.model, name=b.model.name, train=b.model.train) == b.model
        assert replace(c, name=b.name, model=b.model) == b
        assert c.name != b.name and c.model.name != b.model.name
    groups = ch.configs(budget)
    assert groups[f"Figure 11: MC averaging, {epochs} epochs"] == long
    assert groups[f"Figure 11: network, {epochs} epochs"] == [c.model for c in long]


def test_figure11_long_networks_are_100k_updates_at_cpu_and_absent_at_paper():
    (first, *_) = ch.figure11_long_configs("cpu")
    assert ch.n_updates(first.model) == 100_000
    assert ch.figure11_long_configs("paper") == []
    assert not any("epochs" in key for key in ch.configs("paper") if "Figure 11" in key)


@pytest.mark.parametrize("budget", ["cpu", "paper"])
def test_table10_trains_the_papers_2x1024_network_with_table9s_schedule(budget):
    for runs in ch.table10_configs(budget).values():
        c = runs[0]
        assert c.sizes == (784, 1024, 1024, 10) and (c.p_input, c.p_hidden) == (0.2, 0.5)
        assert c.train == ch.table9_schedule(c.train.epochs, ch.max_norm_for(budget))
        assert c.train_size is None and c.val_size is None       # all 50,000 images


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_table10_long_rows_are_table2s_maxnorm_network_on_2x1024(budget):
    """The long Table 10 rows differ from Table 2's final 3x1024 dropout + max-norm
    networks (same seeds, recipe and epochs) only in the network and the noise."""
    from dropout_tutorial.experiments import mnist_papers
    long = ch.table10_long_configs(budget)
    assert list(long) == ["Bernoulli", "Gaussian"]
    assert [c.dropout for c in (long["Bernoulli"][0], long["Gaussian"][0])] == [
        "standard", "standard-gaussian"]
    seeds = ch.three_seeds(budget)
    table2 = mnist_papers.table2_configs(
        budget, seeds, recipe=mnist_papers.final_recipe(budget, "table2"))
    for runs in long.values():
        assert [c.seed for c in runs] == list(seeds)
        for c, base in zip(runs, table2["dropout, ReLU + max-norm"]):
            assert c.sizes == (784, 1024, 1024, 10)
            assert c.train.epochs == mnist_papers.epochs_for(budget)
            assert replace(c, name=base.name, sizes=base.sizes, dropout=base.dropout) == base
    train = long["Bernoulli"][0].train
    assert (train.max_norm, train.momentum) == (2.0, 0.95)         # Appendix B.1


def test_mc_config_rejects_a_network_without_dropout():
    plain = ch.figure10_configs("smoke")["no dropout, 100"][0]
    with pytest.raises(ValueError, match="model must use dropout"):
        ch.MCAveragingConfig("x", "smoke", plain)
    with pytest.raises(ValueError, match="max_k must be a positive int, got max_k=0"):
        ch.MCAveragingConfig("x", "smoke", ch.figure11_config("smoke").model, max_k=0)


# --- Figure 10: tiling and the fixed number of updates -------------------------------------

def test_tile_to_repeats_every_example_equally():
    data = TensorSplit(torch.arange(5.0).view(5, 1).repeat(1, 3), torch.arange(5))
    tiled = ch.tile_to(data, 20)
    assert len(tiled) == 20
    assert torch.equal(torch.bincount(tiled.y), torch.full((5,), 4))
    assert torch.equal(tiled.x[:, 0].long(), tiled.y)               # rows stay with labels
    assert ch.tile_to(data, 0) is data and ch.tile_to(data, 3) is data
    with pytest.raises(ValueError, match="size must be an int >= 0, got size=-1"):
        ch.tile_to(data, -1)


def test_figure10_every_size_gets_the_same_number_of_updates():
    runs = ch.figure10_configs("cpu")
    sizes = (100, 500, 1_000, 5_000, 10_000, 50_000)
    assert set(runs) == {f"{k}, {n}" for k in ("no dropout", "dropout") for n in sizes}
    updates = set()
    for label, seeds in runs.items():
        assert [c.seed for c in seeds] == [0, 1, 2]
        assert all(replace(c, seed=0) == seeds[0] for c in seeds)    # only the seed differs
        c = seeds[0]
        assert c.epoch_size % c.train_size == 0                    # equal repeats per example
        updates.add(c.train.epochs * max(c.epoch_size, c.train_size) // c.train.batch_size)
        assert (c.p_hidden > 0) == label.startswith("dropout")
    assert updates == {4_000}
    assert all(len(seeds) == 1 for seeds in ch.figure10_configs("smoke").values())


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_figure10_wide_panel_changes_only_the_network(budget):
    reduced, wide = ch.figure10_configs(budget), ch.figure10_configs(budget, wide=True)
    assert set(wide) == set(reduced)
    for label, seeds in wide.items():
        for w, r in zip(seeds, reduced[label], strict=True):
            assert w.sizes != r.sizes and replace(w, sizes=r.sizes) == r
            assert len(w.sizes) == 5 and w.sizes[-1] == 10
    if budget == "cpu":
        assert wide["dropout, 100"][0].sizes == ch.FIG10_PAPER_NET == (784, 1024, 1024, 2048, 10)


def test_figure10_length_test_changes_only_the_number_of_updates():
    """The length test repeats the paper's-network panel at 100 and 500 images with a
    quarter and four times its 4,000 updates, the learning rate still decaying to a tenth
    over each run; the paper budget has none."""
    length = ch.figure10_length_configs("cpu")
    wide = ch.figure10_configs("cpu", wide=True)
    assert set(length) == {f"{e} epochs: {k}, {n}" for e in (2, 32)
                           for k in ("no dropout", "dropout") for n in (100, 500)}
    for label, seeds in length.items():
        epochs, panel_label = label.split(" epochs: ")
        for c, base in zip(seeds, wide[panel_label], strict=True):
            assert c.train.epochs == int(epochs)
            assert ch.n_updates(c) == {"2": 1_000, "32": 16_000}[epochs]
            assert c.train.lr * c.train.lr_decay ** c.train.epochs == pytest.approx(
                base.train.lr / 10)
            assert replace(c, train=base.train) == base
    assert ch.figure10_length_configs("paper") == {}
    assert len(ch.figure10_length_configs("smoke")) == 4


def _fig10_records(errors: dict[int, tuple[list[float], list[float]]]) -> dict[str, list]:
    """Fake Figure 10 records: per size, test errors (fractions) without and with dropout."""
    return {f"{kind}, {n}": _fake_runs(pair[i]) for n, pair in errors.items()
            for i, kind in enumerate(("no dropout", "dropout"))}


def test_figure10_summary_pairs_seeds_and_reads_the_sweet_spot():
    """Gain = no dropout - dropout per seed; the shape needs the small sizes and
    the largest one below the peak of the sizes in between; 'reproduced' also needs no gain
    at the small sizes."""
    sweet = _fig10_records({100: ([0.30, 0.32], [0.31, 0.32]), 500: ([0.10, 0.10], [0.10, 0.11]),
                            1000: ([0.08, 0.09], [0.06, 0.06]), 50000: ([0.02, 0.02],
                                                                         [0.015, 0.015])})
    s = ch.figure10_summary(sweet)
    assert s["sizes"] == [100, 500, 1000, 50000]
    assert s["errors"]["no dropout"][0] == pytest.approx([0.30, 0.32])
    assert s["gains"][2] == pytest.approx([0.02, 0.03])
    assert s["mean_gain"] == pytest.approx([-0.005, -0.005, 0.025, 0.005])
    assert s["status"] == "reproduced"
    helps_small = _fig10_records({100: ([0.30], [0.28]), 1000: ([0.08], [0.05]),
                                  50000: ([0.02], [0.019])})
    assert ch.figure10_summary(helps_small)["status"] == "direction only"
    no_peak = _fig10_records({100: ([0.30], [0.20]), 1000: ([0.08], [0.05]),
                              50000: ([0.02], [0.019])})
    assert ch.figure10_summary(no_peak)["status"] == "not reproduced"
    unpaired = dict(sweet, **{"dropout, 100": sweet["dropout, 100"][:1]})
    with pytest.raises(ValueError, match="same seeds"):
        ch.figure10_summary(unpaired)


def test_figure10_at_paper_budget_both_panels_are_the_papers_network():
    assert ch.figure10_configs("paper", wide=True) == ch.figure10_configs("paper")
    assert ch.figure10_configs("paper")["dropout, 100"][0].sizes == ch.FIG10_PAPER_NET
    assert list(ch.figure10_panels("paper")) == ["srivastava2014-fig10-sweet-spot",
                                                 "srivastava2014-fig10-sweet-spot-same-bound"]
    cpu = ch.figure10_panels("cpu")
    assert cpu == {"srivastava2014-fig10-sweet-spot": ch.figure10_configs("cpu"),
                   "srivastava2014-fig10-sweet-spot-paper-net":
                       ch.figure10_configs("cpu", wide=True),
                   "srivastava2014-fig10-sweet-spot-same-bound":
                       ch.figure10_configs("cpu", bound_without_dropout=True),
                   "srivastava2014-fig10-sweet-spot-paper-net-same-bound":
                       ch.figure10_configs("cpu", wide=True, bound_without_dropout=True)}


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_figure10_lr_search_varies_only_the_learning_rate(budget):
    """Every learning rate of FIG10_LRS; the runs differ only in the initial rate, and at
    RECIPE's 0.03 they are runs the chapter already has (the reduced network's panel, at
    paper its two smallest sizes; at the two smallest sizes, the paper's network's shorter
    training-length test, which the paper's network repeats at every larger size)."""
    search = ch.figure10_lr_search_panels(budget)
    claims = ["srivastava2014-fig10-small-end-tuned-lr"]
    if budget != "paper":
        claims.append("srivastava2014-fig10-small-end-paper-net-tuned-lr")
    assert list(search) == claims
    for claim, grid in search.items():
        assert tuple(grid) == ch.FIG10_LRS[budget] and 0.03 in grid
        for lr, panel in grid.items():
            assert list(panel) == list(grid[0.03])
            for label, runs in panel.items():
                for c, ref in zip(runs, grid[0.03][label], strict=True):
                    assert c.train.lr == lr
                    assert replace(c, train=replace(c.train, lr=0.03)) == ref
    small = ch._figure10_setting(budget)["train_sizes"][:2]
    reduced = ch.figure10_configs(budget, train_sizes=small if budget == "paper" else None)
    assert search[claims[0]][0.03] == reduced
    if budget != "paper":
        short = min(ch.FIG10_LENGTH_EPOCHS[budget])
        wide = search[claims[1]][0.03]
        assert wide == ch.figure10_configs(budget, wide=True, epochs=short)
        length = ch.figure10_length_panels(budget)[short]
        assert {label: wide[label] for label in length} == length


def test_figure10_lr_search_runs_are_listed_once():
    listed = [c for runs in ch.configs("cpu").values() for c in runs]
    search = [c for grid in ch.figure10_lr_search_panels("cpu").values()
              for panel in grid.values() for runs in panel.values() for c in runs]
    assert len(search) == 6 * (12 + 12) * 3       # rates x (6 sizes x 2, two networks) x seeds
    assert all(listed.count(c) == 1 for c in search)


def _fake_val_runs(val_errors: list[float], test_errors: list[float]) -> list:
    from types import SimpleNamespace
    return [SimpleNamespace(final={"val_error": v, "test_error": e}, config={"seed": sd})
            for sd, (v, e) in enumerate(zip(val_errors, test_errors, strict=True))]


def test_figure10_tuned_summary_chooses_each_network_on_validation():
    """Each network and size takes the rate with the lowest mean validation error (ties:
    the smaller rate); the gains pair seeds at the chosen rates; 'reproduced' needs every
    mean gain at most one standard error above zero."""
    search = {
        0.01: {"no dropout, 100": _fake_val_runs([0.30, 0.30], [0.31, 0.33]),
               "dropout, 100": _fake_val_runs([0.25, 0.375], [0.40, 0.40])},
        0.03: {"no dropout, 100": _fake_val_runs([0.35, 0.35], [0.36, 0.36]),
               "dropout, 100": _fake_val_runs([0.375, 0.25], [0.30, 0.34])}}
    s = ch.figure10_tuned_summary(search)
    assert s["chosen"] == {"no dropout, 100": 0.01, "dropout, 100": 0.01}   # tie -> 0.01
    assert s["panel"]["dropout, 100"] is search[0.01]["dropout, 100"]
    assert s["gains"][0] == pytest.approx([-0.09, -0.07])
    assert s["mean_gain"] == pytest.approx([-0.08]) and s["se_gain"] == pytest.approx([0.01])
    assert s["status"] == "reproduced"
    search[0.03]["dropout, 100"] = _fake_val_runs([0.20, 0.20], [0.25, 0.26])
    s = ch.figure10_tuned_summary(search)
    assert s["chosen"]["dropout, 100"] == 0.03
    assert s["mean_gain"] == pytest.approx([0.065]) and s["se_gain"] == pytest.approx([0.005])
    assert s["status"] == "not reproduced"
    assert s["shape"] is None                       # no size above 500
    for lr, panel in search.items():                # a size above 500 gains: small end only
        panel["no dropout, 1000"] = _fake_val_runs([0.1, 0.1], [0.10, 0.10])
        panel["dropout, 1000"] = _fake_val_runs([0.1, 0.1], [0.05, 0.06])
    s = ch.figure10_tuned_summary(search)
    assert s["sizes"] == [100, 1000] and s["status"] == "not reproduced"
    assert s["shape"] == "not reproduced"           # no size between 500 and the largest
    search[0.03]["dropout, 100"] = _fake_val_runs([0.375, 0.25], [0.30, 0.34])
    s = ch.figure10_tuned_summary(search)
    assert s["status"] == "reproduced" and s["mean_gain"][1] == pytest.approx(0.045)
    search[0.01]["dropout, 100"] = _fake_val_runs([0.25, 0.375], [0.32, 0.29])
    s = ch.figure10_tuned_summary(search)           # gains -0.01 and 0.04: within one s.e.
    assert s["mean_gain"][0] == pytest.approx(0.015) and s["se_gain"][0] == pytest.approx(0.025)
    assert s["status"] == "reproduced"
    search[0.01]["dropout, 100"] = _fake_val_runs([0.25, 0.375], [0.29, 0.31])
    s = ch.figure10_tuned_summary(search)           # gains 0.02 and 0.02: above zero
    assert s["mean_gain"][0] == pytest.approx(0.02) and s["status"] == "not reproduced"
    with pytest.raises(ValueError, match="no learning rates"):
        ch.figure10_tuned_summary({})


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
@pytest.mark.parametrize("wide", [False, True])
def test_figure10_same_bound_panel_gives_only_the_plain_networks_the_bound(budget, wide):
    """With ``bound_without_dropout`` the networks without dropout get the dropout networks'
    max-norm bound and a name of their own; nothing else changes, and the dropout runs are
    the very same configs (listed once by ``configs()``)."""
    free = ch.figure10_configs(budget, wide=wide)
    bounded = ch.figure10_configs(budget, wide=wide, bound_without_dropout=True)
    assert list(bounded) == list(free)
    listed = {c for runs in ch.configs(budget).values() for c in runs}
    for label, runs in bounded.items():
        if label.startswith("dropout"):
            assert runs == free[label]
            continue
        n = label.rsplit(", ", 1)[1]
        for c, f in zip(runs, free[label], strict=True):
            assert f.train.max_norm is None and f.p_hidden == 0.0
            assert c.train.max_norm == ch.max_norm_for(budget) == \
                free[f"dropout, {n}"][0].train.max_norm
            assert c.name == f"srivastava2014-fig10-no-dropout-bounded-{n}" != f.name
            assert replace(c, name=f.name, train=replace(c.train, max_norm=None)) == f
            assert c in listed
    same_bound = [label for label in ch.configs(budget) if "-same-bound: " in label]
    assert same_bound and all("-same-bound: no dropout, " in label for label in same_bound)


# --- Table 9: regularizers -----------------------------------------------------------------

def test_kl_sparsity_is_zero_at_the_target_and_matches_the_formula():
    assert ch.kl_sparsity(torch.full((7,), 0.1), 0.1).item() == pytest.approx(0, abs=1e-7)
    a = torch.tensor([0.3, 0.05])
    rho = 0.1
    expected = (rho * torch.log(rho / a) + (1 - rho) * torch.log((1 - rho) / (1 - a))).mean()
    assert ch.kl_sparsity(a, rho).item() == pytest.approx(expected.item())
    assert ch.kl_sparsity(a, rho).item() > 0


def test_l1_term_starts_at_l1_from_epoch_and_kl_term_reads_the_hidden_units():
    config = ch.SrivastavaMLPConfig("x", "smoke", sizes=(4, 3, 2), l1=0.5, l1_from_epoch=2,
                                    kl_weight=1.0, train=TrainConfig(epochs=3))
    model = ch._build_mlp(config, "cpu")
    reg = ch._regularizer(config, model, per_epoch=2, start_epoch=0)
    l1 = 0.5 * sum(m.weight.abs().sum() for m in model if isinstance(m, nn.Linear))
    values = []
    for _ in range(6):                             # 3 epochs of 2 steps
        h = model[1](model[0](torch.ones(5, 4)))   # the forward pass fills the KL hook
        model[3](model[2](h))
        kl = ch.kl_sparsity(ch.unit_activity(h), config.kl_target)
        values.append((reg(model) - kl).item())
    assert values[:4] == pytest.approx([0.0] * 4, abs=1e-6)
    assert values[4:] == pytest.approx([l1.item()] * 2, rel=1e-6)
    resumed = ch._regularizer(config, model, per_epoch=2, start_epoch=2)
    model(torch.ones(5, 4))
    assert resumed(model).item() > l1.item()       # L1 active at once after resuming


def test_table9_rows_combine_the_papers_regularizers():
    rows = {k: v[0] for k, v in ch.table9_configs("cpu").items()}
    assert list(rows) == ["L2", "L2 + L1 towards the end", "L2 + KL-sparsity", "Max-norm",
                          "Dropout + L2", "Dropout + max-norm"]
    for label, c in rows.items():
        assert (c.train.weight_decay > 0) == ("L2" in label)
        assert (c.train.max_norm is not None) == ("max-norm" in label.lower())
        assert (c.p_hidden == 0.5) == label.startswith("Dropout")
        assert c.dropout == ("standard" if label.startswith("Dropout") else "inverted")
        assert c.sizes == (784, 1024, 1024, 10)
        assert replace(c.train, weight_decay=0.0) == \
            ch.table9_schedule(30, c.train.max_norm)         # one schedule for every row
    assert rows["L2 + L1 towards the end"].l1_from_epoch == 20
    assert len({dt.config_hash(c) for c in rows.values()}) == 6


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_table9_long_rows_reuse_the_max_norm_networks_and_swap_in_their_regularizer(budget):
    """Table 9 at Table 2's length: the max-norm rows are Figure 4's 2 x 1024 pair trained
    like Table 2 (so the same stored records), and every other row differs from its
    max-norm partner only in having its 30-epoch row's regularizer instead of the bound."""
    long = ch.table9_long_configs(budget)
    if budget == "paper":
        assert long == {}                  # Table 9 itself has the paper's length there
        return
    assert list(long) == list(ch.T9_LONG_ROWS) == list(ch.T9_GRID)
    fig4 = ch.figure4_long_configs(budget)
    assert long["Max-norm"] == fig4["2 x 1024, no dropout"]
    assert long["Dropout + max-norm"] == fig4["2 x 1024, dropout"]
    for row in ch.T9_LONG_ROWS:
        partner = "Dropout + max-norm" if row.startswith("Dropout") else "Max-norm"
        if row == partner:
            continue
        assert [c.seed for c in long[row]] == list(ch.three_seeds(budget))
        for c, bounded in zip(long[row], long[partner], strict=True):
            short = ch.table9_config(budget, row, ch.T9_CHOSEN[row], seed=c.seed)
            assert bounded.train.max_norm == 2.0 and bounded.train.weight_decay == 0.0
            assert c.train.max_norm is None
            assert c.train.weight_decay == short.train.weight_decay > 0
            assert replace(c.train, weight_decay=0.0, max_norm=2.0) == bounded.train
            for field in ("sizes", "p_input", "p_hidden", "dropout", "train_size",
                          "val_size", "seed", "budget"):
                assert getattr(c, field) == getattr(bounded, field), field
            if row in ("L2", "Dropout + L2"):        # same task: only name and train differ
                assert replace(c, name=bounded.name, train=bounded.train) == bounded
            else:
                assert c.l1 == short.l1 and c.kl_weight == short.kl_weight
                assert c.kl_target == short.kl_target and (c.l1 > 0) != (c.kl_weight > 0)
    l1 = long["L2 + L1 towards the end"][0]
    assert l1.l1_from_epoch == (2 * l1.train.epochs) // 3 > 0
    assert len({dt.config_hash(c) for runs in long.values() for c in runs}) == 6 * len(
        long["L2"])
    listed = ch.configs(budget)
    for row in ("L2", "L2 + L1 towards the end", "L2 + KL-sparsity", "Dropout + L2"):
        assert listed[f"Table 9, Table 2's training: {row}"] == long[row]
    for row in ("Max-norm", "Dropout + max-norm"):       # listed as Figure 4's and Table 10's
        assert f"Table 9, Table 2's training: {row}" not in listed


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_table9_long_bound_test_changes_only_the_bound(budget):
    """The bound test is each long max-norm row with its 30-epoch search's c."""
    test = ch.table9_long_bound_configs(budget)
    if budget == "paper":
        assert test == {}
        return
    assert list(test) == ["Dropout + max-norm, c = 8", "Max-norm, c = 3.87"]
    long = ch.table9_long_configs(budget)
    for label, runs in test.items():
        row = label.split(",")[0]
        for c, b in zip(runs, long[row], strict=True):
            assert c.train.max_norm == ch.T9_CHOSEN[row] != b.train.max_norm == 2.0
            assert replace(c, name=b.name, train=replace(c.train, max_norm=2.0)) == b
        assert ch.configs(budget)[f"Table 9, Table 2's training: {label}"] == runs
    assert ch.T9_CHOSEN["Max-norm"] == pytest.approx(15 ** 0.5)


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_table9_long_bound_search_changes_only_the_bound(budget):
    """The bound search at Table 2's length: each long max-norm row, seed 0, at every bound
    of its 30-epoch grid; c = 2 is the row's own run and the bound test's c that test's
    run, so no network is trained twice."""
    search = ch.table9_long_bound_search_configs(budget)
    if budget == "paper":
        assert search == {}
        return
    long = ch.table9_long_configs(budget)
    tested = ch.table9_long_bound_configs(budget)
    assert list(search) == list(ch.T9_MAX_NORM_ROWS) == ["Dropout + max-norm", "Max-norm"]
    for row, grid in search.items():
        base = long[row][0]
        assert list(grid) == list(ch.T9_GRID[row][1]) and base.seed == 0
        assert grid[2.0] == base
        assert grid[ch.T9_CHOSEN[row]] == tested[f"{row}, c = {ch.T9_CHOSEN[row]:.3g}"][0]
        for c, config in grid.items():
            assert config.train.max_norm == c and config.seed == 0
            assert replace(config, name=base.name, train=replace(config.train, max_norm=2.0)
                           ) == base
        assert len({config.name for config in grid.values()}) == len(grid)


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_table9_long_searched_rows_take_the_chosen_bound_and_nothing_else(budget):
    """With the searched bounds only the max-norm rows change, each to its chosen bound
    on every seed (seed 0 is the search's run); every run of the search and of the chosen
    bounds is listed by configs(), once."""
    assert set(ch.T9_LONG_CHOSEN) == set(ch.T9_MAX_NORM_ROWS)
    for row, c in ch.T9_LONG_CHOSEN.items():
        assert c in ch.T9_GRID[row][1]
    long = ch.table9_long_configs(budget)
    searched = ch.table9_long_searched_configs(budget, ch.T9_LONG_CHOSEN)
    search = ch.table9_long_bound_search_configs(budget)
    assert list(searched) == list(long)
    for row, runs in searched.items():
        if row not in ch.T9_MAX_NORM_ROWS:
            assert runs == long[row]
            continue
        c = ch.T9_LONG_CHOSEN[row]
        assert runs[0] == search[row][c]
        for run, base in zip(runs, long[row], strict=True):
            assert run.train.max_norm == c and run.seed == base.seed
            assert replace(run, name=base.name, train=base.train) == base
    other = ch.table9_long_searched_configs(budget, {"Max-norm": 8.0})
    assert other["Max-norm"][0].name == "srivastava2014-t9-long-maxnorm-c8"
    assert other["Dropout + max-norm"] == long["Dropout + max-norm"]
    listed = [c for runs in ch.configs(budget).values() for c in runs]
    wanted = [*(c for grid in search.values() for c in grid.values()),
              *(c for runs in searched.values() for c in runs)]
    assert all(listed.count(c) == 1 for c in wanted)


def _t9_records(errors: dict[str, list[float]]) -> dict[str, list]:
    return {row: _fake_runs(e) for row, e in errors.items()}


def test_table9_ranking_sorts_mean_errors_and_reads_the_claim():
    """'reproduced' needs dropout + max-norm first and both dropout rows ahead of the
    others; one of the two is 'direction only'."""
    paper_like = _t9_records({"L2": [0.016, 0.0162], "Max-norm": [0.0135],
                              "Dropout + L2": [0.0125, 0.0127],
                              "Dropout + max-norm": [0.0105, 0.0103]})
    s = ch.table9_ranking(paper_like)
    assert s["ranking"] == ["Dropout + max-norm", "Dropout + L2", "Max-norm", "L2"]
    assert s["errors"]["L2"] == pytest.approx(0.0161)
    assert s["status"] == "reproduced"
    swapped = _t9_records({"L2": [0.016], "Dropout + L2": [0.012],
                           "Dropout + max-norm": [0.013]})
    assert ch.table9_ranking(swapped)["status"] == "direction only"
    split = _t9_records({"L2": [0.011], "Max-norm": [0.012], "Dropout + L2": [0.013],
                         "Dropout + max-norm": [0.010]})
    assert ch.table9_ranking(split)["status"] == "direction only"
    last = _t9_records({"L2": [0.011], "Max-norm": [0.010], "Dropout + L2": [0.013],
                        "Dropout + max-norm": [0.012]})
    assert ch.table9_ranking(last)["status"] == "not reproduced"


@pytest.mark.parametrize("errors, match", [
    ({"L2": [0.01], "Dropout + L2": [0.01]}, "needs both dropout rows"),
    ({"Dropout + L2": [0.01], "Dropout + max-norm": [0.01]}, "at least one other"),
    ({"L2": [], "Dropout + L2": [0.01], "Dropout + max-norm": [0.01]}, "at least one run")])
def test_table9_ranking_rejects_incomplete_tables(errors, match):
    with pytest.raises(ValueError, match=match):
        ch.table9_ranking(_t9_records(errors))


def _searched(config) -> dict[str, float | None]:
    """The four coefficients a Table 9 row can search, by field name."""
    return {"weight_decay": config.train.weight_decay, "l1": config.l1,
            "kl_weight": config.kl_weight, "max_norm": config.train.max_norm}


def test_table9_search_varies_only_each_rows_coefficient():
    search = ch.table9_search_configs("cpu")
    final = ch.table9_configs("cpu")
    assert list(search) == list(ch.T9_GRID) == list(final)
    untuned = ch.table9_configs("cpu", coefficients={
        r: ch.T9_BEFORE[field_name] for r, (field_name, _) in ch.T9_GRID.items()})
    for row, grid in search.items():
        field_name, values = ch.T9_GRID[row]
        assert list(grid) == sorted(values) and len(values) >= 3
        before = ch.table9_config("cpu", row, ch.T9_BEFORE[field_name])   # used before
        assert before in grid.values() and before == untuned[row][0]
        for value, config in grid.items():
            assert config.seed == 0 and _searched(config)[field_name] == value
            fixed = {k: v for k, v in _searched(config).items() if k != field_name}
            assert fixed == {k: v for k, v in _searched(before).items() if k != field_name}
        assert len({dt.config_hash(c) for c in grid.values()}) == len(values)
        assert final[row][0] == ch.table9_config("cpu", row, ch.T9_CHOSEN[row])


def test_table9_chosen_coefficients_are_the_stored_validation_choice(monkeypatch):
    """T9_CHOSEN must be what the stored seed-0 search picks on the validation set."""
    from dropout_tutorial.experiments.mnist_papers import chosen_on_validation
    from dropout_tutorial.runner import load_record, project_root

    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS", raising=False)
    monkeypatch.chdir(project_root())
    for row, grid in ch.table9_search_configs("cpu").items():
        records = {value: load_record(config) for value, config in grid.items()}
        assert [v for v, r in records.items() if r is None] == [], "run the search first"
        assert chosen_on_validation(records) == ch.T9_CHOSEN[row], row


@pytest.mark.parametrize("row, value, match", [
    ("L3", 1e-4, "row must be one of"), ("L2", 0.0, "value must be finite and > 0"),
    ("Max-norm", float("inf"), "value must be finite and > 0")])
def test_table9_config_rejects_bad_rows_and_values(row, value, match):
    with pytest.raises(ValueError, match=match):
        ch.table9_config("cpu", row, value)


@pytest.mark.parametrize("kwargs, match", [
    (dict(l1_from_epoch=10), "l1_from_epoch must be < train.epochs=10, got l1_from_epoch=10"),
    (dict(l1=-1.0), "l1 must be finite and >= 0, got l1=-1.0"),
    (dict(kl_target=1.0), r"kl_target must be in \(0, 1\), got kl_target=1.0"),
    (dict(epoch_size=-5), "epoch_size must be an int >= 0, got epoch_size=-5"),
])
def test_mlp_config_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ch.SrivastavaMLPConfig("x", "smoke", **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(p_hidden=1.0), r"p_hidden must be in \[0, 1\), got p_hidden=1.0"),
    (dict(hidden=8, n_features=9), "n_features must be <= hidden=8, got n_features=9"),
])
def test_autoencoder_config_rejects_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ch.AutoencoderConfig("x", "smoke", **kwargs)


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_every_budget_has_unique_run_names_per_config(budget):
    runs = [c for group in ch.configs(budget).values() for c in group]
    assert len({dt.config_hash(c) for c in runs}) == len(runs)
    assert all(c.budget == budget for c in runs)


def _mc_record(scaled: float, sequences: list[list[float]]):
    from types import SimpleNamespace
    return SimpleNamespace(final={"k": list(range(1, len(sequences[0]) + 1)),
                                  "weight_scaling_error": scaled, "mc_errors": sequences})


def test_mc_gap_averages_sequences_then_networks():
    """Gap = MC error (mean over a network's mask sequences) - its weight-scaled error;
    mean and s.e. over networks; the first k at or below zero, and within one s.e."""
    one = _mc_record(0.02, [[0.04, 0.03, 0.019], [0.06, 0.03, 0.019]])   # gaps 3, 1, -0.1
    two = _mc_record(0.01, [[0.03, 0.02, 0.013]])                         # gaps 2, 1, 0.3
    summary = ch.mc_gap([one, two])
    assert summary["k"] == [1, 2, 3]
    assert summary["mc"][0] == pytest.approx([5.0, 3.0, 1.9])
    assert summary["gap_mean"] == pytest.approx([2.5, 1.0, 0.1])
    assert summary["gap_se"] == pytest.approx([0.5, 0.0, 0.2])
    assert summary["matched"] is None and summary["within_se"] == 3
    assert ch.mc_gap([one])["matched"] == 3 and ch.mc_gap([one])["gap_se"] == [0.0] * 3
    with pytest.raises(ValueError, match="at least one"):
        ch.mc_gap([])
    with pytest.raises(ValueError, match="same k"):
        ch.mc_gap([one, _mc_record(0.01, [[0.03, 0.02]])])


# --- smoke runs of the new tasks -----------------------------------------------------------

def test_smoke_runs_of_the_new_tasks():
    """srivastava_mlp (tiled), srivastava_mc (trains its network through the runner when
    the checkpoint is missing) and srivastava_autoencoder, on real MNIST."""
    mc = ch.figure11_config("smoke")
    record = dt.run(mc, progress=False)
    assert checkpoint_path(mc.model).exists()
    errors = record.final["mc_errors"]
    assert len(errors) == mc.repeats and len(errors[0]) == mc.max_k
    assert all(0 <= e <= 1 for e in errors[0]) and 0 <= record.final["weight_scaling_error"] <= 1
    trained = dt.run(mc.model, progress=False)
    assert trained.final["train_size"] == 2_000
    assert trained.final["updates"] == 20                          # 2,000 / 100
    tiled = dt.run(ch.figure10_configs("smoke")["dropout, 100"][0], progress=False)
    assert (tiled.final["train_size"], tiled.final["updates"]) == (100, 20)  # 2,000 tiled
    ae = dt.run(ch.autoencoder_configs("smoke")["dropout"][0], progress=False)
    assert len(ae.final["features"]) == 25 and len(ae.final["features"][0]) == 784
    assert sum(ae.final["activation_hist"]) == 10_000 * 256
    assert 0 < ae.final["fraction_zero"] < 1 and ae.final["test_loss"] > 0


def test_mc_analysis_of_a_papers_form_network_keeps_its_weight_scaled_error():
    """Table 2's networks use the papers' form of dropout: the analysis samples them in
    PyTorch's form, and its weight-scaled error is the trained network's own test error."""
    from dropout_tutorial.experiments.mnist import load_mnist_splits
    (config,) = ch.figure11_table2_configs("smoke")
    assert config.model.dropout == "standard" and config.model.task == "mnist_mlp"
    config = replace(config, model=replace(config.model, sizes=(784, 32, 32, 10)))
    record = dt.run(config, progress=False)
    model = ch.load_trained_mlp(config.model)
    test = load_mnist_splits("cpu").test.subset(config.n_test)
    with torch.no_grad():
        error = (model(test.x).argmax(-1) != test.y).double().mean().item()
    assert record.final["weight_scaling_error"] == pytest.approx(error, abs=1e-12)
    assert len(record.final["mc_errors"][0]) == config.max_k


def test_figure11_table2_analyses_chapter_3s_best_networks():
    from dropout_tutorial.experiments import mnist_papers
    nets = mnist_papers.configs("cpu")["3x1024 ReLU, dropout + max-norm"]
    runs = ch.figure11_table2_configs("cpu")
    assert [c.model for c in runs] == nets and [c.seed for c in runs] == [0, 1, 2]
    assert all(c.max_k == 128 and c.n_test is None for c in runs)


@pytest.mark.parametrize("budget", ["smoke", "cpu"])
def test_figure11_small_table2_recipe_differs_from_each_neighbour_in_one_thing(budget):
    """Against Table 2's networks only the widths differ; against the longer-trained small
    networks (cpu) the widths and number of updates agree and only the recipe differs."""
    runs = ch.figure11_small_table2_recipe_configs(budget)
    assert tuple(c.seed for c in runs) == ch.FIG11_UPDATES_MATCHED_SEEDS[budget] != ()
    table2 = {c.seed: c for c in ch.figure11_table2_configs(budget)}
    assert set(table2) <= {c.seed for c in runs}          # Table 2's seeds, and maybe more
    template = table2[min(table2)]
    for c in runs:
        t = table2.get(c.seed) or replace(template, seed=c.seed,
                                          model=replace(template.model, seed=c.seed))
        assert c.model.sizes == ch.figure11_network(budget, c.seed).sizes != t.model.sizes
        assert replace(c.model, name=t.model.name, sizes=t.model.sizes) == t.model
        assert replace(c, name=t.name, model=t.model) == t
        assert c.name != t.name and c.model.name != t.model.name
    if budget == "cpu":
        long = ch.figure11_long_configs(budget)
        assert [c.seed for c in runs] == [c.seed for c in long]
        assert [ch.n_updates(c.model) for c in runs] == [ch.n_updates(c.model) for c in long]
        assert all(c.model.train != lc.model.train for c, lc in zip(runs, long))
    groups = ch.configs(budget)
    assert groups["Figure 11: MC averaging, small network, Table 2's recipe"] == runs
    assert groups["Figure 11: small network, Table 2's recipe"] == [c.model for c in runs]


@pytest.mark.parametrize("recipe, expected", [
    ((0.02, 0.01), "recipe"),              # next to Table 2's gap
    ((0.07, 0.01), "architecture"),        # next to the longer-trained small networks' gap
    ((0.02, 0.06), "undecided"),           # its s.e. spans the distance between the others
])
def test_figure11_recipe_reading(recipe, expected):
    assert ch.figure11_recipe_reading((0.07, 0.01), recipe, (0.02, 0.004)) == expected


def test_figure11_recipe_reading_is_undecided_half_way():
    assert ch.figure11_recipe_reading((0.5, 0.0625), (0.375, 0.0625), (0.25, 0.0)) == "undecided"


def test_figure11_recipe_reading_is_undecided_when_the_longer_set_is_noisy():
    assert ch.figure11_recipe_reading((0.07, 0.05), (0.02, 0.01), (0.02, 0.004)) == "undecided"


def test_figure11_recipe_reading_rejects_a_negative_se():
    with pytest.raises(ValueError, match="s.e."):
        ch.figure11_recipe_reading((0.07, -0.01), (0.02, 0.01), (0.02, 0.004))


def test_figure11_small_table2_recipe_is_absent_at_paper():
    assert ch.figure11_small_table2_recipe_configs("paper") == []
    assert not any("Table 2's recipe" in key for key in ch.configs("paper")
                   if "Figure 11" in key)


def test_n_parameters_matches_the_built_networks():
    c = ch.figure9_configs("cpu")["(b) retain 0.1"][0]
    assert ch.n_parameters(c) == sum(p.numel() for p in build_model(c, torch.device("cpu"))
                                     .parameters())
    ae = ch.autoencoder_configs("cpu")["dropout"][0]
    assert ch.n_parameters(ae) == sum(p.numel() for p in ch.build_autoencoder(ae).parameters())
    t9 = ch.table9_configs("cpu")["L2"][0]
    assert ch.training_flops(t9) == 6.0 * ch.n_parameters(t9) * 50_000 * 30


def test_n_updates_counts_tiled_epochs():
    runs = ch.figure10_configs("paper")
    assert ch.n_updates(runs["dropout, 100"][0]) == 3000 * 500
    assert ch.n_updates(ch.figure11_config("paper")) == 0
    assert ch.n_updates(ch.figure9_configs("cpu")["(a) retain 0.5"][0]) == 40 * 100


def test_recipe_names_every_candidate_and_rejects_others():
    runs = ch.recipe_configs("cpu")
    assert len(runs) == 8 and all(c.train_size == 10_000 for (c,) in runs.values())
    assert ch.recipe(ch.RECIPE, 20) == ch.sgd_schedule(20, 0.03)
    schedule = ch.sgd_schedule(20, 0.03)
    assert schedule.lr * schedule.lr_decay ** 20 == pytest.approx(0.003)   # decays to lr / 10
    with pytest.raises(ValueError, match="recipe must be 'chapter 3 \\(Hinton\\)' or one of"):
        ch.recipe("SGD lr 0.5", 20)


def test_gpu_hours_adds_flop_time_and_per_update_cost():
    config = ch.table9_configs("cpu")["L2"][0]
    flop_s = ch.training_flops(config) / 1e12
    update_s = 1e-3 * ch.n_updates(config)
    assert ch.gpu_hours([config], flops_per_second=1e12, seconds_per_update=1e-3) == \
        pytest.approx((flop_s + update_s) / 3600)
    assert ch.gpu_hours([config, config]) == pytest.approx(2 * ch.gpu_hours([config]))
    with pytest.raises(ValueError, match="flops_per_second"):
        ch.gpu_hours([config], flops_per_second=0)


def test_autoencoders_have_three_seeds_at_cpu_and_differ_only_in_dropout():
    runs = ch.autoencoder_configs("cpu")
    assert list(runs) == ["no dropout", "dropout"]
    for seeds in runs.values():
        assert [c.seed for c in seeds] == [0, 1, 2]
        assert all(replace(c, seed=0) == seeds[0] for c in seeds)
    none, drop = runs["no dropout"][0], runs["dropout"][0]
    assert (none.p_hidden, drop.p_hidden) == (0.0, 0.5)
    assert replace(drop, name=none.name, p_hidden=0.0) == none
    assert all(len(seeds) == 1 for seeds in ch.autoencoder_configs("smoke").values())


def test_dead_units_counts_units_that_are_zero_on_every_example():
    h = torch.tensor([[0.0, 1.0, 0.0, 0.0],
                      [0.0, 0.0, 2.0, 0.0],
                      [0.0, 3.0, 0.0, 0.0]])
    assert ch.dead_units(h) == 2                    # units 0 and 3
    assert ch.dead_units(torch.ones(5, 3)) == 0
