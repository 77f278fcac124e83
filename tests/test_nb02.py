"""helpers.nb02: the figures, explorer and helpers behind notebook 02."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers import nb02, plotting


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

