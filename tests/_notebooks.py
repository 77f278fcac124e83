"""What the hygiene and link tests need to know about the repository."""

import sys
from pathlib import Path
from urllib.parse import quote

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def pyproject():
    """The parsed pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def repository_url():
    """The one place the public address lives: pyproject's [project.urls] Repository."""
    return pyproject()["project"]["urls"]["Repository"].rstrip("/")


def badge_links(relative_path):
    """The Binder and Colab links that must point at `relative_path` (e.g. notebooks/x.ipynb)."""
    owner_repo = repository_url().removeprefix("https://github.com/")
    return {
        "binder": f"https://mybinder.org/v2/gh/{owner_repo}/main?labpath="
        + quote(relative_path, safe=""),
        "colab": f"https://colab.research.google.com/github/{owner_repo}/blob/main/{relative_path}",
    }
