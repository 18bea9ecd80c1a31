"""Timing of the recurrent dropout layers and of batched MC dropout (CPU by default).

Reports the median time of ``--repeats`` runs after ``--warmup`` runs:

1. ``VariationalLSTM`` (tied and untied masks) and ``WeightDropLSTM``, forward + backward per
   batch, as a ratio to ``nn.LSTM`` of the same size (batch 20, 35 steps, 200 and 650 units,
   input size = hidden size, all rates 0.25 / weight_p 0.5);
2. ``LockedDropout`` and ``EmbeddingDropout`` against ``F.dropout`` on the same output shape;
3. ``mc_predict`` with T = 10,000 passes of a 50-unit one-hidden-layer regression network
   (8 inputs, dropout 0.1 after the hidden layer) over 500 test points, with per-row masks
   (the default, like T separate calls) and with ``per_pass_masks=True``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_recurrent_mc.py [--threads 1] [--json out.json]
"""
from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F
from torch import nn

from dropout_tutorial.reproducibility import benchmark_meta, cpu_model, median_time
from dropout_tutorial.techniques.mc import mc_predict
from dropout_tutorial.techniques.recurrent import (
    LockedDropout, VariationalLSTM, WeightDropLSTM, embedding_dropout,
)



def forward_backward(model: nn.Module, x: torch.Tensor):
    def step():
        model.zero_grad(set_to_none=True)
        y, _ = model(x)
        y.sum().backward()
    return step


def bench_lstms(args) -> list[dict]:
    rows = []
    for hidden in (200, 650):
        torch.manual_seed(0)
        x = torch.randn(35, 20, hidden)
        ref = nn.LSTM(hidden, hidden)
        t_ref = median_time(forward_backward(ref, x), args.repeats, args.warmup)
        candidates = {
            "VariationalLSTM tied": VariationalLSTM.from_lstm(ref, tied=True),
            "VariationalLSTM untied": VariationalLSTM.from_lstm(ref, tied=False),
            "WeightDropLSTM": WeightDropLSTM(hidden, hidden, weight_p=0.5),
        }
        for name, model in candidates.items():
            t = median_time(forward_backward(model, x), args.repeats, args.warmup)
            rows.append({"benchmark": f"{name} fwd+bwd", "shape": f"T=35, B=20, H={hidden}",
                         "ours_ms": 1e3 * t, "reference": "nn.LSTM", "reference_ms": 1e3 * t_ref,
                         "ratio": t / t_ref})
    return rows


def bench_masks(args) -> list[dict]:
    torch.manual_seed(0)
    x = torch.randn(35, 20, 650)
    locked = LockedDropout(0.4)
    t_locked = median_time(lambda: locked(x), args.repeats, args.warmup)
    t_drop = median_time(lambda: F.dropout(x, 0.4), args.repeats, args.warmup)
    ids = torch.randint(0, 10_000, (35, 20))
    weight = torch.randn(10_000, 650)
    t_emb = median_time(lambda: embedding_dropout(ids, weight, 0.1), args.repeats, args.warmup)
    t_emb_ref = median_time(lambda: F.dropout(F.embedding(ids, weight), 0.1), args.repeats,
                            args.warmup)
    return [
        {"benchmark": "LockedDropout fwd", "shape": "(35, 20, 650)", "ours_ms": 1e3 * t_locked,
         "reference": "F.dropout", "reference_ms": 1e3 * t_drop, "ratio": t_locked / t_drop},
        {"benchmark": "EmbeddingDropout lookup", "shape": "ids (35, 20), V=10000, D=650",
         "ours_ms": 1e3 * t_emb, "reference": "F.dropout(F.embedding)",
         "reference_ms": 1e3 * t_emb_ref, "ratio": t_emb / t_emb_ref},
    ]


def bench_mc(args) -> list[dict]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 50), nn.ReLU(), nn.Dropout(0.1), nn.Linear(50, 1))
    x = torch.randn(500, 8)
    rows = []
    for per_pass in (False, True):
        t = median_time(lambda: mc_predict(net, x, T=10_000, per_pass_masks=per_pass),
                        args.mc_repeats, 1)
        rows.append({"benchmark": "mc_predict T=10000 " + ("per-pass masks" if per_pass
                                                           else "per-row masks"),
                     "shape": "500 x 8 -> 50 -> 1", "ours_ms": 1e3 * t, "reference": "target 1 s",
                     "reference_ms": 1000.0, "ratio": t / 1.0})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per case")
    parser.add_argument("--mc-repeats", type=int, default=3, help="timed runs of mc_predict")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = bench_lstms(args) + bench_masks(args) + bench_mc(args)
    cpu = cpu_model()
    print(f"torch {torch.__version__}, {args.threads} thread(s), {cpu}, median of "
          f"{args.repeats} (mc_predict: {args.mc_repeats}) after warm-up\n")
    print("| benchmark | shape | ours (ms) | reference | reference (ms) | ratio |")
    print("|---|---|---:|---|---:|---:|")
    for r in rows:
        print(f"| {r['benchmark']} | {r['shape']} | {r['ours_ms']:.2f} | {r['reference']} | "
              f"{r['reference_ms']:.2f} | {r['ratio']:.2f} |")
    if args.json:
        meta = benchmark_meta(threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                              mc_repeats=args.mc_repeats)
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=2)


if __name__ == "__main__":
    main()
