"""Shared test setup: a non-interactive matplotlib backend and figure clean-up."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from helpers import checking  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _fresh_hint_counts():
    """Each test starts like a fresh kernel: no failed attempts counted by the checkers."""
    checking._FAILED_ATTEMPTS.clear()


# Tests that run only when asked for, each with its option and the reason shown when skipped.
OPT_IN = {
    "browser": "browser tests run with `make test-browser` (needs Debian's chromium and "
               "Playwright for Python)",
    "colab": "the Colab simulation runs with `make test-colab` (minutes; needs the package index)",
}


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="run the end-to-end tests in headless Chromium")
    parser.addoption("--colab", action="store_true", default=False,
                     help="run the Colab simulation (tests/test_colab_bootstrap.py)")


def pytest_collection_modifyitems(config, items):
    """Opt-in tests run only when asked for: `make test-browser` passes --browser,
    `make test-colab` passes --colab."""
    for marker, reason in OPT_IN.items():
        if config.getoption(f"--{marker}"):
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)
