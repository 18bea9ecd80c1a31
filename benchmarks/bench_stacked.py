"""Timing of stacked networks against one network at a time (CPU by default).

The UCI benchmark trains one small network per split (and per grid point). This script
measures, for Boston's shapes (455 training rows, 13 inputs, 50 hidden units, 51 test rows):

1. training K = 20 networks for ``--epochs`` epochs at batch 32: one
   :class:`~dropout_tutorial.stacked.StackedMLP` with :func:`fit_stacked`, against a loop
   over 20 ``nn.Sequential`` networks with their own Adam optimizers and the same
   minibatch sizes (the "bare loop");
2. MC evaluation with T = 10,000 passes for the 20 networks:
   :func:`stacked_mc_regression` against a loop of
   :func:`~dropout_tutorial.techniques.mc.mc_predict` (``per_pass_masks=True``) per network;
3. the same for one test split of the power set (957 points, 4 inputs), the largest test
   split of the 20-split sets.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_stacked.py [--threads 1] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from dropout_tutorial.reproducibility import benchmark_meta
from dropout_tutorial.stacked import StackedMLP, fit_stacked, stacked_mc_regression
from dropout_tutorial.techniques.mc import mc_predict

K, N, D, H, M = 20, 455, 13, 50, 51


def loop_training(x, y, epochs: int, batch: int) -> float:
    nets = [nn.Sequential(nn.Dropout(0.05), nn.Linear(D, H), nn.ReLU(), nn.Dropout(0.05),
                          nn.Linear(H, 1)) for _ in range(K)]
    opts = [torch.optim.Adam(n.parameters(), lr=1e-3) for n in nets]
    start = time.perf_counter()
    for k, (net, opt) in enumerate(zip(nets, opts)):
        for _ in range(epochs):
            order = torch.randperm(N)
            for i in range(0, N, batch):
                idx = order[i:i + batch]
                loss = (net(x[k, idx]) - y[k, idx]).square().mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return time.perf_counter() - start


def stacked_training(x, y, epochs: int, batch: int) -> float:
    model = StackedMLP(K, (D, H, 1), p=0.05)
    start = time.perf_counter()
    fit_stacked(model, x, y, epochs=epochs, batch_size=batch, weight_decay=1e-6)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--T", type=int, default=10_000)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x, y = torch.randn(K, N, D), torch.randn(K, N, 1)
    stacked_training(x, y, 1, 32)              # warm-up: first calls initialise kernels
    loop_training(x, y, 1, 32)
    ours = stacked_training(x, y, args.epochs, 32)
    bare = loop_training(x, y, args.epochs, 32)
    rows = [{"benchmark": f"train {K} networks, {args.epochs} epochs, batch 32",
             "ours_s": ours, "reference": "loop of nn.Sequential + Adam", "reference_s": bare,
             "ratio": ours / bare}]

    model = StackedMLP(K, (D, H, 1), p=0.05)
    xt, yt = torch.randn(K, M, D), torch.randn(K, M)
    stacked_mc_regression(model, xt, yt, T=10, tau=1.0)
    start = time.perf_counter()
    stacked_mc_regression(model, xt, yt, T=args.T, tau=1.0)
    ours = time.perf_counter() - start
    nets = [nn.Sequential(nn.Dropout(0.05), nn.Linear(D, H), nn.ReLU(), nn.Dropout(0.05),
                          nn.Linear(H, 1)) for _ in range(K)]
    start = time.perf_counter()
    for k, net in enumerate(nets):
        mc_predict(net, xt[k], args.T, per_pass_masks=True)
    bare = time.perf_counter() - start
    rows.append({"benchmark": f"MC evaluation, T = {args.T}, {K} networks x {M} points",
                 "ours_s": ours, "reference": "loop of mc_predict(per_pass_masks=True)",
                 "reference_s": bare, "ratio": ours / bare})

    # one test split of the largest 20-split set (power: 957 points, 4 inputs), as the
    # issue's target "T = 10,000 over a UCI test split in about a second" asks
    single = StackedMLP(1, (4, H, 1), p=0.005)
    xs, ys = torch.randn(1, 957, 4), torch.randn(1, 957)
    start = time.perf_counter()
    stacked_mc_regression(single, xs, ys, T=args.T, tau=1.0)
    ours = time.perf_counter() - start
    net = nn.Sequential(nn.Dropout(0.005), nn.Linear(4, H), nn.ReLU(), nn.Dropout(0.005),
                        nn.Linear(H, 1))
    start = time.perf_counter()
    mc_predict(net, xs[0], args.T, per_pass_masks=True)
    bare = time.perf_counter() - start
    rows.append({"benchmark": f"MC evaluation, T = {args.T}, one split of power (957 points)",
                 "ours_s": ours, "reference": "mc_predict(per_pass_masks=True)",
                 "reference_s": bare, "ratio": ours / bare})
    for r in rows:
        print(f"{r['benchmark']:55s} ours {r['ours_s']:7.2f} s  {r['reference']}: "
              f"{r['reference_s']:7.2f} s  ratio {r['ratio']:.2f}")
    if args.json:
        meta = benchmark_meta(threads=args.threads) | {"epochs": args.epochs, "T": args.T}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
