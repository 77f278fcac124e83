"""Print pip constraints that pin every requirement of the course to the lowest version
pyproject.toml allows (its `>=` floor), for the runtime, lab and test sets together.

Usage: python scripts/lowest_requirements.py > lowest.txt
       PIP_CONSTRAINT=lowest.txt make test

The CI workflow's "lowest" job runs `make test` so, on the oldest Python (3.10): if a floor no
longer works, that job fails and the floor must be raised. Where two sets give one package
different floors (ipywidgets: 7.7 for Colab, 8.1 for JupyterLab 4), the higher one is pinned,
because both sets are installed together.
"""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
FLOOR = re.compile(r">=\s*([0-9][0-9a-zA-Z.]*)")


def version_key(version):
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def lowest(requirements):
    """{name: (floor, marker)} for every requirement that has a `>=` floor."""
    floors = {}
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        name = re.match(r"[A-Za-z0-9_.\-]+", spec.strip()).group(0).lower()
        match = FLOOR.search(spec)
        if match is None:
            raise ValueError(f"{requirement!r} has no '>=' floor; give it one in pyproject.toml")
        floor = match.group(1)
        if name not in floors or version_key(floor) > version_key(floors[name][0]):
            floors[name] = (floor, marker.strip())
    return floors


def main():
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    extras = project["optional-dependencies"]
    floors = lowest(project["dependencies"] + extras["lab"] + extras["test"])
    for name, (floor, marker) in sorted(floors.items()):
        print(f"{name}=={floor}" + (f"; {marker}" if marker else ""))


if __name__ == "__main__":
    main()
