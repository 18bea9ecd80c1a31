"""Timing of ``VariationalGRU`` (tied and untied masks) against ``nn.GRU`` (CPU by default).

Forward + backward per batch (the loss is the sum of all outputs) for every combination of
batch 20 and 128, 35 and 200 steps, and 128 and 200 units (input size = hidden size, one
layer, all drop rates 0.25), with denormals flushed to zero as in training
(``experiments.recurrent.flush_denormal``). The goal is at most twice ``nn.GRU``'s time.

The three models of a size are timed in turns (one call each per round, ``--repeats``
rounds after ``--warmup`` untimed calls each), so that a change of the machine's load hits
all three alike; each time is the median over the rounds, each ratio the median of the
per-round ratios. The JSON's ``meta`` records the load average.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_variational_gru.py [--threads 1] \\
        [--json results/benchmarks/variational_gru.json]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics

import torch
from torch import nn

from dropout_tutorial.experiments.recurrent import flush_denormal
from dropout_tutorial.reproducibility import benchmark_meta, cpu_model, median_time
from dropout_tutorial.techniques.recurrent import VariationalGRU

BATCHES, STEPS, HIDDEN = (20, 128), (35, 200), (128, 200)
GOAL = 2.0                     # at most twice the time of nn.GRU


def forward_backward(model: nn.Module, x: torch.Tensor):
    def step():
        model.zero_grad(set_to_none=True)
        y, _ = model(x)
        y.sum().backward()
    return step


def bench_size(T: int, B: int, H: int, args) -> list[dict]:
    torch.manual_seed(0)
    x = torch.randn(T, B, H)
    ref = nn.GRU(H, H)
    models = {"nn.GRU": ref,
              "VariationalGRU tied": VariationalGRU.from_gru(ref, tied=True),
              "VariationalGRU untied": VariationalGRU.from_gru(ref, tied=False)}
    steps = {name: forward_backward(model, x) for name, model in models.items()}
    for step in steps.values():
        for _ in range(args.warmup):
            step()
    times = {name: [] for name in models}
    for _ in range(args.repeats):                                  # interleaved rounds
        for name, step in steps.items():
            times[name].append(median_time(step, 1, 0))
    ref_times = times["nn.GRU"]
    rows = []
    for name in ("VariationalGRU tied", "VariationalGRU untied"):
        ratios = [t / r for t, r in zip(times[name], ref_times)]
        rows.append({"benchmark": f"{name} fwd+bwd", "shape": f"T={T}, B={B}, H={H}",
                     "T": T, "B": B, "H": H,
                     "ours_ms": 1e3 * statistics.median(times[name]),
                     "reference": "nn.GRU", "reference_ms": 1e3 * statistics.median(ref_times),
                     "ratio": statistics.median(ratios), "ratio_max": max(ratios),
                     "within_goal": statistics.median(ratios) <= GOAL})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per size")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs per model")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    rows = []
    with flush_denormal():
        for B, T, H in itertools.product(BATCHES, STEPS, HIDDEN):
            rows += bench_size(T, B, H, args)
    print(f"torch {torch.__version__}, {args.threads} thread(s), {cpu_model()}, median of "
          f"{args.repeats} interleaved rounds after warm-up, load average "
          f"{load_before} before\n")
    print("| benchmark | shape | ours (ms) | reference | reference (ms) | ratio |")
    print("|---|---|---:|---|---:|---:|")
    for r in rows:
        print(f"| {r['benchmark']} | {r['shape']} | {r['ours_ms']:.2f} | {r['reference']} | "
              f"{r['reference_ms']:.2f} | {r['ratio']:.2f} |")
    if args.json:
        meta = benchmark_meta(threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                              load_average_1min_before=load_before, flush_denormal=True,
                              rates=0.25, goal_ratio=GOAL, timing="interleaved rounds")
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
