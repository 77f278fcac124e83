"""The plumbing of the interactive figures: every explorer is a figure function (an ordinary,
tested function in its notebook's module, nb00 to nb04) with sliders attached."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import threadpoolctl
from matplotlib.figure import Figure

from ._validation import check_callable, check_pair, check_positive_int


def show(fig):
    """Display a figure in the widget's output area and release it."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (what a figure function returns); "
                        f"got {type(fig).__name__}.")
    plt.show()
    plt.close(fig)


def explorer_figure(ncols=2, *, figsize=(11, 4)):
    """A figure for an explorer: `ncols` panels side by side, with room above for a suptitle.

    The layout is fixed once, by hand: a layout engine (``layout="constrained"``) would measure
    every label again at each redraw, about a third of a redraw's time.

    Returns
    -------
    (matplotlib Figure, list of Axes)

    Examples
    --------
    >>> fig, axes = explorer_figure(2)
    >>> len(axes)
    2
    """
    ncols = check_positive_int(ncols, "ncols", maximum=4)
    figsize = check_pair(figsize, "figsize", positive=True)
    fig, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    fig.subplots_adjust(wspace=0.25, top=0.85)
    return fig, list(axes[0])


def explorer(figure, **sliders):
    """Sliders over `figure(**values)`: redraws when a slider is released.

    Parameters
    ----------
    figure : callable
        Takes the sliders' values by name and returns a matplotlib Figure.
    **sliders : ipywidgets sliders, by the name `figure` expects

    Returns
    -------
    ipywidgets.interactive
        Display it as the last expression of a cell.
    """
    check_callable(figure, "figure", "nb00.propagation_figure")
    for name, slider in sliders.items():
        if not isinstance(slider, widgets.ValueWidget):
            raise TypeError(f"slider {name!r} must be an ipywidgets slider (e.g. "
                            f"widgets.IntSlider(...)); got {type(slider).__name__}.")
        slider.continuous_update = False  # redraw on release, not on every pixel of a drag
    return widgets.interactive(lambda **values: _redraw(figure, values), **sliders)


def _redraw(figure, values):
    # One BLAS thread: an explorer's matrices are small, and a second thread spinning for work
    # while something else holds the other core made redraws up to ten times slower.
    with threadpoolctl.threadpool_limits(1):
        fig = figure(**values)
    show(fig)
