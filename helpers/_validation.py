"""Input checks shared by the public helpers: clear messages, raised at the boundary.

Non-finite values and overflow, one rule for every helper (never a RuntimeWarning):

- Elementwise activations and their derivatives (``helpers.activations``) propagate NaN and
  give their limits at +-inf; they compute under ``np.errstate`` so that no warning escapes.
- A backward pass given a non-finite ``dout``, or an optimizer given a non-finite gradient,
  refuses it with `DivergedError` ("dout contains NaN or inf: the loss diverged upstream;
  lower the learning rate"); so do forward passes that must not see NaN (Linear, the
  normalizations), saying whether the data or an overflow in training is to blame.
- Finite inputs so large that the arithmetic overflows (a 1e200 gain, float32's largest value
  through a layer) end in a clear error that names the parameter: `DivergedError` where it
  means divergence (layers, training, optimizers), else ValueError. Statistics that can be
  computed in units of the largest value (means, norms) are computed so, not refused.
- Integers that size an array or count a loop are capped (`check_size`, `check_count`).
"""

import contextlib
import numbers

import numpy as np


def as_float_array(value, name):
    """Return `value` as a floating ndarray; floats keep their dtype, ints/bools/lists: float64."""
    check_not_masked(value, name)
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
    elif isinstance(value, numbers.Real) or isinstance(value, list | tuple):
        try:
            array = np.asarray(value)
        except (ValueError, TypeError, OverflowError):  # ragged lists, huge Python ints
            array = None
        if array is None or array.dtype == object:
            odd = describe_non_number(value)
            holder = (f"a {type(value).__name__} holding " if isinstance(value, list | tuple)
                      else "")
            what = odd or (f"a ragged {type(value).__name__} (rows of different lengths, or lists "
                           "mixed with numbers)")
            raise TypeError(f"{name} must be an array of real numbers; got {holder if odd else ''}"
                            f"{what}.") from None
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


def describe_non_number(value):
    """The first element of a (nested) list, or `value` itself, that is not a number a float64
    array can hold (None, a string, an integer beyond int64), described; or None."""
    for v in value if isinstance(value, list | tuple) else [value]:
        found = describe_non_number(v) if isinstance(v, list | tuple) else (
            f"the integer {v!r:.30}, beyond int64: too large for a numpy array (not "
            "representable as int64, nor exactly as float64)"
            if isinstance(v, numbers.Integral) and not isinstance(v, bool | np.generic)
            and abs(v) >= 2**63
            else None if isinstance(v, numbers.Real | np.ndarray | np.generic)
            else f"{v!r:.30} ({type(v).__name__}), which is not a number")
        if found:
            return found
    return None


def check_not_masked(value, name):
    """Refuse a masked array (numpy.ma): numpy's functions would drop its mask silently."""
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array (numpy.ma); its mask would be lost (numpy's functions "
            f"compute on the hidden values too). Remove the masked entries or fill them first, "
            f"e.g. {name}.compressed() or {name}.filled(0.0)."
        )
    return value


def check_positive_int(value, name, minimum=1, maximum=None):
    """Return `value` as an int if it is an integer >= minimum (and <= maximum), else raise."""
    bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer {bounds}; got {value!r:.60}.")
    if value < minimum or maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer {bounds}; got {value}.")
    return int(value)


# Caps on the integers that size an array or count a loop. Beyond them numpy leaks its own
# message ("Maximum allowed dimension exceeded", "cannot fit 'int' into an index-sized
# integer") or the call runs for ever; the course's networks and runs are far below them.
MAX_SIZE = 2**31  # widths, fan_in/fan_out, n_samples, n_points, ...: elements along an axis
MAX_COUNT = 10**6  # epochs, steps, depth, trials: iterations of a Python loop


def check_size(value, name, minimum=1):
    """Return `value` as an int if it is an integer in [minimum, MAX_SIZE] (an array size)."""
    value = check_positive_int(value, name, minimum)
    if value > MAX_SIZE:
        raise ValueError(f"{name} must be an integer <= 2**31 = {MAX_SIZE} (an array size "
                         f"that fits in memory); got {value}.")
    return value


def check_count(value, name, minimum=1):
    """Return `value` as an int if it is an integer in [minimum, MAX_COUNT] (a loop count:
    epochs, steps, layers); a longer loop would not finish in a session."""
    value = check_positive_int(value, name, minimum)
    if value > MAX_COUNT:
        raise ValueError(f"{name} must be an integer <= {MAX_COUNT:_} (a loop this long would "
                         f"not finish); got {value}.")
    return value


def check_finite_real(value, name, *, minimum=None, exclusive=False):
    """Return `value` as a float if it is a finite real (optionally > or >= minimum)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {value!r:.60}.")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value}.")
    if minimum is not None:
        too_small = value <= minimum if exclusive else value < minimum
        if too_small:
            bound = ">" if exclusive else ">="
            raise ValueError(f"{name} must be {bound} {minimum:g}; got {value}.")
    return value


def check_dropout_rate(value, name="rate"):
    """Return `value` as a float if it is a probability of dropping a unit, in [0, 1)."""
    value = check_finite_real(value, name)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1) (the probability of dropping); got {value}.")
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
    try:
        valid = not isinstance(value, np.ndarray) and value in choices
    except TypeError:  # an unhashable value (a list, a dict) is not a valid name either
        valid = False
    if not valid:
        raise ValueError(f"{name} must be one of {sorted(choices, key=str)}; got {value!r:.60}.")
    return value


def check_bool(value, name):
    """Return `value` as a bool if it is True or False (not 1, "no" or None)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r:.60}.")
    return bool(value)


def check_callable(value, name, example):
    """Return `value` if it can be called, else raise naming what was expected."""
    if not callable(value):
        raise TypeError(f"{name} must be a function, e.g. {name}={example}; got "
                        f"{type(value).__name__}.")
    return value


def check_text(value, name, optional=False):
    """Return `value` if it is a string (or None when optional), for titles and labels."""
    if not (isinstance(value, str) or optional and value is None):
        raise TypeError(f"{name} must be a string{' or None' if optional else ''}; got "
                        f"{type(value).__name__} {value!r:.40}.")
    return value


def check_seeds(seeds, name="seeds"):
    """Return `seeds` as a non-empty list of integers >= 0, e.g. [0, 1, 2]."""
    seeds = check_sequence(seeds, name, "[0, 1, 2]")
    if not seeds:
        raise ValueError(f"{name} must hold at least one seed, e.g. {name}=[0, 1, 2]; got an "
                         "empty sequence.")
    for seed in seeds:
        if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral) or (
                seed < 0):
            raise TypeError(f"{name} must hold integers >= 0, e.g. {name}=[0, 1, 2]; got "
                            f"{seed!r:.40} among them.")
    return [int(seed) for seed in seeds]


def check_pair(value, name, *, positive=False, increasing=False):
    """Return `value` as a tuple of two finite reals (low, high), for ranges and limits."""
    try:
        if not isinstance(value, list | tuple | np.ndarray):
            raise TypeError
        low, high = value
        low = check_finite_real(low, name, minimum=0.0 if positive else None, exclusive=True)
        high = check_finite_real(high, name, minimum=0.0 if positive else None, exclusive=True)
    except (TypeError, ValueError):
        kind = "positive numbers" if positive else "finite numbers"
        raise TypeError(f"{name} must be a pair of {kind} (low, high); got "
                        f"{value!r:.60}.") from None
    if increasing and not low < high:
        raise ValueError(f"{name} must be (low, high) with low < high; got {value!r}.")
    return low, high


def check_sequence(value, name, example):
    """Return `value` as a list if it is a list, tuple or other iterable (not a string or a
    mapping), else raise naming what was expected, e.g. `example` = "[0, 1, 2]"."""
    check_not_masked(value, name)
    if isinstance(value, str | bytes | dict | set) or not hasattr(value, "__iter__") or (
            isinstance(value, np.ndarray) and value.ndim == 0):
        raise TypeError(f"{name} must be a sequence, e.g. {name}={example}; got "
                        f"{type(value).__name__} {value!r:.40}.")
    return list(value)


class DivergedError(ValueError):
    """Training diverged: the loss or an activation became NaN or infinite.

    A ValueError, so code that catches bad values catches it too; `helpers.experiments` catches
    exactly this type to report a diverged run.
    """


@contextlib.contextmanager
def overflow_named(name):
    """A layer's DivergedError (a finite input that overflowed) names the layer's own x;
    re-raise it naming the caller's data, `name`."""
    try:
        yield
    except DivergedError as error:
        raise DivergedError(f"{name} is too large for this model: the forward or backward pass "
                            f"overflowed ({error}) Rescale {name}, e.g. with "
                            "helpers.scalers.StandardScaler.") from None
