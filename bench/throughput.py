"""Training throughput of the helpers toolkit on digits: seconds per epoch, samples per second.

Usage: python bench/throughput.py [--repeats 5]
"""

import argparse
import time

import numpy as np

from helpers.data import load_digits
from helpers.layers import Linear, ReLU, Sequential
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    print(report(parser.parse_args().repeats))
