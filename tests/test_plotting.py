"""helpers.plotting: the shared figures draw what they are given."""

import io
import re

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


def test_log_band_leaves_out_a_seed_at_exactly_zero_and_says_so():
    """A seed whose network dies (variance exactly 0 from layer 3) cannot be drawn on a log
    axis: the band spans the other seeds, not down to 0, and the legend names the dead seed."""
    alive = np.array([[1e-3, 1e-2, 1e-1, 1.0, 10.0], [2e-3, 2e-2, 2e-1, 2.0, 20.0]])
    dead = np.array([[3e-3, 1e-2, 0.0, 0.0, 0.0]])
    ax = plotting.plot_layer_curves({"ReLU": np.vstack([alive, dead]), "tanh": alive},
                                    ylabel="variance", title="t", logy=True)
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() >= 1e-3  # the lowest positive value, not 0
    low, high = ax.get_ylim()
    assert 1e-4 < low < 1e-3 and 20 < high < 200  # within a margin of the positive data
    assert [line.get_label() for line in ax.get_lines()] == [
        "ReLU (1 of 3 seeds: exactly 0 from layer 3)", "tanh"]
    assert ax.get_legend().get_texts()[0].get_text().endswith("exactly 0 from layer 3)")
    # a seed that comes back, on an epoch axis, and negative values
    ax = plotting.plot_layer_curves({"a": [[1.0, -1.0, 2.0], [1.0, 1.0, 1.0]]}, ylabel="y",
                                    title="t", logy=True, xlabel="epoch", start=0)
    assert ax.get_lines()[0].get_label() == "a (1 of 2 seeds: <= 0 first at epoch 1)"
    # on a linear axis 0 is a value like any other
    ax = plotting.plot_layer_curves({"ReLU": dead}, ylabel="y", title="t")
    assert ax.get_lines()[0].get_label() == "ReLU"


def test_log_axis_with_nothing_positive_falls_back_to_linear():
    ax = plotting.plot_layer_curves({"dead": np.zeros((3, 4))}, ylabel="y", title="t",
                                    logy=True)
    assert ax.get_yscale() == "linear"
    ax.figure.savefig(io.BytesIO(), format="png")  # draws without an error


def test_log_axis_labels_are_plain_text():
    """10⁻³ rather than mathtext's $10^{-3}$: the same label, without the slow parser."""
    ax = plotting.plot_layer_curves({"a": [1e-3, 1e3]}, ylabel="y", title="t", logy=True)
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    # which decades get a label is matplotlib's choice (every one or every other one)
    assert labels and all(re.fullmatch("10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", t) for t in labels), labels
    assert any("⁻" in t for t in labels) and not any("$" in t for t in labels)
    ax = plotting.plot_layer_curves({"a": [0.3, 0.5]}, ylabel="y", title="t", logy=True)
    ax.figure.canvas.draw()
    assert "4×10⁻¹" in [t.get_text() for t in ax.get_yticklabels(minor=True)]


def test_curves_differ_in_marker_as_well_as_colour():
    """No two curves of one figure share both colour and marker, even beyond 8 curves; the
    first five colours (notebook 03's five settings) hold only one of the two blues."""
    curves = {f"c{i}": np.arange(1.0, 61.0) + i for i in range(20)}
    for ax in (plotting.plot_layer_curves(curves, ylabel="y", title="t"),
               plotting.plot_activation_pairs(["relu", "elu", "selu", "tanh"]).axes[0]):
        styles = [(line.get_color(), line.get_marker()) for line in ax.get_lines()
                  if not line.get_label().startswith("_")]  # not the axis lines at 0
        assert len(set(styles)) == len(styles)
        assert len({marker for _, marker in styles}) == min(len(styles), 9)
    line = plotting.plot_layer_curves(curves, ylabel="y", title="t").get_lines()[1]
    assert line.get_markevery() == (1, 7)  # 60 points: a marker every 7th, about 9 in all
    assert len({"#56B4E9", "#0072B2"} & set(plotting.PALETTE[:5])) == 1
    blues = [plotting.PALETTE.index(c) for c in ("#56B4E9", "#0072B2")]
    assert abs(blues[0] - blues[1]) > 1


def test_curve_style_bad_input():
    with pytest.raises(ValueError, match="i must be an integer >= 0; got -1"):
        plotting.curve_style(-1, 10)
    with pytest.raises(TypeError, match="n_points must be an integer >= 1"):
        plotting.curve_style(0, 2.5)


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



def test_differences_are_drawn_with_their_intervals_and_verdicts():
    from helpers.protocol import paired_difference

    clear = paired_difference(np.linspace(0.8, 0.9, 10) + 0.05, np.linspace(0.8, 0.9, 10))
    unclear = paired_difference([0.8, 0.81, 0.79, 0.8], [0.8, 0.8, 0.8, 0.81])
    ax = plotting.plot_differences({"clear": clear, "unclear": unclear}, xlabel="d", title="t")
    segments = [line for line in ax.get_lines() if len(line.get_xdata()) == 2
                and line.get_linestyle() == "-"]
    assert [tuple(s.get_xdata()) for s in segments] == [(clear.low, clear.high),
                                                         (unclear.low, unclear.high)]
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert markers[0].get_markerfacecolor() != "white"  # filled: distinguishable
    assert markers[1].get_markerfacecolor() == "white"  # hollow: not distinguishable
    with pytest.raises(TypeError, match="differences must be a non-empty dict"):
        plotting.plot_differences({"a": 0.1}, xlabel="d", title="t")
