"""Helpers the chapters call: reading stored benchmark results, the note for readers
outside a checkout."""
import json

import pytest

from dropout_tutorial import notebook
from dropout_tutorial.runner import RESULTS_ENV


def test_load_benchmark_reads_the_checkouts_stored_result(monkeypatch, tmp_path):
    stored = tmp_path / "results" / "benchmarks"
    stored.mkdir(parents=True)
    (stored / "fit.json").write_text(json.dumps({"ratio_fit_over_bare": 0.95}))
    monkeypatch.setattr(notebook, "project_root", lambda: tmp_path)
    assert notebook.load_benchmark("fit") == {"ratio_fit_over_bare": 0.95}
    assert notebook.load_benchmark("never_run") is None


def test_load_benchmark_is_none_outside_a_checkout(monkeypatch):
    monkeypatch.setattr(notebook, "project_root", lambda: None)     # e.g. Colab, pip install
    assert notebook.load_benchmark("fit") is None


@pytest.mark.parametrize("budget", ["cpu", "paper"])
def test_outside_a_checkout_setup_warns_that_every_run_will_be_trained(monkeypatch, capsys,
                                                                         budget):
    monkeypatch.setattr(notebook, "project_root", lambda: None)     # e.g. Colab, pip install
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    note = notebook.stored_results_note(budget)
    assert f"every '{budget}' run" in note and "clone the repository" in note
    notebook.setup(budget, "cpu")
    assert capsys.readouterr().out.splitlines() == [f"budget={budget} seed=0", note]


def test_no_note_in_a_checkout_with_a_results_folder_or_at_smoke(monkeypatch, tmp_path,
                                                                  capsys):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.setattr(notebook, "project_root", lambda: tmp_path)
    assert notebook.stored_results_note("cpu") is None
    notebook.setup("cpu", "cpu")
    assert capsys.readouterr().out.splitlines() == ["budget=cpu seed=0"]
    monkeypatch.setattr(notebook, "project_root", lambda: None)
    assert notebook.stored_results_note("smoke") is None
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    assert notebook.stored_results_note("cpu") is None


def test_stored_results_note_rejects_an_unknown_budget():
    with pytest.raises(ValueError):
        notebook.stored_results_note("laptop")
