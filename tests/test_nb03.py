"""helpers.nb03: the figures, explorer and helpers behind notebook 03."""

import matplotlib.pyplot as plt

from helpers import nb03


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
    assert calls[-1] == {"depth": 64, "gain": 1.0, "input_mean": 2.0, "input_std": 1.0}

