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
# 2. the strongest fully connected row of {cite:t}`srivastava2014dropout`, Table 2: a
#    784-1024-1024-1024-10 ReLU network with dropout and a max-norm constraint.
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
# Our `cpu` budget keeps every ingredient but compresses time: 200 epochs, a decay
# factor $f = 0.998^{3000/200}$ so the learning rate falls by the same total amount, and
# the momentum ramp over the first sixth of training. Two deliberate departures, both
# forced by our trials and stated in the scoreboard: ReLU units with PyTorch's default
# initialization, and $\epsilon_0 = 1$ rather than the paper's 10, which sent our ReLU
# networks to chance level within one epoch. The `paper` budget restores 3,000 epochs.
# The schedule the runs actually used:

# %%
configs = ch03.configs(env.budget)
schedule = configs["hidden + input dropout"][0].train
epochs = range(schedule.epochs)
steps = [epoch_schedule(schedule, e) for e in epochs]
print(f"{schedule.epochs} epochs, lr decay f = {schedule.lr_decay:.4f} per epoch, "
      f"momentum ramp over {schedule.momentum_epochs} epochs, max-norm c = {schedule.max_norm:.3f}")

# %% tags=["hide-input"]
fig, (ax_lr, ax_m) = plotting.new_axes("epoch", "", ncols=2, figsize=(10, 3.4))
ax_lr.semilogy(list(epochs), [s[0] for s in steps])
ax_lr.set_ylabel("step size (1 - m) ε")
ax_m.plot(list(epochs), [s[1] for s in steps])
ax_m.set_ylabel("momentum m")
plt.show()

# %% [markdown]
# *Figure 1. The compressed schedule: the effective step size $(1-m_e)\epsilon_e$ on a
# log scale (left) and the momentum $m_e$ (right) per epoch.* The step shrinks by
# two orders of magnitude in the first sixth of training, as the momentum approaches
# 0.99, and then decays slowly.

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
for label, runs in records.items():
    print(f"{label:32s} {len(runs)} seed(s), {runs[0].final['epochs']} epochs, "
          f"{runs[0].final['updates']:,} weight updates")

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
                 f"{100 * errors:.0f}" + (f" ± {100 * se:.0f}" if len(runs) > 1 else ""),
                 paper, f"{sum(r.final['train_error'] for r in runs) / len(runs) * n_train:.0f}"
                 f" of {n_train:,}", len(runs),
                 ", ".join(str(r.final["best_val_epoch"]) for r in runs)))
Markdown(notebook.markdown_table(
    ("network", "p input", "p hidden", "max-norm", "test errors, ours (of 10,000)",
     "test errors, paper", "training errors, ours (mean)", "seeds",
     "best validation epoch (per seed)"), rows))

# %% [markdown]
# *Table 1. Test errors (out of 10,000) of the final 784-800-800-10 networks, ours at
# the stated budget (mean ± standard error over seeds) beside
# {cite:t}`hinton2012improving`.* The paper's three numbers
# are quoted from a secondary summary of the paper; we have not yet checked them
# against the PDF. The best validation epoch shows whether a network was still
# improving when training stopped.

# %% tags=["hide-input"]
none, hidden, both = (hinton[k][0] for k in HINTON_PAPER)
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
    note=f"{schedule.epochs} epochs instead of 3,000; ReLU units, initial rate 1 instead of 10"))
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
    note=f"{schedule.epochs} epochs instead of the paper's (about 10^6 updates); max-norm "
         f"c = sqrt(15) instead of c = 2; initial rate 1"))
print(f"final test error {big_err:.2f} % (paper: 1.06 %); first at or below 1.10 %: {when}")
print(f"Scoreboard: {row.claim_id} -> {row.status}")

# %% tags=["hide-input"]
fig, ax = plotting.new_axes("weight updates", "test error (%)")
for label, runs in records.items():
    rec = runs[0]
    per_epoch = rec.final["updates"] / rec.final["epochs"]
    ax.plot([per_epoch * e for e in rec.history["epoch"]],
            [100 * v for v in rec.history["test_error"]], label=label)
ax.set_xscale("log")
ax.set_ylim(0.8, 3.0)
ax.axhline(1.10, color="grey", lw=1, ls=":")
ax.legend(loc="lower left")
plt.show()

# %% [markdown]
# *Figure 2. Test error (%) against the number of weight updates (log scale) for every
# network of this chapter, seed 0; the dotted line marks 1.10 %.* Drawn in the style of
# Srivastava et al.'s Figure 4. Every dropout network ends below the network without
# dropout, whose validation error is lowest within the first 15 epochs (Table 1). The
# dropout networks start more slowly, since each update trains a random thinned
# network, and keep improving for much longer: their best validation epochs come many
# epochs later (Table 1). None of our networks reached 1.10 %.

# %% [markdown]
# ## What the budget changes
#
# We fall short of both papers: Hinton's best network makes more test errors than the
# paper's ≈ 110 (Table 1), and the 3 × 1024 network stays above Srivastava's 1.06 %.
# Three things differ from the papers, in decreasing order of how much we expect them
# to matter (our reading, not yet tested): training length (200 epochs against 3,000,
# so the learning rate decays fifteen times faster per epoch), the initial learning
# rate (1 against 10) and the units and initialization (ReLU with PyTorch's default
# against the paper's setup). The dropout networks stopped improving well before the
# end of our schedule, once the learning rate had fallen a long way, which points at
# the first two. Note also that with this recipe even the dropout networks end with
# almost no training errors (Table 1), so they still overfit somewhat.
#
# The `paper` budget (`make reproduce BUDGET=paper DEVICE=cuda`) runs the papers' 3,000
# epochs and is meant for a GPU, where we have not measured it yet; the stored training
# times give its cost on the same CPU core. Srivastava et al.'s Figures 7–11 and Tables
# 9 and 10 are reproduced at reduced scale in [part 2](03b_srivastava_figures.ipynb); the
# other Table 2 rows, Figure 4's six architectures and a third seed are not in this
# edition.

# %%
for label, runs in records.items():
    per_epoch = runs[0].final["train_seconds"] / runs[0].final["epochs"]
    print(f"{label:32s} {per_epoch:5.1f} s per epoch -> 3,000 epochs: "
          f"{3000 * per_epoch / 3600:.1f} h on this CPU core")
all_runs = [r for runs in records.values() for r in runs]
print(f"{len(all_runs)} runs, {sum(r.provenance['wall_seconds'] for r in all_runs) / 60:.0f} "
      f"minutes of training in all")
Markdown(notebook.provenance_table(all_runs))

# %% [markdown]
# ## Summary
#
# - With Hinton et al.'s recipe, dropout lowers the test error of a 784-800-800-10
#   network, and dropping 20 % of the input pixels as well helps further (Table 1 and
#   the scoreboard say how far our numbers are from the paper's, and why).
# - A 3 × 1024 ReLU network with dropout and max-norm is the strongest network of the
#   chapter; Figure 2 shows when it crossed 1.10 % test error.
# - Dropout networks learn more slowly per update but keep improving long after a plain
#   network has stopped.
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
