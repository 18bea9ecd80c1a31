"""Seeding, threads and provenance: one home for everything that makes a run repeatable.

What is bit-reproducible (measured with torch 2.13.0 on CPU, see the book's
reproducibility page):

* same seed, same machine, same torch build, same thread count, CPU: bit-identical
  parameters and metrics, including after an interrupted run resumes from its checkpoint;
* a different thread count can change the last bits of matrix products (and so
  everything downstream) for wide layers;
* another CPU vendor, another torch build, or a GPU draws different dropout masks and
  sums in another order: results agree statistically, not bitwise.
"""
from __future__ import annotations

import os
import platform
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

__all__ = ["THREADS_ENV", "set_seed", "configure_threads", "environment_info", "git_commit",
           "cpu_model", "benchmark_meta", "median_time"]

THREADS_ENV = "DROPOUT_TUTORIAL_THREADS"


def set_seed(seed: int) -> torch.Generator:
    """Seed Python's ``random``, NumPy and torch (CPU and every GPU) with ``seed``.

    Returns a fresh CPU ``torch.Generator`` seeded with ``seed``, for code that wants
    its own stream (data shuffling uses one so that it does not depend on how many
    random numbers the model drew).
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got seed={seed!r}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32), got seed={seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)          # also seeds CUDA and MPS
    return torch.Generator().manual_seed(seed)


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op thread count and return it.

    ``threads`` defaults to ``DROPOUT_TUTORIAL_THREADS``, then ``OMP_NUM_THREADS``;
    if neither is set torch's own default is kept. On small shared machines one thread
    is often faster than two (OpenMP threads spin while waiting for each other).
    """
    if threads is None:
        value = os.environ.get(THREADS_ENV) or os.environ.get("OMP_NUM_THREADS")
        threads = int(value) if value else None
    if threads is not None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got threads={threads!r}")
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def git_commit(path: str | Path | None = None) -> str | None:
    """The commit of the repository holding ``path`` (default: this package), if any,
    with ``+dirty`` when the work tree has uncommitted changes."""
    where = Path(path) if path else Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=where, capture_output=True, text=True, timeout=10)
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_time(fn, repeats: int, warmup: int) -> float:
    """Median wall time of ``fn()`` in seconds over ``repeats`` calls, after ``warmup``
    untimed calls (for the scripts in ``benchmarks/``)."""
    import statistics
    import time
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def benchmark_meta(**settings) -> dict:
    """Provenance for a benchmark's JSON: versions, CPU, threads, date, plus ``settings``."""
    from datetime import datetime, timezone
    info = environment_info("cpu")
    info |= {"cpu": cpu_model(), "cores": os.cpu_count(),
             "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
             "measured": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return info | settings


def environment_info(device: torch.device | str | None = None) -> dict:
    """Versions, device and threads: the provenance stamped on every stored result."""
    from . import __version__
    device = torch.device(device) if device is not None else torch.device("cpu")
    info = {
        "package": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu": cpu_model(),
        "device": str(device),
        "threads": torch.get_num_threads(),
        "git_commit": git_commit(),
    }
    if device.type == "cuda":
        info["device_name"] = torch.cuda.get_device_name(device)
    return info
