"""Forward + backward time of every dropout technique on CPU, relative to native and the floor.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_techniques.py --threads 1 --json bench.json

For each module we time ``y = f(x); y.backward(g)`` (median of ``--repeats`` runs after
``--warmup`` runs) on a fresh ``requires_grad`` input of shape 256 x 4096 (element-wise
techniques) or 32 x 64 x 32 x 32 (spatial dropout, DropBlock), in float32. Ratios:

* ``x native``: to ``F.dropout`` (``F.dropout2d`` for the 4-D shape);
* ``x floor``: to the memory floor, ``x * 0.5`` forward and backward at the same shape;
* ``x inverted``: to our default inverted dropout (``impl="fast"``) at the same shape.

Layer techniques (DropConnect, standout, variational and Concrete layers) contain a
``Linear(4096, 256)``; their ``x ref`` column compares them with ``Linear(4096, 256)`` after
our inverted dropout, the cost a user would otherwise pay.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import dropout_tutorial.techniques as T  # noqa: E402
from dropout_tutorial.reproducibility import benchmark_meta  # noqa: E402

FLAT, MAP = (256, 4096), (32, 64, 32, 32)


def _setup(fn, shape):
    """A fresh float32 input, a fixed upstream gradient, and one timed forward + backward."""
    x = torch.randn(shape, requires_grad=True)
    g = torch.randn_like(fn(x))

    def once() -> float:
        x.grad = None
        t0 = time.perf_counter()
        fn(x).backward(g)
        return time.perf_counter() - t0
    return once


def time_interleaved(named_fns, repeats: int, warmup: int) -> dict:
    """Median seconds per case; cases run in interleaved rounds so background load is shared."""
    runners = {name: _setup(fn, shape) for name, (fn, shape) in named_fns.items()}
    times = {name: [] for name in runners}
    for r in range(warmup + repeats):
        for name, once in runners.items():
            t = once()
            if r >= warmup:
                times[name].append(t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def cases():
    """(name, shape, callable, kind, note); kind in {'native', 'goal', 'other', 'layer'}."""
    torch.manual_seed(0)
    lin = nn.Linear(4096, 256)
    p_logit = nn.Parameter(torch.tensor(-2.0))
    layers = {
        "DropConnectLinear (per-batch mask)": T.DropConnectLinear(4096, 256, p=0.5),
        "Standout (Linear + standout)": T.Standout(4096, 256),
        "LinearVD (LRT)": T.LinearVD(4096, 256),
        "LinearSVDO (LRT)": T.LinearSVDO(4096, 256),
        "ConcreteDropout(Linear)": T.ConcreteDropout(nn.Linear(4096, 256)),
    }
    layer_note = {
        "DropConnectLinear (per-batch mask)": "mask of |W| = 1M weights + matmul",
        "Standout (Linear + standout)": "matmul + sigmoid keep probabilities",
        "LinearVD (LRT)": "LRT needs a second matmul (x^2 times alpha theta^2) + normal noise",
        "LinearSVDO (LRT)": "LRT needs a second matmul (x^2 times alpha theta^2) + normal noise",
        "ConcreteDropout(Linear)": "relaxed mask with a learned p, then the matmul",
    }
    yield "F.dropout (native)", FLAT, lambda x: F.dropout(x, 0.5, True), "native", ""
    yield "inverted_dropout fast (default)", FLAT, lambda x: T.inverted_dropout(x, 0.5), "goal", ""
    yield ("inverted_dropout native-parity", FLAT,
           lambda x: T.inverted_dropout(x, 0.5, impl="native-parity"), "info",
           "parity path: same sampler as native")
    yield "standard_dropout", FLAT, lambda x: T.standard_dropout(x, 0.5), "other", ""
    yield ("gaussian_dropout", FLAT, lambda x: T.gaussian_dropout(x, 0.5), "other",
           "normal sampling costs more than uniform")
    yield ("standard_gaussian_dropout", FLAT, lambda x: T.standard_gaussian_dropout(x, 0.5),
           "other", "the papers' form: gaussian_dropout, then one multiply by q")
    yield "alpha_dropout fast (default)", FLAT, lambda x: T.alpha_dropout(x, 0.5), "other", ""
    yield ("alpha_dropout native-parity", FLAT,
           lambda x: T.alpha_dropout(x, 0.5, impl="native-parity"), "info",
           "parity path: ATen's bernoulli_ sampler")
    yield ("concrete_dropout (functional, fixed p)", FLAT,
           lambda x: T.concrete_dropout(x, torch.tensor(-2.0)), "other",
           "relaxed mask: logistic noise (log) + sigmoid per element")
    yield ("concrete_dropout (learnable p_logit)", FLAT,
           lambda x: T.concrete_dropout(x, p_logit), "other",
           "the gradient w.r.t. p_logit adds sigmoid/division backward and a full reduction")
    yield "drop_path (row)", FLAT, lambda x: T.drop_path(x, 0.5), "other", ""
    yield ("standout (functional, on pre-activations)", FLAT, lambda x: T.standout(x, 1.0, 0.0),
           "other", "sigmoid keep probability + relu per element")
    yield ("Linear(4096, 256) after inverted dropout (layer ref)", FLAT,
           lambda x: lin(T.inverted_dropout(x, 0.5)), "layer-ref", "")
    for name, module in layers.items():
        yield name, FLAT, module, "layer", layer_note[name]
    yield "F.dropout2d (native)", MAP, lambda x: F.dropout2d(x, 0.5, True), "native", ""
    yield ("spatial_dropout2d native-parity (default)", MAP,
           lambda x: T.spatial_dropout2d(x, 0.5), "goal", "")
    yield ("spatial_dropout2d fast", MAP, lambda x: T.spatial_dropout2d(x, 0.5, impl="fast"),
           "goal", "")
    yield ("inverted_dropout fast (4-D)", MAP, lambda x: T.inverted_dropout(x, 0.5), "info",
           "reference for the 4-D x inverted column")
    yield ("dropblock (bs 7, per channel)", MAP, lambda x: T.dropblock(x, 0.1, 7), "other",
           "seed draw + block dilation (boolean sliding OR) + global sum")
    yield ("dropblock (bs 7, shared channels)", MAP,
           lambda x: T.dropblock(x, 0.1, 7, share_channels=True), "other", "")


def run(repeats: int, warmup: int) -> list[dict]:
    table = list(cases())
    fns = {("floor", FLAT): (lambda x: x * 0.5, FLAT), ("floor", MAP): (lambda x: x * 0.5, MAP)}
    fns.update({(name, shape): (fn, shape) for name, shape, fn, _, _ in table})
    t_of = time_interleaved(fns, repeats, warmup)
    floors = {s: t_of[("floor", s)] for s in (FLAT, MAP)}
    native = {shape: t_of[(name, shape)] for name, shape, _, kind, _ in table if kind == "native"}
    inverted = {shape: t_of[(name, shape)] for name, shape, _, _, _ in table
                if name.startswith("inverted_dropout fast")}
    layer_ref = next(t_of[(n, s)] for n, s, _, kind, _ in table if kind == "layer-ref")
    rows = []
    for s in (FLAT, MAP):
        rows.append({"technique": "floor: x * 0.5", "shape": "x".join(map(str, s)),
                     "kind": "floor", "ms": 1e3 * floors[s], "x_native": floors[s] / native[s],
                     "x_floor": 1.0, "x_inverted": floors[s] / inverted[s], "x_ref": None,
                     "note": "", "check": ""})
    for name, shape, _, kind, note in table:
        t = t_of[(name, shape)]
        row = {"technique": name, "shape": "x".join(map(str, shape)), "kind": kind,
               "ms": 1e3 * t, "x_native": t / native[shape], "x_floor": t / floors[shape],
               "x_inverted": t / inverted[shape],
               "x_ref": t / layer_ref if kind == "layer" else None, "note": note, "check": ""}
        if kind == "goal":
            row["check"] = ("ok" if t <= native[shape] * 1.05 and t <= 5 * floors[shape]
                            else "MISSED: goal is <= native (5% noise) and <= 5x floor")
        elif kind == "other":
            row["check"] = ("ok" if row["x_inverted"] <= 2.0
                            else "> 2x inverted: " + (note or "unexplained"))
        elif kind == "layer":
            row["check"] = f"{row['x_ref']:.1f}x layer ref: {note}"
        rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    def fmt(v):
        return "" if v is None else f"{v:.2f}"
    lines = ["| technique | shape | ms | x native | x floor | x inverted | x ref | check |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['technique']} | {r['shape']} | {r['ms']:.2f} | {fmt(r['x_native'])} "
                     f"| {fmt(r['x_floor'])} | {fmt(r['x_inverted'])} | {fmt(r['x_ref'])} "
                     f"| {r['check']} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=25, help="timed runs per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs per case")
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = run(args.repeats, args.warmup)
    meta = benchmark_meta(threads=args.threads, repeats=args.repeats, warmup=args.warmup,
                          dtype="float32", timing="median of forward+backward, seconds x 1e3")
    print(f"torch {meta['torch']}, {args.threads} thread(s), median of {args.repeats} runs\n")
    print(markdown(rows))
    if args.json is not None:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
