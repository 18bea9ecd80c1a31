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
# # The dropout zoo
#
# ## Overview
#
# Since {cite:t}`hinton2012improving` switched off random units, dozens of variants
# have changed *what* is dropped (units, channels, blocks, weights, branches, word
# types, attention weights), *how* the noise is drawn (Bernoulli, Gaussian, relaxed,
# learned) and *when* (a schedule, or at test time too). This chapter puts them side by
# side. Each technique gets its formula, its source file in the `dropout_tutorial`
# package, its paper, and a picture of its mask or noise drawn with a fixed seed.
#
# By the end you will know:
#
# 1. what each technique drops, and how it rescales at training and at test time;
# 2. which techniques learn something (a drop probability, a noise variance, a noise
#    generator) and which only draw noise;
# 3. how PyTorch, Keras and old TensorFlow name the drop probability, and three
#    eval-mode traps of PyTorch's functional API;
# 4. what each technique costs in time, measured against inverted dropout.
#
# Prerequisites: [How dropout works](01_how_dropout_works.ipynb). Symbols follow the
# [notation page](../book/notation.md): $p$ is the probability of **dropping**, $q = 1-p$
# the probability of keeping, and a mask $m$ holds 1 for "keep".
#
# Every mask below comes from a function with a `generator=` argument seeded with the
# notebook's `seed`, so the figures are the same on every run. Most pictures feed an
# input of ones, $x = \mathbf 1$: the output $y$ then *is* the multiplier $y/x$ that
# the technique applies.

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
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from IPython.display import Markdown
from torch import nn

from dropout_tutorial import notebook, plotting
from dropout_tutorial import techniques as tq
from dropout_tutorial.techniques.attention import (MultiHeadSelfAttention, adl,
                                                   attention_with_dropout)
from dropout_tutorial.techniques.mc import mc_predict
from dropout_tutorial.techniques.meta import (MetaDropoutMLP, meta_dropout, meta_query_loss,
                                              sample_sinusoid_tasks)
from dropout_tutorial.techniques.recurrent import (VariationalLSTM, embedding_dropout,
                                                   locked_dropout)
from dropout_tutorial.techniques.tools import check_dropout

env = notebook.setup(budget, device, seed)

# %% [markdown]
# All figures in this chapter are drawn on the CPU: the masks are tiny, and the CPU
# generator makes them the same on every machine that uses the same sampler.

# %% [markdown]
# ## Standard and inverted dropout
#
# The original technique {cite:p}`hinton2012improving,srivastava2014dropout` multiplies
# each unit by $m_i \sim \mathrm{Bernoulli}(q)$. *Standard* dropout leaves the survivors
# alone and scales by $q$ at test time; *inverted* dropout scales the survivors by $1/q$
# during training and does nothing at test time:
#
# $$
# \text{standard: } y = m \odot x \;\;(\text{test: } y = q\,x), \qquad
# \text{inverted: } y = \frac{m \odot x}{q} \;\;(\text{test: } y = x).
# $$
#
# Source: `dropout_tutorial/techniques/standard.py` and
# `dropout_tutorial/techniques/inverted.py`. Chapter 1 derives both; here we only look at
# the masks. With the same generator seed the two functions drop the same units:

# %%
x, p = torch.ones(12, 24), 0.5                      # 12 examples x 24 units, all ones
masks = {name: fn(x, p, generator=torch.Generator().manual_seed(seed))
         for name, fn in [("standard", tq.standard_dropout), ("inverted", tq.inverted_dropout)]}
for name, y in masks.items():
    print(f"{name:9s} values {sorted(set(y.flatten().tolist()))}, dropped "
          f"{(y == 0).float().mean():.3f} (p = {p}), same zeros as standard: "
          f"{torch.equal(y == 0, masks['standard'] == 0)}")

# %% tags=["hide-input"]
plotting.show_masks(list(masks.values()), ["standard: y = m ⊙ x", "inverted: y = m ⊙ x / q"],
                    xlabel="unit i", ylabel="example", colorbar_label="multiplier y / x",
                    panel_size=(4.0, 2.4))
plt.show()

# %% [markdown]
# *Figure 1. Masks of standard (left) and inverted (right) dropout, $p = 0.5$, on 12
# examples of a 24-unit layer; black = dropped.* Each example (row) has its own mask.
# The pattern of zeros is identical; only the value of the survivors differs, 1 against
# $1/q = 2$. Every other technique in this chapter changes the pattern, the values, or
# both.

# %% [markdown]
# ## Gaussian dropout
#
# Instead of a 0/1 mask, Gaussian dropout multiplies each unit by a Gaussian with mean 1
# {cite:p}`srivastava2014dropout`. Its variance is chosen to match inverted Bernoulli
# dropout with drop probability $p$:
#
# $$
# y = \varepsilon \odot x, \qquad \varepsilon_i \sim \mathcal N\!\left(1, \alpha\right),
# \qquad \alpha = \frac{p}{1-p}.
# $$
#
# Source: `dropout_tutorial/techniques/gaussian.py`. Nothing is ever exactly zero, and a
# multiplier can be negative. With $x = \mathbf 1$ the output is the multiplier itself:

# %%
g = torch.Generator().manual_seed(seed)
eps = {p: tq.gaussian_dropout(torch.ones(100_000), p, generator=g) for p in (0.2, 0.5)}
for p, e in eps.items():
    print(f"p = {p}: mean {e.mean():.3f}, variance {e.var():.3f} (alpha = p/(1-p) = "
          f"{p / (1 - p):.3f}), negative multipliers {100 * (e < 0).float().mean():.1f} %")

# %% tags=["hide-input"]
fig, ax = plotting.new_axes("multiplier ε = y / x", "probability density")
for p, e in eps.items():
    a = p / (1 - p)
    plotting.plot_multiplier_hist(
        e, bins=np.linspace(-3, 5, 81), ax=ax, label=f"samples, p = {p}",
        density=lambda t, a=a: np.exp(-(t - 1) ** 2 / (2 * a)) / math.sqrt(2 * math.pi * a),
        density_label=f"N(1, {a:.2f})")
plt.show()

# %% [markdown]
# *Figure 2. Histograms of 100,000 Gaussian-dropout multipliers for $p = 0.2$ and
# $p = 0.5$, with the $\mathcal N(1, p/(1-p))$ densities.* The samples follow the
# densities. At $p = 0.5$ the spread is as large as the mean (standard deviation 1), and
# about 16 % of the multipliers flip the sign of the unit, something Bernoulli dropout
# never does.
#
# Like Bernoulli dropout, Gaussian dropout has a second, equivalent form, the one in
# which the papers write Bernoulli dropout: multiply by $q\,\varepsilon$, noise
# $\mathcal N(q, pq)$ with the mean and variance of a Bernoulli($q$) mask, and scale by
# $q$ at test time (`StandardGaussianDropout`). Both forms compute the same networks,
# but a learning rate or a max-norm bound tuned for one is not tuned for the other: the
# chapter "Dropout on MNIST, part 2" (Table 10) measures the difference.

# %% [markdown]
# ## Alpha dropout
#
# Self-normalizing networks {cite:p}`klambauer2017self` use SELU units, whose
# activations are kept near mean 0 and variance 1. Setting a unit to 0 would shift both
# moments, so alpha dropout sets dropped units to the SELU saturation value
# $\alpha' = -\lambda\alpha \approx -1.7581$ and then applies an affine map that restores
# them:
#
# $$
# y = a\big(x \odot d + \alpha'(1-d)\big) + b, \quad d_i \sim \mathrm{Bernoulli}(q), \quad
# a = \big((\alpha'^2 p + 1)\,q\big)^{-1/2}, \quad b = -a\,p\,\alpha' .
# $$
#
# Source: `dropout_tutorial/techniques/alpha.py`. We feed standardized inputs, the
# fixed point of a SELU network, and compare with inverted dropout:

# %%
g = torch.Generator().manual_seed(seed)
x, p = torch.randn(100_000, generator=g), 0.2        # mean 0, variance 1
outputs = {"input": x, "alpha dropout": tq.alpha_dropout(x, p, generator=g),
           "inverted dropout": tq.inverted_dropout(x, p, generator=g)}
for name, y in outputs.items():
    print(f"{name:16s} mean {y.mean():+.3f}  variance {y.var():.3f}")
a = 1 / math.sqrt((tq.SELU_ALPHA_PRIME ** 2 * p + 1) * (1 - p))
print(f"value of a dropped unit: {torch.mode(outputs['alpha dropout']).values:.4f} "
      f"(formula -a * 1.7581 * q = {-a * tq.SELU_ALPHA_PRIME * (1 - p):.4f})")

# %% tags=["hide-input"]
fig, axes = plotting.new_axes("activation value", "probability density", ncols=2,
                              figsize=(10, 3.6))
for ax, name in zip(axes, ["alpha dropout", "inverted dropout"]):
    bins = np.linspace(-4, 5, 91)
    plotting.plot_multiplier_hist(outputs["input"], bins=bins, ax=ax, label="input N(0, 1)")
    plotting.plot_multiplier_hist(outputs[name], bins=bins, ax=ax, label=f"{name}, p = {p}",
                                  xlabel="activation value")
    ax.set_title(name)
plt.show()

# %% [markdown]
# *Figure 3. Standardized inputs before and after alpha dropout (left) and inverted
# dropout (right), $p = 0.2$.* Alpha dropout puts a spike at $-1.236$, where the dropped
# units land, and squeezes the rest so that mean 0 and variance 1 survive. Inverted
# dropout keeps the mean but inflates the variance to $1/q = 1.25$, which a SELU network
# would carry into the next layer.

# %% [markdown]
# ## Spatial dropout
#
# Neighbouring pixels of a feature map are strongly correlated, so dropping single
# activations barely removes information. Spatial dropout {cite:p}`tompson2015efficient`
# drops whole channels instead: one mask entry per (example, channel), broadcast over
# height and width,
#
# $$
# y_{n c h w} = \frac{m_{nc}\, x_{nchw}}{q}, \qquad m_{nc} \sim \mathrm{Bernoulli}(q).
# $$
#
# Source: `dropout_tutorial/techniques/spatial.py`. Its default sampler reproduces
# PyTorch's `F.dropout2d` bit for bit:

# %%
g = torch.Generator().manual_seed(seed)
x = torch.ones(1, 8, 6, 6)                            # one image, 8 channels of 6 x 6
elementwise = tq.inverted_dropout(x, 0.5, generator=g)[0]
channelwise = tq.spatial_dropout2d(x, 0.5, generator=g)[0]
kept = (channelwise.amax(dim=(1, 2)) > 0).nonzero().flatten().tolist()
print("channels kept by spatial dropout:", kept)
torch.manual_seed(seed)
ours = tq.spatial_dropout2d(x, 0.5)
torch.manual_seed(seed)
print("bitwise equal to F.dropout2d with the same seed:", torch.equal(ours, F.dropout2d(x, 0.5)))

# %% tags=["hide-input"]
def side_by_side(maps):
    """(C, H, W) -> (H, C * (W + 1)): channels left to right, a grey column between them."""
    return F.pad(maps, (0, 1), value=1.0).permute(1, 0, 2).reshape(maps.shape[1], -1)


axes = plotting.show_masks([side_by_side(elementwise), side_by_side(channelwise)],
                           ["element-wise (inverted) dropout", "spatial dropout"],
                           xlabel="channel c (its 6 × 6 map)", ylabel="height h",
                           colorbar_label="multiplier y / x", panel_size=(6.5, 1.4), ncols=1)
for ax in axes:
    ax.set_xticks(np.arange(8) * 7 + 2.5, range(8))
plt.show()

# %% [markdown]
# *Figure 4. The eight 6×6 channels of one image after element-wise dropout (top) and
# spatial dropout (bottom), $p = 0.5$; black = dropped, white = $\times 2$.* Element-wise
# dropout leaves holes in every channel, which the surviving neighbours fill in.
# Spatial dropout removes whole channels, so the next layer must do without those
# features everywhere in the image.

# %% [markdown]
# ## DropBlock
#
# DropBlock {cite:p}`ghiasi2018dropblock` sits between the two: it drops contiguous
# $k \times k$ blocks. Block seeds are drawn with rate $\gamma$, chosen so that about a
# fraction $p$ of the map would be dropped if blocks did not overlap (paper, eq. 1):
#
# $$
# \gamma = \frac{p}{k^2}\,\frac{HW}{(H-k+1)(W-k+1)}, \qquad
# y = x \odot \text{keep} \cdot \frac{\#\text{elements}}{\#\text{kept}} .
# $$
#
# Source: `dropout_tutorial/techniques/dropblock.py`. Because blocks overlap, the
# realised drop fraction is below $p$; the package computes its exact expectation:

# %%
x, p = torch.ones(256, 1, 24, 24), 0.15              # 256 maps of 24 x 24
blocks = {}
for k in (1, 3, 5, 7):
    kept = tq.dropblock(x, p, k, generator=torch.Generator().manual_seed(seed)) > 0
    blocks[k] = kept[0, 0].float()
    print(f"block size {k}: gamma = {tq.dropblock_gamma(p, 24, 24, k):.4f}, dropped "
          f"{1 - kept.float().mean():.3f} (expected "
          f"{tq.dropblock_expected_drop_fraction(p, 24, 24, k):.3f}, p = {p})")

# %% tags=["hide-input"]
plotting.show_masks(list(blocks.values()), [f"block size k = {k}" for k in blocks],
                    xlabel="width w", ylabel="height h", colorbar_label="kept (1) or dropped (0)")
plt.show()

# %% [markdown]
# *Figure 5. DropBlock keep masks on one 24×24 feature map, $p = 0.15$, for block sizes
# 1, 3, 5 and 7; black = dropped.* Block size 1 is element-wise dropout. As $k$ grows,
# the same budget is spent on fewer, larger holes, which remove whole parts of an object
# rather than isolated pixels. At $k \ge H, W$ DropBlock becomes spatial dropout.

# %% [markdown]
# ## DropConnect
#
# DropConnect {cite:p}`wan2013regularization` drops *weights*, not activations. A linear
# layer computes, with a fresh weight mask $M$ and no rescaling,
#
# $$
# u = (M \odot W)\,v + b, \qquad M_{ji} \sim \mathrm{Bernoulli}(q).
# $$
#
# At test time the paper matches the moments of $u$ with a Gaussian and averages the
# activation over samples from it. Source: `dropout_tutorial/techniques/dropconnect.py`
# (`DropConnectLinear`). We read the mask of one training step by feeding the identity
# matrix: column $i$ of the output is column $i$ of $M \odot W$.

# %%
torch.manual_seed(seed)
layer = tq.DropConnectLinear(16, 10, p=0.5, bias=False)         # W is 10 x 16
masked_w = layer(torch.eye(16), generator=torch.Generator().manual_seed(seed)).T.detach()
print(f"weights dropped in this step: {(masked_w == 0).float().mean():.3f} of "
      f"{masked_w.numel()}; survivors unchanged: "
      f"{torch.equal(masked_w[masked_w != 0], layer.weight.detach()[masked_w != 0])}")

# %% tags=["hide-input"]
w = layer.weight.detach()
lim = w.abs().max().item()
plotting.show_masks([w, masked_w], ["weights W", "M ⊙ W (one training step)"],
                    xlabel="input unit i", ylabel="output unit j", cmap="RdBu_r", vmin=-lim,
                    vmax=lim, colorbar_label="weight value", panel_size=(3.6, 2.6))
plt.show()

# %% [markdown]
# *Figure 6. The 10×16 weight matrix of a linear layer (left) and the weights one
# DropConnect step uses (right), $p = 0.5$; white = zero.* Dropout on the layer's input
# would zero whole *columns* (every weight leaving a dropped input unit); DropConnect
# zeroes single weights, so each output unit sees its own random subset of inputs.

# %% [markdown]
# ## DropPath (stochastic depth)
#
# In a residual network, DropPath {cite:p}`huang2016deep` drops a whole residual branch
# $f$ for some samples of the batch:
#
# $$
# y = x + \frac{b}{q}\, f(x), \qquad b \sim \mathrm{Bernoulli}(q)
# \text{ per sample (row mode) or per batch (batch mode).}
# $$
#
# Source: `dropout_tutorial/techniques/droppath.py`. It is not DropConnect, although
# some code calls it "drop_connect". We draw the branch multipliers of 12 residual blocks
# for a batch of 16 samples:

# %%
g = torch.Generator().manual_seed(seed)
branch = torch.ones(16, 4)                                     # f(x) for 16 samples
per_sample = torch.stack([tq.drop_path(branch, 0.25, generator=g)[:, 0] for _ in range(12)])
per_batch = torch.stack([tq.drop_path(branch, 0.25, mode="batch", generator=g)[:, 0]
                         for _ in range(12)])
print(f"row mode: {(per_sample == 0).float().mean():.3f} of (block, sample) pairs dropped; "
      f"batch mode: {int((per_batch[:, 0] == 0).sum())} of 12 blocks dropped for everyone")

# %% tags=["hide-input"]
plotting.show_masks([per_sample, per_batch], ["row mode (per sample)", "batch mode"],
                    xlabel="sample n in the batch", ylabel="residual block l",
                    colorbar_label="branch multiplier b / q", panel_size=(3.6, 2.8))
plt.show()

# %% [markdown]
# *Figure 7. Which residual branches DropPath keeps, for 12 blocks and 16 samples,
# $p = 0.25$; black = branch dropped (the sample goes through the skip connection
# only).* In row mode each sample trains a network of its own random depth; in batch
# mode (the original stochastic-depth code) a whole block disappears for the entire
# batch.

# %% [markdown]
# ## Recurrent networks: locked (variational) dropout
#
# `nn.LSTM(dropout=p)` and a naive `nn.Dropout` on a sequence draw a new mask at every
# time step. {cite:t}`gal2016theoretically` derive instead that one mask per sequence
# must be reused at every step, for the inputs, the outputs and the recurrent state:
#
# $$
# y_{t} = x_{t} \odot \frac{m}{q} \quad \text{for all } t, \qquad
# m \sim \mathrm{Bernoulli}(q)^{F} \text{ drawn once per sequence}.
# $$
#
# Source: `dropout_tutorial/techniques/recurrent.py`: `locked_dropout` (on a layer's
# inputs or outputs), `VariationalLSTM` and `VariationalGRU` (also on the recurrent
# state $h_{t-1}$) and `WeightDropLSTM`, which puts DropConnect on the recurrent weights
# instead, as in AWD-LSTM {cite:p}`merity2018regularizing`.

# %%
steps, features, p = 30, 16, 0.5
x = torch.ones(steps, 1, features)                              # (time, batch, features)
g = torch.Generator().manual_seed(seed)
over_time = {"locked": locked_dropout(x, p, generator=g)[:, 0],
             "naive per step": tq.inverted_dropout(x, p, generator=g)[:, 0]}
for name, m in over_time.items():
    changes = int((m[1:] != m[:-1]).any(dim=1).sum())
    print(f"{name:14s}: the mask changes at {changes} of {steps - 1} steps")
hidden = VariationalLSTM(4, 6, p_hidden=0.25).sample_masks(2, like=x, generator=g)["hidden"][0]
print("VariationalLSTM recurrent mask, shape (batch, hidden), no time axis:", tuple(hidden.shape))

# %% tags=["hide-input"]
plotting.plot_mask_over_time(list(over_time.values()), ["locked (variational) dropout",
                                                         "naive dropout, new mask per step"],
                             colorbar_label="multiplier y / x")
plt.show()

# %% [markdown]
# *Figure 8. Dropout masks of one sequence over 30 time steps and 16 features,
# $p = 0.5$; black = dropped.* The locked mask is a set of horizontal stripes: a dropped
# feature stays dropped for the whole sequence. The naive mask changes at every step,
# which on the recurrent connection injects fresh noise into the memory at every step;
# Gal and Ghahramani's Bayesian reading says to use the stripes.

# %% [markdown]
# ## Embedding dropout
#
# The same paper drops whole *word types*: a mask entry per row $v$ of the embedding
# matrix $E$, shared by every occurrence of the word in the batch
# {cite:p}`gal2016theoretically`:
#
# $$
# E' = \mathrm{diag}(m)\, E / q, \qquad m_v \sim \mathrm{Bernoulli}(q).
# $$
#
# Source: `dropout_tutorial/techniques/recurrent.py` (`embedding_dropout`,
# `EmbeddingDropout`). A sentence with repeated words shows the difference with
# element-wise dropout on the embedded tokens:

# %%
words = "the cat saw the dog and the dog saw the cat".split()
vocab = sorted(set(words))
ids = torch.tensor([vocab.index(w) for w in words])
table = torch.ones(len(vocab), 8)                               # V = 6 words, D = 8
g = torch.Generator().manual_seed(seed)
by_type = embedding_dropout(ids, table, p=0.3, generator=g)
by_element = tq.inverted_dropout(F.embedding(ids, table), 0.3, generator=g)
print("word types dropped everywhere:",
      sorted({w for w, e in zip(words, by_type) if e.sum() == 0}))

# %% tags=["hide-input"]
axes = plotting.show_masks([by_type, by_element], ["embedding dropout (word types)",
                                                  "element-wise dropout"],
                           xlabel="embedding dimension", ylabel="token",
                           colorbar_label="multiplier y / x", panel_size=(3.2, 3.4))
for ax in axes:
    ax.set_yticks(range(len(words)), words)
plt.show()

# %% [markdown]
# *Figure 9. The embedded sentence after embedding dropout (left) and after element-wise
# dropout (right), $p = 0.3$; rows are tokens, black = zero.* With embedding dropout a
# dropped word vanishes at every position where it occurs, as if it were missing from
# the vocabulary for this batch; element-wise dropout perturbs each occurrence
# differently.

# %% [markdown]
# ## Standout (adaptive dropout)
#
# In standout {cite:p}`ba2013adaptive` the keep probability depends on the input. A
# belief network, tied to the layer's own weights in the cheap version implemented
# here, turns the pre-activation $s = Wx + b$ into a keep probability:
#
# $$
# y = m \odot g(s), \qquad m_j \sim \mathrm{Bernoulli}(k_j), \qquad
# k_j = \sigma(\alpha s_j + \beta),
# $$
#
# with no rescaling in training and $y = k \odot g(s)$ at test time. Source:
# `dropout_tutorial/techniques/standout.py`. We estimate the keep frequency of each
# pre-activation from 2,000 draws (with $g = 1$, so that $y = m$):

# %%
s = torch.linspace(-4, 4, 17)                                   # pre-activations
g = torch.Generator().manual_seed(seed)
settings = [(0.0, 0.0), (1.0, 0.0), (2.0, -1.0)]                # (alpha, beta)
freq = {ab: torch.stack([tq.standout(s, *ab, activation=torch.ones_like, generator=g)
                         for _ in range(2000)]).mean(0) for ab in settings}
for (al, be), f in freq.items():
    print(f"alpha = {al}, beta = {be:+}: keep frequency at s = -2, 0, 2: "
          f"{f[4]:.3f}, {f[8]:.3f}, {f[12]:.3f}")

# %% tags=["hide-input"]
fig, ax = plotting.new_axes("pre-activation s", "keep probability k")
for (al, be), f in freq.items():
    line, = ax.plot(s, torch.sigmoid(al * s + be), label=f"σ({al:g} s {be:+g})")
    ax.plot(s, f, "o", ms=4, color=line.get_color())
ax.legend(title="lines: formula; dots: 2,000 draws")
plt.show()

# %% [markdown]
# *Figure 10. Keep probability of a unit as a function of its pre-activation, for three
# settings of the standout network (lines), with the frequencies observed in 2,000 draws
# (dots).* With $\alpha = 0$ standout is classic dropout with a fixed keep probability
# $\sigma(\beta)$ (0.5 here). With $\alpha > 0$ strongly active units are almost always
# kept and weakly active ones are mostly dropped.

# %% [markdown]
# ## Concrete dropout
#
# Concrete dropout {cite:p}`gal2017concrete` *learns* $p$ by gradient descent. A
# Bernoulli sample has no gradient with respect to $p$, so it is replaced by a relaxed,
# continuous "drop" indicator $\tilde z \in (0, 1)$ with temperature $t$:
#
# $$
# \tilde z = \sigma\!\left(\frac{1}{t}\Big(\log\frac{p}{1-p} + \log\frac{u}{1-u}\Big)\right),
# \quad u \sim U(0, 1), \qquad y = x \odot \frac{1 - \tilde z}{1-p}.
# $$
#
# Source: `dropout_tutorial/techniques/concrete.py`. For every $t$, $P(\tilde z > 1/2) =
# p$ exactly; as $t \to 0$ the relaxed keep values $1 - \tilde z$ approach 0 or 1:

# %%
p = 0.3
logit = torch.tensor(math.log(p / (1 - p)))                     # the learnable parameter
g = torch.Generator().manual_seed(seed)
relaxed = {t: tq.concrete_dropout(torch.ones(50_000), logit, t, generator=g) * (1 - p)
           for t in (0.01, 0.1, 0.5, 1.0)}                       # 1 - z~, the relaxed keep
for t, keep in relaxed.items():
    near = ((keep < 0.05) | (keep > 0.95)).float().mean()
    print(f"t = {t:<4}: {100 * near:5.1f} % within 0.05 of 0 or 1, "
          f"P(keep < 1/2) = {(keep < 0.5).float().mean():.3f} (p = {p})")

# %% tags=["hide-input"]
fig, (ax_hist, ax_t) = plotting.new_axes("", "", ncols=2, figsize=(10, 3.6))
for t in (0.1, 0.5):
    plotting.plot_multiplier_hist(relaxed[t], bins=np.linspace(0, 1, 51), ax=ax_hist,
                                  label=f"t = {t}", xlabel="relaxed keep value 1 − z~")
ax_hist.set(xlabel="relaxed keep value 1 − z~", ylabel="probability density", yscale="log")
temps = np.logspace(-2, 0.5, 11)
near = [((k < 0.05) | (k > 0.95)).float().mean().item() for k in (
    tq.concrete_dropout(torch.ones(20_000), logit, float(t), generator=g) * (1 - p) for t in temps)]
ax_t.semilogx(temps, 100 * np.array(near), "o-")
ax_t.set(xlabel="temperature t", ylabel="values within 0.05 of 0 or 1 (%)")
plt.show()

# %% [markdown]
# *Figure 11. Left: histogram (log scale) of 50,000 relaxed keep values $1 - \tilde z$ at
# temperatures 0.1 and 0.5, $p = 0.3$. Right: the share of values within 0.05 of 0 or 1
# against the temperature.* At the paper's $t = 0.1$ most values sit next to 0 or 1,
# so the mask behaves much like a Bernoulli mask while staying differentiable in $p$.
# At higher temperatures the relaxed mask smears into the middle and no longer
# resembles dropout.

# %% [markdown]
# ## Variational Gaussian and sparse variational dropout
#
# Gaussian dropout on a layer's input is the same as multiplicative Gaussian noise on
# its weights, $w = \theta\,\varepsilon$ with $\varepsilon \sim \mathcal N(1, \alpha)$.
# Variational dropout {cite:p}`kingma2015variational` *learns* $\alpha$, per weight if
# wanted, as a variational posterior $q(w) = \mathcal N(\theta, \alpha\theta^2)$. The
# local reparameterization trick samples the pre-activations directly:
#
# $$
# b_j = \sum_i x_i \theta_{ji} + \sqrt{\sum_i x_i^2\, \alpha_{ji} \theta_{ji}^2}\;\zeta_j,
# \qquad \zeta_j \sim \mathcal N(0, 1).
# $$
#
# Source: `dropout_tutorial/techniques/variational_gaussian.py` (`LinearVD`, $\alpha \le
# 1$, i.e. an equivalent $p = \alpha/(1+\alpha) \le 0.5$). The sparse variant
# {cite:p}`molchanov2017variational`, in
# `dropout_tutorial/techniques/sparse_variational.py` (`LinearSVDO`), lets $\alpha$ grow
# without bound and prunes every weight with $\log\alpha \ge 3$ at test time. We check
# the noise of `LinearVD` against the formula:

# %%
torch.manual_seed(seed)
vd = tq.LinearVD(4, 3, p_init=0.2)                              # alpha = 0.2 / 0.8 = 0.25
alpha = vd.log_alpha.exp()[0, 0].item()
out = vd(torch.ones(20_000, 4), generator=torch.Generator().manual_seed(seed))
predicted = alpha * vd.weight.detach().pow(2).sum(1)            # x = 1: sum_i alpha theta^2
print(f"alpha = {alpha:.3f}, equivalent p = {alpha / (1 + alpha):.3f}")
print("output variance, measured :", [round(v, 4) for v in out.var(0).tolist()])
print("output variance, predicted:", [round(v, 4) for v in predicted.tolist()])

# %% [markdown]
# What $\alpha$ learns is best seen with `LinearSVDO` on a regression where only two of
# eight inputs matter, $y = 2x_1 - x_2 + \text{noise}$. We minimize the negative
# evidence lower bound (a Gaussian likelihood with noise variance 0.25, plus the KL
# term) for 600 Adam steps:

# %%
g = torch.Generator().manual_seed(seed)
torch.manual_seed(seed)
xs = torch.randn(256, 8, generator=g)
ys = xs[:, :2] @ torch.tensor([[2.0], [-1.0]]) + 0.5 * torch.randn(256, 1, generator=g)
svdo = tq.LinearSVDO(8, 1)
start = svdo.log_alpha.detach()[0].clone()
opt = torch.optim.Adam(svdo.parameters(), lr=0.05)
for step in range(600):
    loss = F.mse_loss(svdo(xs, generator=g), ys, reduction="sum") / (2 * 0.25) + svdo.kl()
    opt.zero_grad()
    loss.backward()
    opt.step()
print("log alpha per input, start:", [round(v, 1) for v in start.tolist()])
print("log alpha per input, end  :", [round(v, 1) for v in svdo.log_alpha.detach()[0].tolist()])
print(f"pruned at test time (log alpha >= 3): {svdo.sparsity():.3f} of the weights")

# %% [markdown]
# The two useful inputs end at $\log\alpha = -8$, the lower clip: almost no noise. The
# six useless ones have moved up, some of them past the pruning threshold, so their
# weights are removed at test time. This short run is not converged (the paper trains
# for hundreds of epochs, and here one useless input is still below zero), but it
# shows what the noise variance learns: which weights the network can do without.

# %% [markdown]
# ## Scheduled and curriculum dropout
#
# Two techniques change $p$ during training rather than the shape of the mask.
# *ScheduledDropPath* {cite:p}`zoph2018learning` ramps the DropPath probability of cell
# $l$ of $L$ linearly from 0 to its maximum; *curriculum dropout*
# {cite:p}`morerio2017curriculum` starts with no dropout and lowers the keep probability
# $\theta$ towards its target $\bar\theta$:
#
# $$
# p(l, t) = p_{\max}\,\frac{l+1}{L}\,\min\!\Big(1, \frac{t}{T}\Big), \qquad
# \theta(t) = (1 - \bar\theta)\,e^{-\gamma t} + \bar\theta .
# $$
#
# Source: `dropout_tutorial/techniques/schedules.py` (pure functions, and schedule
# objects that write $p$ into the dropout modules of a model at every step).

# %%
steps = np.arange(0, 5001, 50)                                  # training iterations t
drop_path_p = {l: [tq.scheduled_drop_path_rate(int(t), 0.3, 5000, l, 4) for t in steps]
               for l in range(4)}
curriculum = [1 - tq.curriculum_keep_prob(int(t), 0.5, 1e-3) for t in steps]
anti = [1 - tq.curriculum_keep_prob(int(t), 0.5, 1e-3, anti=True) for t in steps]
print(f"t = 2500: ScheduledDropPath p per cell {[round(v[50], 3) for v in drop_path_p.values()]}, "
      f"curriculum p = {curriculum[50]:.3f}")

# %% tags=["hide-input"]
fig, (ax_dp, ax_cu) = plotting.new_axes("training iteration t", "drop probability p(t)",
                                        ncols=2, figsize=(10, 3.6))
for l, ps in drop_path_p.items():
    ax_dp.plot(steps, ps, label=f"cell {l + 1} of 4")
ax_dp.set_title("ScheduledDropPath, p_max = 0.3")
ax_cu.plot(steps, curriculum, label="curriculum")
ax_cu.plot(steps, anti, "--", label="anti-curriculum")
ax_cu.set_title("curriculum dropout, keep target 0.5, γ = 1e-3")
ax_dp.legend()
ax_cu.legend()
plt.show()

# %% [markdown]
# *Figure 12. Drop probability against the training iteration. Left: ScheduledDropPath
# over 5,000 iterations for the four cells of a network; deeper cells get more. Right:
# curriculum dropout and its anti-curriculum control, keep target $\bar\theta = 0.5$,
# $\gamma = 10^{-3}$ per iteration.* Both schedules start with little noise, while the
# network learns the easy structure, and add regularization later. Curriculum dropout
# reaches its target after a few thousand iterations; the anti-curriculum does the
# opposite and, in the paper, does worse.

# %% [markdown]
# ## MC dropout
#
# MC dropout {cite:p}`gal2016dropout` keeps dropout *on* at test time and runs $T$
# stochastic forward passes $\hat y_t = f^{\omega_t}(x)$. Their spread estimates the
# model's uncertainty:
#
# $$
# \mathbb E[y^*] \approx \frac1T \sum_{t=1}^T \hat y_t, \qquad
# \mathrm{Var}[y^*] \approx \tau^{-1} + \frac1T \sum_{t=1}^T \hat y_t^2 - \mathbb E[y^*]^2 .
# $$
#
# Source: `dropout_tutorial/techniques/mc.py` (`enable_mc_dropout` switches on the
# dropout modules only; `mc_predict` runs the $T$ passes in one batch; with
# `per_pass_masks=True` each pass is one sampled network, the same mask for every
# input). We fit a tiny network (1-64-64-1, $p = 0.2$) to 20 noisy points of $\sin 3x$
# on $[-1, 1]$ for 500 Adam steps, then ask it about $[-3, 3]$:

# %%
g = torch.Generator().manual_seed(seed)
torch.manual_seed(seed)
x_train = 2 * torch.rand(20, 1, generator=g) - 1
y_train = torch.sin(3 * x_train) + 0.1 * torch.randn(20, 1, generator=g)
net = nn.Sequential(nn.Linear(1, 64), nn.ReLU(), nn.Dropout(0.2),
                    nn.Linear(64, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-2, weight_decay=1e-4)
for step in range(500):
    loss = F.mse_loss(net(x_train), y_train)
    opt.zero_grad()
    loss.backward()
    opt.step()
x_test = torch.linspace(-3, 3, 201).unsqueeze(1)
samples = mc_predict(net.eval(), x_test, T=100, per_pass_masks=True, generator=g)  # (T, N, 1)
sd = samples.std(0).flatten()
print(f"sd of the {len(samples)} passes: x = 0 (data) {sd[100]:.3f}, x = -3 {sd[0]:.3f}, "
      f"x = +3 {sd[200]:.3f}; dropout layers back in eval mode: {not net[2].training}")

# %% tags=["hide-input"]
plotting.plot_mc_predictions(x_test, samples, x_train=x_train, y_train=y_train)
plt.show()

# %% [markdown]
# *Figure 13. 20 of the $T = 100$ MC-dropout predictions (grey, one sampled network
# each), their mean and a band of $\pm 2$ standard deviations, for a network trained on
# the red points.* Where there is data the passes agree. To the right of the data
# they fan out, as one hopes. To the left they collapse onto one line: there (almost)
# every unit of the second hidden layer is inactive whatever the mask, so every sampled
# network predicts the same constant. MC dropout reports the uncertainty of *this*
# architecture's features, which is not always large far from the data. The band shows
# only the spread of the passes (the model precision $\tau$ would add a constant).
# `mc_predict` restores the modes of all modules afterwards.

# %% [markdown]
# ## Dropout in attention
#
# Transformers drop entries of the attention matrix: after the softmax, each
# (query, key) weight is kept with probability $q$ and rescaled,
#
# $$
# P = \mathrm{softmax}\!\big(QK^\top/\sqrt d\big), \qquad
# \mathrm{out} = \Big(P \odot \frac{m}{q}\Big) V \quad (\text{eval: } PV).
# $$
#
# This is in the Transformer reference code and in BERT, not in the text of the
# Transformer paper {cite:p}`vaswani2017attention`.
# Source: `dropout_tutorial/techniques/attention.py` (`attention_with_dropout`,
# `MultiHeadSelfAttention`).

# %%
g = torch.Generator().manual_seed(seed)
q_, k_, v_ = (torch.randn(1, 8, 4, generator=g) for _ in range(3))   # 8 tokens, d = 4
_, attn_eval = attention_with_dropout(q_, k_, v_, p=0.3, training=False)
_, attn_train = attention_with_dropout(q_, k_, v_, p=0.3, training=True, generator=g)
print("row sums, eval :", [round(v, 2) for v in attn_eval[0].sum(-1).tolist()])
print("row sums, train:", [round(v, 2) for v in attn_train[0].sum(-1).tolist()])
mhsa = MultiHeadSelfAttention(16, 4, attn_dropout=0.3)
tokens = torch.randn(2, 5, 16, generator=g)
print("train mode, two calls equal:", torch.equal(mhsa(tokens), mhsa(tokens)))
print("eval mode,  two calls equal:", torch.equal(mhsa.eval()(tokens), mhsa(tokens)))

# %% tags=["hide-input"]
plotting.show_masks([attn_eval[0], attn_train[0]], ["eval (no dropout)", "train, p = 0.3"],
                    xlabel="key position", ylabel="query position", cmap="viridis",
                    colorbar_label="attention weight")
plt.show()

# %% [markdown]
# *Figure 14. The attention matrix of 8 tokens in eval mode (left) and after attention
# dropout in training mode (right), $p = 0.3$.* Dropped entries (dark) remove one key
# from one query's average; kept ones grow by $1/q$, so in training the rows no longer
# sum to 1, only in expectation. In eval mode the module is deterministic.

# %% [markdown]
# ## Attention-based dropout layer (ADL)
#
# ADL {cite:p}`choe2019attention` helps a weakly supervised localizer see the whole
# object. It averages a feature map over channels into a self-attention map $A$, then
# either hides the most discriminative region or re-weights the map by an importance
# map:
#
# $$
# A = \frac1C \sum_c x_c, \qquad
# y = x \odot \begin{cases} [A < \gamma \max A] & \text{with probability } r
# \text{ (drop mask)} \\ \sigma(A) & \text{otherwise (importance map)} \end{cases}
# $$
#
# with $\gamma = 0.8$ and $r = 0.75$ by default, one draw per batch and no rescaling.
# Source: `dropout_tutorial/techniques/attention.py` (`adl`, `ADL`). We build a toy
# feature map with an "object" centred at $(h, w) = (7, 9)$:

# %%
hh, ww = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
blob = torch.exp(-((hh - 7) ** 2 + (ww - 9) ** 2) / 18)          # the object
g = torch.Generator().manual_seed(seed)
fmap = torch.relu(blob + 0.1 * torch.randn(4, 16, 16, generator=g)).unsqueeze(0)  # (1, 4, 16, 16)
A = fmap.mean(1)[0]
drop_mask = (A < 0.8 * A.amax()).float()
print("drop branch = x * drop mask:",
      torch.equal(adl(fmap, drop_rate=1.0, generator=g), fmap * drop_mask))
print(f"positions hidden by the drop mask: {int((drop_mask == 0).sum())} of {A.numel()}")
picks = sum(torch.equal(adl(fmap, generator=g), fmap * drop_mask) for _ in range(1000))
print(f"drop branch chosen in {picks} of 1000 calls (drop_rate = 0.75)")

# %% tags=["hide-input"]
plotting.show_masks([A, torch.sigmoid(A), drop_mask],
                    ["attention map A", "importance map σ(A)", "drop mask, γ = 0.8"],
                    xlabel="width w", ylabel="height h", cmap="viridis", vmin=0, vmax=1,
                    colorbar_label="value")
plt.show()

# %% [markdown]
# *Figure 15. ADL on a toy 4-channel feature map: the channel-mean attention map
# (left), the importance map (middle) and the drop mask (right, dark = hidden).* The drop
# mask removes the peak of the object, so the classifier must find evidence elsewhere
# on it; the importance map, used in a quarter of the steps, instead boosts the
# discriminative region a little.

# %% [markdown]
# ## Meta-dropout
#
# Meta-dropout {cite:p}`lee2020meta` learns, across many few-shot tasks, a noise
# generator $\phi$ that perturbs each hidden layer as $h' = \mathrm{ReLU}(\mu \odot
# \mathrm{softplus}(a))$ with $a \sim \mathcal N(\alpha_\phi(h), 1)$, so that adapting
# to a new task from 5 examples generalizes better. Source:
# `dropout_tutorial/techniques/meta.py`. We meta-train the package's small sinusoid
# regression model for 300 outer steps (about 3 s on one CPU core) and compare the
# first layer's noise before and after:

# %%
torch.manual_seed(seed)
meta_net = MetaDropoutMLP((1, 40, 40, 1))
g = torch.Generator().manual_seed(seed)
probe = torch.linspace(-5, 5, 101).unsqueeze(1)                   # inputs x in [-5, 5]


def first_layer_noise(model, inputs, generator):
    """Spread of alpha(x) over inputs and units, and mean and sd of softplus(a)."""
    alpha = F.linear(inputs, model.phi["w0"], model.phi["b0"]).detach()
    draws = meta_dropout(torch.ones(64, *alpha.shape), alpha.expand(64, -1, -1),
                         generator=generator)
    return alpha.std().item(), draws.mean().item(), draws.std(0).mean().item()


def query_mse(model, tasks, generator):
    """Mean query MSE over ``tasks`` after one inner adaptation step."""
    return meta_query_loss(model, tasks, steps=1, create_graph=False, generator=generator).item()

# %%
eval_tasks = sample_sinusoid_tasks(20, 5, generator=torch.Generator().manual_seed(seed + 1))
report = {"before": (first_layer_noise(meta_net, probe, g), query_mse(meta_net, eval_tasks, g))}
opt = torch.optim.Adam(meta_net.parameters(), lr=1e-3)
for step in range(300):
    tasks = sample_sinusoid_tasks(4, 5, generator=g)          # 4 new 5-shot tasks per step
    loss = meta_query_loss(meta_net, tasks, steps=1, generator=g)
    opt.zero_grad()
    loss.backward()
    opt.step()
report["after"] = (first_layer_noise(meta_net, probe, g), query_mse(meta_net, eval_tasks, g))
for when, ((spread, mean, sd), mse) in report.items():
    print(f"{when:6s}: sd of alpha(x) {spread:.3f}, multiplier mean {mean:.3f} sd {sd:.3f}; "
          f"query MSE after 1 step {mse:.2f}")

# %% [markdown]
# The noise generator starts almost constant ($\alpha \approx 0$ everywhere) and
# learns an input-dependent $\alpha(x)$, while the query error after one adaptation step
# drops. The average size of the multiplicative noise hardly changes in this short run;
# what is learned is *where* in input space to perturb more or less. Unlike every
# technique above, meta-dropout is *not* the identity at test time: the query
# prediction uses $\mu \odot \mathrm{softplus}(\alpha)$. This demo meta-trains $\phi$
# and $\theta$ together and has no plain-MAML baseline, so it does not separate the
# noise's effect from the meta-learned initialisation.

# %% [markdown]
# ## How frameworks differ
#
# The same number means different things in different libraries
# (see also the [notation page](../book/notation.md)):
#
# | API | the number | scaling in training | at test time |
# |---|---|---|---|
# | PyTorch `nn.Dropout(p)`, `F.dropout(x, p, training)` | $p$ = drop probability | $\times 1/(1-p)$ (inverted) | identity in `eval()` |
# | Keras 3 `Dropout(rate)`, TF 2 `tf.nn.dropout(x, rate)` | `rate` = drop probability | $\times 1/(1-\text{rate})$ | identity (`training=False`) |
# | TF 1 `tf.nn.dropout(x, keep_prob)` | `keep_prob` = **keep** probability | $\times$ 1/`keep_prob` | the caller passes `keep_prob=1` |
# | Papers: Hinton 2012, Srivastava 2014, Gal 2016 | $p$ = **retain** probability | none (standard dropout) | weights $\times p$ |
# | Paddle `dropout(..., mode="downscale_in_infer")` | drop probability | none | $\times (1-p)$ |
#
# So TF 1's `keep_prob=0.8` is `p=0.2` here, and a paper's "$p = 0.8$" is also `p=0.2`.
# The package's `check_dropout` flags layers whose $p$ looks like a keep probability:

# %%
suspicious = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Dropout(0.8), nn.Linear(4, 2))
for finding in check_dropout(suspicious):
    print(finding)

# %% [markdown]
# PyTorch's functional API has three eval-mode traps. **First**, `F.dropout`'s
# `training` argument defaults to `True`, so a module that calls `F.dropout(x, p)` keeps
# dropping after `model.eval()`:

# %%
class Careless(nn.Module):
    def forward(self, x):
        return F.dropout(x, 0.5)                  # should pass training=self.training

torch.manual_seed(seed)
model = Careless().eval()
print("eval mode, two calls equal:", torch.equal(model(torch.ones(8)), model(torch.ones(8))))
print([f.code for f in check_dropout(model, torch.ones(8))])

# %% [markdown]
# **Second**, `F.scaled_dot_product_attention` has no `training` argument at all: its
# `dropout_p` applies whenever it is non-zero, in eval mode too. A module must pass
# `dropout_p=p if self.training else 0.0`:

# %%
qkv = torch.randn(1, 2, 6, 8, generator=torch.Generator().manual_seed(seed))  # (B, heads, L, d)
torch.manual_seed(seed)
first, second = (F.scaled_dot_product_attention(qkv, qkv, qkv, dropout_p=0.5) for _ in range(2))
print("dropout_p=0.5, two calls equal:", torch.equal(first, second))

# %% [markdown]
# **Third**, the opposite: `F.alpha_dropout`'s `training` defaults to `False`, so
# without it the call does nothing:

# %%
z = torch.randn(1000, generator=torch.Generator().manual_seed(seed))
print("F.alpha_dropout(z, 0.5) returns z unchanged:", torch.equal(F.alpha_dropout(z, 0.5), z))
print("with training=True it drops:", not torch.equal(F.alpha_dropout(z, 0.5, training=True), z))

# %% [markdown]
# The package's functions take `training` explicitly, and its functional ops all default
# to `training=True` (including `alpha_dropout`), which is what a reader of the formula
# expects. As the first trap's cell shows, `check_dropout(model, example_input)` reports
# a model that stays stochastic in eval mode (`stochastic_in_eval`); it catches the
# second trap the same way.

# %% [markdown]
# ## The zoo in one table
#
# The last column is measured, not estimated: forward plus backward time on the CPU,
# single thread, as a multiple of the package's inverted dropout at the same shape
# (256×4096 activations, or 32×64×32×32 feature maps for the 4-D techniques). Layer
# techniques, which contain a `Linear(4096, 256)`, are compared with that linear layer
# after inverted dropout instead, and the recurrent rows with the reference their
# benchmark names. The numbers come from `benchmarks/bench_techniques.py` and
# `benchmarks/bench_recurrent_mc.py`, stored in `results/benchmarks/`:

# %%
bench = {}
for name in ("techniques", "recurrent_mc"):
    bench[name] = notebook.load_benchmark(name)
    info = (bench[name] or {}).get("meta", {})
    where = info.get("cpu", info.get("machine"))
    when = info.get("measured", "on an unrecorded date")
    print(f"{name}.json: " + ("not found, rows show 'not measured'" if bench[name] is None else
          f"torch {info['torch']}, {info['threads']} thread(s), CPU {where}, "
          f"median of {info['repeats']} runs, measured {when}"))

# %% tags=["hide-input"]
rows_t = {r["technique"]: r for r in (bench["techniques"] or {}).get("rows", [])}
rows_r = {(r["benchmark"], r["shape"]): r
          for r in (bench["recurrent_mc"] or {}).get("results", [])}


def cost(name, layer=False):
    """Measured ratio for a row of bench_techniques.py, or 'not measured'."""
    r = rows_t.get(name)
    if r is None:
        return "not measured"
    return f"{r['x_ref']:.2f}× (vs Linear + inverted)" if layer else f"{r['x_inverted']:.2f}×"


def rcost(name, shape="T=35, B=20, H=650"):
    """Measured ratio for a row of bench_recurrent_mc.py, against that row's reference."""
    r = rows_r.get((name, shape))
    return "not measured" if r is None else f"{r['ratio']:.2f}× {r['reference']}"


mc_row = rows_r.get(("mc_predict T=10000 per-pass masks", "500 x 8 -> 50 -> 1"))
zoo = [
    ("standard dropout", "any activations", "units", "none / $\\times q$", "nothing", cost("standard_dropout")),
    ("inverted dropout", "any activations", "units", "$\\times 1/q$ / none", "nothing",
     "1 (reference); `F.dropout`: " + cost("F.dropout (native)")),
    ("Gaussian dropout", "any activations", "nothing: $\\times\\mathcal N(1, p/q)$", "mean-one noise / none", "nothing", cost("gaussian_dropout")),
    ("alpha dropout", "SELU networks", "units, set to $\\alpha'$", "affine $a, b$ / none", "nothing", cost("alpha_dropout fast (default)")),
    ("spatial dropout", "conv feature maps", "whole channels", "$\\times 1/q$ / none", "nothing", cost("spatial_dropout2d native-parity (default)")),
    ("DropBlock", "conv feature maps", "$k \\times k$ blocks", "$\\times$ numel/kept / none", "nothing", cost("dropblock (bs 7, per channel)")),
    ("DropConnect", "weights of a linear layer", "single weights", "none / Gaussian moment matching", "nothing", cost("DropConnectLinear (per-batch mask)", True)),
    ("DropPath", "residual branches", "a branch, per sample", "$\\times 1/q$ / none", "nothing", cost("drop_path (row)")),
    ("locked dropout", "RNN inputs and outputs", "features, same at every step", "$\\times 1/q$ / none", "nothing", rcost("LockedDropout fwd", "(35, 20, 650)") + " (forward only)"),
    ("variational LSTM", "LSTM inputs and recurrent state", "features, same at every step", "$\\times 1/q$ / none", "nothing", rcost("VariationalLSTM tied fwd+bwd")),
    ("weight-dropped LSTM", "LSTM recurrent weights", "weights of $W_{hh}$", "$\\times 1/q$ / none", "nothing", rcost("WeightDropLSTM fwd+bwd")),
    ("embedding dropout", "embedding lookups", "whole word types", "$\\times 1/q$ / none", "nothing", rcost("EmbeddingDropout lookup", "ids (35, 20), V=10000, D=650") + " (forward only)"),
    ("standout", "hidden units", "units, keep prob. $\\sigma(\\alpha s + \\beta)$", "none / $\\times k(s)$", "nothing extra (tied to $W$)", cost("standout (functional, on pre-activations)")),
    ("Concrete dropout", "a layer's input", "units, relaxed mask", "$\\times 1/q$ / none", "$p$ per layer", cost("concrete_dropout (learnable p_logit)")),
    ("variational dropout", "dense-layer weights", "nothing: Gaussian weight noise", "LRT sampling / mean weights", "$\\alpha$ per weight", cost("LinearVD (LRT)", True)),
    ("sparse variational dropout", "dense-layer weights", "nothing; prunes $\\log\\alpha \\ge 3$", "LRT sampling / pruned weights", "$\\alpha$ per weight", cost("LinearSVDO (LRT)", True)),
    ("scheduled / curriculum", "any dropout layer", "as the scheduled layer", "as the scheduled layer", "nothing ($p$ follows $t$)", "not measured"),
    ("MC dropout", "test time", "as the dropout layers", "$\\times 1/q$ / kept on, $T$ passes", "nothing",
     "not measured" if mc_row is None else f"{mc_row['ours_ms']:.0f} ms for $T$ = 10,000 passes, 500 points"),
    ("attention dropout", "attention probabilities", "(query, key) weights", "$\\times 1/q$ / none", "nothing", "not measured"),
    ("ADL", "CNN feature maps", "the most salient region", "none / none", "nothing", "not measured"),
    ("meta-dropout", "hidden layers, meta-learning", "nothing: $\\times$ softplus noise", "none / $\\times$ softplus$(\\alpha)$", "noise generator $\\phi$", "not measured"),
]
Markdown(notebook.markdown_table(("technique", "where it applies", "what it drops",
                                  "scaling: train / test", "what it learns",
                                  "measured cost, fwd + bwd, CPU"), zoo))

# %% [markdown]
# *Table 1. The techniques of this chapter. "Scaling" gives what happens to the kept
# values during training and what the layer does at test time; costs are medians of
# forward + backward passes on one CPU thread (recurrent rows: against `nn.LSTM` or
# `F.dropout` at the same shape; LockedDropout and EmbeddingDropout: forward only).*
# Most techniques cost about as much as inverted dropout, or a small multiple of it.
# Techniques that learn their noise pay more: the local reparameterization trick needs a
# second matrix product, and a learnable Concrete $p$ adds a backward pass through the
# relaxation. Masks with fewer entries (channels, branches, one mask per sequence) cost
# less than an element-wise mask. Our default inverted dropout is itself faster than
# `F.dropout` on the CPU because it draws the mask from uniform numbers instead of
# PyTorch's Bernoulli sampler (see `dropout_tutorial/techniques/inverted.py`).
#
# These are single runs on a shared two-core machine; a repeated run moved some
# ratios noticeably, so read differences below about 2× as noise. Run
# `python benchmarks/bench_techniques.py` on your own hardware before relying on them.

# %% [markdown]
# ## Summary
#
# - Dropout variants differ in *what* they drop: units, channels, blocks, weights,
#   residual branches, features over time, word types, attention weights or salient
#   regions.
# - Most rescale the survivors by $1/q$ in training and are the identity at test time;
#   standard dropout, DropConnect, standout and meta-dropout instead change the
#   test-time computation, and MC dropout keeps the noise on.
# - Gaussian, alpha, Concrete and variational dropout change the *noise*: Gaussian
#   multipliers, a SELU-preserving affine map, a relaxed mask with a learnable $p$, or a
#   learned variance per weight.
# - In PyTorch, $p$ is the drop probability; watch `F.dropout`'s `training=True`
#   default, `scaled_dot_product_attention`'s `dropout_p` in eval, and
#   `F.alpha_dropout`'s `training=False` default.
#
# ## Exercises
#
# 1. DropBlock on a 24×24 map with $p = 0.15$ and $k = 7$ dropped less than 15 % of
#    the pixels above. Why, and what would you change to drop 15 %?
#
# :::{dropdown} Solution
# $\gamma$ is chosen so that the blocks would cover a fraction $p$ of the map if they
# never overlapped. Overlapping blocks cover some pixels twice, so the realised fraction
# is $1 - \mathbb E[(1-\gamma)^{c(i,j)}] < p$. Solve
# `dropblock_expected_drop_fraction(p', 24, 24, 7) = 0.15` for $p'$ (for example by
# bisection) and pass $p'$ instead.
# :::
#
# 2. Gaussian dropout with $p = 0.5$ flips the sign of about 16 % of the units. Derive
#    that number.
#
# :::{dropdown} Solution
# $\varepsilon \sim \mathcal N(1, 1)$ at $p = 0.5$, so $P(\varepsilon < 0) = \Phi(-1)
# \approx 0.159$. In general $P(\varepsilon < 0) = \Phi\big(-\sqrt{(1-p)/p}\big)$.
# :::
#
# 3. A colleague's Transformer gives different test accuracies on two evaluation runs
#    of the same checkpoint. Which two lines of code would you look for first, and how
#    can `check_dropout` confirm the diagnosis?
#
# :::{dropdown} Solution
# `F.dropout(x, p)` without `training=self.training`, and
# `F.scaled_dot_product_attention(..., dropout_p=p)` without
# `p if self.training else 0.0`. With the model in eval mode,
# `check_dropout(model, example_input)` runs it twice with different seeds and reports
# `stochastic_in_eval` if the outputs differ.
# :::
#
# 4. Set the temperature of Concrete dropout to 1.0 in a network. What happens to the
#    "dropout" it applies?
#
# :::{dropdown} Solution
# Figure 11 shows that at $t = 1$ most relaxed keep values lie strictly between 0 and 1:
# every unit is multiplied by a random factor rather than kept or dropped, closer to
# multiplicative noise than to dropout. The gradient with respect to $p$ is smoother, but
# the model trains under noise that differs from the Bernoulli dropout it approximates.
# :::
#
# ## References
#
# The works cited in this chapter are listed, with links, on the
# [references page](../book/references.md).
