"""Every stored notebook is executed, clean, self-describing and small."""

import json
import re

import pytest
from _notebooks import NOTEBOOKS, badge_links

ABSOLUTE_PATH = re.compile(r"(/(root|home|tmp|Users|private|var/folders)/)|([A-Za-z]:\\\\)")
MEMORY_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
MAX_BYTES = 1_000_000


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def output_text(output):
    """All the text an output shows: streams, plain-text reprs, HTML, tracebacks."""
    parts = [output.get("text", "")]
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/"):
            parts.append(value)
    parts.extend(output.get("traceback", []))
    return "".join("".join(p) if isinstance(p, list) else p for p in parts)


def markdown(nb):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


ids = [p.name for p in NOTEBOOKS]


def test_there_are_notebooks():
    assert any(p.name == "00-start-here.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_stored_executed_in_order(path):
    counts = [c["execution_count"] for c in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; re-run it with `make run`."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_errors_or_stderr(path):
    for i, cell in enumerate(load(path)["cells"]):
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"{path.name}: cell {i} stores an error"
            assert output.get("name") != "stderr", f"{path.name}: cell {i} wrote to stderr"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_widget_state_or_timing(path):
    nb = load(path)
    assert "widgets" not in nb["metadata"], f"{path.name}: stored widget state"
    for i, cell in enumerate(nb["cells"]):
        assert "execution" not in cell["metadata"], f"{path.name}: cell {i} stores timings"
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"{path.name}: cell {i} stores a widget view (its model is not stored)"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_machine_specific_text(path):
    for i, cell in enumerate(load(path)["cells"]):
        for output in cell.get("outputs", []):
            text = output_text(output)
            assert not ABSOLUTE_PATH.search(text), f"{path.name}: cell {i} shows a local path"
            assert not MEMORY_ADDRESS.search(text), f"{path.name}: cell {i} shows an address"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_badges_point_at_this_notebook(path):
    text = markdown(load(path))
    for kind, link in badge_links(f"notebooks/{path.name}").items():
        assert f"({link})" in text, f"{path.name}: missing or wrong {kind} badge; expected {link}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_first_code_cell_is_the_colab_bootstrap(path):
    """On Colab, "Run all" must install `helpers` before any cell imports it; every notebook
    carries the same bootstrap (tests/test_colab_bootstrap.py runs it)."""
    first = "".join(code_cells(load(path))[0]["source"])
    assert 'find_spec("helpers") is None' in first and "%pip install" in first, (
        f"{path.name}: the first code cell is not the bootstrap")
    assert not re.search(r"^\s*(from|import) helpers", first, re.M)
    assert first == "".join(code_cells(load(NOTEBOOKS[0]))[0]["source"]), (
        f"{path.name}: its bootstrap differs from {NOTEBOOKS[0].name}'s")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_contract_sections(path):
    text = markdown(load(path))
    assert text.lstrip().startswith("# "), f"{path.name}: must open with a title"
    required = ["Learning goals"]
    if not path.name.startswith("00"):
        required += ["## Summary", "## Exercises"]
    for section in required:
        assert section in text, f"{path.name}: missing section {section!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_widget_cells_are_ignored_by_nbval(path):
    for i, cell in enumerate(code_cells(load(path))):
        if "_explorer(" in "".join(cell["source"]):
            tags = cell["metadata"].get("tags", [])
            assert "nbval-ignore-output" in tags, f"{path.name}: widget cell {i} is not tagged"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_trailing_semicolons(path):
    """nbval runs cells with store_history=False, so IPython cannot see a final ';' and shows
    the value anyway: the stored and re-run outputs then differ. Assign the value instead."""
    for i, cell in enumerate(code_cells(load(path))):
        lines = [line for line in "".join(cell["source"]).splitlines() if line.strip()]
        assert not (lines and lines[-1].rstrip().endswith(";")), (
            f"{path.name}: code cell {i} ends with ';'; write `fig = ...` instead"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_stray_values_under_figures(path):
    """A cell that ends in e.g. ax.set_ylim(...) shows '(0.8, 1.0)' under its figure."""
    for i, cell in enumerate(code_cells(load(path))):
        for output in cell.get("outputs", []):
            if output["output_type"] == "execute_result":
                text = "".join(output["data"].get("text/plain", ""))
                assert not text.startswith(("(", "[<matplotlib", "<Axes", "Text(")), (
                    f"{path.name}: code cell {i} shows {text[:40]!r}; assign it instead"
                )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_small(path):
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size} bytes; keep notebooks under 1 MB"


def test_hygiene_checks_catch_a_bad_notebook(tmp_path):
    """The checks above can fail: a notebook with an error, a path and a widget state does."""
    bad = {
        "metadata": {"widgets": {}},
        "cells": [{"cell_type": "code", "execution_count": 2, "metadata": {}, "source": "",
                   "outputs": [{"output_type": "error",
                                "traceback": ["/home/me/x.py 0xdeadbeef"]}]}],
    }
    text = output_text(bad["cells"][0]["outputs"][0])
    assert ABSOLUTE_PATH.search(text) and MEMORY_ADDRESS.search(text)
    assert [c["execution_count"] for c in code_cells(bad)] != [1]
