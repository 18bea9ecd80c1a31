"""Checks of the built HTML book (`make test` builds it first; alone, these build it)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
pytestmark = pytest.mark.book


@pytest.fixture(scope="module")
def html():
    if not (HTML / "index.html").is_file():
        jb = Path(sys.executable).parent / "jupyter-book"
        subprocess.run([str(jb), "build", ".", "-W", "-q"], cwd=ROOT, check=True)
    return HTML


def _page(html, name):
    return (html / f"{name}.html").read_text()


def test_landing_page_and_every_toc_page_exist(html):
    assert (html / "index.html").is_file()
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    for name in [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]:
        assert (html / f"{name}.html").is_file(), name


def test_chapter_has_figures_equations_and_tables(html):
    page = _page(html, "notebooks/01_how_dropout_works")
    assert len(re.findall(r'<img [^>]*src="[^"]+\.png"', page)) >= 2
    assert "\\frac{m \\odot h}{1-p}" in page or "frac{m" in page          # display math
    assert "math notranslate" in page
    assert page.count("<table") >= 2
    assert "budget=cpu seed=0" in page


def test_citations_link_to_the_bibliography(html):
    page = _page(html, "notebooks/01_how_dropout_works")
    assert "references.html#id" in page or 'href="../book/references.html' in page
    bib = _page(html, "book/references")
    assert "Srivastava" in bib and "Improving neural networks" in bib


def test_colab_links_point_to_committed_notebooks(html):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    org_repo = config["repository"]["url"].removeprefix("https://github.com/")
    page = _page(html, "notebooks/01_how_dropout_works")
    links = re.findall(r'href="(https://colab\.research\.google\.com/[^"]+)"', page)
    assert links
    for link in links:
        prefix = f"https://colab.research.google.com/github/{org_repo}/blob/main/"
        assert link.startswith(prefix), link
        assert (ROOT / link.removeprefix(prefix)).is_file(), link


def test_scoreboard_page_renders_the_rows(html):
    page = _page(html, "notebooks/scoreboard")
    assert "hinton2012-mnist-800x2-dropout" in page
    assert "<table" in page


def test_glossary_defines_overfitting(html):
    page = _page(html, "book/glossary")
    assert 'id="term-Overfitting"' in page
