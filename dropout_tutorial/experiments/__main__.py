"""Train (or load) every run of a chapter from the command line, for background runs:

    python -m dropout_tutorial.experiments list
    python -m dropout_tutorial.experiments run 04_mc_dropout_regression --budget cpu
    python -m dropout_tutorial.experiments run 04_mc_dropout_regression --only gal2016-uci-boston

Runs with a stored record are skipped (``--force`` trains again); interrupted runs resume
from their checkpoints. The notebooks then read the stored records.
"""
from __future__ import annotations

import argparse
import sys
import time

from ..budgets import get_budget
from ..runner import record_path, run
from . import CHAPTERS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dropout_tutorial.experiments",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("list", "run"))
    parser.add_argument("chapters", nargs="*", help="notebook names (default: all)")
    parser.add_argument("--budget", default=None,
                        help="smoke, cpu or paper (default: $DROPOUT_BUDGET or cpu)")
    parser.add_argument("--only", default="", help="run only configs whose name contains this")
    parser.add_argument("--device", default=None)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    budget = get_budget(args.budget)
    unknown = set(args.chapters) - set(CHAPTERS)
    if unknown:
        parser.error(f"unknown chapters {sorted(unknown)}; choose from {sorted(CHAPTERS)}")
    for chapter in args.chapters or CHAPTERS:
        for group, configs in CHAPTERS[chapter].configs(budget).items():
            for config in configs:
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
