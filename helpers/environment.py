"""A quick check that the course's packages are importable, with a fix when one is not."""

import importlib

# import name -> package name to install
REQUIRED = {
    "numpy": "numpy",
    "scipy": "scipy",
    "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets",
    "sklearn": "scikit-learn",
}


def check_environment():
    """Import every package the notebooks need; return the sorted list of their names.

    Raises
    ------
    RuntimeError
        If a package is missing, naming the fix.

    Examples
    --------
    >>> "numpy" in check_environment()
    True
    """
    missing = []
    for module, package in REQUIRED.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise RuntimeError(
            f"Missing packages: {', '.join(missing)}. From the repository's top folder run "
            "`make lab` (it installs everything into .venv), or `pip install -e .`."
        )
    return sorted(REQUIRED.values())
