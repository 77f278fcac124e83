"""Redraw time of every interactive explorer, over a grid of its slider positions.

Usage: python bench/widgets.py [--quick]

A redraw is what the notebook does when a slider is released: the explorer's own callback
(the figure function with the slider values), the figure rendered to PNG as the inline
backend does (``savefig(format="png", bbox_inches="tight")``), then closed. The grid takes
each slider's minimum, default and maximum (--quick: minimum and maximum) and every
combination of them, so every extreme and every corner is timed.
"""

import argparse
import contextlib
import io
import itertools
import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from ipywidgets import FloatLogSlider  # noqa: E402

from helpers import (  # noqa: E402
    data,
    experiments,
    nb00,
    nb01,
    nb02,
    nb03,
    nb04,
    nb05,
    nb06,
    nb07,
    results,
    studies,
)
from helpers import widgets as widget_helpers  # noqa: E402

BUDGET_SECONDS = 0.5


def explorers():
    """Name -> a function that builds the explorer as its notebook does."""
    digits = experiments.standardized_digits(seed=0)
    return {
        "nb00.propagation_explorer": lambda: nb00.propagation_explorer(seeds=[0, 1, 2]),
        "nb01.dying_relu_explorer": lambda: nb01.dying_relu_explorer(digits),
        "nb02.slope_explorer": nb02.slope_explorer,
        "nb03.selu_explorer": nb03.selu_explorer,
        "nb04.batchnorm_explorer": lambda: nb04.batchnorm_explorer(
            data.load_digits(seed=0).X_train),  # the raw pixels, as notebook 04 passes them
        "nb05.sharing_explorer": nb05.sharing_explorer,
        # notebook 06's explorer redraws stored results: the same sizes, made-up accuracies
        "nb06.results_explorer": lambda: nb06.results_explorer(*capstone_results()),
        # notebook 07's explorer simulates PyTorch's choices in numpy: it needs no PyTorch
        "nb07.selu_depth_explorer": nb07.selu_depth_explorer,
    }


def capstone_results():
    """(judged_at, groups) as notebook 06 builds them, from the stored study (results/)."""
    study = studies.CAPSTONE
    judged_at = nb06.judge_at_budgets(study, results.load(study))
    groups = {"activations, depth 4": {n: f"{n}, depth 4" for n in studies.CAPSTONE_ACTIVATIONS},
              "normalizations, depth 4": {"none": "ReLU, depth 4", **{
                  n: f"ReLU + {n}, depth 4" for n in studies.CAPSTONE_NORMS}}}
    return judged_at, groups


def _render(fig):
    """What the inline backend does with a figure, then release it."""
    fig.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    plt.close(fig)


def slider_values(slider, quick):
    """The positions of one slider to time: its extremes and (unless quick) its default; every
    option of a selection widget (they have a few)."""
    if hasattr(slider, "options"):  # (label, value) pairs or values
        return [o[1] if isinstance(o, tuple) else o for o in slider.options]
    low, high = slider.min, slider.max
    if isinstance(slider, FloatLogSlider):  # min and max are exponents
        low, high = slider.base**low, slider.base**high
    return sorted({low, high} if quick else {low, slider.value, high})


def time_redraw(interactive, values):
    start = time.perf_counter()
    interactive.f(**values)
    return time.perf_counter() - start


def measure(build, quick, repeats):
    """Time every grid position once; re-time the five slowest `repeats` times (median).
    Returns (slowest seconds, its slider values, median over the grid, number of positions)."""
    with contextlib.redirect_stdout(io.StringIO()):  # clear_output's terminal codes
        interactive = build()  # builds the sliders and draws the default once (a warm-up)
    sliders = {w._kwarg: w for w in interactive.kwargs_widgets}
    grid = [dict(zip(sliders, combo, strict=True)) for combo in itertools.product(
        *(slider_values(s, quick) for s in sliders.values()))]
    times = [time_redraw(interactive, values) for values in grid]
    for i in np.argsort(times)[-5:]:  # a slow first time may be another process's doing
        times[i] = float(np.median([time_redraw(interactive, grid[i]) for _ in range(repeats)]))
    worst = int(np.argmax(times))
    return times[worst], grid[worst], float(np.median(times)), len(grid)


def report(quick=False, repeats=3):
    original_show = widget_helpers.show
    widget_helpers.show = _render  # the explorers' callback looks `show` up when it runs
    try:
        rows = {name: measure(build, quick, repeats) for name, build in explorers().items()}
    finally:
        widget_helpers.show = original_show
    lines = [f"A redraw: the explorer's callback at one slider position, the figure rendered to "
             f"PNG and closed. Grid: every combination of each slider's "
             f"{'minimum and maximum' if quick else 'minimum, default and maximum'}; the five "
             f"slowest positions re-timed ({repeats} runs, median). Budget "
             f"{BUDGET_SECONDS} s per redraw.", "",
             "| explorer | positions | slowest redraw (s) | at | median (s) | within budget |",
             "|---|---:|---:|---|---:|---|"]
    for name, (worst, at, median, n) in rows.items():
        where = ", ".join(f"{k} {v:g}" if isinstance(v, int | float) else f"{k} {v}"
                          for k, v in at.items())
        ok = "yes" if worst <= BUDGET_SECONDS else "**NO**"
        lines.append(f"| {name} | {n} | {worst:.2f} | {where} | {median:.2f} | {ok} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="extremes only, one repeat")
    args = parser.parse_args()
    print(report(args.quick, 1 if args.quick else 3))
