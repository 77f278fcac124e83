"""The notebooks' first code cell installs the course only on Colab (`google.colab` importable)
or from BEYOND_RELU_SOURCE; in any other kernel without `helpers` it installs nothing and prints
the one command that would, so that a reader's own environment (a base conda one, say) is left
as it is.

The cell runs here as IPython would run it (its `%pip` line turned into a call of
`get_ipython().run_line_magic`), with `helpers` missing and a stand-in for IPython that records
the magics instead of running them. tests/test_colab_bootstrap.py runs it for real, on a
simulated Colab (`make test-colab`).
"""

import importlib.util
import json
import sys
from types import SimpleNamespace

import pytest
from _notebooks import NOTEBOOKS, ROOT, repository_url
from IPython.core.inputtransformer2 import TransformerManager


def bootstrap_source():
    """The first code cell of notebook 00 (tests/test_notebook_hygiene.py: the same in all)."""
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    return "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])


class RecordingIPython:
    """Stands in for get_ipython(): records line magics (%pip) instead of running them."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, _stack_depth=1):
        self.magics.append((name, line))


def run_bootstrap(monkeypatch, capsys, *, helpers=False, colab=False):
    """Run the cell; return (the magics it called, its variables, what it printed)."""
    real_find_spec = importlib.util.find_spec

    def find_spec(name, package=None):
        if name == "helpers" and not helpers:
            return None
        if name in ("google", "google.colab"):
            return SimpleNamespace(name=name) if colab else None
        return real_find_spec(name, package)

    ipython, namespace = RecordingIPython(), {}
    namespace["get_ipython"] = lambda: ipython
    code = TransformerManager().transform_cell(bootstrap_source())
    with monkeypatch.context() as patch:
        patch.setattr(importlib.util, "find_spec", find_spec)
        exec(code, namespace)
    return ipython.magics, namespace, capsys.readouterr().out


@pytest.fixture
def elsewhere(monkeypatch, tmp_path):
    """A kernel that is neither Colab nor a test run, in a folder outside the course."""
    monkeypatch.delenv("BEYOND_RELU_SOURCE", raising=False)
    monkeypatch.chdir(tmp_path)


def test_elsewhere_it_installs_nothing_and_prints_the_command(elsewhere, monkeypatch, capsys):
    magics, _, printed = run_bootstrap(monkeypatch, capsys)
    assert magics == [], f"expected no %pip outside Colab, got {magics}"
    command = f'%pip install "git+{repository_url()}"'
    assert command in printed, f"expected the command {command} in the message, got:\n{printed}"
    assert sys.executable in printed, f"expected the kernel's Python named, got:\n{printed}"


def test_in_the_courses_notebooks_folder_the_command_installs_this_copy(elsewhere, monkeypatch,
                                                                        capsys):
    monkeypatch.chdir(ROOT / "notebooks")  # where JupyterLab starts a notebook's kernel
    magics, _, printed = run_bootstrap(monkeypatch, capsys)
    assert magics == [], f"expected no %pip outside Colab, got {magics}"
    assert "%pip install -e .." in printed, (
        f"expected the command %pip install -e .. in the message, got:\n{printed}")


def test_on_colab_it_installs_the_course_from_the_repository(elsewhere, monkeypatch, capsys):
    magics, namespace, printed = run_bootstrap(monkeypatch, capsys, colab=True)
    assert magics == [("pip", 'install --quiet "{source}"')], f"got {magics}"
    assert namespace["source"] == f"git+{repository_url()}"
    assert printed == "", f"expected nothing printed on Colab, got:\n{printed}"


def test_beyond_relu_source_installs_from_there_anywhere(elsewhere, monkeypatch, capsys,
                                                         tmp_path):
    monkeypatch.setenv("BEYOND_RELU_SOURCE", str(tmp_path))
    magics, namespace, printed = run_bootstrap(monkeypatch, capsys)
    assert magics == [("pip", 'install --quiet "{source}"')], f"got {magics}"
    assert namespace["source"] == str(tmp_path)
    assert printed == ""


@pytest.mark.parametrize("colab", [False, True], ids=["elsewhere", "colab"])
def test_with_helpers_importable_it_does_nothing(elsewhere, monkeypatch, capsys, colab):
    magics, _, printed = run_bootstrap(monkeypatch, capsys, helpers=True, colab=colab)
    assert (magics, printed) == ([], ""), f"expected nothing done, got {magics} and {printed!r}"
