"""helpers.plotting: the shared figures draw what they are given."""

import numpy as np
import pytest

from helpers import plotting
from helpers.activations import relu


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
    with pytest.raises(ValueError, match=r"curves\['a'\] must be a non-empty array with 1 or 2 "
                                         r"dimensions; got shape \(2, 2, 2\)"):
        plotting.plot_layer_curves({"a": np.zeros((2, 2, 2))}, ylabel="y", title="t")


def test_activation_pairs_plot_function_and_derivative():
    z = np.linspace(-2, 2, 5)
    fig = plotting.plot_activation_pairs(["relu", "tanh"], z=z)
    f_ax, df_ax = fig.axes
    assert f_ax.get_lines()[0].get_ydata().tolist() == relu(z).tolist()
    assert df_ax.get_lines()[0].get_ydata().tolist() == [0, 0, 0, 1, 1]
    with pytest.raises(TypeError, match="names must be a sequence"):
        plotting.plot_activation_pairs("relu")


def test_palette_has_distinct_colours():
    assert len(set(plotting.PALETTE)) == len(plotting.PALETTE) >= 6


def test_plot_sweep_draws_mean_band_and_every_seed():
    ax = plotting.plot_sweep([1e-3, 1e-2], {"a": [[0.5, 0.7], [0.6, 0.9]]}, xlabel="lr",
                             ylabel="acc", title="t")
    assert [line.get_label() for line in ax.get_lines()] == ["a"]
    assert np.allclose(ax.get_lines()[0].get_ydata(), [0.6, 0.75])
    assert len(ax.collections) == 2  # the band and the dots
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.01"]
    with pytest.raises(ValueError, match=r"curves\['a'\] must be a non-empty array with 2 "
                                         r"dimensions; got shape \(3,\)"):
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

