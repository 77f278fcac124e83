"""What every exercise checker shares: the verdict, a safe way to run the reader's code, and
one rule for comparing numbers.

A checker (``check_...`` in the notebook modules nb01 to nb07) runs the reader's function on
*fresh* inputs each time, drawn by a generator the checker owns: shapes of random sizes,
float64 and float32, and the values where the usual mistakes show, planted at random places
(`planted`): exactly 0, tiny values of both signs down to the smallest subnormal (a threshold
at any scale), deep negatives, large values up to the dtype's largest (an upper cutoff, an
overflow). It compares the answers with the helpers' reference and returns a `Feedback`:
"Correct!" or "Not yet: " and a hint that names the mistake, or says on which input the answer
went wrong and shows the element that differs. It never raises: whatever the reader's code
does becomes a hint. A function that changes its input (arrays, lists, dicts) in place is not
yet right, and neither is one that overflows on the way to a right answer, where a checker
asks (`overflows`).

Tolerances follow the dtype of the answer and are the same for every checker: an answer must
agree with the reference to a relative `RTOL` of its dtype (float64: 1e-9, float32: 1e-4), or,
for answers with a natural size of 1, to that tolerance on that scale (see `close`). A known
mistake is recognised to the tolerance on the scale of 1 too: the reader's last digits may
differ from those of the checker's version of the mistake.

Hints escalate. A known mistake's hint is a `Hint` in levels: the first names the mistake and
does not hand over the answer; each next level adds something more specific (which numpy tool,
which axis, which formula), and only the last shows the code. A checker wrapped in `checker`
counts, in the running kernel, how often each of its hints was shown since the reader's last
correct answer, and shows one more level each time the same mistake comes back.
"""

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np

from ._validation import (
    as_float_array,
    check_callable,
    check_finite_real,
    check_not_masked,
    check_positive_int,
    check_rng,
    check_sequence,
    check_text,
)

RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 1e-2}
MORE_HELP = "(Run the check again for a more specific hint.)"  # after every level but the last


@dataclass(frozen=True)
class Hint:
    """A hint in levels, from naming the mistake to showing the code.

    Parameters
    ----------
    levels : sequence of str
        Each a sentence or two. The first names the mistake without giving the answer away;
        each next one adds something more specific; the last may show the code. The reader
        sees the first level, then the first two, and so on (see `checker`).
    key : str, optional
        What makes two hints "the same mistake" for counting attempts; by default the first
        level. Give one when the text holds numbers that change from call to call.

    Examples
    --------
    >>> hint = Hint(["you summed over the wrong axis.", "Sum over the samples, axis 0."])
    >>> hint.text(1)
    'you summed over the wrong axis. (Run the check again for a more specific hint.)'
    >>> hint.text(2)  # and so for every later attempt: the last level is the most there is
    'you summed over the wrong axis. Sum over the samples, axis 0.'
    """

    levels: tuple
    key: str | None = None

    def __post_init__(self):
        levels = check_sequence(self.levels, "levels", '["names the mistake.", "the code."]')
        if not levels:
            raise ValueError('levels must hold at least one sentence, e.g. levels=["names the '
                             'mistake.", "the code."]; got an empty sequence.')
        for i, level in enumerate(levels):
            if not check_text(level, f"levels[{i}]").strip():
                raise ValueError(f"levels[{i}] must be a sentence; got an empty string.")
        if check_text(self.key, "key", optional=True) is not None and not self.key.strip():
            raise ValueError("key must be a non-empty string or None; got an empty string.")
        object.__setattr__(self, "levels", tuple(str(level) for level in levels))
        object.__setattr__(self, "key", self.levels[0] if self.key is None else str(self.key))

    def text(self, attempt):
        """What the reader sees at their `attempt`-th time with this mistake (1 = the first)."""
        shown = min(check_positive_int(attempt, "attempt"), len(self.levels))
        text = " ".join(self.levels[:shown])
        return text if shown == len(self.levels) else f"{text} {MORE_HELP}"


@dataclass(frozen=True)
class Feedback:
    """The verdict on one exercise; shows as its message in a notebook."""

    correct: bool
    message: str
    hint: Hint | None = field(default=None, compare=False)  # a "not yet" with levels

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.correct


def correct(text):
    return Feedback(True, f"Correct! {text}")


def not_yet(text):
    """A "not yet" verdict; `text` is a str or a `Hint` (shown at its first level until a
    `checker` picks the level)."""
    if isinstance(text, Hint):
        return Feedback(False, f"Not yet: {text.levels[0]}", hint=text)
    return Feedback(False, f"Not yet: {text}")


# checker name -> {hint key: how often that hint was shown since the last correct answer}
_FAILED_ATTEMPTS = {}


def checker(check):
    """Make `check` (a function that returns a `Feedback`) an exercise checker whose hints
    escalate: a `Hint` shown for the n-th time since the reader's last correct answer shows
    its first n levels. Each checker counts for itself; a correct answer starts it afresh.
    Hints given as plain text (returns None, raised an error, wrong shape) are always the same.

    Parameters
    ----------
    check : callable
        check(*args) -> Feedback.

    Returns
    -------
    callable
        `check` with the counting around it (same name, docstring and signature).

    Examples
    --------
    >>> @checker
    ... def check_answer(answer):
    ...     if answer == 42:
    ...         return correct("the answer.")
    ...     return not_yet(Hint(["not the answer.", "Think of 6 x 7.", "answer = 42"]))
    >>> check_answer(41)
    Not yet: not the answer. (Run the check again for a more specific hint.)
    >>> check_answer(41)
    Not yet: not the answer. Think of 6 x 7. (Run the check again for a more specific hint.)
    >>> check_answer(40)
    Not yet: not the answer. Think of 6 x 7. answer = 42
    >>> check_answer(42)
    Correct! the answer.
    >>> check_answer(41)
    Not yet: not the answer. (Run the check again for a more specific hint.)
    >>> check_answer(42)
    Correct! the answer.
    """
    check_callable(check, "check", "check_relu_grad")
    name = f"{getattr(check, '__module__', None)}.{getattr(check, '__qualname__', repr(check))}"

    @functools.wraps(check)
    def counted(*args, **kwargs):
        feedback = check(*args, **kwargs)
        if not isinstance(feedback, Feedback):
            return feedback
        if feedback.correct:
            _FAILED_ATTEMPTS.pop(name, None)
            return feedback
        if feedback.hint is None:
            return feedback
        counts = _FAILED_ATTEMPTS.setdefault(name, {})
        counts[feedback.hint.key] = counts.get(feedback.hint.key, 0) + 1
        return Feedback(False, f"Not yet: {feedback.hint.text(counts[feedback.hint.key])}",
                        hint=feedback.hint)

    return counted


@dataclass(frozen=True)
class Raised:
    """The reader's function raised `error`; `feedback` reports it as it is."""

    error: Exception
    feedback: Feedback


def fresh_rng():
    """A generator of the checker's own, seeded anew from the operating system at each call,
    so that an answer cannot be fitted to one fixed input."""
    return np.random.default_rng()


def _copies(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copies(v) for v in value]
    if isinstance(value, dict):
        return {k: _copies(v) for k, v in value.items()}
    return value


def _same(a, b):
    """Whether the reader's copy `b` still equals the checker's `a` (arrays, lists, dicts)."""
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape
                and np.array_equal(a, b, equal_nan=True))
    if isinstance(a, list):  # an element popped or appended is a change too
        return isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return (isinstance(b, dict) and list(a) == list(b)
                and all(_same(a[k], b[k]) for k in a))
    return True


def call(candidate, *args):
    """Run the reader's function on copies of `args`.

    Returns (output, None) or (None, problem), where problem is a Feedback, or a `Raised` when
    the function raised (so that a checker can turn some exception *types* into a better hint).
    Floating-point warnings are silenced: the checker judges the numbers that come out.
    """
    if not callable(candidate):
        return None, not_yet(f"pass your function itself (got a {type(candidate).__name__}).")
    given = [_copies(a) for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = candidate(*given)
    except Exception as err:  # the reader's code may raise anything; report it as a hint
        return None, Raised(err, not_yet(f"your function raised {type(err).__name__}: {err}"))
    if out is None:
        return None, not_yet("your function returns None. Replace the `...` with your code "
                             "and `return` the result.")
    if not all(_same(a, g) for a, g in zip(args, given, strict=True)):
        return None, not_yet("your function changed its input in place (an assignment into "
                             "it such as z[z < 0] = 0, an operator such as -=, an out= "
                             "argument, or a list's pop); compute a new array instead.")
    return out, None


def verdict(problem):
    """The Feedback for a problem returned by `call`."""
    return problem.feedback if isinstance(problem, Raised) else problem


def overflows(candidate, *args):
    """True if the reader's function overflows on `args` (say, np.exp of a large z), even
    when the result it returns is right: numpy's inf, and the RuntimeWarning a reader would
    see, are what the course's "no exp of large positives" rules out."""
    check_callable(candidate, "candidate", "my_selu_grad")
    given = [_copies(a) for a in args]
    try:
        with warnings.catch_warnings(), np.errstate(over="raise", divide="ignore",
                                                    invalid="ignore", under="ignore"):
            warnings.simplefilter("ignore")
            candidate(*given)
    except FloatingPointError:  # numpy raises this type for "over" and nothing else here
        return True
    except Exception:  # noqa: BLE001 (any other failure is not an overflow; call reports it)
        return False
    return False


def random_shape(rng, ndim, *, min_size):
    """A shape of `ndim` axes (1 to 3), each of 2 to 9 entries, with at least `min_size`
    entries in all: the reader's function must not rely on one shape."""
    check_rng(rng)
    ndim = check_positive_int(ndim, "ndim", maximum=3)
    # (for 2 or 3 axes, at most two thirds of the largest size, so that draws find one soon)
    min_size = check_positive_int(min_size, "min_size",
                                  maximum=2 * 9**ndim // 3 if ndim > 1 else None)
    if ndim == 1:
        return (int(rng.integers(min_size, 2 * min_size)),)
    while True:
        shape = tuple(int(n) for n in rng.integers(2, 10, size=ndim))
        if np.prod(shape) >= min_size:
            return shape


def planted(rng, shape, dtype, edges, *, spread=3.0):
    """spread * standard normal numbers of `dtype` and `shape`, with the `edges` (cast to the
    dtype) put at distinct random places: where the usual mistakes show."""
    check_rng(rng)
    z = (check_finite_real(spread, "spread") * rng.standard_normal(shape)).astype(dtype)
    edges = check_sequence(edges, "edges", "[0.0, 1e-300, -1e-300]")
    if len(edges) > z.size:
        raise ValueError(f"edges must fit into the array: at most {z.size} values for shape "
                         f"{z.shape}; got {len(edges)}.")
    positions = rng.choice(z.size, size=len(edges), replace=False)
    z.reshape(-1)[positions] = np.array(edges, dtype=dtype)
    return z


def numbers(out):
    """The reader's answer as a float array (booleans, ints and lists of numbers welcome);
    None if it is not numbers (strings, ragged lists, objects)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            array = np.asarray(out)
    except (ValueError, TypeError):
        return None
    if array.dtype.kind == "b" or array.dtype.kind in "iu":
        return array.astype(np.float64)
    if array.dtype.kind != "f":
        return None
    return array


def rtol(*arrays):
    """The relative tolerance for comparing these arrays: that of the least precise dtype."""
    return max(RTOL.get(np.asarray(a).dtype, RTOL[np.dtype(np.float64)]) for a in arrays)


def close(out, expected, *, scale=0.0):
    """True if `out` has the shape of `expected` and agrees with it to the dtypes' tolerance.

    scale : float
        For answers with a natural size (a normalised output, say): differences up to
        rtol * scale count as agreement too. 0 (the default) is purely relative, so that a
        tiny correct value (selu'(-30) = 1.6e-13) cannot be replaced by 0.
    """
    out, expected = np.asarray(out), np.asarray(expected)
    if out.shape != expected.shape:
        return False
    tol = rtol(out, expected)
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(out.astype(np.float64), expected.astype(np.float64),
                                      rtol=tol, atol=tol * scale, equal_nan=False)))


def disagree(out, expected, *, scale=0.0):
    """Boolean mask of the elements of `out` that do not agree with `expected` (same shape) to
    the tolerance of `close`; NaN never agrees."""
    out, expected = np.asarray(out), np.asarray(expected)
    if out.shape != expected.shape:
        raise ValueError(f"out and expected must have the same shape; got {out.shape} and "
                         f"{expected.shape}.")
    tol = rtol(out, expected)
    with np.errstate(all="ignore"):
        return ~np.isclose(out.astype(np.float64), expected.astype(np.float64), rtol=tol,
                           atol=tol * scale, equal_nan=False)


def only_in(wrong, region):
    """True if some element is wrong and every wrong one lies in `region` (boolean masks)."""
    wrong, region = np.asarray(wrong), np.asarray(region)
    if wrong.dtype != bool or region.dtype != bool or wrong.shape != region.shape:
        raise TypeError(f"wrong and region must be boolean masks of one shape; got {wrong.dtype} "
                        f"{wrong.shape} and {region.dtype} {region.shape}.")
    return bool(np.any(wrong) and np.all(region[wrong]))


def difference(out, expected, *, scale=0.0):
    """A sentence that shows the first element where `out` and `expected` differ."""
    out, expected = as_float_array(out, "out"), as_float_array(expected, "expected")
    if out.shape != expected.shape:
        raise ValueError(f"out and expected must have the same shape; got {out.shape} and "
                         f"{expected.shape}.")
    scale = check_finite_real(scale, "scale", minimum=0.0)
    out, expected = out.astype(np.float64), expected.astype(np.float64)
    tol = rtol(out, expected)
    with np.errstate(all="ignore"):
        wrong = ~np.isclose(out, expected, rtol=tol, atol=tol * scale)
    if not wrong.any():
        allowed = f" (scale = {scale:g} allows differences up to {tol * scale:g})" if scale else ""
        raise ValueError(f"out and expected agree to the tolerance everywhere{allowed}: there "
                         "is no difference to show (call difference only when close() is "
                         "False, with the same scale).")
    index = tuple(int(i) for i in np.argwhere(wrong)[0]) if out.ndim else ()
    got, want = out[index], expected[index]
    where = f" at index {index if len(index) > 1 else index[0]}" if index else ""
    text = f"{where} expected {want:.10g}, got {got:.10g}"
    if np.isfinite(got) and np.isfinite(want) and want != 0 and got != 0:
        digits = int(np.clip(np.floor(-np.log10(abs(got - want) / abs(want))), 0, 16))
        if digits >= 3:
            text += (f": they agree to {digits} digits (the printed ones look equal), but "
                     f"{'float32' if tol > 1e-6 else 'float64'} answers must agree to a "
                     f"relative {tol:g}")
    return text.strip()


@dataclass(frozen=True)
class Case:
    """One input for the reader's function, and how to describe it in a hint."""

    args: tuple
    label: str


def check_cases(candidate, cases, reference, mistakes=(), *, scale=0.0, diagnose=None,
                rule=(), overflow=None, raised=None):
    """Run the candidate on every case; None if all agree with `reference`, else the Feedback.

    Parameters
    ----------
    cases : list of Case
    reference : callable
        reference(*case.args) -> the right answer.
    mistakes : sequence of (function, hint)
        function(*case.args) -> what a known mistake gives; its hint is shown if the answer
        matches it (and not the reference).
    diagnose : callable, optional
        diagnose(got, expected, *case.args) -> a hint for a wrong answer of the right shape,
        or None: for mistakes that a single wrong function does not describe.
    rule : sequence of str, optional
        The levels that follow "for this input: expected ..., got ..." when no known mistake
        explains a wrong answer (what the right rule is, then the code), so that this hint
        escalates too.
    overflow : Hint, optional
        Shown when an answer is right but computing it overflowed (see `overflows`).
    raised : callable, optional
        raised(error) -> a hint for an exception the reader's function raised, or None for the
        plain report.
    """
    _check_case_arguments(cases, reference, mistakes, scale, diagnose)
    _check_fallbacks(rule, overflow, raised)
    passed = []
    for case in cases:
        out, problem = call(candidate, *case.args)
        if isinstance(problem, Raised) and raised is not None:
            hint = raised(problem.error)
            if hint is not None:
                return not_yet(hint)
        if problem is not None:
            return verdict(problem)
        got, expected = numbers(out), np.asarray(reference(*case.args))
        if got is None:
            return not_yet(f"return an array of numbers; got {type(out).__name__} "
                           f"{str(out)[:40]!r}.")
        if got.shape == expected.shape and close(got, expected, scale=scale):
            if overflow is not None and overflows(candidate, *case.args):
                return not_yet(overflow)
            passed.append(case)
            continue
        for wrong, hint in mistakes:  # recognised to the tolerance on the scale of 1 too:
            with np.errstate(all="ignore"):  # the reader's last digits may differ from ours
                if close(got, wrong(*case.args), scale=max(scale, 1.0)):
                    return not_yet(hint)
        if got.shape != expected.shape:
            return not_yet(f"for {case.label} the result must have shape {expected.shape}; "
                           f"got {got.shape}.")
        hint = diagnose(got, expected, *case.args) if diagnose else None
        if hint:
            return not_yet(hint)
        if passed:
            text = (f"right for {passed[0].label}, but not for {case.label}: "
                    f"{difference(got, expected, scale=scale)}.")
        else:
            text = f"for {case.label}: {difference(got, expected, scale=scale)}."
        return not_yet(Hint([text, *rule], key="other") if rule else text)
    return None


def _check_case_arguments(cases, reference, mistakes, scale, diagnose):
    """check_cases' own arguments (the candidate is the reader's: anything goes)."""
    if isinstance(cases, str) or not isinstance(cases, list | tuple) or not cases or not all(
            isinstance(case, Case) for case in cases):
        first = next((c for c in cases if not isinstance(c, Case)), None) if isinstance(
            cases, list | tuple) else cases
        raise TypeError(f"cases must be a non-empty sequence of checking.Case, e.g. "
                        f"[Case((z,), 'a float64 input')]; got {type(first).__name__} "
                        f"{first!r:.40}.")
    check_callable(reference, "reference", "helpers.activations.relu_grad")
    if not isinstance(mistakes, list | tuple) or not all(
            isinstance(m, tuple | list) and len(m) == 2 and callable(m[0]) for m in mistakes):
        odd = next((m for m in mistakes if not (isinstance(m, tuple | list) and len(m) == 2 and
                                                callable(m[0]))), None) if isinstance(
            mistakes, list | tuple) else mistakes
        got = "a function without its hint" if callable(odd) else type(odd).__name__
        raise TypeError(f"mistakes must be a sequence of (function, hint) pairs, e.g. "
                        f"[(np.abs, 'you took the absolute value.')]; got {got}.")
    check_finite_real(scale, "scale", minimum=0.0)
    if diagnose is not None:
        check_callable(diagnose, "diagnose", "my_diagnose")


def _check_fallbacks(rule, overflow, raised):
    """check_cases' hints for answers no known mistake explains."""
    for i, level in enumerate(check_sequence(rule, "rule", '["The rule.", "The code."]')):
        check_text(level, f"rule[{i}]")
    if overflow is not None and not isinstance(overflow, Hint):
        raise TypeError(f"overflow must be a checking.Hint or None; got "
                        f"{type(overflow).__name__} {overflow!r:.40}.")
    if raised is not None:
        check_callable(raised, "raised", "my_explanation")


def shape_label(z):
    """E.g. "float32 input of shape (3, 5)"."""
    check_not_masked(z, "z")
    if not isinstance(z, np.ndarray | np.generic):
        raise TypeError(f"z must be a numpy array, e.g. np.zeros((3, 5)); got "
                        f"{type(z).__name__} {z!r:.40}.")
    return f"{z.dtype} input of shape {z.shape}"


CHECK_MARK = "✓ checked: "


def checked(claim):
    """Print the one visible line of a notebook's check cell: "✓ checked: <claim>".

    A check cell holds only the asserts that back a sentence of the text; its input is folded
    away and this line, printed after the asserts passed, says in plain words what they verified.

    Parameters
    ----------
    claim : str
        What the asserts verified, in one line, e.g. "ReLU's variance stays near 1 at every
        layer".

    Examples
    --------
    >>> checked("the output has one row per sample")
    ✓ checked: the output has one row per sample
    """
    check_text(claim, "claim")
    if not claim.strip():
        raise ValueError('claim must say what was checked, e.g. claim="the loss decreases"; got '
                         'an empty string.')
    if "\n" in claim or "\r" in claim:
        raise ValueError(f"claim must be one line; got {claim!r:.60} with a line break.")
    print(f"{CHECK_MARK}{claim.strip()}")
