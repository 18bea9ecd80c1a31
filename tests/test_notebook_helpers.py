"""Helpers the chapters call: reading stored benchmark results."""
import json

from dropout_tutorial import notebook


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
