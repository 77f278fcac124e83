"""helpers.nb05: choosing learning rates on validation data, the summaries and the checkers of
notebook 05."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.special import ndtr
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
    with pytest.raises(KeyError, match="not a configuration"):
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


def test_check_gelu_grad_says_which_form_it_got():
    assert nb05.check_gelu_grad(stub).message == STUB_MESSAGE
    assert_verdict(nb05.check_gelu_grad, gelu_grad, True, "exact derivative")
    assert_verdict(nb05.check_gelu_grad, nb05.gelu_tanh_grad, True, "tanh approximation")
    assert_hints_escalate(nb05.check_gelu_grad, gelu, "GELU itself", ["norm.cdf", "pdf"],
                          "norm.cdf(z) + z * norm.pdf(z)")
    assert_hints_escalate(nb05.check_gelu_grad, ndtr, "first term", ["norm.pdf"],
                          "norm.cdf(z) + z * norm.pdf(z)")
    second_term = lambda z: z * np.exp(-z**2 / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    assert_hints_escalate(nb05.check_gelu_grad, second_term, "second term", ["norm.cdf"],
                          "norm.cdf(z) + z * norm.pdf(z)")
    assert nb05.check_gelu_grad(gelu_grad).correct  # a fresh count
    assert_count_resets(nb05.check_gelu_grad, gelu, gelu_grad)


def right_choice(val_by_lr):
    return max(val_by_lr, key=lambda lr: np.mean(val_by_lr[lr]))


def test_check_choose_lr():
    assert nb05.check_choose_lr(stub).message == STUB_MESSAGE
    assert_verdict(nb05.check_choose_lr, right_choice, True, "best mean validation")
    lucky = lambda v: max(v, key=lambda lr: np.max(v[lr]))  # noqa: E731
    assert_hints_escalate(nb05.check_choose_lr, lucky, "single best seed", ["np.mean", "key="],
                          "np.mean(val_by_lr[lr])")
    worst = lambda v: min(v, key=lambda lr: np.mean(v[lr]))  # noqa: E731
    assert_verdict(nb05.check_choose_lr, worst, False, "lowest")
    assert_verdict(nb05.check_choose_lr, lambda v: "0.01", False, "return one of the learning")
    assert nb05.check_choose_lr(right_choice).correct  # a fresh count
    assert_count_resets(nb05.check_choose_lr, lucky, right_choice)


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
