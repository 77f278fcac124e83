"""helpers.widgets: the plumbing every explorer shares."""

import ipywidgets
import matplotlib.pyplot as plt
import pytest
import threadpoolctl

from helpers import widgets


def blas_threads():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


def test_explorer_redraws_with_one_blas_thread_and_restores_them():
    seen = []

    def figure(x):
        seen.append((x, blas_threads()))
        return plt.figure()

    before = blas_threads()
    explorer = widgets.explorer(figure, x=ipywidgets.IntSlider(value=1, min=0, max=3))
    explorer.children[0].value = 3
    assert [x for x, _ in seen] == [1, 3]  # drawn once on display, again on release
    assert all(threads == [1] * len(before) for _, threads in seen)
    assert blas_threads() == before
    assert explorer.children[0].continuous_update is False


def test_explorer_figure_lays_out_panels_once():
    fig, axes = widgets.explorer_figure(3, figsize=(12, 3))
    assert len(axes) == 3 and fig.get_layout_engine() is None
    assert tuple(fig.get_size_inches()) == (12, 3)
    assert axes[0].get_position().y1 <= 0.85  # room for a suptitle


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"ncols must be an integer in \[1, 4\]; got 0"):
        widgets.explorer_figure(0)
    with pytest.raises(TypeError, match="figsize must be a pair of positive numbers"):
        widgets.explorer_figure(2, figsize=(0, 4))
    with pytest.raises(TypeError, match="slider 'x' must be an ipywidgets slider"):
        widgets.explorer(plt.figure, x=3)


def test_every_explorer_a_notebook_shows_is_timed_by_make_bench():
    """bench/widgets.py times (and the Colab simulation builds) every explorer: one a notebook
    calls but the benchmark does not list would go unmeasured."""
    import importlib.util
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1]
    called = set()
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        called |= set(re.findall(r"\b(nb\d\d\.\w+_explorer)\(", path.read_text(encoding="utf-8")))
    spec = importlib.util.spec_from_file_location("bench_widgets", root / "bench" / "widgets.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert len(called) >= 8
    assert called <= set(bench.explorers())
