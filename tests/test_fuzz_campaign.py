"""The fuzzing campaign's judge (scripts/fuzz_campaign.py) on fake functions whose behaviour
is known: a tool that counts silent wrong answers must itself be tested."""

import dataclasses
import numbers
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fuzzing import Kind, Real

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import fuzz_campaign as campaign  # noqa: E402

from helpers import checking  # noqa: E402


def doubles(x):
    """Rejects clearly, and returns the right answer otherwise."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not np.isfinite(x) or x <= 0:
        raise ValueError(f"x must be a positive number; got {x!r}.")
    return 2.0 * float(x)


def leaks_index_error(x):
    return [2.0, 4.0][int(x)]  # IndexError from x = 2 on


def wrong_value(x):
    return 2.0 * x + 1e-3


def unclear(x):
    raise ValueError("operands could not be broadcast together with shapes (3,) (4,)")


def warns(x):
    return float(np.exp(np.float64(x)))  # a RuntimeWarning (overflow) from x = 710 on


def hangs(x):
    time.sleep(5)


def twice(result, x=1.0):
    return None if result == 2.0 * float(x) else f"{result}, expected {2.0 * float(x)}"


@pytest.mark.parametrize("fn, x, expect, outcome, in_message", [
    (doubles, -1.0, "reject", campaign.CLEAR, "x must be a positive"),
    (doubles, 1.0, "accept", campaign.CORRECT, "2.0"),
    (leaks_index_error, 5.0, "reject", campaign.CRASH, "IndexError"),
    (wrong_value, 1.0, "accept", campaign.WRONG, "expected 2.0"),
    (wrong_value, -1.0, "reject", campaign.WRONG, "accepted"),
    (unclear, 1.0, "reject", campaign.UNCLEAR, "internal"),
    (warns, 1000.0, "either", campaign.CRASH, "RuntimeWarning raised as an error"),
    (doubles, "3", "accept", campaign.REFUSED, "x must be a positive"),
])
def test_each_outcome_is_recognised(fn, x, expect, outcome, in_message):
    got, message = campaign.judge(fn, {"x": x}, names=("x",), expect=expect, check=twice)
    assert got == outcome, message
    assert in_message in message


def test_a_clear_type_that_does_not_name_the_parameter_is_unclear():
    got, message = campaign.judge(doubles, {"x": -1.0}, names=("rate",), expect="reject")
    assert got == campaign.UNCLEAR and "does not name rate" in message


def test_a_message_that_misdescribes_the_input_is_unclear():
    def ragged(x):
        raise TypeError(f"x must be an array of real numbers; got a ragged list: {x!r}.")
    got, message = campaign.judge(ragged, {"x": [2**70]}, names=("x",), expect="reject",
                                  misleading=("ragged",))
    assert got == campaign.UNCLEAR and "misleading" in message


def test_no_answer_in_time_is_a_crash():
    start = time.perf_counter()
    got, message = campaign.judge(hangs, {"x": 1.0}, names=("x",), expect="either",
                                  timeout=0.2)
    assert got == campaign.CRASH and "Timeout" in message
    assert time.perf_counter() - start < 2


@dataclasses.dataclass
class Param:
    """The registry's P: a valid value, its kind, other names its errors may use."""

    make: object
    kind: Kind
    names: tuple = ()

    def value(self):
        return self.make


def _counts(fn, reference=None):
    params = {"x": Param(1.0, Real(0.0, exclusive=True))}
    records = campaign.campaign_for_call("fake", fn, params, examples=3, second_run=False,
                                         references={"fake": reference} if reference else {})
    return {outcome: [r for r in records if r.outcome == outcome]
            for outcome in campaign.OUTCOMES}, records


def test_a_registry_entry_that_rejects_clearly_has_no_findings():
    counts, records = _counts(doubles, reference=lambda kwargs, result: twice(
        result, kwargs["x"]))
    assert not any(counts[o] for o in campaign.FINDINGS), [
        r for r in records if r.outcome in campaign.FINDINGS]
    assert counts[campaign.CLEAR] and counts[campaign.CORRECT]
    assert any("1e200" in r.input for r in counts[campaign.CORRECT])  # valid: judged right
    assert any('"1.0"' in r.input for r in counts[campaign.CLEAR])  # a number as a string


def test_a_registry_entry_that_leaks_index_error_shows_crashes():
    counts, _ = _counts(leaks_index_error)
    assert any("IndexError" in r.message for r in counts[campaign.CRASH])
    assert counts[campaign.WRONG]  # and accepts bad values (True, 0.5 ...) silently


def test_a_registry_entry_with_a_wrong_value_shows_silent_wrong_answers():
    counts, _ = _counts(wrong_value, reference=lambda kwargs, result: twice(result,
                                                                            kwargs["x"]))
    assert any(r.input == "valid values" for r in counts[campaign.WRONG])


def test_same_numbers_in_another_container_must_give_the_same_result():
    baseline = campaign.Baseline(np.array([1.0, 2.0]), deterministic=True)
    inp = campaign.Input("x", "read-only", lambda: None, "accept", same_as_valid=True)
    assert campaign.result_problem(np.array([1.0, 2.0]), inp, baseline) is None
    assert "not the valid call's result" in campaign.result_problem(np.array([1.0, 2.5]), inp,
                                                                    baseline)
    assert "NaN" in campaign.result_problem(np.array([np.nan, 2.0]), inp, baseline)


def test_masked_arrays_and_big_integers_are_input_classes():
    p = Param(np.ones((2, 3)), Kind(lambda v: True, (), "array ndim=2"))
    inputs = {i.label: i for i in campaign.input_classes("x", p)}
    masked = inputs["class: masked array (one entry masked)"]
    assert masked.expect == "reject" and isinstance(masked.make(), np.ma.MaskedArray)
    assert inputs["class: read-only array"].same_as_valid
    assert "ragged" in inputs["class: an integer beyond int64 in it"].misleading


def test_checker_answers_are_judged():
    @checking.checker
    def check_answer(candidate):
        value = candidate(1)
        return checking.correct("right.") if value == 42 else checking.not_yet(
            "that is not the answer, try again.")

    def raising_checker(candidate):
        raise IndexError("list index out of range")

    assert campaign.judge_answer(check_answer, lambda n: 42, "correct", 1)[0] == "right verdict"
    assert campaign.judge_answer(check_answer, lambda n: 41, "wrong", 1)[0] == "right verdict"
    assert campaign.judge_answer(check_answer, lambda n: 41, "correct", 1)[0] == "false reject"
    assert campaign.judge_answer(check_answer, lambda n: 42, "wrong", 1)[0] == "false accept"
    assert campaign.judge_answer(raising_checker, print, "wrong", 1)[0] == "traceback"


def test_coverage_reports_the_names_without_a_registry_entry():
    def f():
        pass

    class C:
        def g(self):
            pass

    names = {"m.f": f, "m.C": C, "m.C.g": C.g, "m.h": f}
    covered, missing = campaign.coverage(names, {"m.f": None, "m.C.g": None})
    assert covered == ["m.f", "m.C", "m.C.g"] and missing == ["m.h"]
