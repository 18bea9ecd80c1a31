"""Every test of the project, in the order that fails fastest: `make test` runs this.

    python tools/run_tests.py            # all steps
    python tools/run_tests.py unit nbval # some steps

Steps:
  unit   pytest tests/ (the package, the runner, the data loaders, the notebooks' pairing)
         and the doctest examples of every docstring in dropout_tutorial/
  nbval  strict nbval: re-executes every committed notebook at the book's budget and
         compares every output with the committed one. The stored results make this
         deterministic; DROPOUT_TUTORIAL_REQUIRE_STORED makes a missing result an error
         instead of an hour of training.
  smoke  executes every notebook with papermill at the smoke budget, training for real
         on real data, with results in a throw-away folder.
  html   builds the book with warnings as errors, then checks the built HTML.

Ends with one line "tests: N passed, N failed" summed over every pytest run.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "_build" / "reports"
sys.path.insert(0, str(ROOT / "tools"))

import notebooks  # noqa: E402

STEPS = ("unit", "nbval", "smoke", "html")


def _env(**extra) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"),
               PYDEVD_DISABLE_FILE_VALIDATION="1", DROPOUT_TUTORIAL_QUIET="1")
    env.update(extra)
    return env


def pytest(step: str, args: list[str], env: dict) -> tuple[int, int]:
    """Run pytest in a subprocess; return (passed, failed) from its JUnit report."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    report = REPORTS / f"{step}.xml"
    report.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
           f"--junitxml={report}", *args]
    code = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    if not report.exists():
        return 0, 1
    suites = ET.parse(report).getroot()
    suites = [suites] if suites.tag == "testsuite" else list(suites)
    total = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    if code not in (0, 1) and failed == 0:        # internal error, or nothing collected
        failed = 1
    return total - failed - skipped, failed


def step_unit() -> tuple[int, int]:
    return pytest("unit", ["tests", "dropout_tutorial", "--doctest-modules", "-m", "not book"],
                  _env())


def step_nbval() -> tuple[int, int]:
    problems = notebooks.check(notebooks.notebook_paths())
    for p in problems:
        print("notebook check:", p)
    paths = [str(p.relative_to(ROOT)) for p in notebooks.notebook_paths()]
    passed, failed = pytest("nbval", ["--nbval", "--nbval-current-env", "--nbval-sanitize-with",
                                      "tests/nbval_sanitize.cfg", *paths],
                            _env(DROPOUT_BUDGET=notebooks.BOOK_BUDGET, DROPOUT_DEVICE="auto",
                                 DROPOUT_TUTORIAL_REQUIRE_STORED="1"))
    return passed + (len(paths) if not problems else 0), failed + len(problems)


def step_smoke() -> tuple[int, int]:
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="smoke-") as tmp, notebooks.environment(
            DROPOUT_TUTORIAL_RESULTS=str(Path(tmp) / "results"),
            DROPOUT_TUTORIAL_CACHE=str(Path(tmp) / "cache")):
        for path in notebooks.notebook_paths():
            tic = time.perf_counter()
            try:
                notebooks.reproduce([path], "smoke", "cpu")
                passed += 1
                print(f"  smoke ok   {path.name}: {time.perf_counter() - tic:.0f} s", flush=True)
            except Exception as exc:                     # report every notebook, then fail
                failed += 1
                print(f"  smoke FAIL {path.name}: {type(exc).__name__}: {exc}", flush=True)
    return passed, failed


def step_html() -> tuple[int, int]:
    shutil.rmtree(ROOT / "_build" / "html", ignore_errors=True)
    tic = time.perf_counter()
    jb = Path(sys.executable).parent / "jupyter-book"
    code = subprocess.run([str(jb), "build", ".", "-W", "-q"], cwd=ROOT, env=_env()).returncode
    print(f"  book build: exit {code}, {time.perf_counter() - tic:.0f} s", flush=True)
    passed, failed = pytest("html", ["tests", "-m", "book"], _env())
    return passed + (code == 0), failed + (code != 0)


def main(argv: list[str]) -> int:
    steps = argv or list(STEPS)
    unknown = set(steps) - set(STEPS)
    if unknown:
        print(f"unknown step(s) {sorted(unknown)}; choose from {STEPS}")
        return 2
    totals = [0, 0]
    for step in steps:
        print(f"== {step}", flush=True)
        tic = time.perf_counter()
        passed, failed = globals()[f"step_{step}"]()
        totals[0] += passed
        totals[1] += failed
        print(f"== {step}: {passed} passed, {failed} failed in {time.perf_counter() - tic:.0f} s",
              flush=True)
    print(f"tests: {totals[0]} passed, {totals[1]} failed")
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
