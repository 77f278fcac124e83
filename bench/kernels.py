"""Speed of the activation kernels: helpers vs the naive numpy form vs the article's Python loop
(vs PyTorch on the CPU, when it is installed).

Usage: python bench/kernels.py [--sizes 1e6 1e7] [--repeats 5]

Every time is the median over `repeats` calls after one warm-up call; ratios compare timings
taken in the same run. The Python loop runs on 10^4 elements (it would take minutes on 10^7);
its ratio is per element.
"""

import argparse
import time
import warnings

import numpy as np

from helpers import activations as act

LAM, ALPHA, LAM_ALPHA = act.SELU_LAMBDA, act.SELU_ALPHA, act.SELU_LAMBDA_ALPHA
SLOPE = 0.01
CHANNELS = 64
LOOP_SIZE = 10_000


def median_time(f, repeats):
    f()  # warm-up: page faults, caches
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def naive_kernels(z, dout, alpha):
    """The one-liners most code uses: np.where over the whole array, exp of everything."""
    return {
        ("selu", "forward"): lambda: np.where(z > 0, LAM * z, LAM * ALPHA * (np.exp(z) - 1)),
        ("selu", "backward"): lambda: dout * np.where(z > 0, LAM, LAM * ALPHA * np.exp(z)),
        ("elu", "forward"): lambda: np.where(z > 0, z, np.exp(z) - 1),
        ("elu", "backward"): lambda: dout * np.where(z > 0, 1.0, np.exp(z)),
        ("leaky_relu", "forward"): lambda: np.where(z > 0, z, SLOPE * z),
        ("leaky_relu", "backward"): lambda: dout * np.where(z > 0, 1.0, SLOPE),
        ("prelu", "forward"): lambda: np.where(z > 0, z, alpha * z),
        ("prelu", "backward"): lambda: (dout * np.where(z > 0, 1.0, alpha),
                                        (dout * np.where(z > 0, 0.0, z)).sum(axis=0)),
    }


def helper_kernels(z, dout, alpha):
    return {
        ("selu", "forward"): lambda: act.selu(z),
        ("selu", "backward"): lambda: dout * act.selu_grad(z),
        ("elu", "forward"): lambda: act.elu(z),
        ("elu", "backward"): lambda: dout * act.elu_grad(z),
        ("leaky_relu", "forward"): lambda: act.leaky_relu(z, SLOPE),
        ("leaky_relu", "backward"): lambda: dout * act.leaky_relu_grad(z, SLOPE),
        ("prelu", "forward"): lambda: act.prelu(z, alpha),
        ("prelu", "backward"): lambda: act.prelu_backward(dout, z, alpha),
    }


def article_loop(name, values):
    """The article's style: one Python call per element (forward only)."""
    def selu(x):
        return LAM * x if x > 0 else LAM * ALPHA * (np.exp(x) - 1)

    def elu(x):
        return x if x > 0 else np.exp(x) - 1

    def leaky(x):
        return x if x > 0 else SLOPE * x

    f = {"selu": selu, "elu": elu, "leaky_relu": leaky, "prelu": leaky}[name]
    return [f(x) for x in values]


def torch_kernels(z, alpha):
    try:
        import torch
    except ImportError:
        return None, None
    torch.set_num_threads(len(__import__("os").sched_getaffinity(0)))
    tz, ta = torch.from_numpy(z), torch.from_numpy(alpha)
    f = torch.nn.functional
    return torch.__version__, {
        ("selu", "forward"): lambda: f.selu(tz),
        ("elu", "forward"): lambda: f.elu(tz),
        ("leaky_relu", "forward"): lambda: f.leaky_relu(tz, SLOPE),
        ("prelu", "forward"): lambda: f.prelu(tz, ta),
    }


def report(sizes=(10**6, 10**7), repeats=5):
    warnings.simplefilter("ignore", RuntimeWarning)  # the naive forms overflow in exp
    rng = np.random.default_rng(0)
    lines = ["| kernel | dtype | size | helpers (ms) | naive np.where (ms) | helpers speed-up | "
             "PyTorch (ms) |", "|---|---|---:|---:|---:|---:|---:|"]
    rows, torch_times, torch_version = [], {}, None
    cases = [(size, dtype) for size in sizes for dtype in (np.float32, np.float64)]
    for size, dtype in cases:
        z = rng.standard_normal((size // CHANNELS, CHANNELS)).astype(dtype)
        dout = rng.standard_normal(z.shape).astype(dtype)
        alpha = np.full(CHANNELS, 0.25, dtype=dtype)
        fast, slow = helper_kernels(z, dout, alpha), naive_kernels(z, dout, alpha)
        for key in fast:
            rows.append((key, dtype, size, median_time(fast[key], repeats),
                         median_time(slow[key], repeats)))
    # PyTorch last: its OpenMP threads keep spinning after each call and would slow down
    # whatever numpy work came next.
    for size, dtype in cases:
        z = rng.standard_normal((size // CHANNELS, CHANNELS)).astype(dtype)
        torch_version, torch_fns = torch_kernels(z, np.full(CHANNELS, 0.25, dtype=dtype))
        for key, f in (torch_fns or {}).items():
            torch_times[(key, dtype, size)] = median_time(f, repeats)
    for key, dtype, size, t_fast, t_slow in rows:
        t_torch = torch_times.get((key, dtype, size))
        lines.append(f"| {key[0]} {key[1]} | {np.dtype(dtype).name} | {size:.0e} | "
                     f"{t_fast * 1e3:.3g} | {t_slow * 1e3:.3g} | {t_slow / t_fast:.1f}x | "
                     f"{'–' if t_torch is None else f'{t_torch * 1e3:.3g}'} |")
    loop_lines = ["", f"The article's per-element Python loop, forward, float64, {LOOP_SIZE:,} "
                  "elements, against the helpers on the same array:", "",
                  "| kernel | loop (ms) | helpers (ms) | helpers speed-up |",
                  "|---|---:|---:|---:|"]
    values = rng.standard_normal(LOOP_SIZE)
    z_small = values.reshape(-1, 100)
    for name, helper in [("selu", lambda: act.selu(values)), ("elu", lambda: act.elu(values)),
                         ("leaky_relu", lambda: act.leaky_relu(values, SLOPE)),
                         ("prelu", lambda: act.prelu(z_small, np.full(100, 0.25)))]:
        t_loop = median_time(lambda n=name: article_loop(n, values), max(1, repeats // 2))
        t_fast = median_time(helper, repeats)
        loop_lines.append(f"| {name} | {t_loop * 1e3:.3g} | {t_fast * 1e3:.3g} | "
                          f"{t_loop / t_fast:,.0f}x |")
    torch_note = (f"PyTorch {torch_version} on the CPU (forward only, same threads)."
                  if torch_version else "PyTorch is not installed: its column is empty.")
    return "\n".join(lines + ["", torch_note] + loop_lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(report([int(s) for s in args.sizes], args.repeats))
