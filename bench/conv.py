"""Convolutions, helpers against PyTorch, one thread each: a Conv1d layer's forward and backward
passes, and a training epoch of the MNIST-1D paper's CNN (``helpers.models.cnn``).

Usage: python bench/conv.py [--repeats 7] [--runs 3] [--epochs 3]

The two implementations are timed back to back, alternating within every repeat, so that a
machine busy with other work slows both alike; the ratios compare medians from the same run.
"""

import argparse
import contextlib
import importlib.util
import math
import time

import numpy as np
import threadpoolctl

from helpers.data import load_mnist1d
from helpers.experiments import train_mlp
from helpers.layers import Conv1d
from helpers.models import cnn

# (batch, C_in, C_out, L, kernel, stride, padding): the paper CNN's second convolution (its
# input: 19 positions, from the first one's 40) and a larger layer.
SHAPES = {"paper CNN, layer 2": (100, 25, 25, 19, 3, 2, 1),
          "larger": (256, 64, 64, 128, 5, 1, 2)}
SAMPLE_SECONDS = 0.02  # each timed sample repeats a call until it lasts about this long

# The CNN as notebook 06's study trains it (helpers.studies.CNN), at one learning rate of its
# grid: Adam, batches of 100, ReLU with its matched (He) initialisation.
CNN_SETTINGS = {"architecture": "cnn", "activation": "relu", "init": "matched",
                "optimizer": "adam", "lr": 0.01, "batch_size": 100}


@contextlib.contextmanager
def one_thread():
    """One BLAS thread for numpy and one intra-op thread for PyTorch (restored afterwards)."""
    torch = _torch()
    threads = torch.get_num_threads() if torch else None
    with threadpoolctl.threadpool_limits(1):
        if torch:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch:
                torch.set_num_threads(threads)


def _torch():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch


def interleaved_medians(functions, repeats):
    """Median seconds per call of each function; every repeat times each in turn."""
    inner = {}
    for name, f in functions.items():  # warm-up, and calls per sample
        f()
        start = time.perf_counter()
        f()
        inner[name] = max(1, math.ceil(SAMPLE_SECONDS / max(time.perf_counter() - start, 1e-9)))
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, f in functions.items():
            start = time.perf_counter()
            for _ in range(inner[name]):
                f()
            times[name].append((time.perf_counter() - start) / inner[name])
    return {name: float(np.median(t)) for name, t in times.items()}


# --- one Conv1d layer ---------------------------------------------------------------------------

def conv_functions(shape, dtype, torch):
    """Forward, backward and both, of a helpers Conv1d and of its torch.nn.Conv1d twin (the same
    weights, nb07.to_torch), on the same x and dout; and the largest relative difference
    between their outputs and gradients (x, W, b)."""
    from helpers.nb07 import to_torch

    n, c_in, c_out, length, k, stride, padding = shape
    rng = np.random.default_rng(0)
    layer = Conv1d(c_in, c_out, k, stride=stride, padding=padding, rng=rng)
    x = rng.standard_normal((n, c_in, length)).astype(dtype)
    dout = rng.standard_normal((n, c_out, layer.output_length(length))).astype(dtype)
    module = to_torch(layer).to(getattr(torch, np.dtype(dtype).name))
    xt = torch.from_numpy(x).requires_grad_()
    dout_t = torch.from_numpy(dout)

    def h_forward():
        layer.forward(x)

    def h_backward():  # on the cache of the last forward
        layer.backward(dout)

    def h_both():
        layer.forward(x)
        return layer.backward(dout)

    def t_forward():
        module(xt)

    out_t = module(xt)

    def t_backward():  # on one recorded graph, fresh gradients each time (no accumulation)
        xt.grad = None
        module.zero_grad(set_to_none=True)
        out_t.backward(dout_t, retain_graph=True)

    def t_both():
        xt.grad = None
        module.zero_grad(set_to_none=True)
        module(xt).backward(dout_t)

    out_h, dx_h = layer.forward(x), layer.backward(dout)
    t_both()
    pairs = [(out_h, module(xt).detach().numpy()), (dx_h, xt.grad.numpy()),
             (layer.grads["W"], module.weight.grad.numpy()),
             (layer.grads["b"], module.bias.grad.numpy())]
    difference = max(float(np.abs(a - b).max() / np.abs(b).max()) for a, b in pairs)
    return ({"helpers forward": h_forward, "helpers backward": h_backward,
             "helpers both": h_both, "torch forward": t_forward,
             "torch backward": t_backward, "torch both": t_both}, difference)


def conv_report(repeats=7):
    """Markdown: ms per forward, backward and both, helpers and PyTorch, and their ratio."""
    torch = _torch()
    if torch is None:
        print("PyTorch is not installed: the Conv1d comparison is skipped (make torch)")
        return "PyTorch is not installed: no comparison (`make torch`)."
    lines = ["| layer | N, C_in → C_out, L, kernel, stride, padding | dtype | helpers forward | "
             "helpers backward | PyTorch forward | PyTorch backward | helpers forward + "
             "backward | PyTorch forward + backward | helpers / PyTorch |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    differences = {}
    with one_thread():
        for label, shape in SHAPES.items():
            for dtype in (np.float64, np.float32):
                functions, differences[(label, dtype)] = conv_functions(shape, dtype, torch)
                t = interleaved_medians(functions, repeats)
                n, c_in, c_out, length, k, stride, padding = shape
                ms = {key: f"{value * 1e3:.3g}" for key, value in t.items()}
                lines.append(
                    f"| {label} | {n}, {c_in} → {c_out}, {length}, {k}, {stride}, {padding} | "
                    f"{np.dtype(dtype).name} | {ms['helpers forward']} | "
                    f"{ms['helpers backward']} | {ms['torch forward']} | "
                    f"{ms['torch backward']} | {ms['helpers both']} | {ms['torch both']} | "
                    f"{t['helpers both'] / t['torch both']:.1f}x |")
    worst = {np.dtype(d).name: max(v for (_, dt), v in differences.items() if dt is d)
             for d in (np.float64, np.float32)}
    lines += ["", f"Milliseconds per call, PyTorch {torch.__version__}; the median of {repeats} "
              "samples, each many calls, helpers and PyTorch alternating. The backward pass "
              "computes the gradients of W, b and the input x (PyTorch's autograd, on a recorded "
              "graph, with the gradients reset each time); forward + backward is one training "
              "step's work for the layer. Both give the same numbers: largest difference, "
              "relative to the largest value, over the output and the three gradients: "
              f"{worst['float64']:.0e} in float64, {worst['float32']:.0e} in float32.", "",
              "float32 rows: the input and dout are float32 and so are both outputs, but the "
              "helpers layer keeps its parameters in float64, so its forward product and the "
              "input's gradient are computed in float64 (numpy promotes the float32 columns: "
              "one more copy) and cast back; only the weight gradient's product is float32. "
              "PyTorch computes everything in float32. That row compares what a float32 "
              "input costs in each, not two float32 implementations."]
    return "\n".join(lines)


# --- a CNN training epoch ---------------------------------------------------------------------

def helpers_cnn_seconds(data, seed, epochs):
    """helpers (numpy, float64): train_mlp's seconds per epoch."""
    return train_mlp(data, seed=seed, epochs=epochs, **CNN_SETTINGS).seconds_per_epoch


def torch_cnn_seconds(data, seed, epochs, dtype):
    """The same network (nb07.to_torch of the helpers model built from the same seed) trained
    as helpers.training.fit does with record_train=False, which train_mlp uses: Adam,
    shuffled batches of nearly equal size, the validation split evaluated before training and
    after every epoch; the same seconds-per-epoch arithmetic as train_mlp."""
    from helpers.nb07 import to_torch

    torch = _torch()
    to_dtype = getattr(torch, dtype)
    settings = {k: CNN_SETTINGS[k] for k in ("activation", "init")}
    model = to_torch(cnn(data.n_features, data.n_classes, rng=np.random.default_rng(seed),
                         **settings)).to(to_dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=CNN_SETTINGS["lr"])
    X, y = torch.tensor(data.X_train, dtype=to_dtype), torch.as_tensor(data.y_train)
    X_val, y_val = torch.tensor(data.X_val, dtype=to_dtype), torch.as_tensor(data.y_val)
    generator = torch.Generator().manual_seed(seed)
    loss_fn = torch.nn.CrossEntropyLoss()
    n_batches = -(-len(y) // CNN_SETTINGS["batch_size"])

    def validate():
        model.eval()
        with torch.no_grad():
            logits = model(X_val)
            return float(loss_fn(logits, y_val)), float((logits.argmax(1) == y_val).double().mean())

    start = time.perf_counter()
    validate()
    for _ in range(epochs):
        model.train()
        for batch in torch.randperm(len(y), generator=generator).tensor_split(n_batches):
            optimizer.zero_grad()
            loss_fn(model(X[batch]), y[batch]).backward()
            optimizer.step()
        validate()
    return (time.perf_counter() - start) / epochs


def cnn_report(runs=3, epochs=3):
    """Markdown: seconds per epoch of the CNN, helpers and PyTorch (float64, float32)."""
    data = load_mnist1d(seed=0)
    n = len(data.X_train)
    torch = _torch()
    implementations = {("helpers (numpy)", "float64"):
                       lambda s, e: helpers_cnn_seconds(data, s, e)}
    if torch is not None:
        for dtype in ("float64", "float32"):
            implementations[(f"PyTorch {torch.__version__}", dtype)] = (
                lambda s, e, d=dtype: torch_cnn_seconds(data, s, e, d))
    times = {key: [] for key in implementations}
    with one_thread():
        for measure in implementations.values():
            measure(0, 1)  # warm-up
        for seed in range(runs):  # each seed: the implementations back to back
            for key, measure in implementations.items():
                times[key].append(measure(seed, epochs))
    medians = {key: float(np.median(t)) for key, t in times.items()}
    lines = [f"`models.cnn(40, 10)`, the MNIST-1D paper's CNN (three convolutions of 25 channels, "
             f"kernels 5, 3, 3, stride 2, padding 1, ReLU, then a Linear layer from 125 numbers), "
             f"on MNIST-1D's training split ({n:,} sequences of 40), Adam lr "
             f"{CNN_SETTINGS['lr']}, batch {CNN_SETTINGS['batch_size']} ({-(-n // 100)} steps an "
             f"epoch); median of {runs} runs of {epochs} epochs (seeds 0 to {runs - 1}, "
             "helpers and PyTorch alternating), one thread each. PyTorch trains "
             "`nb07.to_torch` of the same helpers model, so the architecture and the initial "
             "weights are identical. An epoch includes the validation pass (800 sequences), and "
             "the pass before training is spread over the epochs, as `train_mlp` counts it.", "",
             "| implementation | dtype | seconds per epoch | samples per second | "
             "helpers / this |", "|---|---|---:|---:|---:|"]
    reference = medians[("helpers (numpy)", "float64")]
    for (name, dtype), t in medians.items():
        lines.append(f"| {name} | {dtype} | {t:.3f} | {n / t:,.0f} | {reference / t:.2f}x |")
    if torch is None:
        print("PyTorch is not installed: the CNN is timed in helpers only (make torch)")
        lines += ["", "PyTorch is not installed: its rows are missing (`make torch`)."]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(conv_report(args.repeats))
    print()
    print(cnn_report(args.runs, args.epochs))
