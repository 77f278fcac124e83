"""helpers.nb05: choosing learning rates on validation data, the summaries and the checkers of
notebook 05."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.special import erf, erfc, expit, ndtr
from scipy.stats import norm
from verdicts import STUB_MESSAGE, assert_count_resets, assert_hints_escalate, assert_verdict, stub

from helpers import data, experiments, nb05
from helpers.activations import gelu, gelu_grad
from helpers.experiments import Run
from helpers.gradcheck import numerical_gradient, relative_error


def run(val, test, diverged=False):
    return Run(None, {"val_acc": [0.1, *val]}, test, 0.01, diverged)


def test_choose_learning_rates_takes_the_best_mean_validation_not_the_best_seed():
    runs = {("relu", 4, 0.01): [run([0.50], 0.40), run([0.52], 0.41)],
            ("relu", 4, 0.1): [run([0.85], 0.80), run([0.01], 0.05)],  # one lucky seed
            ("gelu", 4, 0.01): [run([0.6], 0.5), run([0.6], 0.5)],
            ("gelu", 4, 0.1): [run([0.7], 0.6), run([0.7], 0.0, diverged=True)]}
    chosen = nb05.choose_learning_rates(runs)
    assert chosen[("relu", 4)]["lr"] == 0.01
    assert chosen[("relu", 4)]["test"].tolist() == [0.4, 0.41]
    assert chosen[("gelu", 4)]["lr"] == 0.01  # a diverged run counts as 0 on validation
    assert chosen[("relu", 4)]["val"][0.1].tolist() == [0.85, 0.1]  # best epoch, from epoch 0
    assert "lr 0.01" in nb05.table(chosen, {"ReLU": ("relu", 4)})
    with pytest.raises(ValueError, match="not a configuration"):
        nb05.table(chosen, {"SiLU": ("silu", 4)})
    with pytest.raises(TypeError, match="tuples"):
        nb05.choose_learning_rates({"relu": [run([0.5], 0.4)]})


def test_stuck_fraction_counts_dead_rectifiers_and_saturated_smooth_units():
    digits = experiments.standardized_digits(seed=0)
    relu = experiments.train_mlp(digits, seed=0, hidden=[8], epochs=0)
    relu.model.layers[0].params["b"][:4] = -100.0  # four of eight units dead on every image
    assert nb05.stuck_fraction([relu], digits.X_train, "relu").tolist() == [0.5]
    leaky = experiments.train_mlp(digits, seed=0, hidden=[8], epochs=0, activation="leaky_relu")
    leaky.model.layers[0].params["b"][:4] = -100.0  # negative everywhere, still a slope of 0.01
    assert nb05.stuck_fraction([leaky], digits.X_train, "leaky_relu").tolist() == [0.0]
    silu = experiments.train_mlp(digits, seed=0, hidden=[8], epochs=0, activation="silu")
    silu.model.layers[0].params["b"][:2] = -100.0  # slope ~ 1e-42: saturated
    assert nb05.stuck_fraction([silu], digits.X_train, "silu").tolist() == [0.25]
    with pytest.raises(TypeError, match="runs must be a non-empty list"):
        nb05.stuck_fraction([], digits.X_train, "relu")


def test_plot_sequences_draws_one_panel_per_class():
    mnist = data.load_mnist1d(seed=0)
    fig = nb05.plot_sequences(mnist, per_class=2, classes=(3, 7))
    assert [ax.get_title() for ax in fig.axes] == ["class 3", "class 7"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="classes"):
        nb05.plot_sequences(mnist, classes=(10,))


def test_gelu_tanh_approximation_and_its_derivative():
    z = np.linspace(-5, 5, 201)
    assert np.abs(nb05.gelu_tanh(z) - gelu(z)).max() < 1e-3  # Hendrycks & Gimpel's approximation
    dout = np.ones_like(z)
    numeric = numerical_gradient(nb05.gelu_tanh, z.copy(), dout=dout)
    assert relative_error(nb05.gelu_tanh_grad(z), numeric) < 1e-7
    assert np.abs(nb05.gelu_tanh_grad(z) - gelu_grad(z)).max() < 0.02


C = np.sqrt(2 / np.pi)


def tanh_form_grad(z):
    """The textbook derivative of the tanh approximation (it cancels to 0 for z < -6 or so)."""
    t = np.tanh(C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * C * (1 + 3 * 0.044715 * z**2)


def tanh_form_grad_without_cancellation(z):
    """The same, with (1 + tanh u)/2 = sigmoid(2u): tiny, not 0, in the left tail."""
    u = C * (z + 0.044715 * z**3)
    s = expit(2 * u)
    return s + z * 2 * s * expit(-2 * u) * C * (1 + 3 * 0.044715 * z**2)


def density(z):
    return np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
GELU_GRAD_ANSWERS = {
    "the helper": (gelu_grad, True, "exact derivative"),
    "scipy.stats.norm": (lambda z: norm.cdf(z) + z * norm.pdf(z), True, "exact derivative"),
    "erf": (lambda z: 0.5 * (1 + erf(z / np.sqrt(2))) + z * density(z), True,
            "exact derivative"),
    "erfc": (lambda z: 0.5 * erfc(-z / np.sqrt(2)) + z * density(z), True, "exact derivative"),
    "ndtr": (lambda z: ndtr(z) + z * density(z), True, "exact derivative"),
    "as float32": (lambda z: (ndtr(z) + z * density(z)).astype(np.float32), True,
                   "exact derivative"),
    "a list": (lambda z: gelu_grad(z).tolist(), True, "exact derivative"),
    "tanh form, the helper": (nb05.gelu_tanh_grad, True, "tanh approximation"),
    "tanh form, textbook": (tanh_form_grad, True, "tanh approximation"),
    "tanh form, no cancellation": (tanh_form_grad_without_cancellation, True,
                                   "tanh approximation"),
    # the function, or one term of the product rule
    "the function": (gelu, False, "GELU itself"),
    "the tanh approximation itself": (nb05.gelu_tanh, False, "tanh approximation itself"),
    "the first term": (ndtr, False, "first term"),
    "the first term, tanh form": (lambda z: 0.5 * (1 + np.tanh(C * (z + 0.044715 * z**3))),
                                  False, "first term"),
    "the second term": (lambda z: z * density(z), False, "second term"),
    # the density and the chain rule
    "minus": (lambda z: ndtr(z) - z * density(z), False, "wrong sign"),
    "no 1/sqrt(2 pi)": (lambda z: ndtr(z) + z * np.exp(-z * z / 2), False, "1/sqrt(2 pi)"),
    "exp(-z²)": (lambda z: ndtr(z) + z * np.exp(-z * z) / np.sqrt(2 * np.pi), False,
                 "-z²/2, not -z²"),
    "tanh form without the inner derivative's cubic part": (
        lambda z: (lambda t: 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * C)(
            np.tanh(C * (z + 0.044715 * z**3))), False, "inner derivative"),
    # another activation
    "SiLU's derivative": (lambda z: expit(z) * (1 + z * (1 - expit(z))), False, "SiLU"),
    "the sigmoid approximation": (lambda z: expit(1.702 * z) * (1 + 1.702 * z * (
        1 - expit(1.702 * z))), False, "sigmoid approximation"),
    # right only on typical draws, no answer
    "0 below -5": (lambda z: np.where(z < -5, 0.0, gelu_grad(z)), False, "expected"),
    "twice the tanh form": (lambda z: 2 * tanh_form_grad(z), False, "expected"),
    "in place": (lambda z: np.multiply(z, 0, out=z) + 0.5, False, "in place"),
    "empty stub": (stub, False, "returns None"),
}
GELU_GRAD_SOLUTION = ["norm.cdf", "norm.pdf", "Phi(z) + z phi(z)"]
GELU_GRAD_GENERIC = {"in place", "empty stub"}


@pytest.mark.parametrize("name", GELU_GRAD_ANSWERS)
def test_check_gelu_grad(name):
    assert_verdict(nb05.check_gelu_grad, *GELU_GRAD_ANSWERS[name])


@pytest.mark.parametrize("name", [n for n, a in GELU_GRAD_ANSWERS.items() if not a[1]])
def test_gelu_grad_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = GELU_GRAD_ANSWERS[name]
    assert_hints_escalate(nb05.check_gelu_grad, candidate, phrase, GELU_GRAD_SOLUTION,
                          "norm.cdf(z) + z * norm.pdf(z)",
                          single_level=name in GELU_GRAD_GENERIC)


def test_gelu_grad_counts_reset_and_the_code_is_right():
    assert nb05.check_gelu_grad(stub).message == STUB_MESSAGE
    namespace = {"np": np}
    exec("def gelu_grad(z):\n    " + nb05._GELU_CODE.removeprefix("In code: ").rstrip(".")
         .replace("; ", "\n    "), namespace)
    assert nb05.check_gelu_grad(namespace["gelu_grad"]).correct
    assert_count_resets(nb05.check_gelu_grad, gelu, gelu_grad)


def right_choice(val_by_lr):
    return max(val_by_lr, key=lambda lr: np.mean(val_by_lr[lr]))


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
CHOOSE_ANSWERS = {
    "the mean": (right_choice, True, "best mean validation"),
    "the sum": (lambda v: max(v, key=lambda lr: np.sum(v[lr])), True, "best mean validation"),
    "argmax over a list": (lambda v: list(v)[int(np.argmax([np.mean(a) for a in v.values()]))],
                           True, "best mean validation"),
    "sorted": (lambda v: sorted(v.items(), key=lambda kv: -kv[1].mean())[0][0], True,
               "best mean validation"),
    "as a numpy float": (lambda v: np.array(list(v))[np.argmax([a.mean() for a in v.values()])],
                         True, "best mean validation"),
    "as float32": (lambda v: np.float32(right_choice(v)), True, "best mean validation"),
    # another summary of the seeds
    "the best seed": (lambda v: max(v, key=lambda lr: np.max(v[lr])), False, "single best seed"),
    "the median": (lambda v: max(v, key=lambda lr: np.median(v[lr])), False, "median"),
    "the worst seed": (lambda v: max(v, key=lambda lr: np.min(v[lr])), False, "worst seed"),
    "the first seed": (lambda v: max(v, key=lambda lr: v[lr][0]), False, "one seed (the first)"),
    "the last seed": (lambda v: max(v, key=lambda lr: v[lr][-1]), False, "one seed (the last)"),
    "the lowest mean": (lambda v: min(v, key=lambda lr: np.mean(v[lr])), False, "lowest"),
    # not looking at the accuracies
    "the largest learning rate": (lambda v: max(v), False, "largest learning rate"),
    "the smallest learning rate": (lambda v: min(v), False, "smallest learning rate"),
    "the first key": (lambda v: next(iter(v)), False, "smallest learning rate"),
    # the wrong kind of answer
    "a list": (lambda v: [right_choice(v)], False, "not a container"),
    "an array": (lambda v: np.array([right_choice(v)]), False, "not a container"),
    "a pair": (lambda v: (right_choice(v), np.mean(v[right_choice(v)])), False, "not a pair"),
    "the accuracy": (lambda v: max(np.mean(a) for a in v.values()), False, "an accuracy"),
    "the position": (lambda v: int(np.argmax([np.mean(a) for a in v.values()])), False,
                     "the position"),
    "a string": (lambda v: "0.01", False, "not text"),
    "a dict": (lambda v: {"lr": 0.01}, False, "return one of the learning rates"),
    # in place
    "sorted in place": (lambda v: [a.sort() for a in v.values()] and right_choice(v), False,
                        "in place"),
    "a key popped": (lambda v: v.pop(min(v)) is not None and right_choice(v), False, "in place"),
    "empty stub": (stub, False, "returns None"),
}
CHOOSE_GENERIC = {"a list", "an array", "a pair", "the accuracy", "the position", "a string",
                  "a dict", "sorted in place", "a key popped", "empty stub"}


@pytest.mark.parametrize("name", CHOOSE_ANSWERS)
def test_check_choose_lr(name):
    assert_verdict(nb05.check_choose_lr, *CHOOSE_ANSWERS[name], repeats=5)


@pytest.mark.parametrize("name", [n for n, a in CHOOSE_ANSWERS.items() if not a[1]])
def test_choose_lr_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = CHOOSE_ANSWERS[name]
    assert_hints_escalate(nb05.check_choose_lr, candidate, phrase, ["np.mean", "key=", "average"],
                          "np.mean(val_by_lr[lr])", single_level=name in CHOOSE_GENERIC)


def test_choose_lr_cases_tell_every_rule_apart():
    cases = nb05._choose_cases(np.random.default_rng(0))
    rules = [rule for rule, _ in nb05._CHOICE_RULES] + [right_choice]
    picks = [tuple(rule(val) for val in cases) for rule in rules]  # each rule's three choices
    assert len(set(picks)) == len(rules)  # no two rules choose alike on all three
    for val in cases:  # within one set, every rule on the seeds picks its own learning rate
        assert len({rule(val) for rule in rules[:5] + rules[-1:]}) == 6


def test_choose_lr_counts_reset_and_the_code_is_right():
    assert nb05.check_choose_lr(stub).message == STUB_MESSAGE
    code = nb05._CHOOSE_CODE.removeprefix("In code: return ").rstrip(".")
    assert nb05.check_choose_lr(eval(f"lambda val_by_lr: {code}", {"np": np})).correct
    assert_count_resets(nb05.check_choose_lr, CHOOSE_ANSWERS["the median"][0], right_choice)


def fake_chosen():
    """A `choose_learning_rates` result for two activations at two depths (no training)."""
    rng = np.random.default_rng(0)
    return {("activation", name, depth): {"lr": 0.01, "val": {0.01: rng.uniform(0.4, 0.6, 5)},
                                          "test": rng.uniform(0.4, 0.6, 5), "runs": []}
            for name in ("ReLU", "SiLU") for depth in (4, 16)}


GROUPS = {"activations": {"ReLU": ("activation", "ReLU"), "SiLU": ("activation", "SiLU")}}


def test_results_figure_and_explorer(monkeypatch):
    chosen = fake_chosen()
    fig = nb05.results_figure(chosen, GROUPS, "activations", 16, "validation")
    ax = fig.axes[0]
    assert "16 hidden layers (validation" in ax.get_title()
    dots = [c.get_offsets()[:, 1] for c in ax.collections]
    assert np.allclose(dots[1], chosen[("activation", "SiLU", 16)]["val"][0.01])
    plt.close(fig)
    with pytest.raises(ValueError, match="comparison"):
        nb05.results_figure(chosen, GROUPS, "norms", 4)
    with pytest.raises(ValueError, match="depth 8"):
        nb05.results_figure(chosen, GROUPS, "activations", 8)
    calls = []
    monkeypatch.setattr(nb05, "results_figure",
                        lambda *a, **k: calls.append(a) or plt.figure())
    explorer = nb05.results_explorer(chosen, GROUPS, [4, 16])
    explorer.children[0].value = 16
    assert calls[-1][2:] == ("activations", 16, "test")
    with pytest.raises(ValueError, match="depths"):
        nb05.results_explorer(chosen, GROUPS, [])


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

def test_stuck_fraction_of_a_residual_run():
    """Notebook 05's best network is residual: here every hidden layer is a Residual block."""
    digits = experiments.standardized_digits(seed=0)
    for activation in ("relu", "prelu"):
        res = experiments.train_mlp(digits, seed=0, hidden=[64, 64], epochs=0, residual=True,
                                    activation=activation)
        assert [type(layer).__name__ for layer in res.model.layers] == ["Residual", "Residual",
                                                                        "Linear"]
        block = res.model.layers[1].block
        block.layers[0].params["b"][:32] = -1000.0  # 32 of 128 units dead
        if activation == "prelu":
            block.layers[1].params["negative_slope"][:] = 0.0
        assert nb05.stuck_fraction([res], digits.X_train, activation).tolist() == [0.25]


def test_gelu_tanh_and_its_derivative_have_limits_not_nans():
    z = np.array([-np.inf, -1e200, -1e6, -10.5, 10.5, 1e6, 1e200, np.inf, np.nan])
    with np.errstate(all="raise"):  # no overflow on the way
        f, df = nb05.gelu_tanh(z), nb05.gelu_tanh_grad(z)
    np.testing.assert_array_equal(f, [0, 0, 0, 0, 10.5, 1e6, 1e200, np.inf, np.nan])
    np.testing.assert_array_equal(df, [0, 0, 0, 0, 1, 1, 1, 1, np.nan])
    moderate = np.linspace(-10, 10, 401)  # there, exactly the formula of the docstring
    t = np.tanh(np.sqrt(2 / np.pi) * (moderate + 0.044715 * moderate**3))
    np.testing.assert_array_equal(nb05.gelu_tanh(moderate), 0.5 * moderate * (1 + t))
    z32 = moderate.astype(np.float32)
    assert nb05.gelu_tanh(z32).dtype == np.float32 == nb05.gelu_tanh_grad(z32).dtype
    for bad, error, match in [(None, TypeError, "z must be"), ("1.0", TypeError, "z must be"),
                              (np.ma.masked_array([1.0]), TypeError, "z is a masked array")]:
        for f in (nb05.gelu_tanh, nb05.gelu_tanh_grad):
            with pytest.raises(error, match=match):
                f(bad)


def test_best_validation_and_table_reject_what_they_cannot_read():
    assert nb05.best_validation(run([0.3, 0.7], 0.5)) == 0.7
    assert nb05.best_validation(run([0.7], 0.5, diverged=True)) == 0.0
    with pytest.raises(TypeError, match=r"run must be an experiments.Run .*; got dict"):
        nb05.best_validation({"val_acc": [0.5]})
    no_validation = Run(None, {"train_acc": [0.1, 0.9]}, 0.5, 0.01, False)
    with pytest.raises(ValueError, match=r"run has no validation accuracies \(history\['val_acc'"
                       r"\]\): train it with a validation split"):
        nb05.best_validation(no_validation)
    chosen = nb05.choose_learning_rates({("relu", 4, 0.01): [run([0.5], 0.4)]})
    for configs, error, match in [
            (None, TypeError, r"configs must be a dict row name -> configuration"),
            (["relu"], TypeError, r"configs must be a dict"),
            ({"ReLU": ["relu", 4]}, ValueError, r"configs\['ReLU'\] = \['relu', 4\] is not a "
             "configuration of chosen"),
            ({"SiLU": ("silu", 4)}, ValueError, "is not a configuration of chosen")]:
        with pytest.raises(error, match=match):
            nb05.table(chosen, configs)
    with pytest.raises(TypeError, match="chosen must be the dict that choose_learning_rates"):
        nb05.table([("relu", 4)], {"ReLU": ("relu", 4)})


def test_stuck_fraction_uses_each_layers_own_parameters_and_checks_the_activation():
    digits = experiments.standardized_digits(seed=0)
    # a Leaky ReLU with slope 1e-4 is stuck where it is negative everywhere (|f'| < 1e-3)
    leaky = experiments.train_mlp(digits, seed=0, hidden=[8], epochs=0, activation="leaky_relu",
                                  activation_params={"negative_slope": 1e-4})
    leaky.model.layers[0].params["b"][:4] = -100.0
    assert nb05.stuck_fraction([leaky], digits.X_train, "leaky_relu").tolist() == [0.5]
    with pytest.raises(ValueError, match=r"activation must be the runs' activation: their "
                       r"networks have \['leaky_relu'\] layers; got 'relu'"):
        nb05.stuck_fraction([leaky], digits.X_train, "relu")
