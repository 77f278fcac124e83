"""helpers.optim: SGD with momentum, Adam, and which parameters get weight decay."""

import numpy as np
import pytest

from helpers.layers import Linear, PReLU, Sequential
from helpers.optim import SGD, Adam


class Quadratic:
    """A one-parameter 'model' with loss p^2 / 2, so grad = p."""

    def __init__(self, value):
        self.params = {"0.W": np.array([value])}
        self.grads = {"0.W": np.zeros(1)}

    def compute_grads(self):
        self.grads["0.W"][...] = self.params["0.W"]


def test_sgd_step_by_hand():
    model = Quadratic(2.0)
    opt = SGD(model, lr=0.1, momentum=0.9)
    values = []
    for _ in range(3):
        model.compute_grads()
        opt.step()
        values.append(float(model.params["0.W"][0]))
    # v1 = 2, p = 1.8; v2 = 0.9*2 + 1.8 = 3.6, p = 1.44; v3 = 0.9*3.6 + 1.44 = 4.68, p = 0.972
    assert np.allclose(values, [1.8, 1.44, 0.972])


def test_adam_first_step_is_lr_times_sign():
    model = Quadratic(3.0)
    model.compute_grads()
    Adam(model, lr=0.01).step()
    assert model.params["0.W"][0] == pytest.approx(2.99, abs=1e-8)


@pytest.mark.parametrize("opt_class", [SGD, Adam])
def test_both_minimise_a_quadratic(opt_class):
    model = Quadratic(5.0)
    opt = opt_class(model, lr=0.1)
    for _ in range(500):
        model.compute_grads()
        opt.step()
    assert abs(model.params["0.W"][0]) < 1e-3


def test_weight_decay_skips_excluded_parameters():
    rng = np.random.default_rng(0)
    net = Sequential(Linear(3, 3, rng=rng), PReLU(3))
    before = {k: v.copy() for k, v in net.params.items()}
    for g in net.grads.values():
        g[...] = 0.0  # no loss gradient: only weight decay can move anything
    SGD(net, lr=0.1, weight_decay=0.5).step()
    assert np.allclose(net.params["0.W"], before["0.W"] * (1 - 0.05))
    assert np.array_equal(net.params["1.negative_slope"], before["1.negative_slope"])
    assert np.array_equal(net.params["0.b"], before["0.b"])
    opt = SGD(net, lr=0.1, weight_decay=0.5, no_decay=())
    assert opt.decays("1.negative_slope") and opt.decays("0.b")
    opt.step()
    assert np.allclose(net.params["1.negative_slope"], before["1.negative_slope"] * 0.95)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda m: SGD(m, lr=0), ValueError, "lr must be > 0"),
        (lambda m: SGD(m, lr=0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
        (lambda m: SGD(m, lr=0.1, weight_decay=-1), ValueError, "weight_decay must be >= 0"),
        (lambda m: Adam(m, betas=(0.9, 1.0)), ValueError, r"betas must be in \[0, 1\)"),
        (lambda m: SGD(object(), lr=0.1), TypeError, "model must have dicts params and grads"),
    ],
)
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(Quadratic(1.0))


@pytest.mark.parametrize("call,error,match", [
    (lambda net: SGD(net, lr=0.1, no_decay="negative_slope"), TypeError,
     r"no_decay must be a tuple of parameter names.*a single name: \("),
    (lambda net: SGD(net, lr=0.1, no_decay=None), TypeError, "no_decay must be a sequence"),
    (lambda net: Adam(net, betas=0.9), TypeError, r"betas must be a sequence|betas must be a pair"),
    (lambda net: Adam(net, betas=(0.9, 0.99, 0.999)), TypeError, "betas must be a pair"),
])
def test_bad_optimizer_arguments(call, error, match):
    net = Sequential(Linear(3, 3, rng=np.random.default_rng(0)), PReLU(3))
    with pytest.raises(error, match=match):
        call(net)


def test_a_gradient_of_the_wrong_shape_is_an_error_not_broadcast():
    net = Sequential(Linear(3, 2, rng=np.random.default_rng(0)))
    opt = SGD(net, lr=0.1)
    net.layers[0].grads["b"] = np.zeros(1)  # would broadcast over the two biases
    message = r"gradient of '0.b' \(model.grads\['0.b'\]\) must be an array of the parameter's"
    with pytest.raises(ValueError, match=message + r" shape \(2,\)"):
        opt.step()


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

def test_the_base_class_says_what_to_implement():
    from helpers.optim import Optimizer

    model = Quadratic(1.0)
    with pytest.raises(NotImplementedError, match=r"Optimizer is a base class: an optimizer "
                       r"implements _update\(key, param, grad\)"):
        Optimizer(model, lr=0.1).step()


class Holder:
    """A model whose parameter is whatever the test puts in."""

    def __init__(self, value, grad=None):
        self.params = {"w": value}
        self.grads = {"w": np.zeros(np.shape(value)) if grad is None else grad}


def read_only():
    value = np.ones(2)
    value.flags.writeable = False
    return value


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("value,got", [(np.array([1, 2]), "an array of dtype int64"),
                                       (np.array([True, False]), "an array of dtype bool"),
                                       (1.5, "float 1.5"), ([1.0, 2.0], r"list \[1.0, 2.0\]"),
                                       (read_only(), "a read-only array")])
def test_a_parameter_that_cannot_be_updated_in_place_gets_a_clear_error(optimizer, value, got):
    message = (r"the parameter 'w' \(model.params\['w'\]\) must be a writeable float array "
               rf"\(the optimizer updates it in place\); got {got}")
    with pytest.raises(TypeError, match=message):
        optimizer(Holder(value), lr=0.1)
    model = Holder(np.ones(2))
    opt = optimizer(model, lr=0.1)
    model.params["w"] = value  # changed after the optimizer was built
    with pytest.raises(TypeError, match=message):
        opt.step()


@pytest.mark.parametrize("grad,got", [(np.ones(2, dtype=complex), "dtype complex128"),
                                      (np.array(["a", "b"]), "dtype <U1"),
                                      ([1.0, 2.0], "list")])
def test_a_gradient_that_is_not_real_numbers_gets_a_clear_error(grad, got):
    opt = SGD(Holder(np.ones(2), grad), lr=0.1)
    with pytest.raises(ValueError, match=rf"the gradient of 'w' \(model.grads\['w'\]\) must be "
                       rf"an array of the parameter's shape \(2,\), of real numbers; got {got}"):
        opt.step()


@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_a_non_finite_gradient_is_rejected_as_divergence(optimizer, value):
    """Fuzz campaign: Adam.step with an inf gradient raised a RuntimeWarning (as an error)."""
    from helpers.training import DivergedError
    opt = optimizer(Holder(np.ones(2), np.array([1.0, value])), lr=0.1)
    with pytest.raises(DivergedError, match=r"the gradient of 'w' \(model.grads\['w'\]\) "
                       "contains NaN or inf: the loss diverged upstream; lower the learning"):
        opt.step()


def test_a_masked_gradient_is_refused():
    """Fuzz campaign: Adam.step used the hidden values of a masked gradient."""
    grad = np.ma.masked_array([1.0, 2.0], mask=[False, True])
    with pytest.raises(TypeError, match=r"model.grads\['w'\] is a masked array"):
        Adam(Holder(np.ones(2), grad)).step()


@pytest.mark.parametrize("opt", [lambda m: Adam(m), lambda m: SGD(m, lr=0.1, weight_decay=1e200),
                                 lambda m: SGD(m, lr=1e300)])
def test_an_update_that_overflows_is_a_clear_error(opt):
    from helpers.training import DivergedError
    with pytest.raises(DivergedError, match="'w'.*lower the learning rate"):
        opt(Holder(np.full(2, 1e200), np.full(2, 1e200))).step()
