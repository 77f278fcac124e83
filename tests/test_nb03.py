"""helpers.nb03: the figures, explorer and helpers behind notebook 03."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.optimize import brentq
from verdicts import (
    assert_count_resets,
    assert_hints_escalate,
    assert_verdict,
    hint_levels,
    stub,
)

from helpers import activations, nb03, selu_theory
from helpers.selu_theory import derive_selu_constants


def test_moment_map_plot():
    ax = nb03.plot_moment_map(starts=[(0.4, 1.8)], steps=5, n_arrows=5)
    path = [line for line in ax.get_lines() if line.get_label() == "start (0.4, 1.8)"][0]
    assert len(path.get_xdata()) == 6 and path.get_xdata()[0] == 0.4
    assert len(ax.collections) == 1  # the quiver
    assert "omega = 0" in ax.get_title()


def test_selu_explorer(monkeypatch):
    fig = nb03.selu_figure(depth=8, gain=1.2, input_mean=1.0, input_std=2.0, width=16)
    assert "x 1.2" in fig.get_suptitle() and "N(1, 2²)" in fig.get_suptitle()
    calls = []
    monkeypatch.setattr(nb03, "selu_figure", lambda **k: calls.append(k) or plt.figure())
    explorer = nb03.selu_explorer()
    sliders = {c.description: c for c in explorer.children[:4]}
    sliders["input mean"].value = 2.0
    assert calls[-1] == {"depth": 32, "gain": 1.0, "input_mean": 2.0, "input_std": 1.0}
    assert sliders["depth"].value < sliders["depth"].max  # the first move to the right redraws
    assert sliders["depth"].max == 64  # deeper would take over half a second to redraw



# --- the exercise checkers ------------------------------------------------------------------


LAM, ALPHA = activations.SELU_LAMBDA, activations.SELU_ALPHA


def selu_grad_ok(z):
    return np.where(z > 0, LAM, LAM * ALPHA * np.exp(np.minimum(z, 0)))


def selu_grad_by_masks(z):
    out = np.full_like(z, LAM)
    negative = z <= 0
    out[negative] = LAM * ALPHA * np.exp(z[negative])  # exp only where it is used
    return out


def selu_grad_loop(z):
    out = np.empty_like(z)
    for i, v in np.ndenumerate(z):
        out[i] = LAM if v > 0 else LAM * ALPHA * math.exp(v)
    return out


def selu_grad_loop_exp_first(z):
    return np.array([LAM * ALPHA * math.exp(v) * (v <= 0) + LAM * (v > 0)
                     for v in z.ravel()]).reshape(z.shape)


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
SELU_GRAD_ANSWERS = {
    "reference": (selu_grad_ok, True, "Correct!"),
    "the helper": (activations.selu_grad, True, "Correct!"),
    "masks": (lambda z: LAM * ((z > 0) + ALPHA * np.exp(np.minimum(z, 0)) * (z <= 0)), True,
              "Correct!"),
    "clipped": (lambda z: LAM * np.where(z > 0, 1.0, ALPHA * np.exp(np.clip(z, None, 0))), True,
                "Correct!"),
    "exp on the negatives only": (selu_grad_by_masks, True, "Correct!"),
    "a loop with math.exp": (selu_grad_loop, True, "Correct!"),
    "in z's dtype": (lambda z: selu_grad_ok(z).astype(z.dtype), True, "Correct!"),
    "a list": (lambda z: selu_grad_ok(z).tolist(), True, "Correct!"),
    # overflow: exp of large z, whether discarded or not
    "exp of large z, discarded": (lambda z: np.where(z > 0, LAM, LAM * ALPHA * np.exp(z)),
                                  False, "overflowed"),
    "exp of large z, times a mask": (lambda z: LAM * ((z > 0) + ALPHA * np.exp(z) * (z <= 0)),
                                     False, "inf times a mask of 0 is NaN"),
    "math.exp of large z": (selu_grad_loop_exp_first, False, "raised OverflowError"),
    # thresholds and cutoffs, near 0 and far from it
    ">= 0": (lambda z: np.where(z >= 0, LAM, LAM * ALPHA * np.exp(np.minimum(z, 0))), False,
             "exactly z = 0"),
    "a positive threshold": (lambda z: np.where(z > 1e-9, LAM, LAM * ALPHA * np.exp(
        np.minimum(z, 0))), False, "small threshold"),
    "a negative threshold": (lambda z: np.where(z > -1e-300, LAM, LAM * ALPHA * np.exp(
        np.minimum(z, 0))), False, "small threshold"),
    "below 8 only": (lambda z: np.where((z > 0) & (z < 8), LAM, LAM * ALPHA * np.exp(
        np.minimum(z, 0))), False, "upper cutoff"),
    "0 below -20": (lambda z: np.where(z < -20, 0.0, selu_grad_ok(z)), False, "never 0"),
    # precision: a smaller dtype, cancellation
    "always float32": (lambda z: selu_grad_ok(z).astype(np.float32), False,
                       "you return float32 for float64 input"),
    "the output form for z <= 0": (lambda z: np.where(z > 0, LAM, activations.selu(z)
                                                      + LAM * ALPHA), False,
                                   "cancels its digits"),
    "exp(z) - 1, plus lambda alpha": (lambda z: np.where(z > 0, LAM, LAM * ALPHA * (np.exp(
        np.minimum(z, 0)) - 1) + LAM * ALPHA), False, "cancels its digits"),
    # the formula
    "the output form everywhere": (lambda z: activations.selu(z) + LAM * ALPHA, False,
                                   "it holds for z <= 0 only"),
    "no lambda": (lambda z: np.where(z > 0, 1.0, ALPHA * np.exp(np.minimum(z, 0))), False,
                  "lambda is missing"),
    "alpha, not lambda alpha": (lambda z: np.where(z > 0, LAM, ALPHA * np.exp(np.minimum(z, 0))),
                                False, "missing lambda"),
    "no alpha": (lambda z: np.where(z > 0, LAM, LAM * np.exp(np.minimum(z, 0))), False,
                 "missing alpha"),
    "kept the -1": (lambda z: np.where(z > 0, LAM, LAM * ALPHA * np.expm1(np.minimum(z, 0))),
                    False, "kept the -1"),
    "the function": (activations.selu, False, "selu itself"),
    # in place, no answer
    "in place": (lambda z: np.minimum(z, 0, out=z) * 0 + LAM, False, "in place"),
    "empty stub": (stub, False, "returns None"),
}


@pytest.mark.parametrize("name", SELU_GRAD_ANSWERS)
def test_check_selu_grad(name):
    assert_verdict(nb03.check_selu_grad, *SELU_GRAD_ANSWERS[name])


# the reference solution's key code: never in a first hint (the code is the last level)
SELU_GRAD_SOLUTION = ["np.where", "np.exp", "lambda * alpha * exp(z)"]
SELU_GRAD_GENERIC = {"empty stub", "in place"}


@pytest.mark.parametrize("name", [n for n, a in SELU_GRAD_ANSWERS.items() if not a[1]])
def test_selu_grad_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = SELU_GRAD_ANSWERS[name]
    assert_hints_escalate(nb03.check_selu_grad, candidate, phrase, SELU_GRAD_SOLUTION,
                          nb03.SELU_GRAD_CODE, single_level=name in SELU_GRAD_GENERIC)


def test_the_code_the_last_selu_grad_hint_shows_is_right():
    code = eval(f"lambda z: {nb03.SELU_GRAD_CODE}", {"np": np, "LAMBDA": LAM, "ALPHA": ALPHA})
    assert nb03.check_selu_grad(code).correct
    assert_count_resets(nb03.check_selu_grad, SELU_GRAD_ANSWERS["no alpha"][0], code)


def test_fixed_point_hints_escalate_to_code_that_finds_the_constants():
    alpha, lam = derive_selu_constants(0.0, 2.0)
    assert_count_resets(nb03.check_fixed_point_constants, (ALPHA, LAM), (alpha, lam))
    solution = ["brentq(", f"{alpha:.3f}", f"{lam:.3f}"]
    for answer, phrase in {(ALPHA, LAM): "SELU's constants", (alpha, 1.0): "the mean is fixed",
                           (2.2, 0.9): "both must equal"}.items():
        levels = hint_levels(nb03.check_fixed_point_constants, answer)
        assert len(levels) == 3 and all(phrase in m for m in levels), levels
        assert not [s for s in solution if s in levels[0]], levels[0]
        assert "brentq" in levels[1] and "brentq(" not in levels[1]
    code = levels[-1].split("In code (brentq from scipy.optimize): ")[1].rstrip(".")
    namespace = {"np": np, "brentq": brentq, "selu_theory": selu_theory}
    exec(code, namespace)
    assert nb03.check_fixed_point_constants((namespace["alpha"], namespace["lam"])).correct
    # a near miss, the wrong order and the empty cell name their fix and have one level
    for answer in [(round(alpha, 3), round(lam, 3)), (lam, alpha), None]:
        assert len(hint_levels(nb03.check_fixed_point_constants, answer)) == 1
    assert nb03.check_fixed_point_constants(None).message == (
        "Not yet: fill in my_answer = (alpha, lam), the two numbers you found.")
    # for another fixed point the hints follow its mean and variance
    levels = hint_levels(lambda a: nb03.check_fixed_point_constants(a, mean=-0.1, var=2.0),
                         (2.2, 0.9))
    assert "A / sqrt(V) = -0.1 / sqrt(2)" in levels[1]
    assert "derive_selu_constants(-0.1, 2)" in levels[2]


def test_check_fixed_point_constants():
    alpha, lam = derive_selu_constants(0.0, 2.0)
    for right in [(alpha, lam), [alpha + 5e-5, lam], (round(alpha, 4), round(lam, 4)),
                  np.array([alpha, lam], dtype=np.float32)]:
        assert nb03.check_fixed_point_constants(right).correct, right
    wrong = {
        None: "fill in my_answer",
        (lam, alpha): "wrong order",
        (ALPHA, LAM): "made for the fixed point (0, 1)",
        derive_selu_constants(0.0, np.sqrt(2.0)): "not a standard deviation",  # var read as sd
        derive_selu_constants(0.0, 4.0): "not a standard deviation",  # sd read as var
        (round(alpha, 3), round(lam, 3)): "at least 4 decimal places",
        (alpha, 1.0): "the mean is fixed",
        (2.2, 0.9): "both must equal",
        ("a", "b"): "give two numbers",
        5.0: "give two numbers",
        (1.0, 2.0, 3.0): "give two numbers",
        ((1.0, 2.0), (3.0,)): "give two numbers",
        (-1.0, 1.0): "must be positive",
        (1e308, 1e308): "overflow",
    }
    for answer, phrase in wrong.items():
        feedback = nb03.check_fixed_point_constants(answer)
        assert not feedback.correct and phrase in feedback.message, (answer, feedback)
    # the SNN authors' convention, z ~ N(mean, var), is recognised with its own hint
    authors = derive_selu_constants(-0.1, 2.0, omega=1.0, tau=1.0)
    feedback = nb03.check_fixed_point_constants(authors, mean=-0.1, var=2.0)
    assert not feedback.correct and "getSELUparameters" in feedback.message
    ours = derive_selu_constants(-0.1, 2.0)
    assert nb03.check_fixed_point_constants(ours, mean=-0.1, var=2.0).correct


def test_moment_map_plot_marks_the_fixed_point_of_its_own_weights():
    ax = nb03.plot_moment_map(starts=[(0.2, 1.5)], omega=0.1, tau=1.1, steps=3)
    labels = [line.get_label() for line in ax.get_lines()]
    assert "fixed point (0.0547, 1.4103)" in labels
    ax = nb03.plot_moment_map()
    assert "fixed point (0, 1)" in [line.get_label() for line in ax.get_lines()]


def test_variance_map_plot_follows_the_curve_layer_by_layer():
    nu_in = np.linspace(0.1, 3.0, 30)
    nu_out = 0.5 * nu_in + 0.5  # a map with its fixed point at 1 and slope 0.5
    ax = nb03.plot_variance_map(nu_in, nu_out, starts=[3.0], steps=4)
    staircase = next(line for line in ax.get_lines() if line.get_label().startswith("start"))
    x, y = staircase.get_data()
    # up to the curve, across to the diagonal: 3 -> 2 -> 1.5 -> 1.25 -> 1.125
    assert np.allclose(y[1::2], [2.0, 1.5, 1.25, 1.125])
    assert np.allclose(x[2::2], [2.0, 1.5, 1.25])  # ends on the curve after the 4th layer
    plt.close(ax.figure)


@pytest.mark.parametrize("kwargs, message", [
    (dict(nu_in=[1.0, 2.0], nu_out=[1.0]), "one finite output variance per entry"),
    (dict(nu_in=[2.0, 1.0], nu_out=[1.0, 1.0]), "increasing"),
    (dict(nu_in=[1.0, 2.0], nu_out=[1.0, 1.0], starts=[5.0]), "starts"),
])
def test_variance_map_plot_rejects_bad_input(kwargs, message):
    with pytest.raises((TypeError, ValueError), match=message):
        nb03.plot_variance_map(**kwargs)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"omega": "a"}, TypeError, "omega must be a real number"),
    ({"tau": 0.0}, ValueError, "tau must be > 0"),
    ({"nu_range": (1e-9, 1.0)}, ValueError, r"nu_range's low end times tau .* must be >= 1e-06"),
    ({"omega": 1e200}, ValueError, r"cannot be drawn over .* with omega = 1e\+200"),
    ({"tau": 1e200}, ValueError, r"cannot be drawn over .* tau = 1e\+200"),
])
def test_plot_moment_map_names_its_own_parameters(kwargs, error, match):
    """Fuzz campaign: errors for omega, tau and nu_range came from moment_map, naming nu and
    tau (its parameters) instead."""
    with pytest.raises(error, match=match):
        nb03.plot_moment_map(**kwargs)
    plt.close("all")


def test_plot_variance_map_at_float32s_limits_does_not_overflow_in_its_check():
    """Fuzz campaign: np.diff(nu_in) overflowed (3.4e38 - -3.4e38) with a RuntimeWarning."""
    big = np.finfo(np.float32).max
    with pytest.raises(ValueError, match="nu_in must be a 1-D array of at least 2 finite"):
        nb03.plot_variance_map(np.array([big, -big], np.float32), np.ones(2))
    plt.close("all")


# --- SELU's domain per unit: omega_j and tau_j ----------------------------------------------


def test_unit_weight_sums_reads_each_hidden_layer_by_column():
    from helpers import layers, models

    net = models.mlp(5, [4, 3], 2, rng=np.random.default_rng(0), activation="selu")
    linears = [layer for layer in layers.leaf_layers(net) if isinstance(layer, layers.Linear)]
    linears[1].params["W"][...] = np.arange(12.0).reshape(4, 3)  # fan_in 4, 3 units
    omega, tau = nb03.unit_weight_sums(net)
    assert len(omega) == len(tau) == 2  # the output layer feeds the softmax: left out
    assert [o.shape for o in omega] == [(4,), (3,)]
    assert omega[1].tolist() == [0 + 3 + 6 + 9, 1 + 4 + 7 + 10, 2 + 5 + 8 + 11]
    assert tau[1].tolist() == [0 + 9 + 36 + 81, 1 + 16 + 49 + 100, 4 + 25 + 64 + 121]
    assert np.array_equal(omega[0], linears[0].params["W"].sum(axis=0))


def test_unit_weight_sums_of_lecun_weights():
    """omega_j ~ N(0, 1) and tau_j ~ chi²_n / n for LeCun-normal weights."""
    from helpers import models

    net = models.mlp(256, [256] * 8, 2, rng=np.random.default_rng(1), activation="selu")
    omega, tau = (np.concatenate(x) for x in nb03.unit_weight_sums(net))
    assert abs(omega.std() - 1) < 0.05 and abs(omega.mean()) < 0.1
    assert abs(tau.mean() - 1) < 0.01 and abs(tau.std() - np.sqrt(2 / 256)) < 0.01


def test_unit_weight_sums_needs_a_hidden_layer():
    from helpers import models

    with pytest.raises(ValueError, match="no hidden layer"):
        nb03.unit_weight_sums(models.mlp(5, [], 2, rng=np.random.default_rng(0)))
    with pytest.raises(TypeError, match="model must be"):
        nb03.unit_weight_sums("net")


def test_tau_in_range_probability_matches_lecun_draws():
    from helpers.init import lecun_normal

    for n, expected in [(64, 0.318), (256, 0.577)]:
        p = nb03.tau_in_range_probability(n)
        assert round(p, 3) == expected
        tau = (lecun_normal(n, 20_000, rng=np.random.default_rng(n)) ** 2).sum(axis=0)
        assert abs(np.mean((tau >= 0.95) & (tau <= 1.1)) - p) < 0.012
    wide = nb03.tau_in_range_probability(64, 0.8, 1.25)
    assert 0.78 < wide < 0.80 and nb03.tau_in_range_probability(10_000) > 0.99


@pytest.mark.parametrize("kwargs,error,match", [
    ({"fan_in": 0}, ValueError, "fan_in"),
    ({"fan_in": 64, "low": 1.1, "high": 0.95}, ValueError, "low < high"),
    ({"fan_in": 64, "low": -1.0}, ValueError, "low must be >= 0"),
    ({"fan_in": 64, "high": float("nan")}, ValueError, "high must be finite"),
])
def test_tau_in_range_probability_rejects_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        nb03.tau_in_range_probability(**kwargs)


def test_tau_histograms_shade_the_theorems_ranges():
    samples = {"a": np.linspace(0.5, 1.5, 50), "b": np.full(20, 1.0)}
    ax = nb03.plot_tau_histograms(samples)
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["a", "b"]
    assert any("Theorem 1" in label and "0.95" in label for label in labels)
    assert any("Theorems 2" in label and "1.25" in label for label in labels)
    spans = [p for p in ax.patches if p.get_label().startswith("Theorem")]
    assert len(spans) == 2
    x0, x1 = spans[0].get_x(), spans[0].get_x() + spans[0].get_width()
    assert (x0, x1) == (0.95, 1.1)
    plt.close("all")


@pytest.mark.parametrize("samples,match", [
    ({}, "samples must be a non-empty dict"),
    ({"a": []}, "samples\\['a'\\] must be a 1-D array"),
    ({"a": [[1.0]]}, "samples\\['a'\\] must be a 1-D array"),
    ({"a": [1.0, float("inf")]}, "finite"),
    ({"a": [-1.0, 1.0]}, ">= 0"),
    ([1.0], "samples must be a non-empty dict"),
])
def test_tau_histograms_reject_bad_samples(samples, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nb03.plot_tau_histograms(samples)
    plt.close("all")


def test_variance_over_independent_is_one_for_independent_inputs():
    from helpers import models

    net = models.mlp(8, [16, 16], 2, rng=np.random.default_rng(0), activation="linear")
    X = np.random.default_rng(1).standard_normal((40_000, 8)) * [1, 2, 3, 1, 1, 2, 1, 0.5]
    ratio = nb03.variance_over_independent(net, X)
    assert ratio.shape == (2,) and abs(ratio[0] - 1) < 0.03


def test_variance_over_independent_of_identical_inputs_is_omega_squared_over_tau():
    """Inputs that are all one variable: Var(z_j) = omega_j² Var(x), against tau_j Var(x)."""
    from helpers import models

    net = models.mlp(6, [5], 2, rng=np.random.default_rng(2), activation="selu")
    X = np.repeat(np.random.default_rng(3).standard_normal((500, 1)), 6, axis=1)
    omega, tau = nb03.unit_weight_sums(net)
    (ratio,) = nb03.variance_over_independent(net, X)
    assert np.isclose(ratio, np.median(omega[0] ** 2 / tau[0]), rtol=1e-10)


def test_variance_over_independent_needs_a_hidden_layer():
    from helpers import models

    with pytest.raises(ValueError, match="no hidden layer"):
        nb03.variance_over_independent(models.mlp(3, [], 2, rng=np.random.default_rng(0)),
                                       np.ones((4, 3)))


# --- the stored deep-network study, as notebook 03 reads it ---------------------------------


def test_stored_study_elu_is_between_relu_and_selu_early_and_like_them_at_convergence():
    from helpers import protocol, results, studies

    study = studies.DEEP_SELU
    table = results.load(study)
    judged = results.judge(study, table)
    tests, _ = results.by_budget(study, table, [34, None])
    pairs = {"ELU − ReLU": ("ELU (He)", "ReLU (He)"), "SELU − ELU": ("SELU (LeCun)", "ELU (He)")}
    early = protocol.compare({k: (tests[a][0], tests[b][0]) for k, (a, b) in pairs.items()})
    late = protocol.compare({k: (judged[a].test, judged[b].test) for k, (a, b) in pairs.items()})
    assert all(d.distinguishable and d.mean > 0 for d in early.values())
    assert not any(d.distinguishable for d in late.values())
    assert np.isclose(judged["ELU (He)"].lr, 10**-2.5)
