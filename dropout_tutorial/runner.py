"""The experiment runner: a config in, a stored result record out.

``run(config)`` hashes the config, returns the stored record when one exists, and
otherwise trains (resuming from the run's checkpoint if an earlier attempt was
interrupted), then writes the record atomically. A record holds the config, the metrics
of every epoch, the final metrics, and the provenance: budget, seed, device, versions,
git commit and wall time.

Where things live (``root`` is the project folder, found from the working directory):

* ``cpu`` and ``paper`` records: ``root/results/runs/`` (committed: the book re-renders
  from them in minutes and strict nbval re-executes the notebooks against them);
* ``smoke`` records: ``root/.cache/results-smoke/`` (never committed);
* checkpoints (and so the final weights): ``root/.cache/checkpoints/``.

``DROPOUT_TUTORIAL_RESULTS`` and ``DROPOUT_TUTORIAL_CACHE`` override these folders. With
``DROPOUT_TUTORIAL_REQUIRE_STORED=1`` a missing record is an error instead of a training
run (CI uses it so that a stale config can never start an hour of training).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import torch

from .budgets import get_budget
from .device import get_device
from .reproducibility import configure_threads, environment_info

__all__ = ["SCHEMA_VERSION", "HASH_OMIT_DEFAULT", "RunRecord", "MissingResultError",
           "register_task", "TASKS", "config_hash", "run", "load_record", "project_root",
           "results_dir", "cache_dir", "record_path", "checkpoint_path", "write_json_atomic"]

SCHEMA_VERSION = 1          # bump when the meaning of a stored record changes
RESULTS_ENV = "DROPOUT_TUTORIAL_RESULTS"
CACHE_ENV = "DROPOUT_TUTORIAL_CACHE"
REQUIRE_ENV = "DROPOUT_TUTORIAL_REQUIRE_STORED"

# task name -> function(config, device, checkpoint, progress) -> (history, final metrics)
TaskFn = Callable[[Any, torch.device, Path, "bool | None"], "tuple[dict, dict]"]
TASKS: dict[str, TaskFn] = {}


class MissingResultError(RuntimeError):
    """No stored record for a config while ``DROPOUT_TUTORIAL_REQUIRE_STORED`` is set."""


def register_task(name: str) -> Callable[[TaskFn], TaskFn]:
    """Decorator: make a training function available to :func:`run` under ``name``."""
    def decorate(fn: TaskFn) -> TaskFn:
        TASKS[name] = fn
        return fn
    return decorate


@dataclass(frozen=True)
class RunRecord:
    """A finished run, as stored on disk."""

    config: dict
    config_hash: str
    history: dict[str, list[float]]
    final: dict[str, float]
    provenance: dict
    path: Path

    @classmethod
    def load(cls, path: str | Path) -> "RunRecord":
        data = json.loads(Path(path).read_text())
        return cls(data["config"], data["config_hash"], data["history"], data["final"],
                   data["provenance"], Path(path))


#: ``dataclasses.field(metadata=...)`` key: leave the field out of the hashed config while it
#: holds its default, so that adding a field does not change the hash of existing configs.
HASH_OMIT_DEFAULT = "hash_omit_default"


def _is_dataclass_instance(obj) -> bool:
    return dataclasses.is_dataclass(obj) and not isinstance(obj, type)


def _field_default(field: dataclasses.Field, owner):
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    raise TypeError(f"field '{field.name}' of {type(owner).__name__} has "
                    f"metadata {HASH_OMIT_DEFAULT}=True but no default")


def _omit_defaults(obj, data):
    """Remove from ``data`` (``dataclasses.asdict(obj)``, or a part of it) every field whose
    metadata has ``hash_omit_default`` and whose value equals its default; recurses into
    nested dataclasses, lists, tuples and dict values."""
    if _is_dataclass_instance(obj):
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if field.metadata.get(HASH_OMIT_DEFAULT) and value == _field_default(field, obj):
                del data[field.name]
            else:
                _omit_defaults(value, data[field.name])
    elif isinstance(obj, (list, tuple)):
        for value, part in zip(obj, data):
            _omit_defaults(value, part)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            _omit_defaults(value, data[key])
    return data


def _canonical(config) -> str:
    """The JSON string that :func:`config_hash` hashes: the schema version and
    ``dataclasses.asdict(config)``, without the fields declared with
    ``dataclasses.field(default=..., metadata={"hash_omit_default": True})`` that hold their
    default (a field added that way keeps the hashes, and so the stored records, of every
    config that does not use it)."""
    if not _is_dataclass_instance(config):
        raise TypeError(f"config must be a dataclass instance, got {type(config).__name__}")
    for field in ("task", "name", "seed", "budget"):
        if not hasattr(config, field):
            raise TypeError(f"config must have a '{field}' field, got {type(config).__name__}")
    data = _omit_defaults(config, dataclasses.asdict(config))
    return json.dumps({"schema": SCHEMA_VERSION, "config": data},
                      sort_keys=True, separators=(",", ":"))


def config_hash(config) -> str:
    """A stable 16-hex-digit hash of the config's values (and the record schema)."""
    return hashlib.sha256(_canonical(config).encode()).hexdigest()[:16]


def project_root() -> Path | None:
    """The project folder (holding ``_toc.yml`` and ``dropout_tutorial/``): searched upward
    from the working directory, then from this package; ``None`` outside a checkout
    (for example on Colab after a pip install)."""
    here = Path.cwd().resolve()
    for start in (here, Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "_toc.yml").is_file() and (folder / "dropout_tutorial").is_dir():
                return folder
    return None


def cache_dir() -> Path:
    """Folder for checkpoints and smoke results (git-ignored)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    root = project_root()
    return root / ".cache" if root else Path.home() / ".cache" / "dropout_tutorial"


def results_dir(budget: str) -> Path:
    """Folder of stored records and the scoreboard for ``budget``."""
    if os.environ.get(RESULTS_ENV):
        return Path(os.environ[RESULTS_ENV])
    root = project_root()
    if get_budget(budget) == "smoke" or root is None:
        return cache_dir() / f"results-{budget}"
    return root / "results"


def _stem(config) -> str:
    return f"{config.name}--{config_hash(config)}"


def record_path(config) -> Path:
    return results_dir(config.budget) / "runs" / f"{_stem(config)}.json"


def checkpoint_path(config) -> Path:
    return cache_dir() / "checkpoints" / f"{_stem(config)}.pt"


def write_json_atomic(obj, path: Path) -> None:
    """Write JSON to a temporary file in the same folder, flush it to disk, then rename:
    a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True, allow_nan=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_record(config) -> RunRecord | None:
    """The stored record of ``config``, or ``None``."""
    path = record_path(config)
    return RunRecord.load(path) if path.is_file() else None


def run(config, *, force: bool = False, device: str | torch.device | None = None,
        progress: bool | None = None) -> RunRecord:
    """Return the record of ``config``: stored if it exists, else trained now.

    Args:
        config: a frozen dataclass with ``task``, ``name``, ``seed`` and ``budget`` fields.
        force: train again even if a record exists (the old checkpoint is discarded).
        device: where to train (default: ``DROPOUT_DEVICE``, then cuda > mps > cpu).
        progress: show progress bars (default: yes, unless ``CI`` is set).
    """
    path = record_path(config)
    if path.is_file() and not force:
        return RunRecord.load(path)
    if os.environ.get(REQUIRE_ENV) and not force:
        raise MissingResultError(
            f"No stored result for '{config.name}' (budget={config.budget}) at {path}. "
            f"Run `make reproduce BUDGET={config.budget}` to compute it, or unset {REQUIRE_ENV}.")
    if config.task not in TASKS:
        raise ValueError(f"unknown task {config.task!r}; registered: {sorted(TASKS)}")
    ckpt = checkpoint_path(config)
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    if force and ckpt.exists():
        ckpt.unlink()
    resumed, seconds_before = _checkpoint_progress(ckpt)
    device = get_device(device)
    configure_threads()
    tic = time.perf_counter()
    history, final = TASKS[config.task](config, device, ckpt, progress)
    provenance = environment_info(device) | {
        "budget": config.budget, "seed": config.seed,
        # a resumed run also counts the training seconds its checkpoint had accumulated
        "wall_seconds": seconds_before + time.perf_counter() - tic,
        "resumed_from_epoch": resumed,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_json_atomic({"config": dataclasses.asdict(config), "config_hash": config_hash(config),
                       "history": history, "final": final, "provenance": provenance,
                       "schema": SCHEMA_VERSION}, path)
    return RunRecord.load(path)


def _checkpoint_progress(ckpt: Path) -> tuple[int, float]:
    """Epoch and training seconds stored in a checkpoint; ``(0, 0.0)`` without one."""
    if not ckpt.exists():
        return 0, 0.0
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    return int(state["epoch"]), float(state.get("seconds", 0.0))
