"""Check cells: the cells that only verify are folded away and say in one line what they checked.

A check cell holds the asserts that back a sentence of the text (and, at most, the simple
assignments and loops that feed them) and ends with ``checking.checked("...")``. Its input is
hidden (``jupyter.source_hidden``, and the tag ``hide-input`` for the site) and its stored output
is exactly one line, "✓ checked: <what was verified>". A cell made only of asserts must be one.
"""

import ast
import json

import pytest
from _notebooks import NOTEBOOKS

from helpers.checking import CHECK_MARK

MAX_CLAIM = 110  # characters of the claim after "✓ checked: "


def _body(cell):
    try:
        return ast.parse("".join(cell["source"])).body
    except SyntaxError:  # shell or magic lines (the bootstrap cell): not a check cell
        return None


def _is_checked_call(statement):
    return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
            and ast.unparse(statement.value.func) == "checking.checked")


def only_asserts(cell):
    """True if the cell's statements are all asserts (a final ``checking.checked`` aside)."""
    body = _body(cell)
    if not body:
        return False
    if _is_checked_call(body[-1]):
        body = body[:-1]
    return bool(body) and all(isinstance(s, ast.Assert) for s in body)


def _stored_text(cell):
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") != "stream" or output.get("name") != "stdout":
            return None  # a figure, a value, stderr: not a one-line verdict
        text = output["text"]
        texts.append("".join(text) if isinstance(text, list) else text)
    return "".join(texts)


def problems(nb):
    """What is wrong with `nb`'s check cells, one message per problem (empty: all is well)."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        metadata = cell.get("metadata", {})
        tags = metadata.get("tags", [])
        hidden = metadata.get("jupyter", {}).get("source_hidden", False) is True
        where = f"cell {i} (id {cell.get('id')})"
        if only_asserts(cell) and "hide-input" not in tags:
            found.append(f"{where} only asserts: make it a check cell (hide-input, "
                         "jupyter.source_hidden, a final checking.checked(...))")
        if hidden != ("hide-input" in tags):
            found.append(f"{where}: jupyter.source_hidden and the tag hide-input go together")
        if "hide-input" not in tags:
            continue
        if "nbval-ignore-output" in tags:
            found.append(f"{where}: a check cell's one line is compared; no nbval-ignore-output")
        body = _body(cell)
        if not body or not _is_checked_call(body[-1]):
            found.append(f"{where}: a check cell ends with checking.checked(...)")
        text = _stored_text(cell)
        lines = text.splitlines() if text else []
        if len(lines) != 1 or not text.endswith("\n") or not lines[0].startswith(CHECK_MARK):
            found.append(f"{where}: its stored output must be one line '{CHECK_MARK}...'; got "
                         f"{text!r:.120}")
        elif len(lines[0]) - len(CHECK_MARK) > MAX_CLAIM:
            found.append(f"{where}: the claim is longer than {MAX_CLAIM} characters")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_check_cells_are_folded_and_say_what_they_checked(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    assert problems(nb) == []


def test_every_notebook_has_check_cells():
    """The course's notebooks 00 to 07 back their text with checks (the formulas page aside)."""
    for path in NOTEBOOKS:
        with open(path, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        assert any("hide-input" in c.get("metadata", {}).get("tags", []) for c in cells), path


def _code(source, outputs=(), **metadata):
    return {"cell_type": "code", "id": "x", "metadata": metadata, "execution_count": 1,
            "outputs": list(outputs), "source": source.splitlines(keepends=True)}


def _line(text):
    return {"output_type": "stream", "name": "stdout", "text": [text]}


FOLDED = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"]}
CHECK = "assert x > 0\nchecking.checked('x is positive')"


def test_the_checks_catch_a_visible_or_untidy_check_cell():
    good = _code(CHECK, [_line("✓ checked: x is positive\n")], **FOLDED)
    assert problems({"cells": [good]}) == []
    cases = {
        "only asserts": _code("assert x > 0\nassert y > 0"),  # left visible, no verdict
        "only asserts:": _code(CHECK, [_line("✓ checked: x is positive\n")]),  # visible
        "go together": _code(CHECK, [_line("✓ checked: x is positive\n")],
                             jupyter={"source_hidden": True}),  # no tag for the site
        "ends with checking.checked": _code("assert x > 0\nprint('✓ checked: x > 0')",
                                            [_line("✓ checked: x > 0\n")], **FOLDED),
        "one line": _code(CHECK, [_line("✓ checked: x is positive\n1.2345\n")], **FOLDED),
        "no nbval-ignore-output": _code(
            CHECK, [_line("✓ checked: x is positive\n")], jupyter={"source_hidden": True},
            tags=["hide-input", "nbval-ignore-output"]),
        "longer than": _code(CHECK, [_line(f"✓ checked: {'x' * 111}\n")], **FOLDED),
    }
    for expected, cell in cases.items():
        found = problems({"cells": [cell]})
        assert any(expected in message for message in found), (expected, found)
    figure = {"output_type": "display_data", "data": {"image/png": ""}, "metadata": {}}
    assert problems({"cells": [_code(CHECK, [_line("✓ checked: x\n"), figure], **FOLDED)]})
    mixed = _code("y = f(x)\nprint(y)\nassert y > 0", [_line("3\n")])  # prints what it asserts
    assert problems({"cells": [mixed]}) == []
