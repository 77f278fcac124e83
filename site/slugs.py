"""Heading anchors for the website (site/conf.py)."""


def jupyterlab_slug(heading):
    """The anchor JupyterLab gives a heading: its words joined by '-', case kept.

    >>> jupyterlab_slug("The moment map and its fixed point")
    'The-moment-map-and-its-fixed-point'
    """
    return "-".join(heading.split())
