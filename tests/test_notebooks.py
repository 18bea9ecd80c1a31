"""The committed notebooks: executed, paired, Colab-safe, parameterized, unpolluted."""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import notebooks as nbtools  # noqa: E402

NOTEBOOKS = nbtools.notebook_paths()
IDS = [p.stem for p in NOTEBOOKS]


def _code(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=IDS)
def nb_path(request):
    return request.param


def test_every_chapter_of_the_toc_is_a_committed_notebook_pair():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    for name in (f for f in files if f.startswith("notebooks/")):
        assert (ROOT / f"{name}.ipynb").is_file() and (ROOT / f"{name}.py").is_file(), name
    assert {f"notebooks/{p.stem}" for p in NOTEBOOKS} <= set(files)


def test_every_code_cell_was_executed_without_errors(nb_path):
    problems = [p for p in nbtools.check([nb_path]) if "never run" in p or "error" in p]
    assert problems == []


def test_py_and_ipynb_have_the_same_code(nb_path):
    problems = [p for p in nbtools.check([nb_path]) if "differs" in p]
    assert problems == []


def test_first_code_cell_installs_the_package_on_colab_without_magics(nb_path):
    setup = _code(nbformat.read(nb_path, as_version=4))[0]
    assert "remove-cell" in setup.metadata.get("tags", [])
    assert "subprocess.check_call" in setup.source and "%pip" not in setup.source
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]["url"]
    branch = config["repository"]["branch"]
    assert f"git+{repo}@{branch}" in setup.source, "the install URL must match _config.yml"


def test_parameters_cell_reads_budget_device_and_seed(nb_path):
    cells = _code(nbformat.read(nb_path, as_version=4))
    params = cells[1]
    assert params.metadata.get("tags") == ["parameters"]
    assert 'budget = os.environ.get("DROPOUT_BUDGET", "cpu")' in params.source
    assert 'device = os.environ.get("DROPOUT_DEVICE", "auto")' in params.source
    assert re.search(r"^seed = \d+", params.source, re.M)
    later = "".join(c.source for c in cells[2:])
    assert "DROPOUT_BUDGET" not in later, "re-reading the variable would override papermill"


def test_committed_outputs_were_made_at_the_book_budget(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    assert nb.metadata.get("dropout_tutorial", {}).get("budget") == nbtools.BOOK_BUDGET
    outputs = json.dumps([c.get("outputs", []) for c in _code(nb)])
    assert f"budget={nbtools.BOOK_BUDGET} seed=" in outputs


def test_no_papermill_pollution(nb_path):
    py = nb_path.with_suffix(".py").read_text()
    assert "injected-parameters" not in py and "papermill" not in py
    nb = nbformat.read(nb_path, as_version=4)
    assert "papermill" not in nb.metadata
    for cell in nb.cells:
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
        assert "injected-parameters" not in cell.metadata.get("tags", [])


def test_execution_key_depends_on_budget_device_code_and_package(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    key = nbtools.execution_key(nb, "cpu", "auto")
    assert key == nbtools.execution_key(nb, "cpu", "auto")
    assert key != nbtools.execution_key(nb, "smoke", "auto")
    assert key != nbtools.execution_key(nb, "cpu", "cuda")
    edited = nbformat.from_dict(json.loads(json.dumps(nb)))
    next(c for c in edited.cells if c.cell_type == "code").source += "\n# edited"
    assert key != nbtools.execution_key(edited, "cpu", "auto")
    markdown_only = nbformat.from_dict(json.loads(json.dumps(nb)))
    next(c for c in markdown_only.cells if c.cell_type == "markdown").source += " edited"
    assert key == nbtools.execution_key(markdown_only, "cpu", "auto")


def test_execution_key_follows_the_package_sources(monkeypatch, tmp_path):
    fake = tmp_path / "root"
    (fake / "dropout_tutorial").mkdir(parents=True)
    (fake / "results").mkdir()
    module = fake / "dropout_tutorial" / "x.py"
    module.write_text("A = 1\n")
    monkeypatch.setattr(nbtools, "ROOT", fake)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    before = nbtools.execution_key(nb, "cpu", "auto")
    module.write_text("A = 2\n")
    assert nbtools.execution_key(nb, "cpu", "auto") != before
    after_code = nbtools.execution_key(nb, "cpu", "auto")
    assert after_code != before
    (fake / "results" / "r.json").write_text("{}")
    assert nbtools.execution_key(nb, "cpu", "auto") != after_code
    # the scoreboard is written by chapters: only the page that renders it depends on it
    with_runs = nbtools.execution_key(nb, "cpu", "auto")
    (fake / "results" / "scoreboard.json").write_text('{"claims": []}')
    assert nbtools.execution_key(nb, "cpu", "auto") == with_runs
    assert nbtools.execution_key(nb, "cpu", "auto", reads_scoreboard=True) != with_runs


def test_every_configured_run_of_the_book_budget_is_stored(monkeypatch):
    """CI must never start training at the book's budget: every run is committed."""
    from dropout_tutorial.experiments import CHAPTERS, all_configs
    from dropout_tutorial.runner import record_path
    monkeypatch.delenv("DROPOUT_TUTORIAL_RESULTS")
    monkeypatch.chdir(ROOT)
    assert set(CHAPTERS) <= {p.stem for p in NOTEBOOKS}
    missing = [f"{c.name} (seed {c.seed})" for c in all_configs(nbtools.BOOK_BUDGET)
               if not record_path(c).is_file()]
    assert missing == []
    assert all(ROOT / "results" in record_path(c).parents
               for c in all_configs(nbtools.BOOK_BUDGET))
