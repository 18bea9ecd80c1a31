"""The experiments command line: list, cost and run, on a toy chapter."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from dropout_tutorial.experiments import __main__ as cli
from dropout_tutorial.runner import RESULTS_ENV, record_path, register_task


@dataclass(frozen=True)
class ToyConfig:
    name: str
    budget: str = "cpu"
    seed: int = 0
    task: str = "cli_toy_test"


@register_task("cli_toy_test")
def _toy_task(config, device, checkpoint, progress):
    return {"epoch": [1], "loss": [1.0]}, {"loss": 0.5}


TOY_RUNS = {"first": [ToyConfig("toy-a", seed=0), ToyConfig("toy-a", seed=1)],
            "second": [ToyConfig("toy-b"), ToyConfig("toy-a", seed=1)]}     # one listed twice


@pytest.fixture
def toy_chapter(monkeypatch, tmp_path):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    toy = SimpleNamespace(configs=lambda budget: TOY_RUNS)         # a chapter module
    monkeypatch.setattr(cli, "CHAPTERS", {"toy": toy})


def test_list_says_which_runs_are_stored(toy_chapter, capsys):
    assert cli.main(["list", "--budget", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.endswith("missing") for line in lines)


def test_run_trains_missing_runs_once_then_loads_them(toy_chapter, capsys):
    assert cli.main(["run", "toy", "--budget", "cpu", "--only", "toy-b"]) == 0
    assert record_path(ToyConfig("toy-b")).exists()
    assert not record_path(ToyConfig("toy-a")).exists()
    assert "toy-b seed=0: trained" in capsys.readouterr().out
    cli.main(["run", "toy", "--budget", "cpu", "--only", "toy-b"])
    assert "toy-b seed=0: loaded" in capsys.readouterr().out


def test_cost_counts_each_run_once_and_sums_stored_wall_times(toy_chapter, capsys):
    assert cli.chapter_cost("toy", "cpu") == {"runs": 3, "stored": 0, "hours": 0.0}
    cli.main(["run", "toy", "--budget", "cpu"])
    cost = cli.chapter_cost("toy", "cpu")
    assert cost["runs"] == 3 and cost["stored"] == 3 and 0 < cost["hours"] < 0.01
    capsys.readouterr()
    assert cli.main(["cost", "--budget", "cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split()[:4] == ["toy", "3", "of", "3"]


def test_an_unknown_chapter_is_a_usage_error(toy_chapter, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["list", "no_such_chapter"])
    assert stop.value.code == 2 and "choose from ['toy']" in capsys.readouterr().err


def test_options_may_come_before_the_chapters(toy_chapter, capsys):
    assert cli.main(["cost", "--budget", "cpu", "toy"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[0] == "toy"


def test_how_to_use_cost_table_matches_the_stored_cpu_runs(monkeypatch):
    """book/how_to_use.md's table "What each chapter costs" is the output of ``cost
    --budget cpu`` on the committed records (read, never written): every chapter has a
    row, with its run count and hours, and every run it counts is stored."""
    root = Path(__file__).parents[1]
    monkeypatch.setenv(RESULTS_ENV, str(root / "results"))
    page = (root / "book" / "how_to_use.md").read_text()
    rows = dict(re.findall(r"^\| (\d+b?)\. [^|]+\| (\d+ \| [\d.]+) \|$", page, re.MULTILINE))
    expected = {}
    for chapter in cli.CHAPTERS:
        cost = cli.chapter_cost(chapter, "cpu")
        assert cost["stored"] == cost["runs"], f"{chapter}: not every cpu run is stored"
        expected[chapter.split("_")[0].lstrip("0")] = f"{cost['runs']} | {cost['hours']:.1f}"
    assert rows == expected


def test_seeds_replace_the_budgets_seeds_of_the_selected_runs(toy_chapter, capsys):
    assert cli.main(["run", "toy", "--budget", "cpu", "--only", "toy-b", "--seeds", "3,4"]) == 0
    assert record_path(ToyConfig("toy-b", seed=3)).exists()
    assert record_path(ToyConfig("toy-b", seed=4)).exists()
    assert not record_path(ToyConfig("toy-b", seed=0)).exists()
    capsys.readouterr()
    cli.main(["list", "toy", "--seeds", "4"])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[-2:] for line in lines] == [["seed=4", "missing"], ["seed=4", "stored"],
                                                     ["seed=4", "missing"]]


def test_with_seeds_lists_each_distinct_run_once():
    runs = cli.with_seeds([ToyConfig("a", seed=0), ToyConfig("a", seed=1)], (2, 5))
    assert runs == [ToyConfig("a", seed=2), ToyConfig("a", seed=5)]
    assert cli.with_seeds(TOY_RUNS["first"], None) == TOY_RUNS["first"]


@dataclass(frozen=True)
class ToyAnalysis:
    name: str
    model: ToyConfig
    budget: str = "cpu"
    seed: int = 0
    task: str = "cli_toy_test"


def test_with_seeds_reseeds_the_network_inside_an_analysis():
    """An analysis of seed s analyses the network of seed s, as the chapters build them."""
    analysis = ToyAnalysis("mc", model=ToyConfig("net", seed=0), seed=0)
    runs = cli.with_seeds([analysis], (3, 4))
    assert [(r.seed, r.model.seed) for r in runs] == [(3, 3), (4, 4)]
    assert runs[0].model == ToyConfig("net", seed=3)


def test_bad_seeds_are_a_usage_error_that_shows_the_form(toy_chapter, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", "toy", "--seeds", "0;1"])
    assert stop.value.code == 2 and "such as 0,1,2" in capsys.readouterr().err
