"""Denormal floats in the backward pass of a long LSTM on CPU, with and without flushing.

The shape of chapter 7's sentiment model: 200 steps, batch 128, 128 inputs and units, the
loss read from the last step only (so the gradient reaching early steps is tiny). Reports
the median time of forward + backward of ``nn.LSTM`` and of ``VariationalLSTM`` (tied,
p = 0.5 on input and state) with ``torch.set_flush_denormal`` off and on.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_denormal_lstm.py [--json out.json]
"""
from __future__ import annotations

import argparse
import json

import torch
from torch import nn

from dropout_tutorial.reproducibility import benchmark_meta, cpu_model, median_time
from dropout_tutorial.techniques.recurrent import VariationalLSTM



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(200, 128, 128)
    models = {"nn.LSTM": nn.LSTM(128, 128),
              "VariationalLSTM tied": VariationalLSTM(128, 128, p_input=0.5, p_hidden=0.5,
                                                      p_output=0.0)}
    rows = []
    for name, model in models.items():
        def step():
            model.zero_grad(set_to_none=True)
            y, _ = model(x)
            y[-1].sum().backward()
        times = {}
        for flush in (False, True):
            torch.set_flush_denormal(flush)
            times[flush] = median_time(step, args.repeats, args.warmup)
        torch.set_flush_denormal(False)
        rows.append({"benchmark": f"{name} fwd+bwd, loss on the last step",
                     "shape": "T=200, B=128, H=128", "denormals_ms": 1e3 * times[False],
                     "flushed_ms": 1e3 * times[True], "speedup": times[False] / times[True]})
    print(f"torch {torch.__version__}, {args.threads} thread(s), {cpu_model()}, median of "
          f"{args.repeats}\n")
    print("| benchmark | shape | denormals kept (ms) | flushed to zero (ms) | speed-up |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['benchmark']} | {r['shape']} | {r['denormals_ms']:.0f} | "
              f"{r['flushed_ms']:.0f} | {r['speedup']:.1f} |")
    if args.json:
        meta = benchmark_meta(threads=args.threads, repeats=args.repeats, warmup=args.warmup)
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
