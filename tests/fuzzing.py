"""Shared pieces of the fuzz tests (test_fuzz_*.py): what a valid argument is, a strategy that
draws anything else, and the rule every public helper must follow when it gets one.

The rule: a bad argument raises TypeError or ValueError whose message names the parameter and
is the package's own sentence, never an internal numpy/Python message leaking through.

`FUZZ_EXAMPLES` (environment) sets the number of examples per test: 30 by default, which keeps
`make test` quick and, with derandomize, the same on every run. For a deeper, random run:
    FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 FUZZ_REPORT=fuzz.json \
        .venv/bin/python -m pytest tests/test_fuzz_*.py
"""

import collections
import json
import numbers
import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from helpers.layers import Layer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])

# Fragments of Python's and numpy's own messages: seeing one means a check is missing.
INTERNAL = ("unhashable", "not iterable", "cannot unpack", "has no attribute", "not subscriptable",
            "object is not callable", "unsupported operand", "could not convert", "not supported "
            "between", "index out of", "out of bounds", "operands could not be broadcast",
            "setting an array element", "only integer scalar", "must be real number, not",
            "truth value of an array", "invalid literal", "-9223372036854775808", "ufunc",
            "object arrays are not supported", "positional argument",
            "unexpected keyword argument", "multiple values for keyword", "shapes (",
            "not aligned", "matmul: Input operand")

TALLY = collections.Counter()


def record(outcome):
    TALLY[outcome] += 1


def write_report():
    """With FUZZ_REPORT=path, add this run's counts to that JSON file (for the issue note)."""
    path = os.environ.get("FUZZ_REPORT")
    if not path or not TALLY:
        return
    old = json.load(open(path)) if os.path.exists(path) else {}
    for key, count in TALLY.items():
        old[key] = old.get(key, 0) + count
    with open(path, "w") as f:
        json.dump(old, f, indent=1, sort_keys=True)
    TALLY.clear()


# --- what is valid -----------------------------------------------------------------------------

def is_int(v, minimum=None, maximum=None):
    return (isinstance(v, numbers.Integral) and not isinstance(v, bool | np.bool_)
            and (minimum is None or v >= minimum) and (maximum is None or v <= maximum))


def is_real(v, minimum=None, maximum=None, exclusive=False, exclusive_max=False):
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        return False
    v = float(v)
    if not np.isfinite(v):
        return False
    if minimum is not None and (v <= minimum if exclusive else v < minimum):
        return False
    return maximum is None or (v < maximum if exclusive_max else v <= maximum)


def real_array(v):
    """The array a helper would see, or None when v is not an array of real numbers (a masked
    array is not: numpy's functions would drop its mask, so the helpers refuse it)."""
    if not isinstance(v, np.ndarray | np.generic | numbers.Real | list | tuple) or isinstance(
            v, np.ma.MaskedArray):
        return None
    try:
        a = np.asarray(v)
    except (ValueError, TypeError):
        return None
    return a if a.dtype.kind in "biuf" else None


class Kind:
    """A parameter's kind: `valid(value)` says whether a helper must accept it; `extra` lists
    kind-specific bad values (wrong shapes, out-of-range numbers) to try besides the general
    pool."""

    def __init__(self, valid, extra=(), name=""):
        self.valid, self.extra, self.name = valid, tuple(extra), name

    def __repr__(self):
        return self.name


def Int(minimum=None, maximum=None):  # noqa: N802 (reads like a type)
    extra = [minimum - 1] if minimum is not None else []
    extra += [maximum + 1] if maximum is not None else []
    return Kind(lambda v: is_int(v, minimum, maximum), extra + [2.0, np.float64(3)],
                f"int>={minimum}")


def Real(minimum=None, maximum=None, exclusive=False, exclusive_max=False):  # noqa: N802
    extra = []
    if minimum is not None:
        extra += [minimum - 0.5, minimum] if exclusive else [minimum - 0.5]
    if maximum is not None:
        extra += [maximum + 0.5, maximum] if exclusive_max else [maximum + 0.5]
    return Kind(lambda v: is_real(v, minimum, maximum, exclusive, exclusive_max), extra,
                f"real[{minimum},{maximum}]")


def Optional(kind):  # noqa: N802
    return Kind(lambda v: v is None or kind.valid(v), kind.extra, f"optional {kind.name}")


def Choice(choices):  # noqa: N802
    def valid(v):
        try:
            return v in choices
        except TypeError:
            return False
    return Kind(valid, ["nope", "RELU", ["relu"], ("relu",)], f"choice {sorted(choices, key=str)}")


def Array(ndim=None, shape=None, finite=False, min_size=0):  # noqa: N802
    """A real array (lists and scalars count) with the given ndim or exact shape."""
    def valid(v):
        a = real_array(v)
        if a is None or a.size < min_size:
            return False
        if ndim is not None and a.ndim != ndim:
            return False
        if shape is not None and a.shape != shape:
            return False
        return not finite or bool(np.isfinite(a).all())
    extra = [np.ones((2, 3, 4)), np.ones(5), np.ones((7, 5)), np.ones((1, 1)), np.ones(0)]
    if finite:
        extra += [np.array([[np.nan, 1.0, 2.0]] * 4), np.full((4, 3), np.inf)]
    return Kind(valid, extra, f"array ndim={ndim} shape={shape}")


def Seq(item, min_len=1):  # noqa: N802
    def valid(v):
        if isinstance(v, str | bytes | dict | set) or not hasattr(v, "__iter__") or (
                isinstance(v, np.ndarray) and v.ndim == 0):
            return False
        v = list(v)
        return len(v) >= min_len and all(item.valid(x) for x in v)
    return Kind(valid, [[], [item.extra[0]] if item.extra else [None], 5, "012"],
                f"seq of {item.name}")


def Instance(*types):  # noqa: N802
    return Kind(lambda v: isinstance(v, types), [], f"instance of {types}")


RNG = Kind(lambda v: isinstance(v, np.random.Generator),
           [np.random.RandomState(0), 0, np.random.default_rng], "rng")
SEED = Int(0)
BOOL = Kind(lambda v: isinstance(v, bool | np.bool_), ["no", 1, 0.0], "bool")
CALLABLE = Kind(callable, [], "callable")
LAYER = Instance(Layer)
TEXT = Kind(lambda v: isinstance(v, str), [], "str")


# --- anything else -----------------------------------------------------------------------------

def _pool():
    return [
        None, True, False, 0, 1, -1, 3, 0.5, -0.5, 1e300, -1e300, float("nan"), float("inf"),
        -float("inf"), 10**20, -(10**20), "", "relu", "0.1", b"x", [], [1], [1.0, 2.0],
        [[1.0], [1.0, 2.0]], ["a", "b"], (0.9,), (0.9, 0.999, 0.5), {}, {"a": 1},
        {"slope": 0.2}, {1, 2}, object(), np.float64("nan"), np.int64(2), np.float32(0.5),
        complex(1, 1), np.array(1.0), np.array([]), np.array(["a", "b"]), np.array([1 + 1j]),
        np.ones((2, 3), dtype=object), np.array([[1, 2**62]]), np.array([np.nan, 1.0]),
        np.random.RandomState(0), np.random.default_rng(0), Layer(), print, range(0),
        np.ma.masked_array(np.ones((20, 64)), mask=np.eye(20, 64, dtype=bool)),
        np.ma.masked_array(np.arange(20) % 3, mask=np.arange(20) == 0),
        np.ma.masked_array([1.0, 2.0], mask=[True, False]),
    ]


def anything(kind):
    """Values that `kind` says are invalid: the general pool, the kind's own extras, and
    numbers, text and nested lists drawn by hypothesis."""
    general = st.one_of(
        st.sampled_from(_pool()),
        st.sampled_from(list(kind.extra)) if kind.extra else st.nothing(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.text(max_size=4),
        st.lists(st.one_of(st.none(), st.floats(), st.text(max_size=2)), max_size=3),
    )
    return general.filter(lambda v: not _valid(kind, v))


def _valid(kind, v):
    try:
        return bool(kind.valid(v))
    except Exception:  # a predicate that cannot judge the value counts it as invalid
        return False


def check_error(err, names):
    """`err` (raised by a helper for a bad argument) is a clear error naming one of `names`."""
    message = str(err)
    assert isinstance(err, TypeError | ValueError), (
        f"{type(err).__name__} instead of TypeError/ValueError: {message}")
    assert any(name in message for name in names), f"message does not name {names}: {message}"
    leaked = [frag for frag in INTERNAL if frag in message]
    assert not leaked, f"internal message {leaked}: {message}"
