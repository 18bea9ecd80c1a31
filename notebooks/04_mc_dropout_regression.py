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
# # MC dropout for regression: Gal & Ghahramani (2016)
#
# ## Overview
#
# A network trained with dropout can do more than predict: if dropout stays **on** at
# test time, every forward pass samples a different thinned network, and the spread of
# the $T$ answers says how sure the network is. {cite:t}`gal2016dropout` showed that
# this "MC dropout" is approximate Bayesian inference, and tested it on the UCI
# regression benchmark and on an extrapolation task. This chapter:
#
# 1. states the approximation exactly (what $\tau$, $p$, $l$ and the weight decay mean);
# 2. reruns Table 1 of the paper, the nine UCI data sets on their published splits,
#    under the paper's protocol and under the corrected protocol of the authors'
#    repository;
# 3. redraws Figure 2: extrapolating the Mauna Loa CO₂ series.
#
# Symbols follow the [notation page](../book/notation.md): $p$ is the probability of
# **dropping** a unit.

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
from IPython.display import Markdown

import dropout_tutorial as dt
from dropout_tutorial import notebook, plotting, scoreboard
from dropout_tutorial.experiments import co2, uci
from dropout_tutorial.regression_data import load_co2
from dropout_tutorial.techniques.mc import model_precision

env = notebook.setup(budget, device, seed)

# %% [markdown]
# ## Dropout as approximate inference, in four equations
#
# Take a network $f^{\omega}(x)$ with weight matrices $\omega = \{W_1, \dots, W_L\}$ and
# a Gaussian likelihood $y \sim \mathcal{N}(f^{\omega}(x), \tau^{-1})$, where the
# **model precision** $\tau$ is the inverse of the observation noise variance. Dropout
# defines a distribution $q(\omega)$ over weights: each row of $W_i$ is either kept
# or set to zero, with probability $p$ of being dropped. Gal and Ghahramani show that
# minimizing the usual dropout objective, the squared error on $N$ training points plus
# an L2 penalty $\lambda \sum_i \lVert W_i \rVert^2$, is the same as fitting $q(\omega)$
# to the posterior of a Bayesian network whose weights have a Gaussian prior of length
# scale $l$, provided
#
# $$
# \lambda = \frac{l^2 (1 - p)}{2 N \tau}
# \qquad\Longleftrightarrow\qquad
# \tau = \frac{l^2 (1 - p)}{2 N \lambda}.
# $$
#
# At test time the predictive distribution is approximated with $T$ dropout samples
# $\hat y_t = f^{\hat\omega_t}(x)$, $\hat\omega_t \sim q(\omega)$:
#
# $$
# \mathbb{E}[y] \approx \frac{1}{T}\sum_{t=1}^{T} \hat y_t ,
# \qquad
# \operatorname{Var}[y] \approx \tau^{-1} + \frac{1}{T}\sum_{t=1}^{T} \hat y_t^2
# - \Big(\frac{1}{T}\sum_{t=1}^{T} \hat y_t\Big)^2 ,
# $$
#
# and the test log-likelihood of a point $(x, y)$ is that of the mixture of $T$
# Gaussians, computed stably with log-sum-exp:
#
# $$
# \log p(y \mid x) \approx \operatorname{logsumexp}_{t}\Big(-\frac{\tau}{2}(y - \hat y_t)^2\Big)
# - \log T - \frac12 \log 2\pi + \frac12 \log \tau .
# $$
#
# The first term of the variance is the noise in the data (aleatoric); the second, the
# spread of the sampled networks, is the model's own uncertainty (epistemic). For example,
# Boston's weight decay in Gal's scripts, with $l = 10^{-2}$, $p = 0.05$ and $N = 455$,
# corresponds to the precision the paper fitted:

# %%
lam = float(uci.weight_decay(0.05, 0.159707652696, 455))
print(f"weight decay lambda = {lam:.3e}  ->  tau = {model_precision(1e-2, 0.05, 455, lam):.4f}")

# %% [markdown]
# ## The UCI benchmark (Table 1)
#
# Each of the nine data sets comes with the 20 random 90 % / 10 % train/test splits of
# Hernández-Lobato and Adams (5 for protein), which Gal's repository ships. Inputs and
# targets are standardized with the training split's statistics. The network has one
# hidden layer of 50 ReLU units (100 for protein) and dropout on its input and hidden
# layer; it is trained with Adam on the squared error plus the weight decay above, and
# evaluated with $T = 10{,}000$ dropout samples. We run two protocols:
#
# - **gal2016**, the paper's run, as its 2016 scripts do it: the paper's per-set $p$
#   and $\tau$ (found by Bayesian optimisation), the scripts' per-set prior length
#   scale, batches of 32, and 400 epochs (200 for protein). The paper's text says 40
#   epochs, but the repository's 2016 experiment script trains ten times the base
#   number, and with 40 epochs our networks are far from the paper's numbers (see
#   below). Since $p$ and $\tau$ were tuned on the test splits, this protocol is
#   optimistic, as the authors later noted.
# - **grid2018**, the repository's corrected protocol: for each split, the last 20 % of
#   the training rows validate a grid of 4 drop probabilities × 3 precisions, the best
#   pair by validation log-likelihood is retrained on the whole training split, with
#   batches of 128, $l = 10^{-2}$ and 4,000 epochs: 100 times the base number, the
#   multiplier in the names of the repository's result files (its README says "10x").
#   We estimate the validation log-likelihood with 1,000 samples rather than 10,000 to
#   save time; the test metrics use 10,000. At the `cpu` budget this protocol runs on
#   the five small sets only; the `paper` budget runs all nine.
#
# All networks of a protocol train at once, stacked into batched matrix products
# ({class}`~dropout_tutorial.stacked.StackedMLP`): for the grid protocol that is
# 240 networks per data set.

# %%
configs = uci.configs(env.budget)
records = {group: {c.dataset: dt.run(c, device=env.device) for c in runs}
           for group, runs in configs.items()}
for group, runs in records.items():
    minutes = sum(r.provenance["wall_seconds"] for r in runs.values()) / 60
    print(f"{group:20s} {len(runs)} data sets, {minutes:.1f} min of training and evaluation")

# %% [markdown]
# ### The paper's protocol against the paper's numbers

# %% tags=["hide-input"]
paper_rows = uci.compare({n: r.final for n, r in records["gal2016"].items()}, "paper")


def fmt(value: float, se: float) -> str:
    digits = 4 if abs(value) < 0.1 else 3 if abs(value) < 1 else 2
    return f"{value:.{digits}f} ± {se:.{digits}f}"


def comparison_table(rows):
    by_set = {}
    for r in rows:
        by_set.setdefault(r.dataset, {})[r.metric] = r
    return notebook.markdown_table(
        ("data set", "RMSE, ours", "RMSE, paper", "within 1 s.e.", "log-lik., ours",
         "log-lik., paper", "within 1 s.e."),
        [(name, fmt(m["mc_rmse"].ours, m["mc_rmse"].ours_se),
          fmt(m["mc_rmse"].paper, m["mc_rmse"].paper_se), "yes" if m["mc_rmse"].within else "no",
          fmt(m["ll"].ours, m["ll"].ours_se), fmt(m["ll"].paper, m["ll"].paper_se),
          "yes" if m["ll"].within else "no") for name, m in by_set.items()])


Markdown(comparison_table(paper_rows))

# %% [markdown]
# *Table 1. MC-dropout test RMSE and test log-likelihood (mean ± standard error over the
# splits) under the paper's protocol, beside Table 1 of {cite:t}`gal2016dropout`.* The
# paper printed standard deviations over splits and labelled them standard errors; we
# divide them by $\sqrt{20}$ ($\sqrt{5}$ for protein) to get the standard errors shown.
# "Within 1 s.e." means the gap is at most the standard error of the difference,
# $\sqrt{se_{ours}^2 + se_{paper}^2}$.

# %% tags=["hide-input"]
fig, axes = plotting.new_axes("", "", ncols=2, figsize=(10, 4.2))
plotting.plot_paper_vs_ours(*uci.normalized(paper_rows, "mc_rmse"),
                            xlabel="test RMSE / paper's RMSE", ax=axes[0])
plotting.plot_paper_vs_ours(*uci.normalized(paper_rows, "ll"),
                            xlabel="test log-likelihood − paper's (nats)", ax=axes[1])
axes[1].set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# *Figure 1. Ours against the paper, per data set, with ±1 standard-error bars: test
# RMSE as a ratio to the paper's (left, 1 = equal; lower is better) and test
# log-likelihood as a difference from the paper's in nats (right, 0 = equal; higher is
# better).*

# %% tags=["hide-input"]
hits = {m: sum(r.within for r in paper_rows if r.metric == m) for m in ("mc_rmse", "ll")}
n_sets = len(records["gal2016"])
for metric, label in (("mc_rmse", "test RMSE"), ("ll", "test log-likelihood")):
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=f"gal2016-uci-table1-{metric.replace('_', '-')}", paper="gal2016dropout",
        where="Table 1", metric=f"UCI {label}: data sets within 1 s.e. of the paper",
        paper_value="9 data sets", our_value=f"{hits[metric]} of {n_sets}", budget=env.budget,
        seeds=1, status="reproduced" if hits[metric] >= 7 else
        "direction only" if hits[metric] >= n_sets // 2 else "not reproduced",
        chapter="04_mc_dropout_regression",
        note="paper's per-set p and tau, 2016 scripts' batch 32 and 400 epochs; 1 seed, all splits"))
    print(f"{label}: {hits[metric]} of {n_sets} data sets within one standard error "
          f"-> {row.status}")
mc_better = sum(r.final["mc_rmse_mean"] < r.final["rmse_mean"] for r in records["gal2016"].values())
print(f"MC averaging has a lower test RMSE than weight scaling on {mc_better} of {n_sets} sets")

# %% [markdown]
# ### Why 400 epochs and not 40
#
# The paper's text trains for 40 epochs. The same protocol with 40 epochs, on three of
# the sets:

# %% tags=["hide-input"]
Markdown(notebook.markdown_table(
    ("data set", "RMSE, 40 epochs", "RMSE, 400 epochs", "RMSE, paper",
     "log-lik., 40 epochs", "log-lik., 400 epochs", "log-lik., paper"),
    [(n, fmt(r.final["mc_rmse_mean"], r.final["mc_rmse_se"]),
      fmt(records["gal2016"][n].final["mc_rmse_mean"], records["gal2016"][n].final["mc_rmse_se"]),
      f"{uci.PAPER_TABLE1[n][0]:.3g}", fmt(r.final["ll_mean"], r.final["ll_se"]),
      fmt(records["gal2016"][n].final["ll_mean"], records["gal2016"][n].final["ll_se"]),
      f"{uci.PAPER_TABLE1[n][2]:.3g}")
     for n, r in records["gal2016, 40 epochs"].items()]))

# %% [markdown]
# *Table 2. The paper's protocol trained for 40 and for 400 epochs (mean ± standard error
# over the splits), beside the paper.* With 40 epochs of Adam at its default step size,
# these small sets get fewer than a thousand updates and the networks are still far from
# the paper's errors; 400 epochs, the number in the repository's 2016 experiment script,
# land close to them.

# %% [markdown]
# ### The corrected protocol against the repository's 2018 numbers

# %% tags=["hide-input"]
grid_rows = uci.compare({n: r.final for n, r in records["grid2018"].items()}, "repo2018")
Markdown(comparison_table(grid_rows).replace("paper", "repo 2018"))

# %% [markdown]
# *Table 3. MC-dropout test RMSE and log-likelihood under the grid-search protocol
# (mean ± standard error), beside the run in the authors' repository
# (`log_100_xepochs_1_hidden_layers.txt`, August 2018).* The repository's script keeps
# dropout on in its "standard" prediction as well (Keras `training=True`), so its
# standard RMSE is a single dropout sample; we compare MC results only.

# %% tags=["hide-input"]
grid_hits = {m: sum(r.within for r in grid_rows if r.metric == m) for m in ("mc_rmse", "ll")}
n_grid = len(records["grid2018"])
for metric, label in (("mc_rmse", "test RMSE"), ("ll", "test log-likelihood")):
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=f"gal2016-uci-grid2018-{metric.replace('_', '-')}", paper="gal2016dropout",
        where="repository README (2018 grid search)",
        metric=f"UCI {label}: data sets within 1 s.e. of the repository",
        paper_value=f"{n_grid} data sets", our_value=f"{grid_hits[metric]} of {n_grid}",
        budget=env.budget, seeds=1, status="reproduced" if grid_hits[metric] >= 0.75 * n_grid
        else "direction only" if grid_hits[metric] >= n_grid / 2 else "not reproduced",
        chapter="04_mc_dropout_regression",
        note="grid of 4 p x 3 tau chosen per split on validation (T = 1,000 there)"))
    print(f"{label}: {grid_hits[metric]} of {n_grid} data sets within one standard error "
          f"-> {row.status}")

# %% [markdown]
# ### Concrete dropout instead of a tuned $p$
#
# {cite:t}`gal2017concrete` learn the drop probability of each layer instead of searching
# a grid (the [Concrete dropout chapter](06_concrete_dropout.ipynb) explains how). Their
# appendix compares it with grid-searched MC dropout on these sets, but we found no
# numbers to quote, so this is a comparison between our own runs: the paper protocol
# above with every layer's $p$ learned from 0.1, the authors' regularizer (weight term
# $l^2/(\tau N)$, dropout term $2/(\tau N)$) and the same $\tau$, $l$ and training.

# %% tags=["hide-input"]
rows = []
for n, r in records["concrete2017"].items():
    tuned = records["gal2016"][n].final
    learned = np.array(r.history["learned_p"])
    rows.append((n, fmt(r.final["mc_rmse_mean"], r.final["mc_rmse_se"]),
                 fmt(tuned["mc_rmse_mean"], tuned["mc_rmse_se"]),
                 fmt(r.final["ll_mean"], r.final["ll_se"]), fmt(tuned["ll_mean"], tuned["ll_se"]),
                 f"{learned[:, 0].mean():.3f}", f"{learned[:, 1].mean():.3f}",
                 f"{uci.GAL2016_SETTINGS[n][0]}"))
Markdown(notebook.markdown_table(
    ("data set", "RMSE, Concrete", "RMSE, tuned p", "log-lik., Concrete", "log-lik., tuned p",
     "learned p, input", "learned p, hidden", "tuned p"), rows))

# %% [markdown]
# *Table 4. Concrete dropout against MC dropout with the paper's tuned $p$ (mean ±
# standard error over the splits; learned $p$ averaged over the splits).*
#
# On these small sets Concrete dropout does worse than the tuned $p$. The reason is
# visible in the learned probabilities: the dropout term of the regularizer, which
# rewards a high-entropy mask with weight $2K/(\tau N)$, is large when $N$ is a few
# hundred and $\tau$ is small, and it drives the hidden layer's $p$ towards 0.5 on most
# sets, far above the tuned 0.01–0.05; the networks then underfit. Wine, with the
# largest $\tau$ among them, is the exception that learns an almost-zero $p$. This is
# one seed of our implementation with the authors' regularizer weights, not a
# reproduction of a published number.

# %% tags=["hide-input"]
wins = sum(r.final["ll_mean"] >= records["gal2016"][n].final["ll_mean"]
           for n, r in records["concrete2017"].items())
learned_in = np.mean([np.array(r.history["learned_p"])[:, 0].mean()
                      for r in records["concrete2017"].values()])
learned_hidden = np.mean([np.array(r.history["learned_p"])[:, 1].mean()
                          for r in records["concrete2017"].values()])
n_concrete = len(records["concrete2017"])
row = scoreboard.record_claim(scoreboard.Claim(
    claim_id="gal2017-uci-concrete-vs-tuned", paper="gal2017concrete", where="Appendix (UCI)",
    metric="UCI test log-likelihood: Concrete dropout >= MC dropout with tuned p (sets)",
    paper_value="comparable (no numbers found)", our_value=f"{wins} of {n_concrete}",
    budget=env.budget, seeds=1,
    status="direction only" if wins >= n_concrete / 2 else "not reproduced",
    chapter="04_mc_dropout_regression",
    note="authors' regularizer weights l^2/(tau N), 2/(tau N); paper protocol otherwise"))
print(f"Concrete dropout matches or beats the tuned p in test log-likelihood on {wins} of "
      f"{n_concrete} sets; mean learned p: input {learned_in:.3f}, hidden {learned_hidden:.3f} "
      f"-> {row.status}")

# %% [markdown]
# ## Extrapolating the CO₂ series (Figure 2)
#
# The data are Gal's: 272 monthly CO₂ concentrations from Mauna Loa, time and
# concentration both standardized. The networks see them and are then asked about the
# next stretch of time, to the right of the dotted line. The paper's networks had four
# hidden layers of 1,024 units, dropout $p = 0.1$ after each, and 10⁶ SGD iterations;
# at the `cpu` budget we keep the depth, $p$, the weight decays and the batch of 200,
# with 256 units per layer and 20,000 Adam iterations.

# %%
co2_records = {c.activation: dt.run(c, device=env.device) for c in co2.configs(env.budget)["co2"]}
data = load_co2()
for act, rec in co2_records.items():
    f = rec.final
    print(f"{act}: {f['iterations']:,} iterations, training RMSE {f['train_rmse_standard']:.3f} "
          f"(standardized units), MC sd {f['mc_std_train']:.3f} on the data vs "
          f"{f['mc_std_far']:.3f} at the far end")

# %% tags=["hide-input"]
fig, axes = plotting.new_axes("time (standardized)", "CO₂ (standardized)", ncols=3,
                              figsize=(14, 4))
relu, tanh = co2_records["relu"].history, co2_records["tanh"].history
boundary = float(data.x_train.max())
axes[0].plot(relu["x"], relu["standard"], color="#2ca02c", label="weight scaling (dropout off)")
axes[0].plot(data.x_train, data.y_train, ".", ms=3, color="#d62728", label="training points")
axes[0].axvline(boundary, color="grey", ls=":", lw=1)
axes[0].legend(loc="upper left")
axes[0].set_title("(a) standard dropout, ReLU")
for ax, h, title in ((axes[1], relu, "(c) MC dropout, ReLU"), (axes[2], tanh, "(d) MC dropout, TanH")):
    plotting.plot_predictive_band(h["x"], h["mc_mean"], h["mc_std"], x_train=data.x_train,
                                  y_train=data.y_train, boundary=boundary, ax=ax)
    ax.set_title(title)
for ax in axes:
    ax.set_ylim(-3, 8)
plt.tight_layout()
plt.show()

# %% [markdown]
# *Figure 2. Predictions of the CO₂ networks on the training range and beyond it (right
# of the dotted line). (a) The ReLU network with dropout switched off, as standard
# dropout is used: a single curve. (c, d) MC dropout with 1,000 passes: the mean and a
# band of ±2 standard deviations of the passes, for ReLU and TanH units.* The bands show
# only the spread of the sampled networks, the epistemic part; the paper's $\tau$ for
# this figure is not recorded in its solver files, so we do not add $\tau^{-1}$. The
# paper's panel (b), a Gaussian process, is not redrawn.
#
# With 20,000 iterations, 2 % of the paper's, our networks still underfit the seasonal
# oscillation (the training RMSEs printed above are in standardized units, where the
# series has standard deviation 1), so the curves on the training range are rougher than
# the paper's. The extrapolation behaviour, which is the point of the figure, does not
# need a perfect fit.

# %% tags=["hide-input"]
growth = {a: r.final["mc_std_far"] / r.final["mc_std_train"] for a, r in co2_records.items()}
row = scoreboard.record_claim(scoreboard.Claim(
    claim_id="gal2016-co2-uncertainty-grows", paper="gal2016dropout", where="Figure 2",
    metric="MC sd far from the data / on the data (ReLU vs TanH)",
    paper_value="grows for ReLU, bounded for TanH (figure)",
    our_value=f"ReLU {growth['relu']:.1f}x, TanH {growth['tanh']:.1f}x", budget=env.budget,
    seeds=1, status="reproduced" if growth["relu"] > 2 and growth["relu"] > growth["tanh"]
    else "not reproduced", chapter="04_mc_dropout_regression",
    note="4 x 256 units and 20,000 Adam iterations instead of 4 x 1024 and 10^6 SGD"))
print(f"MC sd, far end / training range: ReLU {growth['relu']:.1f}x, TanH {growth['tanh']:.1f}x "
      f"-> {row.status}")

# %% [markdown]
# ## Cost and provenance
#
# The stacked networks make the benchmark cheap: the whole paper protocol, 9 data sets
# × 20 splits with 10,000 MC samples each, and the grid protocol (13 networks per split) train
# in the times below on one CPU core. The MC evaluation draws one dropout mask per
# sample and network and folds it into the weights
# ({func}`~dropout_tutorial.stacked.sampled_networks_forward`), so 10,000 samples over a
# test split cost a few matrix products. These times were measured on the shared 2-core
# machine while other jobs ran, so the same work varied by up to ten times between runs;
# `benchmarks/bench_stacked.py` measures the ratios cleanly (results in
# `results/benchmarks/stacked.json`).

# %%
rows = [(group, n, f"{r.final['epochs']}", f"{r.final['test_train_seconds']:.0f}",
         f"{r.final['test_eval_seconds'] / r.final['n_splits']:.2f}", f"{r.final['seconds']:.0f}")
        for group, runs in records.items() for n, r in runs.items()]
Markdown(notebook.markdown_table(("protocol", "data set", "epochs", "final training, all splits (s)",
                                  f"MC test metrics per split, T = {configs['gal2016'][0].T:,} (s)",
                                  "whole run (s)"), rows))

# %%
all_runs = [r for runs in records.values() for r in runs.values()] + list(co2_records.values())
Markdown(notebook.provenance_table(all_runs))

# %% [markdown]
# ## Summary
#
# - Keeping dropout on at test time turns a trained network into a distribution over
#   networks; with the weight decay tied to a prior length scale and a precision
#   $\tau$, its predictive mean, variance and likelihood follow from $T$ samples.
# - On the UCI benchmark the paper's numbers need the 2016 scripts' training length
#   (400 epochs at batch 32), not the 40 epochs of the text (Tables 1 and 2); the
#   scoreboard counts the sets within one standard error.
# - Far from the data, MC dropout with ReLU units becomes uncertain while the
#   deterministic network extrapolates with confidence (Figure 2).
#
# ## Exercises
#
# 1. Boston's $\tau \approx 0.16$ is in units of (thousands of dollars)⁻². What
#    observation noise standard deviation does it imply, and how does it compare with
#    the test RMSE in Table 1?
#
# :::{dropdown} Solution
# $\sigma = \tau^{-1/2} \approx 2.5$ thousand dollars. The test RMSE (about 3) also
# contains the model's own error, so it is larger than the noise alone.
# :::
#
# 2. Why does the log-likelihood use log-sum-exp over the $T$ samples instead of the
#    log-density of a single Gaussian with the predictive mean and variance?
#
# :::{dropdown} Solution
# The MC predictive distribution is a mixture of $T$ Gaussians of variance $\tau^{-1}$
# centred on the samples. Log-sum-exp evaluates the mixture's density exactly (and
# without underflow); a single Gaussian with matched moments is a further
# approximation, which can be better or worse for heavy-tailed mixtures.
# :::
#
# ## References
#
# The works cited in this chapter are listed, with links, on the
# [references page](../book/references.md).
