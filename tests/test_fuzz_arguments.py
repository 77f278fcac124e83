"""Fuzzing every public helper with bad arguments (see tests/fuzzing.py for the rule).

Each entry of CALLS is one public function or method with a valid value and a kind for each
parameter. Hypothesis replaces one parameter at a time by a value its kind calls invalid; the
helper must raise a clear TypeError/ValueError naming that parameter. An invalid value that is
accepted fails the test too: that is how silent wrong answers show up.
"""

import dataclasses
import functools

import matplotlib.pyplot as plt
import numpy as np
import pytest
from fuzzing import (
    BOOL,
    CALLABLE,
    FUZZ,
    LAYER,
    RNG,
    SEED,
    TEXT,
    Array,
    Choice,
    Instance,
    Int,
    Kind,
    Optional,
    Real,
    Seq,
    anything,
    check_error,
    is_int,
    real_array,
    record,
    write_report,
)
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers import (
    activations,
    checking,
    data,
    diagnostics,
    experiments,
    gradcheck,
    init,
    layers,
    losses,
    models,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    optim,
    parallel,
    plotting,
    propagation,
    scalers,
    selu_theory,
    training,
    widgets,
)
from helpers.activations import ACTIVATIONS
from helpers.init import INITS


@dataclasses.dataclass
class P:
    """A parameter: a factory for a valid value, its kind, and the names its error may use."""

    make: object
    kind: Kind
    names: tuple = ()

    def value(self):
        """A fresh valid value: `make` is a constant or a zero-argument factory."""
        return self.make() if callable(self.make) else self.make


def rng():
    return np.random.default_rng(0)


@functools.cache
def split():
    return experiments.standardized(data.load_digits(seed=0))


def net(activation="relu", **kw):
    return models.mlp(64, [8], 10, rng=rng(), activation=activation, **kw)


def X():  # noqa: N802 (a data matrix)
    return split().X_train[:20]


def y():
    return split().y_train[:20]


Z = lambda: np.linspace(-2.0, 2.0, 12).reshape(4, 3)  # noqa: E731
Z3 = lambda: np.linspace(-2.0, 2.0, 72).reshape(4, 3, 6) ** 3  # noqa: E731 (sequences)
LN_SHAPE = Kind(lambda v: is_int(v, 1) or isinstance(v, tuple | list) and 1 <= len(v) <= 2
                and all(is_int(x, 1) for x in v), [0, (), (1, 2, 3), (0, 3)], "normalized shape")
AX = Optional(Instance(Axes))
FIG = Instance(Figure)
NAMES = set(ACTIVATIONS)
ACT_KIND = Choice(NAMES)
ARRAY = Array()
MATRIX = Array(ndim=2)
VECTORS_OR_SEQUENCES = Kind(lambda v: real_array(v) is not None and real_array(v).ndim in (2, 3),
                            [np.ones(5), np.ones((2, 3, 4, 5))], "(N, D) or (N, C, L)")
DATA = Array(ndim=2, shape=(20, 64), finite=True)


def labels_kind(top):
    """Class indices for the 20 samples of X(): integers (or integral floats) in [0, top)."""
    def valid(v):
        a = real_array(v)
        if a is None or a.shape != (20,) or a.dtype.kind == "b":
            return False
        if a.dtype.kind == "f" and not np.all(a == np.round(a)):
            return False
        return bool(((a >= 0) & (a < top)).all())
    return Kind(valid, [np.full(20, top), np.full(20, -1), np.full(20, 0.5), np.zeros(19, int),
                        [[0] * 20]], f"labels < {top}")


LABELS = labels_kind(10)
SPLIT = Instance(data.Split)
MODEL = Instance(layers.Sequential)
SLOPE = Real()
RATE = Real(0.0, 1.0, exclusive_max=True)
POS = Real(0.0, exclusive=True)
NONNEG = Real(0.0)
SEEDS = Seq(SEED)
DATA_SEED = Int(0, 2**32 - 1)  # scikit-learn's range
HIDDEN0 = Seq(Int(1), min_len=0)  # no hidden layer: softmax regression
F64 = Kind(lambda v: isinstance(v, np.ndarray) and v.dtype == np.float64 and v.flags.writeable
           and not isinstance(v, np.ma.MaskedArray), [np.ones(3, int),
                                                                            [1.0, 2.0]], "float64")
GRID = Array(ndim=1, min_size=2, finite=True)
STEP = Real(1e-12, 0.1)  # a finite-difference step (helpers.gradcheck)
F64_FINITE = Kind(lambda v: F64.valid(v) and bool(np.isfinite(v).all()),
                  [*F64.extra, np.array([np.inf, 1.0])], "finite float64")
ANY_LABELS = labels_kind(2**31)
SENTENCE = Kind(lambda v: isinstance(v, str) and bool(v.strip()), ["", "  "], "sentence")


def axes_pair():
    return list(plt.subplots(1, 2)[1])


AXES = Optional(Kind(lambda v: isinstance(v, list | tuple | np.ndarray) and len(v) >= 2
                     and all(isinstance(a, Axes) for a in v), [], "axes"))


def elementwise_calls():
    calls = {}
    for name in ["relu", "relu_grad", "selu", "selu_grad", "gelu", "gelu_grad", "silu",
                 "silu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "linear",
                 "linear_grad"]:
        calls[f"activations.{name}"] = (getattr(activations, name), {"z": P(Z, ARRAY)})
    for name in ["leaky_relu", "leaky_relu_grad"]:
        calls[f"activations.{name}"] = (getattr(activations, name),
                                        {"z": P(Z, ARRAY), "negative_slope": P(0.1, SLOPE)})
    for name in ["elu", "elu_grad"]:
        calls[f"activations.{name}"] = (getattr(activations, name),
                                        {"z": P(Z, ARRAY), "alpha": P(1.0, NONNEG)})
    slope = Kind(lambda v: SLOPE.valid(v) or (Array(shape=(3,)).valid(v) or Array(
        shape=()).valid(v)) and np.asarray(v).dtype.kind != "b", [np.ones(4), [1, 2]],
                 "slope(s)")
    channels = Kind(lambda v: Array().valid(v) and np.ndim(v) >= 2 and np.shape(v)[1] == 3,
                    [np.ones((4, 5)), np.ones(3)], "channels on axis 1")
    for name in ["prelu", "prelu_grad"]:
        calls[f"activations.{name}"] = (getattr(activations, name), {
            "z": P(Z, channels), "negative_slope": P(lambda: np.full(3, 0.25), slope),
            "axis": P(1, Int(-2, 1))})
    calls["activations.prelu_backward"] = (activations.prelu_backward, {
        "dout": P(Z, Array(shape=(4, 3))), "z": P(Z, Kind(lambda v: Array(shape=(4, 3)).valid(v),
                                                           [np.ones((4, 5))], "(4, 3)")),
        "negative_slope": P(lambda: np.full(3, 0.25), slope), "axis": P(1, Int(-2, 1))})
    calls["activations.get_activation"] = (activations.get_activation, {
        "name": P("relu", ACT_KIND, ("activation",))})
    return calls


def _forward(layer_factory, x):
    return layer_factory().forward(x)


def _backward(layer_factory, dout, x=None):
    layer = layer_factory()
    layer.forward(Z() if x is None else x)
    return layer.backward(dout)


def layer_calls():
    linear = functools.partial(layers.Linear, 3, 2, rng=rng())
    bn = functools.partial(layers.BatchNorm1d, 3)
    ln = functools.partial(layers.LayerNorm, 3)
    rms = functools.partial(layers.RMSNorm, 3)
    res = functools.partial(layers.Residual, layers.Sequential(layers.Linear(3, 3, rng=rng()),
                                                               layers.ReLU()))
    prelu = functools.partial(layers.PReLU, 3)
    drop = functools.partial(layers.Dropout, 0.5, rng=rng())
    alpha = functools.partial(layers.AlphaDropout, 0.5, rng=rng())
    relu = layers.ReLU
    calls = {
        "layers.Linear": (layers.Linear, {
            "in_features": P(3, Int(1)), "out_features": P(2, Int(1)), "rng": P(rng, RNG),
            "init": P("he", Choice(set(INITS))), "negative_slope": P(0.0, SLOPE)}),
        "layers.elementwise": (layers.elementwise, {"name": P("relu", ACT_KIND, ("activation",))}),
        "layers.LeakyReLU": (layers.LeakyReLU, {"negative_slope": P(0.1, SLOPE)}),
        "layers.ELU": (layers.ELU, {"alpha": P(1.0, NONNEG)}),
        "layers.PReLU": (layers.PReLU, {"num_parameters": P(3, Int(1)),
                                        "negative_slope": P(0.25, SLOPE)}),
        "layers.BatchNorm1d": (layers.BatchNorm1d, {"num_features": P(3, Int(1)),
                                                    "eps": P(1e-5, POS),
                                                    "momentum": P(0.1, Real(0.0, 1.0))}),
        "layers.LayerNorm": (layers.LayerNorm, {"normalized_shape": P(3, LN_SHAPE),
                                                "eps": P(1e-5, POS)}),
        "layers.Conv1d": (layers.Conv1d, {
            "in_channels": P(3, Int(1)), "out_channels": P(2, Int(1)),
            "kernel_size": P(2, Int(1)), "stride": P(1, Int(1)), "padding": P(0, Int(0)),
            "rng": P(rng, RNG), "init": P("he", Choice(set(INITS))),
            "negative_slope": P(0.0, SLOPE)}),
        "layers.GroupNorm": (functools.partial(layers.GroupNorm, num_channels=6), {
            "num_groups": P(3, Kind(lambda v: is_int(v, 1) and 6 % v == 0, [4, 0], "divisor")),
            "eps": P(1e-5, POS)}),
        "layers.GroupNorm(channels)": (functools.partial(layers.GroupNorm, 1), {
            "num_channels": P(6, Int(1))}),
        "layers.InstanceNorm1d": (layers.InstanceNorm1d, {"num_features": P(3, Int(1)),
                                                          "eps": P(1e-5, POS)}),
        "layers.Reshape": (layers.Reshape, {"shape": P((1, 12), Kind(
            lambda v: isinstance(v, tuple | list) and 1 <= len(v) <= 2 and list(v).count(-1) <= 1
            and all(x == -1 or is_int(x, 1) for x in v) and all(is_int(x) for x in v),
            [(0, 3), (), (1, 2, 3), (-1, -1), (1.0, 3)], "sample shape"))}),
        "layers.RMSNorm": (layers.RMSNorm, {"num_features": P(3, Int(1)), "eps": P(1e-5, POS)}),
        "layers.Residual": (layers.Residual, {"block": P(relu, LAYER)}),
        "layers.Dropout": (layers.Dropout, {"rate": P(0.5, RATE), "rng": P(rng, RNG)}),
        "layers.AlphaDropout": (layers.AlphaDropout, {"rate": P(0.5, RATE), "rng": P(rng, RNG)}),
        "layers.leaf_layers": (layers.leaf_layers, {"model": P(net, LAYER)}),
        "layers.Residual.skip": (lambda x, branch: layers.Residual(layers.ReLU()).skip(x, branch), {
            "x": P(Z, Array(shape=(4, 3))), "branch": P(Z, Array(shape=(4, 3)))}),
        "layers.Sequential": (lambda first, second: layers.Sequential(first, second), {
            "first": P(linear, LAYER, ("layer 0",)), "second": P(relu, LAYER, ("layer 1",))}),
    }
    x_kind = Array(ndim=2, finite=True, min_size=1)
    for name, factory, kind in [("Linear", linear, Array(ndim=2, finite=True, min_size=1)),
                                ("BatchNorm1d", bn, x_kind), ("LayerNorm", ln, x_kind),
                                ("RMSNorm", rms, x_kind), ("Residual", res, x_kind),
                                ("PReLU", prelu, VECTORS_OR_SEQUENCES), ("Dropout", drop, ARRAY),
                                ("AlphaDropout", alpha, ARRAY), ("ReLU", relu, ARRAY)]:
        if name in ("Linear", "BatchNorm1d", "LayerNorm", "RMSNorm", "Residual", "PReLU"):
            kind = Kind(lambda v, k=kind, n=name: k.valid(v) and np.asarray(v).shape[1] == 3
                        and (n != "BatchNorm1d" or np.asarray(v).shape[0] >= 2),
                        [np.ones((4, 5)), np.ones((1, 3))], f"(N, 3) {name} input")
        calls[f"layers.{name}.forward"] = (functools.partial(_forward, factory),
                                           {"x": P(Z, kind)})
        out_shape = (4, 2) if name == "Linear" else (4, 3)
        calls[f"layers.{name}.backward"] = (functools.partial(_backward, factory), {
            "dout": P(lambda s=out_shape: np.ones(s), Array(shape=out_shape), ("dout",))})
    # the layers for sequences (N, C, L), on x of shape (4, 3, 6)
    conv = functools.partial(layers.Conv1d, 3, 2, 3, stride=2, padding=1, rng=rng())
    for name, factory, out_shape in [
            ("Conv1d", conv, (4, 2, 3)), ("GroupNorm", functools.partial(layers.GroupNorm, 1, 3),
                                          (4, 3, 6)),
            ("InstanceNorm1d", functools.partial(layers.InstanceNorm1d, 3), (4, 3, 6)),
            ("LayerNorm((3, 6))", functools.partial(layers.LayerNorm, (3, 6)), (4, 3, 6)),
            ("BatchNorm1d(sequences)", bn, (4, 3, 6)), ("PReLU(sequences)", prelu, (4, 3, 6)),
            ("Flatten", layers.Flatten, (4, 18))]:
        shape = (4, 3, 6) if name.startswith("LayerNorm") else None
        vectors_too = name in ("GroupNorm", "BatchNorm1d(sequences)", "PReLU(sequences)")
        min_length = 2 if name == "InstanceNorm1d" else 1
        is_bn = name.startswith("BatchNorm")
        kind = Kind(lambda v, s=shape, both=vectors_too, bn=is_bn, m=min_length: (
            Array(ndim=3, finite=True).valid(v) and np.asarray(v).shape[1] == 3
            and (s is None or np.asarray(v).shape == s) and np.asarray(v).shape[2] >= m
            and (not bn or np.asarray(v).shape[0] * np.asarray(v).shape[2] >= 2)) or (
            both and Array(ndim=2, finite=True, min_size=1).valid(v)
            and np.asarray(v).shape[1] == 3 and np.asarray(v).shape[0] >= (2 if bn else 1)),
            [np.ones((4, 5, 6)), np.ones((4, 3)), np.ones((4, 3, 1))], f"(N, 3, L) {name} input")
        if name == "Flatten":
            kind = Kind(lambda v: Array(ndim=3).valid(v) and np.asarray(v).size > 0 or
                        Array(ndim=2).valid(v) and np.asarray(v).shape[0] > 0,
                        [np.ones(5), np.ones((0, 3))], "(N, ...) Flatten input")
        calls[f"layers.{name}.forward"] = (functools.partial(_forward, factory),
                                           {"x": P(Z3, kind)})
        calls[f"layers.{name}.backward"] = (functools.partial(_backward, factory, x=Z3()), {
            "dout": P(lambda s=out_shape: np.ones(s), Array(shape=out_shape), ("dout",))})
    return calls


def _step(optimizer, model_grad):
    model = net()
    model.forward(X())
    model.backward(np.ones((20, 10)))
    model.layers[0].grads["W"] = model_grad
    return optimizer(model).step()


def _fit(model, optimizer, **kw):
    """fit with an optimizer built for `model` (or, when model is the bad value, another one)."""
    if isinstance(optimizer, functools.partial):
        optimizer = optimizer(model if isinstance(model, layers.Sequential) else net())
    return training.fit(model, optimizer, **kw)


def core_calls():
    optimizer_kinds = {"lr": P(0.01, POS), "weight_decay": P(0.0, NONNEG),
                       "no_decay": P(("b",), Seq(TEXT, min_len=0))}
    betas = Kind(lambda v: isinstance(v, tuple | list) and len(v) == 2
                 and all(Real(0.0, 1.0, exclusive_max=True).valid(b) for b in v),
                 [(0.9,), (1.0, 0.9), (0.9, -0.1)], "betas")
    activation_params = Optional(Kind(
        lambda v: isinstance(v, dict) and set(v) <= {"negative_slope"}
        and all(SLOPE.valid(x) for x in v.values()), [{"slope": 0.2}], "activation_params"))
    callbacks = Optional(Kind(lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and callable(f) for k, f in v.items()),
        [{"a": 1}, ["a"], {1: print}], "callbacks"))
    return {
        "init.he_normal": (init.he_normal, {"fan_in": P(3, Int(1)), "fan_out": P(2, Int(1)),
                                            "negative_slope": P(0.0, SLOPE), "rng": P(rng, RNG)}),
        "init.lecun_normal": (init.lecun_normal, {"fan_in": P(3, Int(1)),
                                                  "fan_out": P(2, Int(1)), "rng": P(rng, RNG)}),
        "init.glorot_normal": (init.glorot_normal, {"fan_in": P(3, Int(1)),
                                                    "fan_out": P(2, Int(1)), "rng": P(rng, RNG)}),
        "init.rai": (init.rai, {"fan_in": P(3, Int(1)), "fan_out": P(2, Int(1)),
                                "rng": P(rng, RNG), "n_layers": P(None, Optional(Int(1)))}),
        "init.second_moment": (init.second_moment, {
            "activation": P("gelu", Choice(set(ACTIVATIONS))), "std": P(1.0, POS)}),
        "init.matched_gain": (init.matched_gain, {
            "activation": P("silu", Choice(set(ACTIVATIONS)))}),
        "init.initialise": (init.initialise, {
            "name": P("he", Choice(set(INITS)), ("init",)), "fan_in": P(3, Int(1)),
            "fan_out": P(2, Int(1)), "rng": P(rng, RNG), "negative_slope": P(0.0, SLOPE)}),
        "losses.check_labels": (losses.check_labels, {
            "labels": P(y, LABELS), "n_samples": P(20, Int(0)),
            "n_classes": P(10, Optional(Int(1)))}),
        "losses.softmax_cross_entropy": (losses.softmax_cross_entropy, {
            "logits": P(lambda: np.zeros((20, 10)), Array(shape=(20, 10), finite=True)),
            "labels": P(y, LABELS)}),
        "models.mlp": (models.mlp, {
            "n_in": P(64, Int(1)), "hidden": P([8], HIDDEN0), "n_out": P(10, Int(1)),
            "rng": P(rng, RNG), "activation": P("relu", ACT_KIND),
            "init": P(None, Optional(Choice(set(INITS)))),
            "norm": P(None, Optional(Choice({"batch", "layer", "rms"}))),
            "dropout": P(0.0, RATE),
            "dropout_kind": P(None, Optional(Choice({"standard", "alpha"}))),
            "activation_params": P(None, activation_params), "residual": P(False, BOOL)}),
        "models.cnn": (models.cnn, {
            "length": P(40, Int(1)), "n_out": P(10, Int(1)), "rng": P(rng, RNG),
            "channels": P((5, 5), Seq(Int(1))), "kernel_sizes": P((5, 3), Seq(Int(1))),
            "stride": P(2, Int(1)), "padding": P(1, Int(0)), "activation": P("relu", ACT_KIND),
            "init": P(None, Optional(Choice({*INITS, "matched"}))),
            "norm": P(None, Optional(Choice({"batch", "layer", "instance", "group"}))),
            "groups": P(5, Int(1)), "activation_params": P(None, activation_params)}),
        "models.mlp(prelu)": (functools.partial(models.mlp, 64, [8], 10, activation="prelu"), {
            "rng": P(rng, RNG), "activation_params": P({"channelwise": True}, Optional(Kind(
                lambda v: isinstance(v, dict) and set(v) <= {"negative_slope", "channelwise"}
                and all(BOOL.valid(x) if k == "channelwise" else SLOPE.valid(x)
                        for k, x in v.items()), [{"channelwise": "no"}], "prelu params")))}),
        "optim.SGD": (optim.SGD, {"model": P(net, LAYER), **optimizer_kinds,
                                  "momentum": P(0.9, Real(0.0, 1.0, exclusive_max=True))}),
        "optim.Adam": (optim.Adam, {"model": P(net, LAYER), **optimizer_kinds, "betas":
                                    P((0.9, 0.999), betas), "eps": P(1e-8, POS)}),
        "optim.Adam.step": (functools.partial(_step, functools.partial(optim.Adam, lr=0.01)), {
            "model_grad": P(lambda: np.zeros((64, 8)), Array(shape=(64, 8)), ("W", "grad"))}),
        "training.fit": (_fit, {
            "model": P(net, MODEL), "optimizer": P(lambda: functools.partial(optim.SGD, lr=0.1),
                                                   Instance(optim.Optimizer, functools.partial)),
            "X_train": P(X, DATA), "y_train": P(y, LABELS), "epochs": P(1, Int(0)),
            "batch_size": P(8, Int(1)), "rng": P(rng, RNG), "callbacks": P(None, callbacks),
            "warmup_steps": P(0, Int(0)), "record_train": P(True, BOOL)}),
        "training.evaluate": (training.evaluate, {"model": P(net, MODEL), "X": P(X, DATA),
                                                  "y": P(y, LABELS)}),
        "training.check_data": (training.check_data, {"X": P(X, Array(ndim=2, finite=True,
                                                                      min_size=1)),
                                                      "y": P(y, Optional(ANY_LABELS))}),
        "training.in_mode": (lambda model, training_: training.in_mode(
            model, training=training_).__enter__(), {"model": P(net, LAYER),
                                                    "training_": P(True, BOOL, ("training",))}),
        "training.evaluating": (lambda model: training.evaluating(model).__enter__(),
                                {"model": P(net, LAYER)}),
        "scalers.StandardScaler.fit": (lambda X: scalers.StandardScaler().fit(X),
                                       {"X": P(X, Array(ndim=2, finite=True, min_size=1))}),
        "scalers.MinMaxScaler.fit": (lambda X: scalers.MinMaxScaler().fit(X),
                                     {"X": P(X, Array(ndim=2, finite=True, min_size=1))}),
        "scalers.StandardScaler.transform": (lambda X_: scalers.StandardScaler().fit(
            X()).transform(X_), {"X_": P(X, DATA, ("X",))}),
        "scalers.MinMaxScaler.inverse_transform": (lambda X_: scalers.MinMaxScaler().fit(
            X()).inverse_transform(X_), {"X_": P(X, DATA, ("X",))}),
        "data.load_digits": (data.load_digits, {"seed": P(0, DATA_SEED), "val_size": P(0.2, Real(
            0.0, 0.8, exclusive=True, exclusive_max=True)), "test_size": P(0.2, Real(
                0.0, 0.8, exclusive=True, exclusive_max=True))}),
        "data.load_wine": (data.load_wine, {"seed": P(0, DATA_SEED)}),
        "data.load_mnist1d": (data.load_mnist1d, {"seed": P(0, DATA_SEED), "val_size": P(0.2, Real(
            0.0, 1.0, exclusive=True, exclusive_max=True)),
            "standardize": P("train", Choice({"train", "generator"}))}),
        "gradcheck.relative_error": (gradcheck.relative_error, {
            "analytic": P(Z, ARRAY), "numeric": P(Z, Array(shape=(4, 3)))}),
        "gradcheck.elementwise_derivative": (gradcheck.elementwise_derivative, {
            "f": P(lambda: activations.relu, CALLABLE), "z": P(Z, Array(finite=True)),
            "eps": P(1e-3, STEP)}),
        "gradcheck.numerical_gradient": (gradcheck.numerical_gradient, {
            "f": P(lambda: np.sin, CALLABLE), "x": P(Z, F64_FINITE),
            "dout": P(None, Optional(Array(shape=(4, 3)))), "eps": P(1e-6, STEP)}),
        "gradcheck.check_layer": (gradcheck.check_layer, {
            "layer": P(layers.ReLU, LAYER), "x": P(Z, Kind(
                lambda v: F64_FINITE.valid(v) and v.ndim == 2 and v.size > 0, [np.ones(3)],
                "x")),
            "seed": P(0, SEED), "eps": P(1e-6, STEP)}),
        "selu_theory.moment_map": (selu_theory.moment_map, {
            "mu": P(0.0, Real()), "nu": P(1.0, POS), "omega": P(0.0, Real()),
            "tau": P(1.0, POS), "alpha": P(1.67, POS), "lam": P(1.05, POS)}),
        "selu_theory.moment_map_jacobian": (selu_theory.moment_map_jacobian, {
            "mu": P(0.0, Real()), "nu": P(1.0, POS), "omega": P(0.0, Real()),
            "tau": P(1.0, POS), "alpha": P(1.67, POS), "lam": P(1.05, POS)}),
        "selu_theory.iterate_moment_map": (selu_theory.iterate_moment_map, {
            "mu": P(0.0, Real()), "nu": P(1.0, POS), "steps": P(3, Int(0))}),
        "selu_theory.layer_moment_map": (selu_theory.layer_moment_map, {
            "mu": P(0.0, Real()), "nu": P(1.0, POS), "tau": P(1.0, POS),
            "alpha": P(1.67, POS), "lam": P(1.05, POS), "nodes": P(5, Int(1))}),
        "selu_theory.derive_selu_constants": (selu_theory.derive_selu_constants, {
            "mean": P(0.0, Real()), "var": P(1.0, POS), "omega": P(0.0, Real()),
            "tau": P(1.0, POS)}),
        "selu_theory.alpha_dropout_affine": (selu_theory.alpha_dropout_affine, {
            "rate": P(0.1, RATE),
            "alpha": P(1.67, POS), "lam": P(1.05, POS)}),
    }


def shared_calls():
    stats = propagation.propagate_seeds("relu", seeds=[0, 1], depth=3, width=8)
    return {
        "diagnostics.preactivations": (diagnostics.preactivations, {"model": P(net, MODEL),
                                                                    "X": P(X, DATA)}),
        "diagnostics.dead_fractions": (diagnostics.dead_fractions, {"model": P(net, MODEL),
                                                                    "X": P(X, DATA)}),
        "diagnostics.near_zero_fractions": (diagnostics.near_zero_fractions, {
            "model": P(net, MODEL), "X": P(X, DATA), "threshold": P(1e-3, NONNEG)}),
        "diagnostics.activation_statistics": (diagnostics.activation_statistics, {
            "model": P(net, MODEL), "X": P(X, DATA)}),
        "diagnostics.gradient_norms": (diagnostics.gradient_norms, {
            "model": P(net, LAYER), "name": P("W", Choice({"W", "b"}))}),
        "diagnostics.hidden_weight_gradient_norms": (diagnostics.hidden_weight_gradient_norms, {
            "model": P(net, LAYER), "X": P(X, DATA), "y": P(y, LABELS)}),
        "diagnostics.parameter_count": (diagnostics.parameter_count, {
            "model": P(net, LAYER), "name": P(None, Optional(Choice({"W", "b"})))}),
        "diagnostics.prelu_slopes": (diagnostics.prelu_slopes, {
            "model": P(lambda: net("prelu"), MODEL)}),
        "diagnostics.layer_output_statistics": (diagnostics.layer_output_statistics, {
            "model": P(net, MODEL), "X": P(X, DATA), "layer_type": P(lambda: layers.ReLU, Kind(
                lambda v: isinstance(v, type) and issubclass(v, layers.Layer), [int, "ReLU"],
                "layer class")), "training": P(False, BOOL)}),
        "experiments.scaled": (experiments.scaled, {
            "split": P(lambda: data.load_wine(seed=0), SPLIT),
            "scaler": P(lambda: scalers.StandardScaler().fit(data.load_wine(seed=0).X_train),
                        Instance(scalers.StandardScaler,
                                                         scalers.MinMaxScaler))}),
        "experiments.standardized": (experiments.standardized, {
            "split": P(lambda: data.load_wine(seed=0), SPLIT)}),
        "experiments.standardized_digits": (experiments.standardized_digits, {"seed": P(0, SEED)}),
        "experiments.train_mlp": (experiments.train_mlp, {
            "data": P(split, SPLIT), "seed": P(0, SEED), "activation": P("relu", ACT_KIND),
            "hidden": P([8], HIDDEN0), "optimizer": P("adam", Choice({"adam", "sgd"})),
            "lr": P(0.01, POS), "momentum": P(0.9, Real(0.0, 1.0, exclusive_max=True)),
            "weight_decay": P(0.0, NONNEG), "epochs": P(1, Int(0)), "batch_size": P(64, Int(1)),
            "norm": P(None, Optional(Choice({"batch", "layer", "rms"}))), "dropout": P(0.0, RATE),
            "init": P(None, Optional(Choice(set(INITS)))),
            "setup": P(None, Optional(CALLABLE)), "warmup_steps": P(0, Int(0)),
            "residual": P(False, BOOL), "record_train": P(False, BOOL)}),
        "experiments.repeat": (experiments.repeat, {"data": P(split, SPLIT),
                                                    "seeds": P([0], SEEDS)}),
        "experiments.sweep": (experiments.sweep, {
            "data": P(split, SPLIT), "configs": P({"a": {"lr": 0.01}}, Kind(
                lambda v: isinstance(v, dict) and v and all(isinstance(c, dict)
                                                            for c in v.values()),
                [{"a": 0.01}, {"a": ["lr"]}], "configs")), "seeds": P([0], SEEDS)}),
        "experiments.nudge_first_layer": (experiments.nudge_first_layer,
                                          {"model": P(net, LAYER)}),
        "experiments.perturbation_study": (experiments.perturbation_study, {
            "data": P(split, SPLIT), "lrs": P([0.01], Seq(POS)), "seeds": P([0], SEEDS)}),
        "experiments.accuracy_summary": (experiments.accuracy_summary, {
            "runs": P(lambda: [experiments.Run(None, {}, 0.5, 0.1)], Seq(Instance(
                experiments.Run)))}),
        "parallel.parallel_map": (parallel.parallel_map, {
            "fn": P(lambda: abs, CALLABLE), "items": P([1, -2], Seq(Kind(lambda v: True),
                                                                    min_len=0)),
            "workers": P(1, Optional(Int(1))), "desc": P(None, Optional(TEXT))}),
        "propagation.propagate": (propagation.propagate, {
            "activation": P("relu", ACT_KIND), "depth": P(3, Int(1)), "width": P(8, Int(1)),
            "rng": P(rng, RNG), "init": P("he", Choice(set(INITS))), "gain": P(1.0, POS),
            "n_samples": P(16, Int(2)), "input_mean": P(0.0, Real()),
            "input_std": P(1.0, POS)}),
        "propagation.propagate_seeds": (propagation.propagate_seeds, {
            "activation": P("relu", ACT_KIND), "seeds": P([0], SEEDS), "depth": P(3, Int(1)),
            "width": P(8, Int(1))}),
        **mean_field_calls(),
        "plotting.plot_layer_curves": (plotting.plot_layer_curves, {
            "curves": P({"a": [[1.0, 2.0]]}, Kind(lambda v: isinstance(v, dict) and v and all(
                Array(ndim=2).valid(c) or Array(ndim=1).valid(c) for c in v.values()),
                [{"a": "x"}, {"a": np.ones((2, 2, 2))}], "curves")),
            "ylabel": P("y", TEXT), "title": P("t", TEXT), "logy": P(False, BOOL),
            "ax": P(None, AX), "start": P(1, Int(0)),
            "ylim": P(None, Optional(Kind(lambda v: isinstance(v, tuple | list) and len(v) == 2
                                          and all(Real().valid(b) for b in v), [], "ylim")))}),
        "plotting.plot_activation_pairs": (plotting.plot_activation_pairs, {
            "names": P(["relu"], Seq(ACT_KIND)), "z": P(None, Optional(GRID)),
            "axes": P(None, AXES)}),
        "plotting.plot_sweep": (plotting.plot_sweep, {
            "x": P([0.1, 1.0], Kind(lambda v: Array(shape=(2,), finite=True).valid(v)
                                    and bool((np.asarray(v) > 0).all()), [[0.0, 1.0]], "x")),
            "curves": P({"a": [[1.0], [2.0]]}, Kind(lambda v: isinstance(v, dict) and v and all(
                Array(shape=(2, 1)).valid(c) or Array(shape=(2,)).valid(c) for c in v.values()),
                [{"a": [1.0]}, {"a": "x"}], "curves")),
            "xlabel": P("x", TEXT), "ylabel": P("y", TEXT), "title": P("t", TEXT),
            "ax": P(None, AX), "logx": P(True, BOOL)}),
        "plotting.plot_seed_boxes": (plotting.plot_seed_boxes, {
            "values": P({"a": [1.0, 2.0]}, Kind(lambda v: isinstance(v, dict) and v and all(
                Array(min_size=1).valid(c) and np.ndim(c) <= 1 for c in v.values()),
                [{"a": "x"}], "values")), "ylabel": P("y", TEXT), "title": P("t", TEXT),
            "ax": P(None, AX)}),
        "widgets.show": (widgets.show, {"fig": P(plt.figure, FIG)}),
        "widgets.explorer_figure": (widgets.explorer_figure, {
            "ncols": P(2, Int(1, 4)), "figsize": P((11, 4), Kind(
                lambda v: isinstance(v, tuple | list | np.ndarray) and np.shape(v) == (2,)
                and all(POS.valid(b) for b in v), [(0, 4), (11,), (11, np.inf)], "figsize"))}),
        "plotting.curve_style": (plotting.curve_style, {"i": P(0, Int(0)),
                                                        "n_points": P(10, Int(1))}),
        "checking.Hint": (checking.Hint, {"levels": P(["names it.", "the code."], Seq(SENTENCE)),
                                          "key": P(None, Optional(SENTENCE))}),
        "checking.Hint.text": (lambda attempt: checking.Hint(["a.", "b."]).text(attempt), {
            "attempt": P(2, Int(1))}),
        "checking.checker": (checking.checker, {"check": P(lambda: _a_check, CALLABLE)}),
        "checking.difference": (checking.difference, {
            "out": P([1.0, 2.0], Array(shape=(2,))), "expected": P([1.0, 3.0], Array(shape=(2,))),
            "scale": P(0.0, NONNEG)}),
        "checking.check_cases": (functools.partial(checking.check_cases, np.abs), {
            "cases": P(lambda: [checking.Case((np.ones(2),), "ones")], Kind(
                lambda v: isinstance(v, list | tuple) and v and all(
                    isinstance(c, checking.Case) for c in v), [[], [(1.0,)]], "cases")),
            "reference": P(lambda: np.abs, CALLABLE), "scale": P(0.0, NONNEG),
            "mistakes": P((), Kind(lambda v: isinstance(v, list | tuple) and all(
                isinstance(m, tuple | list) and len(m) == 2 and callable(m[0]) for m in v),
                [[np.abs], [("a", "b")]], "mistakes")),
            "diagnose": P(None, Optional(CALLABLE))}),
        "checking.shape_label": (checking.shape_label, {"z": P(Z, Instance(np.ndarray,
                                                                             np.generic))}),
        "checking.checked": (checking.checked, {"claim": P("it holds", Kind(
            lambda v: isinstance(v, str) and bool(v.strip()) and "\n" not in v
            and "\r" not in v, ["", "  ", "a\nb"], "claim"))}),
        "nb00.plot_propagation": (nb00.plot_propagation, {
            "runs": P({"relu": stats}, Kind(lambda v: isinstance(v, dict) and v and all(
                isinstance(s, propagation.LayerStats) for s in v.values()), [{"a": 1}],
                "runs")), "axes": P(None, AXES)}),
        "nb00.propagation_figure": (nb00.propagation_figure, {
            "depth": P(3, Int(1)), "width": P(8, Int(1)), "gain": P(1.0, POS),
            "seeds": P([0], SEEDS), "n_samples": P(16, Int(2))}),
        "nb00.propagation_explorer": (nb00.propagation_explorer, {"seeds": P([0], SEEDS)}),
    }


CORRELATION = Real(-1.0, 1.0)
MEAN_FIELD = {"activation": P("tanh", ACT_KIND), "init": P("glorot", Choice(set(INITS))),
              "gain": P(1.2, POS)}


def mean_field_calls():
    """helpers.propagation's mean-field maps and nb00's deep dive on them."""
    settings = Kind(lambda v: isinstance(v, dict) and bool(v) and all(
        isinstance(s, tuple | list) and len(s) == 3 and isinstance(s[0], str) and s[0] in NAMES
        and isinstance(s[1], str) and s[1] in INITS and POS.valid(s[2]) for s in v.values()),
        [{}, {"a": "relu"}, {"a": ("relu", "he")}, {"a": ("swish", "he", 1.0)},
         {"a": (["relu"], "he", 1.0)}, {"a": ("relu", "he", 0.0)}], "settings")
    small = {"r": ("relu", "he", 1.0)}
    correlations = nb00.correlation_curves(small, depth=3, width=4, n_networks=2)
    spreads = nb00.log_variance_spread(depth=3, widths=(4,), n_networks=3)
    return {
        "propagation.variance_map": (propagation.variance_map, {
            **MEAN_FIELD, "q": P(0.5, POS)}),
        "propagation.variance_map_slope": (propagation.variance_map_slope, {
            **MEAN_FIELD, "q": P(0.5, POS)}),
        "propagation.chi1": (propagation.chi1, {**MEAN_FIELD, "q": P(0.5, POS)}),
        "propagation.correlation_map": (propagation.correlation_map, {
            **MEAN_FIELD, "c": P(0.5, CORRELATION), "q": P(0.5, POS)}),
        "propagation.variance_fixed_point": (propagation.variance_fixed_point, MEAN_FIELD),
        "propagation.mean_field": (propagation.mean_field, {
            **MEAN_FIELD, "depth": P(3, Int(1)), "c_in": P(0.5, CORRELATION),
            "q_in": P(1.0, POS)}),
        "propagation.propagate_pair": (propagation.propagate_pair, {
            **MEAN_FIELD, "depth": P(3, Int(1)), "width": P(4, Int(1)),
            "n_networks": P(2, Int(1)), "rng": P(rng, RNG), "c_in": P(0.5, CORRELATION)}),
        "propagation.relu_log_variance": (propagation.relu_log_variance, {
            "depth": P(3, Int(1)), "width": P(4, Int(1))}),
        "nb00.order_and_chaos_table": (nb00.order_and_chaos_table, {
            "settings": P(small, Optional(settings))}),
        "nb00.correlation_curves": (nb00.correlation_curves, {
            "settings": P(small, Optional(settings)), "depth": P(3, Int(1)),
            "c_in": P(0.5, CORRELATION), "width": P(4, Int(1)), "n_networks": P(2, Int(1)),
            "seed": P(0, SEED)}),
        "nb00.log_variance_spread": (nb00.log_variance_spread, {
            "depth": P(3, Int(1)), "widths": P((4,), Seq(Int(1))), "n_networks": P(2, Int(1)),
            "seed": P(0, SEED)}),
        "nb00.collinearity_by_layer": (nb00.collinearity_by_layer, {
            "X": P(X, Kind(lambda v: Array(ndim=2, finite=True).valid(v) and np.shape(v)[0] >= 2
                           and np.shape(v)[1] >= 1, [np.ones((1, 3)), np.ones((3, 0))], "X")),
            "depth": P(2, Int(1)), "width": P(4, Int(1)), "seeds": P([0], SEEDS)}),
        "nb00.finite_variance": (nb00.finite_variance, {"logs": P([[1.0], [2.0]],
                                                                  Array(ndim=2))}),
        "nb00.plot_order_and_chaos": (nb00.plot_order_and_chaos, {
            "correlations": P(correlations, Kind(lambda v: v is correlations, [
                {"a": 1}, {"a": ([1.0, 2.0], [[1.0]])}, {"a": ("x", [[1.0]])},
                {"a": ([], np.ones((1, 0)))}], "correlations")),
            "spreads": P(spreads, Kind(lambda v: v is spreads, [
                {("a", 4): [1.0]}, {"a": [[1.0]]}, {("a", 0): [[1.0]]}, {("a", 4): [[]]},
                {("a", "4"): [[1.0]]}], "spreads")),
            "axes": P(None, AXES)}),
    }


def _a_check(answer):
    return checking.correct("right.") if answer == 42 else checking.not_yet("not 42.")


def notebook_calls():
    history = nb01.train_and_track(split(), lr=0.01, seed=0, hidden=(8, 8), epochs=1)
    from test_nb06 import FAKE, fake_table  # a small stored study, made up

    judged_at = nb06.judge_at_budgets(FAKE, fake_table())
    groups = {"activations": {"ReLU": "ReLU"}}
    sources = {"fake": judged_at[None]}
    source_rows = (("A", "SiLU − ReLU", "fake", "SiLU", "ReLU"),)
    JUDGED_AT = Kind(lambda v: v is judged_at, [{}, {1: {}}], "judged_at")
    CONFIGS = Kind(lambda v: v in (["ReLU"], ["SiLU"], ["ReLU", "SiLU"]),
                   [[], ["GELU"], {"a": "b"}], "configs")
    trace = nb04.batchnorm_trace(X(), batch_size=4, steps=3, rng=rng())
    # the batches come from X: at least batch_size (4) rows, feature 0 present
    POPULATION = Kind(lambda v: Array(ndim=2, finite=True).valid(v) and np.shape(v)[0] >= 4
                      and np.shape(v)[1] >= 1, [np.ones((3, 2))], "population")
    slopes_kind = Kind(lambda v: isinstance(v, dict) and v and all(
        Real().valid(s) for s in v.values()), [{"a": "x"}, {"a": [1.0]}], "slopes")
    nb05_kinds = _nb05_kinds()
    return {
        **_nb05_calls(nb05_kinds),
        "nb01.single_point_dead_probability": (nb01.single_point_dead_probability, {
            "width": P(3, Int(1)), "depth": P(2, Kind(lambda v: Int(1).valid(v) or (
                real_array(v) is not None and real_array(v).dtype.kind in "iu"
                and bool((real_array(v) >= 1).all())), [0, [1, 0]], "depth"))}),
        "nb01.born_dead_curve": (nb01.born_dead_curve, {
            "width": P(3, Int(1)), "max_depth": P(3, Int(1)), "n_trials": P(4, Int(1)),
            "n_points": P(4, Int(1)), "rng": P(rng, RNG), "init": P("he", Choice({"he", "rai"}))}),
        "nb01.second_moment_by_layer": (nb01.second_moment_by_layer, {
            "width": P(3, Int(1)), "depth": P(3, Int(1)), "n_trials": P(4, Int(1)),
            "n_points": P(4, Int(1)), "rng": P(rng, RNG), "init": P("he", Choice({"he", "rai"}))}),
        "nb01.bias_setup": (nb01.bias_setup, {"amount": P(0.1, Real())}),
        "nb01.train_and_track": (nb01.train_and_track, {
            "data": P(split, SPLIT), "lr": P(0.01, POS), "seed": P(0, SEED),
            "hidden": P((8,), HIDDEN0), "epochs": P(1, Int(0)), "batch_size": P(64, Int(1)),
            "bias_shift": P(0.0, Real()), "shift_layers": P(None, Optional(Seq(Int(0, 0),
                                                                               min_len=0))),
            "track_weights": P(False, BOOL), "warmup_steps": P(0, Int(0))}),
        "nb01.learning_rate_sweep": (nb01.learning_rate_sweep, {
            "data": P(split, SPLIT), "lrs": P([0.01], Seq(POS)), "seeds": P([0], SEEDS)}),
        "nb01.dead_fraction_history": (nb01.dead_fraction_history, {
            "history": P(history, Kind(lambda v: isinstance(v, dict) and "masks" in v,
                                       [{"a": 1}], "history"))}),
        "nb01.revival_report": (nb01.revival_report, {
            "history": P(history, Kind(lambda v: isinstance(v, dict) and "masks" in v,
                                       [{"a": 1}], "history"))}),
        "nb01.plot_born_dead": (nb01.plot_born_dead, {
            "monte_carlo": P({3: [0.1, 0.2]}, Kind(lambda v: isinstance(v, dict) and v and all(
                Array(ndim=1, min_size=1).valid(c) for c in v.values()), [{3: "x"}],
                "monte_carlo")),
            "exact": P(None, Optional(Kind(lambda v: isinstance(v, dict) and all(
                Array(ndim=1, shape=(2,)).valid(c) for c in v.values()), [{3: "x"}], "exact"))),
            "ax": P(None, AX), "dashed_label": P("RAI", TEXT), "title": P("t", TEXT),
            "solid_label": P("He", TEXT)}),
        "nb01.plot_dead_fractions": (nb01.plot_dead_fractions, {
            "curves": P([[0.0, 0.1], [0.2, 0.3]], Array(ndim=2, min_size=1)), "ax": P(None, AX),
            "title": P("t", TEXT)}),
        "nb01.dying_figure": (nb01.dying_figure, {
            "data": P(split, SPLIT), "lr": P(0.01, POS), "bias_shift": P(0.0, Real()),
            "seed": P(0, SEED), "epochs": P(1, Int(0))}),
        "nb01.dying_relu_explorer": (nb01.dying_relu_explorer, {
            "data": P(split, SPLIT), "seed": P(0, SEED)}),
        "nb01.reference_dead_fractions": (nb01.reference_dead_fractions, {
            "preactivations": P(lambda: [Z()], Seq(Array(ndim=2, min_size=1), min_len=0))}),
        "nb02.plot_rectifiers": (nb02.plot_rectifiers, {
            "slopes": P({"leaky": 0.1}, slopes_kind), "z": P(None, Optional(GRID)),
            "axes": P(None, AXES),
            "maximum_form": P(None, Optional(Real()))}),
        "nb02.plot_channel_slopes": (nb02.plot_channel_slopes, {
            "per_layer": P([[0.1, 0.2]], Seq(Kind(lambda v: Array(min_size=1).valid(v)
                                                  and np.ndim(v) <= 1, [[]], "slopes"))),
            "ax": P(None, AX),
            "title": P("t", TEXT)}),
        "nb02.slope_figure": (nb02.slope_figure, {"negative_slope": P(0.25, SLOPE),
                                                  "leaky_slope": P(0.01, SLOPE)}),
        "nb03.plot_moment_map": (nb03.plot_moment_map, {
            "mu_range": P((-0.5, 0.5), Kind(lambda v: isinstance(v, tuple | list) and len(v) == 2
                                            and all(Real().valid(b) for b in v) and v[0] < v[1],
                                            [(1, 0)], "mu_range")),
            "nu_range": P((0.5, 2.0), Kind(lambda v: isinstance(v, tuple | list) and len(v) == 2
                                           and all(POS.valid(b) for b in v) and v[0] < v[1],
                                           [(0, 1), (2, 1)], "nu_range")),
            "starts": P((), Seq(Kind(lambda v: isinstance(v, tuple | list | np.ndarray)
                                     and len(v) == 2 and Real().valid(v[0]) and POS.valid(v[1]),
                                     [(0.0, 0.0)], "start"), min_len=0)),
            "steps": P(2, Int(0)), "omega": P(0.0, Real()), "tau": P(1.0, POS),
            "ax": P(None, AX), "n_arrows": P(3, Int(2))}),
        "nb03.plot_variance_map": (nb03.plot_variance_map, {
            "nu_in": P([0.5, 1.0, 2.0], Kind(lambda v: Array().valid(v) and np.shape(v) == (3,)
                                             and np.all(np.diff(v) > 0),
                                             [[2.0, 1.0, 0.5], [[0.5]]], "nu_in")),
            "nu_out": P([0.6, 1.0, 1.5], Kind(lambda v: Array().valid(v) and np.shape(v) == (3,),
                                              [[1.0], [[1.0]]], "nu_out")),
            "starts": P((), Seq(Kind(lambda v: Real().valid(v) and 0.5 <= v <= 2.0, [5.0],
                                     "start"), min_len=0)),
            "steps": P(1, Int(1)), "ax": P(None, AX)}),
        "nb03.selu_figure": (nb03.selu_figure, {
            "depth": P(3, Int(1)), "gain": P(1.0, POS), "input_mean": P(0.0, Real()),
            "input_std": P(1.0, POS), "width": P(8, Int(1)), "seeds": P([0], SEEDS),
            "n_samples": P(16, Int(2))}),
        "nb03.unit_weight_sums": (nb03.unit_weight_sums, {"model": P(net, MODEL)}),
        "nb03.variance_over_independent": (nb03.variance_over_independent, {
            "model": P(net, MODEL), "X": P(X, DATA)}),
        "nb03.tau_in_range_probability": (nb03.tau_in_range_probability, {
            "fan_in": P(64, Int(1)), "low": P(0.95, Real(0.0, 1.1, exclusive_max=True), ("high",)),
            "high": P(1.1, Real(0.95, exclusive=True), ("low",))}),
        "nb03.plot_tau_histograms": (nb03.plot_tau_histograms, {
            "samples": P({"a": [0.9, 1.0, 1.2]}, Kind(
                lambda v: isinstance(v, dict) and v and all(
                    Array(ndim=1, finite=True, min_size=1).valid(c)
                    and np.all(np.asarray(c) >= 0) for c in v.values()),
                [{}, {"a": []}, {"a": [-1.0]}, {"a": [[1.0]]}], "samples")),
            "ax": P(None, AX), "bins": P(5, Int(1))}),
        "nb00.gradient_norms_per_layer": (nb00.gradient_norms_per_layer, {
            "depth": P(3, Int(2)), "width": P(4, Int(1)), "seeds": P([0], SEEDS),
            "n_samples": P(8, Int(2))}),
        "nb04.gradient_smoothness": (nb04.gradient_smoothness, {
            "data": P(split, SPLIT), "norm": P(None, Optional(Choice({"batch", "layer", "rms"}))),
            "seeds": P([0], SEEDS), "lr": P(0.05, POS), "epochs": P(1, Int(1)),
            "batch_size": P(512, Int(2)), "width": P(4, Int(1)), "depth": P(2, Int(1))}),
        "nb04.gradient_norms_at_init": (nb04.gradient_norms_at_init, {
            "X": P(X, DATA), "y": P(y, LABELS), "depth": P(2, Int(1)),
            "norm": P(None, Optional(Choice({"batch", "layer", "rms"}))), "seeds": P([0], SEEDS),
            "n_classes": P(10, Int(10), ("y",)), "width": P(8, Int(1))}),
        "nb04.placement_network": (nb04.placement_network, {
            "placement": P("bn-relu", Choice(set(nb04.PLACEMENTS))), "depth": P(2, Int(1)),
            "rng": P(rng, RNG), "n_in": P(8, Int(1)), "width": P(8, Int(1)),
            "n_classes": P(10, Int(1))}),
        "nb04.stream_gradient_norms": (nb04.stream_gradient_norms, {
            "X": P(X, DATA), "y": P(y, LABELS),
            "placement": P("residual", Choice(set(nb04.PLACEMENTS))), "depth": P(2, Kind(
                lambda v: is_int(v, 2) and v % 2 == 0, [0, 3, 2.0], "even depth")),
            "seeds": P([0], SEEDS), "width": P(64, Int(64, 64), ("width", "n_in")),
            "n_classes": P(10, Int(10), ("y",))}),
        "nb04.plot_stream_gradients": (nb04.plot_stream_gradients, {
            "curves": P({"a": [[2.0, 1.0]]}, Kind(lambda v: isinstance(v, dict) and v and all(
                Array(finite=True).valid(c) and np.ndim(c) in (1, 2)
                and np.atleast_2d(c).shape[1] >= 2 and np.all(np.asarray(c, float) > 0)
                for c in v.values()), [{"a": [[1.0, 0.0]]}, {"a": [1.0]}], "curves")),
            "depth": P(2, Int(1)), "ax": P(None, AX), "title": P(None, Optional(TEXT))}),
        "nb04.scale_invariance": (nb04.scale_invariance, {
            "X": P(X, DATA), "y": P(y, LABELS), "scales": P([0.5, 2.0], Seq(Real(1e-100, 1e100))),
            "layer": P(1, Int(0, 1)), "depth": P(2, Int(2)), "width": P(8, Int(1)),
            "seed": P(0, SEED), "norm": P("batch", Optional(Choice({"batch", "layer", "rms"}))),
            "n_classes": P(10, Int(10), ("y",))}),
        "nb04.weight_norm_trajectory": (nb04.weight_norm_trajectory, {
            "data": P(split, SPLIT), "weight_decay": P(0.01, NONNEG), "seeds": P([0], SEEDS),
            "lr": P(0.1, POS), "steps": P(2, Int(1)), "batch_size": P(512, Int(2)),
            "depth": P(1, Int(1)), "width": P(4, Int(1))}),
        "nb04.batchnorm_trace": (nb04.batchnorm_trace, {
            "X": P(X, POPULATION), "batch_size": P(4, Int(2, 20)),
            "momentum": P(0.1, Real(0.0, 1.0)), "steps": P(3, Int(1)),
            "rng": P(rng, RNG), "feature": P(0, Int(-64, 63))}),
        "nb04.offcentre_feature": (nb04.offcentre_feature, {"X": P(X, Kind(
            lambda v: Array(ndim=2, finite=True).valid(v) and np.shape(v)[0] >= 2
            and np.shape(v)[1] >= 1, [np.ones((1, 3))], "X"))}),
        "nb04.plot_batchnorm_trace": (nb04.plot_batchnorm_trace, {
            "trace": P(trace, Kind(lambda v: isinstance(v, dict) and set(trace) <= set(v),
                                   [{"gap": 1}], "trace")), "ax": P(None, AX),
            "title": P(None, Optional(TEXT))}),
        "nb04.batchnorm_figure": (nb04.batchnorm_figure, {
            "X": P(X, POPULATION), "batch_size": P(4, Int(2, 20)),
            "momentum": P(0.1, Real(0.0, 1.0)), "seed": P(0, SEED),
            "steps": P(3, Int(1)), "feature": P(None, Optional(Int(-64, 63)))}),
        "nb06.plot_sequences": (nb06.plot_sequences, {
            "split": P(split(), SPLIT), "per_class": P(1, Int(1)),
            "classes": P((0, 1), Seq(Int(0, 9), min_len=2)), "ax": P(None, AXES)}),
        "nb06.judge_at_budgets": (nb06.judge_at_budgets, {
            "study": P(FAKE, Kind(lambda v: v is FAKE, [None, "fake"], "study")),
            "table": P(fake_table, Kind(lambda v: isinstance(v, dict), [], "table")),
            # a list of the same budgets is as valid as the tuple
            "budgets": P((250, None), Kind(lambda v: isinstance(v, list | tuple) and tuple(v) in [
                (250, None), (250,), (None,)], [(), (None, 250), (0,), ("a",)], "budgets"))}),
        "nb06.budget_label": (nb06.budget_label, {"budget": P(250, Optional(Int(1)))}),
        "nb06.plot_budgets": (nb06.plot_budgets, {
            "judged_at": P(judged_at, JUDGED_AT), "configs": P(["ReLU"], CONFIGS),
            "title": P("t", TEXT), "ax": P(None, AX),
            "ylim": P(None, Optional(Kind(lambda v: v == (0, 1), [(1, 0)], "ylim")))}),
        "nb06.plot_learning_rates": (nb06.plot_learning_rates, {
            "judged": P(judged_at[None], Kind(lambda v: v is judged_at[None], [{}, {"a": 1}],
                                              "judged")),
            "configs": P(["ReLU"], CONFIGS), "title": P("t", TEXT), "ax": P(None, AX)}),
        "nb06.results_figure": (nb06.results_figure, {
            "judged_at": P(judged_at, JUDGED_AT),
            "groups": P(groups, Kind(lambda v: v is groups, [{}, None], "groups")),
            "comparison": P("activations", Choice({"activations"})),
            "budget": P(250, Choice({250, 1000, 4000, None})),
            "split": P("test", Choice({"test", "validation"}))}),
        "nb06.results_explorer": (nb06.results_explorer, {
            "judged_at": P(judged_at, JUDGED_AT),
            "groups": P(groups, Kind(lambda v: v is groups, [{}, None], "groups"))}),
        "nb06.gelu_tanh": (nb06.gelu_tanh, {"z": P(Z, ARRAY)}),
        "nb06.gelu_tanh_grad": (nb06.gelu_tanh_grad, {"z": P(Z, ARRAY)}),
        "nb06.step_sizes": (nb06.step_sizes, {
            "scales": P(lambda: {"x 1": np.ones(3), "x 0.01": np.full(3, 0.01)}, Kind(
                lambda v: isinstance(v, dict) and bool(v) and all(
                    real_array(s) is not None and real_array(s).ndim == 1
                    and real_array(s).size >= 1 and bool(np.isfinite(real_array(s)).all())
                    and bool((real_array(s) >= 0).all()) for s in v.values())
                and len({real_array(s).size for s in v.values()}) == 1,
                [{"a": [1.0, -1.0]}, {"a": [1.0], "b": [1.0, 1.0]}, {"a": [[1.0]]}], "scales")),
            "optimizer": P("adam", Choice({"adam", "sgd"})), "lr": P(1e-3, POS),
            "noise": P(0.5, NONNEG), "seed": P(0, SEED)}),
        "nb06.stack_moments": (nb06.stack_moments, {
            "activation": P("selu", Choice({k for k, a in ACTIVATIONS.items() if not a.learned})),
            "depth": P(2, Int(1)), "width": P(4, Int(1)), "residual": P(False, BOOL),
            "n_samples": P(4, Int(2)), "seed": P(0, SEED)}),
        "nb06.source_table": (nb06.source_table, {
            "judged_by_study": P(sources, Kind(lambda v: v is sources, [{}, {"fake": {}}],
                                               "judged_by_study")),
            "rows": P(source_rows, Kind(lambda v: v is source_rows, [(), [("a",)]], "rows"))}),
        "nb07.torch_like_weights": (nb07.torch_like_weights, {
            "init": P("LeCun (gain 1)", Choice(set(nb07.TORCH_INITS))), "n_in": P(4, Int(1)),
            "n_out": P(3, Int(1)), "rng": P(rng, RNG)}),
        "nb07.selu_depth_stats": (nb07.selu_depth_stats, {
            "init": P("nn.Linear default", Choice(set(nb07.TORCH_INITS))),
            "dropout": P("F.dropout", Choice(set(nb07.DROPOUTS))),
            "rate": P(0.1, Real(0.0, 1.0, exclusive_max=True)),
            "depth": P(2, Int(1)), "width": P(4, Int(1)), "n_samples": P(8, Int(2)),
            "seed": P(0, SEED)}),
        "nb07.theory_variances": (nb07.theory_variances, {"gain": P(0.75, POS),
                                                          "depth": P(3, Int(1))}),
        "nb07.default_init_moments": (nb07.default_init_moments, {
            "depth": P(3, Int(1)), "width": P(4, Int(1)), "q0": P(1.0, Real(0.0)),
            "bias": P(True, BOOL)}),
        "nb07.selu_depth_figure": (nb07.selu_depth_figure, {
            "rate": P(0.1, Real(0.0, 1.0, exclusive_max=True)),
            "init": P("LeCun (gain 1)", Choice(set(nb07.TORCH_INITS))),
            "dropout": P("F.alpha_dropout", Choice(set(nb07.DROPOUTS))),
            "depth": P(2, Int(1)), "seeds": P([0], SEEDS)}),
        "nb04.batchnorm_explorer": (nb04.batchnorm_explorer, {"X": P(X, Kind(
            lambda v: Array(ndim=2, finite=True).valid(v) and np.shape(v)[0] >= 2
            and np.shape(v)[1] >= 1, [], "X")), "feature": P(None, Optional(Int(-64, 63)))}),
    }


def _sequence(v):
    """v as a list when the helpers take it as a sequence (check_sequence), else None."""
    if isinstance(v, str | bytes | dict | set | np.ma.MaskedArray) or not hasattr(
            v, "__iter__") or isinstance(v, np.ndarray) and v.ndim == 0:
        return None
    return list(v)


def _nb05_kinds():
    """nb05's kinds, for (N, C, L) = (3, 6, 8) sequences, 3 groups and the entry (0, 1, 2)."""
    def shape(v):
        return (isinstance(v, tuple | list) and len(v) == 3 and all(is_int(n, 1) for n in v)
                and v[0] >= 1 and v[1] >= 2 and v[2] >= 3 and v[1] % 3 == 0
                and float(np.prod(v, dtype=float)) <= 2**31)

    def index(v):
        return (isinstance(v, tuple | list) and len(v) == 3 and all(is_int(i, 0) for i in v)
                and all(i < n for i, n in zip(v, (3, 6, 8), strict=True)))

    def mask(v):
        a = real_array(v)
        return (a is not None and a.ndim == 3 and a.shape[0] >= 1 and a.shape[1] >= 2
                and a.shape[2] >= 3 and bool(np.isin(a, (0, 1)).all()))

    def slopes(v):
        seeds = _sequence(v)
        if not seeds:
            return False
        per_seed = [_sequence(seed) for seed in seeds]
        if not all(per_seed) or len({len(layers_) for layers_ in per_seed}) != 1:
            return False
        arrays = [real_array(a) for layers_ in per_seed for a in layers_]
        return all(a is not None and a.ndim <= 1 and a.size > 0 and np.isfinite(a).all()
                   for a in arrays)

    def batch_sizes(v):
        v = _sequence(v)
        return v is not None and all(is_int(b) for b in v) and [int(b) for b in v] in (
            [2], [8], [2, 8])

    def permutation(v):
        a = real_array(v)
        return (a is not None and a.dtype.kind in "iu" and a.ndim == 1
                and np.array_equal(np.sort(a), np.arange(64)))

    divisor = Kind(lambda v: is_int(v, 1) and 6 % v == 0, [4, 0, 5, True], "divisor of 6")
    norm_layer = Kind(lambda v: isinstance(v, layers.Layer) and type(v) is not layers.Layer
                      and not isinstance(v, layers.Linear | layers.Conv1d | layers.Flatten),
                      [layers.Linear(3, 2, rng=rng()), layers.Flatten(),
                       layers.Conv1d(6, 2, 3, rng=rng())], "a layer keeping (N, 6, L)")
    return {
        "norm": Choice(set(nb05.NORM_NAMES)), "divisor": divisor, "layer": norm_layer,
        "shape": Kind(shape, [(3, 4, 8), (3, 6, 2), (0, 6, 8), (3, 6), (3.0, 6, 8),
                              (3, 6, 2**40)], "(N, C, L) shape"),
        "index": Kind(index, [(0, 6, 2), (3, 0, 0), (0, 0, -1), (0.0, 1, 2), (0, 1),
                              (True, 1, 2)], "index in (3, 6, 8)"),
        "x": Kind(lambda v: Array(ndim=3, finite=True).valid(v) and np.shape(v)[1] == 6
                  and np.shape(v)[0] >= 1 and np.shape(v)[2] >= 3,
                  [np.ones((3, 5, 8)), np.ones((3, 6, 2)), np.ones((0, 6, 8)),
                   np.full((3, 6, 8), np.nan)], "(N, 6, L) x"),
        "mask": Kind(mask, [np.full((3, 6, 8), 0.5), np.ones((3, 1, 8)), np.ones((3, 6))],
                     "mask"),
        "slopes": Kind(slopes, [[[1.0], [1.0, 2.0]], [[]], [[np.ones((2, 2))]], [[[np.nan]]],
                                [[np.array([])]]], "slopes by seed"),
        "batch_sizes": Kind(batch_sizes, [(8, 2), (2, 4), (), (2, 2), [2.0]], "batch sizes"),
        "permutation": Kind(permutation, [np.arange(63), np.arange(64.0), np.zeros(64, int),
                                          np.arange(64) % 64 + 1], "permutation of 64"),
    }


def _nb05_calls(k):
    from test_nb05 import fake_batch_judged  # a tiny made-up batch-size study

    judged = fake_batch_judged()
    incomplete = {key: j for key, j in judged.items() if key.startswith("batch")}
    bad_test = dict(judged, **{"batch norm, batch 2": dataclasses.replace(
        judged["batch norm, batch 2"], test="x")})
    x = lambda: np.random.default_rng(0).standard_normal((3, 6, 8))  # noqa: E731
    return {
        "nb05.norm_layer": (nb05.norm_layer, {
            "kind": P("group", k["norm"]),
            "channels": P(6, Kind(lambda v: is_int(v, 1) and v % 3 == 0, [4, 0], "channels")),
            "length": P(8, Int(1)), "groups": P(3, k["divisor"])}),
        "nb05.sharing_mask": (nb05.sharing_mask, {
            "layer": P(lambda: nb05.norm_layer("group", 6, 8, 3), k["layer"]),
            "x": P(x, k["x"]), "index": P((0, 1, 2), k["index"])}),
        "nb05.expected_sharing": (nb05.expected_sharing, {
            "kind": P("group", k["norm"]), "shape": P((3, 6, 8), k["shape"]),
            "index": P((0, 1, 2), k["index"]), "groups": P(3, k["divisor"])}),
        "nb05.plot_sharing": (nb05.plot_sharing, {
            "mask": P(lambda: nb05.expected_sharing("group", (3, 6, 8), (0, 1, 2), 3),
                      k["mask"]),
            "index": P((0, 1, 2), k["index"]), "title": P("t", TEXT), "ax": P(None, AX)}),
        "nb05.axes_picture": (nb05.axes_picture, {
            "shape": P((3, 6, 8), k["shape"]), "groups": P(3, k["divisor"]),
            "index": P((0, 1, 2), k["index"])}),
        "nb05.sharing_figure": (nb05.sharing_figure, {
            "kind": P("group", k["norm"]), "groups": P(3, k["divisor"]),
            "channel": P(1, Int(0, 5))}),
        "nb05.sharing_explorer": (nb05.sharing_explorer, {
            "kind": P("group", k["norm"]), "groups": P(3, k["divisor"]),
            "channel": P(1, Int(0, 5))}),
        "nb05.plot_convolution": (nb05.plot_convolution, {
            "sequence": P(lambda: np.sin(np.arange(10.0)), Array(shape=(10,), finite=True)),
            "kernel": P([-1.0, 0.0, 1.0], Array(shape=(3,), finite=True)),
            "output": P(lambda: np.ones(8), Array(shape=(8,), finite=True)),
            "ax": P(None, AX)}),
        "nb05.permuted": (nb05.permuted, {
            "split": P(split, SPLIT),
            "permutation": P(lambda: rng().permutation(64), k["permutation"])}),
        "nb05.plot_batch_sizes": (nb05.plot_batch_sizes, {
            "judged": P(judged, Kind(lambda v: v is judged, [{}, {"batch norm, batch 2": 1},
                                                            incomplete, bad_test], "judged")),
            "batch_sizes": P((2, 8), k["batch_sizes"]), "ax": P(None, AX)}),
        "nb05.prelu_slopes": (nb05.prelu_slopes, {"model": P(lambda: models.cnn(
            40, 10, rng=rng(), channels=(3, 3), kernel_sizes=(5, 3), activation="prelu"),
            LAYER)}),
        "nb05.plot_slopes": (nb05.plot_slopes, {
            "slopes_by_seed": P(lambda: [[np.full(3, 0.25), np.full(3, 0.2)],
                                         [np.full(3, 0.3), np.full(3, 0.1)]], k["slopes"]),
            "ax": P(None, AX)}),
        "nb05.output_length": (nb05.output_length, {
            "length": P(40, Int(3)), "kernel_size": P(5, Int(1, 42)), "stride": P(2, Int(1)),
            "padding": P(1, Int(0))}),
    }


CALLS = {**elementwise_calls(), **layer_calls(), **core_calls(), **shared_calls(),
         **notebook_calls()}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    write_report()


@pytest.mark.parametrize("name", sorted(CALLS))
def test_valid_call_runs(name):
    """The registry's valid values are valid: the unmodified call succeeds."""
    fn, params = CALLS[name]
    fn(**{k: p.value() for k, p in params.items()})


@pytest.mark.parametrize("name", sorted(CALLS))
@FUZZ
@given(st.data())
def test_bad_argument_gets_a_clear_error(name, draw):
    fn, params = CALLS[name]
    param = draw.draw(st.sampled_from(sorted(params)), label="parameter")
    bad = draw.draw(anything(params[param].kind), label="bad value")
    kwargs = {k: p.value() for k, p in params.items()}
    kwargs[param] = bad
    try:
        fn(**kwargs)
    except Exception as err:  # noqa: BLE001 (judged below)
        record("clear error")
        check_error(err, (param, *params[param].names))
    else:
        record("accepted")
        raise AssertionError(f"{name} accepted {param}={bad!r:.80}")
    finally:
        plt.close("all")
