"""helpers.checking: hints in levels, and the checkers' count of failed attempts."""

import inspect

import numpy as np
import pytest

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
