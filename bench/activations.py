"""Speed of the activation kernels: helpers vs the naive numpy one-liner.

Usage: python bench/activations.py [--sizes 1e6 1e7] [--repeats 7]

For each function, dtype and size: median wall time over repeats after one warm-up call, and
the ratio naive / helpers measured in the same run. No assertions: this is a report.
"""

import argparse
import os
import platform
import time
import warnings

import numpy as np

from helpers import activations as act

LAM, ALPHA = act.SELU_LAMBDA, act.SELU_ALPHA


def naive_selu(z):
    return np.where(z > 0, LAM * z, LAM * ALPHA * (np.exp(z) - 1))


def naive_selu_grad(z):
    return np.where(z > 0, LAM, LAM * ALPHA * np.exp(z))


def naive_elu(z):
    return np.where(z > 0, z, np.exp(z) - 1)


def naive_elu_grad(z):
    return np.where(z > 0, 1.0, np.exp(z))


CASES = [
    ("selu", act.selu, naive_selu),
    ("selu_grad", act.selu_grad, naive_selu_grad),
    ("elu", act.elu, naive_elu),
    ("elu_grad", act.elu_grad, naive_elu_grad),
]


def median_time(f, z, repeats):
    f(z)  # warm-up: page faults, thread pool start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f(z)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"machine: {cpu_model()}, {cores} cores; numpy {np.__version__}")
    print(f"{'function':<11}{'dtype':<9}{'size':>6}{'helpers ms':>12}{'naive ms':>10}"
          f"{'speed-up':>10}")
    rng = np.random.default_rng(0)
    warnings.simplefilter("ignore", RuntimeWarning)  # the naive forms overflow in exp
    for size in (int(s) for s in args.sizes):
        for dtype in (np.float32, np.float64):
            z = rng.standard_normal(size).astype(dtype)
            for name, fast, naive in CASES:
                t_fast = median_time(fast, z, args.repeats)
                t_naive = median_time(naive, z, args.repeats)
                print(f"{name:<11}{np.dtype(dtype).name:<9}{size:>6.0e}{t_fast * 1e3:>12.1f}"
                      f"{t_naive * 1e3:>10.1f}{t_naive / t_fast:>9.1f}x")


if __name__ == "__main__":
    main()
