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
# # Dropout on MNIST: Hinton et al. (2012) and Srivastava et al. (2014)
#
# ## Overview
#
# The two founding papers of dropout report their cleanest numbers on MNIST, the
# handwritten-digit set of 60,000 training and 10,000 test images
# {cite:p}`lecun1998gradient`. The networks see the 784 pixels as an unordered vector
# ("permutation invariant"), so no convolution and no data augmentation help them: the
# whole gain comes from the regularizer. This chapter reruns:
#
# 1. the three 784-800-800-10 networks of {cite:t}`hinton2012improving`: no dropout,
#    50 % dropout on the hidden units, and 50 % hidden plus 20 % input dropout;
# 2. the fully connected rows of {cite:t}`srivastava2014dropout`, Table 2, on a
#    784-1024-1024-1024-10 network: without dropout, with dropout and logistic units,
#    with dropout and ReLUs, and the strongest, with dropout, ReLUs and a max-norm
#    constraint; and one of the table's wider networks, 784-4096-4096-10.
#
# Both use the training recipe of Hinton et al., Appendix A.1, compressed from 3,000
# epochs to 200 at the `cpu` budget. The [first chapter](01_how_dropout_works.ipynb)
# explains dropout itself; symbols follow the [notation page](../book/notation.md), so
# $p$ is the probability of **dropping** a unit (the papers' $p$ is the probability of
# keeping it).

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
from IPython.display import Markdown

import dropout_tutorial as dt
from dropout_tutorial import notebook, plotting, scoreboard
from dropout_tutorial.experiments import mnist_papers as ch03
from dropout_tutorial.experiments.mnist_papers import Recipe
from dropout_tutorial.experiments.srivastava_figures import gpu_hours, n_parameters
from dropout_tutorial.training import epoch_schedule

env = notebook.setup(budget, device, seed)

# %% [markdown]
# ## The recipe
#
# Hinton et al. train with stochastic gradient descent on minibatches of 100 examples
# and the cross-entropy loss. At epoch $e$ the learning rate is
# $\epsilon_e = \epsilon_0 f^{\,e}$ with $f = 0.998$, and the momentum $m_e$ rises
# linearly from 0.5 to 0.99 over the first 500 epochs. The weight update is
#
# $$
# \Delta w_t = m_e\, \Delta w_{t-1} - (1 - m_e)\, \epsilon_e\, \nabla_w L ,
# $$
#
# and after every update each hidden unit's vector of incoming weights $w_j$ is
# rescaled, if needed, so that $\lVert w_j \rVert_2^2 \le 15$ (the max-norm
# constraint, $c = \sqrt{15}$). The papers train for 3,000 epochs.
#
# Our `cpu` budget keeps every ingredient but compresses time: 200 epochs, with the
# momentum ramp over the first sixth of training. Two deliberate departures, both
# forced by our trials and stated in the scoreboard: ReLU units with PyTorch's default
# initialization, and $\epsilon_0 = 1$ rather than the paper's 10, which sent our ReLU
# networks to chance level within one epoch. The `paper` budget restores 3,000 epochs
# and $f = 0.998$.
#
# Compression leaves two choices open, and we let the **validation** error make them
# (next sections).
#
# - **The decay factor $f$.** Squeezing the paper's total decay into 200 epochs gives
#   $f = 0.998^{3000/200} \approx 0.970$, but then every learning rate is held for
#   fifteen times fewer updates than in the paper, and the networks stop learning long
#   before the end. We also try $f = 0.98$ and $f = 0.99$.
# - **What the max-norm bound constrains.** The papers use dropout in its original form:
#   kept units pass unchanged in training, and at test time the outgoing weights are
#   multiplied by the keep probability $1-p$. PyTorch's `nn.Dropout` is *inverted*: it
#   divides the kept units by $1-p$ in training and does nothing at test time. The two
#   compute the same functions, but the trained weights differ: inverted-dropout weights
#   are $(1-p)$ times the papers' weights. So the bound $\lVert w_j \rVert_2 \le
#   \sqrt{15}$ on inverted-dropout weights is **twice as loose** as the paper's behind a
#   50 % dropout layer (and 1.25 times behind the 20 % input dropout). Our first runs
#   used that loose bound: it held back only the output layer. One candidate therefore
#   uses the papers' form of dropout (`dropout="standard"` in the package), so the bound
#   applies to the same weights as in the paper. Its learning rate is then in the
#   papers' units as well, 4 times smaller for the weights behind a 50 % layer.
# - **Srivastava et al.'s own settings.** For every MNIST network, "including the ones
#   reported in Table 2", their Appendix B.1 states "a final momentum of 0.95 and weight
#   constraints with c = 2 [...] in all the layers". The 3 × 1024 network therefore has a
#   fourth candidate: the papers' form of dropout with $f = 0.99$, the momentum ramp
#   ending at 0.95 and $c = 2$ (Appendix B.1 gives neither the learning rate nor its
#   schedule).
#
# The step sizes of the candidates for the 3 × 1024 network (those for Hinton's network
# are the same):

# %%
configs = ch03.configs(env.budget)
candidates = ch03.recipe_candidates(env.budget)
for label, config in candidates["table2"].items():
    schedule = config.train
    print(f"{label:36s} {schedule.epochs} epochs, f = {schedule.lr_decay:.4f} per epoch, "
          f"momentum {schedule.momentum_start} -> {schedule.momentum} over "
          f"{schedule.momentum_epochs} epochs, "
          f"max-norm c = {schedule.max_norm:.3f}, {config.dropout} dropout")

# %% tags=["hide-input"]
fig, (ax_lr, ax_m) = plotting.new_axes("epoch", "", ncols=2, figsize=(10, 3.4))
for label, config in candidates["table2"].items():
    steps = [epoch_schedule(config.train, e) for e in range(config.train.epochs)]
    style = "--" if config.dropout == "standard" else "-"
    ax_lr.semilogy(range(config.train.epochs), [s[0] for s in steps], label=label, ls=style)
    ax_m.plot(range(config.train.epochs), [s[1] for s in steps], ls=style)
ax_lr.set_ylabel("step size (1 - m) ε")
ax_lr.legend(loc="upper right", fontsize="small")
ax_m.set_ylabel("momentum m")
plt.show()

# %% [markdown]
# *Figure 1. The compressed schedules: the effective step size $(1-m_e)\epsilon_e$ on a
# log scale (left) and the momentum $m_e$ (right) for each candidate recipe, per epoch.*
# The step shrinks by two orders of magnitude in the first sixth of training as the
# momentum approaches 0.99 (0.95 for Appendix B.1, whose step ends five times larger);
# after that only the decay $f$ matters, and with the paper's total decay the step ends
# about fifty times smaller than with $f = 0.99$. Dashed recipes use the papers' form of
# dropout, so their rates are in the papers' units.

# %% [markdown]
# ## The runs
#
# Networks train on the first 50,000 training images; the last 10,000 are the
# validation set. We report the network after the last epoch (no early stopping, as in
# the papers), and evaluate the test set after every epoch only to draw the learning
# curves below; no choice is made from them. The runner returns the stored records when
# they exist (`results/runs/`), so this cell takes seconds; `make reproduce` recomputes
# them.

# %%
records = {label: [dt.run(c, device=env.device) for c in runs] for label, runs in configs.items()}
finals = {label: runs for label, runs in records.items() if "candidate" not in label}
for label, runs in finals.items():
    print(f"{label:32s} {len(runs)} seed(s), {runs[0].final['epochs']} epochs, "
          f"{runs[0].final['updates']:,} weight updates, "
          f"f = {runs[0].config['train']['lr_decay']:.4f}, {runs[0].config['dropout']} dropout")

# %% [markdown]
# ## Choosing the recipe on validation
#
# For each network family we train seed 0 once per candidate recipe and keep the recipe
# whose network has the lowest validation error **after the last epoch**, with one
# exception: where the paper states its settings (Appendix B.1 for the 3 × 1024 network),
# we keep them unless their validation error is higher than the lowest by more than one
# binomial standard error (defined below), a gap the validation set cannot resolve. The
# test set plays no part. The final networks of the next two sections use the chosen
# recipe.
#
# A note on the order of events, so that the reader can weigh the 3 × 1024 result: the
# Appendix B.1 candidate and the rule above were added in a later session than the other
# candidates, when their test errors were already known, and the B.1 run's test error was
# known too when the rule was applied to it. Under the plain lowest-error rule the
# 3 × 1024 network would have kept the candidate with the papers' form and $c = \sqrt{15}$
# (the next cell shows both).

# %% tags=["hide-input"]
NETWORK = {"hinton2012": "784-800-800-10, hidden + input dropout",
           "table2": "784-1024-1024-1024-10 ReLU, dropout + max-norm"}
rows, chosen = [], {}
for family, runs in candidates.items():
    family_records = {label: dt.run(config, device=env.device) for label, config in runs.items()}
    chosen[family] = ch03.chosen_on_validation(family_records,
                                               prefer=ch03.prescribed_label(family))
    lowest = ch03.chosen_on_validation(family_records)
    for label, rec in family_records.items():
        best = min(rec.history["val_error"])
        rows.append((NETWORK[family], label, f"{rec.config['train']['lr_decay']:.4f}",
                     rec.config["dropout"],
                     f"{100 * rec.final['val_error']:.2f}", f"{100 * best:.2f}",
                     rec.final["best_val_epoch"],
                     "**chosen**" if label == chosen[family] else
                     "lowest" if label == lowest else ""))
Markdown(notebook.markdown_table(
    ("network (seed 0)", "recipe", "f per epoch", "dropout form", "final validation error (%)",
     "lowest validation error (%)", "at epoch", ""), rows))

# %% [markdown]
# *Table 1. Validation error (%) of seed 0 of each network family for each candidate
# recipe: after the last epoch (the criterion) and at its lowest, with the epoch where
# that happened; "lowest" marks the lowest final validation error where the rule kept the
# paper's settings instead.* A lowest error well below the final one, or reached early,
# means the schedule let the network drift; a late epoch means it was still improving.

# %%
FINAL_LABEL = {"hinton2012": "hidden + input dropout", "table2": "3x1024 ReLU, dropout + max-norm"}
for family, label in FINAL_LABEL.items():
    used, picked = configs[label][0], candidates[family][chosen[family]]
    same = (used.train, used.dropout) == (picked.train, picked.dropout)
    print(f"{NETWORK[family]}: the rule above chose '{chosen[family]}'; the final networks use "
          f"f = {used.train.lr_decay:.4f}, {used.dropout} dropout"
          + ("" if same else "  <-- NOT the validation choice"))

# %% [markdown]
# How finely can 10,000 validation images rank the candidates? An error rate $e$
# measured on $n$ independent images has a binomial standard error
# $\sqrt{e(1-e)/n}$, about 0.11 points at $e = 1.2\,\%$ and $n = 10{,}000$. Gaps of
# one or two tenths of a point between candidates are therefore within about two
# standard errors. For the record, and **after** the choice, the test errors of the
# same candidate networks:

# %%
for family, runs in candidates.items():
    for label, config in runs.items():
        rec = dt.run(config, device=env.device)
        val, test = rec.final["val_error"], rec.final["test_error"]
        se = (val * (1 - val) / (rec.config["val_size"] or 10_000)) ** 0.5   # binomial
        print(f"{family:10s} {label:32s} validation {100 * val:.2f} ± {100 * se:.2f} %, "
              f"test {100 * test:.2f} %" + ("   (chosen)" if label == chosen[family] else ""))

# %% [markdown]
# The test set does not always agree with the validation set: for Hinton's network, two
# candidates with inverted dropout have a lower test error than the chosen one, and for
# the 3 × 1024 network the order of the two papers'-form candidates flips between the
# sets. Every gap is within about two standard errors on both sets, which is the noise
# of choosing from one seed per candidate. We keep the protocol's choice; more seeds per
# candidate would make it firmer.

# %% [markdown]
# ## Hinton et al. (2012): three networks

# %% tags=["hide-input"]
HINTON_PAPER = {"no dropout": "≈ 160", "hidden dropout": "≈ 130", "hidden + input dropout": "≈ 110"}
hinton = {}
rows = []
for label, paper in HINTON_PAPER.items():
    runs = records[label]
    errors, se = notebook.mean_se([100 * r.final["test_error"] for r in runs])
    hinton[label] = (errors, se)
    cfg = runs[0].config
    n_train = cfg["train_size"] or 50_000
    rows.append((label, cfg["p_input"], cfg["p_hidden"], "yes" if cfg["train"]["max_norm"] else "no",
                 f"{cfg['train']['lr_decay']:.3f}",
                 f"{100 * errors:.0f}" + (f" ± {100 * se:.0f}" if len(runs) > 1 else ""),
                 paper, f"{sum(r.final['train_error'] for r in runs) / len(runs) * n_train:.0f}"
                 f" of {n_train:,}", len(runs),
                 ", ".join(str(r.final["best_val_epoch"]) for r in runs)))
Markdown(notebook.markdown_table(
    ("network", "p input", "p hidden", "max-norm", "f", "test errors, ours (of 10,000)",
     "test errors, paper", "training errors, ours (mean)", "seeds",
     "best validation epoch (per seed)"), rows))

# %% [markdown]
# *Table 2. Test errors (out of 10,000) of the final 784-800-800-10 networks, ours at
# the stated budget (mean ± standard error over seeds) beside
# {cite:t}`hinton2012improving`.* The paper's three numbers
# are quoted from a secondary summary of the paper; we have not yet checked them
# against the PDF. The best validation epoch shows whether a network was still
# improving when training stopped.

# %% tags=["hide-input"]
none, hidden, both = (hinton[k][0] for k in HINTON_PAPER)
final_hinton = configs["hidden + input dropout"][0]
schedule = final_hinton.train
ordering = none > hidden > both
row = scoreboard.record_claim(scoreboard.Claim(
    claim_id="hinton2012-mnist-ordering", paper="hinton2012improving",
    where="MNIST results (main text)", metric="test errors of 10,000: none > hidden > hidden+input",
    paper_value="≈ 160 > ≈ 130 > ≈ 110",
    our_value=f"{100 * none:.0f} > {100 * hidden:.0f} > {100 * both:.0f}" if ordering
    else f"{100 * none:.0f}, {100 * hidden:.0f}, {100 * both:.0f} (order broken)",
    budget=env.budget, seeds=len(records["no dropout"]),
    status=scoreboard.status_for(both, hinton["hidden + input dropout"][1], paper=1.10,
                                 tolerance=0.10, direction_holds=ordering),
    chapter="03_dropout_on_mnist",
    note=f"{schedule.epochs} epochs instead of 3,000; dropout nets: decay f = "
         f"{schedule.lr_decay:.3f} per epoch and {final_hinton.dropout} dropout, chosen on "
         f"validation; ReLU units, initial rate 1 instead of 10"))
print(f"ordering none > hidden > hidden + input holds: {ordering}")
print(f"Scoreboard: {row.claim_id} -> {row.status}")

# %% [markdown]
# ## Srivastava et al. (2014), Table 2: 3 × 1024 ReLU units with max-norm
#
# Table 2 of {cite:t}`srivastava2014dropout` lists 1.06 % test error for a
# 784-1024-1024-1024-10 ReLU network with dropout (retain 0.8 at the input, 0.5 at the
# hidden layers, so `p_input=0.2, p_hidden=0.5` here) and a max-norm constraint, the
# best fully connected network of the paper without pretraining, against 1.25 % with
# dropout alone. As for Hinton's numbers, these values come from secondary summaries
# that agree with each other; we print them with that caveat. We also report the
# training time at which the test error first reached 1.10 %.

# %% tags=["hide-input"]
big = records["3x1024 ReLU, dropout + max-norm"]
big_config = configs["3x1024 ReLU, dropout + max-norm"][0]
big_schedule = big_config.train
big_err, big_se = notebook.mean_se([100 * r.final["test_error"] for r in big])
reached = [ch03.first_reaching(r.history, "test_error", 0.0110) for r in big]
when = ", ".join("not reached" if hit is None else f"epoch {hit[0]} after {hit[1] / 60:.0f} min"
                 for hit in reached)
row = scoreboard.record_claim(scoreboard.Claim(
    claim_id="srivastava2014-table2-relu-maxnorm-3x1024", paper="srivastava2014dropout",
    where="Table 2", metric="test error (%), 3x1024 ReLU, dropout + max-norm",
    paper_value="1.06", our_value=f"{big_err:.2f}", budget=env.budget, seeds=len(big),
    status=scoreboard.status_for(big_err, big_se, paper=1.06, tolerance=0.10,
                                 direction_holds=big_err < hinton["no dropout"][0]),
    chapter="03_dropout_on_mnist",
    note=f"{big_schedule.epochs} epochs instead of the paper's (about 10^6 updates); decay "
         f"f = {big_schedule.lr_decay:.3f} per epoch, {big_config.dropout} dropout, final "
         f"momentum {big_schedule.momentum} and max-norm c = {big_schedule.max_norm:.3g} "
         f"(Appendix B.1 where it states them, kept by the validation rule; that candidate "
         f"was added after the other candidates' test errors were known); initial rate 1"))
print(f"final test error {big_err:.2f} % (paper: 1.06 %); first at or below 1.10 %: {when}")
print(f"Scoreboard: {row.claim_id} -> {row.status}")

# %% [markdown]
# **How fast.** The times above are wall times of runs that shared the machine's two
# cores with other training jobs, so they say little about speed. For that,
# `benchmarks/bench_fit.py --sizes 784,1024,1024,1024,10` times one epoch of this
# network's training on an otherwise idle machine. It times the package's `fit` and a
# bare hand-written loop on the same tensors; neither evaluates anything. For comparison,
# a plain single-file PyTorch script with this kind of schedule trained this network
# for 200 epochs in 41 minutes on the same kind of two-core machine (a measurement made
# for this project, not a published number).

# %% tags=["hide-input"]
benches = [b for b in (notebook.load_benchmark(f"fit_table2_{threads}")
                       for threads in ("1thread", "2threads")) if b is not None]
for b in benches:
    print(f"{b['meta']['threads']} thread(s): fit {b['fit_epoch_s']:.2f} s per epoch, bare "
          f"loop {b['bare_epoch_s']:.2f} s (fit / bare {b['ratio_fit_over_bare']:.2f}); "
          f"200 epochs of fit: {b['fit_200_epochs_min']:.1f} min")
if benches:
    meta = benches[0]["meta"]
    print(f"median of {meta['epochs_timed']} epochs after one warm-up, training only; measured "
          f"{meta['measured'][:10]}, torch {meta['torch']}, {meta['cpu']}, {meta['cores']} "
          f"cores, load average {meta['load_average_1min']:.1f}")
else:
    print("benchmark files not found (run benchmarks/bench_fit.py --sizes "
          "784,1024,1024,1024,10 --json results/benchmarks/fit_table2_2threads.json)")

# %% [markdown]
# With both cores, 200 epochs of this network's training take about 29 minutes in the
# package, 12 minutes under the reference script's 41. The bare loop is no faster: `fit`
# adds its schedules, history and a checkpoint per epoch at no measurable cost (the
# ratio is below 1 in both settings, printed above). One thread is about 1.45 times
# slower; our background runs used one thread each so that two could share the machine.
# Evaluating the validation and test sets after every epoch, as the runs above do,
# comes on top of these times and is not measured here. The load average counts the
# benchmark's own threads.

# %% [markdown]
# ## Srivastava et al. (2014), Table 2: every 3 × 1024 row
#
# Table 2 builds up to that network one change at a time: a standard network, then
# dropout with logistic units, dropout with ReLUs, and dropout with ReLUs and max-norm.
# We train the same 784-1024-1024-1024-10 network for every row, with the recipe chosen
# above (its learning-rate schedule, momentum and form of dropout), and apply the
# max-norm bound only in the last row; so each row differs from the one before it by
# exactly the change the table names. The paper's "standard neural net" row is a
# different network, Simard et al.'s two layers of 800 logistic units; ours is the
# 3 × 1024 ReLU network without dropout, which isolates what dropout adds.

# %% tags=["hide-input"]
TABLE2_ROWS = {  # our runs -> (paper's row, its test error in %)
    "3x1024 standard net (ReLU)": ("standard neural net (Simard et al.), logistic, 2 × 800",
                                   1.60),
    "3x1024 dropout, logistic": ("dropout, logistic, 3 × 1024", 1.35),
    "3x1024 dropout, ReLU": ("dropout, ReLU, 3 × 1024", 1.25),
    "3x1024 ReLU, dropout + max-norm": ("dropout + max-norm, ReLU, 3 × 1024", 1.06),
}
table2 = {label: notebook.mean_se([100 * r.final["test_error"] for r in records[label]])
          for label in TABLE2_ROWS}
rows = []
for label, (paper_row, paper) in TABLE2_ROWS.items():
    runs, (err, se) = records[label], table2[label]
    rows.append((paper_row, f"{paper:.2f}", f"{err:.2f}" + (f" ± {se:.2f}" if len(runs) > 1 else ""),
                 len(runs), ", ".join(f"{100 * r.final['test_error']:.2f}" for r in runs),
                 f"{100 * sum(r.final['val_error'] for r in runs) / len(runs):.2f}",
                 f"{100 * sum(r.final['train_error'] for r in runs) / len(runs):.2f}",
                 f"{sum(r.final['train_seconds'] for r in runs) / len(runs) / 60:.1f}"))
Markdown(notebook.markdown_table(
    ("Table 2 row", "paper: test error (%)", "ours: test error (%)", "seeds",
     "ours: test error per seed (%)", "ours: validation error (%)",
     "ours: training error (%)", "training time (min per run)"),
    rows))

# %% [markdown]
# *Table 3. Srivastava et al. (2014), Table 2, the rows of fully connected networks
# without pretraining on the 3 × 1024 network: test error (%) of the network after the
# last epoch, ours (mean ± standard error where there are several seeds) beside the
# paper's {cite:p}`srivastava2014dropout`, and each seed's.* Validation and training
# errors are the means over seeds after the last epoch. The paper's values come from
# secondary summaries that agree with each other.

# %% tags=["hide-input"]
def ordering_claim(claim_id: str, labels: list[str], metric: str, paper_value: str):
    """One scoreboard row: do the test errors of ``labels`` fall in this order?"""
    errors = [table2[label][0] for label in labels]
    ordering = all(a > b for a, b in zip(errors, errors[1:]))
    step = min(a - b for a, b in zip(errors, errors[1:]))
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=claim_id, paper="srivastava2014dropout", where="Table 2", metric=metric,
        paper_value=paper_value,
        our_value=" > ".join(f"{e:.2f}" for e in errors) if ordering
        else ", ".join(f"{e:.2f}" for e in errors) + " (order broken)",
        budget=env.budget, seeds=min(len(records[label]) for label in labels),
        status="reproduced" if ordering else "not reproduced", chapter="03_dropout_on_mnist",
        note=f"one 3x1024 network for every row, trained with the same recipe (paper's "
             f"standard net: 2x800 logistic units); {big_schedule.epochs} epochs; smallest "
             f"step {step:.2f} points (one binomial s.e. of the test set: about 0.11)"))
    print(f"{metric}: {row.our_value}\nScoreboard: {row.claim_id} -> {row.status}")


ordering_claim("srivastava2014-table2-ordering", list(TABLE2_ROWS),
               "test error (%): standard > dropout logistic > dropout ReLU > dropout ReLU + "
               "max-norm", "1.60 > 1.35 > 1.25 > 1.06")
ordering_claim("srivastava2014-table2-relu-ordering",
               [label for label in TABLE2_ROWS if "logistic" not in label],
               "test error (%) of the ReLU rows: standard > dropout > dropout + max-norm",
               "1.60 > 1.25 > 1.06")
for label, claim_id in (("3x1024 dropout, logistic", "logistic"), ("3x1024 dropout, ReLU", "relu")):
    err, se = table2[label]
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=f"srivastava2014-table2-{claim_id}-3x1024", paper="srivastava2014dropout",
        where="Table 2", metric=f"test error (%), 3x1024 {label.split(', ')[1]}, dropout",
        paper_value=f"{TABLE2_ROWS[label][1]:.2f}", our_value=f"{err:.2f}",
        budget=env.budget, seeds=len(records[label]),
        status=scoreboard.status_for(err, se, paper=TABLE2_ROWS[label][1], tolerance=0.10,
                                     direction_holds=err < table2["3x1024 standard net (ReLU)"][0]),
        chapter="03_dropout_on_mnist",
        note=f"{big_schedule.epochs} epochs; the recipe chosen for the max-norm network "
             f"(no max-norm in this row)"
             + (f", with rate {configs[label][0].train.lr:g} and N(0, "
                f"{configs[label][0].init_std:g}²) weights chosen on validation"
                if configs[label][0].init_std is not None else "")
             + "; 'direction' = below our network without dropout"))
    print(f"Scoreboard: {row.claim_id} -> {row.status}")

# %% [markdown]
# ### The logistic network's learning rate
#
# The recipe was chosen on the ReLU network. Logistic units learn slowly under it: with
# the recipe as it is, the logistic network stays near chance for its first epochs and
# still misclassifies training images after 200 epochs. So the logistic row has its own
# choice on the validation set between two candidates of 200 epochs each: the recipe as
# it is, and an initial rate of 3 with weights drawn from $N(0, 0.1^2)$ instead of
# PyTorch's default (standard deviations of 0.02 to 0.04 here). That second candidate
# was picked from three probes of 8 epochs (rate 3; the larger weights; both) as the one
# that left the initial plateau fastest; the probes are not stored. As above, the test
# set plays no part in the choice.

# %% tags=["hide-input"]
logistic_configs = ch03.logistic_candidates(env.budget)
logistic_runs = {setting: dt.run(config, device=env.device)
                 for setting, config in logistic_configs.items()}
logistic_choice = ch03.chosen_on_validation(logistic_runs)
rows = []
for setting, rec in logistic_runs.items():
    below10 = ch03.first_reaching(rec.history, "val_error", 0.10)
    rows.append((setting.label, "never" if below10 is None else below10[0],
                 f"{100 * rec.final['train_error']:.2f}", f"{100 * rec.final['val_error']:.2f}",
                 f"{100 * rec.final['test_error']:.2f}",
                 "**chosen**" if setting == logistic_choice else ""))
Markdown(notebook.markdown_table(
    ("candidate (seed 0)", "first epoch below 10 % validation error",
     "training error (%)", "validation error (%)", "test error (%)", ""), rows))

# %% [markdown]
# *Table 4. The logistic dropout network under each candidate setting, after the last
# epoch: the lowest validation error picks the final logistic network of Table 3 (the
# test errors are shown after the choice).*

# %% tags=["hide-input"]
used = configs["3x1024 dropout, logistic"][0]
print(f"validation chose '{logistic_choice.label}'; the final logistic network uses rate "
      f"{used.train.lr:g} and init_std {used.init_std}"
      + ("" if used == logistic_configs[logistic_choice]
         else "  <-- NOT the validation choice"))
for label in TABLE2_ROWS:
    print(f"{label:32s} training error after the last epoch: "
          + ", ".join(f"{100 * r.final['train_error']:.2f} %" for r in records[label]))

# %% [markdown]
# **Paper vs ours (Table 2).** The three ReLU rows reproduce the paper's steps (Table 3):
# dropout lowers the test error of the 3 × 1024 network by about a quarter of a point,
# to within a few hundredths of the paper's 1.25 %, and the max-norm bound lowers it by
# a little less than another tenth. That last gap is smaller than one binomial standard
# error of the test set (0.11 points), but it is about four times the seed-to-seed
# standard errors of the two rows (three seeds each), and every max-norm seed ends
# below every seed without it (Table 3). So the step holds for this test set and these
# seeds; whether it would hold on another sample of 10,000 test images, one test set
# cannot tell.
#
# The logistic row holds, but only just. With its rate and initialization chosen on
# validation (Table 4), the logistic dropout network ends within a tenth of a point of
# the paper's 1.35 %, and below the network without dropout, so the four-row ordering
# holds. Its margin over the network without dropout, though, is a few hundredths of a
# point. Seed by seed the logistic network is ahead in all three pairs, but the margin
# is far less than one binomial standard error of the test set (0.11 points), and the
# seeds of the two rows overlap (Table 3), so three seeds per row do not resolve that
# step of the ordering. The logistic
# network also still misclassifies some of its own training images after 200 epochs
# (printed above), unlike the ReLU networks, so it would probably gain from longer
# training. With the recipe as it is (Table 4's first candidate), it ended far above the
# network without dropout: for logistic units, the learning rate and the initial weights
# matter as much as dropout does here.

# %% tags=["hide-input"]
fig, ax = plotting.new_axes("weight updates", "test error (%)")
for label, runs in finals.items():
    rec = runs[0]
    per_epoch = rec.final["updates"] / rec.final["epochs"]
    ax.plot([per_epoch * e for e in rec.history["epoch"]],
            [100 * v for v in rec.history["test_error"]], label=label)
ax.set_xscale("log")
ax.set_ylim(0.8, 3.0)
ax.axhline(1.10, color="grey", lw=1, ls=":")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
plt.show()

# %% [markdown]
# *Figure 2. Test error (%) against the number of weight updates (log scale) for every
# final network of this chapter, seed 0; the dotted line marks 1.10 %.* Drawn in the
# style of Srivastava et al.'s Figure 4. Every ReLU dropout network ends below the
# networks without dropout, whose test error stops improving early (the 784-800-800-10
# network's validation error is lowest within the first 15 epochs, Table 2); the
# logistic dropout network, still underfitting, ends level with the 3 × 1024 network
# without dropout (Table 3). The
# dropout networks start more slowly, since each update trains a random thinned network,
# and keep improving for much longer: their best validation epochs come many epochs
# later (Table 2).

# %% [markdown]
# ## Srivastava et al. (2014), Table 2: a wider network
#
# Table 2 goes on to wider networks with dropout, ReLUs and max-norm: two hidden layers
# of 4,096 units (1.01 %) and two of 8,192 (0.95 %), the paper's best fully connected
# results without pretraining. (A 3 × 2048 row sits between them; we know its value only
# from memory, so it is left out.) Appendix B.1 gives one set of settings for every MNIST
# architecture, so we train a 784-4096-4096-10 network with the 3 × 1024 network's recipe
# and change only the widths. It has about seven times as many weights as the 3 × 1024
# network (printed below), so each update does about seven times the work; Table 5 gives
# the time of our run. The 2 × 8192 network, four times larger again, is left to the
# `paper` budget. The `cpu` budget trains one seed of the 2 × 4096 network, where the
# book's other rows have three: each seed trains for hours on two cores (Table 5 gives
# its epoch time).
#
# We fixed the reading while the networks trained, before any of them had finished. The
# paper's direction is that the wider network does better than the 3 × 1024 one (1.01
# against 1.06 %). So the row is "reproduced" if the mean final test error is below our
# 3 × 1024 networks' mean and within 0.10 points plus two standard errors of 1.01 %
# (the book's rule; with one seed there is no standard error across seeds, so the band
# is 0.10 points); "direction only" if it is below that mean but further from 1.01 %;
# "not reproduced" if it is not below. This is a weak test: the gap the paper reports
# between the two networks, 0.05 points, is smaller than one seed's binomial standard
# error on the test set (about 0.11 points).

# %% tags=["hide-input"]
WIDER_ROWS = {  # our runs -> (paper's row, its test error in %)
    "2x4096 ReLU, dropout + max-norm": ("dropout + max-norm, ReLU, 2 × 4096", 1.01),
    "2x8192 ReLU, dropout + max-norm": ("dropout + max-norm, ReLU, 2 × 8192", 0.95),
}
wider = {label: records[label] for label in WIDER_ROWS if label in records}  # per budget
base_label = "3x1024 ReLU, dropout + max-norm"
rows = []
for label, (paper_row, paper) in {base_label: TABLE2_ROWS[base_label], **WIDER_ROWS}.items():
    if label not in records:
        continue
    runs = records[label]
    err, se = notebook.mean_se([100 * r.final["test_error"] for r in runs])
    hits = [ch03.first_reaching(r.history, "test_error", 0.0110) for r in runs]
    rows.append((paper_row, f"{paper:.2f}", f"{err:.2f}" + (f" ± {se:.2f}" if len(runs) > 1 else ""),
                 len(runs), f"{100 * sum(r.final['val_error'] for r in runs) / len(runs):.2f}",
                 f"{100 * sum(r.final['train_error'] for r in runs) / len(runs):.2f}",
                 ", ".join("not reached" if hit is None else f"{hit[0]}" for hit in hits),
                 f"{sum(r.final['train_seconds'] for r in runs) / len(runs) / 60:.0f}",
                 ", ".join(f"{ch03.median_epoch_seconds(r.history):.0f}" for r in runs),
                 ", ".join(sorted({str(r.provenance["threads"]) for r in runs}))))
Markdown(notebook.markdown_table(
    ("Table 2 row", "paper: test error (%)", "ours: test error (%)", "seeds",
     "ours: validation error (%)", "ours: training error (%)",
     "first epoch at or below 1.10 % test error (per seed)", "training time (min per run)",
     "median epoch (s, per seed)", "threads"),
    rows))

# %% [markdown]
# *Table 5. Srivastava et al. (2014), Table 2, the dropout + max-norm networks of
# different widths: test error (%) of the network after the last epoch, ours (mean ±
# standard error where there are several seeds) beside the paper's
# {cite:p}`srivastava2014dropout`; validation and training errors after the last
# epoch, the first epoch whose test error is at or below 1.10 %, the training time per
# run (wall time; the runs shared the machine with other work), the median training
# time of one epoch, which the slow stretches barely move, and the threads per run
# (the 3 × 1024 runs used one and often ran two at once).* The paper's values come from
# secondary summaries that agree with each other.

# %% tags=["hide-input"]
base_err = table2[base_label][0]
for label, runs in wider.items():
    net = label.split()[0]
    err, se = notebook.mean_se([100 * r.final["test_error"] for r in runs])
    paper = WIDER_ROWS[label][1]
    row = scoreboard.record_claim(scoreboard.Claim(
        claim_id=f"srivastava2014-table2-relu-maxnorm-{net}", paper="srivastava2014dropout",
        where="Table 2", metric=f"test error (%), {net} ReLU, dropout + max-norm",
        paper_value=f"{paper:.2f}", our_value=f"{err:.2f}", budget=env.budget,
        seeds=len(runs),
        status=scoreboard.status_for(err, se, paper=paper, tolerance=0.10,
                                     direction_holds=err < base_err),
        chapter="03_dropout_on_mnist",
        note=f"{runs[0].final['epochs']} epochs, the 3x1024 network's recipe with only the "
             f"widths changed; 'direction' = below our 3x1024 networks' mean "
             f"({base_err:.2f} %), as the paper's 1.06 -> {paper:.2f}"
             + ("; one seed (binomial s.e. of the test set about 0.11 points)"
                if len(runs) == 1 else "")))
    print(f"{label}: {err:.2f} % against {base_err:.2f} % for 3x1024 (paper: "
          f"{paper:.2f} against 1.06); {err - paper:+.2f} points from the paper's value, "
          f"{err - base_err:+.2f} from our 3x1024 mean\nScoreboard: {row.claim_id} -> {row.status}")
    ratio = n_parameters(configs[label][0]) / n_parameters(big_config)
    print(f"weights and biases: {ratio:.1f} times the 3x1024 network's")
for label in (base_label, *wider):
    for r in records[label]:
        tail = [100 * v for v in r.history["test_error"][-20:]]
        print(f"{label}, seed {r.config['seed']}: test error over the last 20 epochs "
              f"{min(tail):.2f} to {max(tail):.2f} %, mean {sum(tail) / len(tail):.2f} %")

# %% [markdown]
# **Paper vs ours.** Our 2 × 4096 network (one seed) ends at 1.19 % test error: 0.18
# points above the paper's 1.01 %, and 0.05 points *above* our 3 × 1024 networks' mean
# rather than below it. By the rule fixed above, the row is not reproduced. One seed
# cannot show that the wider network is worse, either: 0.05 points is less than one
# binomial standard error of the test set (about 0.11 points), and over the last 20
# epochs its test error (1.13 to 1.22 %) overlaps the 3 × 1024 seeds' (printed above).
# Its final validation
# error equals the 3 × 1024 networks' mean, 1.20 %, and it classifies every training
# image correctly (Table 5).
#
# Why we fall short of the paper's 1.01 % (our reading, not tested here): the recipe is
# the one chosen on validation for the 3 × 1024 network, and a network with 6.9 times as
# many weights may need another learning rate, which Appendix B.1 does not give; and
# it trains for 200 epochs, not 3,000. The run was stopped and resumed from its
# checkpoints, partly on one thread instead of two, so its floating-point sums differ
# slightly from those of an uninterrupted run (the record shows the last setting).
# More seeds (`python -m dropout_tutorial.experiments run 03_dropout_on_mnist --only
# 2x4096 --seeds 0,1,2`), and the `paper` budget's three seeds of 3,000 epochs, would
# show better whether the paper's small gain from width appears here; a gain as small as
# the paper's 0.05 points needs more than three seeds to resolve.

# %% [markdown]
# ## What the recipe and the budget change
#
# Table 1 separates the two choices. The cell below compares, for each family, the
# paper's total decay, the best candidate with PyTorch's inverted dropout, and the
# candidate with the papers' form of dropout, by final validation error.

# %%
for family, runs in candidates.items():
    vals = {label: 100 * dt.run(config, device=env.device).final["val_error"]
            for label, config in runs.items()}
    inverted = {k: v for k, v in vals.items() if runs[k].dropout == "inverted"}
    papers = {k: v for k, v in vals.items() if runs[k].dropout == "standard"}
    best_inverted = min(inverted, key=inverted.get)
    line = (f"{NETWORK[family]}: paper's total decay {vals[Recipe().label]:.2f} %, best inverted "
            f"'{best_inverted}' {inverted[best_inverted]:.2f} %")
    for label, val in papers.items():
        line += f", '{label}' {val:.2f} % (validation error)"
    print(line)

# %% [markdown]
# Slowing the decay alone moves the validation error by about one standard error
# (0.11 points) or less, in either direction. Applying the max-norm bound to the papers'
# weights brings the larger gain: about one standard error for Hinton's network and
# more than two for the 3 × 1024 network. It is the same dropout and the same bound, written
# in the other parametrization: with PyTorch's inverted dropout the weights behind a
# 50 % dropout layer come out half the papers' size, so the bound $\sqrt{15}$ is twice
# as loose on them. Anyone porting a max-norm recipe from the papers to `nn.Dropout`
# should scale the bound by the keep probability $1-p$ of the layer's input (or use the
# papers' form, as here).
#
# Appendix B.1's settings for the 3 × 1024 network, a bound of $c = 2$ instead of
# $\sqrt{15} \approx 3.87$ on the papers' weights and a final momentum of 0.95 instead of
# 0.99, change the final validation error by less than one standard error (the cell
# above prints both). On the test set, looked at after the choice, the B.1 network is
# slightly ahead. With one seed each and gaps under one standard error on both sets,
# neither difference is evidence either way; the paper's settings stay because nothing
# here rejects them.
#
# We still fall short of both papers (Table 2, the 3 × 1024 result and the scoreboard
# say by how much). What remains different, in decreasing order of how much we expect
# it to matter (our reading, not tested here): training length (200 epochs against
# 3,000, so each learning rate is held for fifteen times fewer updates), the initial
# learning rate (1 against 10, which killed our ReLU networks), and the units (ReLU
# with PyTorch's default initialization for Hinton's networks). Table 2 and the
# 3 × 1024 section give the number of seeds: where there is one, the error bar is
# unknown, and the binomial standard error of the test set, about 0.11 points, is a
# lower bound on it.
#
# The `paper` budget (`make reproduce BUDGET=paper DEVICE=cuda`) runs the papers' 3,000
# epochs with the chosen dropout form and is meant for a GPU, where we have not measured
# it yet. The stored training times give its cost on this CPU (one thread per run, two
# for the 2 × 4096 network, printed below), and the cell below
# estimates its GPU time from the floating-point operations at an *assumed* 10 TFLOP/s
# plus an *assumed* 0.3 ms per weight update (an order of magnitude, not a measurement). Srivastava et al.'s
# Figure 4 (its three 1,024-unit architectures), Figures 7–11 and Tables 9 and 10 are
# reproduced at reduced scale in [part 2](03b_srivastava_figures.ipynb). Of Table 2's
# wider networks, the `cpu` budget trains one 2 × 4096 network (Table 5); the `paper`
# budget trains three seeds each of the 2 × 4096 and 2 × 8192 networks.

# %%
for label, runs in finals.items():
    per_epoch = ch03.median_epoch_seconds(runs[0].history)
    threads = runs[0].provenance["threads"]
    print(f"{label:32s} {per_epoch:5.1f} s per epoch (median) -> 3,000 epochs: "
          f"{3000 * per_epoch / 3600:.1f} h on this CPU, {threads} thread(s)")
paper_runs = [c for runs in ch03.configs("paper").values() for c in runs]
print(f"paper budget: {len(paper_runs)} runs of 3,000 epochs, about "
      f"{gpu_hours(paper_runs):.0f} h on one GPU at the assumed rates")
# a chosen candidate is also a final network: count each stored run once
all_runs = list({repr(sorted(r.config.items())): r
                 for runs in records.values() for r in runs}.values())
print(f"{len(all_runs)} runs, {sum(r.provenance['wall_seconds'] for r in all_runs) / 60:.0f} "
      f"minutes of training in all")
Markdown(notebook.provenance_table(all_runs))

# %% [markdown]
# ## Summary
#
# - With Hinton et al.'s recipe, dropout lowers the test error of a 784-800-800-10
#   network, and dropping 20 % of the input pixels as well helps further (Table 2 and
#   the scoreboard say how far our numbers are from the paper's, and why).
# - A 3 × 1024 ReLU network with dropout and max-norm is the strongest network of the
#   chapter; its section above says whether it crossed 1.10 % test error.
# - On that network, Table 2's steps hold: dropout, then max-norm, each lower the test
#   error, dropout alone to the paper's value. The logistic row needs its own learning
#   rate and initial weights (chosen on validation, Table 4); with them it comes within
#   a tenth of a point of the paper's value, level with the network without dropout.
# - A max-norm bound from the papers constrains their weights. With PyTorch's inverted
#   dropout the same bound is $1/(1-p)$ times looser; choosing on validation, the
#   papers' form of dropout, with the bound on the papers' weights, won for both
#   networks (Table 1).
# - Dropout networks learn more slowly per update but keep improving long after a plain
#   network has stopped.
# - Table 2's wider network, 784-4096-4096-10 with the same recipe, did not beat the
#   3 × 1024 network here (1.19 % for one seed against a mean of 1.14 %; the paper has
#   1.01 against 1.06 %): not reproduced, though the difference is within the test
#   set's noise.
#
# ## Exercises
#
# 1. Hinton et al.'s update multiplies the gradient by $1 - m_e$. What effective
#    learning rate does plain momentum SGD with rate $\eta$ and momentum $m$ have for a
#    constant gradient, and which $\eta$ reproduces Hinton's update?
#
# :::{dropdown} Solution
# For a constant gradient $g$, momentum SGD converges to steps of $-\eta g/(1-m)$.
# Hinton's update converges to $-\epsilon g$. Choosing $\eta = (1-m)\epsilon$ makes the
# two identical, which is how `dropout_tutorial.training` implements it
# (`scale_grad_by_momentum=True`).
# :::
#
# 2. Why does the network without dropout reach its best validation error early, while
#    the dropout networks keep improving?
#
# :::{dropdown} Solution
# Without dropout the network soon fits the training set exactly (training error near
# zero), after which the gradient mostly sharpens its confidence on examples it already
# classifies correctly. With dropout every update sees a different thinned network, so
# the training loss stays well above zero and the gradient keeps carrying information
# about features that generalize.
# :::
#
# ## References
#
# The works cited in this chapter are listed, with links, on the
# [references page](../book/references.md).
