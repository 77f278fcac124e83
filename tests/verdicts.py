"""What the checker tests of notebooks 01-04 share: the empty stub a notebook ships, the
assertion that a checker gives the same verdict on every fresh draw of its inputs, and the
levels of a hint that escalates."""

from helpers.checking import MORE_HELP

STUB_MESSAGE = ("Not yet: your function returns None. Replace the `...` with your code and "
                "`return` the result.")  # stored in every notebook: the same on a fresh kernel


def stub(*args):
    ...  # what the notebook ships: an empty body


def assert_verdict(check, candidate, correct, phrase, repeats=3):
    """Fresh inputs each call: the verdict must hold every time."""
    for _ in range(repeats):
        feedback = check(candidate)
        assert feedback.correct is correct and bool(feedback) is correct, feedback.message
        assert phrase in feedback.message, feedback.message
        assert feedback.message.startswith("Correct!" if correct else "Not yet:")
        assert repr(feedback) == feedback.message


def hint_levels(check, answer, most=6):
    """The messages for the same wrong answer checked again and again (from a fresh count),
    up to the first that offers no more help."""
    messages = [check(answer).message]
    while MORE_HELP in messages[-1] and len(messages) < most:
        messages.append(check(answer).message)
    assert MORE_HELP not in messages[-1], messages
    return messages


def assert_hints_escalate(check, answer, phrase, solution, code, single_level=False):
    """The first hint names the mistake (`phrase`) and holds none of the `solution`'s key
    strings; if the hint has levels, each repeat adds one, and the last shows `code`."""
    messages = hint_levels(check, answer)
    assert all(phrase in m for m in messages), messages
    assert not [s for s in solution if s in messages[0]], messages[0]
    if single_level:
        assert len(messages) == 1 and MORE_HELP not in check(answer).message, messages
    else:
        assert len(messages) >= 2 and code in messages[-1], messages
        assert all(MORE_HELP in m for m in messages[:-1]), messages
        assert len(set(messages)) == len(messages), messages


def assert_count_resets(check, wrong, right):
    """A wrong answer's hint grows when it comes back, and starts afresh after a correct one.
    (Ends with a correct answer: the count is fresh again.)"""
    first = check(wrong).message
    assert MORE_HELP in first and check(wrong).message != first, first
    assert check(right).correct
    assert check(wrong).message == first
    assert check(right).correct
