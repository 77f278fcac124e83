"""Colab, simulated offline: each notebook's first cells in a fresh Colab-like environment.

A new virtual environment gets the packages of tests/colab_runtime.txt (Colab's versions of
what the course uses) and no `helpers`. Each notebook's bootstrap cell then runs in a kernel of
that environment, working in an empty folder as Colab does, with BEYOND_RELU_SOURCE pointing
the install at this checkout instead of GitHub and pip kept off the network (PIP_NO_INDEX;
the only files it may use are the two that Colab would download: mnist1d and the build
backend). The setup cell that follows must import `helpers` from the new install, and no
package that was there before may be up- or downgraded. Then every explorer of the course is
built and redrawn under Colab's ipywidgets 7.7.

Opt-in (marker `colab`): it takes minutes and needs the package index, so `make test` skips it
and `make test-colab` runs it (CI's colab job and `.ci/run` do). When a command fails, the
failure shows that command's own output: pip's error text, or what the notebook's cells printed.
"""

import json
import os
import re
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


# Colab's Python is 3.12. Its pinned packages have wheels for 3.11 and 3.12 only (scipy 1.16
# needs 3.11; numpy 2.0.2 has no wheel for 3.13), and they are installed from wheels only
# (never built from source): elsewhere, skip. CI's "colab" job runs this file on Python 3.12.
needs_colab_python = pytest.mark.skipif(
    not (3, 11) <= sys.version_info[:2] <= (3, 12),
    reason=f"Colab's package versions have wheels for Python 3.11 and 3.12 only (Colab runs "
           f"3.12); this is {sys.version.split()[0]}")

# pip settings of the caller's environment (CI's lowest-versions constraints, say) must not
# reach the Colab-like environment.
CALLERS_PIP = ("PIP_CONSTRAINT", "PIP_NO_INDEX", "PIP_FIND_LINKS")
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in CALLERS_PIP}


def run(*cmd, env=None):
    """Run a command; if it fails, the failure shows the command's own output."""
    result = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    assert result.returncode == 0, (
        f"expected exit status 0 from `{' '.join(map(str, cmd))}`, got {result.returncode}; "
        f"its output:\n{result.stdout}{result.stderr}")
    return result


def pip(python, *args):
    return run(python, "-m", "pip", "--disable-pip-version-check", *args, env=CLEAN_ENV)


def installed(python):
    """{distribution name: version} of everything in the environment."""
    listing = json.loads(pip(python, "list", "--format=json").stdout)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in listing}


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    root = tmp_path_factory.mktemp("colab")
    env = root / "venv"
    run(sys.executable, "-m", "venv", env)
    python = env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    pip(python, "install", "--quiet", "--only-binary=:all:", "-r", RUNTIME)
    # What Colab would download during the bootstrap: mnist1d, and the build backend that
    # pip puts in its temporary build environment (the runtime's own setuptools is untouched).
    backend = pyproject()["build-system"]["requires"]
    pip(sys.executable, "download", "--quiet", "--no-deps", "--dest", str(WHEELHOUSE),
        requirement("mnist1d"), *backend)
    run(python, "-m", "ipykernel", "install", "--prefix", root / "jupyter", "--name", KERNEL)
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
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=300, allow_errors=True,
                            resources={"metadata": {"path": str(colab.workdir)}})
    client.execute()
    printed = ["".join(o.get("text", "") for o in c.outputs) for c in nb.cells]
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, (
        f"expected every cell to run in the Colab-like kernel, got {errors[0].ename}: "
        f"{errors[0].evalue}; what the cells printed (pip's messages too):\n" + "\n".join(printed))
    return printed


def changed_versions(before, after):
    """{name: (before, after)} for every package of `before` whose version changed or went."""
    return {name: (version, after.get(name)) for name, version in before.items()
            if after.get(name) != version}


def reset(colab):
    """Back to the Colab-like state: remove what a bootstrap added."""
    added = sorted(set(installed(colab.python)) - set(colab.before))
    if added:
        pip(colab.python, "uninstall", "--yes", *added)


WHERE = ("import helpers, sys\nfrom helpers import results, studies\nprint(helpers.__file__)\n"
         "print(sys.executable)\n"
         "print(all(results.is_current(s) for s in studies.STUDIES.values()))")


@pytest.mark.colab
@needs_colab_python
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_bootstrap_installs_helpers_and_nothing_colab_has(colab, path, monkeypatch):
    assert "beyond-relu-helpers" not in colab.before
    cells = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    try:
        outputs = run_cells(colab, [cells[0], cells[1], WHERE], monkeypatch)
        after = installed(colab.python)
    finally:
        reset(colab)
    helpers_file, executable, studies_found = outputs[2].split()
    assert studies_found == "True", "the installed package does not find its stored studies"
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


@pytest.mark.colab
@needs_colab_python
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


def test_a_failing_pip_shows_its_own_error_text(tmp_path):
    with pytest.raises(AssertionError) as failure:
        pip(sys.executable, "download", "--no-index", "--find-links", tmp_path, "--dest",
            tmp_path, "no-such-package-for-this-test")
    assert "got 1" in str(failure.value)
    assert "No matching distribution found for no-such-package-for-this-test" in str(
        failure.value)


def test_the_simulation_is_opt_in_and_make_test_colab_runs_it():
    heavy = [test_bootstrap_installs_helpers_and_nothing_colab_has,
             test_every_explorer_works_with_colabs_ipywidgets]
    for test in heavy:
        assert "colab" in [m.name for m in test.pytestmark], f"{test.__name__} is not opt-in"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test-colab:.*\n\t.*pytest tests/test_colab_bootstrap\.py .*--colab",
                     makefile, re.MULTILINE), "make test-colab must run this file with --colab"
