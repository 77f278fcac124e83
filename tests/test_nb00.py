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


def test_propagation_figure_keeps_one_legend_unless_the_panels_differ():
    runs = {"ReLU": propagate_seeds("relu", seeds=[0, 1], depth=5, width=8)}
    left, right = nb00.plot_propagation(runs).axes
    assert left.get_legend() is None and right.get_legend() is not None
    dead = propagate_seeds("relu", seeds=range(4), depth=60, width=2, n_samples=8)
    left, right = nb00.plot_propagation({"ReLU": dead}).axes
    notes = [[t.get_text() for t in ax.get_legend().get_texts()] for ax in (left, right)
             if ax.get_legend() is not None]
    assert any("exactly 0" in text for texts in notes for text in texts)


# --- the deep dive: correlations, order and chaos ---------------------------------------------

from helpers import diagnostics, propagation  # noqa: E402
from helpers.models import mlp  # noqa: E402


def test_order_and_chaos_table():
    table = nb00.order_and_chaos_table()
    assert list(table) == list(nb00.MEAN_FIELD_SETTINGS)
    relu, tanh1, tanh12, selu = table.values()
    assert np.isnan(relu["q_star"]) and relu["slope"] == relu["chi1"] == 1.0
    assert tanh1["q_star"] == 0.0 and abs(tanh1["slope"] - 1) < 1e-9 and abs(
        tanh1["chi1"] - 1) < 1e-9  # the limits at q -> 0: tanh'(0)^2 = 1
    assert tanh12["q_star"] == propagation.variance_fixed_point("tanh", init="glorot", gain=1.2)
    assert tanh12["chi1"] == round(propagation.chi1("tanh", tanh12["q_star"], init="glorot",
                                                    gain=1.2), 12)
    assert round(selu["chi1"], 4) == 1.0716 and round(selu["slope"], 4) == 0.7826


def test_order_and_chaos_table_refuses_bad_settings():
    with pytest.raises(ValueError, match=r"settings\['big'\]: the second moment grows without"):
        nb00.order_and_chaos_table({"big": ("relu", "he", 1.1)})
    with pytest.raises(TypeError, match="settings must be a non-empty dict"):
        nb00.order_and_chaos_table({})
    with pytest.raises(TypeError, match=r"settings\['a'\] must be \(activation, init, gain\)"):
        nb00.order_and_chaos_table({"a": "relu"})
    with pytest.raises(ValueError, match=r"settings\['a'\] must name an activation"):
        nb00.order_and_chaos_table({"a": ("swish", "he", 1.0)})
    with pytest.raises(ValueError, match=r"settings\['a'\] gain must be > 0"):
        nb00.order_and_chaos_table({"a": ("relu", "he", 0.0)})


def test_correlation_curves_are_the_map_and_the_measurement():
    settings = {"tanh": ("tanh", "glorot", 1.2)}
    (theory, measured), = nb00.correlation_curves(settings, depth=6, c_in=0.3, width=16,
                                                  n_networks=4, seed=3).values()
    assert np.array_equal(theory, propagation.mean_field("tanh", depth=6, c_in=0.3,
                                                         init="glorot", gain=1.2).c)
    direct = propagation.propagate_pair("tanh", depth=6, width=16, n_networks=4, c_in=0.3,
                                        rng=np.random.default_rng(3), init="glorot", gain=1.2)
    assert np.array_equal(measured, direct.correlation)


def test_log_variance_spread_holds_the_logs_of_the_second_moments():
    logs = nb00.log_variance_spread(depth=5, widths=(8, 16), n_networks=7, seed=2)
    assert list(logs) == [("ReLU + He", 8), ("ReLU + He", 16), ("SELU + LeCun", 8),
                          ("SELU + LeCun", 16)]
    direct = propagation.propagate_pair("selu", depth=5, width=16, n_networks=7, init="lecun",
                                        rng=np.random.default_rng(2))
    assert np.array_equal(logs["SELU + LeCun", 16], np.log(direct.second_moment))
    with pytest.raises(ValueError, match="widths must hold at least one width"):
        nb00.log_variance_spread(widths=())


def test_mean_cosine_is_the_mean_over_pairs():
    z = np.random.default_rng(0).standard_normal((7, 5))
    z[3] = 0.0  # a sample whose vector is 0 is left out
    rows = [r / np.linalg.norm(r) for r in z if np.linalg.norm(r) > 0]
    brute = np.mean([a @ b for i, a in enumerate(rows) for j, b in enumerate(rows) if i != j])
    assert np.isclose(nb00._mean_cosine(z), brute, rtol=1e-12)


def test_collinearity_counts_dead_units_as_diagnostics_does():
    X = np.random.default_rng(0).standard_normal((40, 6))
    alike = nb00.collinearity_by_layer(X, depth=5, width=8, seeds=[1, 2])
    assert alike["cosine"].shape == alike["dead"].shape == (2, 5)
    net = mlp(6, [8] * 5, 10, rng=np.random.default_rng(2))
    assert alike["dead"][1].tolist() == [int(m.sum()) for m in diagnostics.dead_unit_masks(net, X)]
    z1 = diagnostics.preactivations(net, X)[0][1]
    assert np.isclose(alike["cosine"][1, 0], nb00._mean_cosine(z1))
    with pytest.raises(ValueError, match="X must be a finite"):
        nb00.collinearity_by_layer(np.ones((1, 3)))


def test_order_and_chaos_figure_draws_what_it_is_given():
    settings = {"ReLU + He": ("relu", "he", 1.0), "SELU + LeCun": ("selu", "lecun", 1.0)}
    correlations = nb00.correlation_curves(settings, depth=6, width=16, n_networks=5)
    logs = nb00.log_variance_spread(depth=6, widths=(4,), n_networks=40)
    assert np.isinf(logs["ReLU + He", 4]).any()  # networks born dead at width 4: left out
    left, right = nb00.plot_order_and_chaos(correlations, logs).axes
    lines = [line for line in left.get_lines() if line.get_label() in settings]
    assert [line.get_label() for line in lines] == list(settings)
    assert np.array_equal(lines[0].get_ydata(), correlations["ReLU + He"][0])
    exact = [line for line in right.get_lines() if line.get_linestyle() == "--"]
    assert np.allclose(exact[0].get_ydata(), [propagation.relu_log_variance(layer, 4)
                                              for layer in range(1, 7)])
    variances = [line for line in right.get_lines() if line.get_label() == "ReLU + He, 4 wide"]
    alive = np.isfinite(logs["ReLU + He", 4]).all(axis=1)
    assert np.allclose(variances[0].get_ydata()[-1], np.var(logs["ReLU + He", 4][alive, -1],
                                                           ddof=1))
    with pytest.raises(TypeError, match="correlations must be the dict"):
        nb00.plot_order_and_chaos({"a": 1}, logs)
    with pytest.raises(TypeError, match="spreads must be the dict"):
        nb00.plot_order_and_chaos(correlations, {"a": 1})


def test_deep_dive_heading_and_its_anchor():
    """Other notebooks link to the deep dive by its JupyterLab anchor (site/slugs.py), with the
    parentheses percent-encoded (tests/test_links.py decodes them before comparing)."""
    import json
    import re
    import sys

    from _notebooks import NOTEBOOKS, ROOT

    sys.path.insert(0, str(ROOT / "site"))
    from slugs import jupyterlab_slug

    this = next(p for p in NOTEBOOKS if p.name == "00-start-here.ipynb")
    nb = json.loads(this.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    title = "Deep dive (optional): beyond variance — correlations, order and chaos"
    assert title in re.findall(r"^## (.+)$", text, flags=re.M)
    anchor = "Deep-dive-(optional):-beyond-variance-—-correlations,-order-and-chaos"
    assert anchor == jupyterlab_slug(title)
    assert f"](#{anchor})" in text  # the core text links to it
