"""The exercise checkers of nb01 to nb04 accept right answers and name the usual mistakes."""

import numpy as np
import pytest

from helpers import nb01, nb02, nb03, nb04
from helpers.activations import relu, relu_grad


def stub(*args):
    ...  # what the notebook ships: an empty body


RELU_GRAD_CASES = {
    "reference": (relu_grad, True, "Correct!"),
    "z > 0 as floats": (lambda z: (z > 0).astype(float), True, "Correct!"),
    "np.where": (lambda z: np.where(z > 0, 1.0, 0.0), True, "Correct!"),
    "heaviside": (lambda z: np.heaviside(z, 0.0), True, "Correct!"),
    "from the output": (lambda z: (relu(z) >= 0).astype(float), False, "always true"),
    ">= 0": (lambda z: (z >= 0).astype(float), False, "exactly z = 0"),
    "the function": (relu, False, "the function itself"),
    "booleans": (lambda z: z > 0, False, "as booleans"),
    "a sum": (lambda z: (z > 0).sum(), False, "must have the shape of z"),
    "in place": (lambda z: np.greater(z, 0, out=z), False, "in place"),
    "empty stub": (stub, False, "returns None"),
    "raises": (lambda z: undefined_name, False, "raised NameError"),  # noqa: F821
    "other": (lambda z: np.sign(z), False, "expected"),
}



def dead_reference(zs):
    return [np.mean(np.all(z <= 0, axis=0)) for z in zs]


DEAD_CASES = {
    "reference": (dead_reference, True, "Correct!"),
    "via max": (lambda zs: [np.mean(z.max(axis=0) <= 0) for z in zs], True, "Correct!"),
    "loop": (lambda zs: [sum(all(z[:, j] <= 0) for j in range(z.shape[1])) / z.shape[1]
                         for z in zs], True, "Correct!"),
    "one sample": (lambda zs: [np.mean(z[0] <= 0) for z in zs], False, "single sample"),
    "sparsity": (lambda zs: [np.mean(z <= 0) for z in zs], False, "sparsity"),
    "strict": (lambda zs: [np.mean(np.all(z < 0, axis=0)) for z in zs], False, "exactly 0"),
    "any": (lambda zs: [np.mean(np.any(z <= 0, axis=0)) for z in zs], False, "SOME sample"),
    "axis 1": (lambda zs: [np.mean(np.all(z <= 0, axis=1)) for z in zs], False, "axis=1"),
    "counts": (lambda zs: [np.sum(np.all(z <= 0, axis=0)) for z in zs], False, "number of"),
    "one number": (lambda zs: 0.5, False, "one fraction per layer"),
    "empty stub": (stub, False, "returns None"),
    "not a function": ([0.1, 0.2, 0.3], False, "pass your function"),
}



def test_the_mistakes_give_distinct_answers_on_the_check_data():
    """Otherwise a hint could name the wrong mistake."""
    zs = nb01._dead_fraction_inputs()
    answers = [tuple(np.round(nb01.reference_dead_fractions(zs), 12))]
    answers += [tuple(np.round(np.asarray(f(zs), float), 12))
                for f, _ in nb01._DEAD_MISTAKES.values()]
    assert len(set(answers)) == len(answers)


def prelu_ok(z, a):
    return np.maximum(z, 0) + a * np.minimum(z, 0)


PRELU_CASES = {
    "reference": (prelu_ok, True, "Correct!"),
    "where": (lambda z, a: np.where(z > 0, z, a * z), True, "Correct!"),
    "helper": (lambda z, a: __import__("helpers.activations").activations.prelu(z, a), True,
               "Correct!"),
    "np.maximum": (lambda z, a: np.maximum(a * z, z), False, "only when a <= 1"),
    "article np.max": (lambda z, a: np.max(a * z, z), False, "its second argument is an axis"),
    "wrong axis": (lambda z, a: np.maximum(z, 0) + a[:, None] * np.minimum(z, 0), False,
                   "broadcast"),
    "leaky": (lambda z, a: np.maximum(z, 0) + 0.01 * np.minimum(z, 0), False, "fixed 0.01"),
    "relu": (lambda z, a: np.maximum(z, 0), False, "plain ReLU"),
    "a not a*z": (lambda z, a: np.where(z > 0, z, a), False, "not a."),
    "empty stub": (stub, False, "returns None"),
}



def backward_ok(dout, z, a):
    return dout * np.where(z > 0, 1.0, a), (dout * np.minimum(z, 0)).sum(axis=0)


PRELU_BACKWARD_CASES = {
    "reference": (backward_ok, True, "Correct!"),
    "helper": (lambda d, z, a: __import__("helpers.activations").activations.prelu_backward(
        d, z, a), True, "Correct!"),
    "dalpha wrong axis": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                           (d * np.minimum(z, 0)).sum(axis=1)), False,
                          "summed over the channels"),
    "dalpha all axes": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                         (d * np.minimum(z, 0)).sum()), False, "single number"),
    "dalpha no mask": (lambda d, z, a: (backward_ok(d, z, a)[0], (d * z).sum(axis=0)), False,
                       "mask is missing"),
    "dalpha mean": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                     (d * np.minimum(z, 0)).mean(axis=0)), False, "not the mean"),
    "dalpha no dout": (lambda d, z, a: (backward_ok(d, z, a)[0], np.minimum(z, 0).sum(axis=0)),
                       False, "weighted by the upstream"),
    "dz no mask": (lambda d, z, a: (d * a, backward_ok(d, z, a)[1]), False,
                   "slope a everywhere"),
    "dz at zero": (lambda d, z, a: (d * np.where(z >= 0, 1.0, a), backward_ok(d, z, a)[1]),
                   False, "exactly z = 0"),
    "dz no dout": (lambda d, z, a: (np.where(z > 0, 1.0, a), backward_ok(d, z, a)[1]), False,
                   "chain rule"),
    "one value": (lambda d, z, a: d, False, "return two arrays"),
    "empty stub": (stub, False, "returns None"),
}



LAM, ALPHA = __import__("helpers.activations").activations.SELU_LAMBDA, \
    __import__("helpers.activations").activations.SELU_ALPHA

SELU_GRAD_CASES = {
    "reference": (lambda z: np.where(z > 0, LAM, LAM * ALPHA * np.exp(np.minimum(z, 0))), True,
                  "Correct!"),
    "no lambda": (lambda z: np.where(z > 0, 1.0, ALPHA * np.exp(np.minimum(z, 0))), False,
                  "lambda is missing"),
    "alpha, not lambda*alpha": (lambda z: np.where(z > 0, LAM, ALPHA * np.exp(np.minimum(z, 0))),
                                False, "missing lambda"),
    "no alpha": (lambda z: np.where(z > 0, LAM, LAM * np.exp(np.minimum(z, 0))), False,
                 "missing alpha"),
    "kept the -1": (lambda z: np.where(z > 0, LAM, LAM * ALPHA * np.expm1(np.minimum(z, 0))),
                    False, "the -1 disappears"),
    ">= 0": (lambda z: np.where(z >= 0, LAM, LAM * ALPHA * np.exp(np.minimum(z, 0))), False,
             "exactly z = 0"),
    "the function": (lambda z: __import__("helpers.activations").activations.selu(z), False,
                     "selu itself"),
    "empty stub": (stub, False, "returns None"),
}



def test_check_fixed_point_constants():
    from helpers.selu_theory import derive_selu_constants

    alpha, lam = derive_selu_constants(0.0, 2.0)
    assert nb03.check_fixed_point_constants((alpha, lam)).correct
    assert nb03.check_fixed_point_constants([alpha + 1e-9, lam]).correct
    cases = {
        None: "fill in my_answer",
        (lam, alpha): "wrong order",
        (ALPHA, LAM): "made for the fixed point (0, 1)",
        (alpha, 1.0): "the mean is fixed",
        (1.0, 1.0): "both must equal",
        ("a", "b"): "give two numbers",
        (-1.0, 1.0): "must be positive",
    }
    for answer, phrase in cases.items():
        feedback = nb03.check_fixed_point_constants(answer)
        assert not feedback.correct and phrase in feedback.message, (answer, feedback)
    other = derive_selu_constants(0.1, 1.5)
    assert nb03.check_fixed_point_constants(other, mean=0.1, var=1.5).correct


def bn_ok(x, g, b, eps):
    return g * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + b


BN_CASES = {
    "reference": (bn_ok, True, "Correct!"),
    "helper layer": (lambda x, g, b, eps: _bn_layer(x, g, b, eps), True, "Correct!"),
    "unbiased": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0, ddof=1) + eps) + b,
                 False, "unbiased variance"),
    "no eps": (lambda x, g, b, eps: g * (x - x.mean(0)) / np.sqrt(x.var(0)) + b, False,
               "eps inside the square root"),
    "layer norm": (lambda x, g, b, eps: g * (x - x.mean(1, keepdims=True))
                   / np.sqrt(x.var(1, keepdims=True) + eps) + b, False, "layer norm"),
    "no affine": (lambda x, g, b, eps: (x - x.mean(0)) / np.sqrt(x.var(0) + eps), False,
                  "scale by gamma"),
    "std + eps": (lambda x, g, b, eps: g * (x - x.mean(0)) / (x.std(0) + eps) + b, False,
                  "not std + eps"),
    "empty stub": (stub, False, "returns None"),
}


def _bn_layer(x, g, b, eps):
    from helpers.layers import BatchNorm1d

    bn = BatchNorm1d(x.shape[1], eps=eps)
    bn.params["gamma"][:], bn.params["beta"][:] = g, b
    return bn.forward(x)



def scaler_ok(tr, te):
    m, s = tr.mean(0), tr.std(0)
    return (tr - m) / s, (te - m) / s


def _fit_all(tr, te):
    both = np.vstack([tr, te])
    m, s = both.mean(0), both.std(0)
    return (tr - m) / s, (te - m) / s


SCALER_CASES = {
    "reference": (scaler_ok, True, "Correct!"),
    "helper": (lambda tr, te: (lambda s: (s.transform(tr), s.transform(te)))(
        __import__("helpers.scalers").scalers.StandardScaler().fit(tr)), True, "Correct!"),
    "fit on all": (_fit_all, False, "leaks the test set"),
    "test on its own": (lambda tr, te: (scaler_ok(tr, tr)[0], scaler_ok(te, te)[0]), False,
                        "its own statistics"),
    "test unscaled": (lambda tr, te: (scaler_ok(tr, te)[0], te), False, "not scaled at all"),
    "ddof 1": (lambda tr, te: ((tr - tr.mean(0)) / tr.std(0, ddof=1),
                               (te - tr.mean(0)) / tr.std(0, ddof=1)), False, "ddof=0"),
    "one array": (lambda tr, te: tr, False, "return two arrays"),
    "empty stub": (stub, False, "returns None"),
}


# checker -> its cases: name -> (candidate, correct?, phrase the message must contain)
CHECKERS = {
    nb01.check_relu_grad: RELU_GRAD_CASES,
    nb01.check_dead_fractions: DEAD_CASES,
    nb02.check_prelu: PRELU_CASES,
    nb02.check_prelu_backward: PRELU_BACKWARD_CASES,
    nb03.check_selu_grad: SELU_GRAD_CASES,
    nb04.check_batchnorm_forward: BN_CASES,
    nb04.check_train_only_scaler: SCALER_CASES,
}
ALL_CASES = [(check, name) for check, cases in CHECKERS.items() for name in cases]


@pytest.mark.parametrize("check,name", ALL_CASES,
                         ids=[f"{check.__name__}-{name}" for check, name in ALL_CASES])
def test_checker_accepts_right_answers_and_names_mistakes(check, name):
    candidate, correct, phrase = CHECKERS[check][name]
    with np.errstate(divide="ignore", invalid="ignore"):  # some wrong answers divide by zero
        feedback = check(candidate)
    assert feedback.correct is correct and bool(feedback) is correct, feedback.message
    assert phrase in feedback.message
    assert feedback.message.startswith("Correct!" if correct else "Not yet:")
    assert repr(feedback) == feedback.message
