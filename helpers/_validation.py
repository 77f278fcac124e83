"""Input checks shared by the public helpers: clear messages, raised at the boundary."""

import numbers

import numpy as np


def as_float_array(value, name):
    """Return `value` as a floating ndarray; floats keep their dtype, ints/bools/lists: float64."""
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
    elif isinstance(value, numbers.Real) or isinstance(value, list | tuple):
        try:
            array = np.asarray(value)
        except ValueError as err:  # ragged lists
            raise TypeError(
                f"{name} must be an array of real numbers; got a ragged {type(value).__name__} "
                f"({err})."
            ) from None
    else:
        raise TypeError(
            f"{name} must be a numpy array, a list or a real number; got {type(value).__name__}."
        )
    kind = array.dtype.kind
    if kind == "f":
        return array
    if kind in "biu":
        return array.astype(np.float64)
    raise TypeError(
        f"{name} must hold real numbers (float, int or bool); got an array of dtype "
        f"{array.dtype}. Convert it first, e.g. np.asarray({name}, dtype=float)."
    )


def check_positive_int(value, name, minimum=1):
    """Return `value` as an int if it is an integer >= minimum, else raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}.")
    return int(value)


def check_finite_real(value, name, *, minimum=None, exclusive=False):
    """Return `value` as a float if it is a finite real (optionally > or >= minimum)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}.")
    if minimum is not None:
        too_small = value <= minimum if exclusive else value < minimum
        if too_small:
            bound = ">" if exclusive else ">="
            raise ValueError(f"{name} must be {bound} {minimum:g}; got {value}.")
    return value


def check_rng(rng, name="rng"):
    """Return `rng` if it is a numpy Generator; the course never uses global random state."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy Generator, e.g. np.random.default_rng(0); "
            f"got {type(rng).__name__}."
        )
    return rng


def check_choice(value, name, choices):
    """Return `value` if it is one of `choices`, else raise with the list of valid ones."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices, key=str)}; got {value!r}.")
    return value


class DivergedError(ValueError):
    """Training diverged: the loss or an activation became NaN or infinite.

    A ValueError, so code that catches bad values catches it too; `helpers.experiments` catches
    exactly this type to report a diverged run.
    """
