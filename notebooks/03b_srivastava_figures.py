# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Dropout on MNIST, part 2: Srivastava et al. (2014)'s figures
#
# ## Overview
#
# Besides its tables of best results, the journal paper on dropout
# {cite:p}`srivastava2014dropout` studies *how* dropout behaves, mostly on MNIST
# {cite:p}`lecun1998gradient`. This chapter reruns those MNIST studies at a reduced scale
# that fits a laptop CPU:
#
# 1. Figure 4: whether dropout helps networks of every depth, with identical
#    hyperparameters otherwise;
# 2. Figure 9: how the test error depends on the retain probability, with the number of
#    hidden units fixed and with the expected number of *retained* units fixed;
# 3. Figure 10: how the benefit of dropout depends on the size of the training set;
# 4. Figure 11: Monte-Carlo averaging of sampled thinned networks against the
#    deterministic weight-scaled network;
# 5. Table 10: Bernoulli against Gaussian dropout;
# 6. Table 9: dropout against other regularizers;
# 7. Figures 7 and 8: the features and the activation sparsity of an autoencoder
#    trained with and without dropout.
#
# The [previous chapter](03_dropout_on_mnist.ipynb) reran the paper's Table 2; the
# [first chapter](01_how_dropout_works.ipynb) explains weight scaling. As everywhere in
# this book, $p$ is the probability of **dropping** a unit and $q = 1 - p$ the probability
# of keeping it ([notation](../book/notation.md)). **The paper writes $p$ for the retain
# probability**, so the paper's "$p$" is our $q$.
#
# Every experiment is smaller than the paper's: smaller networks, fewer weight updates,
# sometimes a subset of the training images, and three seeds per setting (four for
# Figure 4's shorter training; one per candidate when choosing a recipe or a Table 9
# coefficient). Each
# section states the reductions next to the paper's setting, and every comparison with
# the paper is a comparison of *shapes and directions*, not of absolute error rates.
#
# Numbered tables and figures (Table 9, Figure 4) are the paper's; this chapter's own
# are lettered (Table A, Figure A).

# %% tags=["remove-cell"]
# On Colab (or any kernel without the package) install the companion package first.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("dropout_tutorial") is None:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q",
                           "dropout-tutorial @ git+https://github.com/dropout-tutorial/dropout-tutorial@main"])

# %% tags=["parameters"]
import os

budget = os.environ.get("DROPOUT_BUDGET", "cpu")   # "smoke", "cpu" or "paper"
device = os.environ.get("DROPOUT_DEVICE", "auto")  # "auto", "cpu", "cuda" or "mps"
seed = 0

# %%
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Markdown, display

import dropout_tutorial as dt
from dropout_tutorial import notebook, plotting, scoreboard
from dropout_tutorial.experiments import mnist_papers
from dropout_tutorial.experiments import srivastava_figures as ch03b

env = notebook.setup(budget, device, seed)
CHAPTER = "03b_srivastava_figures"

# %% [markdown]
# ## Where the numbers come from
#
# The paper's numbers below are quoted from secondary summaries of the paper that agree
# with each other (the project's `PAPERS.md` lists them); we have not yet checked them
# against the PDF. Where a summary only describes a figure ("flat between 0.4 and
# 0.8"), we compare with that description. Some settings of the paper's experiments (for
# example the widths in Figure 9b and the network of Figure 10) are known to us only from
# memory; the `paper` budget (and Figure 10's second panel) uses them, and this chapter
# always says so where it names them.
#
# ## The training recipe, chosen on the validation set
#
# The paper does not state its learning rate or batch size. We train the small
# classifiers of this chapter (Figures 9-11; Figure 9 also tries a lower
# learning rate for each network) with one recipe, chosen on the
# validation set (the last 10,000 of the
# 60,000 training images; the test set is not used for any choice). The candidates are
# the compressed schedule of the previous chapter and SGD on minibatches of 100 with the
# paper's final momentum 0.95 (Appendix B.1) and a learning rate $\epsilon_0$ decaying
# geometrically to $\epsilon_0/10$. Each candidate trains a 784-256-256-10 ReLU
# network on 10,000 images for 20 epochs, with dropout ($q = 0.5$ hidden, $q = 0.8$ input) and
# without hidden dropout ($q = 1$); the recipe with the lowest mean validation error
# wins. The dropout networks of the chapter also bound the norm of every unit's incoming
# weights by $c = \sqrt{15}$ (max-norm), as in the previous chapter. The 1,024-unit
# networks of Figure 4 and Tables 9 and 10 are trained instead with the previous chapter's
# compressed schedule, within which that chapter's 1,024-unit dropout networks train
# well.

# %%
recipe_runs = {label: dt.run(c, device=env.device)
               for label, (c,) in ch03b.recipe_configs(env.budget).items()}
recipes = sorted({label.rsplit(", ", 1)[0] for label in recipe_runs})
mean_val = {name: np.mean([r.final["val_error"] for label, r in recipe_runs.items()
                           if label.startswith(name + ",")]) for name in recipes}
chosen = min(mean_val, key=mean_val.get)
first = recipe_runs[f"{chosen}, retain 0.5"]
print(f"{first.final['epochs']} epochs on {first.config['train_size']:,} images, one seed; "
      f"lowest mean validation error: {chosen}")
print(f"recipe used by the chapter's runs: {ch03b.RECIPE} "
      f"({'the validation choice' if chosen == ch03b.RECIPE else 'NOT the validation choice'})")
Markdown(notebook.markdown_table(
    ("recipe", "validation error, q = 0.5 (%)", "validation error, q = 1 (%)", "mean (%)"),
    [(name, f"{100 * recipe_runs[name + ', retain 0.5'].final['val_error']:.2f}",
      f"{100 * recipe_runs[name + ', retain 1.0'].final['val_error']:.2f}",
      f"{100 * mean_val[name]:.2f}") for name in recipes]))

# %% [markdown]
# *Table A. Validation error (%) of each candidate recipe, with hidden dropout
# ($q = 0.5$) and without ($q = 1$), and their mean, which picks the recipe.*

# %% [markdown]
# ## The runs
#
# Every run below is a stored record (`results/runs/`), so this cell takes seconds;
# `make reproduce` recomputes them. The test set is evaluated once, after the last
# epoch, for every final network (Figure 11 analyses some networks further).

# %%
fig4 = {label: [dt.run(c, device=env.device) for c in runs]
        for label, runs in ch03b.figure4_configs(env.budget).items()}
fig4_long = {label: [dt.run(c, device=env.device) for c in runs]
             for label, runs in ch03b.figure4_long_configs(env.budget).items()}
fig9 = {label: [dt.run(c, device=env.device) for c in runs]
        for label, runs in ch03b.figure9_configs(env.budget).items()}
length9 = {epochs: {label: [dt.run(c, device=env.device) for c in runs]
                  for label, runs in panel.items()}
           for epochs, panel in ch03b.figure9_length_panels(env.budget).items()}
full9 = {label: [dt.run(c, device=env.device) for c in runs]
         for label, runs in ch03b.figure9_full_data_configs(env.budget).items()}
noinput9 = {label: [dt.run(c, device=env.device) for c in runs]
            for label, runs in ch03b.figure9_no_input_dropout_configs(env.budget).items()}
fig9_search = {label: {r: dt.run(c, device=env.device) for r, c in grid.items()}
               for label, grid in ch03b.figure9_recipe_search_configs(env.budget).items()}
noinput9_search = {label: {r: dt.run(c, device=env.device) for r, c in grid.items()}
                   for label, grid in ch03b.figure9_recipe_search_configs(
                       env.budget, input_dropout=False).items()}
panels10 = {claim: {label: [dt.run(c, device=env.device) for c in runs]
                   for label, runs in panel.items()}
            for claim, panel in ch03b.figure10_panels(env.budget).items()}
length_panels10 = {epochs: {label: [dt.run(c, device=env.device) for c in runs]
                           for label, runs in panel.items()}
                   for epochs, panel in ch03b.figure10_length_panels(env.budget).items()}
lr10 = {claim: {lr: {label: [dt.run(c, device=env.device) for c in runs]
                     for label, runs in panel.items()}
                for lr, panel in grid.items()}
        for claim, grid in ch03b.figure10_lr_search_panels(env.budget).items()}
fig11_configs = ch03b.figure11_configs(env.budget)
fig11 = [dt.run(c, device=env.device) for c in fig11_configs]
net11 = [dt.run(c.model, device=env.device) for c in fig11_configs]
fig11_t2_configs = ch03b.figure11_table2_configs(env.budget)
fig11_t2 = [dt.run(c, device=env.device) for c in fig11_t2_configs]
net11_t2 = [dt.run(c.model, device=env.device) for c in fig11_t2_configs]
fig11_many = [dt.run(c, device=env.device)
              for c in ch03b.figure11_many_samples_configs(env.budget)]
fig11_long_configs = ch03b.figure11_long_configs(env.budget)        # none at paper
fig11_long = [dt.run(c, device=env.device) for c in fig11_long_configs]
net11_long = [dt.run(c.model, device=env.device) for c in fig11_long_configs]
fig11_t2r_configs = ch03b.figure11_small_table2_recipe_configs(env.budget)  # none at paper
fig11_t2r = [dt.run(c, device=env.device) for c in fig11_t2r_configs]
net11_t2r = [dt.run(c.model, device=env.device) for c in fig11_t2r_configs]
table10 = {label: [dt.run(c, device=env.device) for c in runs]
           for label, runs in ch03b.table10_configs(env.budget).items()}
table10_long = {label: [dt.run(c, device=env.device) for c in runs]
                for label, runs in ch03b.table10_long_configs(env.budget).items()}
table9_search = {row: {value: dt.run(c, device=env.device) for value, c in grid.items()}
                 for row, grid in ch03b.table9_search_configs(env.budget).items()}
table9 = {label: [dt.run(c, device=env.device) for c in runs]
          for label, runs in ch03b.table9_configs(env.budget).items()}
table9_long = {label: [dt.run(c, device=env.device) for c in runs]
               for label, runs in ch03b.table9_long_configs(env.budget).items()}
table9_bound = {label: [dt.run(c, device=env.device) for c in runs]
                for label, runs in ch03b.table9_long_bound_configs(env.budget).items()}
table9_long_search = {row: {c: dt.run(config, device=env.device) for c, config in grid.items()}
                      for row, grid in ch03b.table9_long_bound_search_configs(env.budget).items()}
table9_searched = {row: [dt.run(c, device=env.device) for c in runs]
                   for row, runs in ch03b.table9_long_searched_configs(
                       env.budget, ch03b.T9_LONG_CHOSEN).items()}
autoencoder_runs = {label: [dt.run(c, device=env.device) for c in runs]
                    for label, runs in ch03b.autoencoder_configs(env.budget).items()}
autoencoders = {label: runs[0] for label, runs in autoencoder_runs.items()}   # seed 0
all_runs = [*recipe_runs.values(),
            *(r for panel in (fig4, fig4_long) for runs in panel.values() for r in runs),
            *(r for panel in (fig9, *length9.values(), full9, noinput9)
              for runs in panel.values() for r in runs),
            *(r for search in (fig9_search, noinput9_search) for grid in search.values()
              for r in grid.values()),
            *(r for panel in panels10.values() for runs in panel.values() for r in runs),
            *(r for panel in length_panels10.values() for runs in panel.values() for r in runs),
            *(r for grid in lr10.values() for panel in grid.values() for runs in panel.values()
              for r in runs),
            *net11, *fig11, *net11_t2, *fig11_t2, *fig11_many, *net11_long, *fig11_long,
            *net11_t2r, *fig11_t2r,
            *(r for table in (table10, table10_long) for runs in table.values() for r in runs),
            *(r for table in (table9, table9_long, table9_bound, table9_searched)
              for runs in table.values() for r in runs),
            *(r for search in (table9_search, table9_long_search) for grid in search.values()
              for r in grid.values()),
            *(r for runs in autoencoder_runs.values() for r in runs)]
all_runs = list({r.path: r for r in all_runs}.values())    # each stored run counted once
print(f"{len(all_runs)} stored runs, "
      f"{sum(r.provenance['wall_seconds'] for r in all_runs) / 60:.0f} minutes of compute in all")


# %% tags=["hide-input"]
def pct(value: float, digits: int = 2) -> str:
    return f"{100 * value:.{digits}f}"


def pct_se(values: list[float]) -> str:
    """Mean ± standard error over seeds, in %; the mean alone for one seed."""
    mean, se = notebook.mean_se(values)
    return pct(mean) + (f" ± {pct(se)}" if len(values) > 1 else "")


def finals(runs, key: str = "test_error") -> list[float]:
    """``key`` after the last epoch, one value per seed."""
    return [r.final[key] for r in runs]


def first_runs(panel: dict) -> list:
    """The runs (one per seed) of a panel's first label; a panel is ``{label: runs}``."""
    return next(iter(panel.values()))


def updates_of(panel: dict) -> int:
    """Weight updates per network of a panel (the same for every network in it)."""
    return first_runs(panel)[0].final["updates"]


def claim(claim_id: str, where: str, metric: str, paper_value: str, our_value: str,
          status: str, seeds: int = 1, note: str = "") -> None:
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=claim_id, paper="srivastava2014dropout", where=where, metric=metric,
        paper_value=paper_value, our_value=our_value, budget=env.budget, seeds=seeds,
        status=status, chapter=CHAPTER, note=note))
    print(f"Scoreboard: {row.claim_id} -> {row.status}")


# %% [markdown]
# ## Figure 4: dropout across architectures
#
# **Paper.** Networks of 2, 3 and 4 hidden layers of 1,024 and 2,048 ReLU units, each
# trained with and without dropout (retain 0.8 at the input, 0.5 at the hidden layers)
# and otherwise identical hyperparameters, up to about a million weight updates. The test
# error of every dropout network ends well below that of every network without dropout.
#
# **Ours, in two trainings.** Both train on the 50,000 training images, evaluate the test
# error after every epoch to draw the curves (nothing is chosen from it), and give both
# members of a pair identical hyperparameters.
#
# 1. *Figure 4's schedule, all three depths.* The three 1,024-unit architectures (the
#    2,048-unit ones only at the `paper` budget), four seeds, the number of epochs
#    printed below. Both members of a pair use the previous chapter's schedule (initial
#    rate 1, momentum 0.5 → 0.99, max-norm $\sqrt{15}$ on the papers' form of dropout)
#    with the total learning-rate decay of the recipe chosen there, spread over fewer
#    epochs. Part 2's own recipe (Table A) was chosen on 256-unit networks and leaves
#    large dropout networks under-trained at this length (see Figure 10 below).
# 2. *Table 2's recipe, all three depths.* Five times as many updates: the 200 epochs
#    and the final recipe of the previous chapter's Table 2 (Appendix B.1: final
#    momentum 0.95, max-norm $c = 2$). Two of the dropout networks are runs the book
#    already has: Table 2's 3 × 1024 dropout + max-norm network and Table 10's
#    Bernoulli row below (2 × 1024, trained the same way), three seeds each. The
#    4 × 1024 dropout network is Table 2's with a fourth hidden layer; at more than an
#    hour per run on one core, its three seeds were trained over three sessions. Each
#    partner without dropout differs only in having no dropout; it keeps the max-norm
#    bound. We decided before these runs that this training gets its own scoreboard row
#    under the same rule as the first, and, before the four-layer pair had finished,
#    that this pair joins that row with the seeds it has.

# %% tags=["hide-input"]
# {training: {label: runs}}: the trainings of Figure 4 (the second one is absent at the
# `paper` budget, where Figure 4 already trains as long as the paper)
panels4 = {"Figure 4's schedule": fig4} | ({"Table 2's recipe": fig4_long} if fig4_long else {})
summary4 = {training: ch03b.figure4_summary(panel) for training, panel in panels4.items()}


fig, axes = plotting.new_axes("weight updates", "test error (%)", ncols=len(panels4),
                              figsize=(5.5 * len(panels4), 4.0))
axes = np.atleast_1d(axes)
for ax, (training, panel) in zip(axes, panels4.items()):
    for label, runs in panel.items():
        per_epoch = runs[0].final["updates"] / runs[0].final["epochs"]
        depth = int(label.split(" x ")[0])
        curve = np.mean([r.history["test_error"] for r in runs], axis=0)   # mean over seeds
        ax.plot([per_epoch * e for e in runs[0].history["epoch"]], 100 * curve, label=label,
                color=f"C{depth - 2}", ls="-" if label.endswith(", dropout") else "--")
    ax.set_xscale("log")
    ax.set_ylim(0.9, 3.0)
    ax.set_title(f"{training}, {updates_of(panel):,} updates")
    ax.legend(loc="upper right", fontsize="small")
for ax in axes:                                   # one update axis for both trainings
    ax.set_xlim(min(a.get_xlim()[0] for a in axes), max(a.get_xlim()[1] for a in axes))
plt.show()

# %% [markdown]
# *Figure A. Test error (%) against weight updates (log scale) for every architecture
# with dropout (solid) and without (dashed), mean over the seeds, in each training
# (left: Figure 4's schedule; right, at the `cpu` budget: Table 2's recipe). Drawn after
# Srivastava et al.'s Figure 4.*

# %% tags=["hide-input"]
for training, panel in panels4.items():
    run4 = first_runs(panel)[0]
    n_seeds = sorted({len(runs) for runs in panel.values()})   # per network
    print(f"{training}: {run4.final['epochs']} epochs, {run4.final['updates']:,} weight "
          f"updates per network, {' or '.join(map(str, n_seeds))} seed(s)")
Markdown(notebook.markdown_table(
    ("training", "architecture", "no dropout: test error (%)", "dropout: test error (%)",
     "gain of dropout (points)", "no dropout: validation (%)", "dropout: validation (%)"),
    [(f"{training}, {updates_of(panel):,} updates", arch,
      *(pct_se(values) for values in summary4[training]["pairs"][arch].values()),
      pct_se(finals(panel[f"{arch}, no dropout"], "val_error")),
      pct_se(finals(panel[f"{arch}, dropout"], "val_error")))
     for training, panel in panels4.items() for arch in summary4[training]["pairs"]]))

# %% [markdown]
# *Table B. Final test and validation error (%) of Figure 4's networks after the last
# epoch, and the gain of dropout (test error without minus with, paired by seed): mean
# ± standard error over the seeds, for each training.*
#
# **Paper vs ours (Figure 4's schedule).** With four seeds, dropout lowers the mean test
# error at every depth (Table B): by about 0.11 points with two hidden layers, 0.04 with
# three and 0.07 with four. Each gain is only one to two standard errors, so none is
# resolved on its own. On the validation set the gap is wider, 0.14 to 0.18 points at
# every depth, and there every dropout network is below every network without dropout.
# On the test set the paper's stronger statement does not hold: the four-layer dropout
# network (1.52 %) ends above the best network without dropout, the three-layer one
# (1.44 %). We added the fourth seed because this claim compares means of different
# networks; it narrowed the gains and left the status unchanged. The networks without
# dropout fit their training set exactly and are flat over their last ten epochs, while
# the dropout networks still misclassify about 0.1 % of their training images and their
# test errors still move by a tenth of a point or more when our 20,000 updates end,
# about a fiftieth of the paper's (printed below).
#
# **Paper vs ours (Table 2's recipe).** With five times as many updates the two clusters
# of Figure A separate, as in the paper: every dropout network ends below every network
# without dropout (Table B). The worst dropout network (2 × 1024, 1.20 %) ends 0.21
# points below the best network without dropout (3 × 1024, 1.41 %). Paired by seed,
# dropout gains 0.29 ± 0.03 points with two hidden layers and 0.28 ± 0.06 with three,
# against 0.11 and 0.04 in the shorter training; on the validation set the gaps are 0.31
# and 0.37 points. The four-layer pair, the one that failed in the shorter training,
# now behaves like the others: its dropout network ends at 1.18 % against 1.52 %
# without dropout, a gain of 0.34 ± 0.04 points (validation: 1.28 against 1.54 %). The
# extra updates go to the dropout networks. Between the two trainings their test errors
# fall by 0.14, 0.26 and 0.34 points (two, three and four layers; the shorter training
# has four seeds, this one three), while the networks without dropout stay within 0.03
# points of where they were (the four-layer one falls by 0.07, from 1.59 to 1.52 %): they
# fit their training set exactly and are flat over their last ten epochs (printed
# below). Length is not the only change between the trainings: they
# also differ in final momentum and max-norm bound (Appendix B.1's 0.95 and $c = 2$
# against 0.99 and $\sqrt{15}$). This row covers the paper's three 1,024-unit
# architectures.

# %% tags=["hide-input"]
# {training: (scoreboard row, what it covers)}
CLAIMS4 = {"Figure 4's schedule": ("srivastava2014-fig4-every-architecture",
                                   "1024-unit networks only"),
           "Table 2's recipe": ("srivastava2014-fig4-every-architecture-table2-recipe",
                                "1024-unit networks only, Table 2's recipe (Appendix B.1)")}
for training, panel in panels4.items():
    sm, (claim_id, scope) = summary4[training], CLAIMS4[training]
    print(f"{training}: dropout lowers the mean error in {sm['pairs_hold']} of "
          f"{len(sm['pairs'])} architectures; worst dropout network {pct(sm['worst_dropout'])} "
          f"%, best network without dropout {pct(sm['best_plain'])} % (means over seeds)")
    for kind in ("no dropout", "dropout"):
        runs = [r for label, rs in panel.items() if label.endswith(f", {kind}") for r in rs]
        moves = [max(r.history["test_error"][-10:]) - min(r.history["test_error"][-10:])
                 for r in runs]
        print(f"  {kind:10s}: test error range over the last 10 epochs {pct(min(moves))} to "
              f"{pct(max(moves))} points; training error after the last epoch "
              f"{pct(min(finals(runs, 'train_error')))} to "
              f"{pct(max(finals(runs, 'train_error')))} %")
    claim(claim_id, "Figure 4",
          "final test error: every dropout network below every network without dropout",
          "every dropout curve ends below every no-dropout curve",
          f"worst with dropout {pct(sm['worst_dropout'])} % vs best without "
          f"{pct(sm['best_plain'])} %; {sm['pairs_hold']}/{len(sm['pairs'])} pairs (gains "
          + ", ".join(pct_se(p["gain"]) for p in sm["pairs"].values()) + " points)",
          sm["status"], seeds=min(len(runs) for runs in panel.values()),
          note=f"{scope}, {updates_of(panel):,} updates instead of about 10^6; means "
               "over seeds; 'direction only' when each pair's mean gain is positive but not "
               "every dropout network beats every plain one")

# %% [markdown]
# ## Figure 9: the retain probability
#
# **Paper.** A 784-2048-2048-2048-10 network trained on all 50,000 images, the retain
# probability $q$ of the hidden units varied from 0.1 to 1. (a) With $n$ fixed, a small
# $q$ underfits, the test error is flat for $0.4 \le q \le 0.8$ and rises towards
# $q = 1$. (b) With $qn$ fixed (so a small $q$ gets more units), a small $q$ hurts much
# less: at $q = 0.1$ the error falls from 2.7 % (a) to 1.7 % (b), and $q \approx 0.6$ is
# best, with 0.5 close.
#
# **Ours.** A 784-1024-1024-10 network (a), half the paper's width, and 784-$n$-$n$-10
# with $n = \mathrm{round}(128/q)$ (b), trained on the first 10,000 training images for
# the epochs below, input retain probability 0.8 in every run, three seeds. The ratio
# $qn/n = 128/1024 = 1/8$ is the paper's $256/2048$. One difference we found only after
# these runs: the paper used no input dropout in this experiment (so say our notes and a
# section-by-section summary of the paper; we have not checked the paper itself). Our
# networks keep the input dropout of the rest of the chapter; the figure without it
# comes after the tests of the small-$q$ step below. A first version of this
# section used networks four times narrower (256 units in (a), $qn = 64$ in (b)); there
# the $q = 0.1$ networks did not train at all, and in (b) the error kept falling up to
# $q = 0.9$ (its runs are in the project's history).
#
# **Learning rate per network.** The chapter's recipe was chosen at $q = 0.5$ and
# $q = 1$. Inverted dropout multiplies the kept units by $1/q$, so the same learning
# rate takes larger steps at small $q$. So every network of Figure 9 also tries the
# recipe's lower candidate rate, $\epsilon_0 = 0.01$ (seed 0, scored on the validation
# set). The recipe's rate, 0.03, stays unless 0.01 beats it by more than one binomial
# standard error of the validation error (about 0.17 points at 3 %).

# %%
choice9 = {label: mnist_papers.chosen_on_validation(grid, prefer=ch03b.RECIPE)
           for label, grid in fig9_search.items()}
print("networks whose learning rate is not the recipe's: "
      + (", ".join(f"{label} ({r})" for label, r in choice9.items() if r != ch03b.RECIPE)
         or "none"))
print("the runs below use these choices: "
      + ("yes" if all(ch03b.FIG9_CHOSEN.get(label, ch03b.RECIPE) == r
                      for label, r in choice9.items()) else "NO"))
print("validation error (%) of seed 0 with learning rate 0.01 / 0.03:")
for q in ch03b.retain_values(env.budget):
    print(f"  q = {q:.1f}: " + "; ".join(
        f"({panel}) " + " / ".join(pct(fig9_search[f"({panel}) retain {q:.1f}"][r]
                                       .final["val_error"]) for r in ch03b.FIG9_RECIPES)
        for panel in "ab"))

# %%
retains = ch03b.retain_values(env.budget)


def fig9_runs(panel: str, q: float, panels: dict | None = None) -> list:
    return (fig9 if panels is None else panels)[f"({panel}) retain {q:.1f}"]


def fig9_stats(panels: dict) -> dict:
    """Per panel ("a", "b"), one value per retain probability: mean test error ``err``,
    its standard error ``se`` and mean validation error ``val`` over seeds."""
    out = {}
    for panel in "ab":
        test = [notebook.mean_se(finals(fig9_runs(panel, q, panels))) for q in retains]
        val = [notebook.mean_se(finals(fig9_runs(panel, q, panels), "val_error"))[0]
               for q in retains]
        out[panel] = {"err": [m for m, _ in test], "se": [se for _, se in test], "val": val}
    return out


def fig9_table(panels: dict) -> Markdown:
    """Test and training error of every network of one version of Figure 9."""
    return Markdown(notebook.markdown_table(
        ("q (retain)", "n (a)", "test error (a) (%)", "train error (a) (%)", "n (b)",
         "test error (b) (%)", "train error (b) (%)"),
        [(f"{q:.1f}", *(cell for panel in "ab" for cell in (
            fig9_runs(panel, q, panels)[0].config["sizes"][1],
            pct_se(finals(fig9_runs(panel, q, panels))),
            pct_se(finals(fig9_runs(panel, q, panels), "train_error"))))) for q in retains]))


stats9 = fig9_stats(fig9)
run9 = fig9_runs("a", retains[0])[0]
n_seeds_9 = min(len(runs) for runs in fig9.values())
print(f"{run9.final['epochs']} epochs, {run9.final['updates']:,} weight updates per run, "
      f"{n_seeds_9} seeds")
fig9_table(fig9)

# %% [markdown]
# *Table C. Test and training error (%) of every network of Figure 9 (mean ± standard
# error over seeds).*

# %% tags=["hide-input"]
def plot_fig9(panels: dict, stats: dict) -> None:
    """Figure 9's two panels: test error (mean ± s.e.) and validation error against q."""
    fig, axes = plotting.new_axes("retain probability q of the hidden units", "error (%)",
                                  ncols=2, figsize=(10, 3.6))
    n_fixed = fig9_runs("a", retains[0], panels)[0].config["sizes"][1]
    pn_fixed = round(retains[0] * fig9_runs("b", retains[0], panels)[0].config["sizes"][1])
    for ax, panel, title in zip(axes, "ab", (f"(a) n = {n_fixed} fixed",
                                             f"(b) qn = {pn_fixed} fixed")):
        ax.errorbar(retains, [100 * e for e in stats[panel]["err"]],
                    [100 * e for e in stats[panel]["se"]], fmt="o-", capsize=3,
                    label="test (mean ± s.e.)")
        ax.plot(retains, [100 * e for e in stats[panel]["val"]], "s--", alpha=0.6,
                label="validation")
        ax.set_title(title)
        ax.set_yscale("log")
        for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
            axis(plt.FuncFormatter(lambda v, _: f"{v:g}"))    # every tick: under a decade
        ax.legend()
    plt.show()


plot_fig9(fig9, stats9)

# %% [markdown]
# *Figure B. Test error (mean ± standard error over seeds) and mean validation error (%,
# log scale) against the retain probability $q$ of the hidden units: (a) 1,024 units per
# layer, (b) $\mathrm{round}(128/q)$ units per layer. Drawn after Srivastava et al.'s
# Figure 9.*

# %% tags=["hide-input"]
def claim_fig9_plateau(claim_id: str, stats: dict, seeds: int, note: str) -> None:
    """Panel (a)'s shape, read by ``figure9_reading``: flat for 0.4 <= q <= 0.8 (a spread
    of at most 0.5 points) and higher at both ends."""
    a_err = stats["a"]["err"]
    read = ch03b.figure9_reading(retains, a_err, stats["b"]["val"])
    spread, best_plateau = read["spread"], read["best_plateau"]
    print(f"(a) spread of the test error over 0.4 <= q <= 0.8: {pct(spread)} points; "
          f"q = {retains[0]:.1f}: {pct(a_err[0])} %, q = {retains[-1]:.1f}: "
          f"{pct(a_err[-1])} %, best in the plateau: {pct(best_plateau)} %")
    claim(claim_id, "Figure 9a",
          "test error vs retain q, n fixed: flat for 0.4 <= q <= 0.8, higher at both ends",
          "flat for 0.4 <= q <= 0.8; small q underfits; rises towards q = 1",
          f"spread {pct(spread)} points over 0.4-0.8; q=0.1: {pct(a_err[0])} %, "
          f"q=1: {pct(a_err[-1])} %, plateau best {pct(best_plateau)} %",
          read["plateau_status"], seeds=seeds, note=note)


def claim_fig9b(claim_ids: tuple[str, str], stats: dict, seeds: int, note: str) -> None:
    """Panel (b): the step at the smallest q (``claim_ids[0]``, read against the paper's
    1.7 %) and the q of lowest mean validation error (``claim_ids[1]``)."""
    a, b = stats["a"], stats["b"]
    status = scoreboard.status_for(100 * b["err"][0], 0.0, paper=1.7, tolerance=0.3,
                                   direction_holds=b["err"][0] < a["err"][0])
    gap_se = (a["se"][0] ** 2 + b["se"][0] ** 2) ** 0.5     # s.e. of the difference
    resolved = a["err"][0] - b["err"][0] > gap_se
    print(f"q = {retains[0]:.1f}: {pct(a['err'][0])} ± {pct(a['se'][0])} % with n fixed -> "
          f"{pct(b['err'][0])} ± {pct(b['se'][0])} % with qn fixed (paper: 2.7 % -> 1.7 %); "
          f"difference {'larger' if resolved else 'smaller'} than its standard error "
          f"({pct(gap_se)} points)")
    claim(claim_ids[0], "Figure 9b",
          "test error (%) at retain q = 0.1: n fixed -> qn fixed", "2.7 -> 1.7",
          f"{pct(a['err'][0])} -> {pct(b['err'][0])}", status, seeds=seeds,
          note="mean test error over seeds; reduced networks on 10,000 images: absolute "
               "errors are not comparable" + note + ("" if resolved else
                                                     f"; the difference is within its "
                                                     f"standard error ({pct(gap_se)} points)"))
    read = ch03b.figure9_reading(retains, a["err"], b["val"])
    q_best = read["best_q"]
    print(f"(b) lowest mean validation error at q = {q_best:.1f} "
          f"(test error there {pct(b['err'][retains.index(q_best)])} %)")
    claim(claim_ids[1], "Figure 9b", "retain q with the lowest error, qn fixed",
          "q ≈ 0.6 best, 0.5 close", f"q = {q_best:.1f} (chosen on validation)",
          read["best_q_status"], seeds=seeds,
          note="lowest mean validation error over seeds" + note)


claim_fig9_plateau("srivastava2014-fig9a-plateau", stats9, n_seeds_9,
                   "mean test error over seeds; 784-1024-1024-10 on 10,000 images instead "
                   "of 3x2048 on 50,000; 'flat' read as a spread of at most 0.5 points")

# %% tags=["hide-input"]
claim_fig9b(("srivastava2014-fig9b-small-q", "srivastava2014-fig9b-best-q"), stats9,
            n_seeds_9, "")

# %% [markdown]
# **Paper vs ours (Figure 9).** At the `cpu` budget panel (a) has the paper's shape
# (three seeds, Table C). From $q = 0.4$ to $q = 0.8$ the mean test error stays within
# about 0.2 points, a small $q$ underfits, and the error rises again at $q = 1$. That
# rise is small, though: about 0.1 points above the lowest mean, close to one standard
# error. So the scoreboard's "reproduced" rests on the flat stretch and the small-$q$
# end more than on the $q = 1$ end.
#
# At $q = 0.1$ the recipe's learning rate fails: with 0.03 the seed-0 networks end at
# 22 to 25 % validation error (printed above). With 0.01, which validation chose for
# $q \le 0.2$ in both panels, they train. Fixing $qn$ then helps at $q = 0.1$, by about
# 0.4 points with a standard error of 0.05 (printed above). That is the direction of the
# paper's 2.7 % → 1.7 %, but a far smaller step. Our $q = 0.1$ networks still underfit
# after 4,000 updates, with training errors above 4 % (Table C).
#
# In panel (b) the validation and test errors now bottom out at an intermediate $q$
# ($q = 0.7$; the paper has $q \approx 0.6$, with 0.5 close), and they rise on both
# sides. In the first, four times narrower version the error kept falling up to
# $q = 0.9$. For $q \ge 0.3$ width is the only change between the two versions, so it
# is the likely cause, though we tried no other width. Panel (b)'s networks are narrower than panel
# (a)'s for every $q \ge 0.2$ (for example 213 units at $q = 0.6$), so panel (b) stays
# above panel (a) everywhere except at $q = 0.1$.
#
# **Training longer at $q = 0.1$.** If underfitting is why fixing $qn$ helps so little
# at $q = 0.1$, longer training should widen the step. So both panels' $q = 0.1$
# networks also train for the number of epochs printed below instead of 40 (three seeds,
# the same learning rate, still decaying to a tenth over the run). We decided before
# these runs that they test the explanation only: the scoreboard row above stays the
# one at the figure's own length.

# %% tags=["hide-input"]
q_small = retains[0]


def step_at_small_q(panels: dict) -> str:
    """One line per training: the q = 0.1 test (training) errors of both panels and the
    step (a) - (b), with the standard error of a difference of two independent means."""
    runs = {panel: panels[f"({panel}) retain {q_small:.1f}"] for panel in "ab"}
    (ma, sa), (mb, sb) = (notebook.mean_se(finals(runs[panel])) for panel in "ab")
    first = runs["a"][0].final
    return (f"{first['epochs']:>4} epochs ({first['updates']:,} updates): "
            + "; ".join(f"({panel}) {pct_se(finals(runs[panel]))} % "
                        f"(train {pct_se(finals(runs[panel], 'train_error'))} %)"
                        for panel in "ab")
            + f"; step (a) - (b) {pct(ma - mb)} ± {pct((sa ** 2 + sb ** 2) ** 0.5)} points")


print(f"q = {q_small:.1f}, mean ± s.e. over seeds (paper: 2.7 % -> 1.7 %, a step of 1.0):")
for panels in (fig9, *length9.values()):
    print("  " + step_at_small_q(panels))

# %% [markdown]
# Four times as many updates lower the $q = 0.1$ test errors of both panels by about one
# point and halve their training errors (printed above), but the step does not widen:
# 0.34 ± 0.09 points after 160 epochs against 0.39 ± 0.05 after 40, where the paper has
# 1.0. So over this range, training length does not explain the small step. The
# networks still misclassify about 2 % of their training images, so much longer training
# might. The other differences from the paper are half its width, a fifth of its
# training images (tested next) and two hidden layers instead of three.
#
# **All 50,000 training images at $q = 0.1$.** The paper trained on all 50,000
# images; ours on the first 10,000. So both panels' $q = 0.1$ networks also train on all
# 50,000 images, for the figure's 40 epochs (five times the updates of the figure's
# runs, close to the 160-epoch runs above), three seeds, with the learning rate chosen
# on 10,000 images. As for training length, we decided before these runs that they test
# the explanation only; the scoreboard row stays the one above.

# %% tags=["hide-input"]
if full9:        # none at the `paper` budget, whose Figure 9 trains on every image
    print(f"q = {q_small:.1f}, all 50,000 training images, mean ± s.e. over seeds "
          f"(paper: a step of 1.0):")
    print("  " + step_at_small_q(full9))

# %% [markdown]
# On all 50,000 images both panels' $q = 0.1$ test errors fall by 1.3 to 1.4 points
# against the figure's runs (printed above), more than four times as many updates on
# 10,000 images achieved (about one point). The step stays where it was: 0.43 ± 0.15
# points, against 0.39 ± 0.05 on 10,000 images and the paper's 1.0. The training errors
# stay above 4 %: with a tenth of their units at work, these networks still underfit
# after 20,000 updates. So over the ranges we tried, neither the training length nor
# the size of the training set explains the small step. The differences left are the
# networks' width (half the paper's), their depth (two hidden layers instead of three)
# and much longer training.

# **Without input dropout at $q = 0.1$.** After these runs we found that the paper's
# Figure 9 has no input dropout, where ours keep the input's retain probability 0.8
# (see "Ours" above). Dropping a fifth of the pixels adds noise to networks that already
# underfit, and in both panels alike, so it might hide part of the step. Both panels'
# $q = 0.1$ networks therefore train once more without input dropout, everything else
# as in the figure's runs (10,000 images, 40 epochs, the same learning rate, three
# seeds). As before, we decided before these runs that they test the explanation only:
# the scoreboard row stays the one above. If the input dropout explains the small step,
# the step should grow towards the paper's 1.0 point.

# %% tags=["hide-input"]
if noinput9:     # none at the `paper` budget, whose Figure 9 has no input dropout
    print(f"q = {q_small:.1f}, no input dropout, mean ± s.e. over seeds "
          f"(paper: a step of 1.0):")
    print("  " + step_at_small_q(noinput9))

# %% [markdown]
# Without input dropout both panels' $q = 0.1$ networks do better (printed above): their
# test errors fall by about 0.6 points (6.01 and 5.48 %, against 6.54 and 6.15 %) and
# their training errors by about one point. The step grows from 0.39 ± 0.05 to
# 0.52 ± 0.06 points. That rise of 0.13 points is under two standard errors of the
# difference, and the step is still about half the paper's 1.0. So the input dropout
# explains a part of the small step at most. The paper's width and depth, and much
# longer training, remain untested.
#
# **The whole figure without input dropout.** To see the figure in the paper's setting,
# both panels were then trained at every $q$ without input dropout: three seeds, 40
# epochs on the same 10,000 images. The rule, fixed before these runs: the three Figure
# 9 rows are read on them by the same rules as above, as rows of their own (ending
# `-no-input`); the rows above stay as they are.
#
# A first version of these runs kept each network's learning rate from the search with
# input dropout. We then repeated the search without it (seed 0, both rates, the same
# rule), and decided before its runs that the rows are read on each network at its own
# chosen rate. The choice is printed below; networks whose rate changed were trained
# again with seeds 1 and 2.

# %% tags=["hide-input"]
choice9_noinput = {label: mnist_papers.chosen_on_validation(grid, prefer=ch03b.RECIPE)
                   for label, grid in noinput9_search.items()}
if noinput9_search:
    changed = {label: r for label, r in choice9_noinput.items()
               if r != ch03b.FIG9_CHOSEN.get(label, ch03b.RECIPE)}
    print("without input dropout, networks whose choice differs from the one with it: "
          + (", ".join(f"{label} ({r})" for label, r in changed.items()) or "none"))
    print("the runs below use these choices: "
          + ("yes" if all(ch03b.FIG9_NOINPUT_CHOSEN.get(label, ch03b.RECIPE) == r
                          for label, r in choice9_noinput.items()) else "NO"))

# %% tags=["hide-input"]
if noinput9:     # none at the `paper` budget, whose Figure 9 has no input dropout
    stats9_noinput = fig9_stats(noinput9)
    plot_fig9(noinput9, stats9_noinput)
    display(fig9_table(noinput9))

# %% [markdown]
# *Figure B2 and Table C2. Figure 9 without input dropout: test error (mean ± standard
# error over seeds) and mean validation error (%, log scale) against $q$, and every
# network's test and training error (%), as in Figure B and Table C.*

# %% tags=["hide-input"]
if noinput9:
    n_seeds_9n = min(len(runs) for runs in noinput9.values())
    without = "; no input dropout (the paper's setting), learning rates chosen without it"
    claim_fig9_plateau("srivastava2014-fig9a-plateau-no-input", stats9_noinput, n_seeds_9n,
                       "mean test error over seeds; 784-1024-1024-10 on 10,000 images "
                       "instead of 3x2048 on 50,000; 'flat' read as a spread of at most "
                       "0.5 points" + without)
    claim_fig9b(("srivastava2014-fig9b-small-q-no-input",
                 "srivastava2014-fig9b-best-q-no-input"), stats9_noinput, n_seeds_9n, without)
    print("test error without input dropout minus with it (points), per q:")
    for panel in "ab":
        print(f"  ({panel}) " + ", ".join(
            f"{q:.1f}: {pct(n - w)}" for q, n, w in zip(
                retains, stats9_noinput[panel]["err"], stats9[panel]["err"])))

# %% [markdown]
# **What the paper's setting shows.** Without input dropout the figure keeps the
# paper's shape, and two of its three rows come closer to the paper (Figure B2, Table
# C2):
#
# - **Panel (a): reproduced.** The test error is lowest at $q = 0.4$ and 0.5 (3.2 %),
#   stays within 0.4 points up to $q = 0.8$, and rises steadily to 3.95 % at $q = 1$.
#   That end is now 0.7 points above the best, where with input dropout it was 0.1.
#   The middle is less flat than before (a spread of 0.40 points against 0.17); the
#   rule allows 0.5.
# - **Panel (b), best $q$: reproduced.** Validation picks $q = 0.6$, the paper's best
#   (with input dropout it picked 0.7). On the test set 0.5, 0.6 and 0.7 lie within
#   0.07 points, as the paper's "0.5 is close".
# - **Panel (b), $q = 0.1$: direction only**, as before. The step is 0.53 points,
#   about half the paper's, and the absolute errors of reduced networks on 10,000
#   images are far from the paper's.
#
# Every network with $q \ge 0.4$ does worse without input dropout, by 0.2 to 1.1
# points, and broadly the more of its hidden units a network keeps, the more it loses
# (printed above). On 10,000 images the input dropout is a strong regularizer, most of
# all for networks with little hidden dropout. At $q = 0.1$ the networks do better
# without it, by 0.5 to 0.7 points, and at $q = 0.2$ and 0.3 the two settings differ by
# about 0.2 points or less. So the input dropout mostly sets the level of the curves and how
# flat their $q = 1$ end is; it does not make or break the figure's shape. The search
# without input dropout chose the same learning rate for every network as the search
# with it (printed above), so no network was trained again.


# %% [markdown]
# ## Figure 10: the size of the training set
#
# **Paper.** Training sets of 100, 500, 1,000, 5,000, 10,000 and 50,000 random MNIST
# images, the same network and dropout rates for every size (retain 0.8 input, 0.5
# hidden). Dropout gives no improvement at 100 and 500 images, large gains at
# intermediate sizes and smaller gains at the largest: a "sweet spot".
#
# **Ours.** The first $N$ training images, three seeds, two networks, each trained with
# and without dropout:
#
# - the *reduced* network, 784-256-256-10;
# - the *paper's* network, 784-1024-1024-2048-10, the network of the paper's Figure 10
#   as our notes and two secondary sources give it (a section-by-section summary of the
#   paper and another group's reproduction code; we have not checked the paper
#   itself). It has about 15 times as many weights. We added it to test our
#   explanation of the reduced network's result at 100 and 500 images (below).
#   Everything else is the same.
#
# Every run makes the same number of weight updates: each training set is repeated
# (tiled) to 50,000 images per epoch, so an epoch is 500 updates whatever $N$. In the
# first two panels only the dropout networks have the max-norm bound ($c = \sqrt{15}$);
# without dropout the network is unconstrained, as in the previous chapter. Two more
# panels repeat both networks with the bound on both (below).

# %%
def network_name(panel: dict) -> str:
    return "-".join(map(str, first_runs(panel)[0].config["sizes"]))


def plain_bound(panel: dict) -> float | None:
    """The max-norm bound of a Figure 10 panel's networks without dropout (its first
    runs), None when they are unconstrained."""
    return first_runs(panel)[0].config["train"]["max_norm"]


def panel_name(panel: dict) -> str:
    """The network, and whether the networks without dropout have the max-norm bound too."""
    bound = plain_bound(panel)
    return network_name(panel) + ("" if bound is None else f", bound c = {bound:.3g} on both")


def figure10_rows(panel: dict, sm: dict) -> list[tuple]:
    """Table D's rows of one panel: (panel, updates, size, errors...) per size."""
    updates = updates_of(panel)
    return [(panel_name(panel), updates, n, pct_se(sm["errors"]["no dropout"][i]),
             pct_se(sm["errors"]["dropout"][i]), pct_se(sm["gains"][i]),
             pct_se(finals(panel[f"no dropout, {n}"], "train_error")),
             pct_se(finals(panel[f"dropout, {n}"], "train_error")))
            for i, n in enumerate(sm["sizes"])]


summary10 = {key: ch03b.figure10_summary(panel) for key, panel in panels10.items()}
length_summary10 = {updates_of(panel): ch03b.figure10_summary(panel)
                    for panel in length_panels10.values()}
run10 = next(iter(next(iter(panels10.values())).values()))[0]
paper_net10 = "-".join(map(str, ch03b.FIG10_PAPER_NET))
n_seeds10 = min(len(runs) for panel in panels10.values() for runs in panel.values())
print(f"{run10.final['updates']:,} weight updates per run "
      f"({run10.final['epochs']} epochs of {run10.config['epoch_size']:,} examples), "
      f"{n_seeds10} seeds per point; training-length test: "
      f"{', '.join(f'{u:,}' for u in length_summary10)} updates")
network_order = [panel_name(panel) for panel in panels10.values()]
rows10 = sorted([row for panel, sm in zip([*panels10.values(), *length_panels10.values()],
                                          [*summary10.values(), *length_summary10.values()])
                 for row in figure10_rows(panel, sm)],
                key=lambda row: (network_order.index(row[0]), row[2], row[1]))
Markdown(notebook.markdown_table(
    ("network", "weight updates", "training images", "no dropout (%)", "dropout (%)",
     "gain (points)", "train error, no dropout (%)", "train error, dropout (%)"),
    [(net, f"{updates:,}", f"{n:,}", *rest) for net, updates, n, *rest in rows10]))

# %% [markdown]
# *Table D. Test error (%) with and without dropout for each network, number of weight
# updates and training-set size, the gain of dropout (no dropout minus dropout, in
# percentage points, paired by seed), and the training errors on the $N$ distinct
# training images; mean ± standard error over seeds. Figure 10's panels make the same
# number of updates at every size; the other numbers of updates are the training-length
# test at 100 and 500 images.*

# %% tags=["hide-input"]
networks10 = {}        # network -> {curve label: (sizes, per-size test errors per seed)}
for panel, sm in zip(panels10.values(), summary10.values()):
    bound = plain_bound(panel)
    curves = networks10.setdefault(network_name(panel), {})
    plain = "no dropout" if bound is None else f"no dropout, max-norm c = {bound:.3g}"
    curves[plain] = (sm["sizes"], sm["errors"]["no dropout"])
    curves[f"dropout, max-norm c = {ch03b.max_norm_for(env.budget):.3g}"] = (
        sm["sizes"], sm["errors"]["dropout"])
fig, axes = plotting.new_axes("training images N (log scale)", "test error (%)",
                              ncols=len(networks10), figsize=(5.5 * len(networks10), 4))
for ax, (net, curves) in zip(np.atleast_1d(axes), networks10.items()):
    for (label, (sizes, errors)), marker in zip(curves.items(), ("o-", "s-", "^--")):
        ax.errorbar(sizes, [100 * notebook.mean_se(v)[0] for v in errors],
                    yerr=[100 * notebook.mean_se(v)[1] for v in errors],
                    capsize=3, fmt=marker, label=label)
    ax.set(xscale="log", yscale="log", title=net)
    for axis in (ax.yaxis.set_major_formatter, ax.yaxis.set_minor_formatter):
        axis(plt.FuncFormatter(lambda v, _: f"{v:g}" if str(v)[0] in "1235" else ""))
    ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# *Figure C. Test error (%, log scale) against the number of training images (log
# scale), with and without dropout, for each network; without dropout both
# unconstrained and with the dropout networks' max-norm bound; the same number of
# weight updates for every point; mean over seeds, bars ± one standard error.
# Drawn after Srivastava et al.'s Figure 10.*

# %% tags=["hide-input"]
for (claim_id, panel), sm in zip(panels10.items(), summary10.values()):
    net = network_name(panel)
    gains = ", ".join(f"{n:,}: {pct(g)}" for n, g in zip(sm["sizes"], sm["mean_gain"]))
    print(f"{panel_name(panel)}: gain of dropout (points) {gains}")
    claim(claim_id, "Figure 10",
          f"gain of dropout (points) vs training-set size, {panel_name(panel)}",
          "none at 100 and 500; largest at intermediate sizes; smaller at 50k", gains,
          sm["status"], seeds=n_seeds10,
          note=f"a fixed {run10.final['updates']:,} updates per size; mean gain over "
               f"{n_seeds10} seeds" + ("; the paper's network per secondary sources, unchecked"
                                       if net == paper_net10 else ""))
for claim_id, panel in panels10.items():      # the same-bound panels against their bases
    if claim_id.endswith("-same-bound"):
        base = panels10[claim_id.removesuffix("-same-bound")]
        same = all(a.history["val_error"] == b.history["val_error"]
                   for label, runs in panel.items() if label.startswith("no dropout")
                   for a, b in zip(runs, base[label], strict=True))
        print(f"{panel_name(panel)}: every network without dropout has the same validation "
              f"error after every epoch as without the bound: {'yes' if same else 'no'}")
if length_summary10:                 # the training-length test (not at the paper budget)
    wide = summary10["srivastava2014-fig10-sweet-spot-paper-net"]
    small = next(iter(length_summary10.values()))["sizes"]
    net = network_name(next(iter(length_panels10.values())))
    for u, sm in sorted({**length_summary10, run10.final["updates"]: wide}.items()):
        gains = ", ".join(f"{n:,}: {pct(g)}" for n, g in zip(sm["sizes"], sm["mean_gain"])
                          if n in small)
        print(f"{net}, {u:,} updates: gain of dropout (points) {gains}")

# %% [markdown]
# **Paper vs ours (Figure 10).** With the reduced network the gain of dropout,
# averaged over three seeds, peaks at an intermediate size, 1,000 images, and falls on
# both sides of it, steeply towards the large training sets: at 50,000 images dropout
# is worse than no dropout (Table D). The paper's small end does not hold: at 100 and
# 500 images dropout still helps by about 4 points, where the paper saw no gain. That
# row is **direction only**.
#
# We had suspected the reduced network: dropout's noise might help a 256-unit network
# where the paper's larger network could not be rescued. The second panel tests this
# with the paper's network (as our secondary sources give it), and the suspicion does
# not survive. At 100 images the larger network without dropout is worse than the
# reduced one (39.31 against 34.12 %), while with dropout the two are close (30.81 and
# 30.24 %). So the
# gain of dropout grows to 8.50 points, the largest at any size, and the shape the
# paper reports is gone: that row is **not reproduced**. From 500 images up the two
# networks agree: their gains differ by at most 0.35 points at every size, and both
# lose at 50,000 images.
#
# One difference from the paper remained: training length. We do not know how many
# updates the paper gave these networks. Our 4,000 are too few for the dropout networks
# at 50,000 images, which still make 1.1 to 1.9 % training errors, while the networks
# without dropout have nearly fitted their training set. At 100 and 500 images we
# therefore trained the paper's network again with a quarter of the updates (1,000) and
# with four times as many (16,000); the learning rate still decays to a tenth over each
# run. Every one of these networks fits its training set, and the gains hardly move
# (printed above; Table D):
#
# - at 100 images, 8.45, 8.50 and 8.15 points with 1,000, 4,000 and 16,000 updates;
# - at 500 images, 3.93, 4.18 and 4.67 points.
#
# Over this factor of 16, training length does not bring back the paper's small end.
#
# **The same bound on both networks.** One difference between our networks with and
# without dropout is not dropout: only the dropout network has the max-norm bound. The
# paper does not say (in our sources) whether its networks without dropout had one. At
# 100 images an unconstrained network is free to grow large weights from 100 examples,
# and the bound may be what helps there. Two more panels train both networks without
# dropout again, with the dropout networks' bound $c = \sqrt{15}$, at every size, three
# seeds, 4,000 updates; their dropout runs are the first two panels'. Now the two
# networks of each pair differ only in dropout. We fixed the reading before these runs:
# the same rule as for the first two panels, on scoreboard rows of their own (the rows
# above keep their comparison). If the bound explains our gain at 100 and 500 images,
# the gain there should shrink towards zero.
#
# **What the same bound shows.** Nothing changes: every network without dropout trained
# with the bound has the same validation error after every epoch, and the same test
# error, as the unconstrained one, at every size, seed and on both networks (printed
# above; Table D). The bound never came into play: had it shortened a single weight
# vector even once, the runs would have parted. With this chapter's SGD recipe and
# 4,000 updates, no unit of a network without dropout grows incoming weights longer
# than $c \approx 3.87$. So the same-bound rows read exactly as the rows above
# (direction only for the reduced network, not reproduced for the paper's), and our
# gain at 100 and 500 images is dropout's own, at this learning rate. The next section
# varies the rate.

# %% [markdown]
# ### The learning rate of each network
#
# One difference is left between the two networks of a pair that is not dropout: the
# learning rate. Every run of Figure 10 uses this chapter's recipe, initial rate 0.03,
# chosen on 10,000 images as the best mean of a network with and a network without
# dropout (Table A). A rate that suits the noisy gradients of a dropout network may be
# too large for a network without dropout that fits 100 images within a few hundred
# updates. The paper does not say (in our sources) how it chose Figure 10's learning
# rates.
#
# So we trained every network, with and without dropout, at six initial learning rates
# from 0.001 to 0.3, three seeds each; the rate still decays to a tenth over each run.
# For every network and size we then chose the rate with the lowest validation error
# averaged over the seeds, and read the test errors of the chosen runs only. The
# reduced network trains for the panels' 4,000 updates. The paper's network trains for
# 1,000 updates, which keeps its runs affordable: at 100 and 500 images its gains at
# 0.03 hardly differ from those after 4,000 (Table D). At 50,000 images, though, 1,000
# updates are two epochs, far too few to train either network. Both networks were
# first trained at 100 and 500 images, then at every size of the panel (the paper's
# network in a later session).
#
# We fixed the readings before the runs. At 100 and 500 images: "reproduced" if at
# both sizes the gain of dropout at the chosen rates is at most one standard error above
# zero, otherwise "not reproduced" (one row per network). For each network's whole
# curve, the rule of the panels above (a row of its own). The grid first began at
# 0.003; we extended it to 0.001 when the reduced network without dropout chose 0.003
# at 100 images.

# %%
tuned10 = {claim_id: ch03b.figure10_tuned_summary(grid) for claim_id, grid in lr10.items()}
same_lr10 = {claim_id: ch03b.figure10_summary(grid[ch03b.recipe(ch03b.RECIPE, 1).lr])
             for claim_id, grid in lr10.items()}             # both networks at 0.03
net10 = {claim_id: network_name(grid[min(grid)]) for claim_id, grid in lr10.items()}
updates10 = {claim_id: updates_of(grid[min(grid)]) for claim_id, grid in lr10.items()}


def mean_val(runs) -> str:
    """Mean final validation error over seeds, in %."""
    return pct(notebook.mean_se(finals(runs, "val_error"))[0])


rows = []
for claim_id, grid in lr10.items():
    net = net10[claim_id]
    chosen = sorted(tuned10[claim_id]["chosen"].items(),         # by size, then network
                    key=lambda item: (int(item[0].rsplit(", ", 1)[1]), item[0]))
    for label, lr in chosen:
        kind, n = label.rsplit(", ", 1)
        rows.append((net, f"{int(n):,}", kind,
                     *(f"**{mean_val(grid[r][label])}**" if r == lr else mean_val(grid[r][label])
                       for r in grid),
                     pct_se(finals(grid[lr][label]))))
Markdown(notebook.markdown_table(
    ("network", "training images", "trained", *(f"lr {r:g}" for r in next(iter(lr10.values()))),
     "test error at the chosen rate (%)"), rows))

# %% [markdown]
# *Table E. Validation error (%, mean over three seeds) of every network with and
# without dropout at each initial learning rate and training-set size; the chosen rate
# in bold, and the test error of the chosen runs (mean ± standard error). At 0.3
# training is unstable: many runs diverge and end near chance (about 90 %).*

# %% tags=["hide-input"]
def gains_text(sm: dict, up_to: float = float("inf")) -> str:
    """Mean gain ± s.e. (points) per size up to ``up_to`` images."""
    return ", ".join(f"{n:,}: {pct(g)} ± {pct(se)}" for n, g, se
                     in zip(sm["sizes"], sm["mean_gain"], sm["se_gain"]) if n <= up_to)


for claim_id, sm in tuned10.items():
    grid, net, fixed = lr10[claim_id], net10[claim_id], same_lr10[claim_id]
    print(f"{net}, {updates10[claim_id]:,} updates: gain of dropout (points) at the "
          f"chosen rates {gains_text(sm)}; at 0.03 for both "
          f"{', '.join(f'{n:,}: {pct(g)}' for n, g in zip(fixed['sizes'], fixed['mean_gain']))}")
    n_seeds = min(len(runs) for runs in sm["panel"].values())
    rates = f"rates chosen per network and size among {', '.join(f'{r:g}' for r in grid)}"
    unchecked = ("; the paper's network per secondary sources, unchecked"
                 if net == paper_net10 else "")
    claim(claim_id, "Figure 10",
          f"gain of dropout (points) at 100 and 500 images, each network at the learning "
          f"rate chosen on validation, {net}", "none at 100 and 500", gains_text(sm, 500),
          sm["status"], seeds=n_seeds,
          note=f"{updates10[claim_id]:,} updates; {rates}; mean gain ± s.e. over seeds"
               f"{unchecked}")
    if sm["shape"] is not None:                   # every size, not only the two smallest
        curve_gains = ", ".join(f"{n:,}: {pct(g)}" for n, g in zip(sm["sizes"],
                                                                     sm["mean_gain"]))
        claim(claim_id.replace("small-end", "sweet-spot"), "Figure 10",
              f"gain of dropout (points) vs training-set size, {net}, each network at "
              f"the learning rate chosen on validation", "none at 100 and 500; largest at "
              f"intermediate sizes; smaller at 50k", curve_gains, sm["shape"], seeds=n_seeds,
              note=f"{updates10[claim_id]:,} updates per size; {rates}{unchecked}")

# %% tags=["hide-input"]
fig, ax = plotting.new_axes("training images N (log scale)", "gain of dropout (points)",
                            figsize=(6.5, 4))
for color, (claim_id, sm) in enumerate(tuned10.items()):     # one colour per network
    for gains, style, how in ((same_lr10[claim_id]["gains"], "--", "both at 0.03"),
                              (sm["gains"], "-", "each at its chosen rate")):
        stats = [notebook.mean_se(g) for g in gains]
        ax.errorbar(sm["sizes"], [100 * m for m, _ in stats],
                    yerr=[100 * se for _, se in stats], fmt="o" + style, capsize=3,
                    color=f"C{color}",
                    label=f"{net10[claim_id]}, {updates10[claim_id]:,} updates, {how}")
ax.axhline(0, color="black", lw=0.8)
ax.set_xscale("log")
ax.legend(fontsize=8, handlelength=3.5)     # long enough to show the dashes
plt.show()

# %% [markdown]
# *Figure D. The gain of dropout (test error without dropout minus with, percentage
# points, paired by seed; mean ± one standard error over three seeds) against the number
# of training images (log scale): both networks of a pair at the recipe's learning rate
# 0.03 (dashed), and each at the rate chosen on validation (solid). Above zero dropout
# helps.*

# %% [markdown]
# **What the learning rate shows.** Every dropout network keeps the recipe's 0.03, at
# every size. The networks without dropout choose 0.003 at 100 images and 0.1 at every
# larger size, on both networks (Table E). At 100 images the smaller rate lowers their
# test error by 2.4 points on the reduced network (from 34.1 to 31.7 %) and by 6.0 on
# the paper's (from 39.8 to 33.7 %, both at 0.03 with the same number of updates,
# Table D), and so it removes most of the gain of dropout (printed above; Figure D):
#
# - at 100 images, from 3.87 to 1.45 ± 0.22 points on the reduced network and from 8.45
#   to 2.39 ± 0.39 on the paper's;
# - at 500 images, from 3.94 to 3.25 ± 0.23 and from 3.93 to 3.83 ± 0.40 points.
#
# So most of our large gain at 100 images came from a learning rate too large for the
# networks without dropout. Tuned, the gain grows from 100 to 500 images on both
# networks, as the rising side of the paper's curve does. But it is still six to
# fourteen standard errors above zero at both sizes, so both small-end rows are **not
# reproduced**: dropout still helps a little at 100 images and clearly at 500.
#
# On the reduced network's whole curve the larger rate also helps the networks without
# dropout at 1,000 images and more, so every gain shrinks (Figure D): 3.03 points at
# 1,000 images (4.54 at 0.03), 0.80 at 5,000, 0.45 at 10,000, and still -0.69 at 50,000,
# where our 4,000 updates leave the dropout networks under-trained. The peak moves from
# 1,000 to 500 images, where the gain (3.25 ± 0.23) is now slightly larger than at
# 1,000 (3.03 ± 0.04). Under the panels' rule the gain at 500 images must stay below the
# peak of the sizes between 500 and 50,000, so this row is **not reproduced**, where the
# same network at a common rate was "direction only". The curve still rises and falls,
# with its peak at 500 to 1,000 images; it fails the rule only because its largest gain
# is at 500.
#
# **The paper's network at every size.** Tuned the same way, at 1,000 updates, the
# paper's network repeats this picture (Table E; printed above). Without dropout it
# chooses 0.003 at 100 images, 0.1 from 500 to 5,000, and 0.03 at 10,000 and 50,000
# (where 0.03 and 0.1 tie within 0.01 points on validation); with dropout it keeps 0.03
# at every size. Its gain of dropout is 2.39 points at 100 images, 3.83 at 500, 2.52 at
# 1,000, 0.39 at 5,000, 0.02 at 10,000 and -0.71 at 50,000. At 50,000 images 1,000
# updates are two epochs: the dropout networks still misclassify about 3 % of their
# training images, so that end says little. The curve rises and falls, but its peak is
# at 500 images, above the gain at 1,000, so under the panels' rule this row is **not
# reproduced**, as the same network's panel at 0.03 was. Tuning moves that network's
# peak from 100 images (8.5 points at 0.03) to 500, the paper's "no gain" end.
#
# What is left of the paper's small end may come from its stopping rule, its training
# length, or another difference in the setup. Its network, as far as our secondary
# sources tell, is the one we trained.


# %% [markdown]
# ## Figure 11: Monte-Carlo model averaging against weight scaling
#
# **Paper.** Dropout trains an ensemble of thinned networks that share weights. At test
# time the paper uses one network with the weights scaled by $q$ ("weight scaling"; in
# inverted dropout the scaling happens during training, so the test network is simply
# the trained one). The alternative is to sample $k$ thinned networks and average their
# predictions. On MNIST, Monte-Carlo averaging matches weight scaling at about $k = 50$
# and is slightly better beyond, within one standard deviation.
#
# **Ours.** Four sets of networks, each network from its own seed (three per set, six
# for the two sets trained for 100,000 updates; the counts are printed below):
#
# - *small*: Figure 10's 784-256-256-10 dropout network on all 50,000 images, trained
#   longer than in Figure 10 (the epochs are printed below);
# - *longer-trained small*: the same networks (same seeds and recipe, the learning
#   rate still decaying to a tenth) trained for 100,000 updates, as long as Table 2's
#   networks. We added them to test a guess, that the small networks' short training
#   explains their gap (below);
# - *small, Table 2's recipe*: the small 784-256-256-10 network trained exactly like
#   Table 2's networks (the same seeds, recipe, papers' form of dropout and max-norm
#   bound, 100,000 updates), so that it differs from the Table 2 set only in its
#   architecture and from the longer-trained small set only in its recipe;
# - *Table 2*: the best networks of the chapter "Dropout on MNIST", 784-1024-1024-1024-10
#   ReLU networks with dropout and max-norm trained for 200 epochs (1.14 % mean test
#   error there). They use the papers' form of dropout; we sample them in PyTorch's
#   equivalent form (`MLP.to_inverted`: the same thinned networks and the same
#   weight-scaled network).
#
# For each network we draw one thinned network per pass (one dropout mask shared by all
# 10,000 test images, `mc_predict(..., per_pass_masks=True)`), average the softmax
# outputs of the first $k$, and repeat the whole sequence a few times with fresh masks.
# The averages for every $k$ come from one set of samples (running sums).
#
# The quantity that matters is the *gap*: the MC average's test error minus the
# weight-scaled network's, for the same network. We average the gap over the mask
# sequences of a network, then report its mean ± standard error over the networks.
# Before running the Table 2 networks we decided to report them as a second scoreboard
# row, under the same rule as the first; the same holds for the longer-trained small
# networks, whose row and rule we fixed before training them, and for the small
# networks with Table 2's recipe (below).

# %%
mc_sets = {"small": (net11, ch03b.mc_gap(fig11))}
if fig11_long:                                               # not at the paper budget
    mc_sets["longer-trained small"] = (net11_long, ch03b.mc_gap(fig11_long))
if fig11_t2r:                                                # not at the paper budget
    mc_sets["small, Table 2's recipe"] = (net11_t2r, ch03b.mc_gap(fig11_t2r))
mc_sets["Table 2"] = (net11_t2, ch03b.mc_gap(fig11_t2))
for name, (nets_, summary) in mc_sets.items():
    info = nets_[0].final
    print(f"{name}: {len(nets_)} networks {nets_[0].config['sizes']}, {info['epochs']} "
          f"epochs, {info['updates']:,} updates each; weight scaling "
          f"{', '.join(f'{v:.2f}' for v in summary['scaled'])} % (one per network)")
k = np.array(mc_sets["small"][1]["k"])
print(f"{len(fig11[0].final['mc_errors'])} mask sequences of {len(k)} samples per network, "
      f"{fig11[0].final['n_test']:,} test images")
Markdown(notebook.markdown_table(
    ("k", *(f"MC minus weight scaling, {name} (points)" for name in mc_sets)),
    [(kk, *(f"{s['gap_mean'][kk - 1]:+.2f} ± {s['gap_se'][kk - 1]:.2f}"
            for _, s in mc_sets.values()))
     for kk in (1, 2, 5, 10, 20, 50, 100, int(k[-1])) if kk <= k[-1]]
    + [("first k at or below 0", *(str(s["matched"]) for _, s in mc_sets.values())),
       ("first k within 1 s.e. of 0", *(str(s["within_se"]) for _, s in mc_sets.values()))]))

# %% [markdown]
# *Table F. The gap between the average of $k$ sampled thinned networks and the
# weight-scaled network (test error, percentage points, mean ± standard error over the
# networks of each set).*

# %% tags=["hide-input"]
PANEL_TITLES = {"small": "small networks", "longer-trained small": "small, trained longer",
                "small, Table 2's recipe": "small, Table 2's recipe",
                "Table 2": "Table 2's networks"}
ncols = 2 if len(mc_sets) == 4 else len(mc_sets)                # four panels: two rows
nrows = -(-len(mc_sets) // ncols)
fig, axes = plotting.new_axes("number of sampled networks k (log scale)", "test error (%)",
                              ncols=ncols, nrows=nrows, figsize=(5 * ncols, 3.6 * nrows))
for ax, (name, (_, summary)) in zip(axes, mc_sets.items()):
    mc_mean = np.mean(summary["mc"], axis=0)
    se = np.array(summary["gap_se"])
    ax.plot(k, mc_mean, label="Monte-Carlo average")
    ax.fill_between(k, mc_mean - se, mc_mean + se, alpha=0.25, label="± 1 s.e. of the gap")
    ax.axhline(np.mean(summary["scaled"]), color="black", ls="--", lw=1.2,
               label="weight scaling")
    ax.set_xscale("log")
    ax.set_title(PANEL_TITLES[name])
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# *Figure E. Test error (%) of the average of $k$ sampled thinned networks (log scale in
# $k$), and of the weight-scaled network (dashed), each averaged over a set's networks:
# the small networks and the same networks trained longer (top), the small networks
# with Table 2's recipe and Table 2's networks (bottom). The band is ± one standard
# error of the gap between the two over the networks. Drawn after Srivastava et al.'s
# Figure 11.*


# %% tags=["hide-input"]
def mc_claim(claim_id: str, name: str) -> None:
    """Scoreboard row for one set of networks: "reproduced" if the mean gap reaches zero
    at 25 <= k <= 100, "direction only" if it comes within one s.e. of zero."""
    nets_, s = mc_sets[name]
    matched, within_se, last = s["matched"], s["within_se"], int(s["k"][-1])
    status = ("reproduced" if matched is not None and 25 <= matched <= 100 else
              "direction only" if within_se is not None else "not reproduced")
    at = min(last, 100)
    claim(claim_id, "Figure 11", f"smallest k at which the MC average matches weight "
          f"scaling ({name} networks)", "k ≈ 50",
          f"k = {matched}" if matched else
          f"not reached by k = {last}; " + (f"within 1 s.e. from k = {within_se}"
                                            if within_se else "never within 1 s.e."),
          status, seeds=len(nets_),
          note=f"{'-'.join(map(str, nets_[0].config['sizes']))} dropout nets, "
               f"{nets_[0].final['updates']:,} updates; at k = {at} MC minus weight scaling "
               f"= {s['gap_mean'][at - 1]:+.2f} ± {s['gap_se'][at - 1]:.2f} points "
               f"(s.e. over networks)")
    print(f"{claim_id}: {status}")


mc_claim("srivastava2014-fig11-mc-vs-scaling", "small")
mc_claim("srivastava2014-fig11-mc-vs-scaling-3x1024", "Table 2")
if "longer-trained small" in mc_sets:
    mc_claim("srivastava2014-fig11-mc-vs-scaling-small-long", "longer-trained small")
if "small, Table 2's recipe" in mc_sets:
    mc_claim("srivastava2014-fig11-mc-vs-scaling-small-t2recipe", "small, Table 2's recipe")

# %% tags=["hide-input"]
for name in [n for n in mc_sets if n != "Table 2"]:      # each small network on its own
    nets_, s = mc_sets[name]
    for net, mc, scaled in zip(nets_, s["mc"], s["scaled"]):
        gap = [m - scaled for m in mc]
        below = next((kk for kk in s["k"] if all(g <= 0 for g in gap[kk - 1:])), None)
        print(f"{name}, seed {net.config['seed']}: training error "
              f"{100 * net.final['train_error']:.2f} %; MC minus weight scaling at k = "
              f"{s['k'][-1]}: {gap[-1]:+.2f} points; at or below it from k = {below}")

# %% [markdown]
# **Paper vs ours (Figure 11).** The first half of the shape holds for every set: one
# thinned network is much worse than the weight-scaled network, and the average of $k$
# thinned networks closes most of that gap within a few tens of samples (Table F). The
# second half does not hold for the small networks: over three networks the average
# stays *above* weight scaling up to $k = 128$, by about 0.05 points (five test images
# of 10,000) with a standard error of about 0.01 to 0.02, whereas the paper's average
# matches weight scaling at $k \approx 50$ and drops slightly below it. Our rule was:
# "reproduced" if the mean gap reaches zero at $25 \le k \le 100$, "direction only" if
# it comes within one standard error of zero. We added the second rule after seeing
# one network's numbers, when the spread over mask sequences of that one network hid
# the gap; with three networks it no longer does.
#
# Table 2's networks, trained for 100,000 updates instead of 15,000 and to lower test
# errors (1.11 to 1.17 % with weight scaling), come closer. From about $k = 40$ on their
# MC average stays 0.02 to 0.03 points (two or three test images of 10,000) above
# weight scaling. Their mean gap first comes within one standard error of zero at
# $k = 36$, so under the same rule that row is "direction only". It never drops below
# zero, and at $k = 100$ it is still several standard errors above it (Table F).
#
# **Trained as long as Table 2's networks.** Table 2's networks differ from the small
# ones in training length, width and recipe. We guessed that the small networks' short
# training explains part of their gap, and trained them again for 100,000 updates, the
# same networks and recipe otherwise (the learning rate still decaying to a tenth):
# three seeds first, then three more (below). They fit their training images far more
# closely (0.08 to 0.13 % training error, against 0.75 to 0.79 %), and their
# weight-scaled test error falls from 1.92–1.96 % to 1.51–1.70 % (both printed above).
# At small $k$ the gap narrows (at $k = 5$, 0.30 points against 0.39), but from $k = 50$
# on it does not: 0.08 ± 0.02 points at $k = 50$ and 0.07 ± 0.02 at $k = 100$, against
# 0.06 and 0.05 after 15,000 updates (Table F). The six networks disagree (printed
# above): the MC average of one stays at or below weight scaling from $k = 116$ and ends
# three test images below it, while the other five end eight to fourteen images above
# it. The mean gap never comes within one standard error of zero, so under the rule
# fixed before these runs the row is "not reproduced". At the same number of updates
# the small networks' gap stays about three times that of Table 2's networks (0.074
# against 0.021 points at $k = 100$, printed below): training length alone does not
# explain it. The width (256 against 1,024 units) or the recipe may.
#
# **Trained with Table 2's recipe.** To separate the architecture from the recipe we
# trained the small networks a third time, exactly as Table 2's networks were trained:
# 100,000 updates, the papers' form of dropout, Appendix B.1's max-norm bound $c = 2$
# and final momentum 0.95, and the learning-rate decay chosen on validation in the
# previous chapter. The set gets its own scoreboard row under the rule above. For the
# question, we compare the mean gaps at $k = 100$ (cell below): if this set's gap is
# nearer to Table 2's networks' than to the longer-trained small networks', the recipe
# explains the difference; if nearer to the latter, the architecture does; and if the
# standard error of either small set is as large as the distance between the other two
# sets' gaps, the networks of a set are too few to tell
# (`ch03b.figure11_recipe_reading`). We fixed this reading before the first three
# networks finished. With three networks per set it said "undecided", so we trained
# three more networks of each small set (seeds 3 to 5) and kept the same reading, fixed
# again before any of them finished. Both readings are printed below.

# %% tags=["hide-input"]
if "small, Table 2's recipe" in mc_sets:
    gap_at = {}
    for name in ("longer-trained small", "small, Table 2's recipe", "Table 2"):
        nets_, s = mc_sets[name]
        at = min(100, int(s["k"][-1]))                       # 4 samples at the smoke budget
        gap_at[name] = (s["gap_mean"][at - 1], s["gap_se"][at - 1])
        print(f"{name}: MC minus weight scaling at k = {at}: {gap_at[name][0]:+.3f} ± "
              f"{gap_at[name][1]:.3f} points; weight scaling {np.mean(s['scaled']):.2f} % "
              f"and training error {np.mean([100 * n.final['train_error'] for n in nets_]):.2f} "
              f"% (means over {len(nets_)} networks)")
    (g_long, se_long), (g_rec, se_rec), (g_t2, _) = gap_at.values()
    print(f"distance between the longer-trained small and Table 2 gaps: {abs(g_long - g_t2):.3f}"
          f" points; the recipe set's gap minus the longer-trained set's: {g_rec - g_long:+.3f} "
          f"± {np.hypot(se_rec, se_long):.3f} points")
    print("reading fixed before the runs:", ch03b.figure11_recipe_reading(*gap_at.values()))
    first_three = {"longer-trained small": fig11_long[:3], "small, Table 2's recipe":
                   fig11_t2r[:3], "Table 2": fig11_t2[:3]}
    early = {name: ch03b.mc_gap(runs) for name, runs in first_three.items()}
    for name, s in early.items():
        print(f"first three networks, {name}: at k = {at} {s['gap_mean'][at - 1]:+.3f} ± "
              f"{s['gap_se'][at - 1]:.3f} points; first k at or below 0: {s['matched']}, "
              f"within 1 s.e.: {s['within_se']}")
    print("reading from the first three networks of each set:", ch03b.figure11_recipe_reading(
        *((s["gap_mean"][at - 1], s["gap_se"][at - 1]) for s in early.values())))

# %% [markdown]
# **Result, Table 2's recipe.** With Table 2's recipe the small networks behave like
# Table 2's networks, not like the paper's (Table F, Figure E). Over six networks their
# mean gap never reaches zero; it is within one standard error of zero from $k = 42$ on
# and ends at $+0.02 \pm 0.02$ points at $k = 128$, so under the rule above the row is
# "direction only". The first three networks had made it "reproduced" (their mean gap
# reached zero at $k = 26$, printed above), because two of them end two or three test
# images below weight scaling; the three added networks all end above it, by one to
# eight images (printed above).
#
# For the question we asked, the reading is now decided: this set's gap at $k = 100$
# ($+0.019 \pm 0.016$ points) is nearly Table 2's networks' ($+0.021 \pm 0.004$), far
# from the longer-trained small networks' ($+0.074 \pm 0.021$), and both small sets'
# standard errors are smaller than the distance between the other two sets' gaps (0.053
# points). So Table 2's recipe, not its wider architecture, is what brings the small
# networks' gap down to Table 2's two test images. The difference between the two small
# sets, $-0.054 \pm 0.027$ points, is two standard errors, so it is a finding from six
# networks per set, not a certainty. Which part of the recipe does it, the max-norm
# bound, the form of dropout, the momentum or the learning-rate schedule, we did not
# separate. The recipe also changes how the networks fit: with the max-norm bound the
# small networks misclassify more of their training images (0.29 % against 0.11 %) at
# about the same weight-scaled test error (1.63 against 1.61 %, printed above). Neither
# recipe brings the average below weight scaling, as in the paper.

# %% [markdown]
# ### Many more samples
#
# Does the small networks' gap close if we average far more than the paper's 100
# sampled networks? We drew one sequence of 1,024 thinned networks for each of the
# three small networks (the same networks and mask seeds as above). As $k$ grows, the
# average approaches the mean prediction of the whole ensemble of thinned networks, so
# the gap at large $k$ measures how that ensemble mean compares with weight scaling.
# This only explains the row above; the scoreboard keeps the paper's range of $k$.

# %%
many11 = ch03b.mc_gap(fig11_many)
k_many = [kk for kk in (32, 64, 128, 256, 512, int(many11["k"][-1])) if kk <= many11["k"][-1]]
Markdown(notebook.markdown_table(
    ("k", "MC minus weight scaling, small networks (points)"),
    [(kk, f"{many11['gap_mean'][kk - 1]:+.2f} ± {many11['gap_se'][kk - 1]:.2f}")
     for kk in k_many]))

# %% [markdown]
# *Table G. The gap between the average of $k$ sampled thinned networks and the
# weight-scaled network for the small networks, with up to 1,024 samples (one sequence
# of masks per network; mean ± standard error over three networks).*

# %% tags=["hide-input"]
half = len(many11["k"]) // 2
tail_gap = np.mean(many11["gap_mean"][half:])
print(f"mean gap over k = {half + 1} ... {many11['k'][-1]}: {tail_gap:+.3f} points "
      f"({tail_gap / 100 * fig11_many[0].final['n_test']:+.1f} test images)")
print(f"first k at or below weight scaling: {many11['matched']}; "
      f"first k within one s.e.: {many11['within_se']}")

# %% [markdown]
# **What many samples show.** The extra samples do not close the gap (Table G). Up to
# $k = 128$ the fresh sequences repeat what the three sequences above showed, the average
# staying above weight scaling by a few test images. Beyond that the gap shrinks, touches
# zero once around $k \approx 150$ to $250$ where the standard error is still two or three
# images, and settles at about 0.03 points above weight scaling (three test images of
# 10,000) with a standard error of about one image. So for these networks the mean of the
# whole ensemble of thinned networks is very slightly *worse* than weight scaling, not
# slightly better as in the paper. Three test images is well within the paper's "one
# standard deviation", so the two results differ in sign but not by much. Training the
# small networks for 100,000 updates, with either recipe, did not change the sign of the
# mean gap (above). Whether the paper's sign appears at the paper's width and length
# needs the `paper` budget.

# %% [markdown]
# ## Table 10: Bernoulli against Gaussian dropout
#
# **Paper (Section 10).** Instead of multiplying each unit by a Bernoulli variable, one
# can multiply it by $r \sim \mathcal{N}(1, \sigma^2)$ with the same variance,
# $\sigma^2 = (1 - q)/q$ in the paper's retain probability, which is $\sigma^2 = p/(1-p)$
# in our drop probability ($\sigma^2 = 1$ for the hidden units, $0.25$ for the input).
# No scaling is needed at test time. On MNIST (2 layers of 1024 units) the paper reports
# 1.08 ± 0.04 % with Bernoulli and 0.95 ± 0.04 % with Gaussian dropout.
#
# **Ours.** The paper's 784-1024-1024-10 network on all 50,000 images for the epochs
# below, trained with Table 9's schedule (the previous chapter's compressed schedule,
# which this chapter uses for all its 1,024-unit networks) and max-norm $c = \sqrt{15}$;
# three seeds (mean ± standard error). Only the noise differs between the two networks
# of a pair. We run two pairs, because the noise can be written in two equivalent forms:
#
# - the *papers' form*, as Bernoulli dropout is written in the paper: the Bernoulli mask
#   has mean $q$, the Gaussian noise $\mathcal{N}(q, pq)$ the same mean and variance, and
#   both networks scale their weights by $q$ at test time (the package's
#   `StandardDropout` and `StandardGaussianDropout`);
# - the *mean-1 form*, as Gaussian dropout is written in the paper: PyTorch's
#   `nn.Dropout` (mask divided by $q$) against the package's `GaussianDropout`
#   ($\mathcal{N}(1, p/q)$), with no scaling at test time.
#
# Both forms compute the same family of networks, but the learning rate and the max-norm
# bound act on weights of a different scale. The previous chapter chose the papers' form
# on validation for this schedule, so the scoreboard compares that pair; the chapter
# decided this before the papers'-form runs were made.
#
# **Trained as long as Table 2.** Thirty epochs leave every one of these networks far
# above the paper's errors. So we train the papers'-form pair a second time with the
# previous chapter's Table 2 recipe: 200 epochs, the compressed Hinton schedule, the
# final momentum 0.95 and max-norm bound $c = 2$ of the paper's Appendix B.1. With this
# recipe the 3 × 1024 network reached 1.14 %. Only the network (two hidden layers
# instead of three) and the noise differ from that network. Before these runs were
# made, we decided that they get their own scoreboard row, under the same rule as the
# 30-epoch pair.

# %%
run_t10 = table10["Gaussian"][0]
run_long = table10_long["Gaussian"][0]
print(f"{run_t10.config['sizes']}, {run_t10.final['epochs']} epochs, "
      f"{run_t10.final['updates']:,} updates (Table 9's schedule) or "
      f"{run_long.final['epochs']} epochs, {run_long.final['updates']:,} updates "
      f"(Table 2's recipe); Gaussian variance (mean-1 form) = "
      f"{ch03b.gaussian_sigma2(run_t10.config['p_input']):.2f} (input), "
      f"{ch03b.gaussian_sigma2(run_t10.config['p_hidden']):.2f} (hidden)")
t10_training = {"Table 9's schedule": table10, "Table 2's recipe": table10_long}
paper_t10 = {"Bernoulli": "1.08 ± 0.04", "Gaussian": "0.95 ± 0.04"}
Markdown(notebook.markdown_table(
    ("dropout", "training", "test error, ours (%)", "test error, paper (%)", "seeds",
     "per seed (%)", "validation error (%)"),
    [(label, f"{runs[0].final['epochs']} epochs, {training}", pct_se(finals(runs)),
      paper_t10[label.split(",")[0]], len(runs),
      ", ".join(pct(r.final["test_error"]) for r in runs), pct_se(finals(runs, "val_error")))
     for training, table in t10_training.items() for label, runs in table.items()]))

# %% [markdown]
# *Table H. Test error (%) with Bernoulli and Gaussian dropout of the same mean and
# variance, in each of the two forms and with each training: ours (mean ± standard error
# over seeds) beside the paper's, which uses its own forms (± as printed in a summary of
# the paper; we have not checked whether it is a standard deviation or a standard
# error).*

# %% tags=["hide-input"]
def gaussian_minus_bernoulli(table: dict, form: str = "") -> tuple[float, float, float]:
    """Gaussian minus Bernoulli (points): mean test gap, its standard error over the
    seed-paired differences, and the mean validation gap."""
    bern, gauss = table["Bernoulli" + form], table["Gaussian" + form]
    paired = [100 * (g - b) for g, b in zip(finals(gauss), finals(bern), strict=True)]
    val_gap = 100 * (np.mean(finals(gauss, "val_error")) - np.mean(finals(bern, "val_error")))
    return (*notebook.mean_se(paired), val_gap)


def t10_claim(claim_id: str, table: dict, training: str) -> None:
    (b_mean, b_se), (g_mean, g_se) = (notebook.mean_se([100 * e for e in finals(table[row])])
                                      for row in ("Bernoulli", "Gaussian"))
    status = scoreboard.status_for(g_mean, g_se, paper=0.95, tolerance=0.10,
                                   direction_holds=g_mean < b_mean)
    claim(claim_id, "Table 10 (MNIST)", "test error (%), Bernoulli -> Gaussian dropout",
          "1.08 ± 0.04 -> 0.95 ± 0.04",
          f"{b_mean:.2f} ± {b_se:.2f} -> {g_mean:.2f} ± {g_se:.2f}", status,
          seeds=len(table["Gaussian"]),
          note=f"the paper's 2x1024 network, {training} instead of training to "
               "convergence; both in the papers' form (mean-q noise)")


for training, table in t10_training.items():
    for form, name in (("", "papers' form"), (", mean-1 form", "mean-1 form")):
        if "Gaussian" + form in table:
            test_gap, test_se, val_gap = gaussian_minus_bernoulli(table, form)
            print(f"Gaussian minus Bernoulli, {training}, {name}: {test_gap:+.2f} ± "
                  f"{test_se:.2f} points on test (paper: -0.13), {val_gap:+.2f} on validation")
t10_claim("srivastava2014-t10-gaussian-vs-bernoulli", table10,
          f"{run_t10.final['epochs']} epochs of Table 9's schedule")
t10_claim("srivastava2014-t10-gaussian-vs-bernoulli-table2-recipe", table10_long,
          f"{run_long.final['epochs']} epochs of Table 2's recipe")

# %% [markdown]
# **Paper vs ours (Table 10): not reproduced after 30 epochs, direction only after
# 200.**
#
# *Thirty epochs.* In the papers' form, the pair the
# scoreboard compares, Gaussian dropout ends *behind* Bernoulli dropout on the test set,
# by 0.05 points on average (the paper has it 0.13 points ahead), and slightly ahead on
# the validation set (0.02 points). Two of the three Gaussian seeds are behind their
# Bernoulli seed and one is ahead. In the mean-1 form the signs flip: Gaussian dropout
# is ahead on the test set by 0.08 points and behind on the validation set by 0.07. So
# at this budget the difference between the two noises is below what three seeds
# resolve, in either form, and neither form shows the paper's clear gain. All these
# errors are far above the paper's: 15,000 updates are much shorter training than the
# paper's.
#
# *Two hundred epochs.* Training as long as Table 2 lowers the errors by 0.20 points
# with Bernoulli dropout, to 1.20 ± 0.03 %, and by 0.28 with Gaussian dropout, to
# 1.18 ± 0.02 % (paper: 1.08 and 0.95). Gaussian dropout is now ahead, as in the
# paper, on the test set and on the validation set (by 0.06 points there). But on the
# test set it is ahead by only 0.02 points, and the seed-paired difference, −0.02 ± 0.04, is half its
# standard error: one Gaussian seed is ahead of its Bernoulli seed, one is tied and one
# is behind. So this row is **direction only**. Three seeds do not tell the two noises
# apart at this length either, and the paper's gain of 0.13 points is not there. Our
# Bernoulli networks end 0.12 points above the paper's. They have one hidden layer
# fewer than Table 2's 3 × 1024 networks, which reached 1.14 % with the same recipe.
# The `paper` budget would train them for the paper's 3,000 epochs.
#
# How the noise is written matters more here than which noise it is. The papers'-form
# Bernoulli networks (1.40 %) are well ahead of the mean-1 ones (1.54 %), with the same
# networks, schedule and bound. The two forms compute the same family of networks, but
# the learning rate and the max-norm bound act on weights of a different scale, and
# this schedule was tuned for the papers' form. The papers'-form Bernoulli networks are
# close to Table 9's dropout + max-norm row below (1.38 %), which has a different bound
# ($c = 8$) and is trained by another task of the package.
#
# An earlier version of this table, on 784-256-256-10 networks with Part 2's recipe,
# was also direction only, with the gap about the size of one standard error.

# %% [markdown]
# ## Table 9: dropout against other regularizers
#
# **Paper.** A 784-1024-1024-2048-10 ReLU network with six regularizers; dropout with
# max-norm is best (error %):
#
# | L2 | L2 + L1 towards the end | L2 + KL-sparsity | max-norm | dropout + L2 | dropout + max-norm |
# |---|---|---|---|---|---|
# | 1.62 | 1.60 | 1.55 | 1.35 | 1.25 | 1.05 |
#
# **Ours.** 784-1024-1024-10 (the paper's network without its widest layer) on all
# 50,000 images, 30 epochs (15,000 updates), three seeds. Every row is trained with
# Figure 4's schedule (the chapter "Dropout on MNIST"'s compressed Hinton et al. schedule:
# initial rate 1, momentum rising to 0.99) and the papers' form of dropout (retain 0.8
# for the inputs, 0.5 for the hidden units), so only the regularizer changes from row to
# row.
#
# **The coefficients, chosen on the validation set.** The paper tuned each regularizer's
# hyperparameters on validation data but does not list the values it chose. We search
# one coefficient per row, with one seed, over the value a first version of this section
# used untuned and values a factor of 10 (for max-norm, about 2) on either side, and keep
# the value with the lowest final validation error. Where that was the end of the grid we
# added one more value beyond it, once. The coefficients are the L2 weight decay
# (on weights and biases, through the optimizer), the L1 coefficient on the weights from
# the last third of training on (with L2 weight decay $10^{-4}$), the weight of a KL
# sparsity penalty pulling each hidden unit's activity towards 0.1 (with L2 $10^{-4}$),
# and the max-norm bound $c$. The KL penalty is defined for units with outputs in
# $[0, 1]$; for ReLU units we measure a unit's activity as the batch mean of
# $1 - e^{-h}$, our choice. Before the search these were $10^{-4}$, $10^{-5}$, 0.1 and
# $c = \sqrt{15}$.

# %%
choice_t9 = {row: mnist_papers.chosen_on_validation(grid) for row, grid in table9_search.items()}
search_rows = [(row, ch03b.T9_GRID[row][0].replace("_", " "),
                ", ".join(f"{v:g}: {pct(r.final['val_error'])}" for v, r in grid.items()),
                f"{choice_t9[row]:g}", "yes" if choice_t9[row] == ch03b.T9_CHOSEN[row] else "NO")
               for row, grid in table9_search.items()]
print(f"one seed, {next(iter(table9_search['L2'].values())).final['epochs']} epochs per run; "
      "the test set is not used")
at_end = [row for row, grid in table9_search.items() if choice_t9[row] in (min(grid), max(grid))]
print(f"chosen value at an end of its grid: {', '.join(at_end) or 'none'}")
Markdown(notebook.markdown_table(
    ("regularizer", "coefficient", "value: validation error (%)", "chosen", "used below"),
    search_rows))

# %% [markdown]
# *Table I. The coefficient search of Table 9: final validation error (%) of each value
# (seed 0), the value with the lowest, and whether the three-seed runs below use it.*

# %%
rows9 = list(table9)
n_seeds9 = min(len(runs) for runs in table9.values())
ranking9 = ch03b.table9_ranking(table9)
err9t = ranking9["errors"]                    # mean test error over seeds, per row
PAPER_T9 = dict(zip(rows9, ("1.62", "1.60", "1.55", "1.35", "1.25", "1.05")))
Markdown(notebook.markdown_table(
    ("regularizer", "test error, ours (%)", "test error, paper (%)",
     "validation error, ours (%)", "train error, ours (%)"),
    [(label, pct_se(finals(table9[label])), PAPER_T9[label],
      pct_se(finals(table9[label], "val_error")), pct_se(finals(table9[label], "train_error")))
     for label in rows9]))

# %% [markdown]
# *Table J. Test error (%) of the same network with each regularizer: ours (mean ±
# standard error over seeds) beside the paper's Table 9.*

# %% tags=["hide-input"]
ranking = ranking9["ranking"]
print("ours, best first: " + " < ".join(f"{r} ({pct(err9t[r])})" for r in ranking))
val9t = {label: notebook.mean_se(finals(table9[label], "val_error"))[0] for label in rows9}
print("validation, best first: " + " < ".join(f"{r} ({pct(val9t[r])})"
                                              for r in sorted(rows9, key=val9t.get)))
print(f"L2 minus dropout + max-norm: ours {pct(err9t['L2'] - err9t['Dropout + max-norm'])} "
      f"points, paper {float(PAPER_T9['L2']) - float(PAPER_T9['Dropout + max-norm']):.2f}")
claim("srivastava2014-t9-ranking", "Table 9",
      "ranking of regularizers by test error (best first)",
      "dropout + max-norm (1.05) < dropout + L2 (1.25) < max-norm < KL < L1 < L2",
      " < ".join(f"{r} {pct(err9t[r])}" for r in ranking[:3]) + " < ...",
      ranking9["status"],
      seeds=n_seeds9,
      note=f"784-1024-1024-10, {table9['L2'][0].final['epochs']} epochs, coefficients chosen "
           "on validation (seed 0), "
           f"mean test error over {n_seeds9} seeds")

# %% [markdown]
# **Paper vs ours (Table 9): direction only.** With the coefficients chosen on the
# validation set (Table I), the two dropout rows have the two lowest mean test errors,
# as in the paper (Table J). Max-norm alone comes third and the KL penalty fourth, also
# as in the paper. Two neighbouring pairs are swapped, each by a few hundredths of a
# point, less than the seed-to-seed spread: dropout with L2 is ahead of dropout with
# max-norm, and L2 alone ahead of L2 + L1. Because the paper's best row is dropout with
# max-norm, our rule still says "direction only". The validation set separates the
# dropout rows from the others clearly, by more than a tenth of a point (printed
# above).
#
# The search changed the picture. With the untuned coefficients of a first version,
# max-norm alone came second and dropout with L2 third. Two choices sit at the end of
# their grid even after one extension (printed with Table I): the L1 row's $10^{-7}$,
# which makes its L1 term negligible, and dropout with L2 weight decay $10^{-6}$, which
# is almost dropout alone. At 30 epochs, weaker penalties did as well or better. A tie
# goes to the first value of the grid: both max-norm rows have two bounds with identical
# errors (Table I).
#
# The paper's gaps are larger: 0.57 points between L2 and dropout with max-norm, where
# we see about a tenth of a point (printed above). Our explanation, as for Figure 10, is
# the training length. After 30 epochs the networks without dropout fit their training
# set exactly, while the dropout networks still make about 0.2 % training errors, so
# they have not reached the regime where the paper measured them. A first version of
# this section used 784-256-256-10 networks and this chapter's SGD recipe; there the
# dropout networks were even further from convergence and came last. The next section
# tests this explanation on all six rows.

# %% [markdown]
# ### Table 9 trained as long as Table 2
#
# **What changes.** All six rows are trained again for 200 epochs (100,000 updates),
# with the previous chapter's final Table 2 recipe: Appendix B.1's final momentum 0.95
# and max-norm $c = 2$, the papers' form of dropout, the learning rate decaying by 0.99
# per epoch. The network is the same 784-1024-1024-10. Two of the rows are runs this
# chapter already has: dropout + max-norm is Table 10's Bernoulli row trained like
# Table 2, and max-norm alone is its partner without dropout in Figure 4's second
# training. Each other row differs from its max-norm partner only in having, instead of
# the bound, its 30-epoch row's regularizer (Table I): the L2 weight decay the search
# chose for the two L2 rows; weight decay $10^{-4}$ plus the L1 term from the last third
# of training on (epoch 134) for the L1 row; weight decay $10^{-4}$ plus the KL penalty
# for the KL row.
#
# **The rule, fixed before the runs.** The same reading as for the 30-epoch table:
# "reproduced" if dropout + max-norm has the lowest mean test error and the two dropout
# rows are ahead of every other row, "direction only" if only one of the two holds, "not
# reproduced" if neither does. The 30-epoch row above stays the scoreboard's row for
# Table 9 at its own length; this training gets its own row. The four L2 and max-norm
# rows were trained and read first, with this rule applied to them alone; the L1 and KL
# rows came in a later session. Before their runs we decided that the row covers all
# six, with the same rule.

# %%
ranking9_long = ch03b.table9_ranking(table9_long)
err9_long = ranking9_long["errors"]
n_seeds9_long = min(len(runs) for runs in table9_long.values())
Markdown(notebook.markdown_table(
    ("regularizer", "test error, 200 epochs (%)", "test error, 30 epochs (%)",
     "test error, paper (%)", "validation error, 200 epochs (%)",
     "train error, 200 epochs (%)"),
    [(row, pct_se(finals(runs)), pct_se(finals(table9[row])), PAPER_T9[row],
      pct_se(finals(runs, "val_error")), pct_se(finals(runs, "train_error")))
     for row, runs in table9_long.items()]))

# %% [markdown]
# *Table K. The paper's six regularizers trained with Table 2's recipe for 200 epochs
# (max-norm rows with $c = 2$), beside the same rows after 30 epochs of Figure 4's
# schedule with their searched coefficients (Table J) and the paper's values (mean ±
# standard error over seeds).*

# %% tags=["hide-input"]
def claim_t9_ranking(claim_id: str, ranking: dict, seeds: int, note: str) -> None:
    """Print one of Table 9's rankings at Table 2's length, best first, and record it."""
    ours = " < ".join(f"{r} {pct(ranking['errors'][r])}" for r in ranking["ranking"])
    print(f"ours, best first: {ours}")
    claim(claim_id, "Table 9", "ranking of regularizers by test error (best first)",
          "dropout + max-norm (1.05) < dropout + L2 (1.25) < max-norm (1.35) < KL (1.55) "
          "< L1 (1.60) < L2 (1.62)", ours, ranking["status"], seeds=seeds, note=note)


paper_order = sorted(table9_long, key=lambda row: float(PAPER_T9[row]))
print(f"same order as the paper's rows: "
      f"{'yes' if ranking9_long['ranking'] == paper_order else 'no'}")
print(f"L2 minus dropout + max-norm: ours "
      f"{pct(err9_long['L2'] - err9_long['Dropout + max-norm'])} points "
      f"(30 epochs: {pct(err9t['L2'] - err9t['Dropout + max-norm'])}), paper "
      f"{float(PAPER_T9['L2']) - float(PAPER_T9['Dropout + max-norm']):.2f}")
run9_long = table9_long["L2"][0]
claim_t9_ranking("srivastava2014-t9-ranking-table2-recipe", ranking9_long, n_seeds9_long,
                 f"784-1024-1024-10, {run9_long.final['epochs']} epochs of Table 2's recipe; "
                 "each row with its 30-epoch row's regularizer, max-norm with c = 2; "
                 f"mean test error over {n_seeds9_long} seeds")

# %% [markdown]
# **Paper vs ours (Table 9 trained as long as Table 2): direction only.** Longer
# training separates the two groups. Both dropout rows end below all four rows without
# dropout, by at least 0.18 points (Table K), and the gap between L2 alone and dropout
# with max-norm doubles to about 0.2 points. That is still a third of the paper's 0.57.
# But within each group the order is not the paper's:
#
# - With dropout, L2 beats max-norm by 0.07 points, on every seed (0.03 to 0.09 points
#   paired by seed).
# - Without dropout the paper's order is nearly reversed: L2 (1.38 %) < L1 (1.42 %) <
#   max-norm (1.48 %) < KL (1.49 %), where the paper has max-norm < KL < L1 < L2. These
#   four lie within 0.11 points of each other; L2 and L1 are 0.04 points apart and
#   max-norm and KL 0.01, about one standard error or less.
#
# The paper's best row is dropout with max-norm, so by the rule fixed above the row is
# "direction only". The L1 and KL rows did not change it: both ended behind both
# dropout rows, as the paper has them.
#
# Why does max-norm lose here? The max-norm rows use Appendix B.1's bound $c = 2$, as
# Table 2 does, while the L2 rows carry little penalty: dropout + L2 has weight decay
# $10^{-6}$, which makes it nearly dropout alone. So on this 2 × 1024 network, at this
# length, the bound $c = 2$ may cost accuracy instead of adding it. On Table 2's 3 × 1024
# network (previous chapter) the same bound lowered dropout's error from 1.22 to
# 1.14 %. The bound was not searched at 200 epochs (the 30-epoch search preferred
# $c = 8$ with dropout and $c = \sqrt{15}$ without). On the validation set the two
# dropout rows are tied (1.24 and 1.25 %), so a reader choosing between them on
# validation data would have no reason to prefer either.
#
# **Testing the bound.** After seeing this table we trained each max-norm row once more,
# three seeds, with the bound the 30-epoch search chose for it and nothing else changed:
# $c = 8$ with dropout (in an earlier session), $c = \sqrt{15} \approx 3.87$ without
# (in a later one). We decided beforehand that this only tests the explanation: the
# scoreboard row above keeps Appendix B.1's $c = 2$. If the bound explains the swaps,
# each max-norm row with its searched bound should end below its L2 partner.

# %%
bound_pairs = {}            # row -> {"c = 2": runs, "c = <searched>": runs, L2 partner: runs}
for label, runs in table9_bound.items():
    row, searched = label.split(", ")
    partner = "Dropout + L2" if row.startswith("Dropout") else "L2"
    bound_pairs[row] = {"c = 2": table9_long[row], searched: runs,
                        partner: table9_long[partner]}
Markdown(notebook.markdown_table(
    ("row, 200 epochs", "test error (%)", "validation error (%)", "train error (%)"),
    [(f"{row}, {variant}" if variant.startswith("c =") else variant, pct_se(finals(runs)),
      pct_se(finals(runs, "val_error")), pct_se(finals(runs, "train_error")))
     for row, variants in bound_pairs.items() for variant, runs in variants.items()]))

# %% [markdown]
# *Table L. Each max-norm row with two bounds, beside its L2 partner, all trained with
# Table 2's recipe for 200 epochs (mean ± standard error over seeds).*

# %% tags=["hide-input"]
for row, variants in bound_pairs.items():
    (_, runs_c2), (searched, runs_c), (partner, runs_l2) = variants.items()
    gain = [a - b for a, b in zip(finals(runs_c2), finals(runs_c), strict=True)]
    vs_l2 = [a - b for a, b in zip(finals(runs_l2), finals(runs_c), strict=True)]
    print(f"{row}, {searched}: {pct_se(gain)} points below c = 2, {pct_se(vs_l2)} points "
          f"below {partner} (paired by seed; negative: above)")

# %% [markdown]
# **What the bound test shows.** The bound explains the swap among the dropout rows.
# With $c = 8$, dropout + max-norm ends 0.10 points lower than with $c = 2$, on every
# seed, and 0.03 ± 0.02 points below dropout + L2 (Table L). The paper's best row is best
# again. The margin over dropout + L2 is small: 0.07 points on one seed, and 0.01 or less
# on the other two. Averaged over seeds, the validation set ranks the three the same way
# (1.22, 1.24 and 1.25 %), but one seed's validation error cannot separate them (see
# the search below). We chose to try $c = 8$ after seeing the test errors of $c = 2$,
# so the scoreboard row above stays "direction only".
#
# Without dropout the bound explains only part of the swap. With $c = \sqrt{15}$,
# max-norm ends 0.06 points lower than with $c = 2$ (1.43 against 1.48 %), but still
# 0.04 points above L2 alone (1.38 %), a difference of about one standard error that
# changes sign between seeds (Table L). So without dropout the paper's "max-norm beats
# L2" does not appear with either bound we tried.

# **Searching the bound at this length.** The bound test tried one other bound per row,
# and we chose it after seeing the test errors at $c = 2$. A fair test searches the bound
# as the 30-epoch table did. So, in a later session, we trained each max-norm row with
# seed 0 at every bound of its 30-epoch grid: $c \in \{2, \sqrt{15}, 8, 16\}$ with
# dropout and $c \in \{2, \sqrt{15}, 8\}$ without, everything else as in Table K. Three
# of these seven runs are new; the other four are the runs of Tables K and L.
#
# **The rule, fixed before the new runs.**
#
# - Each row takes the bound with the lowest final validation error of seed 0, ties to
#   the smaller bound (the rule of every search in this book). With dropout, $c = 2$
#   and $c = 8$ were already tied at 1.17 % before the search.
# - The chosen bound then trains with seeds 1 and 2, where it has no runs yet.
# - Table 9's six rows are ranked again with each max-norm row at its chosen bound and
#   the other four as in Table K, by the rule of Table K. This is a scoreboard row of its
#   own; the row of Table K stays as it is.
#
# Two caveats belong to this row. We had seen the test errors at four of the seven
# bounds before the search. And only the max-norm rows were searched at this length:
# the L2, L1 and KL rows keep their 30-epoch coefficients, which favours the max-norm
# rows.

# %%
choice_t9_long = {row: mnist_papers.chosen_on_validation(grid)
                  for row, grid in table9_long_search.items()}
bounds9 = sorted({c for grid in table9_long_search.values() for c in grid})
Markdown(notebook.markdown_table(
    ("row, 200 epochs, seed 0", *(f"c = {c:.3g}" for c in bounds9), "chosen",
     "as stored in the package"),
    [(row, *(pct(grid[c].final["val_error"]) if c in grid else "–" for c in bounds9),
      f"c = {choice_t9_long[row]:.3g}",
      "yes" if choice_t9_long[row] == ch03b.T9_LONG_CHOSEN[row] else "NO")
     for row, grid in table9_long_search.items()]))

# %% [markdown]
# *Table M. Final validation error (%) of each max-norm row, seed 0, at every bound of
# its grid after 200 epochs of Table 2's recipe, and the bound chosen. "As stored" checks
# that the package's `T9_LONG_CHOSEN`, which names the runs of the other seeds, is this
# choice.*

# %%
ranking9_searched = ch03b.table9_ranking(table9_searched)
n_seeds9_searched = min(len(runs) for runs in table9_searched.values())
Markdown(notebook.markdown_table(
    ("regularizer", "bound", "test error, 200 epochs (%)", "test error, paper (%)",
     "validation error, 200 epochs (%)"),
    [(row, f"c = {ch03b.T9_LONG_CHOSEN[row]:.3g}" if row in ch03b.T9_LONG_CHOSEN else "–",
      pct_se(finals(runs)), PAPER_T9[row], pct_se(finals(runs, "val_error")))
     for row, runs in table9_searched.items()]))

# %% [markdown]
# *Table N. Table K with each max-norm row at the bound chosen in Table M (mean ±
# standard error over seeds).*

# %% tags=["hide-input"]
chosen_bounds = ", ".join(f"{row} c = {c:.3g}" for row, c in ch03b.T9_LONG_CHOSEN.items())
claim_t9_ranking("srivastava2014-t9-ranking-table2-recipe-searched-bound", ranking9_searched,
                 n_seeds9_searched,
                 f"784-1024-1024-10, {run9_long.final['epochs']} epochs of Table 2's recipe; "
                 f"max-norm bounds chosen on validation at this length (seed 0: "
                 f"{chosen_bounds}), the other rows with their 30-epoch coefficients; test "
                 "errors at 4 of the 7 bounds seen before the search; mean test error over "
                 f"{n_seeds9_searched} seeds")
dropout_long = {"c = 2": table9_long["Dropout + max-norm"],
                "c = 8": table9_bound["Dropout + max-norm, c = 8"]}
val_means = {c: notebook.mean_se(finals(runs, "val_error"))[0] for c, runs in dropout_long.items()}
binomial_se = (val_means["c = 2"] * (1 - val_means["c = 2"]) / 10_000) ** 0.5
print("dropout + max-norm, validation error averaged over seeds: "
      + ", ".join(f"{c} {pct(v)} %" for c, v in val_means.items())
      + f"; one binomial standard error of a single validation error: {pct(binomial_se)} "
      "points")

# %% [markdown]
# **What the search shows: direction only.** The validation set cannot tell the bounds
# apart (Table M). With dropout, $c = 2$, 8 and 16 all end at 1.17 % on seed 0 (117 of
# the 10,000 validation images), and $\sqrt{15}$ at 1.20 %. Without dropout the three
# bounds lie within 0.01 points. By the tie rule, dropout + max-norm keeps Appendix
# B.1's $c = 2$, and max-norm takes $\sqrt{15}$, whose runs Table L already has.
#
# So Table N is Table K with max-norm at $\sqrt{15}$. Dropout + L2 stays best (1.13
# against 1.20 %), and without dropout max-norm (1.43 %) still trails L2 (1.38 %) and L1
# (1.42 %). The row is "direction only", as Table K's.
#
# On the test set $c = 8$ did better than $c = 2$ (Table L), but seed 0's validation
# error gives no reason to choose it. Averaged over the three seeds that both bounds
# have, validation would prefer $c = 8$ (1.22 against 1.25 %, printed above). That gap is about a
# quarter of one binomial standard error of a single validation error (about 0.11
# points at 1.2 %), and our rule, like the 30-epoch search's, used seed 0 only. Telling these
# bounds apart would take a larger validation set or a search over several seeds.

# %% [markdown]
# ## Figures 7 and 8: features and sparsity of an autoencoder
#
# **Paper.** An autoencoder with one hidden layer of 256 ReLU units, trained on MNIST
# without dropout and with dropout ($q = 0.5$) on the hidden units. Without dropout the
# features (each hidden unit's incoming weights, drawn as an image) look noisy and
# co-adapted; with dropout they are clean strokes, edges and spots (Figure 7). Dropout
# also makes the hidden activations sparser: the mean activation falls from about 2.0 to
# about 0.7 (Figure 8).
#
# **Ours.** A 784-256-784 autoencoder (ReLU hidden units, sigmoid outputs, binary
# cross-entropy summed over pixels), Adam with learning rate $10^{-3}$, 10 epochs on all
# 50,000 images, three seeds (the figures show seed 0). The paper's loss and optimizer
# for this experiment are not in our sources. Activations are measured on the 10,000
# test images with dropout off.

# %% tags=["hide-input"]
def mosaic(features: list, cols: int = 5) -> np.ndarray:
    tiles = np.array(features, dtype=float).reshape(-1, 28, 28) / 255.0
    rows = -(-len(tiles) // cols)
    out = np.ones((rows * 29 - 1, cols * 29 - 1))
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        out[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = tile
    return out


plotting.show_masks([mosaic(r.final["features"]) for r in autoencoders.values()],
                    [f"{label}" for label in autoencoders], xlabel="pixel column",
                    ylabel="pixel row", colorbar_label="weight (scaled per unit to [0, 1])",
                    panel_size=(3.6, 3.6))
plt.show()

# %% [markdown]
# *Figure F. The incoming weights of the first 25 hidden units of each autoencoder, each
# drawn as a 28 × 28 image scaled to its own range (black: most negative, white: most
# positive). Drawn after Srivastava et al.'s Figure 7.*

# %% tags=["hide-input"]
fig, (ax_act, ax_mean) = plotting.new_axes("activation", "count (log scale)", ncols=2,
                                           figsize=(10, 3.6))
for label, rec in autoencoders.items():
    edges = np.array(rec.final["hist_edges"])
    ax_act.stairs(np.maximum(rec.final["activation_hist"], 0.5), edges, label=label)
    ax_mean.stairs(rec.final["mean_activation_hist"], edges, label=label)
ax_act.set_yscale("log")
ax_act.set_title("all hidden activations")
ax_mean.set_xlabel("mean activation of an image's hidden units")
ax_mean.set_ylabel("images")
ax_mean.set_title("mean activation per image")
for ax in (ax_act, ax_mean):
    ax.legend()
plt.show()

# %% [markdown]
# *Figure G. Left: histogram of all hidden activations on the test images (log count;
# the last bin collects everything above its edge). Right: histogram over test images of
# the mean activation of the 256 hidden units. Drawn after Srivastava et al.'s Figure 8.*

# %% tags=["hide-input"]
def ae_stat(runs: list, key: str, scale: float = 1.0, digits: int = 2) -> str:
    mean, se = notebook.mean_se(finals(runs, key))
    return f"{scale * mean:.{digits}f} ± {scale * se:.{digits}f}"


n_seeds_ae = min(len(runs) for runs in autoencoder_runs.values())
for label, runs in autoencoder_runs.items():
    print(f"{label:10s}: mean activation {ae_stat(runs, 'mean_activation')}, "
          f"{ae_stat(runs, 'fraction_zero', 100, 1)} % of activations are exactly 0, "
          f"test reconstruction loss {ae_stat(runs, 'test_loss', digits=1)} nats per image "
          f"(mean ± s.e. over {len(runs)} seeds); hidden units inactive on every training "
          f"image, per seed: {', '.join(str(r.final['dead_units']) for r in runs)} of "
          f"{runs[0].config['hidden']}")
m0, m1 = (notebook.mean_se(finals(autoencoder_runs[label], "mean_activation"))[0]
          for label in ("no dropout", "dropout"))
close = abs(m0 - 2.0) <= 0.5 and abs(m1 - 0.7) <= 0.3
status = ("reproduced" if m1 < m0 and close else "direction only" if m1 < m0
          else "not reproduced")
claim("srivastava2014-fig8-mean-activation", "Figure 8",
      "mean hidden activation of the autoencoder, no dropout -> dropout",
      "≈ 2.0 -> ≈ 0.7", f"{m0:.2f} -> {m1:.2f}", status, seeds=n_seeds_ae,
      note="mean over seeds; 784-256-784 ReLU, Adam, 10 epochs; our loss and optimizer, "
           "the paper's unknown to us; 'reproduced' would need both within 0.5 / 0.3 of "
           "the paper's")

# %% [markdown]
# **Paper vs ours (Figures 7 and 8).** The sparsity result holds at the `cpu` budget:
# with dropout the mean hidden activation falls about fivefold, to near the paper's
# value, and about half of all activations are exactly zero instead of under a tenth
# (printed above). Without dropout our mean activation is higher than the paper's
# (about 2.6 against about 2.0); loss, optimizer and training length all differ, so we
# do not read much into the level. The features (Figure F) are a judgement by eye: with
# dropout most tiles show a few localized dark or bright spots and strokes; without
# dropout they look like fine, noisy textures spread over the whole image, as in the
# paper, though the contrast is weaker than in the paper's tiles. Two of the 25 units
# look like pure noise in both networks (the same two, since both start from the same
# initial weights). They are "dead" units, inactive on every training image at the end
# of training (the cell above counts them for every seed), and their weights hardly
# moved from their initial values. Dropout costs reconstruction quality on the test
# images (higher loss, printed above), which the paper does not report.

# %% [markdown]
# ## What it cost, and the `paper` budget
#
# The provenance of every stored run, and the cost of the `paper` budget. The `paper`
# budget restores the paper's networks where our sources give them (Figure 4's six
# architectures, Figure 9's 3 × 2048 network and the 2 × 1024 network of Table 10),
# uses the widths our notes and a secondary source give for Figure 9b and Figure 10
# (with no input dropout in Figure 9, as there), trains on all 50,000 images
# for 3,000 epochs with max-norm $c = 2$ (Appendix B.1), and keeps our recipe; Figure 4's
# networks train for 2,000 epochs (about a million updates) with their own schedule and
# $c = \sqrt{15}$, and Table 9's 784-1024-1024-2048-10 network and Table 10's networks
# for 3,000 epochs with that schedule (Table 9 with the coefficients chosen at the `cpu`
# budget; the estimate below includes repeating the coefficient search at that size).
# Table 10's papers'-form pair trains a second time with the previous chapter's `paper`
# recipe (Appendix B.1 and the paper's own learning-rate decay). Figures 9 and 10 have
# no training-length test at this budget, Figure 9 no test on all training images (it
# already trains on all of them), and Figure 4 and Table 9 no second training: their
# own trainings already have the paper's length. Figure 10's learning-rate test runs
# at the paper's length on its one network (72 runs at 100 and 500 images).
# We have not run it. Its cost is estimated from the number of floating-point
# operations, at the effective speed our CPU runs reached (one thread on a machine
# shared with other jobs, so a slow speed) and at an *assumed* 10 TFLOP/s for a GPU,
# plus an *assumed* fixed cost of 0.3 ms per weight update (kernel launches of small
# minibatches). Neither GPU figure is measured: treat the total as an order of
# magnitude.

# %%
cpu_flops = sum(ch03b.training_flops(c) for runs in ch03b.configs(env.budget).values()
                for c in runs)
cpu_seconds = sum(r.provenance["wall_seconds"] for r in all_runs)
rate = cpu_flops / cpu_seconds
print(f"this budget: {cpu_flops:.2e} FLOP in {cpu_seconds / 60:.0f} min "
      f"({rate / 1e9:.0f} GFLOP/s effective, evaluation included in the time)")
paper_configs = [c for runs in ch03b.configs("paper").values() for c in runs]
paper_flops = sum(ch03b.training_flops(c) for c in paper_configs)
paper_updates = sum(ch03b.n_updates(c) for c in paper_configs)
print(f"paper budget: {paper_flops:.2e} FLOP and {paper_updates / 1e6:.0f} million weight "
      f"updates -> {paper_flops / rate / 86400:.0f} days at that CPU speed, about "
      f"{ch03b.gpu_hours(paper_configs):.0f} h on a GPU at the assumed 10 TFLOP/s and "
      f"0.3 ms per update")

# %%
Markdown(notebook.provenance_table(all_runs))

# %% [markdown]
# ## Summary
#
# The scoreboard rows of this chapter say, claim by claim, what held at the `cpu`
# budget. In short:
#
# - **What held: the mechanisms.** The average of sampled thinned networks converges
#   towards the weight-scaled network (Figure 11): for Table 2's longer-trained networks
#   it ends two or three test images above it, for the small networks about five at
#   $k = 100$ and still about three with 1,024 samples, instead of matching it at
#   $k \approx 50$. Training the small networks as long as Table 2's (100,000 updates)
#   leaves their mean gap at about seven images over six networks; trained with Table
#   2's recipe as well, their gap falls to Table 2's two images, so the recipe, not the
#   width, explains the difference (by the reading fixed before the runs, six networks
#   per set; the difference is two standard errors). No set matches the paper's average
#   below weight scaling. Dropout makes an autoencoder's hidden
#   activations much sparser (Figure 8: mean activation from about 2.6 to about 0.6, the
#   paper's about 2.0 and 0.7).
# - **What did not hold: the benefits that need long training.** With at most 15,000
#   updates on all 50,000 images our dropout networks are under-trained, so they lose to
#   the same network without dropout (Figure 10 at 50,000 images). On the paper's
#   2 × 1024 network the difference between Gaussian and Bernoulli dropout is below
#   what three seeds resolve, after 30 epochs and after 200; after 30 its sign on the
#   test set depends on how the noise is written (Table 10). In Table 9, with
#   coefficients chosen on validation, the two dropout rows lead the other regularizers
#   by only about a tenth of a point after 30 epochs. Trained as long as Table 2, they
#   lead all four other rows by at least 0.18 points, but with $c = 2$ max-norm comes
#   behind L2 in both pairs, the reverse of the paper. With $c = 8$, dropout + max-norm
#   is best again (1.10 % against 1.13 % for dropout + L2); without dropout,
#   $c = \sqrt{15}$ narrows the gap to L2 but does not close it (1.43 against 1.38 %).
#   We tried both bounds after seeing the results. A search of the bound at this length,
#   on validation, cannot choose: with dropout $c = 2$, 8 and 16 tie, so $c = 2$ stays
#   and the row stays "direction only".
# - **Small training sets.** Where every network fits its training set, dropout helps
#   at every size, including the 100 and 500 images at which the paper saw no gain; with
#   the 256-unit network its gain peaks at 1,000 images, as the paper's does, but with
#   the paper's larger network it is largest at 100 images (Figure 10, three seeds),
#   whether it trains for 1,000, 4,000 or 16,000 updates. Giving the networks without
#   dropout the same max-norm bound changes nothing: their weights never reach it. Most
#   of the gain at 100 images is the learning rate's: with each network's rate chosen
#   on validation it falls from 3.9 to 1.5 points (256 units) and from 8.5 to 2.4
#   points (the paper's network), and now grows from 100 to 500 images; at 500 it
#   barely moves (3.3 and 3.8 points). With tuned rates both networks' gains peak at
#   500 images, the 256-unit network's just above its gain at 1,000, the paper's
#   network's (tuned at 1,000 updates) clearly above it (3.8 against 2.5 points).
# - **Figure 4** holds in the paper's strong form for the 2-, 3- and 4-layer networks of
#   1,024 units trained with Table 2's recipe for 100,000 updates: every dropout network
#   ends below every plain one (1.20, 1.14 and 1.18 % against 1.48, 1.41 and 1.52 %;
#   three seeds).
#   With Figure 4's shorter schedule (20,000 updates) it holds only pair by pair:
#   dropout lowers the mean test error of the 2-, 3- and 4-layer networks (four seeds,
#   each gain one to two standard errors), but the four-layer dropout network ends above
#   the best plain one (on the validation set every one is below).
# - **Figure 9** has the paper's shape with networks of 1,024 units (three seeds): with
#   $n$ fixed the error is flat for $0.4 \le q \le 0.8$, much higher at small $q$ and a
#   little higher at $q = 1$; with $qn$ fixed it is lowest at $q = 0.7$ (the paper's 0.6)
#   and rises on both sides. At $q = 0.1$ fixing $qn$ helps, but by 0.4 points where the
#   paper gains a full point; training those networks four times as long lowers both
#   panels' errors by about a point and leaves the step at 0.3 points, and training
#   them on all 50,000 images lowers them by 1.3 to 1.4 points and leaves it at 0.4.
#   Without input dropout, as in the paper's Figure 9, both errors fall by about 0.6
#   points and the step grows only to 0.5. In that setting the whole figure holds
#   closer to the paper: with $qn$ fixed validation picks $q = 0.6$, the paper's best,
#   and with $n$ fixed the error rises by 0.7 points from the plateau to $q = 1$.
#
# What we did not do: the paper's network sizes and training lengths (the `paper`
# budget); Figure 9's small-$q$ networks beyond 20,000 updates or at the paper's width
# and depth; a search of the max-norm bound over several seeds or with a larger
# validation set; a learning-rate choice for Figure 10's larger network at the panel's
# 4,000 updates beyond 500 images; a test of which part of Table 2's recipe (max-norm,
# the form of dropout, momentum, learning-rate schedule) closes the small networks'
# Figure 11 gap; and a check of the paper's numbers and networks against the paper itself (two secondary sources agree with our
# notes on Figure 10's network and Figure 9's setup).
#
# ## Exercises
#
# 1. In Figure 9b the width is $n = \mathrm{round}(128/q)$. How many units does a layer
#    keep on average at $q = 0.1$ and at $q = 1$, and how many parameters does the
#    784-$n$-$n$-10 network have in each case?
#
# :::{dropdown} Solution
# On average $qn \approx 128$ units in both cases (exactly 128 at $q = 0.1$, $n = 1280$,
# and at $q = 1$, $n = 128$). The parameter counts are
# $785 \cdot 1280 + 1281 \cdot 1280 + 1281 \cdot 10 = 2{,}657{,}290$ and
# $785 \cdot 128 + 129 \cdot 128 + 129 \cdot 10 = 118{,}282$: panel (b) compares networks
# whose sizes differ about 22-fold. Panel (b) changes the width and the dropout rate together,
# so read it beside panel (a), where only the dropout rate changes.
# :::
#
# 2. Why can weight scaling never be matched by $k = 1$ sampled network, however the
#    network was trained?
#
# :::{dropdown} Solution
# One thinned network uses, on average, only a fraction $q$ of the hidden units of every
# layer, and its prediction is a single draw from the ensemble. Weight scaling
# approximates the (geometric) mean of all $2^n$ thinned networks; averaging $k$ draws
# approaches the arithmetic mean only as $k$ grows, with a variance that falls like
# $1/k$.
# :::
#
# ## References
#
# The works cited in this chapter are listed, with links, on the
# [references page](../book/references.md).
