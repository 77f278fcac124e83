"""Training throughput of the helpers toolkit on digits: seconds per epoch, samples per second;
and the capstone's best network on MNIST-1D, helpers against PyTorch (if installed).

Usage: python bench/throughput.py [--repeats 5]
"""

import argparse
import importlib.util
import time

import numpy as np
import threadpoolctl

from helpers.data import load_digits, load_mnist1d
from helpers.experiments import train_mlp
from helpers.layers import Linear, ReLU, Sequential
from helpers.nb07 import CAPSTONE_BEST, torch_mlp, train_torch
from helpers.optim import SGD
from helpers.scalers import StandardScaler
from helpers.training import fit


def mlp(depth, width, seed=0):
    rng = np.random.default_rng(seed)
    layers, n_in = [], 64
    for _ in range(depth):
        layers += [Linear(n_in, width, rng=rng), ReLU()]
        n_in = width
    return Sequential(*layers, Linear(n_in, 10, rng=rng, init="glorot"))


def seconds_per_epoch(depth, width, X, y, repeats):
    times = []
    for r in range(repeats + 1):  # the first run is a warm-up
        net = mlp(depth, width, seed=r)
        start = time.perf_counter()
        fit(net, SGD(net, lr=0.01, momentum=0.9), X, y, epochs=1, batch_size=32,
            rng=np.random.default_rng(r))
        times.append(time.perf_counter() - start)
    return float(np.median(times[1:]))


def report(repeats=5):
    d = load_digits(seed=0)
    X = StandardScaler().fit(d.X_train).transform(d.X_train)
    lines = [f"Digits training split ({len(X):,} samples), batch 32, SGD with momentum; an epoch "
             "includes the evaluation pass that `fit` records.", "",
             "| network | seconds per epoch | samples per second |", "|---|---:|---:|"]
    for depth, width in [(1, 128), (4, 128), (16, 128), (32, 128)]:
        t = seconds_per_epoch(depth, width, X, d.y_train, repeats)
        lines.append(f"| {depth} x {width} ReLU | {t:.3f} | {len(X) / t:,.0f} |")
    return "\n".join(lines)


# Notebook 06's best configuration, as notebook 07 trains it (helpers.nb07.CAPSTONE_BEST), for
# a few epochs: the time per epoch does not depend on how many.
BEST = {key: value for key, value in CAPSTONE_BEST.items() if key != "epochs"}


def helpers_seconds_per_epoch(data, seed, epochs):
    """helpers, float64, one BLAS thread (as each worker of the notebooks' parallel runs)."""
    with threadpoolctl.threadpool_limits(1):
        run = train_mlp(data, seed=seed, epochs=epochs, **BEST)
    return run.seconds_per_epoch


def torch_seconds_per_epoch(data, seed, epochs):
    """The same network in PyTorch (helpers.nb07), float32, one thread."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = torch_mlp(data.n_features, BEST["hidden"], data.n_classes, seed=seed,
                          activation=BEST["activation"], residual=BEST["residual"])
        optimizer = torch.optim.Adam(model.parameters(), lr=BEST["lr"])
        return train_torch(model, optimizer, data, seed=seed, epochs=epochs,
                           batch_size=BEST["batch_size"])[1]
    finally:
        torch.set_num_threads(threads)


def versus_torch_report(runs=3, epochs=3):
    """Median seconds per epoch over `runs` seeds, after a one-epoch warm-up of each."""
    data = load_mnist1d(seed=0)
    n = len(data.X_train)
    have_torch = importlib.util.find_spec("torch") is not None
    lines = [f"The capstone's best network (residual SiLU, 16 hidden layers of 48) on MNIST-1D's "
             f"training split ({n:,} sequences), Adam lr {BEST['lr']}, batch "
             f"{BEST['batch_size']}; median of {runs} runs of {epochs} epochs (seeds 0 to "
             f"{runs - 1}), one thread each. An epoch includes the validation pass.", "",
             "| implementation | dtype | seconds per epoch | samples per second |",
             "|---|---|---:|---:|"]
    implementations = [("helpers (numpy)", "float64", helpers_seconds_per_epoch)]
    if have_torch:
        import torch

        implementations.append((f"PyTorch {torch.__version__}", "float32",
                                torch_seconds_per_epoch))
    medians = []
    for name, dtype, measure in implementations:
        measure(data, seed=0, epochs=1)  # warm-up
        t = float(np.median([measure(data, seed=s, epochs=epochs) for s in range(runs)]))
        medians.append(t)
        lines.append(f"| {name} | {dtype} | {t:.3f} | {n / t:,.0f} |")
    if have_torch:
        lines += ["", f"Time per epoch, helpers / PyTorch: {medians[0] / medians[1]:.2f}x (float64 "
                  "against float32: not only the library differs)."]
    else:
        print("PyTorch is not installed: the capstone's network is timed in helpers only "
              "(make torch)")
        lines += ["", "PyTorch is not installed: its row is missing (`make torch`)."]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(report(args.repeats))
    print()
    print(versus_torch_report())
