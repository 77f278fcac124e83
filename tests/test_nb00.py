"""helpers.nb00: the environment check and the figures behind notebook 00."""

import importlib

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import nb00
from helpers.propagation import propagate_seeds


def test_all_present():
    assert nb00.check_environment() == sorted(nb00.REQUIRED.values())


def test_missing_package_names_the_fix(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name == "sklearn":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(nb00.importlib, "import_module", fake)
    with pytest.raises(RuntimeError, match="Missing packages: scikit-learn.*make lab"):
        nb00.check_environment()


def test_propagation_figure_has_two_titled_panels():
    runs = {"ReLU": propagate_seeds("relu", seeds=[0, 1], depth=5, width=8)}
    fig = nb00.plot_propagation(runs)
    left, right = fig.axes
    assert left.get_lines()[0].get_ydata().tolist() == np.median(runs["ReLU"].var, 0).tolist()
    assert right.get_lines()[0].get_ydata().tolist() == np.median(
        runs["ReLU"].weight_grad_norm, 0).tolist()
    assert left.get_title() and right.get_title()


def test_explorer_figure_follows_its_arguments():
    fig = nb00.propagation_figure(depth=7, width=16, gain=0.5, seeds=(0, 1))
    assert "depth 7, width 16, weight gain 0.5, 2 seeds" in fig.get_suptitle()
    assert all(len(line.get_xdata()) == 7 for line in fig.axes[0].get_lines())
    assert [line.get_label() for line in fig.axes[1].get_lines()] == list(
        nb00.STANDARD_SETTINGS)


def test_explorer_has_the_three_sliders_and_redraws(monkeypatch):
    calls = []
    monkeypatch.setattr(nb00, "propagation_figure",
                        lambda *args: calls.append(args) or plt.figure())
    explorer = nb00.propagation_explorer(seeds=(0,))
    sliders = {c.description: c for c in explorer.children[:3]}
    assert set(sliders) == {"depth", "width", "gain"}
    sliders["depth"].value = 12
    assert calls[-1] == (12, 64, 1.0, [0])
    assert sliders["width"].max == 64  # wider would take over half a second to redraw


def test_explorer_networks_see_a_batch_of_64():
    fig = nb00.propagation_figure(depth=3, width=8, seeds=(0,))
    direct = propagate_seeds("relu", seeds=[0], depth=3, width=8, n_samples=64)
    relu_line = fig.axes[0].get_lines()[2]
    assert relu_line.get_label() == "ReLU + He"
    assert relu_line.get_ydata().tolist() == direct.var[0].tolist()



def test_residual_mlp_wraps_equal_width_layers_with_scaled_branches():
    from helpers import layers as L
    from helpers.models import mlp

    plain = mlp(8, [16, 16, 16], 3, rng=np.random.default_rng(0))
    res = mlp(8, [16, 16, 16], 3, rng=np.random.default_rng(0), residual=True)
    kinds = [type(layer).__name__ for layer in res.layers]
    assert kinds == ["Linear", "ReLU", "Residual", "Residual", "Linear"]
    # same draws; each branch's weights scaled by 1/sqrt(number of blocks)
    assert np.allclose(res.layers[2].block.layers[0].params["W"],
                       plain.layers[2].params["W"] / np.sqrt(2))
    x = np.random.default_rng(1).standard_normal((5, 8))
    h = res.layers[1].forward(res.layers[0].forward(x))
    assert np.allclose(res.layers[2].forward(h), h + res.layers[2].block.forward(h))
    assert isinstance(res.layers[3].block.layers[-1], L.ReLU)


def test_residual_connections_keep_gradients_level_at_init():
    norms = nb00.gradient_norms_per_layer(depth=20, width=16, seeds=[0, 1, 2])
    assert set(norms) == {"plain", "residual"} and norms["plain"].shape == (3, 20)
    ratio = {k: np.log10(v[:, 0] / v[:, -1]) for k, v in norms.items()}
    assert np.ptp(ratio["residual"]) < np.ptp(ratio["plain"])  # more predictable across seeds
