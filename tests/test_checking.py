"""helpers.checking: hints in levels, and the checkers' count of failed attempts."""

import inspect

import numpy as np
import pytest

from helpers import checking
from helpers.checking import MORE_HELP, Feedback, Hint, checker, correct, not_yet

DEAD = Hint(["you looked at one sample.", "Reduce over the samples, axis 0.",
             "np.all(z <= 0, axis=0)"])
SIGN = Hint(["wrong sign.", "-x"])


def make_checker(name="check_toy"):
    """A toy exercise: 42 is right, 0 a mistake with levels, 1 one with a changing number,
    2 a hint in plain text."""
    def check_toy(answer):
        if answer == 42:
            return correct("42.")
        if answer == 0:
            return not_yet(DEAD)
        if answer == 1:
            return not_yet(Hint([f"off by {np.random.default_rng().integers(1, 9)}.",
                                 "Add 41."], key="off by"))
        return not_yet("your function returns None.")
    check_toy.__name__ = check_toy.__qualname__ = name
    return checker(check_toy)


def test_a_hint_shows_one_more_level_each_time_up_to_the_last():
    assert DEAD.text(1) == f"you looked at one sample. {MORE_HELP}"
    assert DEAD.text(2) == f"you looked at one sample. Reduce over the samples, axis 0. {MORE_HELP}"
    assert DEAD.text(3) == DEAD.text(9) == ("you looked at one sample. Reduce over the samples, "
                                            "axis 0. np.all(z <= 0, axis=0)")
    assert Hint(["only one level."]).text(1) == "only one level."  # no promise of more
    assert DEAD.key == "you looked at one sample." and SIGN.levels == ("wrong sign.", "-x")


def test_not_yet_with_a_hint_shows_its_first_level_until_a_checker_counts():
    feedback = not_yet(DEAD)
    assert feedback == Feedback(False, "Not yet: you looked at one sample.")
    assert feedback.hint is DEAD and not feedback


def test_a_checker_escalates_per_mistake_and_starts_afresh_when_right():
    check = make_checker()
    assert [check(0).message for _ in range(4)] == [f"Not yet: {DEAD.text(n)}"
                                                    for n in (1, 2, 3, 3)]
    assert check(1).message.endswith(MORE_HELP)  # another mistake: its own first level
    assert check(1).message.endswith("Add 41.")  # the same key, whatever the number
    assert check(2).message == check(2).message == "Not yet: your function returns None."
    assert check(42).correct
    assert check(0).message == f"Not yet: {DEAD.text(1)}"


def test_checkers_count_independently():
    first, second = make_checker("check_one"), make_checker("check_two")
    first(0), first(0)
    assert second(0).message == f"Not yet: {DEAD.text(1)}"
    assert first(0).message == f"Not yet: {DEAD.text(3)}"
    assert second(42).correct
    assert first(0).message == f"Not yet: {DEAD.text(3)}"  # still: only its own answer resets


def test_the_checker_keeps_the_name_docstring_and_signature():
    def check_this(answer, mean=0.0):
        """Check `answer`."""
        return correct("yes.")
    check = checker(check_this)
    assert check.__name__ == "check_this" and check.__doc__ == "Check `answer`."
    assert str(inspect.signature(check)) == "(answer, mean=0.0)"


@pytest.mark.parametrize("kwargs,error,match", [
    ({"levels": "names the mistake."}, TypeError, r"levels must be a sequence, e.g. levels="),
    ({"levels": []}, ValueError, "levels must hold at least one sentence"),
    ({"levels": ["fine.", 3]}, TypeError, r"levels\[1\] must be a string; got int 3"),
    ({"levels": ["fine.", " "]}, ValueError, r"levels\[1\] must be a sentence; got an empty"),
    ({"levels": ["fine."], "key": ""}, ValueError, "key must be a non-empty string"),
    ({"levels": ["fine."], "key": 7}, TypeError, "key must be a string or None; got int 7"),
])
def test_hint_rejects_what_it_cannot_show(kwargs, error, match):
    with pytest.raises(error, match=match):
        Hint(**kwargs)


def test_bad_attempts_and_checks_get_clear_errors():
    with pytest.raises(ValueError, match="attempt must be an integer >= 1; got 0"):
        DEAD.text(0)
    with pytest.raises(TypeError, match="check must be a function, e.g. check=check_relu_grad"):
        checker("check_relu_grad")


# --- issue 29: what the checkers share -------------------------------------------------------

def test_a_change_to_a_list_or_dict_argument_counts_as_in_place():
    from helpers.checking import call

    zs = [np.ones(2), -np.ones(3)]
    for mutate in [lambda a: a.pop(), lambda a: a.append(np.ones(1)), lambda a: a[0].fill(0)]:
        _, problem = call(lambda a, mutate=mutate: (mutate(a), 0.5)[1], zs)
        assert "in place" in problem.message
    val = {0.01: np.array([0.6, 0.5])}
    for mutate in [lambda v: v.pop(0.01), lambda v: v[0.01].sort(), lambda v: v.update(a=1)]:
        _, problem = call(lambda v, mutate=mutate: (mutate(v), 0.01)[1], val)
        assert "in place" in problem.message
    assert call(lambda a: len(a), zs) == (2, None) and len(zs) == 2


def test_overflows_sees_an_overflow_that_the_answer_throws_away():
    from helpers.checking import overflows

    z = np.array([-1.0, 800.0])
    assert overflows(lambda z: np.where(z > 0, 1.0, np.exp(z)), z)
    assert not overflows(lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))), z)
    assert not overflows(lambda z: 1 / (z * 0), z)  # a division by 0 is not an overflow
    assert not overflows(lambda z: undefined_name, z)  # noqa: F821 (call reports errors)
    with np.errstate(over="ignore"):
        assert np.seterr()["over"] == "ignore"  # the reader's state is left as it was
        overflows(lambda z: np.exp(z), z)
        assert np.seterr()["over"] == "ignore"


def test_planted_values_sit_at_random_places_of_random_shapes():
    from helpers.checking import only_in, planted, random_shape

    rng = np.random.default_rng(0)
    shapes = {random_shape(rng, ndim, min_size=20) for ndim in (1, 2, 3) for _ in range(5)}
    assert {len(s) for s in shapes} == {1, 2, 3} and all(np.prod(s) >= 20 for s in shapes)
    z = planted(rng, (4, 5), np.float32, [0.0, 1e-30, np.finfo(np.float32).max])
    assert z.dtype == np.float32 and {0.0, np.float32(1e-30)} <= set(z.ravel().tolist())
    assert only_in(np.array([False, True]), np.array([True, True]))
    assert not only_in(np.array([False, False]), np.array([True, True]))  # nothing wrong
    assert not only_in(np.array([True, True]), np.array([False, True]))


def test_check_cases_escalates_explains_raises_and_overflows():
    from helpers.checking import Case, check_cases

    cases = [Case((np.array([-1.0, 2.0, 800.0]),), "an array")]

    def reference(z):
        return (z > 0).astype(float)

    other = check_cases(lambda z: -z, cases, reference, rule=("The rule.", "The code."))
    assert other.hint.levels == (other.hint.levels[0], "The rule.", "The code.")
    assert other.hint.key == "other" and "expected 0, got 1" in other.message
    plain = check_cases(lambda z: -z, cases, reference)
    assert plain.hint is None  # without a rule: plain text, as before
    raised = check_cases(lambda z: 1 // 0, cases, reference,
                         raised=lambda e: "divided." if isinstance(e, ZeroDivisionError) else None)
    assert raised.message == "Not yet: divided."
    assert "ValueError" in check_cases(lambda z: int("x"), cases, reference,
                                       raised=lambda e: None).message
    wasteful = lambda z: np.where(z > 0, 1.0, np.exp(z) * 0)  # noqa: E731
    assert check_cases(wasteful, cases, reference) is None
    assert check_cases(wasteful, cases, reference, overflow=DEAD).hint is DEAD
    # a known mistake is recognised even if its last digits differ from ours
    near = check_cases(lambda z: np.abs(z) + 1e-12, cases, reference, [(np.abs, SIGN)])
    assert near.hint is SIGN


@pytest.mark.parametrize("call_it,error,match", [
    (lambda c: c.random_shape(0, 1, min_size=4), TypeError, "rng must be"),
    (lambda c: c.random_shape(np.random.default_rng(), 4, min_size=4), ValueError,
     r"ndim must be an integer in \[1, 3\]"),
    (lambda c: c.random_shape(np.random.default_rng(), 2, min_size=60), ValueError,
     r"min_size must be an integer in \[1, 54\]"),
    (lambda c: c.planted(np.random.default_rng(), (2,), float, [0.0, 1.0, 2.0]), ValueError,
     "edges must fit into the array: at most 2 values"),
    (lambda c: c.planted(np.random.default_rng(), (2,), float, 0.0), TypeError,
     "edges must be a sequence"),
    (lambda c: c.overflows("np.exp", 1.0), TypeError, "candidate must be a function"),
    (lambda c: c.disagree([1.0, 2.0], [1.0]), ValueError, "same shape"),
    (lambda c: c.only_in([0, 1], [True, True]), TypeError, "boolean masks of one shape"),
    (lambda c: c.check_cases(np.abs, [c.Case((np.ones(2),), "ones")], np.abs, rule="the rule."),
     TypeError, "rule must be a sequence"),
    (lambda c: c.check_cases(np.abs, [c.Case((np.ones(2),), "ones")], np.abs, rule=[3]),
     TypeError, r"rule\[0\] must be a string"),
    (lambda c: c.check_cases(np.abs, [c.Case((np.ones(2),), "ones")], np.abs, overflow="no"),
     TypeError, "overflow must be a checking.Hint or None"),
    (lambda c: c.check_cases(np.abs, [c.Case((np.ones(2),), "ones")], np.abs, raised="no"),
     TypeError, "raised must be a function"),
])
def test_the_shared_machinery_rejects_bad_arguments(call_it, error, match):
    from helpers import checking

    with pytest.raises(error, match=match):
        call_it(checking)


# --- issue 29: the arguments of difference, check_cases and shape_label ----------------------

def test_difference_shows_the_first_element_that_differs():
    from helpers.checking import difference

    assert difference([1.0, 2.0], [1.0, 3.0]) == "at index 1 expected 3, got 2"


@pytest.mark.parametrize("args,kwargs,error,match", [
    (([1.0], [1.0]), {}, ValueError, "out and expected agree to the tolerance everywhere: "
     "there is no difference to show"),
    (([1.0, 2.0], [1.0]), {}, ValueError, r"out and expected must have the same shape; got "
     r"\(2,\) and \(1,\)"),
    ((None, [1.0]), {}, TypeError, "out must be"),
    (([1.0], "a"), {}, TypeError, "expected must be"),
    (([1.0], [2.0]), {"scale": -1.0}, ValueError, "scale must be >= 0"),
    (([1.0], [2.0]), {"scale": None}, TypeError, "scale must be a real number"),
    ((np.ma.masked_array([1.0]), [2.0]), {}, TypeError, "out is a masked array"),
])
def test_difference_rejects_what_it_cannot_describe(args, kwargs, error, match):
    from helpers.checking import difference

    with pytest.raises(error, match=match):
        difference(*args, **kwargs)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"cases": None}, TypeError, r"cases must be a non-empty sequence of checking.Case"),
    ({"cases": []}, TypeError, r"cases must be a non-empty sequence of checking.Case"),
    ({"cases": [(np.ones(2),)]}, TypeError, r"cases must be a non-empty sequence of "
     r"checking.Case.*got tuple"),
    ({"reference": "relu"}, TypeError, "reference must be a function"),
    ({"mistakes": [np.abs]}, TypeError, r"mistakes must be a sequence of \(function, hint\) "
     "pairs"),
    ({"mistakes": [("abs", "a hint")]}, TypeError, r"mistakes must be a sequence of \(function, "
     "hint\\) pairs"),
    ({"scale": np.nan}, ValueError, "scale must be finite"),
    ({"diagnose": "no"}, TypeError, "diagnose must be a function"),
])
def test_check_cases_rejects_bad_arguments(kwargs, error, match):
    from helpers.checking import Case, check_cases

    args = {"candidate": np.abs, "cases": [Case((np.ones(2),), "ones")], "reference": np.abs,
            **kwargs}
    with pytest.raises(error, match=match):
        check_cases(**args)


def test_check_cases_still_judges_good_arguments():
    from helpers.checking import Case, check_cases

    cases = [Case((np.array([-1.0, 2.0]),), "a small array")]
    assert check_cases(np.abs, cases, np.abs) is None
    assert "expected 1, got -1" in check_cases(lambda z: z, cases, np.abs).message
    assert check_cases("not a function", cases, np.abs).message.startswith("Not yet")


@pytest.mark.parametrize("bad", [[1.0], None, "z", 3.0])
def test_shape_label_wants_an_array(bad):
    from helpers.checking import shape_label

    assert shape_label(np.zeros((3, 5), dtype=np.float32)) == "float32 input of shape (3, 5)"
    with pytest.raises(TypeError, match=r"z must be a numpy array, e.g. np.zeros\(\(3, 5\)\); "
                       "got"):
        shape_label(bad)


def test_difference_names_scale_when_it_hides_every_difference():
    """Fuzz campaign: scale = 1e200 gave "they agree" without naming scale."""
    with pytest.raises(ValueError, match=r"agree to the tolerance everywhere \(scale = 1e\+200 "
                       "allows differences up to"):
        checking.difference(np.array([1.0, 2.0]), np.array([1.0, 3.0]), scale=1e200)


def test_shape_label_refuses_a_masked_array():
    """Fuzz campaign: a masked array was labelled like a plain one (its mask ignored)."""
    with pytest.raises(TypeError, match=r"z is a masked array \(numpy.ma\)"):
        checking.shape_label(np.ma.masked_array(np.zeros(3), mask=[True, False, False]))


def test_checked_prints_one_line_and_refuses_an_empty_or_multiline_claim(capsys):
    checking.checked("every seed's dead fraction exceeds one half")
    assert capsys.readouterr().out == "✓ checked: every seed's dead fraction exceeds one half\n"
    with pytest.raises(TypeError, match="claim must be a string; got int"):
        checking.checked(3)
    for empty in ("", "   "):
        with pytest.raises(ValueError, match="claim must say what was checked"):
            checking.checked(empty)
    with pytest.raises(ValueError, match="claim must be one line"):
        checking.checked("one\ntwo")
    assert capsys.readouterr().out == ""  # nothing printed when the claim is refused
