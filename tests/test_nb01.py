"""helpers.nb01: born-dead probabilities, killed-in-training tracking, figures and explorer
behind notebook 01 (and helpers.models, which 01 introduces)."""

import inspect

import matplotlib.pyplot as plt
import numpy as np
import pytest
from verdicts import (
    STUB_MESSAGE,
    assert_hints_escalate,
    assert_verdict,
    hint_levels,
    stub,
)

from helpers import nb01
from helpers.activations import relu, relu_grad
from helpers.checking import MORE_HELP
from helpers.experiments import standardized_digits
from helpers.models import mlp


def test_exact_formula_values():
    assert nb01.single_point_dead_probability(1, 1) == 0.5
    assert np.allclose(nb01.single_point_dead_probability(3, np.array([1, 2])),
                       [1 / 8, 1 - (7 / 8) ** 2])


@pytest.mark.parametrize("width", [2, 4, 8])
def test_monte_carlo_at_one_point_matches_the_exact_formula(width):
    n = 4000
    mc = nb01.born_dead_curve(width, 30, n_trials=n, n_points=1,
                               rng=np.random.default_rng(width))
    exact = nb01.single_point_dead_probability(width, np.arange(1, 31))
    se = np.sqrt(exact * (1 - exact) / n)
    assert np.all(np.abs(mc - exact) <= 4 * se + 1e-3)


def test_deeper_and_narrower_means_more_often_dead():
    rng = np.random.default_rng(0)
    curves = {w: nb01.born_dead_curve(w, 40, n_trials=1000, n_points=30, rng=rng)
              for w in (2, 4, 8)}
    for c in curves.values():
        assert np.all(np.diff(c) >= 0)  # cumulative in depth
    assert curves[2][-1] > curves[4][-1] > curves[8][-1]
    assert curves[2][-1] > 0.95


def test_a_data_set_is_harder_to_kill_than_a_point():
    rng = np.random.default_rng(1)
    point = nb01.born_dead_curve(3, 20, n_trials=2000, n_points=1, rng=rng)
    data = nb01.born_dead_curve(3, 20, n_trials=2000, n_points=50, rng=rng)
    assert np.all(data <= point + 0.03) and data[0] == 0


@pytest.fixture(scope="module")
def digits():
    return standardized_digits(seed=0)


def test_units_killed_at_birth_stay_dead_with_frozen_weights(digits):
    h = nb01.train_and_track(digits, lr=0.1, seed=0, optimizer="sgd", hidden=(32, 32),
                              epochs=4, bias_shift=-6, shift_layers=[0], track_weights=True)
    report = nb01.revival_report(h)
    first = np.array([m[0] for m in h["masks"]])
    assert first[0].sum() > 5 and np.array_equal(first[0] & first[-1], first[0])
    assert report["revived"][0] == 0
    assert report["frozen"][0] == report["dead_at_end"][0]
    assert h["masks"][0][1].sum() == 0  # only the first layer was shifted


def test_revival_report_counts_by_hand():
    masks = [[np.array([False, False, True])], [np.array([True, False, True])],
             [np.array([False, False, True])]]
    w = np.arange(6.0).reshape(2, 3)
    weights = [[w], [w + np.array([1.0, 1.0, 0.0])], [w + np.array([2.0, 2.0, 0.0])]]
    report = nb01.revival_report({"masks": masks, "weights": weights})
    assert report["ever_dead"].tolist() == [2] and report["dead_at_end"].tolist() == [1]
    assert report["revived"].tolist() == [1] and report["frozen"].tolist() == [1]
    # unit 2 is dead at every evaluation: two consecutive pairs, its weights never moved
    assert report["dead_pairs"].tolist() == [2] and report["still_pairs"].tolist() == [2]
    assert nb01.dead_fraction_history({"masks": masks})[:, 0].tolist() == [1 / 3, 2 / 3, 1 / 3]


def test_a_dead_units_weights_that_move_are_counted():
    masks = [[np.array([True])], [np.array([True])], [np.array([True])]]
    w = np.zeros((2, 1))
    report = nb01.revival_report({"masks": masks, "weights": [[w], [w + 1.0], [w + 1.0]]})
    assert report["dead_pairs"].tolist() == [2] and report["still_pairs"].tolist() == [1]


def test_under_plain_sgd_deeper_units_still_revive(digits):
    """Plain SGD gives a dead unit's weights exactly zero updates until it fires again, so
    whatever wakes it comes from the layers below: deeper units revive, first-layer ones
    (whose inputs, the data, never change) do not."""
    hs = nb01.learning_rate_sweep(digits, [0.3], [0, 1, 2], optimizer="sgd", epochs=8,
                                  track_weights=True)[0.3]
    reports = [nb01.revival_report(h) for h in hs]
    assert sum(r["revived"][1:].sum() for r in reports) > 0
    assert sum(r["revived"][0] for r in reports) == 0
    pairs = sum(r["dead_pairs"].sum() for r in reports)
    assert 0 < sum(r["still_pairs"].sum() for r in reports) <= pairs


def test_divergence_is_reported_not_raised(digits):
    h = nb01.train_and_track(digits, lr=50.0, seed=0, optimizer="sgd", hidden=(16,), epochs=3)
    assert h["diverged"] and np.isnan(h["test_acc"])


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth must be an integer >= 1"):
        nb01.single_point_dead_probability(2, np.array([0, 1]))
    with pytest.raises(ValueError, match="n_trials must be an integer >= 1"):
        nb01.born_dead_curve(2, 3, n_trials=0, n_points=1, rng=np.random.default_rng(0))


@pytest.mark.parametrize("activation,init_std", [("relu", np.sqrt(2 / 50)),
                                                 ("prelu", np.sqrt(2 / (1.0625 * 50))),
                                                 ("selu", np.sqrt(1 / 50)),
                                                 ("tanh", np.sqrt(2 / 100))])
def test_mlp_uses_the_init_made_for_its_activation(activation, init_std):
    net = mlp(50, [50] * 3, 4, rng=np.random.default_rng(0), activation=activation)
    w = np.concatenate([net.layers[i].params["W"].ravel() for i in (2, 4)])
    assert abs(w.std() / init_std - 1) < 0.03


def test_mlp_options():
    rng = np.random.default_rng(0)
    names = lambda net: [type(layer).__name__ for layer in net.layers]  # noqa: E731
    assert names(mlp(4, [3], 2, rng=rng, norm="batch", dropout=0.1)) == [
        "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"]
    assert names(mlp(4, [3], 2, rng=rng, activation="selu", dropout=0.1)) == [
        "Linear", "SELU", "AlphaDropout", "Linear"]
    shared = mlp(4, [3], 2, rng=rng, activation="prelu",
                 activation_params={"channelwise": False})
    assert shared.layers[1].params["negative_slope"].shape == (1,)
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp(4, [3], 2, rng=rng, activation="swish")
    with pytest.raises(ValueError, match="norm must be one of"):
        mlp(4, [3], 2, rng=rng, norm="group")


def test_large_adam_steps_kill_units(digits):
    small = nb01.train_and_track(digits, lr=1e-3, seed=0, hidden=(32, 32, 32), epochs=5)
    large = nb01.train_and_track(digits, lr=0.1, seed=0, hidden=(32, 32, 32), epochs=5)
    assert nb01.dead_fraction_history(large)[-1][1:].mean() > 0.5  # layers 2 and 3
    assert nb01.dead_fraction_history(small)[-1].max() < 0.1
    assert large["test_acc"] < small["test_acc"]


def test_learning_rate_sweep_matches_single_runs(digits):
    sweep = nb01.learning_rate_sweep(digits, [1e-3, 0.03], [0, 1], hidden=(16,), epochs=2)
    assert list(sweep) == [1e-3, 0.03] and all(len(v) == 2 for v in sweep.values())
    alone = nb01.train_and_track(digits, lr=0.03, seed=1, hidden=(16,), epochs=2)
    assert sweep[0.03][1]["test_acc"] == alone["test_acc"]
    assert np.array_equal(nb01.dead_fraction_history(sweep[0.03][1]),
                          nb01.dead_fraction_history(alone))


def test_weights_are_tracked_only_on_request(digits):
    plain = nb01.train_and_track(digits, lr=1e-3, seed=0, hidden=(8,), epochs=1)
    assert "weights" not in plain and "frozen" not in nb01.revival_report(plain)
    tracked = nb01.train_and_track(digits, lr=1e-3, seed=0, hidden=(8,), epochs=1,
                                    track_weights=True)
    assert len(tracked["weights"]) == 2 and "frozen" in nb01.revival_report(tracked)


def test_born_dead_plot():
    ax = nb01.plot_born_dead({2: [0.2, 0.5], 4: [0.1, 0.2]}, {2: [0.25, 0.5]})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "width 2" and "dashed: exact, at a single input" in labels
    assert "solid: Monte Carlo, on the data" in labels  # both line styles explained
    assert ax.get_lines()[0].get_ydata().tolist() == [0.2, 0.5]
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1  # outside
    with pytest.raises(TypeError, match="monte_carlo must be a non-empty dict"):
        nb01.plot_born_dead({})


def test_dead_fractions_plot():
    curves = np.array([[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]])
    ax = nb01.plot_dead_fractions(curves)
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[0.0, 0.2, 0.4],
                                                                      [0.1, 0.3, 0.5]]
    with pytest.raises(ValueError, match=r"shape \(epochs \+ 1, layers\)"):
        nb01.plot_dead_fractions([0.1, 0.2])


def test_dying_explorer_figure_and_sliders(monkeypatch):
    data = standardized_digits(seed=0)
    fig = nb01.dying_figure(data, lr=0.05, bias_shift=-1.0, epochs=2)
    assert "lr 0.05, bias shift -1" in fig.axes[0].get_title()  # Adam
    assert len(fig.axes[0].get_lines()) == 4
    assert inspect.signature(nb01.dying_figure).parameters["epochs"].default == 8  # < 0.5 s
    monkeypatch.setattr(nb01, "train_and_track", lambda *a, **k: {"diverged": True})
    diverged = nb01.dying_figure(data, lr=5.0, epochs=2)
    assert "diverged" in diverged.axes[0].texts[0].get_text()
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(nb01, "dying_figure",
                        lambda *args: calls.append(args) or plt.figure())
    explorer = nb01.dying_relu_explorer(data)
    sliders = {c.description: c for c in explorer.children[:2]}
    sliders["bias shift"].value = -2.0
    assert calls[-1][1:3] == (0.01, -2.0)



@pytest.mark.parametrize("kwargs,error,match", [
    ({"activation_params": {"slope": 0.2}}, TypeError,
     r"activation_params for 'leaky_relu' may hold \['negative_slope'\]; got 'slope'"),
    ({"activation": "prelu", "activation_params": {"channelwise": "no"}}, TypeError,
     r"activation_params\['channelwise'\] must be True or False; got 'no'"),
    ({"hidden": 5}, TypeError, r"hidden must be a sequence, e.g. hidden=\[64, 64\]; got int 5"),
    ({"activation": ["relu"]}, ValueError, r"activation must be one of .*; got \['relu'\]"),
    ({"activation_params": 0.2}, TypeError, "activation_params must be a dict"),
])
def test_model_builder_rejects_what_it_would_ignore(kwargs, error, match):
    arguments = {"activation": "leaky_relu", "hidden": [4], **kwargs}
    with pytest.raises(error, match=match):
        mlp(3, rng=np.random.default_rng(0), n_out=2, **{k: v for k, v in arguments.items()
                                                         if k != "hidden"},
            hidden=arguments["hidden"])


# --- the exercise checkers ------------------------------------------------------------------


# name -> (candidate, correct?, phrase the message must contain): first every correct variant,
# then the wrong answers, grouped by the class of mistake
RELU_GRAD_ANSWERS = {
    "z > 0 in z's dtype": (lambda z: (z > 0).astype(z.dtype), True, "Correct!"),
    "z > 0 as float64": (lambda z: (z > 0).astype(float), True, "Correct!"),
    "np.where": (lambda z: np.where(z > 0, 1.0, 0.0), True, "Correct!"),
    "heaviside": (lambda z: np.heaviside(z, 0.0), True, "Correct!"),
    "as float32": (lambda z: (z > 0).astype(np.float32), True, "Correct!"),
    "as integers": (lambda z: (z > 0).astype(int), True, "Correct!"),
    "a list": (lambda z: (z > 0).astype(float).tolist(), True, "Correct!"),
    "sign of relu": (lambda z: np.sign(relu(z)), True, "Correct!"),
    "the helper": (relu_grad, True, "Correct!"),
    # the branch at 0
    "from the output": (lambda z: (relu(z) >= 0).astype(float), False, "always true"),
    ">= 0": (lambda z: (z >= 0).astype(float), False, "exactly z = 0"),
    "heaviside one half": (lambda z: np.heaviside(z, 0.5), False, "at exactly z = 0 yours gives "
                                                                  "0.5"),
    "relu(z) / z": (lambda z: relu(z) / z, False, "at exactly z = 0 yours gives nan"),
    # thresholds at any scale, on both sides of 0
    "a threshold": (lambda z: (z > 1e-9).astype(float), False, "tiny positive z"),
    "a subnormal threshold": (lambda z: (z > 1e-320).astype(float), False, "tiny positive z"),
    "a steep ramp": (lambda z: np.minimum(1, relu(z) * 1e8), False, "tiny positive z"),
    "a clipped huge ramp": (lambda z: np.clip(z * 1e300, 0, 1), False, "tiny positive z"),
    "a negative threshold": (lambda z: (z > -1e-9).astype(float), False, "just below 0"),
    "a tiny negative threshold": (lambda z: (z > -1e-300).astype(float), False, "just below 0"),
    # right only on typical draws: an upper cutoff
    "below 8 only": (lambda z: ((z > 0) & (z < 8)).astype(float), False, "upper cutoff"),
    "below 1e30 only": (lambda z: ((z > 0) & (z < 1e30)).astype(float), False, "upper cutoff"),
    # the function instead of its slope, the wrong type, the wrong shape
    "the function": (relu, False, "the function itself"),
    "booleans": (lambda z: z > 0, False, "as booleans"),
    "a sum": (lambda z: (z > 0).sum(), False, "must have shape"),
    "one shape only": (lambda z: (z.reshape(3, 5) > 0).astype(float), False, "raised ValueError"),
    # in place
    "in place": (lambda z: np.greater(z, 0, out=z), False, "in place"),
    "in place, assigned": (lambda z: (z.__setitem__(z <= 0, 0.0), (z > 0) * 1.0)[1], False,
                           "in place"),
    # not an answer
    "a string": (lambda z: "1 where z > 0", False, "array of numbers"),
    "empty stub": (stub, False, "returns None"),
    "raises": (lambda z: undefined_name, False, "raised NameError"),  # noqa: F821
    "other": (lambda z: np.sign(z), False, "expected"),
}


@pytest.mark.parametrize("name", RELU_GRAD_ANSWERS)
def test_check_relu_grad(name):
    assert_verdict(nb01.check_relu_grad, *RELU_GRAD_ANSWERS[name])


def dead_ok(zs):
    return [np.mean(np.all(z <= 0, axis=0)) for z in zs]


def through_float16(zs):
    return [np.mean(np.all(z.astype(np.float16) <= 0, axis=0)) for z in zs]


DEAD_ANSWERS = {
    "reference": (dead_ok, True, "Correct!"),
    "via max": (lambda zs: [np.mean(z.max(axis=0) <= 0) for z in zs], True, "Correct!"),
    "a loop": (lambda zs: [sum(all(z[:, j] <= 0) for j in range(z.shape[1])) / z.shape[1]
                           for z in zs], True, "Correct!"),
    "float32": (lambda zs: np.array(dead_ok(zs), dtype=np.float32), True, "Correct!"),
    "keepdims": (lambda zs: [np.mean(np.all(z <= 0, axis=0, keepdims=True)) for z in zs], True,
                 "Correct!"),
    "no positive entry": (lambda zs: [np.mean(~np.any(z > 0, axis=0)) for z in zs], True,
                          "Correct!"),
    "mean ReLU output is 0": (lambda zs: [np.mean(relu(z).mean(axis=0) == 0) for z in zs], True,
                              "Correct!"),
    "count of positives": (lambda zs: [np.mean(np.count_nonzero(relu(z), axis=0) == 0)
                                       for z in zs], True, "Correct!"),
    # which samples
    "one sample": (lambda zs: [np.mean(z[0] <= 0) for z in zs], False, "single sample"),
    "sparsity": (lambda zs: [np.mean(z <= 0) for z in zs], False, "sparsity"),
    "any": (lambda zs: [np.mean(np.any(z <= 0, axis=0)) for z in zs], False, "SOME sample"),
    "axis 1": (lambda zs: [np.mean(np.all(z <= 0, axis=1)) for z in zs], False, "axis=1"),
    "z[1:]": (lambda zs: [np.mean(np.all(z[1:] <= 0, axis=0)) for z in zs], False,
              "skipped the first sample"),
    "z[:-1]": (lambda zs: [np.mean(np.all(z[:-1] <= 0, axis=0)) for z in zs], False,
               "skipped the last sample"),
    "half of the samples": (lambda zs: [np.mean(np.all(z[: len(z) // 2] <= 0, axis=0))
                                        for z in zs], False, "fire on a few samples only"),
    # thresholds at any scale: near-zero proxies above 0, a threshold below it
    "strict": (lambda zs: [np.mean(np.all(z < 0, axis=0)) for z in zs], False, "exactly 0"),
    "near-zero proxy": (lambda zs: [np.mean(relu(z).mean(axis=0) < 1e-3) for z in zs], False,
                        "near-zero proxy"),
    "np.isclose": (lambda zs: [np.mean(np.all((z <= 0) | np.isclose(z, 0), axis=0))
                               for z in zs], False, "tiny but positive"),
    "np.round": (lambda zs: [np.mean(np.all(np.round(z, 6) <= 0, axis=0)) for z in zs], False,
                 "tiny but positive"),
    "a float16 cast": (through_float16, False, "tiny but positive"),
    "a threshold of 1e-20": (lambda zs: [np.mean(np.all(z <= 1e-20, axis=0)) for z in zs],
                             False, "tiny but positive"),
    "a threshold of 1e-300": (lambda zs: [np.mean(np.all(z <= 1e-300, axis=0)) for z in zs],
                              False, "tiny but positive"),
    "a threshold below 0": (lambda zs: [np.mean(np.all(z <= -1e-9, axis=0)) for z in zs], False,
                            "tiny negatives"),
    # what is returned
    "counts": (lambda zs: [np.sum(np.all(z <= 0, axis=0)) for z in zs], False, "number of"),
    "alive fraction": (lambda zs: [1 - x for x in dead_ok(zs)], False, "alive"),
    "percentages": (lambda zs: [100 * x for x in dead_ok(zs)], False, "percentages"),
    "per-unit verdicts": (lambda zs: [np.all(z <= 0, axis=0) for z in zs], False,
                          "one verdict per unit"),
    # hard-coded shapes: a fixed number of layers
    "three layers": (lambda zs: [dead_ok(zs)[i] for i in range(3)], False,
                     "one to four layers"),
    "four layers": (lambda zs: dead_ok(zs + zs + zs + zs)[:4], False, "one to four layers"),
    # in place
    "in-place ReLU in the list": (lambda zs: [np.mean(np.all(np.maximum(z, 0, out=z) <= 0,
                                                             axis=0)) for z in zs], False,
                                  "in place"),
    "a list emptied": (lambda zs: [np.mean(np.all(zs.pop() <= 0, axis=0))
                                   for _ in range(len(zs))][::-1], False, "in place"),
    # not an answer
    "hard-coded": (lambda zs: [0.123456] * len(zs), False, "expected"),  # never k / units
    "one number": (lambda zs: 0.5, False, "must have shape"),
    "ragged": (lambda zs: [[0.1, 0.2], [0.3]], False, "array of numbers"),
    "empty stub": (stub, False, "returns None"),
    "not a function": ([0.1, 0.2, 0.3], False, "pass your function"),
}


@pytest.mark.parametrize("name", DEAD_ANSWERS)
def test_check_dead_fractions(name):
    assert_verdict(nb01.check_dead_fractions, *DEAD_ANSWERS[name])


# the reference solutions' key code: never in a first hint (the code is the last level)
RELU_GRAD_SOLUTION = ["(z > 0)", "astype"]
DEAD_SOLUTION = ["np.all", "axis=0", "np.mean"]
# hints that name no mistake of the solution's own (no answer, a crash, a wrong shape, an
# answer no known mistake explains) have one level
RELU_GRAD_GENERIC = {"a sum", "one shape only", "in place", "in place, assigned", "a string",
                     "empty stub", "raises"}
DEAD_GENERIC = {"in-place ReLU in the list", "a list emptied", "one number", "ragged",
                "empty stub", "not a function"}


@pytest.mark.parametrize("name", [n for n, a in RELU_GRAD_ANSWERS.items() if not a[1]])
def test_relu_grad_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = RELU_GRAD_ANSWERS[name]
    assert_hints_escalate(nb01.check_relu_grad, candidate, phrase, RELU_GRAD_SOLUTION,
                          nb01.RELU_GRAD_CODE, single_level=name in RELU_GRAD_GENERIC)


@pytest.mark.parametrize("name", [n for n, a in DEAD_ANSWERS.items() if not a[1]])
def test_dead_fraction_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = DEAD_ANSWERS[name]
    assert_hints_escalate(nb01.check_dead_fractions, candidate, phrase, DEAD_SOLUTION,
                          nb01.DEAD_FRACTION_CODE, single_level=name in DEAD_GENERIC)


def test_the_code_the_last_hints_show_is_right():
    assert nb01.check_relu_grad(eval(f"lambda z: {nb01.RELU_GRAD_CODE}")).correct
    assert nb01.check_dead_fractions(eval(f"lambda zs: [{nb01.DEAD_FRACTION_CODE} "
                                          "for z in zs]")).correct


def test_hint_counts_are_per_mistake_per_checker_and_reset_when_right():
    at_zero = RELU_GRAD_ANSWERS[">= 0"][0]
    levels = hint_levels(nb01.check_relu_grad, at_zero)
    assert len(levels) == 3 and "relu_grad(0) is 0." in levels[0] and "strict" in levels[1]
    assert nb01.check_relu_grad(at_zero).message == levels[-1]  # the last level stays
    # a new mistake in the same exercise, or one in another exercise: its first level
    the_function = nb01.check_relu_grad(relu).message
    assert "the function itself" in the_function and the_function.endswith(MORE_HELP)
    assert "(z > 0)" not in the_function
    dead = DEAD_ANSWERS["axis 1"][0]
    dead_first = nb01.check_dead_fractions(dead).message
    assert dead_first.endswith(MORE_HELP) and "axis 0" not in dead_first
    # the empty stub, as a fresh notebook shows it, whatever came before
    assert nb01.check_relu_grad(stub).message == STUB_MESSAGE
    # a correct answer starts that exercise afresh, and only that one
    assert nb01.check_relu_grad(relu_grad).correct
    assert nb01.check_relu_grad(at_zero).message == levels[0]
    assert nb01.check_relu_grad(relu).message == the_function
    assert "axis 0" in nb01.check_dead_fractions(dead).message


def test_checkers_draw_fresh_inputs():
    seen = []
    nb01.check_relu_grad(lambda z: seen.append(z.copy()) or (z > 0).astype(z.dtype))
    nb01.check_relu_grad(lambda z: seen.append(z.copy()) or (z > 0).astype(z.dtype))
    assert len(seen) == 8 and not np.array_equal(seen[0], seen[4])  # 1 + 3 cases per call
    assert {z.dtype for z in seen} == {np.dtype(np.float32), np.dtype(np.float64)}
    assert {z.ndim for z in seen} == {1, 2, 3}
    assert len({z.shape for z in seen[1:4] + seen[5:]}) > 3  # the sizes change too
    for z in seen:  # the values where thresholds show, at both ends of the dtype's range
        info = np.finfo(z.dtype)
        assert {0.0, info.smallest_subnormal, -info.smallest_subnormal, info.max,
                -info.max} <= set(z.ravel().tolist())


def test_dead_fraction_layers_plant_weak_units_at_every_scale():
    layers = nb01._dead_fraction_layers(np.random.default_rng(0), [np.float64, np.float32])
    for z in layers:
        largest = z.max(axis=0)
        for level in nb01._weak_levels(z.dtype):  # 1e-5 down to the smallest normal number
            assert np.any(largest == z.dtype.type(level)), (z.dtype, level)
        assert np.any(largest == 0) and np.any((largest < 0) & (largest > -1e-11))


def test_bias_setup_shifts_every_hidden_bias_once(digits):
    net = mlp(64, [8, 8], 10, rng=np.random.default_rng(0))
    nb01.bias_setup(0.1)(net)
    hidden = [layer for layer in net.layers if "b" in layer.params][:-1]
    assert all(np.all(layer.params["b"] == 0.1) for layer in hidden)
    assert np.all(net.layers[-1].params["b"] == 0)  # not the output layer
    with pytest.raises(TypeError, match="amount must be a real number"):
        nb01.bias_setup("0.1")


def test_rai_makes_narrow_networks_less_often_born_dead():
    rng = np.random.default_rng(0)
    he = nb01.born_dead_curve(3, 20, n_trials=400, n_points=20, rng=rng)
    rai = nb01.born_dead_curve(3, 20, n_trials=400, n_points=20, rng=rng, init="rai")
    assert rai[-1] < he[-1] - 0.3
    with pytest.raises(ValueError, match="init must be one of"):
        nb01.born_dead_curve(3, 2, n_trials=4, n_points=2, rng=rng, init="lecun")


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

def test_the_exact_formula_keeps_its_digits_for_wide_layers():
    """1 - (1 - 2^-60)^10 is 0 in float64; -expm1(10 log1p(-2^-60)) is 10 * 2^-60 = 8.7e-18."""
    assert nb01.single_point_dead_probability(60, 10) == pytest.approx(10 * 2.0**-60, rel=1e-12,
                                                                    abs=0)
    got = nb01.single_point_dead_probability(40, np.array([1, 1000]))
    exact = [1 - (1 - 2.0**-40) ** d for d in (1, 1000)]  # fine at width 40 in float64...
    assert got == pytest.approx(exact, rel=1e-4, abs=0)
    assert got[0] == 2.0**-40  # ...but not to the last digit: here it is exact
    assert nb01.single_point_dead_probability(2000, 10) == 0.0  # below float64's smallest


@pytest.mark.parametrize("depth,match", [("3", r"got '3' \(str\)"), (None, "got None"),
                                         (3.0, r"got 3.0 \(float\)"), ([1, 0], r"got \[1, 0\]"),
                                         (np.ma.masked_array([1, 2]), "depth is a masked array")])
def test_a_bad_depth_is_shown_as_it_was_given(depth, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nb01.single_point_dead_probability(2, depth)


def test_bias_setup_shifts_the_hidden_biases_of_a_residual_model_too():
    net = mlp(6, [6, 6, 6], 3, rng=np.random.default_rng(0), residual=True)
    from helpers.layers import Residual

    assert sum(isinstance(layer, Residual) for layer in net.layers) == 3
    nb01.bias_setup(0.1)(net)
    biases = [value for key, value in net.params.items() if key.endswith(".b")]
    assert len(biases) == 4
    assert all(np.all(b == 0.1) for b in biases[:-1]) and np.all(biases[-1] == 0)


def _history(n_epochs=2, units=(3, 2)):
    masks = [[np.zeros(u, dtype=bool) for u in units] for _ in range(n_epochs)]
    weights = [[np.ones((4, u)) for u in units] for _ in range(n_epochs)]
    return {"masks": masks, "weights": weights}


@pytest.mark.parametrize("change,error,match", [
    (lambda h: h.update(masks=[[]]), ValueError, r"history\[\"masks\"\]\[0\] must hold one mask "
     "per hidden layer"),
    (lambda h: h.update(masks=[1, 2]), TypeError, r"history\[\"masks\"\]\[0\] must be a list of "
     "boolean masks"),
    (lambda h: h["masks"][1].pop(), ValueError, r"history\[\"masks\"\]\[1\] has 1 layers; "
     r"history\[\"masks\"\]\[0\] has 2"),
    (lambda h: h["masks"][1].__setitem__(0, np.zeros(5, bool)), ValueError,
     r"history\[\"masks\"\]\[1\]\[0\] has 5 units; history\[\"masks\"\]\[0\]\[0\] has 3"),
    (lambda h: h["masks"][0].__setitem__(1, [0.5, 1.0]), TypeError,
     r"history\[\"masks\"\]\[0\]\[1\] must be a 1-D boolean array"),
    (lambda h: h.update(weights=h["weights"][:1]), ValueError,
     r"history\[\"weights\"\] must have one entry per epoch, as \"masks\" \(2\); got 1"),
    (lambda h: h["weights"][1].__setitem__(0, np.ones((4, 5))), ValueError,
     r"history\[\"weights\"\]\[1\]\[0\] must have shape \(fan_in, 3\)"),
    (lambda h: h.update(weights="w"), TypeError, r"history\[\"weights\"\] must be a list"),
])
def test_revival_report_rejects_a_malformed_history(change, error, match):
    history = _history()
    nb01.revival_report(history)  # the unchanged history is fine
    change(history)
    with pytest.raises(error, match=match):
        nb01.revival_report(history)
    if "weights" not in match:  # dead_fraction_history reads the masks only
        with pytest.raises(error, match=match):
            nb01.dead_fraction_history(history)


def test_a_threshold_at_the_smallest_subnormal_is_not_accepted():
    """Fuzz campaign: z.max(0) <= np.finfo(z.dtype).smallest_subnormal was accepted."""
    for _ in range(5):  # fresh layers at every call
        assert_verdict(nb01.check_dead_fractions, lambda zs: [
            np.mean(z.max(0) <= np.finfo(z.dtype).smallest_subnormal) for z in zs], False,
            "Not yet")


def test_second_moment_by_layer_he_is_level_and_rai_starts_at_its_formula():
    rng = np.random.default_rng(0)
    he = nb01.second_moment_by_layer(64, 10, n_trials=1000, n_points=50, rng=rng)
    # standard-normal inputs, He weights, zero biases: E[z^2] = 2 E[x^2] = 2 in layer 1, and
    # He's rule keeps it there (exact in expectation at any width)
    assert he.shape == (10,) and np.all(np.abs(he - 2) < 0.1)
    rai = nb01.second_moment_by_layer(64, 10, n_trials=200, n_points=50, rng=rng, init="rai")
    # layer 1: of a unit's 64 weights and bias, one is a Beta(2, 1) draw (E[xi^2] = 1/2) and
    # 64 are N(0, 0.6007^2 / 64); each multiplies an input with E[x^2] = 1 (the bias: 1), so
    # E[z^2] = 64 * 0.6007^2 / 64 + 1/2 exactly
    assert abs(rai[0] - (0.6007**2 + 0.5)) < 0.03
    assert rai[-1] < 0.25 * rai[0]  # RAI's scale does not keep the second moment level


def test_second_moment_by_layer_draws_the_networks_born_dead_curve_draws():
    a = nb01.second_moment_by_layer(3, 4, n_trials=5, n_points=6, rng=np.random.default_rng(2),
                                    init="rai")
    b = nb01.second_moment_by_layer(3, 4, n_trials=5, n_points=6, rng=np.random.default_rng(2),
                                    init="rai")
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="init must be one of"):
        nb01.second_moment_by_layer(3, 2, n_trials=4, n_points=2, rng=np.random.default_rng(0),
                                    init="lecun")
