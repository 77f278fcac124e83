"""Every open exercise and every "Try it" has a worked solution, and every solution's code runs.

A solution is a collapsed block in the exercise's markdown cell,

    <details><summary>Solution to exercise 3</summary> ... </details>
    <details><summary>Solution to Try it 1</summary> ... </details>

(JupyterLab shows only the summary until the reader clicks it). Its ```python blocks are
self-contained, so that a reader can paste them into a cell, and end with asserts that check
what the solution's text concludes; this test runs each one in a fresh interpreter. Figures quoted
in a solution's text are backed by those asserts (tests/test_prose_figures.py reads them).
"""

import json
import os
import re
import subprocess
import sys

import pytest
from _notebooks import NOTEBOOKS, ROOT

OPEN_EXERCISE = re.compile(r"\*\*(\d+)\. \(Open\)\*\*")
TRY_IT = re.compile(r"^### Try it\s*\n(.*?)(?=^#|\Z)", re.M | re.S)
SOLUTION = re.compile(r"<details><summary>Solution to (exercise|Try it) (\d+)</summary>(.*?)"
                      r"</details>", re.S)
CODE = re.compile(r"```python\n(.*?)```", re.S)


def markdown(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def solutions(text):
    """{("exercise" | "Try it", number): the solution's markdown}."""
    return {(kind, int(n)): body for kind, n, body in SOLUTION.findall(text)}


def solution_code(text):
    """The python blocks of every solution in `text`, as (label, code)."""
    return [(f"{kind} {n}", code) for (kind, n), body in solutions(text).items()
            for code in CODE.findall(body)]


def tasks(text):
    """Every task that needs a solution: open exercises and the items of a "Try it" list."""
    wanted = {("exercise", int(n)) for n in OPEN_EXERCISE.findall(text)}
    for block in TRY_IT.findall(text):
        wanted |= {("Try it", int(n)) for n in re.findall(r"^(\d+)\. ", block, re.M)}
    return wanted


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_open_task_has_a_solution(path):
    text = markdown(path)
    missing = tasks(text) - set(solutions(text))
    assert not missing, f"{path.name}: no worked solution for {sorted(missing)}"


def test_the_solution_pattern_finds_tasks():
    sample = ("**3. (Open)** Why?\n\n<details><summary>Solution to exercise 3</summary>\n\n"
              "Because.\n\n```python\nassert 1 + 1 == 2\n```\n</details>\n\n"
              "### Try it\n\n1. Move the slider.\n2. Change `shift`.\n")
    assert tasks(sample) == {("exercise", 3), ("Try it", 1), ("Try it", 2)}
    assert set(solutions(sample)) == {("exercise", 3)}
    assert solution_code(sample) == [("exercise 3", "assert 1 + 1 == 2\n")]


CASES = [(path, label, code) for path in NOTEBOOKS for label, code in solution_code(markdown(path))]


@pytest.mark.parametrize("path,label,code", CASES,
                         ids=[f"{p.stem[:2]}-{label}" for p, label, _ in CASES])
def test_solution_code_runs(path, label, code):
    # `python -c`, like a notebook cell, has no main file for the worker processes that train
    # seeds in parallel to re-import.
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "notebooks",
                            capture_output=True, text=True, timeout=300,
                            env={**os.environ, "MPLBACKEND": "Agg"})
    assert result.returncode == 0, (
        f"{path.name}, solution to {label} failed:\n{result.stdout[-2000:]}\n"
        f"{result.stderr[-3000:]}")
    assert "Warning" not in result.stderr, f"{path.name}, {label}: warnings\n{result.stderr}"
