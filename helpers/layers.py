"""Small neural-network layers in numpy, forward and backward side by side.

Every layer has ``forward(x)``, ``backward(dout) -> dx``, dicts ``params`` and ``grads`` with
the same keys (the optimizer updates ``params`` in place from ``grads``), and ``train()`` /
``eval()``, which set the explicit flag ``training`` (True after construction). Inputs are
batches ``x: (N, D)``: N samples, D features; channels are the features (axis 1). Each
forward keeps in ``_cache`` what its backward needs (named in each docstring; a copy, never
the caller's array, which the caller may change); ``clear_cache()`` forgets it. The
containers, Sequential and Residual, gather their ``params`` and ``grads`` from their layers
("index.name" keys): change a value in place, ``net.params["0.W"][...] = value``; the dicts
themselves refuse changes, which would change nothing. ``leaf_layers(model)`` lists the layers
inside the containers, in the order of the forward pass.

Dtypes: a layer returns the floating dtype of its input (float16, float32 or float64), and
backward returns the dtype of ``dout``; parameters and their gradients are float64.
"""

import functools

import numpy as np

from ._validation import (
    DivergedError,
    as_float_array,
    check_choice,
    check_dropout_rate,
    check_finite_real,
    check_rng,
    check_sequence,
    check_size,
)
from .activations import ACTIVATIONS, PRELU_INITIAL_SLOPE, SELU_LAMBDA_ALPHA, prelu_backward
from .activations import prelu as prelu_function
from .init import initialise
from .selu_theory import alpha_dropout_affine


def _overflow_checked(method):
    """Run a forward or backward pass with numpy's overflow warnings off, then check it (the
    rule of `helpers._validation`): from a finite input, an output or gradient that overflowed
    to inf or NaN raises DivergedError naming x (forward) or dout (backward), never a
    RuntimeWarning. A non-finite x is rejected (Linear, the normalizations) or propagated
    (activations); a non-finite dout is rejected by `Layer._saved`."""
    backward = method.__name__ == "backward"

    @functools.wraps(method)
    def run(self, value):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = method(self, value)
        finite = np.isfinite(out).all() and (
            not backward or all(np.isfinite(g).all() for g in self.grads.values()))
        if finite or not (self._finite_forward if backward else
                          np.isfinite(as_float_array(value, "x")).all()):
            return out
        layer, limit = type(self).__name__, np.finfo(out.dtype).max
        if backward:
            raise DivergedError(
                f"{layer}.backward: the gradients overflowed (inf or NaN) although dout is "
                f"finite; numbers beyond {limit:.3g} ({out.dtype}) cannot be held. In training: "
                "the loss diverged, lower the learning rate (or rescale the input x).")
        raise DivergedError(
            f"{layer}: the output overflowed (inf or NaN) although the input x is finite; x is "
            f"too large for {out.dtype} arithmetic (beyond {limit:.3g}): rescale the input x "
            "(in training: the loss diverged, lower the learning rate).")

    return run


# The input shapes a layer may accept: a batch of vectors, a batch of sequences (channels first).
_SHAPES = {2: "(N, D)", 3: "(N, C, L)"}
ANY = (2, 3)


class Layer:
    """Base class: no parameters, mode flag, input checks and the forward-before-backward rule."""

    def __init__(self):
        if not isinstance(getattr(type(self), "params", None), property):  # containers derive them
            self.params, self.grads = {}, {}
        self.training = True
        self._cache = None

    def forward(self, x):
        raise NotImplementedError(
            f"{type(self).__name__} is a base class: a layer implements forward(x) -> out (and "
            "backward(dout) -> dx); use one of helpers.layers' layers, e.g. Linear or ReLU."
        )

    def backward(self, dout):
        raise NotImplementedError(
            f"{type(self).__name__} is a base class: a layer implements backward(dout) -> dx "
            "(and forward(x) -> out); use one of helpers.layers' layers, e.g. Linear or ReLU."
        )

    def train(self):
        """Training mode: dropout drops, batch norm uses (and updates) batch statistics."""
        self.training = True
        return self

    def eval(self):
        """Evaluation mode: dropout is the identity, batch norm uses its running statistics."""
        self.training = False
        return self

    def clear_cache(self):
        """Forget what the last forward saved for backward (it can be large: one array per
        layer, as big as the batch). `helpers.training.evaluating` calls it."""
        self._cache = None
        return self

    def _input(self, x, features=None, ndims=(2,)):
        """x as a float array of one of the shapes `ndims` allows: 2 for a batch of vectors
        (N, D), 3 for a batch of sequences (N, C, L); `features` is D or C (axis 1)."""
        x = as_float_array(x, "x")
        if x.ndim not in ndims or x.shape[0] == 0:
            shapes = " or ".join(_SHAPES[n] for n in ndims)
            raise ValueError(
                f"{type(self).__name__} expects a non-empty batch x of shape {shapes}; got shape "
                f"{x.shape}. For one sample use x.reshape(1, -1) (a vector) or x[None] (a "
                "sequence)."
            )
        if features is not None and x.shape[1] != features:
            raise ValueError(
                f"{type(self).__name__} expects x with {features} features or channels on axis 1"
                f" (shape (N, {features}, ...)); got shape {x.shape}."
            )
        return x

    def _saved(self, dout):
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: run forward on a "
                "batch first (backward uses what forward saved)."
            )
        dout = as_float_array(dout, "dout")
        if dout.shape != self._out_shape:
            raise ValueError(
                f"{type(self).__name__}.backward: dout must have the shape of the forward "
                f"output, {self._out_shape}; got {dout.shape}."
            )
        if not np.isfinite(dout).all():
            raise DivergedError(
                f"{type(self).__name__}.backward: dout contains NaN or inf: the loss diverged "
                "upstream; lower the learning rate."
            )
        return dout, self._cache

    def _save(self, out, cache, dtype=None):
        """Keep `cache` for backward; return `out` in `dtype` (default: unchanged)."""
        self._out_shape, self._cache = out.shape, cache
        self._finite_forward = bool(np.isfinite(out).all())  # else backward may propagate NaN
        return out if dtype is None else out.astype(dtype, copy=False)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Fully connected layer: out = x @ W + b.

    Shapes: x (N, D_in), W (D_in, D_out), b (D_out,), out (N, D_out). Cache: x.

    Parameters
    ----------
    in_features, out_features : int
    rng : numpy.random.Generator
        Draws the initial weights; biases start at zero.
    init : {"he", "lecun", "glorot"}, default "he"
    negative_slope : float, default 0.0
        Slope for z <= 0 of the activation that follows (He's init depends on it).
    """

    def __init__(self, in_features, out_features, *, rng, init="he", negative_slope=0.0):
        super().__init__()
        self.in_features = check_size(in_features, "in_features")
        self.out_features = check_size(out_features, "out_features")
        weights = initialise(init, in_features, out_features, rng=check_rng(rng),
                             negative_slope=negative_slope)
        self.params = {"W": weights, "b": np.zeros(out_features)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.in_features)
        if not np.isfinite(x).all():
            raise DivergedError(
                "Linear received NaN or inf in its input x. If x is your data, the data holds "
                "them: clean it first; if this happened during training, values overflowed "
                "(the loss diverged): lower the learning rate."
            )
        out = x @ self.params["W"] + self.params["b"]  # an overflow: see _overflow_checked
        return self._save(out, x.copy(), x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, x = self._saved(dout)
        self.grads["W"][...] = x.T @ dout  # (D_in, N) @ (N, D_out)
        self.grads["b"][...] = dout.sum(axis=0)
        return (dout @ self.params["W"].T).astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"


class Conv1d(Layer):
    """One-dimensional convolution (cross-correlation, as in every framework):

        out[n, o, t] = b[o] + sum_c sum_k W[o, c, k] * x_padded[n, c, t * stride + k]

    Every output channel o slides one small filter W[o] (C_in channels × kernel_size
    positions) along the sequence: the same weights at every position (parameter sharing).
    The windows of x are a strided view; copied into the rows of one matrix ("im2col"), the
    whole layer is one matrix product, (N * L_out, C_in * K) @ (C_in * K, C_out).

    Shapes: x (N, C_in, L), W (C_out, C_in, K) as in PyTorch, b (C_out,), out (N, C_out,
    L_out) with L_out = (L + 2 padding - K) // stride + 1. Cache: the columns of im2col
    (N * L_out, C_in * K) and the padded shape.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    stride : int, default 1
    padding : int, default 0
        Zeros added at both ends of every sequence.
    rng : numpy.random.Generator
        Draws the initial weights (fan_in = in_channels * kernel_size); biases start at zero.
    init : {"he", "lecun", "glorot"}, default "he"
    negative_slope : float, default 0.0
        Slope for z <= 0 of the activation that follows (He's init depends on it).
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1, padding=0, rng,
                 init="he", negative_slope=0.0):
        super().__init__()
        self.in_channels = check_size(in_channels, "in_channels")
        self.out_channels = check_size(out_channels, "out_channels")
        self.kernel_size = check_size(kernel_size, "kernel_size")
        self.stride = check_size(stride, "stride")
        self.padding = check_size(padding, "padding", minimum=0)
        fan_in = in_channels * kernel_size
        weights = initialise(init, fan_in, out_channels, rng=check_rng(rng),
                             negative_slope=negative_slope)  # (fan_in, C_out)
        self.params = {"W": weights.T.reshape(out_channels, in_channels, kernel_size).copy(),
                       "b": np.zeros(out_channels)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def output_length(self, length):
        """L_out for an input of `length` positions (raises if the kernel does not fit)."""
        length = check_size(length, "length")
        padded = length + 2 * self.padding
        if padded < self.kernel_size:
            raise ValueError(f"Conv1d: a sequence of {length} positions (padded: {padded}) is "
                             f"shorter than the kernel ({self.kernel_size}).")
        return (padded - self.kernel_size) // self.stride + 1

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.in_channels, (3,))
        _check_finite_input(x, "Conv1d")
        (n, c, length), k = x.shape, self.kernel_size
        length_out = self.output_length(length)
        x_padded = np.pad(x, ((0, 0), (0, 0), (self.padding, self.padding)))
        # the window each output position reads, (N, C_in, L_out, K): a view, no copy yet
        windows = np.lib.stride_tricks.sliding_window_view(x_padded, k, axis=2)[
            :, :, :length_out * self.stride:self.stride]
        # im2col: one row per (sample, position), one column per (channel, tap)
        columns = windows.transpose(0, 2, 1, 3).reshape(n * length_out, c * k)
        out = columns @ self.params["W"].reshape(self.out_channels, c * k).T  # one matmul
        out = out.reshape(n, length_out, self.out_channels).transpose(0, 2, 1)
        out = np.ascontiguousarray(out) + self.params["b"][:, None]  # (N, C_out, L_out)
        return self._save(out, (columns, x_padded.shape), x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, (columns, padded_shape) = self._saved(dout)
        n, _, length_out = dout.shape
        c, k = self.in_channels, self.kernel_size
        rows = dout.transpose(0, 2, 1).reshape(n * length_out, self.out_channels)
        self.grads["W"][...] = (rows.T @ columns).reshape(self.params["W"].shape)
        self.grads["b"][...] = dout.sum(axis=(0, 2))
        # each window's gradient, added back at the positions the window read
        dcolumns = (rows @ self.params["W"].reshape(self.out_channels, c * k)).reshape(
            n, length_out, c, k)
        dx_padded = np.zeros(padded_shape)
        stop = length_out * self.stride
        for tap in range(k):
            dx_padded[:, :, tap:tap + stop:self.stride] += dcolumns[:, :, :, tap].transpose(0, 2, 1)
        dx = dx_padded[:, :, self.padding:padded_shape[2] - self.padding]
        return dx.astype(dout.dtype, copy=False)

    def __repr__(self):
        return (f"Conv1d({self.in_channels}, {self.out_channels}, {self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding})")


class Reshape(Layer):
    """Give each sample a new shape: ``Reshape((1, 40))`` turns x (N, 40) into sequences of one
    channel (N, 1, 40), the input a Conv1d needs; ``Flatten()`` turns (N, C, L) back into
    vectors (N, C * L) for a Linear layer. Backward gives the gradient the input's shape.

    Parameters
    ----------
    shape : tuple of int
        The shape of one sample; one entry may be -1 (what is left), as in numpy.
    """

    def __init__(self, shape):
        super().__init__()
        shape = tuple(check_sequence(shape, "shape", "(1, 40)"))
        whole = all(isinstance(n, int | np.integer) and not isinstance(n, bool) for n in shape)
        if not whole or not shape or len(shape) > 2 or shape.count(-1) > 1 or any(
                n != -1 and n < 1 for n in shape):
            raise ValueError(f"shape must be the shape of one sample, 1 or 2 positive ints (one "
                             f"may be -1), e.g. (1, 40) or (-1,); got {shape!r}.")
        self.shape = tuple(int(n) for n in shape)

    @property
    def size(self):
        """The numbers in one sample, or None when the shape has a -1."""
        return None if -1 in self.shape else int(np.prod(self.shape))

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, ndims=ANY)
        per_sample = x[0].size
        known = int(np.prod([n for n in self.shape if n != -1]))
        if (self.size or known) != per_sample and (self.size is not None or per_sample % known):
            raise ValueError(f"{self!r} cannot hold a sample of shape {x.shape[1:]} "
                             f"({per_sample} numbers).")
        return self._save(x.reshape(x.shape[0], *self.shape), x.shape)

    @_overflow_checked
    def backward(self, dout):
        dout, shape = self._saved(dout)
        return dout.reshape(shape)

    def __repr__(self):
        return "Flatten()" if type(self) is Flatten else f"Reshape({self.shape})"


class Flatten(Reshape):
    """(N, C, L) -> (N, C * L): ``Reshape((-1,))``, as ``torch.nn.Flatten()``."""

    def __init__(self):
        super().__init__((-1,))


class Elementwise(Layer):
    """An activation of ``helpers.activations.ACTIVATIONS``, applied to every number.

    ``Elementwise("gelu")`` works for any entry of the table; ReLU, LeakyReLU, ... below are
    this layer with the name filled in. Fixed parameters are given by name, e.g.
    ``LeakyReLU(negative_slope=0.2)``; the defaults are the functions' own.

    Shapes: z (N, D) or (N, C, L), out the same. Forward: out = f(z); backward:
    dz = dout * f'(z). Cache: z.
    """

    name = None  # the named subclasses set it

    def __init__(self, *args, **params):
        super().__init__()
        kind = type(self).__name__
        if self.name is None:
            if len(args) != 1:
                raise TypeError(f"Elementwise takes one activation name, e.g. "
                                f"Elementwise('gelu'); got {len(args)} positional arguments.")
            name = args[0]
        elif args:
            raise TypeError(f"{kind} takes its parameters by name, e.g. "
                            f"{kind}({', '.join(f'{k}=...' for k in ACTIVATIONS[self.name].params)}"
                            f"); got {args!r}.")
        else:
            name = self.name
        spec = ACTIVATIONS[check_choice(name, "activation", ACTIVATIONS)]
        if spec.learned:
            raise ValueError(f"{name!r} learns its parameters: use the layer PReLU.")
        unknown = sorted(set(params) - set(spec.params))
        if unknown:
            raise TypeError(f"{name} has no parameter {unknown[0]!r}; its parameters are "
                            f"{sorted(spec.params) or 'none'}.")
        self.name, self.spec = name, spec
        self.settings = {**spec.params,
                         **{k: check_finite_real(v, k) for k, v in params.items()}}
        spec.function(np.zeros(1), **self.settings)  # the function's own checks (e.g. alpha >= 0)

    @_overflow_checked
    def forward(self, x):
        z = self._input(x, ndims=ANY)
        return self._save(self.spec.function(z, **self.settings), z.copy())

    @_overflow_checked
    def backward(self, dout):
        dout, z = self._saved(dout)
        return (dout * self.spec.derivative(z, **self.settings)).astype(dout.dtype, copy=False)

    def __repr__(self):
        settings = ", ".join(f"{k}={v:g}" for k, v in self.settings.items())
        return (f"{type(self).__name__}({settings})" if self.name == type(self).name else
                f"Elementwise({self.name!r}{', ' if settings else ''}{settings})")


class ReLU(Elementwise):
    """max(0, z)."""

    name = "relu"


class LeakyReLU(Elementwise):
    """max(0, z) + negative_slope min(0, z), with a fixed slope (default 0.01)."""

    name = "leaky_relu"


class ELU(Elementwise):
    """z for z > 0, alpha (exp(z) - 1) otherwise (default alpha 1)."""

    name = "elu"


class SELU(Elementwise):
    """Scaled ELU with the self-normalising constants."""

    name = "selu"


class Tanh(Elementwise):
    """Hyperbolic tangent."""

    name = "tanh"


class Sigmoid(Elementwise):
    """Logistic sigmoid."""

    name = "sigmoid"


def elementwise(name, **params):
    """The activation layer for `name`: its named class (ReLU, ...) if it has one, else
    ``Elementwise(name)``. Parameters by name, as for `Elementwise`."""
    check_choice(name, "activation", ACTIVATIONS)
    for cls in Elementwise.__subclasses__():
        if cls.name == name:
            return cls(**params)
    return Elementwise(name, **params)


class PReLU(Layer):
    """Parametric ReLU with learned slopes: one shared (num_parameters=1) or one per channel.

    Shapes: z (N, D) or (N, C, L), out the same, params["negative_slope"] (num_parameters,).
    Channels are axis 1. A slope's gradient sums over every other axis: over the batch for
    (N, D), over the batch and every position of the sequence for (N, C, L), as in a CNN, where
    one slope serves a whole feature map. Cache: z.

    Parameters
    ----------
    num_parameters : int, default 1
        1 for a channel-shared slope, else the number of features or channels (channel-wise).
    negative_slope : float, default ``activations.PRELU_INITIAL_SLOPE`` (0.25)
        Initial slope (He et al. 2015).
    """

    name = "prelu"

    def __init__(self, num_parameters=1, negative_slope=PRELU_INITIAL_SLOPE):
        super().__init__()
        self.num_parameters = check_size(num_parameters, "num_parameters")
        start = check_finite_real(negative_slope, "negative_slope")
        self.params = {"negative_slope": np.full(self.num_parameters, start)}
        self.grads = {"negative_slope": np.zeros(self.num_parameters)}

    def _slopes(self):
        slopes = self.params["negative_slope"]
        return slopes[0] if self.num_parameters == 1 else slopes

    @_overflow_checked
    def forward(self, x):
        z = self._input(x, None if self.num_parameters == 1 else self.num_parameters, ANY)
        return self._save(prelu_function(z, self._slopes()), z.copy())

    @_overflow_checked
    def backward(self, dout):
        dout, z = self._saved(dout)
        dz, dslope = prelu_backward(dout, z, self._slopes())
        self.grads["negative_slope"][...] = np.reshape(dslope, self.num_parameters)
        return dz.astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"PReLU(num_parameters={self.num_parameters})"


def _check_finite_input(x, layer):
    if not np.isfinite(x).all():
        raise DivergedError(
            f"{layer} received NaN or inf in its input x. If x is your data, the data holds "
            "them: clean it first; if this happened during training, values overflowed (the "
            "loss diverged): lower the learning rate."
        )


def _check_finite_variance(var, layer, unit):
    if not np.isfinite(var).all():  # a DivergedError: in training, that is what it means
        raise DivergedError(f"{layer}: the variance of a {unit} overflows (its values are "
                            "beyond about 1e154 in float64); rescale the input x first (in "
                            "training: lower the learning rate).")


def _per_channel(v, ndim):
    """A per-channel vector (C,) shaped to broadcast against (N, C) or (N, C, L)."""
    return v.reshape(v.shape[0], *([1] * (ndim - 2)))


def _normalise(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over `axes`, and 1 / sqrt(var + eps) (keepdims): the
    statistics are measured from one entry of each group (the same numbers; see BatchNorm1d)."""
    centred = x - x[tuple(slice(0, 1) if i in axes else slice(None) for i in range(x.ndim))]
    with np.errstate(over="ignore", invalid="ignore"):  # the caller checks the variance
        shift = centred.mean(axis=axes, keepdims=True)
        var = centred.var(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    return (centred - shift) * inv_std, inv_std, var


def _normalise_backward(dx_hat, x_hat, inv_std, axes):
    """The gradient through `_normalise` (mean and variance depend on every entry of a group)."""
    return inv_std * (dx_hat - dx_hat.mean(axis=axes, keepdims=True)
                      - x_hat * (dx_hat * x_hat).mean(axis=axes, keepdims=True))


class BatchNorm1d(Layer):
    """Batch normalisation over the batch axis, with PyTorch's conventions.

    Each feature (channel) is normalised with statistics over the axes that share it: the batch
    for x (N, D); the batch and the positions for a sequence x (N, C, L), so that a channel of a
    convolution has one mean and one variance, from N * L numbers.

    Training mode normalises with the batch mean and the *biased* batch variance, and updates
    ``running = (1 - momentum) * running + momentum * batch`` with the *unbiased* variance.
    Evaluation mode normalises with the running statistics (buffers, not parameters).

    Shapes: x (N, D) or (N, C, L), gamma and beta (D,) or (C,), out like x. Cache: x_hat,
    1/std per channel and whether batch statistics were used.

    Parameters
    ----------
    num_features : int
        D, or C for sequences.
    eps : float, default 1e-5
    momentum : float in (0, 1], default 0.1
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features = check_size(num_features, "num_features")
        self.eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
        self.momentum = check_finite_real(momentum, "momentum", minimum=0.0, exclusive=True)
        if self.momentum > 1:
            raise ValueError(f"momentum must be in (0, 1]; got {momentum}.")
        self.params = {"gamma": np.ones(num_features), "beta": np.zeros(num_features)}
        self.grads = {k: np.zeros(num_features) for k in self.params}
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.num_features, ANY)
        _check_finite_input(x, "BatchNorm1d")
        axes = (0, *range(2, x.ndim))  # every axis but the channels
        if self.training:
            n = x.size // self.num_features  # numbers per channel
            if n < 2:
                raise ValueError(
                    "BatchNorm1d in training mode needs at least 2 numbers per feature (rows of "
                    f"x, times positions) to estimate a variance; got shape {x.shape}. Use a "
                    "larger batch or call eval()."
                )
            # measured from the first sample: the same numbers, but a constant feature near
            # 1e12 gives exactly x_hat = 0 instead of rounding noise divided by sqrt(eps)
            first = x[:1, :, :1] if x.ndim == 3 else x[:1]
            centred = x - first
            with np.errstate(over="ignore", invalid="ignore"):  # checked just below
                shift, var = centred.mean(axis=axes), centred.var(axis=axes)
            _check_finite_variance(var, "BatchNorm1d", "feature")
            m = self.momentum
            self.running_mean[...] = (1 - m) * self.running_mean + m * (first.ravel() + shift)
            self.running_var[...] = (1 - m) * self.running_var + m * var * n / (n - 1)
        else:
            centred, shift, var = x, self.running_mean, self.running_var
        inv_std = _per_channel(1.0 / np.sqrt(var + self.eps), x.ndim)
        x_hat = (centred - _per_channel(shift, x.ndim)) * inv_std
        gamma, beta = (_per_channel(self.params[k], x.ndim) for k in ("gamma", "beta"))
        return self._save(gamma * x_hat + beta, (x_hat, inv_std, self.training, axes), x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, (x_hat, inv_std, batch_stats, axes) = self._saved(dout)
        self.grads["gamma"][...] = (dout * x_hat).sum(axis=axes)
        self.grads["beta"][...] = dout.sum(axis=axes)
        dx_hat = dout * _per_channel(self.params["gamma"], dout.ndim)
        if not batch_stats:  # running statistics are constants
            dx = dx_hat * inv_std
        else:  # mean and variance depend on every number of the channel
            dx = _normalise_backward(dx_hat, x_hat, inv_std, axes)
        return dx.astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"BatchNorm1d({self.num_features}, eps={self.eps:g}, momentum={self.momentum:g})"


class LayerNorm(Layer):
    """Layer normalisation: each sample normalised over its own features (no batch statistics).

    As ``torch.nn.LayerNorm(normalized_shape)``: the statistics are taken over the last
    ``len(normalized_shape)`` axes, and gamma and beta have that shape. ``LayerNorm(D)`` for
    x (N, D); ``LayerNorm((C, L))`` for a sequence x (N, C, L): one mean and one variance per
    sample, over all its channels and positions.

    Shapes: x (N, *normalized_shape), gamma and beta normalized_shape, out like x. Cache:
    x_hat, 1/std per sample.

    Parameters
    ----------
    normalized_shape : int or tuple of int
        D, or (C, L).
    eps : float, default 1e-5
    """

    def __init__(self, normalized_shape, eps=1e-5):
        super().__init__()
        if isinstance(normalized_shape, tuple | list):
            if len(normalized_shape) not in (1, 2):
                raise ValueError(f"normalized_shape must be an int D or a pair (C, L); got "
                                 f"{normalized_shape!r}.")
            shape = tuple(check_size(n, "normalized_shape") for n in normalized_shape)
        else:
            shape = (check_size(normalized_shape, "normalized_shape"),)
        self.normalized_shape, self.num_features = shape, shape[0]
        self.eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
        self.params = {"gamma": np.ones(shape), "beta": np.zeros(shape)}
        self.grads = {k: np.zeros(shape) for k in self.params}

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.num_features, (len(self.normalized_shape) + 1,))
        if x.shape[1:] != self.normalized_shape:
            raise ValueError(f"LayerNorm{self.normalized_shape} expects x of shape (N, "
                             f"{', '.join(map(str, self.normalized_shape))}); got {x.shape}.")
        _check_finite_input(x, "LayerNorm")
        axes = tuple(range(1, x.ndim))
        x_hat, inv_std, var = _normalise(x, axes, self.eps)
        _check_finite_variance(var, "LayerNorm", "sample")
        return self._save(self.params["gamma"] * x_hat + self.params["beta"], (x_hat, inv_std),
                          x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, (x_hat, inv_std) = self._saved(dout)
        self.grads["gamma"][...] = (dout * x_hat).sum(axis=0)
        self.grads["beta"][...] = dout.sum(axis=0)
        axes = tuple(range(1, dout.ndim))
        dx = _normalise_backward(dout * self.params["gamma"], x_hat, inv_std, axes)
        return dx.astype(dout.dtype, copy=False)

    def __repr__(self):
        shape = self.normalized_shape
        return f"LayerNorm({shape[0] if len(shape) == 1 else shape})"


class GroupNorm(Layer):
    """Group normalisation (Wu & He 2018): the channels of each sample split into groups of
    equal size, each group normalised over its channels and positions; no batch statistics.

    ``GroupNorm(1, C)`` normalises a sample over everything (layer norm's statistics);
    ``GroupNorm(C, C)`` each channel of each sample on its own (instance norm). gamma and beta
    are per channel, as in ``torch.nn.GroupNorm``.

    Shapes: x (N, C) or (N, C, L), gamma and beta (C,), out like x. Cache: x_hat and 1/std
    per sample and group, in the grouped shape (N, G, C/G * L).

    Parameters
    ----------
    num_groups : int
        G; it must divide num_channels.
    num_channels : int
        C.
    eps : float, default 1e-5
    """

    def __init__(self, num_groups, num_channels, eps=1e-5):
        super().__init__()
        self.num_groups = check_size(num_groups, "num_groups")
        self.num_channels = self.num_features = check_size(num_channels, "num_channels")
        if num_channels % num_groups:
            raise ValueError(f"num_groups must divide num_channels: {num_channels} channels "
                             f"cannot form {num_groups} groups of equal size; choose a divisor "
                             f"of {num_channels}.")
        self.eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
        self.params = {"gamma": np.ones(num_channels), "beta": np.zeros(num_channels)}
        self.grads = {k: np.zeros(num_channels) for k in self.params}

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.num_channels, ANY)
        _check_finite_input(x, type(self).__name__)
        if x[0].size // self.num_groups < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 numbers per group to "
                             f"estimate a variance; got shape {x.shape} with {self.num_groups} "
                             "groups (a sequence x of shape (N, C, L) has C / G * L).")
        grouped = x.reshape(x.shape[0], self.num_groups, -1)  # a group's channels, positions
        x_hat, inv_std, var = _normalise(grouped, (2,), self.eps)
        _check_finite_variance(var, type(self).__name__, "group")
        gamma, beta = (_per_channel(self.params[k], x.ndim) for k in ("gamma", "beta"))
        out = gamma * x_hat.reshape(x.shape) + beta
        return self._save(out, (x_hat, inv_std), x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, (x_hat, inv_std) = self._saved(dout)
        axes = (0, *range(2, dout.ndim))
        self.grads["gamma"][...] = (dout * x_hat.reshape(dout.shape)).sum(axis=axes)
        self.grads["beta"][...] = dout.sum(axis=axes)
        dx_hat = (dout * _per_channel(self.params["gamma"], dout.ndim)).reshape(x_hat.shape)
        dx = _normalise_backward(dx_hat, x_hat, inv_std, (2,)).reshape(dout.shape)
        return dx.astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"GroupNorm({self.num_groups}, {self.num_channels})"


class InstanceNorm1d(GroupNorm):
    """Instance normalisation (Ulyanov et al. 2016): each channel of each sequence normalised
    over its own positions; group norm with one channel per group. Learned per-channel gamma
    and beta, as ``torch.nn.InstanceNorm1d(C, affine=True)`` (PyTorch's default has neither).

    Shapes: x (N, C, L), gamma and beta (C,), out like x.
    """

    def __init__(self, num_features, eps=1e-5):
        num_features = check_size(num_features, "num_features")
        super().__init__(num_features, num_features, eps)

    def forward(self, x):
        self._input(x, self.num_channels, (3,))  # a channel of a vector is one number
        return super().forward(x)

    def __repr__(self):
        return f"InstanceNorm1d({self.num_channels})"


class RMSNorm(Layer):
    """RMS normalisation (Zhang & Sennrich 2019): layer norm without the centring.

    Each sample is divided by the root mean square of its own features and scaled by a learned
    gain: out = gamma * x / rms, rms = sqrt(mean_j x_j^2 + eps). No mean is subtracted and there
    is no beta; it is cheaper than LayerNorm and common in large language models.

    Shapes: x (N, D), gamma (D,), out (N, D). Cache: x_hat = x / rms (N, D), 1/rms (N, 1).
    """

    def __init__(self, num_features, eps=1e-5):
        super().__init__()
        self.num_features = check_size(num_features, "num_features")
        self.eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
        self.params = {"gamma": np.ones(num_features)}
        self.grads = {"gamma": np.zeros(num_features)}

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, self.num_features)
        _check_finite_input(x, "RMSNorm")
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            mean_square = (x * x).mean(axis=1, keepdims=True)
        _check_finite_variance(mean_square, "RMSNorm", "sample")
        inv_rms = 1.0 / np.sqrt(mean_square + self.eps)
        x_hat = x * inv_rms
        return self._save(self.params["gamma"] * x_hat, (x_hat, inv_rms), x.dtype)

    @_overflow_checked
    def backward(self, dout):
        dout, (x_hat, inv_rms) = self._saved(dout)
        self.grads["gamma"][...] = (dout * x_hat).sum(axis=0)
        dx_hat = dout * self.params["gamma"]
        # d(x / rms)/dx: the direct term minus the part through rms (no mean term: no centring)
        dx = inv_rms * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=1, keepdims=True))
        return dx.astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"RMSNorm({self.num_features})"


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability `rate`, scale the rest
    by 1 / (1 - rate); in evaluation, the identity.

    Shapes: x (N, D), out (N, D). Cache: the mask, already scaled.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit.
    rng : numpy.random.Generator
    """

    def __init__(self, rate, *, rng):
        super().__init__()
        self.rate = check_dropout_rate(rate)
        self.rng = check_rng(rng)

    @_overflow_checked
    def forward(self, x):
        x = self._input(x)
        if not self.training or self.rate == 0:
            return self._save(x.copy(), np.ones((), dtype=x.dtype))
        keep = ((self.rng.random(x.shape) >= self.rate) / (1 - self.rate)).astype(x.dtype)
        return self._save(x * keep, keep)

    @_overflow_checked
    def backward(self, dout):
        dout, keep = self._saved(dout)
        return (dout * keep).astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"Dropout({self.rate:g})"


class AlphaDropout(Layer):
    """Alpha dropout for SELU networks: dropped units are set to SELU's saturation value
    -lambda alpha, then an affine map a x + b restores mean 0 and variance 1.

    Shapes: x (N, D), out (N, D). Cache: a times the keep mask.

    Parameters
    ----------
    rate : float in [0, 1)
        Probability of dropping a unit (the paper's 1 - q).
    rng : numpy.random.Generator
    """

    def __init__(self, rate, *, rng):
        super().__init__()
        self.a, self.b = alpha_dropout_affine(rate)
        self.rate = float(rate)
        self.rng = check_rng(rng)

    @_overflow_checked
    def forward(self, x):
        x = self._input(x)
        if not self.training or self.rate == 0:
            return self._save(x.copy(), np.ones((), dtype=x.dtype))
        keep = self.rng.random(x.shape) >= self.rate
        out = self.a * np.where(keep, x, -SELU_LAMBDA_ALPHA) + self.b
        return self._save(out, self.a * keep)

    @_overflow_checked
    def backward(self, dout):
        dout, scale = self._saved(dout)
        return (dout * scale).astype(dout.dtype, copy=False)

    def __repr__(self):
        return f"AlphaDropout({self.rate:g})"


class _Derived(dict):
    """The ``params`` (or ``grads``) of a container, Sequential or Residual: its layers' own
    arrays under "index.name" keys, gathered on every access. Each layer owns its arrays, so
    putting another array into this dict would change nothing: it refuses, and says to change
    the array in place. Copies (``dict(...)``, ``copy.deepcopy``, pickles) are ordinary dicts."""

    def __init__(self, container, what, arrays):
        super().__init__(arrays)
        self._where = (type(container).__name__, what)

    def _refuse(self, *args, **kwargs):
        kind, what = self._where
        raise TypeError(f"{what} of a {kind} are derived from its layers: changing this dict "
                        f"would change nothing. Change an array in place instead, e.g. "
                        f"net.{what}[{next(iter(self), '0.W')!r}][...] = value.")

    __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _refuse

    def __setitem__(self, key, value):
        if key in self and value is self[key]:  # net.params[key] *= 2: done in place already
            return
        self._refuse()

    def __reduce__(self):
        return dict, (dict(self),)

    @staticmethod
    def cannot_replace(container, what):
        """The setter of a container's params/grads: they are its layers', not its own."""
        example = next(iter(getattr(container, what)), "0.W")
        raise AttributeError(
            f"{what} of a {type(container).__name__} are derived from its layers (each layer "
            f"owns its arrays), so they cannot be replaced. Change an array in place instead, "
            f"e.g. net.{what}[{example!r}][...] = value."
        )


class Sequential(Layer):
    """Layers applied in order. ``params``/``grads`` are flat views keyed "index.name".

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = Sequential(Linear(4, 3, rng=rng), ReLU(), Linear(3, 2, rng=rng))
    >>> net.forward(np.ones((5, 4))).shape
    (5, 2)
    >>> sorted(net.params)
    ['0.W', '0.b', '2.W', '2.b']
    """

    def __init__(self, *layers):
        super().__init__()
        if not layers:
            raise ValueError("Sequential needs at least one layer.")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be a helpers.layers.Layer; got "
                                f"{type(layer).__name__}.")
        self.layers = list(layers)

    @property
    def params(self):
        return _Derived(self, "params", {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                                        for k, v in layer.params.items()})

    @params.setter
    def params(self, value):
        _Derived.cannot_replace(self, "params")

    @property
    def grads(self):
        return _Derived(self, "grads", {f"{i}.{k}": v for i, layer in enumerate(self.layers)
                                       for k, v in layer.grads.items()})

    @grads.setter
    def grads(self, value):
        _Derived.cannot_replace(self, "grads")

    def train(self):
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self):
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def clear_cache(self):
        for layer in self.layers:
            layer.clear_cache()
        return self

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def forward_all(self, x):
        """Forward pass returning the input and every layer's output: [x, h_1, ..., h_L]."""
        outputs = [as_float_array(x, "x")]
        for layer in self.layers:
            outputs.append(layer.forward(outputs[-1]))
        return outputs

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __repr__(self):
        inner = ",\n  ".join(repr(layer) for layer in self.layers)
        return f"Sequential(\n  {inner}\n)"


def check_model(model, name="model", *, sequential=False):
    """Return `model` if it is a layer (a Sequential when `sequential`), else raise."""
    kind = Sequential if sequential else Layer
    if not isinstance(model, kind) or type(model) is Layer:  # the bare base class cannot run
        raise TypeError(f"{name} must be a helpers.layers.{kind.__name__} (e.g. from "
                        f"helpers.models.mlp); got {type(model).__name__}.")
    return model


def leaf_layers(model):
    """The layers of `model` in the order its forward pass runs them, with the containers
    (Sequential, Residual) opened at any depth: a list of the layers that compute something.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> net = Sequential(Residual(Sequential(Linear(3, 3, rng=rng), ReLU())), Linear(3, 2, rng=rng))
    >>> [type(layer).__name__ for layer in leaf_layers(net)]
    ['Linear', 'ReLU', 'Linear']
    """
    check_model(model)
    if isinstance(model, Sequential):
        return [leaf for layer in model.layers for leaf in leaf_layers(layer)]
    if isinstance(model, Residual):
        return leaf_layers(model.block)
    return [model]


def output_features(model):
    """The number of outputs of `model`'s last Linear layer (its classes), or None."""
    linears = [layer for layer in leaf_layers(model) if isinstance(layer, Linear)]
    return linears[-1].out_features if linears else None


def input_features(model):
    """The number of input features `model` expects, or None if its layers do not say (read
    from the first Linear, normalisation or channel-wise PReLU layer, or from a first Reshape
    of known size, which makes vectors into sequences; the layers before it keep the width)."""
    for layer in leaf_layers(model):
        if isinstance(layer, Reshape):
            return layer.size
        if isinstance(layer, Conv1d):
            return None  # sequences: their length is free
        if isinstance(layer, Linear):
            return layer.in_features
        if isinstance(layer, BatchNorm1d | LayerNorm | RMSNorm | GroupNorm):
            return layer.num_features
        if isinstance(layer, PReLU) and layer.num_parameters > 1:
            return layer.num_parameters
    return None


# Layers whose input is a pre-activation: what the diagnostics look at.
ACTIVATION_LAYERS = (Elementwise, PReLU)

# The normalisations, by the name the model builder and the notebooks use.

class Residual(Layer):
    """An identity skip connection around a block: out = x + block(x) (He et al. 2016).

    The gradient reaches x along two paths, so backward adds them: dx = dout + block's dx.
    The identity path passes the gradient on unchanged, however deep the stack.
    ``params``/``grads`` are the block's (same keys), and modes reach the block.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> res = Residual(Sequential(Linear(3, 3, rng=rng), ReLU()))
    >>> res.forward(np.zeros((2, 3))).shape
    (2, 3)
    """

    def __init__(self, block):
        super().__init__()
        if not isinstance(block, Layer):
            raise TypeError(f"block must be a helpers.layers.Layer; got {type(block).__name__}.")
        self.block = block

    @property
    def params(self):
        return _Derived(self, "params", self.block.params)

    @params.setter
    def params(self, value):
        _Derived.cannot_replace(self, "params")

    @property
    def grads(self):
        return _Derived(self, "grads", self.block.grads)

    @grads.setter
    def grads(self, value):
        _Derived.cannot_replace(self, "grads")

    def train(self):
        self.training = True
        self.block.train()
        return self

    def eval(self):
        self.training = False
        self.block.eval()
        return self

    def clear_cache(self):
        self.block.clear_cache()
        return super().clear_cache()

    @_overflow_checked
    def forward(self, x):
        x = self._input(x, ndims=ANY)
        return self._save(self.skip(x, self.block.forward(x)), True, x.dtype)

    def skip(self, x, branch):
        """x + branch: the block's output `branch` added to its input `x` (the same shape)."""
        x, branch = as_float_array(x, "x"), as_float_array(branch, "branch")
        if branch.shape != x.shape:
            raise ValueError(f"Residual: the block must keep the shape of its input x, {x.shape}; "
                             f"its output (branch) has shape {branch.shape}.")
        return x + branch

    @_overflow_checked
    def backward(self, dout):
        dout, _ = self._saved(dout)
        return dout + self.block.backward(dout)

    def __repr__(self):
        return f"Residual({self.block!r})"

NORMS = {"batch": BatchNorm1d, "layer": LayerNorm, "rms": RMSNorm}
# In a CNN, by the axes that share statistics (Wu & He 2018, Figure 2); see models.cnn.
SEQUENCE_NORMS = ("batch", "layer", "instance", "group")
