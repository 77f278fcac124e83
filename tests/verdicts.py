"""What the checker tests of notebooks 01-04 share: the empty stub a notebook ships and the
assertion that a checker gives the same verdict on every fresh draw of its inputs."""


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
