"""The plumbing of the interactive figures: every explorer is a figure function (an ordinary,
tested function in its notebook's module, nb00 to nb04) with sliders attached."""

import ipywidgets as widgets
import matplotlib.pyplot as plt


def show(fig):
    """Display a figure in the widget's output area and release it."""
    plt.show()
    plt.close(fig)


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
    for slider in sliders.values():
        slider.continuous_update = False  # redraw on release, not on every pixel of a drag
    return widgets.interactive(lambda **values: show(figure(**values)), **sliders)
