"""helpers.environment: the notebook's environment check."""

import importlib

import pytest

from helpers import environment


def test_all_present():
    assert environment.check_environment() == sorted(environment.REQUIRED.values())


def test_missing_package_names_the_fix(monkeypatch):
    real = importlib.import_module

    def fake(name, *args):
        if name == "sklearn":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(environment.importlib, "import_module", fake)
    with pytest.raises(RuntimeError, match="Missing packages: scikit-learn.*make lab"):
        environment.check_environment()
