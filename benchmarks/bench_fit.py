"""Benchmark: one epoch of `fit` against a bare hand-written loop on the same tensors.

    python benchmarks/bench_fit.py [--epochs 3] [--threads 1] [--sizes 784,800,800,10]
                                   [--device cpu] [--json out.json]

Both train the same network (784-800-800-10 unless --sizes says otherwise; Table 2's
784-1024-1024-1024-10 for the 200-epoch timing in the chapter "Dropout on MNIST") with
dropout (p = 0.2 input, 0.5 hidden), SGD with momentum and max-norm, on the 50,000 MNIST
training images already in memory, batches of 100. The bare loop is what one would
write by hand; `fit` adds schedules, history and a checkpoint written every epoch
(included in its time). Reports the median epoch time of each and the ratio fit / bare
(goal: at most 1.05). Evaluation on a validation set is excluded from both (the bare
loop has none). Also reports what 200 epochs of `fit` would take at that speed. On a GPU
(``--device cuda``) the data and the network live on it and every timing waits for the
device to finish.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from dataclasses import replace

import torch
import torch.nn.functional as F

from dropout_tutorial import MLP, TrainConfig, fit, set_seed
from dropout_tutorial.experiments.mnist import load_mnist_splits
from dropout_tutorial.reproducibility import benchmark_meta
from dropout_tutorial.training import apply_max_norm


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that a clock read afterwards includes it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_epoch(model, opt, x, y, gen, max_norm, batch_size=100):
    """The loop one writes by hand: permute, slice, forward, backward, step, constrain."""
    perm = torch.randperm(len(x), generator=gen).to(x.device)
    xs, ys = x[perm], y[perm]
    layers = model.linear_layers()
    model.train()
    for i in range(0, len(x), batch_size):
        loss = F.cross_entropy(model(xs[i:i + batch_size]), ys[i:i + batch_size])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        apply_max_norm(layers, max_norm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sizes", default="784,800,800,10",
                        help="layer widths, comma-separated")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or mps")
    parser.add_argument("--json")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    splits = load_mnist_splits(str(device))
    cfg = TrainConfig(epochs=1, lr=0.05, momentum=0.9, max_norm=3.0)

    def make():
        set_seed(0)
        return MLP(sizes, p_input=0.2, p_hidden=0.5).to(device)

    bare, ours = [], []
    model_b, model_f = make(), make()
    opt = torch.optim.SGD(model_b.parameters(), lr=cfg.lr, momentum=cfg.momentum)
    gen = torch.Generator().manual_seed(0)
    fit_cfg = replace(cfg, epochs=args.epochs + 1)
    for phase in range(2):                            # bare, fit, bare, fit: drifts cancel
        for i in range(args.epochs + 1):
            synchronize(device)
            tic = time.perf_counter()
            bare_epoch(model_b, opt, splits.train.x, splits.train.y, gen, cfg.max_norm)
            synchronize(device)
            if i:                                     # the first epoch is a warm-up
                bare.append(time.perf_counter() - tic)
        with tempfile.TemporaryDirectory() as tmp:    # a checkpoint every epoch, as in run()
            model_f = make()
            tic = time.perf_counter()
            hist = fit(model_f, splits.train, fit_cfg, eval_sets={}, generator=gen,
                       progress=False, checkpoint=f"{tmp}/ckpt.pt")
            wall = time.perf_counter() - tic
        # fit's own clock times each epoch's training; what the call spent outside it
        # (optimizer set-up, a checkpoint per epoch) is spread evenly over the epochs
        seconds = [0.0] + hist["seconds"]
        overhead = (wall - hist["seconds"][-1]) / fit_cfg.epochs
        ours += [b - a + overhead for a, b in zip(seconds[1:-1], seconds[2:])]
    b, f = statistics.median(bare[1:]), statistics.median(ours[1:])
    result = {"meta": benchmark_meta(threads=args.threads, epochs_timed=args.epochs),
              "device": str(device), "sizes": list(sizes), "bare_epoch_s": b, "fit_epoch_s": f,
              "ratio_fit_over_bare": f / b, "fit_200_epochs_min": 200 * f / 60}
    print("| loop | epoch time (s) |\n|---|---|")
    print(f"| bare hand-written loop | {b:.2f} |\n| dropout_tutorial.fit | {f:.2f} |")
    print(f"\nfit / bare = {f / b:.3f} (goal <= 1.05), {device}, {args.threads} thread(s), "
          f"median of {args.epochs} epochs after one warm-up; network "
          f"{'-'.join(map(str, sizes))}; 200 epochs of fit: {200 * f / 60:.1f} min")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
