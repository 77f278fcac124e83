"""Every Binder/Colab badge is built from pyproject's repository address and hits a real file."""

import json
import re
from urllib.parse import unquote

import pytest
from _notebooks import NOTEBOOKS, ROOT, badge_links, repository_url

LINK = re.compile(r"\((https://(?:mybinder\.org/v2/|colab\.research\.google\.com/github/)[^)\s]*)\)")


def texts():
    """(name, text) for the README and every notebook's markdown and code."""
    yield "README.md", (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        nb = json.loads(path.read_text(encoding="utf-8"))
        yield path.name, "\n".join("".join(c["source"]) for c in nb["cells"])


def target(link):
    """The repository-relative file a Binder or Colab link opens."""
    if "mybinder.org" in link:
        return unquote(link.split("labpath=", 1)[1])
    return link.split("/blob/main/", 1)[1]


@pytest.mark.parametrize("name,text", list(texts()), ids=[name for name, _ in texts()])
def test_every_badge_is_built_from_the_repository_address(name, text):
    links = LINK.findall(text)
    assert links, f"{name}: no Binder/Colab links at all"
    for link in links:
        path = target(link)
        assert (ROOT / path).is_file(), f"{name}: {link} points at {path}, which does not exist"
        assert link in badge_links(path).values(), (
            f"{name}: {link} is not built from {repository_url()}"
        )


def test_readme_links_every_notebook_on_binder_and_colab():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        for kind, link in badge_links(f"notebooks/{path.name}").items():
            assert link in readme, f"README.md: no {kind} link for {path.name}"


def test_readme_website_address_is_built_from_the_repository_address():
    owner, name = repository_url().removeprefix("https://github.com/").split("/")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pages = re.findall(r"https://[\w-]+\.github\.io/[^\s<>()]*", readme)
    assert pages == [f"https://{owner}.github.io/{name}/"], (
        f"expected the website at https://{owner}.github.io/{name}/ (GitHub Pages of "
        f"{repository_url()}), got {pages}")


def test_colab_install_cell_uses_the_repository_address():
    for path in NOTEBOOKS:
        text = dict(texts())[path.name]
        installs = re.findall(r"\"git\+(\S+?)\"", text)
        assert installs == [repository_url()], f"{path.name}: Colab install cell {installs}"


RELATIVE_NOTEBOOK_LINK = re.compile(r"\]\(([^)\s:]+\.ipynb)\)")


@pytest.mark.parametrize("name,text", list(texts()), ids=[name for name, _ in texts()])
def test_relative_links_to_notebooks_exist(name, text):
    base = ROOT if name == "README.md" else ROOT / "notebooks"
    for link in RELATIVE_NOTEBOOK_LINK.findall(text):
        assert (base / link).is_file(), f"{name}: link to {link}, which does not exist (yet)"


def test_a_foreign_link_is_caught():
    link = "https://mybinder.org/v2/gh/someone-else/fork/main?labpath=notebooks%2F00-start-here.ipynb"
    assert link not in badge_links(target(link)).values()


# an anchor may hold balanced parentheses, as "Deep dive (optional): ..." headings give
ANCHORED_LINK = re.compile(r"\]\(([^()\s:#]*\.ipynb)?#((?:[^()\s]|\([^()\s]*\))+)\)")


def headings(path):
    """The anchors JupyterLab (and the site, site/slugs.py) gives a notebook's headings."""
    import sys
    sys.path.insert(0, str(ROOT / "site"))
    from slugs import jupyterlab_slug
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {jupyterlab_slug(line.lstrip("#"))
            for c in nb["cells"] if c["cell_type"] == "markdown"
            for line in "".join(c["source"]).splitlines() if re.match(r"#{1,6} ", line)}


@pytest.mark.parametrize("name,text", list(texts())[1:], ids=[name for name, _ in texts()][1:])
def test_every_anchor_link_between_notebooks_reaches_a_heading(name, text):
    for file, anchor in ANCHORED_LINK.findall(text):
        path = ROOT / "notebooks" / (file or name)
        assert path.is_file(), f"{name}: link to {file}, which does not exist"
        assert unquote(anchor) in headings(path), (
            f"{name}: link to {file or name}#{anchor}, a heading {path.name} does not have")
