"""The layout of helpers/ described in its __init__: imports go downwards only."""

import ast

import pytest
from _notebooks import ROOT

CORE = {"activations", "init", "selu_theory", "layers", "losses", "optim", "training", "models",
        "data", "scalers", "gradcheck"}
PRIVATE = {"_validation"}
SHARED = {"experiments", "parallel", "protocol", "results", "studies", "propagation",
          "diagnostics", "plotting", "widgets", "checking"}
MODULES = sorted(p.stem for p in (ROOT / "helpers").glob("*.py") if p.stem != "__init__")


def helper_imports(module):
    """The helpers modules that `module` imports (relative or absolute)."""
    tree = ast.parse((ROOT / "helpers" / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                found.add(node.module.split(".")[0])
            elif node.level == 1:
                found.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("helpers."):
                found.add(node.module.split(".")[1])
    return found


def test_every_module_has_a_kind():
    notebook_modules = {m for m in MODULES if m.startswith("nb")}
    assert set(MODULES) == CORE | PRIVATE | SHARED | notebook_modules


@pytest.mark.parametrize("module", MODULES)
def test_imports_go_downwards(module):
    imported = helper_imports(module)
    if module in CORE | PRIVATE:
        assert imported <= CORE | PRIVATE, f"{module} (core) imports {imported - CORE - PRIVATE}"
    elif module in SHARED:
        assert imported <= CORE | PRIVATE | SHARED, (
            f"{module} (shared) imports {imported - CORE - PRIVATE - SHARED}")
    else:
        assert not {m for m in imported if m.startswith("nb")}, (
            f"{module} imports another notebook's module")


def test_the_activation_list_is_declared_once():
    """Only activations.py names the activations as a collection; the rest read ACTIVATIONS.
    (The named layer classes of layers.py, ``name = "relu"`` etc., are shorthands for entries
    of the table, not a second list: an activation without one, like GELU, works the same.)"""
    names = ["relu", "leaky_relu", "elu", "selu", "tanh", "sigmoid"]
    declaring = []
    for module in MODULES:
        lines = (ROOT / "helpers" / f"{module}.py").read_text(encoding="utf-8").splitlines()
        text = "\n".join(line for line in lines  # doctest examples call activations by name
                         if not line.strip().startswith(("name = ", ">>> ")))
        if sum(f'"{name}"' in text for name in names) >= 4:
            declaring.append(module)
    # nb07 maps every entry of the table to its torch.nn module (TORCH_ACTIVATIONS): a mirror,
    # not a second list; tests/test_nb07.py checks that its keys are exactly the table's.
    # studies names the activations a study compares (its design picks them from the table),
    # and nb00 the settings its figures compare (activation, initialisation, gain).
    assert set(declaring) <= {"activations", "nb00", "nb07", "studies"} \
        and "activations" in declaring, \
        declaring
