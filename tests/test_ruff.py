"""ruff over the Python files and the notebooks, as part of `pytest` (so that the one test
command is the same with make and without it, on Windows too)."""

import subprocess
import sys

from _notebooks import ROOT


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_would_catch_an_unused_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(bad)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1 and "F401" in result.stdout
