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


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", default=False,
                     help="run the end-to-end tests in headless Chromium")


def pytest_collection_modifyitems(config, items):
    """Browser tests run only when asked for: `make test-browser` passes --browser."""
    if config.getoption("--browser"):
        return
    skip = pytest.mark.skip(reason="browser tests run with `make test-browser` (needs Debian's "
                            "chromium and Playwright for Python)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
