"""helpers.nb04: the figures, explorer and helpers behind notebook 04."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import nb04


def test_batchnorm_trace_and_explorer(monkeypatch):
    X = np.random.default_rng(0).normal(3.0, 1.0, (500, 2))
    small = nb04.batchnorm_trace(X, batch_size=4, steps=300, rng=np.random.default_rng(1))
    large = nb04.batchnorm_trace(X, batch_size=128, steps=300, rng=np.random.default_rng(1))
    assert small["gap"] > 3 * large["gap"]  # batch means scatter like 1 / sqrt(batch size)
    assert abs(large["running_mean"][-1] - large["population_mean"]) < 0.05
    ax = nb04.plot_batchnorm_trace(small)
    assert len(ax.get_lines()) == 3 and "mean |batch - data set|" in ax.get_title()
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2"):
        nb04.batchnorm_trace(X, batch_size=1, rng=np.random.default_rng(0))
    fig = nb04.batchnorm_figure(X, batch_size=8, momentum=0.5, steps=20)
    assert "batch size 8, momentum 0.5" in fig.axes[0].get_title()
    calls = []
    monkeypatch.setattr(nb04, "batchnorm_figure", lambda *a: calls.append(a) or plt.figure())
    explorer = nb04.batchnorm_explorer(X)
    explorer.children[0].value = 64
    assert calls[-1][1:] == (64, 0.1)

