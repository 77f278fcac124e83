"""Plausible learner answers for every exercise checker (scripts/fuzz_campaign.py, part 3).

Each checker gets right answers written the ways a learner writes them (float32, lists,
np.where or arithmetic, erf or ndtr, scikit-learn ...), which must get "Correct!", and wrong
ones, which must get "Not yet:" and a hint: the classes of issue 29 (thresholds at any scale,
answers right only on typical draws, in-place mutation, new objects instead of modified ones,
constant features, hard-coded shapes and names, np.where overflow patterns) and the usual
mistakes. "either" marks answers whose verdict is a matter of taste: only a traceback counts.

The exercises are those of notebooks/*.ipynb ("Exercises" at the end of each notebook).
"""

import math

import numpy as np
from scipy import special, stats

from helpers import nb01, nb02, nb03, nb04, nb06, nb07
from helpers.activations import SELU_ALPHA as ALPHA
from helpers.activations import SELU_LAMBDA as LAMBDA
from helpers.activations import selu_grad
from helpers.selu_theory import derive_selu_constants

RIGHT, WRONG, EITHER = "correct", "wrong", "either"


# --- 01: relu_grad(z), dead_fractions(preactivations) -------------------------------------------

def _relu_grad_inplace(z):
    z[z <= 0] = 0
    z[z > 0] = 1
    return z


def _relu_grad_loop_1d(z):
    return np.array([1.0 if v > 0 else 0.0 for v in z])  # breaks on 2-D input


RELU_GRAD = [
    ("(z > 0).astype(z.dtype)", lambda z: (z > 0).astype(z.dtype), RIGHT),
    ("np.where(z > 0, 1.0, 0.0)", lambda z: np.where(z > 0, 1.0, 0.0), RIGHT),
    ("(z > 0) * 1.0", lambda z: (z > 0) * 1.0, RIGHT),
    ("np.heaviside(z, 0)", lambda z: np.heaviside(z, 0), RIGHT),
    ("(z > 0).astype(np.float32)", lambda z: (z > 0).astype(np.float32), RIGHT),
    ("(z > 0) + 0 (ints)", lambda z: (z > 0) + 0, RIGHT),
    ("a list: ((z > 0) * 1.0).tolist()", lambda z: ((z > 0) * 1.0).tolist(), RIGHT),
    ("np.maximum(np.sign(z), 0)", lambda z: np.maximum(np.sign(z), 0), RIGHT),
    ("np.vectorize(lambda v: 1.0 if v > 0 else 0.0)",
     np.vectorize(lambda v: 1.0 if v > 0 else 0.0, otypes=[float]), RIGHT),
    ("np.where(z > 0, z / np.abs(z), 0.0)", lambda z: np.where(z > 0, z / np.abs(z), 0.0), RIGHT),
    ("(z >= 0) (at zero)", lambda z: (z >= 0).astype(z.dtype), WRONG),
    ("z > 1e-3", lambda z: (z > 1e-3).astype(z.dtype), WRONG),
    ("z > 1e-8", lambda z: (z > 1e-8).astype(z.dtype), WRONG),
    ("z > 1e-12", lambda z: (z > 1e-12).astype(z.dtype), WRONG),
    ("z > 1e-300", lambda z: (z > 1e-300).astype(z.dtype), WRONG),
    ("z > eps of the dtype", lambda z: (z > np.finfo(z.dtype).eps).astype(z.dtype), WRONG),
    ("z >= smallest normal", lambda z: (z >= np.finfo(z.dtype).tiny).astype(z.dtype), WRONG),
    ("z > -1e-12 (tiny negatives through)", lambda z: (z > -1e-12).astype(z.dtype), WRONG),
    ("steep ramp clip(z * 1e6, 0, 1)", lambda z: np.clip(z * 1e6, 0, 1), WRONG),
    ("upper cutoff (z > 0) & (z < 1e6)", lambda z: ((z > 0) & (z < 1e6)).astype(z.dtype), WRONG),
    ("from the output: relu(z) >= 0", lambda z: (np.maximum(z, 0) >= 0).astype(z.dtype), WRONG),
    ("np.sign(z)", np.sign, WRONG),
    ("np.maximum(z / np.abs(z), 0) (NaN at 0)", lambda z: np.maximum(z / np.abs(z), 0), WRONG),
    ("booleans z > 0", lambda z: z > 0, WRONG),
    ("the function itself, max(0, z)", lambda z: np.maximum(z, 0), WRONG),
    ("in place: z[z <= 0] = 0; z[z > 0] = 1", _relu_grad_inplace, WRONG),
    ("in place: np.maximum(z, 0, out=z) > 0", lambda z: (np.maximum(z, 0, out=z) > 0) * 1.0,
     WRONG),
    ("flattened: (z > 0).ravel()", lambda z: (z > 0).astype(z.dtype).ravel(), WRONG),
    ("a loop over z (1-D only)", _relu_grad_loop_1d, WRONG),
    ("np.ceil(np.clip(z, 0, 1))", lambda z: np.ceil(np.clip(z, 0, 1)), RIGHT),
    ("compared in float32", lambda z: (z.astype(np.float32) > 0).astype(z.dtype), WRONG),
    ("z / (|z| + 1e-300) > 0.5", lambda z: (z / (np.abs(z) + 1e-300) > 0.5).astype(z.dtype),
     WRONG),
    ("hard-coded shape np.ones(10)", lambda z: np.ones(10), WRONG),
    ("sigmoid(1e4 z) rounded", lambda z: np.round(special.expit(1e4 * z)), WRONG),
]


def _dead(z):
    return np.mean(np.all(z <= 0, axis=0))


def _dead_sort_in_place(zs):
    out = []
    for z in zs:
        z.sort(axis=0)
        out.append(np.mean(z[-1] <= 0))
    return out


def _dead_clip_in_place(zs):
    for z in zs:
        z[z < 0] = 0
    return [np.mean(np.all(z == 0, axis=0)) for z in zs]


DEAD_FRACTIONS = [
    ("[np.mean(np.all(z <= 0, axis=0)) ...]", lambda zs: [_dead(z) for z in zs], RIGHT),
    ("np.array of floats", lambda zs: np.array([float(_dead(z)) for z in zs]), RIGHT),
    ("~np.any(z > 0, axis=0)", lambda zs: [np.mean(~np.any(z > 0, axis=0)) for z in zs], RIGHT),
    ("z.max(axis=0) <= 0", lambda zs: [np.mean(z.max(axis=0) <= 0) for z in zs], RIGHT),
    ("count / units", lambda zs: [np.count_nonzero(np.all(z <= 0, axis=0)) / z.shape[1]
                                  for z in zs], RIGHT),
    ("relu outputs sum to 0", lambda zs: [np.mean(np.maximum(z, 0).sum(axis=0) == 0)
                                          for z in zs], RIGHT),
    ("a tuple of float32", lambda zs: tuple(np.float32(_dead(z)) for z in zs), RIGHT),
    ("z < 0 (misses exact zeros)", lambda zs: [np.mean(np.all(z < 0, axis=0)) for z in zs],
     WRONG),
    ("max < 1e-3", lambda zs: [np.mean(z.max(axis=0) < 1e-3) for z in zs], WRONG),
    ("max < 1e-6", lambda zs: [np.mean(z.max(axis=0) < 1e-6) for z in zs], WRONG),
    ("max < 1e-12", lambda zs: [np.mean(z.max(axis=0) < 1e-12) for z in zs], WRONG),
    ("max < 1e-30", lambda zs: [np.mean(z.max(axis=0) < 1e-30) for z in zs], WRONG),
    ("max <= smallest normal", lambda zs: [np.mean(z.max(axis=0) <= np.finfo(z.dtype).tiny)
                                           for z in zs], WRONG),
    ("max < eps", lambda zs: [np.mean(z.max(axis=0) < np.finfo(z.dtype).eps) for z in zs],
     WRONG),
    ("max < 1e-300", lambda zs: [np.mean(z.max(axis=0) < 1e-300) for z in zs], WRONG),
    ("max <= smallest subnormal", lambda zs: [np.mean(
        z.max(axis=0) <= np.finfo(z.dtype).smallest_subnormal) for z in zs], WRONG),
    ("hard-coded 64 units: reshape(-1, 64)", lambda zs: [_dead(z.reshape(-1, 64)) for z in zs],
     WRONG),
    ("z <= -1e-12 (a threshold below 0)", lambda zs: [np.mean(np.all(z <= -1e-12, axis=0))
                                                       for z in zs], WRONG),
    ("np.isclose(z, 0) | (z < 0)", lambda zs: [np.mean(np.all(np.isclose(z, 0) | (z < 0),
                                                               axis=0)) for z in zs], WRONG),
    ("in float16", lambda zs: [np.mean(np.all(z.astype(np.float16) <= 0, axis=0)) for z in zs],
     WRONG),
    ("mean output < 1e-8", lambda zs: [np.mean(np.maximum(z, 0).mean(axis=0) < 1e-8)
                                       for z in zs], WRONG),
    ("first 10 samples only", lambda zs: [_dead(z[:10]) for z in zs], WRONG),
    ("every other sample", lambda zs: [_dead(z[::2]) for z in zs], WRONG),
    ("first half of the samples", lambda zs: [_dead(z[: len(z) // 2]) for z in zs], WRONG),
    ("the first sample only", lambda zs: [np.mean(z[0] <= 0) for z in zs], WRONG),
    ("axis=1", lambda zs: [np.mean(np.all(z <= 0, axis=1)) for z in zs], WRONG),
    ("np.any", lambda zs: [np.mean(np.any(z <= 0, axis=0)) for z in zs], WRONG),
    ("sparsity np.mean(z <= 0)", lambda zs: [np.mean(z <= 0) for z in zs], WRONG),
    ("number of dead units", lambda zs: [np.sum(np.all(z <= 0, axis=0)) for z in zs], WRONG),
    ("percentages", lambda zs: [100 * _dead(z) for z in zs], WRONG),
    ("alive fraction", lambda zs: [1 - _dead(z) for z in zs], WRONG),
    ("per-unit masks", lambda zs: [np.all(z <= 0, axis=0) for z in zs], WRONG),
    ("hard-coded two layers", lambda zs: [_dead(zs[0]), _dead(zs[1])], WRONG),
    ("hard-coded [0.0] * len(zs)", lambda zs: [0.0] * len(zs), WRONG),
    ("in place: sort each layer", _dead_sort_in_place, WRONG),
    ("in place: clip negatives to 0", _dead_clip_in_place, WRONG),
    ("one number for all layers", lambda zs: float(np.mean([_dead(z) for z in zs])), WRONG),
]


# --- 02: prelu(z, a), prelu_backward(dout, z, a) -------------------------------------------------

def _prelu_inplace(z, a):
    negative = z < 0
    z[negative] = (z * a)[negative]
    return z


PRELU = [
    ("np.maximum(z, 0) + a * np.minimum(z, 0)", lambda z, a: np.maximum(z, 0)
     + a * np.minimum(z, 0), RIGHT),
    ("np.where(z > 0, z, a * z)", lambda z, a: np.where(z > 0, z, a * z), RIGHT),
    ("np.where(z >= 0, z, a * z)", lambda z, a: np.where(z >= 0, z, a * z), RIGHT),
    ("z * np.where(z > 0, 1, a)", lambda z, a: z * np.where(z > 0, 1, a), RIGHT),
    ("(z > 0) * z + (z <= 0) * a * z", lambda z, a: (z > 0) * z + (z <= 0) * a * z, RIGHT),
    ("relu(z) - a * relu(-z)", lambda z, a: np.maximum(z, 0) - a * np.maximum(-z, 0), RIGHT),
    ("a[None, :] broadcast", lambda z, a: np.maximum(z, 0) + a[None, :] * np.minimum(z, 0),
     RIGHT),
    ("as float32", lambda z, a: (np.maximum(z, 0) + a * np.minimum(z, 0)).astype(np.float32),
     RIGHT),
    ("a list", lambda z, a: (np.maximum(z, 0) + a * np.minimum(z, 0)).tolist(), RIGHT),
    ("np.maximum(a * z, z) (only a <= 1)", lambda z, a: np.maximum(a * z, z), WRONG),
    ("np.max(a * z, z) (the article's)", lambda z, a: np.max(a * z, z), WRONG),
    ("leaky 0.01", lambda z, a: np.maximum(z, 0) + 0.01 * np.minimum(z, 0), WRONG),
    ("plain relu", lambda z, a: np.maximum(z, 0), WRONG),
    ("np.where(z > 0, z, a)", lambda z, a: np.where(z > 0, z, a), WRONG),
    ("one shared slope a[0]", lambda z, a: np.maximum(z, 0) + a[0] * np.minimum(z, 0), WRONG),
    ("mean slope", lambda z, a: np.maximum(z, 0) + a.mean() * np.minimum(z, 0), WRONG),
    ("slopes per row a[:, None]", lambda z, a: np.maximum(z, 0) + a[:, None] * np.minimum(z, 0),
     WRONG),
    ("hard-coded 3 channels a[:3]", lambda z, a: np.maximum(z, 0) + a[:3] * np.minimum(z, 0),
     WRONG),
    ("in place: z[z < 0] *= a", _prelu_inplace, WRONG),
    ("abs slope |a|", lambda z, a: np.maximum(z, 0) + np.abs(a) * np.minimum(z, 0), WRONG),
]


def _backward(dz, dslope):
    return lambda d, z, a: (dz(d, z, a), dslope(d, z, a))


def _good_dz(d, z, a):
    return d * np.where(z > 0, 1.0, a)


def _good_dslope(d, z, a):
    return (d * np.minimum(z, 0)).sum(axis=0)


def _backward_inplace(d, z, a):
    d *= np.where(z > 0, 1.0, a)
    return d, (d / np.where(z > 0, 1.0, a) * np.minimum(z, 0)).sum(axis=0)


PRELU_BACKWARD = [
    ("np.where, sum over axis 0", _backward(_good_dz, _good_dslope), RIGHT),
    ("masks as numbers", _backward(lambda d, z, a: d * ((z > 0) + a * (z <= 0)),
                                   lambda d, z, a: np.sum(d * z * (z <= 0), axis=0)), RIGHT),
    ("einsum", _backward(_good_dz, lambda d, z, a: np.einsum("ij,ij->j", d,
                                                             np.minimum(z, 0))), RIGHT),
    ("a list [dz, dslope]", lambda d, z, a: [_good_dz(d, z, a), _good_dslope(d, z, a)], RIGHT),
    ("float32 results", _backward(lambda d, z, a: _good_dz(d, z, a).astype(np.float32),
                                  lambda d, z, a: _good_dslope(d, z, a).astype(np.float32)),
     RIGHT),
    ("z >= 0 in dz", _backward(lambda d, z, a: d * np.where(z >= 0, 1.0, a), _good_dslope),
     WRONG),
    ("dz = dout * a", _backward(lambda d, z, a: d * a, _good_dslope), WRONG),
    ("dz without dout", _backward(lambda d, z, a: np.where(z > 0, 1.0, a), _good_dslope),
     WRONG),
    ("dslope with every z", _backward(_good_dz, lambda d, z, a: (d * z).sum(axis=0)), WRONG),
    ("dslope mean", _backward(_good_dz, lambda d, z, a: (d * np.minimum(z, 0)).mean(axis=0)),
     WRONG),
    ("dslope without dout", _backward(_good_dz, lambda d, z, a: np.minimum(z, 0).sum(axis=0)),
     WRONG),
    ("dslope over axis 1", _backward(_good_dz, lambda d, z, a: (d * np.minimum(z, 0)).sum(
        axis=1)), WRONG),
    ("dslope one number", _backward(_good_dz, lambda d, z, a: (d * np.minimum(z, 0)).sum()),
     WRONG),
    ("dslope keepdims (1, C)", _backward(_good_dz, lambda d, z, a: (d * np.minimum(
        z, 0)).sum(axis=0, keepdims=True)), WRONG),
    ("dslope only where z < -1e-3", _backward(_good_dz, lambda d, z, a: (d * z * (
        z < -1e-3)).sum(axis=0)), EITHER),
    ("in place: dout *= slope", _backward_inplace, WRONG),
    ("a dict", lambda d, z, a: {"dz": _good_dz(d, z, a), "dslope": _good_dslope(d, z, a)},
     WRONG),
    ("(dslope, dz) swapped", lambda d, z, a: (_good_dslope(d, z, a), _good_dz(d, z, a)), WRONG),
]


# --- 03: selu_grad(z), the fixed point (0, 2) ---------------------------------------------------

def _selu_grad(z, threshold=0.0, lam=LAMBDA, alpha=ALPHA):
    return np.where(z > threshold, lam, lam * alpha * np.exp(np.minimum(z, 0)))


def _selu_grad_masks(z):
    out = np.empty_like(z)
    positive = z > 0
    out[positive] = LAMBDA
    out[~positive] = LAMBDA * ALPHA * np.exp(z[~positive])
    return out


def _selu_from_output(z):
    selu = LAMBDA * np.where(z > 0, z, ALPHA * np.expm1(np.minimum(z, 0)))
    return np.where(z > 0, LAMBDA, selu + LAMBDA * ALPHA)


SELU_GRAD = [
    ("np.where with np.exp(np.minimum(z, 0))", _selu_grad, RIGHT),
    ("boolean masks, exp only where z <= 0", _selu_grad_masks, RIGHT),
    ("LAMBDA * np.where(z > 0, 1, ALPHA * exp)", lambda z: LAMBDA * np.where(
        z > 0, 1.0, ALPHA * np.exp(np.minimum(z, 0))), RIGHT),
    ("in float32 constants for float32 z", lambda z: np.where(
        z > 0, z.dtype.type(LAMBDA), z.dtype.type(LAMBDA * ALPHA) * np.exp(np.minimum(z, 0))),
     RIGHT),
    ("a list", lambda z: _selu_grad(z).tolist(), RIGHT),
    ("helpers' own selu_grad", selu_grad, RIGHT),
    ("np.where(z > 0, LAMBDA, LAMBDA * ALPHA * np.exp(z)) (exp overflows for large z)",
     lambda z: np.where(z > 0, LAMBDA, LAMBDA * ALPHA * np.exp(z)), WRONG),
    ("threshold 1e-4", lambda z: _selu_grad(z, 1e-4), WRONG),
    ("threshold 1e-8", lambda z: _selu_grad(z, 1e-8), WRONG),
    ("threshold 1e-300", lambda z: _selu_grad(z, 1e-300), WRONG),
    ("threshold -1e-12", lambda z: _selu_grad(z, -1e-12), WRONG),
    ("cut off below -100", lambda z: np.where(z < -100, 0.0, _selu_grad(z)), WRONG),
    ("cut off below -600", lambda z: np.where(z < -600, 0.0, _selu_grad(z)), WRONG),
    ("from the output: selu(z) + LAMBDA * ALPHA", _selu_from_output, WRONG),
    ("rounded to float32", lambda z: _selu_grad(z).astype(np.float32), EITHER),
    ("z >= 0", lambda z: np.where(z >= 0, LAMBDA, LAMBDA * ALPHA * np.exp(np.minimum(z, 0))),
     WRONG),
    ("the article's 1.0505", lambda z: _selu_grad(z, lam=1.0505), WRONG),
    ("4-digit constants", lambda z: _selu_grad(z, lam=1.0507, alpha=1.6733), WRONG),
    ("no lambda", lambda z: _selu_grad(z, lam=1.0), WRONG),
    ("kept the -1", lambda z: np.where(z > 0, LAMBDA, LAMBDA * ALPHA * np.expm1(
        np.minimum(z, 0))), WRONG),
    ("in place", lambda z: np.exp(np.minimum(z, 0, out=z), out=z) * LAMBDA * ALPHA, WRONG),
]

_ALPHA_02, _LAMBDA_02 = derive_selu_constants(0.0, 2.0)
_AUTHORS = derive_selu_constants(0.0, 2.0, omega=1.0, tau=1.0)


def _answers_fixed_point():
    """(label, answer, expect): the answer itself is the 'candidate' here."""
    return [
        ("derive_selu_constants(0, 2)", (_ALPHA_02, _LAMBDA_02), RIGHT),
        ("a list", [_ALPHA_02, _LAMBDA_02], RIGHT),
        ("a numpy array", np.array([_ALPHA_02, _LAMBDA_02]), RIGHT),
        ("rounded to 5 decimals", (round(_ALPHA_02, 5), round(_LAMBDA_02, 5)), RIGHT),
        ("float32", (np.float32(_ALPHA_02), np.float32(_LAMBDA_02)), RIGHT),
        ("strings of the numbers", (f"{_ALPHA_02:.6f}", f"{_LAMBDA_02:.6f}"), EITHER),
        ("swapped", (_LAMBDA_02, _ALPHA_02), WRONG),
        ("SELU's constants", (ALPHA, LAMBDA), WRONG),
        # (for mean 0, omega = 1 gives the same constants: no mistake to catch here)
        ("the authors' convention (omega = 1)", tuple(_AUTHORS), EITHER),
        ("rounded to 2 decimals", (round(_ALPHA_02, 2), round(_LAMBDA_02, 2)), WRONG),
        ("only alpha solved, lam = 1", (_ALPHA_02, 1.0), WRONG),
        ("negative", (-_ALPHA_02, _LAMBDA_02), WRONG),
        ("NaN", (math.nan, math.nan), WRONG),
        ("inf", (math.inf, 1.0), WRONG),
        ("one number", _ALPHA_02, WRONG),
        ("a dict", {"alpha": _ALPHA_02, "lam": _LAMBDA_02}, EITHER),
        ("three numbers", (_ALPHA_02, _LAMBDA_02, 0.0), WRONG),
        ("a nested array", np.array([[_ALPHA_02, _LAMBDA_02]]), WRONG),
        ("huge", (1e300, 1e300), WRONG),
        ("tiny", (1e-300, 1e-300), WRONG),
        ("None (the stub)", None, WRONG),
    ]


# --- 04: batchnorm_forward(x, gamma, beta, eps), standardize(X_train, X_test) ------------------

def _bn(x, g, b, eps):
    return g * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + b


def _bn_inplace(x, g, b, eps):
    x -= x.mean(axis=0)
    x /= np.sqrt((x * x).mean(axis=0) + eps)
    return g * x + b


def _bn_skip_constant(x, g, b, eps):
    var = x.var(axis=0)
    return g * np.where(var == 0, x, (x - x.mean(axis=0)) / np.sqrt(var + eps)) + b


BATCHNORM = [
    ("the formula", _bn, RIGHT),
    ("keepdims", lambda x, g, b, eps: g * (x - x.mean(0, keepdims=True)) / np.sqrt(
        x.var(0, keepdims=True) + eps) + b, RIGHT),
    ("var as mean of squares", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        ((x - x.mean(0)) ** 2).mean(0) + eps) + b, RIGHT),
    ("(var + eps) ** -0.5", lambda x, g, b, eps: g * (x - x.mean(0)) * (x.var(0) + eps) ** -0.5
     + b, RIGHT),
    ("x.std(0) ** 2", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.std(0) ** 2 + eps)
     + b, RIGHT),
    ("guarding constant features with np.where(var > 0, ...)", lambda x, g, b, eps: g * np.where(
        x.var(0) > 0, (x - x.mean(0)) / np.sqrt(x.var(0) + eps), 0.0) + b, RIGHT),
    ("a list", lambda x, g, b, eps: _bn(x, g, b, eps).tolist(), RIGHT),
    ("eps = 1e-5 instead of the argument", lambda x, g, b, eps: _bn(x, g, b, 1e-5), WRONG),
    ("no eps (constant feature: NaN)", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        x.var(0)) + b, WRONG),
    ("constant features left as they are", _bn_skip_constant, WRONG),
    ("ddof=1", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
     WRONG),
    ("axis=1 (layer norm)", lambda x, g, b, eps: g * (x - x.mean(1, keepdims=True)) / np.sqrt(
        x.var(1, keepdims=True) + eps) + b, WRONG),
    ("statistics over every entry", lambda x, g, b, eps: g * (x - x.mean()) / np.sqrt(
        x.var() + eps) + b, WRONG),
    ("no gamma and beta", lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps),
     WRONG),
    ("gamma and beta swapped", lambda x, g, b, eps: _bn(x, b, g, eps), WRONG),
    ("std + eps", lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b, WRONG),
    ("sqrt(var) + eps", lambda x, g, b, eps: g * (x - x.mean(0)) / (np.sqrt(x.var(0)) + eps) + b,
     WRONG),
    ("sqrt(max(var, eps))", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        np.maximum(x.var(0), eps)) + b, WRONG),
    ("in place", _bn_inplace, WRONG),
    ("eps only for constant features", lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(
        np.where(x.var(0) == 0, eps, x.var(0))) + b, WRONG),
    ("hard-coded 4 features", lambda x, g, b, eps: _bn(x[:, :4], g[:4], b[:4], eps), WRONG),
]


def _scale(train, test, ddof=0, fit_on=None):
    fit_on = train if fit_on is None else fit_on
    m, s = fit_on.mean(axis=0), fit_on.std(axis=0, ddof=ddof)
    return (train - m) / s, (test - m) / s


def _sklearn(train, test):
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(train)
    return scaler.transform(train), scaler.transform(test)


def _helpers_scaler(train, test):
    from helpers.scalers import StandardScaler
    scaler = StandardScaler().fit(train)
    return scaler.transform(train), scaler.transform(test)


def _scaler_inplace(train, test):
    m, s = train.mean(axis=0), train.std(axis=0)
    s = np.where(s == 0, 1.0, s)
    train -= m
    train /= s
    return train, (test - m) / s


def _ones_where_zero(s):
    s[s == 0] = 1
    return s


def _guarded(train, test, fix=lambda s: np.where(s == 0, 1.0, s)):
    m, s = train.mean(axis=0), fix(train.std(axis=0))
    return (train - m) / s, (test - m) / s


SCALER = [  # a feature constant in the training split is divided by 1 (scikit-learn's rule)
    ("np.where(s == 0, 1, s)", _guarded, RIGHT),
    ("scikit-learn's StandardScaler", _sklearn, RIGHT),
    ("helpers.scalers.StandardScaler", _helpers_scaler, RIGHT),
    ("s[s == 0] = 1", lambda tr, te: _guarded(tr, te, _ones_where_zero), RIGHT),
    ("multiply by 1 / s", lambda tr, te: (lambda m, s: ((tr - m) * (1 / s), (te - m) * (1 / s)))(
        tr.mean(0), np.where(tr.std(0) == 0, 1, tr.std(0))), RIGHT),
    ("a list of two lists", lambda tr, te: [v.tolist() for v in _guarded(tr, te)], RIGHT),
    ("float32 results", lambda tr, te: tuple(v.astype(np.float32) for v in _guarded(tr, te)),
     RIGHT),
    ("np.where(s < 1e-12, 1, s)", lambda tr, te: _guarded(tr, te, lambda s: np.where(
        s < 1e-12, 1.0, s)), EITHER),
    ("no guard: divides by s = 0", _scale, WRONG),
    ("s + 1e-8", lambda tr, te: _guarded(tr, te, lambda s: s + 1e-8), WRONG),
    ("np.nan_to_num of the division", lambda tr, te: tuple(np.nan_to_num(v) for v in _scale(
        tr, te)), WRONG),
    ("constant features dropped", lambda tr, te: tuple(v[:, tr.std(0) > 0] for v in _scale(
        tr, te)), WRONG),
    ("fit on both splits (leak)", lambda tr, te: _standardize_with(tr, te, np.vstack([tr, te])),
     WRONG),
    ("test scaled with its own statistics", lambda tr, te: (_guarded(tr, te)[0],
                                                            _guarded(te, te)[0]), WRONG),
    ("test not scaled", lambda tr, te: (_guarded(tr, te)[0], te), WRONG),
    ("ddof=1", lambda tr, te: _guarded(tr, te, lambda s: np.where(s == 0, 1.0, s * np.sqrt(
        len(tr) / (len(tr) - 1)))), WRONG),
    ("centred only", lambda tr, te: (tr - tr.mean(0), te - tr.mean(0)), WRONG),
    ("min-max scaling", lambda tr, te: (lambda low, span: ((tr - low) / span, (te - low) / span))(
        tr.min(0), np.where(np.ptp(tr, 0) == 0, 1, np.ptp(tr, 0))), WRONG),
    ("hard-coded shape (30, 3)", lambda tr, te: _guarded(tr[:30, :3], te[:, :3]), WRONG),
    ("in place on X_train", _scaler_inplace, WRONG),
    ("one array", lambda tr, te: np.vstack(_guarded(tr, te)), WRONG),
]


def _standardize_with(train, test, fit_on):
    m, s = fit_on.mean(axis=0), fit_on.std(axis=0)
    s = np.where(s == 0, 1.0, s)
    return (train - m) / s, (test - m) / s


# --- 06: gelu_grad(z), choose_lr(val_by_lr) -------------------------------------------------------

def _phi(z):
    return np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


GELU_GRAD = [
    ("norm.cdf(z) + z * norm.pdf(z)", lambda z: stats.norm.cdf(z) + z * stats.norm.pdf(z),
     RIGHT),
    ("ndtr(z) + z * phi(z)", lambda z: special.ndtr(z) + z * _phi(z), RIGHT),
    ("0.5 * erfc(-z / sqrt 2) + z * phi(z)", lambda z: 0.5 * special.erfc(-z / np.sqrt(2))
     + z * _phi(z), RIGHT),
    ("0.5 * (1 + erf(z / sqrt 2)) + z * phi(z)", lambda z: 0.5 * (1 + special.erf(
        z / np.sqrt(2))) + z * _phi(z), RIGHT),
    ("math.erf, elementwise", np.vectorize(lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2)))
                                           + v * math.exp(-v * v / 2) / math.sqrt(2 * math.pi)),
     RIGHT),
    ("the tanh approximation's derivative", nb06.gelu_tanh_grad, RIGHT),
    ("as float32", lambda z: (special.ndtr(z) + z * _phi(z)).astype(np.float32), RIGHT),
    ("gelu itself", lambda z: z * special.ndtr(z), WRONG),
    ("Phi only", special.ndtr, WRONG),
    ("z phi only", lambda z: z * _phi(z), WRONG),
    ("Phi + phi (forgot z)", lambda z: special.ndtr(z) + _phi(z), WRONG),
    ("sigmoid(1.702 z) approximation's derivative", lambda z: special.expit(1.702 * z) * (
        1 + 1.702 * z * (1 - special.expit(1.702 * z))), WRONG),
    ("silu's derivative", lambda z: special.expit(z) * (1 + z * (1 - special.expit(z))), WRONG),
    ("hard-coded length 7", lambda z: (special.ndtr(z) + z * _phi(z)).ravel()[:7], WRONG),
    ("in place", lambda z: np.add(special.ndtr(z), z * _phi(z), out=z), WRONG),
]


def _choose(v):
    return max(v, key=lambda lr: np.mean(v[lr]))


CHOOSE_LR = [
    ("max by mean", _choose, RIGHT),
    ("sorted by mean", lambda v: sorted(v, key=lambda lr: np.mean(v[lr]))[-1], RIGHT),
    ("np.argmax over the keys", lambda v: list(v)[int(np.argmax([np.mean(v[k]) for k in v]))],
     RIGHT),
    ("np.nanmean", lambda v: max(v, key=lambda lr: np.nanmean(v[lr])), RIGHT),
    ("sum instead of mean (same seeds)", lambda v: max(v, key=lambda lr: np.sum(v[lr])), RIGHT),
    ("median", lambda v: max(v, key=lambda lr: np.median(v[lr])), EITHER),
    ("the best single seed", lambda v: max(v, key=lambda lr: np.max(v[lr])), WRONG),
    ("the lowest mean", lambda v: min(v, key=lambda lr: np.mean(v[lr])), WRONG),
    ("the best worst seed", lambda v: max(v, key=lambda lr: np.min(v[lr])), WRONG),
    ("the index, not the rate", lambda v: int(np.argmax([np.mean(v[k]) for k in v])), WRONG),
    ("the accuracy, not the rate", lambda v: max(np.mean(a) for a in v.values()), WRONG),
    ("the first key (hard-coded)", lambda v: next(iter(v)), WRONG),
    ("the largest rate", lambda v: max(v), WRONG),
    ("first seed only", lambda v: max(v, key=lambda lr: v[lr][0]), WRONG),
    ("as a string", lambda v: str(_choose(v)), WRONG),
    ("in place: sorts the accuracies", lambda v: max(v, key=lambda lr: (v[lr].sort(),
                                                                        v[lr][-1])[1]), WRONG),
]


# --- 07: selu_init_(linear), param_groups(model, weight_decay) -----------------------------------

def _torch():
    import torch
    return torch


def _init(weight, bias=True, *, new=False, fan_in=None, uniform=False, std=None, gain=1.0,
          mode="fan_in"):
    """A selu_init_ answer built from its choices."""
    def answer(linear):
        torch = _torch()
        layer = torch.nn.Linear(linear.in_features, linear.out_features) if new else linear
        with torch.no_grad():
            n = fan_in or (layer.in_features if mode == "fan_in" else layer.out_features)
            scale = gain / math.sqrt(n) if std is None else std
            if weight == "normal":
                layer.weight.normal_(0.0, scale)
            elif weight == "uniform":
                layer.weight.uniform_(-math.sqrt(3) * scale, math.sqrt(3) * scale)
            if bias:
                layer.bias.zero_()
        return layer
    return answer


def _kaiming(linear):
    torch = _torch()
    torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="linear")
    torch.nn.init.zeros_(linear.bias)
    return linear


def _kaiming_no_return(linear):
    _kaiming(linear)


def _replace_parameters(linear):
    torch = _torch()
    linear.weight = torch.nn.Parameter(torch.randn(linear.out_features, linear.in_features)
                                       / math.sqrt(linear.in_features))
    linear.bias = torch.nn.Parameter(torch.zeros(linear.out_features))
    return linear


def _selu_gain(linear):
    torch = _torch()
    torch.nn.init.kaiming_normal_(linear.weight, nonlinearity="linear")
    with torch.no_grad():
        linear.weight.mul_(torch.nn.init.calculate_gain("selu"))
    torch.nn.init.zeros_(linear.bias)
    return linear


def _xavier(linear):
    torch = _torch()
    torch.nn.init.xavier_normal_(linear.weight)
    torch.nn.init.zeros_(linear.bias)
    return linear


def _trunc(linear):
    torch = _torch()
    torch.nn.init.trunc_normal_(linear.weight, std=1 / math.sqrt(linear.in_features))
    torch.nn.init.zeros_(linear.bias)
    return linear


SELU_INIT = [
    ("kaiming_normal_(nonlinearity='linear') and zeros_", _kaiming, RIGHT),
    ("normal_(0, 1/sqrt(fan_in)) under no_grad", _init("normal"), RIGHT),
    ("uniform with variance 1/fan_in", _init("uniform"), RIGHT),
    ("nn.Parameter replaced (same layer)", _replace_parameters, EITHER),
    ("truncated normal std 1/sqrt(fan_in) (variance a bit low)", _trunc, EITHER),
    ("unchanged", lambda linear: linear, WRONG),
    ("calculate_gain('selu')", _selu_gain, WRONG),
    ("He (gain sqrt 2)", _init("normal", gain=math.sqrt(2)), WRONG),
    ("fan_out", _init("normal", mode="fan_out"), WRONG),
    ("Xavier", _xavier, WRONG),
    ("biases left", _init("normal", bias=False), WRONG),
    ("a new nn.Linear, initialised right", _init("normal", new=True), WRONG),
    ("hard-coded fan_in 400", _init("normal", fan_in=400), WRONG),
    ("hard-coded std 0.05 (= 1/sqrt(400))", _init("normal", std=0.05), WRONG),
    ("forgot to return", _kaiming_no_return, WRONG),
    ("returns the weight", lambda linear: _kaiming(linear).weight, WRONG),
    ("std 1/fan_in", _init("normal", std=None, gain=1.0, fan_in=400 ** 2), WRONG),
]


def _by_module(model, weight_decay):
    nn = _torch().nn
    linear = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    rest = [p for p in model.parameters() if all(p is not w for w in linear)]
    return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]


def _by_own_parameters(model, weight_decay):
    nn = _torch().nn
    decay, other = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            (decay if isinstance(module, nn.Linear) and name == "weight" else other).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": other,
                                                              "weight_decay": 0.0}]


def _by_name(model, weight_decay):
    decay = [p for n, p in model.named_parameters() if n.endswith("weight")]
    other = [p for n, p in model.named_parameters() if not n.endswith("weight")]
    return [{"params": decay}, {"params": other, "weight_decay": 0.0}]


def _by_shape(model, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    other = [p for p in model.parameters() if p.ndim < 2]
    return [{"params": decay}, {"params": other, "weight_decay": 0.0}]


def _hard_coded_indices(model, weight_decay):
    decay = [model[0].weight, model[3].weight, model[5].weight]
    other = [p for p in model.parameters() if all(p is not w for w in decay)]
    return [{"params": decay}, {"params": other, "weight_decay": 0.0}]


def _hard_coded_names(model, weight_decay):
    names = {"0.weight", "3.weight", "5.weight"}
    params = dict(model.named_parameters())
    return [{"params": [p for n, p in params.items() if n in names]},
            {"params": [p for n, p in params.items() if n not in names], "weight_decay": 0.0}]


def _twice(model, weight_decay):
    groups = _by_module(model, weight_decay)
    groups[1]["params"] = list(model.parameters())
    return groups


def _linear_bias_too(model, weight_decay):
    nn = _torch().nn
    linear = [p for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters()]
    rest = [p for p in model.parameters() if all(p is not w for w in linear)]
    return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]


def _missing_rest(model, weight_decay):
    return _by_module(model, weight_decay)[:1]


def _generator(model, weight_decay):
    return (group for group in _by_module(model, weight_decay))


PARAM_GROUPS = [
    ("isinstance(m, nn.Linear) over model.modules()", _by_module, RIGHT),
    ("named_parameters(recurse=False) per module", _by_own_parameters, RIGHT),
    ("a generator of groups", _generator, RIGHT),
    ("by shape p.ndim >= 2 (the trap's rule)", _by_shape, EITHER),
    ("by name 'weight'", _by_name, WRONG),
    ("every parameter decayed", lambda model, wd: [{"params": list(model.parameters())}], WRONG),
    ("hard-coded indices model[0], [3], [5]", _hard_coded_indices, WRONG),
    ("hard-coded names '0.weight', ...", _hard_coded_names, WRONG),
    ("a parameter in two groups", _twice, WRONG),
    ("linear biases decayed too", _linear_bias_too, WRONG),
    ("the other parameters missing", _missing_rest, WRONG),
    ("model.parameters() itself", lambda model, wd: model.parameters(), WRONG),
    ("a dict, not a list", lambda model, wd: {"params": list(model.parameters())}, WRONG),
    ("None", lambda model, wd: None, WRONG),
]


def checker_table():
    """{checker name: (checker, [(label, answer, expect)])}."""
    fixed = _answers_fixed_point()  # (this checker takes the answer itself: (alpha, lam))
    return {
        "nb01.check_relu_grad": (nb01.check_relu_grad, RELU_GRAD),
        "nb01.check_dead_fractions": (nb01.check_dead_fractions, DEAD_FRACTIONS),
        "nb02.check_prelu": (nb02.check_prelu, PRELU),
        "nb02.check_prelu_backward": (nb02.check_prelu_backward, PRELU_BACKWARD),
        "nb03.check_selu_grad": (nb03.check_selu_grad, SELU_GRAD),
        "nb03.check_fixed_point_constants": (nb03.check_fixed_point_constants, fixed),
        "nb04.check_batchnorm_forward": (nb04.check_batchnorm_forward, BATCHNORM),
        "nb04.check_train_only_scaler": (nb04.check_train_only_scaler, SCALER),
        "nb06.check_gelu_grad": (nb06.check_gelu_grad, GELU_GRAD),
        "nb06.check_choose_lr": (nb06.check_choose_lr, CHOOSE_LR),
        "nb07.check_selu_init": (nb07.check_selu_init, SELU_INIT),
        "nb07.check_param_groups": (nb07.check_param_groups, PARAM_GROUPS),
    }
