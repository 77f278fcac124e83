"""Sphinx configuration of the course's website: `make site` renders README.md (the front
page) and every notebook from its stored outputs, without executing anything.

    sphinx-build -c site . build/site      (what `make site` runs, with -W: no warnings)

Source folder: the repository's top, so that the README's links to notebooks/… and the
notebooks' links to each other are the same on GitHub and on the site. Only README.md,
notebooks/*.ipynb and notebooks/formulas.md (the page of formulas and notation) are read.
tests/browser/test_site.py opens every page in Chromium.
"""

import json
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
with open(ROOT / "pyproject.toml", "rb") as f:
    _project = tomllib.load(f)["project"]
REPOSITORY = _project["urls"]["Repository"].rstrip("/")

project = "Beyond ReLU"
author = "the Beyond ReLU authors"
copyright = "the Beyond ReLU authors; text CC BY 4.0, code MIT"
release = _project["version"]

extensions = ["myst_nb", "sphinx-mathjax-offline"]  # MathJax 3 served from the site itself
root_doc = "README"
include_patterns = ["README.md", "notebooks/*.ipynb", "notebooks/formulas.md"]
exclude_patterns = ["build", ".venv", ".ipynb_checkpoints"]

nb_execution_mode = "off"  # the stored outputs are the tested ones
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3  # links such as 00-start-here.ipynb#Glossary
# Anchors as JupyterLab makes them (spaces to '-', case kept), so that the notebooks' own
# links such as 00-start-here.ipynb#Glossary work on the site too. By import path: Sphinx
# pickles its configuration, which a function defined here would break.
sys.path.insert(0, str(Path(__file__).resolve().parent))
myst_heading_slug_func = "slugs.jupyterlab_slug"
suppress_warnings = ["myst.header"]  # notebooks open with one title and then ## sections

html_theme = "sphinx_book_theme"
html_title = "Beyond ReLU"
html_theme_options = {
    "repository_url": REPOSITORY,
    "repository_branch": "main",
    "path_to_docs": "",
    "use_repository_button": True,
    "use_download_button": True,
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
}
html_show_sourcelink = False

# `make linkcheck` (weekly on GitHub: .github/workflows/links.yml) fetches every external link
# of the README and the notebooks; a link is reported broken after a second failed try.
linkcheck_retries = 2
# Light pages: the figures are drawn on white. (Without a mode the theme logs a console error.)
html_context = {"default_mode": "light"}

WIDGET_NOTE = ("An interactive figure: its sliders need a running kernel. Launch this notebook "
               "on Binder or Colab (the rocket button at the top of the page), or run it in "
               "JupyterLab.")


def _prepare(app, docname, source):
    """README: add the (hidden) table of contents the side bar shows. Notebooks: a stored
    widget shows only its text form ("interactive(children=…)"); say what it is instead."""
    if docname == "README":
        source[0] += "\n\n```{toctree}\n:hidden:\n:glob:\n\nnotebooks/*\n```\n"
        return
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):  # formulas.md: nothing to do
        return
    nb = json.loads(source[0])
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/plain", ""))
            if text.startswith("interactive(children="):
                output["data"] = {"text/markdown": f"*{WIDGET_NOTE}*"}
    source[0] = json.dumps(nb)


def _front_door(app, exception):
    """GitHub Pages opens index.html: send it to the README page."""
    if exception is None and app.builder.format == "html":
        (Path(app.outdir) / "index.html").write_text(
            '<!DOCTYPE html><meta charset="utf-8"><title>Beyond ReLU</title>'
            '<meta http-equiv="refresh" content="0; url=README.html">'
            '<link rel="canonical" href="README.html">'
            '<a href="README.html">Beyond ReLU</a>\n', encoding="utf-8")


def setup(app):
    app.connect("source-read", _prepare)
    app.connect("build-finished", _front_door)
