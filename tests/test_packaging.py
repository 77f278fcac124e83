"""One source of truth for versions: environment.yml agrees with pyproject.toml."""

import re
import stat
import sys

from _notebooks import ROOT, pyproject

REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+)\s*(.*?)\s*(?:;\s*(.*))?$")


def parse(requirement):
    """'numpy>=1.26,<3' -> ('numpy', '>=1.26,<3', marker or None)."""
    name, spec, marker = REQUIREMENT.match(requirement.strip()).groups()
    return name.lower(), spec.replace(" ", ""), marker


def environment_entries():
    """The entries of environment.yml's dependencies: conda-forge packages, and those under its
    "- pip:" entry (packages conda-forge does not have, and pip options such as
    --extra-index-url). A flat list, so no YAML parser."""
    lines = (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines()
    start = lines.index("dependencies:")
    entries = []
    for line in lines[start + 1 :]:
        if line.strip().startswith("#") or not line.strip():
            continue
        if line.startswith("  - pip:"):
            continue  # its packages follow, one level deeper
        if not (line.startswith("  - ") or line.startswith("      - ")):
            break
        entries.append(line.strip()[2:].split("#")[0].strip())
    return entries


def conda_dependencies():
    """{name: specifier} of every package in environment.yml (pip's option lines skipped)."""
    return dict(parse(e)[:2] for e in environment_entries() if not e.startswith("--"))


def applies_to(marker, python):
    """Evaluate the only marker form we use: python_version < 'X.Y'."""
    if marker is None:
        return True
    op, version = re.fullmatch(r"python_version\s*(<|>=)\s*'([0-9.]+)'", marker.strip()).groups()
    python_t, version_t = (tuple(int(p) for p in v.split(".")) for v in (python, version))
    return python_t < version_t if op == "<" else python_t >= version_t


def test_environment_yml_matches_pyproject():
    project = pyproject()["project"]
    conda = conda_dependencies()
    python = conda.pop("python").lstrip("=")
    conda.pop("pip")
    extras = project["optional-dependencies"]
    wanted = {}
    # Binder and conda install the runtime, lab, test and torch sets; where an extra raises a
    # package's floor (ipywidgets for JupyterLab 4), environment.yml carries the extra's.
    for req in project["dependencies"] + extras["lab"] + extras["test"] + extras["torch"]:
        name, spec, marker = parse(req)
        if applies_to(marker, python):
            wanted[name] = spec
    assert conda == wanted


def test_environment_yml_installs_the_cpu_build_of_torch():
    """PyPI's Linux torch is the CUDA build (several GB); Binder has no GPU and 2 GB of RAM."""
    entries = environment_entries()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in entries
    assert "torch" in conda_dependencies()


def test_python_is_pinned_and_allowed():
    conda = conda_dependencies()
    assert re.fullmatch(r"=3\.\d+", conda["python"]), "pin python to one minor version"
    minimum = pyproject()["project"]["requires-python"]
    assert minimum == ">=3.10"
    assert int(conda["python"].split(".")[1]) >= 10


def test_parse_catches_a_disagreement():
    assert parse("numpy>=1.26,<3") != parse("numpy>=1.25,<3")
    assert parse("tomli>=2; python_version < '3.11'")[2] == "python_version < '3.11'"
    assert applies_to("python_version < '3.11'", "3.10")
    assert not applies_to("python_version < '3.11'", "3.11")


def test_postbuild_is_executable_and_installs_helpers_without_deps():
    postbuild = ROOT / "postBuild"
    assert postbuild.stat().st_mode & stat.S_IXUSR
    text = postbuild.read_text(encoding="utf-8")
    assert "set -e" in text
    assert "pip install --no-deps -e ." in text


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme and "make lab" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def lowest_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "lowest_requirements", ROOT / "scripts" / "lowest_requirements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lowest_requirements_pin_every_floor_of_runtime_lab_and_test():
    """The CI's "lowest" job installs these pins; each is a floor that pyproject allows."""
    lowest = lowest_module()
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + extras["lab"] + extras["test"]
    floors = lowest.lowest(requirements)
    assert set(floors) == {parse(r)[0] for r in requirements}
    for requirement in requirements:
        name, spec, _ = parse(requirement)
        assert f">={floors[name][0]}" in spec or name == "ipywidgets"
    # two floors for one package: the higher one, since the sets are installed together
    assert floors["ipywidgets"][0] == "8.1.6"
    assert floors["tomli"] == ("2", "python_version < '3.11'")


def test_lowest_requirements_refuse_a_requirement_without_a_floor():
    import pytest

    with pytest.raises(ValueError, match="no '>=' floor"):
        lowest_module().lowest(["numpy<3"])


def test_the_wheel_carries_every_stored_study(tmp_path):
    """An installed course (Colab installs it from git) reads the studies from the package."""
    import subprocess
    import zipfile

    from helpers import studies

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)], check=True)
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in studies.STUDIES:
        assert {f"helpers/stored_results/{name}.csv",
                f"helpers/stored_results/{name}.json"} <= names
