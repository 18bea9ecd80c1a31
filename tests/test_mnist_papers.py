"""Configs of chapter 3 (Hinton et al. 2012, Srivastava et al. 2014 Table 2): the
compressed schedule, the recipe candidates and the choice made on validation."""
from dataclasses import replace
from types import SimpleNamespace

import pytest
import torch

from dropout_tutorial.experiments import how_dropout_works, mnist_papers
from dropout_tutorial.experiments.mnist import build_model
from dropout_tutorial.runner import load_record, project_root
from dropout_tutorial.training import apply_max_norm

Recipe = mnist_papers.Recipe


def test_default_decay_squeezes_the_papers_total_decay():
    schedule = how_dropout_works.hinton_schedule(200)
    assert schedule.lr_decay ** 200 == pytest.approx(0.998 ** 3000)
    assert how_dropout_works.hinton_schedule(200, lr_decay=0.99).lr_decay == 0.99


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.01])
def test_decay_outside_zero_one_is_rejected(bad):
    with pytest.raises(ValueError, match="lr_decay"):
        how_dropout_works.hinton_schedule(200, lr_decay=bad)


def test_recipe_labels_are_distinct_and_readable():
    assert Recipe().label == "paper's total decay"
    assert Recipe(0.98).label == "f = 0.98"
    assert Recipe(0.99, "standard").label == "f = 0.99, papers' dropout form"
    assert mnist_papers.APPENDIX_B1.label == \
        "f = 0.99, papers' dropout form, momentum 0.95, c = 2"
    for recipes in mnist_papers.RECIPE_CANDIDATES.values():
        assert len({r.label for r in recipes}) == len(recipes)


def test_candidates_differ_only_in_their_recipe():
    for family, runs in mnist_papers.recipe_candidates("cpu").items():
        recipes = mnist_papers.RECIPE_CANDIDATES[family]
        assert list(runs) == [r.label for r in recipes]
        first = next(iter(runs.values()))
        for recipe, config in zip(recipes, runs.values()):
            assert config.dropout == recipe.dropout and config.train.lr == recipe.lr
            assert config.train.max_norm == recipe.max_norm
            assert config.train.momentum == recipe.momentum
            assert config.train.lr_decay == pytest.approx(
                how_dropout_works.hinton_schedule(200, lr_decay=recipe.lr_decay).lr_decay)
            same_recipe = replace(config, dropout=first.dropout, train=first.train)
            assert same_recipe == first
            assert config.seed == 0
        assert len({(c.dropout, c.train) for c in runs.values()}) == len(runs)


def test_the_first_candidate_is_the_previous_compressed_recipe():
    """The recipe before the choice existed: its stored runs stay valid candidates."""
    old = how_dropout_works.hinton_schedule(200, max_norm=mnist_papers.MAX_NORM)
    for runs in mnist_papers.recipe_candidates("cpu").values():
        first = next(iter(runs.values()))
        assert first.train == old and first.dropout == "inverted"


def test_paper_budget_keeps_the_papers_schedule():
    for runs in mnist_papers.recipe_candidates("paper").values():
        (config,) = runs.values()
        assert config.train.epochs == 3000
        assert config.train.lr_decay == pytest.approx(0.998)
    for runs in mnist_papers.configs("paper").values():
        assert all(c.train.lr_decay == pytest.approx(0.998) for c in runs)


def test_appendix_b1_recipe_changes_only_momentum_and_bound():
    """Srivastava et al.'s Appendix B.1: final momentum 0.95, c = 2, same ramp and decay."""
    runs = mnist_papers.recipe_candidates("cpu")["table2"]
    b1 = runs[mnist_papers.APPENDIX_B1.label]
    papers_form = runs[Recipe(0.99, "standard").label]
    assert (b1.train.momentum, b1.train.max_norm) == (0.95, 2.0)
    assert b1.train.momentum_start == 0.5 and b1.dropout == "standard"
    assert replace(b1.train, momentum=0.99, max_norm=mnist_papers.MAX_NORM) == \
        papers_form.train
    assert how_dropout_works.hinton_schedule(200, momentum=0.95).momentum == 0.95


def test_table2_rows_differ_by_the_change_the_table_names():
    """Standard net -> dropout (logistic, ReLU) -> ReLU + max-norm: one change per row,
    all trained with the same recipe."""
    rows = mnist_papers.table2_configs("cpu", recipe=mnist_papers.APPENDIX_B1)
    assert list(rows) == ["standard net (ReLU)", "dropout, logistic", "dropout, ReLU",
                          "dropout, ReLU + max-norm"]
    standard, logistic, relu, maxnorm = (runs[0] for runs in rows.values())
    assert maxnorm.train.max_norm == 2.0 and maxnorm.train.momentum == 0.95
    assert replace(maxnorm.train, max_norm=None) == relu.train
    assert relu.train == logistic.train == standard.train
    assert replace(maxnorm, name=relu.name, train=relu.train) == relu
    assert replace(relu, name=logistic.name, activation="logistic") == logistic
    assert (relu.p_input, relu.p_hidden, relu.dropout) == (0.2, 0.5, "standard")
    assert replace(relu, name=standard.name, p_input=0.0, p_hidden=0.0,
                   dropout=standard.dropout) == standard
    assert sizes_of(rows) == {(784, 1024, 1024, 1024, 10)}


def sizes_of(rows):
    return {c.sizes for runs in rows.values() for c in runs}


def test_cpu_budget_trains_every_table2_row():
    configs = mnist_papers.configs("cpu")
    for row, seeds in mnist_papers.TABLE2_ROW_SEEDS.items():
        assert [c.seed for c in configs[f"3x1024 {row}"]] == list(seeds)
    assert all(seeds == (0, 1, 2) for seeds in mnist_papers.TABLE2_ROW_SEEDS.values())
    for row in mnist_papers.TABLE2_ROW_SEEDS:                      # one seed at smoke
        assert [c.seed for c in mnist_papers.configs("smoke")[f"3x1024 {row}"]] == [0]
    maxnorm = configs["3x1024 ReLU, dropout + max-norm"]
    assert [c.seed for c in maxnorm] == list(mnist_papers.TABLE2_MAXNORM_SEEDS)
    assert len(maxnorm) >= 2
    for budget in ("smoke", "cpu", "paper"):
        wider = mnist_papers.table2_larger_configs(budget)
        assert {k: mnist_papers.configs(budget)[k] for k in wider} == wider


@pytest.mark.parametrize("budget", ["smoke", "cpu", "paper"])
def test_larger_table2_networks_change_only_the_widths(budget):
    """Table 2's 2x4096 and 2x8192 rows: the 3x1024 max-norm row with other widths, each
    with its budget's seeds, under a name of its own (so its records never collide)."""
    base = mnist_papers.table2_configs(budget, recipe=mnist_papers.final_recipe(
        budget, "table2"))["dropout, ReLU + max-norm"][0]
    larger = mnist_papers.table2_larger_configs(budget)
    expected = mnist_papers.TABLE2_LARGER_SEEDS[budget]
    assert list(larger) == [f"{net} ReLU, dropout + max-norm" for net in expected]
    for net, seeds in expected.items():
        runs = larger[f"{net} ReLU, dropout + max-norm"]
        assert [c.seed for c in runs] == list(seeds)
        for c in runs:
            assert c.sizes == mnist_papers.TABLE2_LARGER_NETS[net]
            assert c.name == f"srivastava2014-t2-relu-maxnorm-{net}"
            assert replace(c, name=base.name, sizes=base.sizes, seed=base.seed) == base
    assert "2x4096" in expected and (budget != "paper" or set(expected) ==
                                     set(mnist_papers.TABLE2_LARGER_NETS))


def test_larger_table2_networks_take_the_given_recipe():
    recipe = Recipe(0.98)
    (runs,) = mnist_papers.table2_larger_configs("cpu", recipe=recipe).values()
    assert runs[0].train.lr_decay == 0.98 and runs[0].dropout == "inverted"
    assert runs[0].train.max_norm == mnist_papers.MAX_NORM


def test_plain_network_ignores_the_recipe():
    recipe = Recipe(0.99, "standard")
    plain = mnist_papers.hinton2012_configs("cpu", recipe=recipe)["no dropout"][0]
    assert plain.train.max_norm is None and plain.dropout == "inverted"
    assert plain.train == how_dropout_works.hinton_schedule(200)


def test_standard_form_bound_is_tighter_on_the_same_function():
    """The same network in both dropout forms: inverted weights are (1 - p) times the
    papers' weights, so one bound c constrains the papers' weights only in the standard
    form. Check on real layers that max-norm keeps standard-form rows at c, and that the
    equivalent inverted-form rows are then at (1 - p) c."""
    torch.manual_seed(0)
    configs = mnist_papers.hinton2012_configs("smoke", recipe=Recipe(0.99, "standard"))
    config = configs["hidden + input dropout"][0]
    model = build_model(config, torch.device("cpu"))
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for layer in linears:
        layer.weight.data.mul_(10)
    apply_max_norm(linears, mnist_papers.MAX_NORM)
    keep = [0.8, 0.5, 0.5]                  # the dropout feeding each linear layer
    for layer, q in zip(linears, keep):
        norms = layer.weight.norm(dim=1)
        assert torch.allclose(norms, torch.full_like(norms, mnist_papers.MAX_NORM))
        assert torch.allclose((q * layer.weight).norm(dim=1), q * norms)
    model.eval()
    x = torch.rand(4, 784)
    inverted = mnist_papers.hinton2012_configs("smoke")["hidden + input dropout"][0]
    twin = build_model(inverted, torch.device("cpu")).eval()
    for a, b, q in zip([m for m in twin if isinstance(m, torch.nn.Linear)], linears, keep):
        a.weight.data.copy_(q * b.weight.data)
        a.bias.data.copy_(b.bias.data)
    torch.testing.assert_close(twin(x), model(x))


def test_chosen_on_validation_takes_the_lowest_final_validation_error():
    def rec(val):
        return SimpleNamespace(final={"val_error": val})
    assert mnist_papers.chosen_on_validation({"a": rec(0.02), "b": rec(0.01),
                                              "c": rec(0.01)}) == "b"
    with pytest.raises(ValueError, match="no candidate"):
        mnist_papers.chosen_on_validation({})
    with pytest.raises(ValueError, match="not a candidate"):
        mnist_papers.chosen_on_validation({"a": rec(0.02)}, prefer="z")


def test_the_papers_settings_stay_unless_validation_rejects_them():
    """prefer is kept within one binomial standard error of the lowest error (0.1089
    points at 1.2 % on 10,000 images), and overturned beyond it."""
    def rec(val):
        return SimpleNamespace(final={"val_error": val})
    within = {"best": rec(0.0120), "paper": rec(0.0130)}
    beyond = {"best": rec(0.0120), "paper": rec(0.0131)}
    assert mnist_papers.chosen_on_validation(within, prefer="paper") == "paper"
    assert mnist_papers.chosen_on_validation(beyond, prefer="paper") == "best"
    assert mnist_papers.chosen_on_validation(within) == "best"
    assert mnist_papers.chosen_on_validation(within, prefer="paper", n_val=100_000) == "best"
    assert mnist_papers.prescribed_label("table2") == mnist_papers.APPENDIX_B1.label
    assert mnist_papers.prescribed_label("hinton2012") is None
    with pytest.raises(ValueError, match="unknown family"):
        mnist_papers.final_recipe("cpu", "table9")


@pytest.mark.parametrize("family", sorted(mnist_papers.FINAL_RECIPE))
def test_final_recipe_is_the_stored_validation_choice(family, monkeypatch):
    """The recipe the final configs use must be what validation chose in the stored runs."""
    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS", raising=False)
    monkeypatch.chdir(project_root())
    runs = mnist_papers.recipe_candidates("cpu")[family]
    records = {label: load_record(config) for label, config in runs.items()}
    missing = [label for label, rec in records.items() if rec is None]
    assert missing == [], "run the recipe candidates first"
    chosen = mnist_papers.chosen_on_validation(records,
                                               prefer=mnist_papers.prescribed_label(family))
    assert mnist_papers.FINAL_RECIPE[family].label == chosen


def test_logistic_setting_changes_only_the_logistic_rows_rate_and_init():
    setting = mnist_papers.LogisticSetting(3.0, 0.1)
    recipe = mnist_papers.APPENDIX_B1
    plain = mnist_papers.table2_configs("cpu", recipe=recipe)
    tuned = mnist_papers.table2_configs("cpu", recipe=recipe, logistic=setting)
    for row in ("standard net (ReLU)", "dropout, ReLU", "dropout, ReLU + max-norm"):
        assert tuned[row] == plain[row]
    before, after = plain["dropout, logistic"][0], tuned["dropout, logistic"][0]
    assert (after.train.lr, after.init_std) == (3.0, 0.1)
    assert (before.train.lr, before.init_std) == (recipe.lr, None)
    assert replace(after, train=before.train, init_std=None) == before
    assert setting.label == "rate 3, N(0, 0.1²) init"
    assert mnist_papers.LogisticSetting().label == "the recipe's rate, PyTorch's init"


@pytest.mark.parametrize("kwargs, match", [(dict(lr=0.0), "lr must be > 0 or None, got lr=0.0"),
                                           (dict(init_std=-0.1), "init_std must be > 0")])
def test_logistic_setting_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mnist_papers.LogisticSetting(**kwargs)


def test_final_logistic_setting_is_the_stored_validation_choice(monkeypatch):
    """The logistic row's final setting is the candidate with the lowest final
    validation error among the stored runs (no paper setting to prefer: the paper does
    not state one for 200 epochs)."""
    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS", raising=False)
    monkeypatch.chdir(project_root())
    runs = mnist_papers.logistic_candidates("cpu")
    assert list(runs) == list(mnist_papers.LOGISTIC_CANDIDATES)
    records = {setting: load_record(config) for setting, config in runs.items()}
    assert [s for s, rec in records.items() if rec is None] == [], "run the candidates first"
    assert mnist_papers.chosen_on_validation(records) == mnist_papers.FINAL_LOGISTIC
    configs = mnist_papers.configs("cpu")
    assert configs["3x1024 dropout, logistic"][0] == runs[mnist_papers.FINAL_LOGISTIC]


def test_cpu_budget_trains_three_seeds_of_hintons_networks():
    configs = mnist_papers.configs("cpu")
    for label in ("no dropout", "hidden dropout", "hidden + input dropout"):
        runs = configs[label]
        assert [c.seed for c in runs] == list(mnist_papers.HINTON_CPU_SEEDS) == [0, 1, 2]
        assert all(replace(c, seed=0) == runs[0] for c in runs)    # only the seed differs


def test_first_reaching_gives_the_first_epoch_at_or_below_the_threshold():
    history = {"epoch": [1, 2, 3, 4], "test_error": [0.02, 0.011, 0.0109, 0.0100],
               "seconds": [10.0, 20.0, 30.0, 40.0]}
    assert mnist_papers.first_reaching(history, "test_error", 0.011) == (2, 20.0)
    assert mnist_papers.first_reaching(history, "test_error", 0.0100) == (4, 40.0)
    assert mnist_papers.first_reaching(history, "test_error", 0.005) is None


def test_median_epoch_seconds_ignores_a_few_slow_epochs():
    """The history's seconds are cumulative: epochs of 50 s, one of 500 s (a pause)."""
    ends = [50.0, 100.0, 600.0, 650.0, 700.0]
    assert mnist_papers.median_epoch_seconds({"seconds": ends}) == pytest.approx(50.0)
    assert mnist_papers.median_epoch_seconds({"seconds": [12.5]}) == pytest.approx(12.5)
