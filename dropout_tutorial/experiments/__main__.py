"""Train (or load) every run of a chapter from the command line, for background runs:

    python -m dropout_tutorial.experiments list
    python -m dropout_tutorial.experiments cost --budget cpu
    python -m dropout_tutorial.experiments run 04_mc_dropout_regression --budget cpu
    python -m dropout_tutorial.experiments run 04_mc_dropout_regression --only gal2016-uci-boston
    python -m dropout_tutorial.experiments run 03_dropout_on_mnist --only 2x4096 --seeds 0,1,2

``list`` prints every run and whether it is stored; ``cost`` prints, per chapter, how many
runs are stored and the hours they took (the sum of their recorded wall times).
Runs with a stored record are skipped (``--force`` trains again); interrupted runs resume
from their checkpoints. The notebooks then read the stored records. ``--seeds`` replaces
the budget's seeds of the selected runs, for example to train more seeds of a run than
its chapter shows yet (the chapter reads them once its budget lists them).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields, is_dataclass, replace

from ..budgets import get_budget
from ..runner import load_record, record_path, run
from . import CHAPTERS


def chapter_cost(chapter: str, budget: str) -> dict:
    """``runs`` (distinct configs of ``chapter`` at ``budget``), ``stored`` (how many have
    a record) and ``hours`` (the sum of the stored records' wall times)."""
    configs = {record_path(c): c for group in CHAPTERS[chapter].configs(budget).values()
               for c in group}
    stored = [rec for rec in map(load_record, configs.values()) if rec is not None]
    seconds = sum(rec.provenance["wall_seconds"] for rec in stored)
    return {"runs": len(configs), "stored": len(stored), "hours": seconds / 3600}


def reseeded(config, seed: int):
    """``config`` with seed ``seed``, and so are the configs nested in it (an analysis and
    the network it analyses share their seed, as the chapters build them)."""
    nested = {f.name: reseeded(value, seed) for f in fields(config)
              if is_dataclass(value := getattr(config, f.name)) and hasattr(value, "seed")}
    return replace(config, seed=seed, **nested)


def with_seeds(configs: list, seeds: tuple[int, ...] | None) -> list:
    """``configs`` with each one's seed replaced by every seed of ``seeds`` (see
    :func:`reseeded`; each distinct run once, in order), or ``configs`` unchanged if
    ``seeds`` is None."""
    if seeds is None:
        return configs
    runs = {record_path(c): c for c in (reseeded(c, s) for c in configs for s in seeds)}
    return list(runs.values())


def parse_seeds(text: str) -> tuple[int, ...] | None:
    """``"0,1,2"`` -> ``(0, 1, 2)``; ``""`` -> None (the budget's seeds)."""
    if not text:
        return None
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise ValueError(f"--seeds takes comma-separated integers such as 0,1,2, "
                         f"not {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dropout_tutorial.experiments",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("list", "cost", "run"))
    parser.add_argument("chapters", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--budget", default=None,
                        help="smoke, cpu or paper (default: $DROPOUT_BUDGET or cpu)")
    parser.add_argument("--only", default="", help="run only configs whose name contains this")
    parser.add_argument("--seeds", default="",
                        help="comma-separated seeds to use instead of the budget's (list, run)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_intermixed_args(argv)        # options before or after chapters
    budget = get_budget(args.budget)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as error:
        parser.error(str(error))
    unknown = set(args.chapters) - set(CHAPTERS)
    if unknown:
        parser.error(f"unknown chapters {sorted(unknown)}; choose from {sorted(CHAPTERS)}")
    if args.command == "cost":
        print(f"{'chapter':<32}{'stored runs':>14}{'hours':>8}")
        for chapter in args.chapters or CHAPTERS:
            cost = chapter_cost(chapter, budget)
            print(f"{chapter:<32}{cost['stored']:>7} of {cost['runs']:<4}{cost['hours']:>8.1f}")
        return 0
    for chapter in args.chapters or CHAPTERS:
        for group, configs in CHAPTERS[chapter].configs(budget).items():
            for config in with_seeds(configs, seeds):
                if args.only not in config.name:
                    continue
                stored = record_path(config).exists()
                if args.command == "list":
                    print(f"{chapter}  {group}  {config.name} seed={config.seed}  "
                          f"{'stored' if stored else 'missing'}")
                    continue
                tic = time.perf_counter()
                run(config, force=args.force, device=args.device, progress=sys.stderr.isatty())
                print(f"{config.name} seed={config.seed}: "
                      f"{'loaded' if stored and not args.force else 'trained'} in "
                      f"{time.perf_counter() - tic:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
