"""PyTorch is optional: the top-level conftest.py skips what runs notebook 06's code where torch
is not installed (with how to install it), and nothing else; with torch, nothing is skipped."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from _notebooks import ROOT

spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root_conftest)

NB06 = ROOT / "notebooks" / "06-pytorch.ipynb"
NB05 = ROOT / "notebooks" / "05-choosing.ipynb"


class FakeItem:
    def __init__(self, path, originalname=None, params=None):
        self.path = Path(path)
        self.originalname = originalname
        if params is not None:
            self.callspec = SimpleNamespace(params=params)
        self.markers = []

    def add_marker(self, marker):
        self.markers.append(marker)


def items():
    return {
        "06 cell": FakeItem(NB06),
        "06 solution": FakeItem(ROOT / "tests" / "test_solutions.py", "test_solution_code_runs",
                                {"path": NB06, "label": "exercise 1", "code": ""}),
        "06 hygiene": FakeItem(ROOT / "tests" / "test_notebook_hygiene.py", "test_outputs",
                               {"path": NB06}),
        "05 cell": FakeItem(NB05),
        "05 solution": FakeItem(ROOT / "tests" / "test_solutions.py", "test_solution_code_runs",
                                {"path": NB05, "label": "exercise 1", "code": ""}),
        "unit test": FakeItem(ROOT / "tests" / "test_layers.py", "test_linear"),
    }


def skipped(monkeypatch, torch_spec):
    monkeypatch.setattr(root_conftest, "find_spec",
                        lambda name: torch_spec if name == "torch" else importlib.util.find_spec(
                            name))
    found = items()
    root_conftest.pytest_collection_modifyitems(None, list(found.values()))
    return {name for name, item in found.items() if item.markers}, found


def test_without_torch_only_what_runs_notebook_06_is_skipped(monkeypatch):
    names, found = skipped(monkeypatch, None)
    assert names == {"06 cell", "06 solution"}
    marker = found["06 cell"].markers[0]
    assert marker.name == "skip" and "make torch" in marker.kwargs["reason"]


def test_with_torch_nothing_is_skipped(monkeypatch):
    names, _ = skipped(monkeypatch, object())
    assert names == set()


def test_the_rule_names_notebook_06_as_it_is_called():
    """A renamed notebook 06 would otherwise fail without torch instead of being skipped."""
    found = sorted(p.name for p in (ROOT / "notebooks").glob("06-*.ipynb"))
    if not found:
        pytest.skip("notebook 06 is not there yet")
    assert found == [root_conftest.NOTEBOOK_06]
