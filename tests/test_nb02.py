"""helpers.nb02: the figures, explorer and helpers behind notebook 02."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from verdicts import assert_count_resets, assert_hints_escalate, assert_verdict, stub

from helpers import activations, nb02, plotting


def test_rectifiers_plot_and_the_maximum_form():
    z = np.array([-2.0, 1.0])
    fig = nb02.plot_rectifiers({"leaky": 0.01, "prelu": 1.5}, z=z, maximum_form=1.5)
    f_ax, df_ax = fig.axes
    lines = {line.get_label(): list(line.get_ydata()) for line in f_ax.get_lines()}
    assert lines["prelu (a = 1.5)"] == [-3.0, 1.0]
    assert lines["np.maximum(a z, z), a = 1.5"] == [-2.0, 1.5]  # a different function
    slopes = [line for line in df_ax.get_lines() if not line.get_label().startswith("_")]
    assert list(slopes[0].get_ydata()) == [0.01, 1.0]
    with pytest.raises(TypeError, match="slopes must be a non-empty dict"):
        nb02.plot_rectifiers({})


def test_channel_slopes_boxplot_and_epoch_axis():
    ax = nb02.plot_channel_slopes([np.array([0.1, 0.3]), np.array([0.2, 0.2, 0.4])])
    assert ax.get_xlabel() == "layer" and len(ax.get_xticks()) == 2
    ax = plotting.plot_layer_curves({"a": [[0.5, 0.9, 0.95]]}, ylabel="acc", title="t",
                                    xlabel="epoch", start=0)
    assert ax.get_lines()[0].get_xdata().tolist() == [0, 1, 2] and ax.get_xlabel() == "epoch"


def test_slope_explorer(monkeypatch):
    fig = nb02.slope_figure(negative_slope=1.2)
    labelled = [ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert "a = 1.2" in fig.get_suptitle() and len(labelled) == 3
    calls = []
    monkeypatch.setattr(nb02, "slope_figure", lambda *a: calls.append(a) or plt.figure())
    explorer = nb02.slope_explorer()
    explorer.children[0].value = -0.3
    assert calls[-1] == (-0.3,)



# --- the exercise checkers ------------------------------------------------------------------


def prelu_ok(z, a):
    return np.maximum(z, 0) + a * np.minimum(z, 0)


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
PRELU_ANSWERS = {
    "reference": (prelu_ok, True, "Correct!"),
    "np.where": (lambda z, a: np.where(z > 0, z, a * z), True, "Correct!"),
    "np.where at 0": (lambda z, a: np.where(z >= 0, z, a * z), True, "Correct!"),
    "masks": (lambda z, a: z * (z > 0) + a * z * (z <= 0), True, "Correct!"),
    "the helper": (lambda z, a: activations.prelu(z, a), True, "Correct!"),
    "as float32": (lambda z, a: prelu_ok(z, a).astype(np.float32), True, "Correct!"),
    "a list": (lambda z, a: prelu_ok(z, a).tolist(), True, "Correct!"),
    # the article's forms
    "np.maximum": (lambda z, a: np.maximum(a * z, z), False, "only when a <= 1"),
    "the article's np.max": (lambda z, a: np.max(a * z, z), False,
                             "its second argument is an axis"),
    # the slopes: fixed, shared, on the wrong axis, or the slope itself
    "leaky": (lambda z, a: np.maximum(z, 0) + 0.01 * np.minimum(z, 0), False, "fixed 0.01"),
    "relu": (lambda z, a: np.maximum(z, 0), False, "plain ReLU"),
    "a fixed 0.25": (lambda z, a: prelu_ok(z, 0.25), False, "same slope (0.25)"),
    "one shared slope": (lambda z, a: prelu_ok(z, a.mean()), False, "same slope"),
    "slopes on the wrong axis": (lambda z, a: np.maximum(z, 0) + a[:, None] * np.minimum(z, 0),
                                 False, "If the shapes do not fit"),
    "a, not a z": (lambda z, a: np.where(z > 0, z, a), False, "the slope a itself"),
    "a z on both sides": (lambda z, a: np.maximum(z, 0) + a * z, False, "negative part only"),
    "hard-coded slopes": (lambda z, a: np.maximum(z, 0)
                          + np.resize([0.25, 1.5, -0.3], z.shape[1]) * np.minimum(z, 0), False,
                          "expected"),
    # thresholds instead of 0
    "a positive threshold": (lambda z, a: np.where(z > 1e-6, z, a * z), False, "tiny positive"),
    "a negative threshold": (lambda z, a: np.where(z > -1e-6, z, a * z), False, "tiny negative"),
    # in place
    "in place": (lambda z, a: np.multiply(z, np.where(z > 0, 1.0, a), out=z), False, "in place"),
    "empty stub": (stub, False, "returns None"),
}


@pytest.mark.parametrize("name", PRELU_ANSWERS)
def test_check_prelu(name):
    assert_verdict(nb02.check_prelu, *PRELU_ANSWERS[name])


# the reference solutions' key code: never in a first hint (the code is the last level)
PRELU_SOLUTION = ["np.maximum(z, 0)", "np.minimum", "min(0, z)"]
BACKWARD_SOLUTION = ["np.where", "np.minimum", "sum(axis=0)", "axis 0", "axis=0"]
# hints that name no mistake of the solution's own have one level: no answer, a crash (its
# hint says what np.max's second argument is, or where the channels are, but not the code)
PRELU_GENERIC = {"the article's np.max", "slopes on the wrong axis", "in place", "empty stub"}
BACKWARD_GENERIC = {"one value", "strings", "empty stub", "in place"}


@pytest.mark.parametrize("name", [n for n, a in PRELU_ANSWERS.items() if not a[1]])
def test_prelu_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = PRELU_ANSWERS[name]
    assert_hints_escalate(nb02.check_prelu, candidate, phrase, PRELU_SOLUTION, nb02.PRELU_CODE,
                          single_level=name in PRELU_GENERIC)


def test_prelu_hint_count_resets_when_right():
    assert_count_resets(nb02.check_prelu, PRELU_ANSWERS["relu"][0], prelu_ok)


def backward_ok(dout, z, a):
    return dout * np.where(z > 0, 1.0, a), (dout * np.minimum(z, 0)).sum(axis=0)


PRELU_BACKWARD_ANSWERS = {
    "reference": (backward_ok, True, "Correct!"),
    "the helper": (lambda d, z, a: activations.prelu_backward(d, z, a), True, "Correct!"),
    "multiplication by masks": (lambda d, z, a: (d * ((z > 0) + a * (z <= 0)),
                                                 (d * z * (z <= 0)).sum(axis=0)), True,
                                "Correct!"),
    "einsum": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                np.einsum("nc,nc->c", d, np.minimum(z, 0))), True, "Correct!"),
    "as float32": (lambda d, z, a: tuple(v.astype(np.float32) for v in backward_ok(d, z, a)),
                   True, "Correct!"),
    "lists": (lambda d, z, a: [v.tolist() for v in backward_ok(d, z, a)], True, "Correct!"),
    # dslope: which axis, and its shape (one case is square: the wrong axis keeps the shape)
    "dslope over the channels": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                                  (d * np.minimum(z, 0)).sum(axis=1)), False,
                                 "sums over the channels"),
    "dslope over everything": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                                (d * np.minimum(z, 0)).sum()), False,
                               "single number"),
    "dslope not summed": (lambda d, z, a: (backward_ok(d, z, a)[0], d * np.minimum(z, 0)), False,
                          "the sum over the samples is missing"),
    "dslope with keepdims": (lambda d, z, a: (backward_ok(d, z, a)[0], (d * np.minimum(
        z, 0)).sum(axis=0, keepdims=True)), False, "keepdims"),
    "dslope as a mean": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                          (d * np.minimum(z, 0)).mean(axis=0)), False,
                         "mean over the samples"),
    # dslope: its terms
    "dslope without the mask": (lambda d, z, a: (backward_ok(d, z, a)[0], (d * z).sum(axis=0)),
                                False, "mask is missing"),
    "dslope without dout": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                             np.minimum(z, 0).sum(axis=0)), False,
                            "missing the upstream gradient"),
    "dslope from the mask alone": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                                    (d * (z <= 0)).sum(axis=0)), False,
                                   "not 1"),
    "dslope with an extra a": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                                (d * a * np.minimum(z, 0)).sum(axis=0)), False,
                               "extra factor a"),
    # dz
    "dz without the mask": (lambda d, z, a: (d * a, backward_ok(d, z, a)[1]), False,
                            "slope a everywhere"),
    "dz at zero": (lambda d, z, a: (d * np.where(z >= 0, 1.0, a), backward_ok(d, z, a)[1]),
                   False, "exactly z = 0"),
    "dz without dout": (lambda d, z, a: (np.where(z > 0, 1.0, a), backward_ok(d, z, a)[1]),
                        False, "chain rule"),
    "dz of ReLU": (lambda d, z, a: (d * (z > 0), backward_ok(d, z, a)[1]), False, "ReLU's"),
    # what is returned
    "swapped": (lambda d, z, a: backward_ok(d, z, a)[::-1], False, "the other way round"),
    "one value": (lambda d, z, a: d, False, "return two arrays"),
    "strings": (lambda d, z, a: ("dz", "dslope"), False, "arrays of numbers"),
    "in place": (lambda d, z, a: (np.multiply(d, np.where(z > 0, 1.0, a), out=d),
                                  backward_ok(d, z, a)[1]), False, "in place"),
    "empty stub": (stub, False, "returns None"),
}


@pytest.mark.parametrize("name", PRELU_BACKWARD_ANSWERS)
def test_check_prelu_backward(name):
    assert_verdict(nb02.check_prelu_backward, *PRELU_BACKWARD_ANSWERS[name])


@pytest.mark.parametrize("name", [n for n, a in PRELU_BACKWARD_ANSWERS.items() if not a[1]]
                         + ["dz otherwise wrong", "dslope otherwise wrong"])
def test_prelu_backward_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = {**PRELU_BACKWARD_ANSWERS, **OTHER_BACKWARD_ANSWERS}[name]
    code = nb02.DZ_CODE if name.startswith("dz") else nb02.DSLOPE_CODE
    assert_hints_escalate(nb02.check_prelu_backward, candidate, phrase, BACKWARD_SOLUTION, code,
                          single_level=name in BACKWARD_GENERIC)


OTHER_BACKWARD_ANSWERS = {  # wrong in a way no known mistake explains
    "dz otherwise wrong": (lambda d, z, a: (2 * backward_ok(d, z, a)[0],
                                            backward_ok(d, z, a)[1]), False, "dz is wrong for"),
    "dslope otherwise wrong": (lambda d, z, a: (backward_ok(d, z, a)[0],
                                                -backward_ok(d, z, a)[1]), False, "dslope at"),
}


def test_the_code_the_last_hints_show_is_right():
    assert nb02.check_prelu(eval(f"lambda z, negative_slope: {nb02.PRELU_CODE}")).correct
    namespace = {"np": np}
    exec(f"def backward(dout, z, negative_slope):\n    {nb02.DZ_CODE}\n"
         f"    {nb02.DSLOPE_CODE}\n    return dz, dslope", namespace)
    assert nb02.check_prelu_backward(namespace["backward"]).correct


def test_prelu_backward_hint_count_resets_when_right():
    assert_count_resets(nb02.check_prelu_backward, PRELU_BACKWARD_ANSWERS["dz at zero"][0],
                        backward_ok)


# --- the stored study ---------------------------------------------------------------------


def test_budget_plot_puts_convergence_after_the_last_budget_and_labels_it():
    tests = {"ReLU": [[0.8, 0.9], [0.9, 0.92], [0.95, 0.95]],
             "PReLU": [[0.85, 0.87], [0.91, 0.93], [0.96, 0.94]]}
    ax = nb02.plot_budgets((34, 340, None), tests)
    relu = ax.get_lines()[0]
    assert relu.get_label() == "ReLU"
    assert relu.get_xdata().tolist() == [34, 340, 1020]  # convergence: one step of x3 further
    assert relu.get_ydata().tolist() == pytest.approx([0.85, 0.91, 0.95])  # mean over seeds
    assert [t.get_text() for t in ax.get_xticklabels()] == ["34", "340", "convergence"]
    assert ax.get_xscale() == "log" and "steps" in ax.get_xlabel()
    ax = nb02.plot_budgets([34, 102], {"ReLU": [[0.8], [0.9]]})  # without convergence
    assert [t.get_text() for t in ax.get_xticklabels()] == ["34", "102"]


@pytest.mark.parametrize("budgets,message", [
    ((34, None, 340), "only the last"), ((340, 34), "increasing"), ((0, 34), r"integer >= 1"),
    ((None,), "at least one"), ("34", "budgets must be a sequence"), ((34.5, 68), "integer"),
])
def test_budget_plot_rejects_bad_budgets(budgets, message):
    with pytest.raises((TypeError, ValueError), match=message):
        nb02.plot_budgets(budgets, {"ReLU": [[0.8], [0.9], [0.95]]})


def test_budget_plot_needs_one_row_per_budget():
    with pytest.raises(ValueError, match=r"shape \(len\(x\), n_seeds\)"):
        nb02.plot_budgets((34, None), {"ReLU": [[0.8], [0.9], [0.95]]})
