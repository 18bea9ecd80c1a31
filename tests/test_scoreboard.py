"""The scoreboard file: rows, upserts, validation, rendering."""
from __future__ import annotations

import json

import pytest

from dropout_tutorial.scoreboard import (Claim, load_scoreboard, record_claim, scoreboard_markdown,
                                         scoreboard_path)


def _claim(**kw):
    base = dict(claim_id="x-1", paper="hinton2012improving", where="Section 2", metric="errors",
                paper_value="≈ 110", our_value="120", budget="cpu", seeds=3,
                status="direction only", chapter="01_how_dropout_works")
    return Claim(**(base | kw))


def test_record_then_replace_a_row():
    record_claim(_claim())
    record_claim(_claim(our_value="115"))                 # same id and budget: replaced
    record_claim(_claim(budget="paper", our_value="111", status="reproduced"))
    rows = load_scoreboard(scoreboard_path("cpu"))
    assert [(r.budget, r.our_value) for r in rows] == [("cpu", "115"), ("paper", "111")]
    data = json.loads(scoreboard_path("cpu").read_text())
    assert set(data["claims"][0]) >= {"claim_id", "paper", "where", "metric", "paper_value",
                                      "our_value", "budget", "seeds", "status"}


@pytest.mark.parametrize("kw, match", [(dict(status="kind of"), "status"),
                                       (dict(budget="huge"), "budget")])
def test_bad_rows_are_rejected(kw, match):
    with pytest.raises(ValueError, match=match):
        _claim(**kw)


def test_markdown_has_one_line_per_row_and_cites_the_paper():
    md = scoreboard_markdown([_claim(), _claim(claim_id="x-2")])
    lines = md.strip().splitlines()
    assert len(lines) == 4 and "{cite:t}`hinton2012improving`" in lines[2]


@pytest.mark.parametrize("ours, se, direction, expected", [
    (1.15, 0.02, True, "reproduced"), (1.30, 0.02, True, "direction only"),
    (1.30, 0.06, True, "reproduced"), (1.10, 0.0, False, "not reproduced"),
])
def test_status_rule(ours, se, direction, expected):
    from dropout_tutorial.scoreboard import status_for
    assert status_for(ours, se, paper=1.10, tolerance=0.10, direction_holds=direction) == expected
