"""The scoreboard: every claim the book reproduces, paper value beside ours.

One machine-readable file, ``results/scoreboard.json`` (next to the stored runs of the
same budget), holds one row per (claim, budget). Chapters add their rows with
:func:`record_claim` from the cell that computes the number; the book's Scoreboard page
renders the file with :func:`scoreboard_markdown`.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .budgets import BUDGETS, get_budget
from .runner import results_dir, write_json_atomic

__all__ = ["STATUSES", "Claim", "status_for", "record_claim", "load_scoreboard", "scoreboard_path",
           "scoreboard_markdown"]

STATUSES = ("reproduced", "direction only", "not reproduced")


@dataclass(frozen=True)
class Claim:
    """One reproduced claim.

    Attributes:
        claim_id: stable identifier, e.g. ``"hinton2012-mnist-dropout-vs-none"``.
        paper: citation key in ``references.bib`` (e.g. ``"hinton2012improving"``).
        where: table or figure of the paper, e.g. ``"Section 2, MNIST"``.
        metric: what is compared, with its unit, e.g. ``"test errors (of 10,000)"``.
        paper_value: the paper's number as printed (text, so "≈ 110" stays honest).
        our_value: our number as text, e.g. ``"1.23 % (1 seed)"``.
        budget: the compute budget of our number.
        seeds: how many seeds our number averages.
        status: ``"reproduced"``, ``"direction only"`` or ``"not reproduced"``.
        chapter: the notebook that computes it.
        note: one sentence of context (why we fall short, what differs).
    """

    claim_id: str
    paper: str
    where: str
    metric: str
    paper_value: str
    our_value: str
    budget: str
    seeds: int
    status: str
    chapter: str
    note: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got status={self.status!r}")
        get_budget(self.budget)


def status_for(ours: float, ours_se: float, *, paper: float, tolerance: float,
               direction_holds: bool) -> str:
    """The status of a claim, by one rule for the whole book.

    * ``"reproduced"``: the paper's qualitative result holds and our value lies within
      ``tolerance`` plus two standard errors of the paper's;
    * ``"direction only"``: the qualitative result holds, the value is further away;
    * ``"not reproduced"``: the qualitative result does not hold.
    """
    if not direction_holds:
        return "not reproduced"
    return "reproduced" if abs(ours - paper) <= tolerance + 2 * ours_se else "direction only"


def scoreboard_path(budget: str = "cpu") -> Path:
    """The scoreboard file that rows of ``budget`` go to (smoke rows never reach the
    committed file: smoke results live in the cache)."""
    return results_dir(budget) / "scoreboard.json"


def load_scoreboard(path: Path | None = None) -> list[Claim]:
    """All rows, sorted by chapter then claim id."""
    path = path or scoreboard_path()
    if not path.is_file():
        return []
    rows = [Claim(**row) for row in json.loads(path.read_text())["claims"]]
    return sorted(rows, key=lambda c: (c.chapter, c.claim_id, BUDGETS.index(c.budget)))


def record_claim(claim: Claim) -> Claim:
    """Insert or replace the row of ``(claim_id, budget)`` in its scoreboard file."""
    path = scoreboard_path(claim.budget)
    rows = {(c.claim_id, c.budget): c for c in load_scoreboard(path)}
    rows[(claim.claim_id, claim.budget)] = claim
    ordered = sorted(rows.values(), key=lambda c: (c.chapter, c.claim_id, c.budget))
    write_json_atomic({"claims": [asdict(c) for c in ordered]}, path)
    return claim


def scoreboard_markdown(rows: list[Claim]) -> str:
    """A Markdown table of ``rows`` (citations as MyST ``{cite}`` roles)."""
    from .notebook import markdown_table
    return markdown_table(
        ("claim", "paper", "where", "metric", "paper value", "ours", "budget", "seeds", "status"),
        [(c.claim_id, f"{{cite:t}}`{c.paper}`", c.where, c.metric, c.paper_value, c.our_value,
          c.budget, c.seeds, c.status) for c in rows])
