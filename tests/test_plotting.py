"""helpers.plotting and helpers.widgets: the figures draw what they are given."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import plotting, widgets
from helpers.activations import relu
from helpers.experiments import standardized_digits
from helpers.propagation import propagate_seeds


def test_layer_curves_draw_the_median_and_label_each_setting():
    values = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0], [2.0, 9.0, 4.0]])
    ax = plotting.plot_layer_curves({"a": values, "b": values[:1]}, ylabel="y", title="t",
                                    logy=True)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert lines[0].get_ydata().tolist() == [2.0, 4.0, 4.0]
    assert lines[0].get_xdata().tolist() == [1, 2, 3]
    assert ax.get_yscale() == "log" and ax.get_title() == "t" and ax.get_xlabel() == "layer"
    assert len(ax.collections) == 1  # one band: "b" has a single seed


def test_layer_curves_bad_input():
    with pytest.raises(TypeError, match="curves must be a non-empty dict"):
        plotting.plot_layer_curves([], ylabel="y", title="t")
    with pytest.raises(ValueError, match=r"curves\['a'\] must have shape \(n_seeds, depth\)"):
        plotting.plot_layer_curves({"a": np.zeros((2, 2, 2))}, ylabel="y", title="t")


def test_propagation_figure_has_two_titled_panels():
    runs = {"ReLU": propagate_seeds("relu", seeds=[0, 1], depth=5, width=8)}
    fig = plotting.plot_propagation(runs)
    left, right = fig.axes
    assert left.get_lines()[0].get_ydata().tolist() == np.median(runs["ReLU"].var, 0).tolist()
    assert right.get_lines()[0].get_ydata().tolist() == np.median(
        runs["ReLU"].weight_grad_norm, 0).tolist()
    assert left.get_title() and right.get_title()


def test_activation_pairs_plot_function_and_derivative():
    z = np.linspace(-2, 2, 5)
    fig = plotting.plot_activation_pairs(["relu", "tanh"], z=z)
    f_ax, df_ax = fig.axes
    assert f_ax.get_lines()[0].get_ydata().tolist() == relu(z).tolist()
    assert df_ax.get_lines()[0].get_ydata().tolist() == [0, 0, 0, 1, 1]
    with pytest.raises(TypeError, match="names must be a non-empty list"):
        plotting.plot_activation_pairs("relu")


def test_palette_has_distinct_colours():
    assert len(set(plotting.PALETTE)) == len(plotting.PALETTE) >= 6


def test_explorer_figure_follows_its_arguments():
    fig = widgets.propagation_figure(depth=7, width=16, gain=0.5, seeds=(0, 1))
    assert "depth 7, width 16, weight gain 0.5, 2 seeds" in fig.get_suptitle()
    assert all(len(line.get_xdata()) == 7 for line in fig.axes[0].get_lines())
    assert [line.get_label() for line in fig.axes[1].get_lines()] == list(
        widgets.STANDARD_SETTINGS)


def test_explorer_has_the_three_sliders_and_redraws(monkeypatch):
    calls = []
    monkeypatch.setattr(widgets, "propagation_figure",
                        lambda *args: calls.append(args) or plt.figure())
    explorer = widgets.propagation_explorer(seeds=(0,))
    sliders = {c.description: c for c in explorer.children[:3]}
    assert set(sliders) == {"depth", "width", "gain"}
    sliders["depth"].value = 12
    assert calls[-1] == (12, 64, 1.0, (0,))


def test_born_dead_plot():
    ax = plotting.plot_born_dead({2: [0.2, 0.5], 4: [0.1, 0.2]}, {2: [0.25, 0.5]})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels[0] == "width 2" and "exact, at a single input" in labels
    assert ax.get_lines()[0].get_ydata().tolist() == [0.2, 0.5]
    with pytest.raises(TypeError, match="monte_carlo must be a non-empty dict"):
        plotting.plot_born_dead({})


def test_dead_fractions_plot():
    curves = np.array([[0.0, 0.1], [0.2, 0.3], [0.4, 0.5]])
    ax = plotting.plot_dead_fractions(curves)
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[0.0, 0.2, 0.4],
                                                                      [0.1, 0.3, 0.5]]
    with pytest.raises(ValueError, match=r"shape \(epochs \+ 1, layers\)"):
        plotting.plot_dead_fractions([0.1, 0.2])


def test_dying_explorer_figure_and_sliders(monkeypatch):
    data = standardized_digits(seed=0)
    fig = widgets.dying_figure(data, lr=0.05, bias_shift=-1.0, epochs=2)
    assert "lr 0.05, bias shift -1" in fig.axes[0].get_title()  # Adam
    assert len(fig.axes[0].get_lines()) == 4
    monkeypatch.setattr(widgets, "train_and_track", lambda *a, **k: {"diverged": True})
    diverged = widgets.dying_figure(data, lr=5.0, epochs=2)
    assert "diverged" in diverged.axes[0].texts[0].get_text()
    monkeypatch.undo()
    calls = []
    monkeypatch.setattr(widgets, "dying_figure",
                        lambda *args: calls.append(args) or plt.figure())
    explorer = widgets.dying_relu_explorer(data)
    sliders = {c.description: c for c in explorer.children[:2]}
    sliders["bias shift"].value = -2.0
    assert calls[-1][1:3] == (0.01, -2.0)


def test_rectifiers_plot_and_the_maximum_form():
    z = np.array([-2.0, 1.0])
    fig = plotting.plot_rectifiers({"leaky": 0.01, "prelu": 1.5}, z=z, maximum_form=1.5)
    f_ax, df_ax = fig.axes
    lines = {line.get_label(): list(line.get_ydata()) for line in f_ax.get_lines()}
    assert lines["prelu (a = 1.5)"] == [-3.0, 1.0]
    assert lines["np.maximum(a z, z), a = 1.5"] == [-2.0, 1.5]  # a different function
    slopes = [line for line in df_ax.get_lines() if not line.get_label().startswith("_")]
    assert list(slopes[0].get_ydata()) == [0.01, 1.0]
    with pytest.raises(TypeError, match="slopes must be a non-empty dict"):
        plotting.plot_rectifiers({})


def test_channel_slopes_boxplot_and_epoch_axis():
    ax = plotting.plot_channel_slopes([np.array([0.1, 0.3]), np.array([0.2, 0.2, 0.4])])
    assert ax.get_xlabel() == "layer" and len(ax.get_xticks()) == 2
    ax = plotting.plot_layer_curves({"a": [[0.5, 0.9, 0.95]]}, ylabel="acc", title="t",
                                    xlabel="epoch", start=0)
    assert ax.get_lines()[0].get_xdata().tolist() == [0, 1, 2] and ax.get_xlabel() == "epoch"


def test_slope_explorer(monkeypatch):
    fig = widgets.slope_figure(alpha=1.2)
    labelled = [ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")]
    assert "a = 1.2" in fig.get_suptitle() and len(labelled) == 3
    calls = []
    monkeypatch.setattr(widgets, "slope_figure", lambda *a: calls.append(a) or plt.figure())
    explorer = widgets.slope_explorer()
    explorer.children[0].value = -0.3
    assert calls[-1] == (-0.3,)


def test_moment_map_plot():
    ax = plotting.plot_moment_map(starts=[(0.4, 1.8)], steps=5, n_arrows=5)
    path = [line for line in ax.get_lines() if line.get_label() == "start (0.4, 1.8)"][0]
    assert len(path.get_xdata()) == 6 and path.get_xdata()[0] == 0.4
    assert len(ax.collections) == 1  # the quiver
    assert "omega = 0" in ax.get_title()


def test_selu_explorer(monkeypatch):
    fig = widgets.selu_figure(depth=8, gain=1.2, input_mean=1.0, input_std=2.0, width=16)
    assert "x 1.2" in fig.get_suptitle() and "N(1, 2²)" in fig.get_suptitle()
    calls = []
    monkeypatch.setattr(widgets, "selu_figure", lambda *a: calls.append(a) or plt.figure())
    explorer = widgets.selu_explorer()
    sliders = {c.description: c for c in explorer.children[:4]}
    sliders["input mean"].value = 2.0
    assert calls[-1] == (64, 1.0, 2.0, 1.0)


def test_batchnorm_trace_and_explorer(monkeypatch):
    from helpers.diagnostics import batchnorm_trace

    X = np.random.default_rng(0).normal(3.0, 1.0, (500, 2))
    small = batchnorm_trace(X, batch_size=4, steps=300, rng=np.random.default_rng(1))
    large = batchnorm_trace(X, batch_size=128, steps=300, rng=np.random.default_rng(1))
    assert small["gap"] > 3 * large["gap"]  # batch means scatter like 1 / sqrt(batch size)
    assert abs(large["running_mean"][-1] - large["population_mean"]) < 0.05
    ax = plotting.plot_batchnorm_trace(small)
    assert len(ax.get_lines()) == 3 and "mean |batch - data set|" in ax.get_title()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        batchnorm_trace(X, batch_size=1, rng=np.random.default_rng(0))
    fig = widgets.batchnorm_figure(X, batch_size=8, momentum=0.5, steps=20)
    assert "batch size 8, momentum 0.5" in fig.axes[0].get_title()
    calls = []
    monkeypatch.setattr(widgets, "batchnorm_figure", lambda *a: calls.append(a) or plt.figure())
    explorer = widgets.batchnorm_explorer(X)
    explorer.children[0].value = 64
    assert calls[-1][1:] == (64, 0.1)


def test_plot_sweep_draws_mean_band_and_every_seed():
    ax = plotting.plot_sweep([1e-3, 1e-2], {"a": [[0.5, 0.7], [0.6, 0.9]]}, xlabel="lr",
                             ylabel="acc", title="t")
    assert [line.get_label() for line in ax.get_lines()] == ["a"]
    assert np.allclose(ax.get_lines()[0].get_ydata(), [0.6, 0.75])
    assert len(ax.collections) == 2  # the band and the dots
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.01"]
    with pytest.raises(ValueError, match=r"curves\['a'\] must have shape \(2, n_seeds\)"):
        plotting.plot_sweep([1, 2], {"a": [1, 2, 3]}, xlabel="x", ylabel="y", title="t")
    with pytest.raises(TypeError, match="curves must be a non-empty dict"):
        plotting.plot_sweep([1], {}, xlabel="x", ylabel="y", title="t")


def test_plot_seed_boxes_labels_every_method():
    ax = plotting.plot_seed_boxes({"ReLU": [0.5, 0.9], "PReLU": [0.9, 0.95, 0.93]},
                                  ylabel="acc", title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ReLU", "PReLU"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 5  # every seed is a dot
    with pytest.raises(TypeError, match="values must be a non-empty dict"):
        plotting.plot_seed_boxes([], ylabel="y", title="t")
