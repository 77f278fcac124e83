"""PyTorch is optional: the top-level conftest.py skips what runs notebook 07's code where torch
is not installed (with how to install it), and nothing else; with torch, nothing is skipped."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from _notebooks import ROOT

spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
root_conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(root_conftest)

NB07 = ROOT / "notebooks" / "07-pytorch.ipynb"
NB06 = ROOT / "notebooks" / "06-choosing.ipynb"


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
        "07 cell": FakeItem(NB07),
        "07 solution": FakeItem(ROOT / "tests" / "test_solutions.py", "test_solution_code_runs",
                                {"path": NB07, "label": "exercise 1", "code": ""}),
        "07 hygiene": FakeItem(ROOT / "tests" / "test_notebook_hygiene.py", "test_outputs",
                               {"path": NB07}),
        "06 cell": FakeItem(NB06),
        "06 solution": FakeItem(ROOT / "tests" / "test_solutions.py", "test_solution_code_runs",
                                {"path": NB06, "label": "exercise 1", "code": ""}),
        "unit test": FakeItem(ROOT / "tests" / "test_layers.py", "test_linear"),
    }


def skipped(monkeypatch, torch_spec):
    monkeypatch.setattr(root_conftest, "find_spec",
                        lambda name: torch_spec if name == "torch" else importlib.util.find_spec(
                            name))
    found = items()
    root_conftest.pytest_collection_modifyitems(None, list(found.values()))
    return {name for name, item in found.items() if item.markers}, found


def test_without_torch_only_what_runs_notebook_07_is_skipped(monkeypatch):
    names, found = skipped(monkeypatch, None)
    assert names == {"07 cell", "07 solution"}
    marker = found["07 cell"].markers[0]
    assert marker.name == "skip" and "make torch" in marker.kwargs["reason"]


def test_with_torch_nothing_is_skipped(monkeypatch):
    names, _ = skipped(monkeypatch, object())
    assert names == set()


def test_the_rule_names_notebook_07_as_it_is_called():
    """A renamed notebook 07 would otherwise fail without torch instead of being skipped."""
    found = sorted(p.name for p in (ROOT / "notebooks").glob("07-*.ipynb"))
    if not found:
        pytest.skip("notebook 07 is not there yet")
    assert found == [root_conftest.NOTEBOOK_07]
