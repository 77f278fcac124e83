"""A fuzzing campaign over every public name of `helpers`, with a counts table (issue 29).

    .venv/bin/python scripts/fuzz_campaign.py            # the campaign (a few minutes, 1 CPU)
    .venv/bin/python scripts/fuzz_campaign.py --quick    # fewer values and runs (2-3 minutes)

It prints a Markdown table of outcomes and writes every finding to build/fuzz-campaign.md.
Where `make test` asks "does each helper pass its tests?", this asks "how does each helper
behave on every input class we know of?", and counts.

1. **Coverage.** Every public function and class of every `helpers` module (names without a
   leading "_", defined in that module), and the public methods of its layer, optimizer and
   scaler classes, against the fuzz registry `CALLS` of tests/test_fuzz_arguments.py.
2. **Inputs.** For each registered call: the valid call; the registry's own bad values (each
   kind's extra values, and values drawn by `fuzzing.anything`, its hypothesis strategy); and
   the input classes of issue 29 where they fit the parameter (see `input_classes`). Each is
   run with warnings as errors and judged (see `judge`):

   - *clear rejection*: TypeError, ValueError or one of the course's own exception types, whose
     message names the parameter and leaks no numpy/Python internals (tests/fuzzing.py's rule);
   - *unclear message*: the right type, but the parameter is not named or an internal message
     (numpy's, Python's) comes through;
   - *crash*: any other exception (IndexError, AttributeError, OverflowError, a RuntimeWarning
     raised as an error, no answer within the time limit ...);
   - *correct result*: a valid input accepted, and the result passes every check that applies:
     no NaN or inf from finite inputs, the same numbers as the valid call when only the
     container changed (a list, a read-only or Fortran-ordered array, a nested Sequential),
     and the independent reference of scripts/fuzz_references.py where there is one (Python's
     `math`, mpmath, exact fractions, PyTorch);
   - *silent wrong*: an invalid input accepted (a masked array whose mask is lost, a label
     list of the wrong length ...), or a result that fails one of those checks;
   - *refused valid input*: a clear error for an input that the contract says must work
     (float32 data, a read-only array, a residual model). Not a class of the first campaign.

   Then the reference cases of scripts/fuzz_references.py: inputs chosen for a reference
   (layers against PyTorch, optimizers, initialisers over many draws, ...), judged alike.
3. **Checkers.** Each exercise checker gets the plausible learner answers of
   scripts/fuzz_answers.py, several times (they draw fresh inputs at every call): a right
   answer must get "Correct!", a wrong one "Not yet:" and a hint, and nothing may raise.
"""

import argparse
import collections
import contextlib
import copy
import dataclasses
import importlib
import inspect
import io
import numbers
import os
import pkgutil
import signal
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "scripts")]

import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import helpers  # noqa: E402
from helpers import layers, optim, scalers  # noqa: E402

CLEAR, CORRECT, WRONG = "clear rejection", "correct result", "silent wrong"
CRASH, UNCLEAR, REFUSED = "crash", "unclear message", "refused valid input"
OUTCOMES = (CLEAR, CORRECT, WRONG, CRASH, UNCLEAR, REFUSED)
FINDINGS = (WRONG, CRASH, UNCLEAR, REFUSED)

# Warnings that come from running without a display, not from the helpers.
IGNORED_WARNINGS = [dict(message=".*non-interactive.*cannot be shown", category=UserWarning)]


# --- 1. public names and the registry ----------------------------------------------------------

# Classes whose public methods count as public names of their own.
CLASSES_WITH_METHODS = (layers.Layer, optim.Optimizer, scalers.StandardScaler,
                        scalers.MinMaxScaler)


def public_names():
    """{"module.name": object} for every public function and class of every helpers module,
    and "module.Class.method" for the methods defined in a layer, optimizer or scaler class."""
    names = {}
    for info in sorted(pkgutil.iter_modules(helpers.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"helpers.{info.name}")
        for attr, obj in vars(module).items():
            if attr.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            names[f"{info.name}.{attr}"] = obj
            if inspect.isclass(obj) and issubclass(obj, CLASSES_WITH_METHODS):
                for method, fn in vars(obj).items():
                    if not method.startswith("_") and inspect.isfunction(fn):
                        names[f"{info.name}.{attr}.{method}"] = fn
    return names


def load_registry():
    """CALLS of tests/test_fuzz_arguments.py (tests/ is not a package: imported by path)."""
    return importlib.import_module("test_fuzz_arguments").CALLS


def _resolve(key):
    """The public name a registry key exercises: "layers.ReLU.forward" runs the method
    defined in Elementwise, so it covers "layers.Elementwise.forward" too."""
    parts = key.split("(")[0].split(".")
    try:
        obj = importlib.import_module(f"helpers.{parts[0]}")
        for part in parts[1:]:
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    qualname = getattr(obj, "__qualname__", "")
    if inspect.isfunction(obj) and "." in qualname:
        return f"{obj.__module__.removeprefix('helpers.')}.{qualname}"
    return None


def coverage(names, calls, checked=()):
    """(covered, not covered): a name is covered by a registry entry of its own, by an entry
    for one of its methods (a class), or by the checker table (`checked`)."""
    exercised = set(calls) | {_resolve(key) for key in calls} | set(checked)
    exercised |= {key.split("(")[0] for key in calls}
    covered, missing = [], []
    for name in names:
        hit = name in exercised or any(e and e.startswith(name + ".") for e in exercised)
        (covered if hit else missing).append(name)
    return covered, missing


# --- 2. judging one call -----------------------------------------------------------------------

class Timeout(BaseException):
    """No answer within the time limit (a BaseException: helpers' `except Exception` lets it
    through)."""


@contextlib.contextmanager
def time_limit(seconds):
    def alarm(*_):
        raise Timeout(f"no answer within {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(fn, kwargs, timeout=15.0):
    """fn(**kwargs) with every warning raised as an error: (result, None) or (None, error).
    What it prints (an explorer's clear_output codes, say) is dropped."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("error")
        for rule in IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", **rule)
        try:
            with time_limit(timeout):
                return fn(**kwargs), None
        except (Exception, Timeout) as err:  # noqa: BLE001 (judged by the caller)
            return None, err
        finally:
            plt.close("all")


def _internal_fragments():
    """tests/fuzzing.py's fragments of Python's and numpy's own messages."""
    from fuzzing import INTERNAL
    return INTERNAL


def judge_error(err, names):
    """(outcome, message) for an exception raised for a parameter called one of `names`,
    by tests/fuzzing.py's rule: TypeError/ValueError (or a course exception type) naming the
    parameter, with no internal message in it."""
    text = str(err)
    message = f"{type(err).__name__}: {text}"
    if isinstance(err, Timeout):
        return CRASH, f"Timeout: {text}"
    if isinstance(err, Warning):
        return CRASH, f"{type(err).__name__} raised as an error: {text}"
    course_type = type(err).__module__.split(".")[0] == "helpers"
    if not (isinstance(err, TypeError | ValueError) or course_type):
        return CRASH, message
    leaked = [fragment for fragment in _internal_fragments() if fragment in text]
    if leaked:
        return UNCLEAR, f"{message} [internal: {leaked[0]!r}]"
    if names and not any(name in text for name in names):
        return UNCLEAR, f"{message} [does not name {names[0]}]"
    return CLEAR, message


def judge(fn, kwargs, *, names, expect, check=None, timeout=15.0, misleading=()):
    """Run one input and classify it: (outcome, message).

    names : the parameter's name and the other names its error may use.
    expect : "reject" (an invalid input), "accept" (the contract says it must work) or
        "either" (valid, but a clear error is fine too: 1e200, 2**64, ...).
    check : check(result) -> None if the result is right, else what is wrong with it.
    misleading : words that would misdescribe this input ("ragged" for an integer beyond
        int64): a message with one of them is unclear, whatever it names.
    """
    result, err = run(fn, kwargs, timeout)
    if err is not None:
        outcome, message = judge_error(err, names)
        wrong = [word for word in misleading if word in str(err)]
        if outcome == CLEAR and wrong:
            return UNCLEAR, f"{message} [misleading for this input: {wrong[0]!r}]"
        if outcome == CLEAR and expect == "accept":
            return REFUSED, message
        return outcome, message
    if expect == "reject":
        return WRONG, f"accepted; returned {summary(result)}"
    try:
        problem = check(result) if check is not None else None
    except Exception as err:  # noqa: BLE001 (a reference that cannot judge: the tool's note)
        NOTES.append(f"a check could not judge {summary(result, 60)}: {type(err).__name__}: "
                     f"{err}")
        problem = None
    if problem:
        return WRONG, problem
    return CORRECT, summary(result)


# --- what is in a result -----------------------------------------------------------------------

def summary(value, width=90):
    """A short description of a value or result: arrays by shape, dtype and a few numbers."""
    if isinstance(value, np.ma.MaskedArray):
        return f"masked array {value.shape} ({int(np.ma.count_masked(value))} masked)"
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            text = np.array2string(value, precision=4, threshold=4, separator=", ")
        else:
            text = f"array{value.shape} {value.dtype}"
            if value.dtype.kind in "biuf" and value.size:
                with np.errstate(all="ignore"):
                    text += f" in [{np.min(value):.3g}, {np.max(value):.3g}]"
        flags = "" if value.flags.writeable else ", read-only"
        order = ", Fortran order" if value.ndim > 1 and value.flags.f_contiguous and not \
            value.flags.c_contiguous else ""
        return f"{text}{flags}{order}"[:width]
    if isinstance(value, layers.Layer):
        return repr(value)[:width]
    text = repr(value)
    if isinstance(value, dict | list | tuple) and len(text) > width:
        return f"{type(value).__name__} of {len(value)}: {text[:width - 20]}..."
    return text[:width]


def numbers_in(value, depth=0):
    """Every number in a result, as a list of float64 arrays (dicts, lists, dataclasses and
    layers' params looked into; figures, strings and other objects skipped)."""
    if depth > 6:
        return []
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        return []
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return [np.asarray(value, dtype=np.float64)]
        if value.dtype == object and value.size <= 1000:
            return [a for v in value.ravel() for a in numbers_in(v, depth + 1)]
        return []
    if isinstance(value, numbers.Real):
        try:
            return [np.asarray(float(value))]
        except OverflowError:
            return [np.asarray(np.inf)]
    if isinstance(value, dict):
        return [a for v in value.values() for a in numbers_in(v, depth + 1)]
    if isinstance(value, list | tuple):
        return [a for v in value[:10000] for a in numbers_in(v, depth + 1)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if getattr(value, "diverged", False) is True:
            return []  # a run that says it diverged: its NaN are its report (experiments.Run)
        return [a for f in dataclasses.fields(value)
                for a in numbers_in(getattr(value, f.name), depth + 1)]
    if isinstance(value, layers.Layer):
        return numbers_in(dict(value.params), depth + 1)
    return []


def same_numbers(a, b, rtol=1e-12):
    """Whether two results hold the same numbers: to `rtol` of the largest magnitude of each
    array (a sum taken in another order differs in its last bits), NaN equal to NaN."""
    xs, ys = numbers_in(a), numbers_in(b)
    if len(xs) != len(ys):
        return False
    for x, y in zip(xs, ys, strict=True):
        if x.shape != y.shape:
            return False
        with np.errstate(all="ignore"):
            scale = np.abs(y[np.isfinite(y)]).max(initial=0.0)
            if not np.allclose(x, y, rtol=rtol, atol=rtol * scale, equal_nan=True):
                return False
    return True


def _has(arrays, test):
    with np.errstate(all="ignore"):
        return any(bool(test(a).any()) for a in arrays)


def _count(arrays, test):
    with np.errstate(all="ignore"):
        return sum(int(test(a).sum()) for a in arrays)


def result_problem(result, inp, baseline, reference=None, before=None):
    """What is wrong with an accepted result, or None: NaN or inf from finite inputs (more
    than the valid call's result holds), other numbers than the valid call's for the same
    numbers, a disagreement with the reference. `baseline` None: the valid call itself."""
    found = numbers_in(result)
    if baseline is not None and inp.finite:
        if _count(found, np.isnan) > baseline.nan:
            return "NaN in the result of finite inputs"
        if reference is None and _count(found, np.isinf) > baseline.inf:
            if not inp.extreme:
                return "inf in the result of finite inputs"
            OVERFLOWS.append(f"{inp.label}: {summary(result, 70)}")
    if baseline is not None and inp.same_as_valid and baseline.deterministic and not \
            same_numbers(result, baseline.result, baseline.rtol):
        return (f"not the valid call's result for the same numbers: {summary(result)} instead "
                f"of {summary(baseline.result)}")
    if reference is not None:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return reference(before, result)
        except Exception as err:  # noqa: BLE001 (a reference that cannot judge says so)
            NOTES.append(f"reference could not judge {inp.label}: {type(err).__name__}: {err}")
    return None


NOTES = []  # the tool's own remarks (a reference that could not judge an input ...)
# inf results of inputs near the limits of their dtype (1e200, float32's largest): the exact
# answer overflows, and inf is its rounding, as the activations' contract allows; not counted
# as findings, but listed in the report
OVERFLOWS = []
EXTREME = ("huge", "float32's l", "1e200", "2**64")  # the labels of such input classes


# --- 3. inputs ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Input:
    """One value for one parameter. `make()` builds it afresh for each call."""

    param: str
    label: str
    make: object
    expect: str  # "reject", "accept" or "either"
    same_as_valid: bool = False  # the valid value's numbers in another container
    finite: bool = True  # every number in it is finite
    misleading: tuple = ()  # words a message about this input must not use (see `judge`)
    extreme: bool = False  # numbers near the dtype's limits: an inf result may be the answer


def _fresh(value):
    """A factory for a drawn value: a copy each call (a helper may change its input)."""
    def make():
        try:
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001 (some objects cannot be copied; they are immutable)
            return value
    return make


def _is_finite_value(value):
    try:
        arrays = numbers_in(value)
    except Exception:  # noqa: BLE001
        return False
    return not _has(arrays, lambda a: ~np.isfinite(a))


def drawn_values(kind, examples):
    """`examples` values of the registry's strategy `fuzzing.anything(kind)`, deterministic."""
    from fuzzing import anything
    from hypothesis import HealthCheck, Phase, given, settings

    values = []

    @settings(max_examples=examples, derandomize=True, database=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck), deadline=None)
    @given(anything(kind))
    def collect(value):
        values.append(value)

    if examples:
        collect()
    return values


def registry_inputs(param, p, examples, whole_pool=False):
    """The registry's bad values for one parameter: its kind's extras, the general pool
    (with --pool) and `examples` hypothesis draws; each once."""
    from fuzzing import _pool, _valid

    candidates = [("extra", v) for v in p.kind.extra]
    if whole_pool:
        candidates += [("pool", v) for v in _pool()]
    candidates += [("drawn", v) for v in drawn_values(p.kind, examples)]
    seen, inputs = set(), []
    for source, value in candidates:
        key = (type(value).__name__, repr(value)[:300])
        if key in seen or _valid(p.kind, value):
            continue
        seen.add(key)
        inputs.append(Input(param, f"{source}: {summary(value, 60)}", _fresh(value), "reject",
                            finite=_is_finite_value(value), misleading=_misleading(value)))
    return inputs


def _misleading(value):
    """An integer beyond int64 (alone or in a list) is not "ragged"."""
    def huge(v):
        return isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 2**63
    if huge(value) or isinstance(value, list | tuple) and any(
            huge(v) or isinstance(v, list | tuple) and any(map(huge, v)) for v in value):
        return ("ragged",)
    return ()


def _read_only(a):
    a = np.array(a)
    a.flags.writeable = False
    return a


def _with(a, index, value):
    a = np.array(a, dtype=float)
    a.reshape(-1)[index] = value
    return a


def _ragged(a):
    rows = np.asarray(a).tolist()
    if np.ndim(a) >= 2 and len(rows) >= 2:
        rows[-1] = rows[-1][:-1] if len(rows[-1]) > 1 else rows[-1] + [0.0]
        return rows
    return [[1.0], [1.0, 2.0]]


def _beyond_int64(a):
    flat = np.asarray(a, dtype=float).reshape(-1).tolist()
    flat[0] = 2**70
    return np.array(flat, dtype=object).reshape(np.shape(a)).tolist()


def _float32_limits(a):
    a = np.asarray(a)
    signs = np.where(np.arange(a.size) % 2 == 0, 1.0, -1.0).reshape(a.shape)
    return (signs * np.finfo(np.float32).max).astype(np.float32)


def _masked(a):
    mask = np.zeros(np.shape(a), dtype=bool)
    mask.reshape(-1)[-1] = True
    return np.ma.masked_array(np.asarray(a), mask=mask)


def _kind_says(kind, value):
    from fuzzing import _valid
    return _valid(kind, value)


def _classes(param, p, entries):
    """Inputs from (label, factory, expect, same_as_valid) entries. expect:

    - "accept": the contract says it must work (a read-only or float32 array, numpy scalars,
      a nested Sequential); where the registry's kind refuses it (a tuple-only kind given an
      array), "either";
    - "either": valid, but a clear error is fine too;
    - "reject": always refused (a masked array: the contract);
    - None: as the registry's kind says ("reject" if it calls the value invalid, else
      "either");
    - "invalid only": as None, but skipped where the kind accepts the value (a function of
      any items may fail on a string item: its own business).
    """
    inputs = []
    for label, make, expect, same in entries:
        try:
            value = make()
        except Exception as err:  # noqa: BLE001 (an input class that does not fit this value)
            NOTES.append(f"{param}: could not build {label!r}: {type(err).__name__}: {err}")
            continue
        valid = _kind_says(p.kind, value)
        if expect == "invalid only" and valid:
            continue
        if expect in (None, "invalid only"):
            expect = "either" if valid else "reject"
        elif expect == "accept" and not valid:
            expect = "either"
        inputs.append(Input(param, f"class: {label}", make, expect, same_as_valid=same and valid,
                            finite=_is_finite_value(value), misleading=_misleading(value),
                            extreme=any(word in label for word in EXTREME)))
    return inputs


def _like(value, array):
    """`array` in the container of the valid `value`: a tuple stays a tuple (of numpy scalars
    of the array's dtype), a list a list; an ndarray stays an ndarray."""
    if isinstance(value, list | tuple) and np.ndim(array) >= 1 and len(value) == len(array):
        return type(value)(_like(v, a) for v, a in zip(value, array, strict=True))
    return array


def category(p, value):
    """Which input classes fit a parameter, from its kind and valid value."""
    name = p.kind.name
    if isinstance(value, layers.Sequential):
        return "model"
    if name.startswith("labels"):
        return "labels"
    for prefix, found in [("rng", "rng"), ("bool", "bool"), ("str", "text"),
                          ("sentence", "text"), ("seq", "seq"), ("choice", "choice")]:
        if name.startswith(prefix):
            return found
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, float):
        return "real"
    from fuzzing import real_array
    array = real_array(value) if not isinstance(value, str) else None
    if array is not None and array.ndim >= 1:
        return "array"
    return None


def input_classes(param, p):
    """The input classes of issue 29 that fit this parameter, as Inputs."""
    value = p.value()
    kind = category(p, value)
    entries = []  # (label, factory, expect, same numbers as the valid value)
    if kind == "array":
        a = np.asarray(value, dtype=float)

        def like(make):  # a modified copy, in the valid value's container
            return lambda: _like(value, make())

        entries += [
            ("float32", like(lambda: a.astype(np.float32)), "accept", False),
            ("float16", like(lambda: a.astype(np.float16)), None, False),
            ("masked array (one entry masked)", lambda: _masked(a), "reject", False),
            ("NaN in it", like(lambda: _with(a, 0, np.nan)), None, False),
            ("+inf in it", like(lambda: _with(a, 0, np.inf)), None, False),
            ("-inf in it", like(lambda: _with(a, -1, -np.inf)), None, False),
            ("huge (x 1e200)", like(lambda: a * 1e200 if np.any(a) else a + 1e200), None,
             False),
            ("tiny (x 1e-300)", like(lambda: a * 1e-300 if np.any(a) else a + 1e-300), None,
             False),
            ("float32's limits (+-3.4e38)", like(lambda: _float32_limits(a)), None, False),
            ("0-length", lambda: _like(value, a[:0]) if not isinstance(value, list | tuple)
             else type(value)(), None, False),
            ("ragged list", lambda: _ragged(a), None, False),
            ("an integer beyond int64 in it", lambda: _beyond_int64(a), None, False),
            ("strings", lambda: a.astype(str), None, False),
            ("booleans", like(lambda: a != 0), None, False),
        ]
        if isinstance(value, np.ndarray):
            entries += [("a list", lambda: a.tolist(), "either", True),
                        ("read-only array", lambda: _read_only(value), "accept", True)]
            if a.ndim >= 2:
                entries.append(("Fortran-ordered", lambda: np.asfortranarray(a), "accept",
                                True))
        else:
            entries.append(("a numpy array", lambda: np.array(value), "either", True))
        if np.all(a == np.round(a)) and np.all(np.abs(a) < 2**53):
            entries.append(("integers", like(lambda: a.astype(np.int64)), "accept", True))
    elif kind == "labels":
        y = np.asarray(value)
        entries += [
            ("labels one short", lambda: y[:-1], None, False),
            ("labels one too many", lambda: np.append(y, y[:1]), None, False),
            ("labels as a list", lambda: y.tolist(), "either", True),
            ("labels as integral floats", lambda: y.astype(float), "accept", True),
            ("labels as uint8", lambda: y.astype(np.uint8), "accept", True),
            ("read-only labels", lambda: _read_only(y), "accept", True),
            ("masked labels", lambda: _masked(y), "reject", False),
            ("labels as booleans", lambda: y % 2 == 1, None, False),
            ("labels as a column (N, 1)", lambda: y[:, None], None, False),
            ("labels as strings", lambda: y.astype(str), None, False),
            ("a label beyond int64", lambda: [2**64, *y.tolist()[1:]], None, False),
            ("a NaN label", lambda: _with(y, 0, np.nan), None, False),
        ]
    elif kind == "int":
        entries += [
            (f'as a string "{value}"', lambda: str(value), None, False),
            ("numpy int64", lambda: np.int64(value), "accept", True),
            ("a float of it", lambda: float(value), None, False),
            ("True", lambda: True, None, False),
            ("2**64 (beyond int64)", lambda: 2**64, None, False),
            ("-(2**64)", lambda: -(2**64), None, False),
        ]
        if "seed" in param:
            entries.append(("seed 2**32", lambda: 2**32, None, False))
    elif kind == "real":
        f32max = np.float32(np.finfo(np.float32).max)
        entries += [
            (f'as a string "{value}"', lambda: str(value), None, False),
            ("numpy float32", lambda: np.float32(value), "accept", False),
            ("numpy float16", lambda: np.float16(value), None, False),
            ("1e200", lambda: 1e200, None, False),
            ("-1e200", lambda: -1e200, None, False),
            ("1e-300", lambda: 1e-300, None, False),
            ("float32's largest", lambda: f32max, None, False),
            ("1e-6", lambda: 1e-6, None, False),
            ("True", lambda: True, None, False),
            ("NaN", lambda: float("nan"), None, False),
        ]
    elif kind == "seq":
        items = list(value)
        numeric = bool(items) and all(isinstance(v, numbers.Real) for v in items)
        entries += [("a tuple", lambda: tuple(value), "accept", True)]
        if numeric:
            entries += [
                ("a numpy array", lambda: np.array(value), "accept", True),
                ("items as strings", lambda: [str(v) for v in value], "invalid only", False),
                ("items as booleans", lambda: [True for _ in value], "invalid only", False),
                ("an item beyond int64", lambda: [2**64 for _ in value], None, False),
            ]
        if "seed" in param:
            entries.append(("seeds [2**32]", lambda: [2**32], None, False))
        if numeric and all(isinstance(v, float) for v in items):
            entries += [("items float32", lambda: [np.float32(v) for v in value], "accept",
                         False),
                        ("an item 1e-6", lambda: [1e-6], None, False)]
    elif kind == "model":
        entries += [
            ("residual model", lambda: _residual_like(p.value()), "accept", False),
            ("nested Sequentials", lambda: _nested(p.value()), "accept", True),
        ]
    elif kind == "choice" and isinstance(value, str):
        entries += [("numpy str", lambda: np.str_(value), "accept", True),
                    ("with a trailing space", lambda: value + " ", None, False)]
    elif kind == "bool":
        entries += [("numpy bool", lambda: np.bool_(value), "accept", True),
                    ('"True"', lambda: "True", None, False),
                    ("1", lambda: 1, None, False)]
    elif kind == "rng":
        entries += [("Generator(PCG64(0))",
                     lambda: np.random.Generator(np.random.PCG64(0)), "accept", True),
                    ("a SeedSequence", lambda: np.random.SeedSequence(0), None, False),
                    ("seed 2**32 instead of a generator", lambda: 2**32, None, False)]
    elif kind == "text":
        entries += [("numpy str", lambda: np.str_(value), "accept", True)]
    entries.append(("None", lambda: None, None, False))
    return _classes(param, p, entries)


def _activation_of(model):
    return "prelu" if any(isinstance(layer, layers.PReLU)
                          for layer in layers.leaf_layers(model)) else "relu"


def _residual_like(model):
    """A residual MLP with the inputs and outputs of `model` (two hidden layers of 8)."""
    from helpers import models
    return models.mlp(layers.input_features(model), [8, 8], layers.output_features(model),
                      rng=np.random.default_rng(0), residual=True,
                      activation=_activation_of(model))


def _nested(model):
    """The same layers (the same weights) as Sequential(Sequential(first two), Sequential(rest))."""
    inner = list(model.layers)
    return layers.Sequential(layers.Sequential(*inner[:2]), layers.Sequential(*inner[2:]))


# --- 4. the campaign ---------------------------------------------------------------------------

@dataclasses.dataclass
class Baseline:
    """The valid call's result, and what may be compared with it."""

    result: object
    deterministic: bool = False
    nan: int = 0  # how many NaN and inf it holds (a history's "NaN before training" ...)
    inf: int = 0
    rtol: float = 1e-12  # "the same numbers" to this relative tolerance (of the largest)


@dataclasses.dataclass
class Record:
    function: str
    input: str
    outcome: str
    message: str


# Finite differences change in their last digits with the order of a sum (a Fortran-ordered
# input): "the same numbers" to the method's own accuracy there.
SAME_RTOL = {"gradcheck.numerical_gradient": 1e-8, "gradcheck.elementwise_derivative": 1e-8,
             "gradcheck.check_layer": 1e-4}


def _valid_kwargs(params):
    return {k: p.value() for k, p in params.items()}


def _copy(kwargs):
    try:
        return copy.deepcopy(kwargs)
    except Exception:  # noqa: BLE001
        return dict(kwargs)


def campaign_for_call(name, fn, params, *, examples=8, whole_pool=False, references=None,
                      timeout=15.0, second_run=True):
    """Every input of one registry entry, judged: a list of Records."""
    references = references or {}
    reference = references.get(name)
    records = []
    valid = Input("(all)", "valid values", lambda: None, "accept")
    kwargs = _valid_kwargs(params)
    before = _copy(kwargs) if reference else None
    result, err = run(fn, kwargs, timeout)
    if err is not None:
        outcome, message = judge_error(err, ())
        records.append(Record(name, valid.label, REFUSED if outcome == CLEAR else outcome,
                              message))
        baseline = Baseline(None)
    else:
        again = run(fn, _valid_kwargs(params), timeout)[0] if second_run else None
        found = numbers_in(result)
        baseline = Baseline(result, second_run and same_numbers(result, again, rtol=0),
                            _count(found, np.isnan), _count(found, np.isinf),
                            SAME_RTOL.get(name, 1e-12))
        problem = result_problem(result, valid, None, reference, before)
        records.append(Record(name, valid.label, WRONG if problem else CORRECT,
                              problem or summary(result)))
    for param, p in params.items():
        names = (param, *p.names)
        inputs = registry_inputs(param, p, examples, whole_pool) + input_classes(param, p)
        for inp in inputs:
            kwargs = _valid_kwargs(params)
            try:
                kwargs[param] = inp.make()
            except Exception as err:  # noqa: BLE001
                NOTES.append(f"{name}: could not build {inp.label}: {err}")
                continue
            before = _copy(kwargs) if reference else None

            def check(result, inp=inp, before=before, param=param):
                overflows = len(OVERFLOWS)
                problem = result_problem(result, inp, baseline, reference, before)
                if len(OVERFLOWS) > overflows:
                    OVERFLOWS[-1] = f"{name}, {param}: {OVERFLOWS[-1]}"
                return problem

            outcome, message = judge(fn, kwargs, names=names, expect=inp.expect, check=check,
                                     timeout=timeout, misleading=inp.misleading)
            records.append(Record(name, f"{param}: {inp.label}", outcome, message))
    return records


def run_reference_cases(cases, timeout=30.0):
    """Judge the reference cases of scripts/fuzz_references.py: (name, label, thunk, check,
    expect, names)."""
    records = []
    for case in cases:
        outcome, message = judge(lambda case=case: case.run(), {}, names=case.names,
                                 expect=case.expect, check=case.check, timeout=timeout)
        records.append(Record(case.function, f"reference: {case.label}", outcome, message))
    return records


# --- 5. the exercise checkers ------------------------------------------------------------------

@dataclasses.dataclass
class Verdict:
    checker: str
    answer: str
    expect: str
    outcome: str  # "right verdict", "false accept", "false reject", "traceback"
    message: str


def judge_answer(checker, answer, expect, repeats=3, timeout=60.0):
    """Run a checker on one learner answer `repeats` times (fresh inputs each time).

    expect: "correct", "wrong" or "either" (only a traceback counts). A "Not yet" must come
    with a hint; any exception, or a warning, is a traceback."""
    messages = []
    for _ in range(repeats):
        feedback, err = run(lambda: checker(answer), {}, timeout)
        if err is not None:
            return "traceback", f"{type(err).__name__}: {err}"
        message = str(getattr(feedback, "message", feedback))
        if not message.startswith(("Correct!", "Not yet:")):
            return "traceback", f"not a verdict: {message[:120]!r}"
        if message.startswith("Not yet:") and len(message.split()) < 5:
            return "false reject" if expect == "correct" else "traceback", \
                f"a 'Not yet' without a hint: {message!r}"
        messages.append(message)
    accepted = [m.startswith("Correct!") for m in messages]
    if expect == "correct" and not all(accepted):
        first = next(m for m in messages if not m.startswith("Correct!"))
        return "false reject", f"{sum(accepted)}/{repeats} accepted; {first}"
    if expect == "wrong" and any(accepted):
        return "false accept", f"{sum(accepted)}/{repeats} accepted; {messages[0]}"
    return "right verdict", messages[0]


def run_checkers(table, repeats):
    """table: {checker name: (checker, [(label, answer, expect)])} -> list of Verdicts."""
    verdicts = []
    for name, (checker, answers) in table.items():
        for label, answer, expect in answers:
            outcome, message = judge_answer(checker, answer, expect, repeats)
            verdicts.append(Verdict(name, label, expect, outcome, message))
    return verdicts


# --- 6. the report -----------------------------------------------------------------------------

def counts_table(records, verdicts, n_names, n_covered, n_checkers):
    counts = collections.Counter(r.outcome for r in records)
    lines = [f"Public names: {n_names}, of which {n_covered} in the fuzz registry (CALLS); "
             f"exercise checkers: {n_checkers}.", "",
             "| outcome | inputs |", "|---|---:|"]
    lines += [f"| {outcome} | {counts[outcome]:,} |" for outcome in OUTCOMES]
    lines += [f"| **all inputs** | **{len(records):,}** |", ""]
    answers = collections.Counter(v.outcome for v in verdicts)
    lines += ["| exercise checkers | answers |", "|---|---:|"]
    lines += [f"| {k} | {answers[k]:,} |" for k in ("right verdict", "false accept",
                                                    "false reject", "traceback")]
    lines += [f"| **all answers** | **{len(verdicts):,}** |"]
    return "\n".join(lines)


def per_module_table(records):
    by_module = collections.defaultdict(collections.Counter)
    for r in records:
        by_module[r.function.split(".")[0]][r.outcome] += 1
    lines = ["| module | " + " | ".join(OUTCOMES) + " |", "|---|" + "---:|" * len(OUTCOMES)]
    for module, counts in sorted(by_module.items()):
        lines.append(f"| {module} | " + " | ".join(str(counts[o]) for o in OUTCOMES) + " |")
    return "\n".join(lines)


def findings_by_function(records):
    grouped = collections.defaultdict(list)
    for r in records:
        if r.outcome in FINDINGS:
            grouped[r.function].append(r)
    lines = []
    for function in sorted(grouped):
        rows = grouped[function]
        counts = collections.Counter(r.outcome for r in rows)
        lines += ["", f"### {function} ({', '.join(f'{n} {o}' for o, n in counts.items())})",
                  "", "| input | outcome | message |", "|---|---|---|"]
        for r in rows:
            message = r.message.replace("|", "\\|").replace("\n", " ")[:300]
            lines.append(f"| {r.input.replace('|', '/')} | {r.outcome} | {message} |")
    return "\n".join(lines)


def checker_details(verdicts):
    lines = ["| checker | answer | expected | outcome | message |", "|---|---|---|---|---|"]
    for v in verdicts:
        message = v.message.replace("|", "\\|").replace("\n", " ")[:240]
        lines.append(f"| {v.checker} | {v.answer} | {v.expect} | {v.outcome} | {message} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=8,
                        help="values drawn by the registry's strategy per parameter (8)")
    parser.add_argument("--pool", action="store_true",
                        help="also every value of fuzzing's general pool, per parameter")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each checker answer (fresh inputs each time)")
    parser.add_argument("--timeout", type=float, default=15.0,
                        help="seconds before a call counts as hanging (15)")
    parser.add_argument("--quick", action="store_true",
                        help="2 drawn values, 1 run per checker answer, no second valid run, "
                             "5 s time limit")
    parser.add_argument("--only", default="", help="only registry names containing this")
    parser.add_argument("--out", default=str(ROOT / "build" / "fuzz-campaign.md"))
    args = parser.parse_args(argv)
    os.environ.setdefault("HELPERS_WORKERS", "1")  # everything in this process: timeouts work
    os.environ.setdefault("TQDM_DISABLE", "1")
    matplotlib.use("Agg")
    if args.quick:
        args.examples, args.repeats, args.timeout = 2, 1, 5.0

    import fuzz_answers
    import fuzz_references

    start = time.perf_counter()
    names = public_names()
    calls = load_registry()
    references = fuzz_references.REFERENCES
    cases = fuzz_references.reference_cases()
    table = fuzz_answers.checker_table()
    checked = [f"{fn.__module__.removeprefix('helpers.')}.{fn.__name__}"
               for fn, _ in table.values()]
    in_registry, missing = coverage(names, calls)
    elsewhere = set(coverage(missing, {}, checked + [c.function for c in cases])[0])

    records = []
    for name, (fn, params) in sorted(calls.items()):
        if args.only not in name:
            continue
        t = time.perf_counter()
        records += campaign_for_call(name, fn, params, examples=args.examples,
                                     whole_pool=args.pool, references=references,
                                     timeout=args.timeout, second_run=not args.quick)
        print(f"  {name}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    records += run_reference_cases([c for c in cases if args.only in c.function])
    verdicts = run_checkers(table, args.repeats) if not args.only else []
    elapsed = time.perf_counter() - start

    counts = counts_table(records, verdicts, len(names), len(in_registry), len(table))
    print(counts)
    print(f"\n{len(records):,} inputs over {len({r.function for r in records})} registry entries "
          f"and reference functions, {len(verdicts)} checker answers, in {elapsed:.0f} s; "
          f"details in {args.out}.")
    report = [
        "# Fuzzing campaign", "",
        f"`.venv/bin/python scripts/fuzz_campaign.py {' '.join(argv or sys.argv[1:])}`, "
        f"{time.strftime('%Y-%m-%d %H:%M')}, {elapsed:.0f} s.", "", counts, "",
        "## Per module", "", per_module_table(records), "",
        "## Public names not in the registry", "",
        f"Not in tests/test_fuzz_arguments.py's CALLS ({len(missing)}; those marked * are "
        "exercised here all the same, by a reference case or the checker table):", "",
        *[f"- `{n}`{' *' if n in elsewhere else ''}" for n in missing], "",
        "## Findings by function", findings_by_function(records), "",
        "## Exercise checkers", "", checker_details(verdicts), "",
        "## Overflows to inf (counted as correct results)", "",
        "Inputs near the limits of their dtype whose result holds inf, the rounding of an "
        "answer beyond the dtype's range (the activations' contract allows it; the norm "
        "layers, scalers, the loss and the moment map raise instead, and their references "
        "check that):", "", *[f"- {n}" for n in OVERFLOWS],
        "",
        "## Notes of the tool", "", *[f"- {n}" for n in NOTES[:200]],
    ]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
