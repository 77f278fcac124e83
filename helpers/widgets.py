"""The plumbing of the interactive figures: every explorer is a figure function (an ordinary,
tested function in its notebook's module, nb00 to nb04) with sliders attached."""

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from ._validation import check_callable


def show(fig):
    """Display a figure in the widget's output area and release it."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure (what a figure function returns); "
                        f"got {type(fig).__name__}.")
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
    check_callable(figure, "figure", "nb00.propagation_figure")
    for name, slider in sliders.items():
        if not isinstance(slider, widgets.ValueWidget):
            raise TypeError(f"slider {name!r} must be an ipywidgets slider (e.g. "
                            f"widgets.IntSlider(...)); got {type(slider).__name__}.")
        slider.continuous_update = False  # redraw on release, not on every pixel of a drag
    return widgets.interactive(lambda **values: show(figure(**values)), **sliders)
