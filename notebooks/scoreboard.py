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
# # Scoreboard
#
# Every claim of a paper that this book reruns, with the paper's value beside ours.
# The table is read from `results/scoreboard.json`, which each chapter updates from
# the cell that computes its number.
#
# Each row gives the budget our number was computed at, and how many seeds it
# averages. The status follows one rule for the whole book:
#
# reproduced
# : the paper's qualitative result holds and our value lies within the stated
#   tolerance (plus two standard errors) of the paper's;
#
# direction only
# : the qualitative result holds, but our value is further from the paper's, usually
#   because the budget trains for less time; the chapter says why;
#
# not reproduced
# : the qualitative result does not hold in our runs.

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
from IPython.display import Markdown

from dropout_tutorial import notebook, scoreboard

env = notebook.setup(budget, device, seed)
rows = scoreboard.load_scoreboard(scoreboard.scoreboard_path(env.budget))
counts = {status: sum(r.status == status for r in rows) for status in scoreboard.STATUSES}
print(f"{len(rows)} claims: " + ", ".join(f"{n} {status}" for status, n in counts.items()))

# %%
Markdown(scoreboard.scoreboard_markdown(rows))

# %% [markdown]
# Notes on each row, as the chapters state them:

# %%
Markdown("\n".join(f"- **{r.claim_id}** ({r.budget}): {r.note}" for r in rows if r.note))
