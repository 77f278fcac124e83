"""Notebook 07 needs PyTorch, an optional extra: where it is not installed, the tests that run
the notebook's code are skipped with how to install it, and everything else runs.

At the top of the repository so that pytest loads it for any selection, also when only
notebooks/ is collected (scripts/portability.py runs `pytest notebooks/...`). The other test
setup is in tests/conftest.py; both files' hooks run.
"""

import os
from importlib.util import find_spec
from pathlib import Path

import pytest

# The notebooks' progress bars (helpers.parallel) are for a reader waiting on a long cell; the
# kernels nbval starts inherit this and draw none, so that no bar reaches a compared output.
os.environ["TQDM_DISABLE"] = "1"

NOTEBOOK_07 = "07-pytorch.ipynb"
SKIP_07 = pytest.mark.skip(reason="notebook 07 needs PyTorch, which is not installed: make torch "
                                  "(or pip install -e \".[torch]\")")


def runs_notebook_07(item):
    """nbval's cells of notebook 07, and its worked solutions (tests/test_solutions.py runs
    their code); not the tests that only read the file (hygiene, links)."""
    path = getattr(item, "path", None) or getattr(item, "fspath", None)
    if path is not None and Path(str(path)).name == NOTEBOOK_07:
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return (getattr(item, "originalname", None) == "test_solution_code_runs"
            and Path(str(params.get("path", ""))).name == NOTEBOOK_07)


def pytest_collection_modifyitems(config, items):
    if find_spec("torch") is not None:
        return
    for item in items:
        if runs_notebook_07(item):
            item.add_marker(SKIP_07)
