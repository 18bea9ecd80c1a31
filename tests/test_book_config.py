"""The book's configuration and the build stack: the traps of reference/STACK.md."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _config():
    return yaml.safe_load((ROOT / "_config.yml").read_text())


def test_jupyter_book_is_pinned_below_2():
    reqs = (ROOT / "requirements.txt").read_text()
    pin = re.search(r"^jupyter-book==(\d+)\.", reqs, re.M)
    assert pin and int(pin.group(1)) < 2
    assert "jupyter-book>=1.0.4.post1,<2" in (ROOT / "pyproject.toml").read_text()


def test_package_keeps_torch_loose_and_ci_installs_the_cpu_build_first():
    assert '"torch>=2.2"' in (ROOT / "pyproject.toml").read_text()
    assert "torch" not in (ROOT / "requirements.txt").read_text().split("# torch")[0]
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH  ?= torch==2.13.0" in makefile
    assert makefile.index('"$(TORCH)"') < makefile.index("-r requirements.txt")


def test_repository_and_launch_buttons_point_to_github_main():
    config = _config()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", config["repository"]["url"])
    assert config["repository"]["branch"] == "main"
    assert config["repository"]["path_to_book"] == ""
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"


def test_build_excludes_venvs_and_sources_that_are_not_pages():
    excluded = set(_config()["exclude_patterns"])
    assert {".venv", "venv", "_build", "notebooks/*.py", "tests", "dropout_tutorial",
            ".devdata"} <= excluded      # .devdata: make devdata's copy of the data sets
    assert _config()["only_build_toc_files"] is True


def test_every_toc_entry_exists():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    for name in files:
        assert any((ROOT / f"{name}{ext}").is_file() for ext in (".md", ".ipynb")), name


def test_environment_yml_wraps_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.txt" in pip and "-e ." in pip


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make book" in readme
    assert ci.strip().splitlines()[-1] == "make test"
    assert "OMP_NUM_THREADS=1" in ci and "shared/data" in ci


def test_every_citation_key_is_in_the_bibliography():
    bib = (ROOT / "references.bib").read_text()
    keys = set(re.findall(r"@\w+\{([^,]+),", bib))
    sources = [*ROOT.glob("book/*.md"), *ROOT.glob("notebooks/*.py"),
               *ROOT.glob("dropout_tutorial/**/*.py")]
    cited = {k.strip() for path in sources
             for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", path.read_text())
             for k in group.split(",")}
    cited |= set(re.findall(r'paper="(\w+)"', "".join(p.read_text() for p in sources)))
    assert cited and cited <= keys, cited - keys
