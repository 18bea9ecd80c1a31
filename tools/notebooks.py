"""Execute the book's notebooks: in place for the committed book, or with papermill for
reproduction runs at any budget.

    python tools/notebooks.py sync                       # .py (reviewed source) -> .ipynb inputs
    python tools/notebooks.py execute [--budget cpu]     # refresh committed outputs (skips fresh ones)
    python tools/notebooks.py reproduce --budget paper --device cuda   # papermill into _build/
    python tools/notebooks.py check                      # every notebook executed, sources in sync

``execute`` re-runs a notebook only when its *execution key* changed: a hash of the budget,
the device, the notebook's code cells, the package's sources and the stored results. The
key is kept in the notebook's metadata, so a change to any of these (not only to the code
cells, which is all Jupyter Book's own cache looks at) re-executes it.

``reproduce`` never writes papermill's output next to the paired ``.py`` files: executed
copies go to ``_build/papermill/<budget>/``. It trains and stores whatever runs are
missing; with the book's budget it then refreshes the committed notebooks in place.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BOOK_BUDGET = "cpu"
KEY = "dropout_tutorial"
SCOREBOARD = "scoreboard.json"


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    """Notebooks in book order (chapters first, the scoreboard last)."""
    sources = sorted(NOTEBOOKS.glob("[0-9]*.py")) + [NOTEBOOKS / "scoreboard.py"]
    paths = [p.with_suffix(".ipynb") for p in sources if p.exists()]
    if names:
        paths = [p for p in paths if p.stem in names or p.name in names or str(p) in names]
    return paths


def execution_key(nb: nbformat.NotebookNode, budget: str, device: str, *,
                  reads_scoreboard: bool = False) -> str:
    """Hash of everything a notebook's outputs depend on: budget, device, code cells,
    package sources, stored runs and benchmarks. The scoreboard file is an output of the
    chapters, so it enters only the key of the page that renders it."""
    h = hashlib.sha256(f"{budget}\n{device}\n".encode())
    for cell in nb.cells:
        if cell.cell_type == "code":
            h.update(cell.source.encode() + b"\0")
    inputs = sorted((ROOT / "dropout_tutorial").rglob("*.py"))
    inputs += sorted(p for p in (ROOT / "results").rglob("*.json") if p.name != SCOREBOARD)
    if reads_scoreboard and (ROOT / "results" / SCOREBOARD).is_file():
        inputs.append(ROOT / "results" / SCOREBOARD)
    for path in inputs:
        h.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return h.hexdigest()


def sync(paths: list[Path]) -> None:
    """Update each ``.ipynb``'s inputs from its paired ``.py``, keeping outputs."""
    for nb_path in paths:
        py = nb_path.with_suffix(".py")
        subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--update", "--to",
                        "ipynb", str(py)], check=True, cwd=ROOT)


@contextlib.contextmanager
def environment(**overrides: str | None):
    """Set (or, with ``None``, remove) environment variables for the duration of the block;
    kernels started inside it inherit them."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in overrides.items() if v is not None})
    for key in (k for k, v in overrides.items() if v is None):
        os.environ.pop(key, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _notebook_env(budget: str, device: str, quiet: bool) -> dict:
    return dict(DROPOUT_BUDGET=budget, DROPOUT_DEVICE=device,
                DROPOUT_TUTORIAL_QUIET="1" if quiet else None,
                PYDEVD_DISABLE_FILE_VALIDATION="1",
                OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))


def execute(paths: list[Path], budget: str, device: str, force: bool = False) -> None:
    """Execute notebooks in place with nbclient (no timing metadata), skipping fresh ones."""
    from nbclient import NotebookClient
    with environment(**_notebook_env(budget, device, quiet=True)):
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            reads = path.stem == "scoreboard"
            key = execution_key(nb, budget, device, reads_scoreboard=reads)
            if not force and nb.metadata.get(KEY, {}).get("execution_key") == key:
                print(f"  fresh    {path.relative_to(ROOT)}")
                continue
            print(f"  execute  {path.relative_to(ROOT)} (budget={budget})", flush=True)
            NotebookClient(nb, kernel_name="python3", timeout=3600, record_timing=False,
                           resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
            nb.metadata[KEY] = {"execution_key": key, "budget": budget}
            nbformat.write(nb, path)


def reproduce(paths: list[Path], budget: str, device: str) -> None:
    """papermill each notebook at ``budget`` into ``_build/papermill/<budget>/``."""
    import papermill
    out_dir = ROOT / "_build" / "papermill" / budget
    out_dir.mkdir(parents=True, exist_ok=True)
    with environment(**_notebook_env(budget, device, quiet=False)):   # long runs show bars
        for path in paths:
            print(f"  papermill {path.relative_to(ROOT)} -> {out_dir.relative_to(ROOT)} "
                  f"(budget={budget}, device={device})", flush=True)
            papermill.execute_notebook(str(path), str(out_dir / path.name),
                                       parameters={"budget": budget, "device": device},
                                       cwd=str(NOTEBOOKS), kernel_name="python3",
                                       progress_bar=False, log_output=False)


def check(paths: list[Path]) -> list[str]:
    """Problems that would make strict nbval meaningless or the book stale."""
    import jupytext
    problems = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        unrun = [i for i, c in enumerate(code) if c.get("execution_count") is None]
        if unrun:
            problems.append(f"{path.name}: code cells {unrun} have never run")
        errors = [i for i, c in enumerate(code) for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        if errors:
            problems.append(f"{path.name}: error outputs in code cells {errors}")
        paired = jupytext.read(path.with_suffix(".py"))
        src_py = [c.source for c in paired.cells if c.cell_type == "code"]
        src_nb = [c.source for c in nb.cells if c.cell_type == "code"]
        if src_py != src_nb:
            problems.append(f"{path.name}: code differs from {path.with_suffix('.py').name}; "
                            f"run `make execute`")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("sync", "execute", "reproduce", "check"))
    parser.add_argument("notebooks", nargs="*", help="names (default: all)")
    parser.add_argument("--budget", default=os.environ.get("DROPOUT_BUDGET") or BOOK_BUDGET)
    parser.add_argument("--device", default=os.environ.get("DROPOUT_DEVICE") or "auto")
    parser.add_argument("--force", action="store_true", help="execute even fresh notebooks")
    args = parser.parse_intermixed_args(argv)
    paths = notebook_paths(args.notebooks)
    if args.command == "sync":
        sync(paths)
    elif args.command == "execute":
        sync(paths)
        execute(paths, args.budget, args.device, args.force)
    elif args.command == "reproduce":
        sync(paths)
        reproduce(paths, args.budget, args.device)
        if args.budget == BOOK_BUDGET:
            execute(paths, args.budget, args.device)
    else:
        problems = check(paths)
        print("\n".join(problems) or f"{len(paths)} notebooks executed and in sync")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
