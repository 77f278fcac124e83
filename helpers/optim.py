"""Optimizers that update a model's ``params`` in place from its ``grads``.

Keys follow ``Sequential``: "index.name", e.g. "0.W", "1.alpha". Weight decay (L2, added to
the gradient) applies only to parameters whose name is not in `no_decay`: by default biases,
PReLU slopes and normalisation scales/shifts are excluded, as He et al. (2015) do for alpha.
"""

import numpy as np

from ._validation import DivergedError, check_finite_real, check_not_masked, check_sequence

DEFAULT_NO_DECAY = ("b", "negative_slope", "gamma", "beta")


class Optimizer:
    """Shared parts: the model, the learning rate, and which parameters get weight decay."""

    def __init__(self, model, lr, weight_decay=0.0, no_decay=DEFAULT_NO_DECAY):
        for attr in ("params", "grads"):
            if not isinstance(getattr(model, attr, None), dict):
                raise TypeError(f"model must have dicts params and grads; got "
                                f"{type(model).__name__}.")
        for key, param in model.params.items():
            _check_parameter(key, param)
        self.model = model
        self.lr = check_finite_real(lr, "lr", minimum=0.0, exclusive=True)
        self.weight_decay = check_finite_real(weight_decay, "weight_decay", minimum=0.0)
        if isinstance(no_decay, str) or not all(
                isinstance(name, str) for name in check_sequence(no_decay, "no_decay",
                                                                 '("b", "negative_slope")')):
            raise TypeError(f"no_decay must be a tuple of parameter names, e.g. "
                            f'("b", "negative_slope") (a single name: ("b",)); got {no_decay!r}.')
        self.no_decay = tuple(no_decay)

    def decays(self, key):
        """True if the parameter called `key` ("index.name") gets weight decay."""
        return self.weight_decay > 0 and key.rsplit(".", 1)[-1] not in self.no_decay

    def _gradient(self, key, param, grad):
        return grad + self.weight_decay * param if self.decays(key) else grad

    def step(self):
        """Update every parameter in place from its gradient.

        A gradient holding NaN or inf is refused (DivergedError: the loss diverged upstream),
        and so is an update that overflows (a huge gradient, learning rate or weight decay)."""
        params, grads = self.model.params, self.model.grads
        for key, param in params.items():
            _check_parameter(key, param)
            grad = check_not_masked(grads.get(key), f"model.grads[{key!r}]")
            if not (isinstance(grad, np.ndarray) and grad.shape == param.shape
                    and grad.dtype.kind in "biuf"):
                got = (type(grad).__name__ if not isinstance(grad, np.ndarray) else
                       f"shape {grad.shape}" if grad.shape != param.shape else
                       f"dtype {grad.dtype}")
                raise ValueError(f"the gradient of {key!r} (model.grads[{key!r}]) must be an "
                                 f"array of the parameter's shape {param.shape}, of real numbers; "
                                 f"got {got}.")
            if not np.isfinite(grad).all():
                raise DivergedError(f"the gradient of {key!r} (model.grads[{key!r}]) contains "
                                    "NaN or inf: the loss diverged upstream; lower the learning "
                                    "rate.")
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow: checked below
                self._update(key, param, self._gradient(key, param, grad))
            if not np.isfinite(param).all():
                raise DivergedError(f"the update of {key!r} overflowed to inf or NaN (the "
                                    "gradient, lr or weight_decay is too large for float64): "
                                    "lower the learning rate or weight_decay.")

    def _update(self, key, param, grad):
        raise NotImplementedError(
            f"{type(self).__name__} is a base class: an optimizer implements _update(key, param, "
            "grad), which changes param in place (see SGD); use SGD or Adam."
        )


def _check_parameter(key, param):
    """An optimizer changes each parameter in place: it must be a writeable float array."""
    if isinstance(param, np.ndarray) and param.dtype.kind == "f" and param.flags.writeable and (
            not isinstance(param, np.ma.MaskedArray)):
        return
    if isinstance(param, np.ndarray):
        got = ("a read-only array" if param.dtype.kind == "f" and not param.flags.writeable
               else "a masked array" if isinstance(param, np.ma.MaskedArray)
               else f"an array of dtype {param.dtype}")
    else:
        got = f"{type(param).__name__} {param!r:.40}"
    raise TypeError(f"the parameter {key!r} (model.params[{key!r}]) must be a writeable float "
                    f"array (the optimizer updates it in place); got {got}. Give the layer a "
                    f"float copy, e.g. np.array(value, dtype=float).")


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum, PyTorch's form:
    v = momentum * v + g;  p = p - lr * v.

    Parameters
    ----------
    model : object with dicts params and grads
    lr : float > 0
    momentum : float in [0, 1), default 0
    weight_decay : float >= 0, default 0
    no_decay : tuple of str
        Parameter names (the part after the dot) that get no weight decay.
    """

    def __init__(self, model, lr, momentum=0.0, weight_decay=0.0, no_decay=DEFAULT_NO_DECAY):
        super().__init__(model, lr, weight_decay, no_decay)
        self.momentum = check_finite_real(momentum, "momentum", minimum=0.0)
        if self.momentum >= 1:
            raise ValueError(f"momentum must be in [0, 1); got {momentum}.")
        self.velocity = {}

    def _update(self, key, param, grad):
        if self.momentum:
            if key not in self.velocity:
                self.velocity[key] = np.zeros_like(param)
            v = self.velocity[key]
            v *= self.momentum
            v += grad
            grad = v
        param -= self.lr * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction; weight decay as in PyTorch's Adam (L2).

    Parameters
    ----------
    model : object with dicts params and grads
    lr : float > 0, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay, no_decay : as for SGD
    """

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 no_decay=DEFAULT_NO_DECAY):
        super().__init__(model, lr, weight_decay, no_decay)
        if isinstance(betas, str) or len(check_sequence(betas, "betas", "(0.9, 0.999)")) != 2:
            raise TypeError(f"betas must be a pair (beta1, beta2), e.g. (0.9, 0.999); got "
                            f"{betas!r}.")
        self.beta1, self.beta2 = (check_finite_real(b, "betas", minimum=0.0) for b in betas)
        if not (self.beta1 < 1 and self.beta2 < 1):
            raise ValueError(f"betas must be in [0, 1); got {betas}.")
        self.eps = check_finite_real(eps, "eps", minimum=0.0, exclusive=True)
        self.m, self.v, self.t = {}, {}, 0

    def step(self):
        self.t += 1
        super().step()

    def _update(self, key, param, grad):
        if key not in self.m:  # first step: moments start at zero
            self.m[key], self.v[key] = np.zeros_like(param), np.zeros_like(param)
        m, v = self.m[key], self.v[key]
        m *= self.beta1
        m += (1 - self.beta1) * grad
        v *= self.beta2
        v += (1 - self.beta2) * grad * grad
        if not np.isfinite(v).all():  # would silently make the step 0, not lr * sign(grad)
            raise DivergedError(f"the gradient of {key!r} is so large (beyond 1e154) that its "
                                "square overflows: the loss diverged; lower the learning rate.")
        m_hat = m / (1 - self.beta1**self.t)
        v_hat = v / (1 - self.beta2**self.t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
