"""Colab, simulated offline: each notebook's first cells in a fresh Colab-like environment.

A new virtual environment gets the packages of tests/colab_runtime.txt (Colab's versions of
what the course uses) and no `helpers`. Each notebook's bootstrap cell then runs in a kernel of
that environment, working in an empty folder as Colab does, with BEYOND_RELU_SOURCE pointing
the install at this checkout instead of GitHub and pip kept off the network (PIP_NO_INDEX;
the only files it may use are the two that Colab would download: mnist1d and the build
backend). The setup cell that follows must import `helpers` from the new install, and no
package that was there before may be up- or downgraded. Then every explorer of the course is
built and redrawn under Colab's ipywidgets 7.7.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from _notebooks import NOTEBOOKS, ROOT, pyproject

sys.path.insert(0, str(ROOT / "scripts"))
from notebook_client import NotebookClient  # noqa: E402

RUNTIME = ROOT / "tests" / "colab_runtime.txt"
WHEELHOUSE = ROOT / "build" / "colab-wheelhouse"
KERNEL = "colab-sim"


def requirement(name):
    """pyproject's requirement line for `name`."""
    return next(r for r in pyproject()["project"]["dependencies"] if r.startswith(name))


# Colab's Python is 3.12. Its pinned packages have wheels for 3.11 to 3.13 only (scipy 1.16
# needs 3.11; numpy 2.0 and matplotlib 3.10 stop at 3.13): elsewhere, skip. CI's "colab" job
# runs this file on Python 3.12.
pytestmark = pytest.mark.skipif(not (3, 11) <= sys.version_info[:2] <= (3, 13),
                                reason="Colab's package versions install on Python 3.11 to "
                                       "3.13 only (Colab runs 3.12)")

# pip settings of the caller's environment (CI's lowest-versions constraints, say) must not
# reach the Colab-like environment.
CALLERS_PIP = ("PIP_CONSTRAINT", "PIP_NO_INDEX", "PIP_FIND_LINKS")
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in CALLERS_PIP}


def pip(python, *args):
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                          check=True, capture_output=True, text=True, env=CLEAN_ENV)


def installed(python):
    """{distribution name: version} of everything in the environment."""
    listing = json.loads(pip(python, "list", "--format=json").stdout)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in listing}


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    root = tmp_path_factory.mktemp("colab")
    env = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    pip(python, "install", "--quiet", "-r", str(RUNTIME))
    # What Colab would download during the bootstrap: mnist1d, and the build backend that
    # pip puts in its temporary build environment (the runtime's own setuptools is untouched).
    backend = pyproject()["build-system"]["requires"]
    pip(sys.executable, "download", "--quiet", "--no-deps", "--dest", str(WHEELHOUSE),
        requirement("mnist1d"), *backend)
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(root / "jupyter"),
                    "--name", KERNEL], check=True, capture_output=True)
    workdir = root / "content"  # Colab's working folder: nothing of the course in it
    workdir.mkdir()
    return SimpleNamespace(python=python, before=installed(python), workdir=workdir,
                           jupyter=root / "jupyter" / "share" / "jupyter")


def run_cells(colab, sources, monkeypatch):
    """Execute code cells in a fresh kernel of the Colab-like environment; return outputs."""
    monkeypatch.delenv("PIP_CONSTRAINT", raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(colab.jupyter))
    monkeypatch.setenv("BEYOND_RELU_SOURCE", str(ROOT))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(WHEELHOUSE))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=300,
                            resources={"metadata": {"path": str(colab.workdir)}})
    client.execute()
    return ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells]


def changed_versions(before, after):
    """{name: (before, after)} for every package of `before` whose version changed or went."""
    return {name: (version, after.get(name)) for name, version in before.items()
            if after.get(name) != version}


def reset(colab):
    """Back to the Colab-like state: remove what a bootstrap added."""
    added = sorted(set(installed(colab.python)) - set(colab.before))
    if added:
        pip(colab.python, "uninstall", "--yes", *added)


WHERE = "import helpers, sys\nprint(helpers.__file__)\nprint(sys.executable)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_bootstrap_installs_helpers_and_nothing_colab_has(colab, path, monkeypatch):
    assert "beyond-relu-helpers" not in colab.before
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    try:
        outputs = run_cells(colab, [cells[0], cells[1], WHERE], monkeypatch)
        after = installed(colab.python)
    finally:
        reset(colab)
    helpers_file, executable = outputs[2].split()
    assert Path(executable).parent.parent == colab.python.parent.parent
    assert Path(helpers_file).is_relative_to(colab.python.parent.parent), (
        f"helpers imported from {helpers_file}, not from the Colab-like environment")
    changed = changed_versions(colab.before, after)
    assert not changed, f"{path.name}: the bootstrap changed packages Colab has: {changed}"
    assert set(after) - set(colab.before) == {"beyond-relu-helpers", "mnist1d"}


EXPLORERS = f"""import sys
sys.path.insert(0, {str(ROOT / "bench")!r})
import ipywidgets
import matplotlib.pyplot as plt
from widgets import explorers  # bench/widgets.py: every explorer, built as its notebook does

built = explorers()
for name, build in built.items():
    explorer = build()
    explorer.update()  # one redraw, as when the cell is shown
    plt.close("all")
print(ipywidgets.__version__, len(built))"""


def test_every_explorer_works_with_colabs_ipywidgets(colab, monkeypatch):
    bootstrap = [c.source for c in nbformat.read(NOTEBOOKS[0], as_version=4).cells
                 if c.cell_type == "code"][0]
    try:
        outputs = run_cells(colab, [bootstrap, EXPLORERS], monkeypatch)
    finally:
        reset(colab)
    version, count = outputs[1].split()
    assert version == colab.before["ipywidgets"] == "7.7.1"
    assert int(count) >= len(NOTEBOOKS)  # one explorer per notebook at least


def test_an_upgrade_a_downgrade_or_a_removal_is_caught():
    before = {"numpy": "2.0.2", "ipywidgets": "7.7.1", "ipykernel": "6.17.1"}
    after = {"numpy": "2.0.2", "ipywidgets": "8.1.0", "mnist1d": "0.0.2"}
    assert changed_versions(before, after) == {"ipywidgets": ("7.7.1", "8.1.0"),
                                               "ipykernel": ("6.17.1", None)}
    assert changed_versions(before, before) == {}
