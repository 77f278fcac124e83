"""Notebook 07's helpers: the PyTorch twins and side-by-side checks (with PyTorch installed),
and the numpy parts that run without it (simulation, figure, explorer, PyTorch's absence)."""

import importlib.util
import json
import sys

import numpy as np
import pytest
from _notebooks import ROOT
from verdicts import hint_levels

from helpers import checking, models, nb07, optim, results, studies
from helpers import layers as L
from helpers.activations import ACTIVATIONS

HAVE_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed (make torch)")


# --- without PyTorch ------------------------------------------------------------------------

def test_every_activation_of_the_table_has_a_torch_twin():
    assert set(nb07.TORCH_ACTIVATIONS) == set(ACTIVATIONS)


def test_require_torch_explains_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(nb07.TorchMissing) as caught:
        nb07.require_torch()
    assert isinstance(caught.value, ImportError)
    message = str(caught.value)
    assert "make torch" in message and 'pip install -e ".[torch]"' in message
    assert "download.pytorch.org/whl/cpu" in message and "Colab" in message
    lines = caught.value._render_traceback_()  # what IPython shows instead of a traceback
    assert lines[0].startswith("PyTorch is missing") and "Traceback" not in "".join(lines)


def test_the_notebook_stops_politely_without_torch(tmp_path):
    """Notebook 07's setup and PyTorch cells, run in a kernel where `import torch` fails: the
    setup cell runs, the next stops with the install message and no traceback."""
    nbformat = pytest.importorskip("nbformat")
    sys.path.insert(0, str(ROOT / "scripts"))
    from notebook_client import NotebookClient

    cells = json.loads((ROOT / "notebooks" / "07-pytorch.ipynb").read_text())["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert "nb07.require_torch()" in code[2] and "import torch" not in code[1]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\nsys.modules['torch'] = None")] + [nbformat.v4.new_code_cell(c)
                                                         for c in code[1:3]])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert not any(o["output_type"] == "error" for o in nb.cells[1].outputs)
    [error] = [o for o in nb.cells[2].outputs if o["output_type"] == "error"]
    shown = "\n".join(error["traceback"])
    assert error["ename"] == "TorchMissing" and "make torch" in shown
    assert "Traceback" not in shown and "File " not in shown


def test_torch_like_weights_have_pytorchs_variances():
    rng = np.random.default_rng(0)
    n = 400
    expected = {"nn.Linear default": 1 / (3 * n), "gain('selu') = 3/4": 0.5625 / n,
                "LeCun (gain 1)": 1 / n}
    for init, var in expected.items():
        W, b = nb07.torch_like_weights(init, n, 300, rng=rng)
        assert W.shape == (n, 300) and b.shape == (300,)
        assert abs(W.var() / var - 1) < 0.02, init
        assert (b.var() > 0) == (init == "nn.Linear default")
    W, _ = nb07.torch_like_weights("nn.Linear default", n, 300, rng=rng)
    assert np.abs(W).max() <= 1 / np.sqrt(n)  # uniform on +-1/sqrt(n)


def test_selu_depth_stats_reproduce_the_traps():
    last = {(init, drop): nb07.selu_depth_stats(init, drop, 0.1, depth=32, seed=0)[1][-1]
            for init in nb07.TORCH_INITS for drop in nb07.DROPOUTS}
    assert abs(last[("LeCun (gain 1)", "none")] - 1) < 0.15
    assert abs(last[("LeCun (gain 1)", "F.alpha_dropout")] - 1) < 0.15
    assert last[("LeCun (gain 1)", "F.dropout")] > 1.3
    assert last[("gain('selu') = 3/4", "none")] < 0.1
    assert last[("nn.Linear default", "none")] < 0.05
    mean, var = nb07.selu_depth_stats(depth=5, seed=1)
    assert mean.shape == var.shape == (5,)
    again = nb07.selu_depth_stats(depth=5, seed=1)
    assert np.array_equal(again[1], var)  # seeded


@pytest.mark.parametrize("bad, match", [(dict(init="he"), "init"), (dict(dropout="x"), "dropout"),
                                        (dict(rate=1.0), "rate"), (dict(rate=-0.1), "rate")])
def test_selu_depth_stats_rejects_bad_input(bad, match):
    with pytest.raises((TypeError, ValueError), match=match):
        nb07.selu_depth_stats(**bad)


def test_theory_variances_follow_the_moment_map():
    assert np.allclose(nb07.theory_variances(1.0, 20), 1.0, atol=1e-9)  # the fixed point
    decaying = nb07.theory_variances(0.75, 32)
    assert np.all(np.diff(decaying) < 0) and decaying[-1] < 0.05
    tiny = nb07.theory_variances(0.3, 40)  # falls below the map's accurate range: NaN from there
    assert np.isnan(tiny[-1]) and not np.isnan(tiny[0])
    assert np.all(np.isnan(tiny[np.argmax(np.isnan(tiny)):]))


def test_selu_depth_figure_and_explorer():
    fig = nb07.selu_depth_figure(0.2, "gain('selu') = 3/4", "F.dropout", depth=8, seeds=(0, 1))
    axes = fig.axes
    assert len(axes) == 2 and axes[1].get_yscale() == "log"
    labels = [line.get_label() for line in axes[1].get_lines()]
    assert "gain('selu') = 3/4, F.dropout p=0.2" in labels and "LeCun, no dropout" in labels
    explorer = nb07.selu_depth_explorer()
    first = explorer.children[0]
    assert first.description == "dropout p" and first.value < first.max  # can move right
    explorer.update()


def _stored_text(notebook, cell_id):
    cells = json.loads((ROOT / "notebooks" / notebook).read_text())["cells"]
    [cell] = [c for c in cells if c.get("id") == cell_id]
    return "".join("".join(o.get("text", "")) for o in cell["outputs"])


def test_capstone_best_is_the_studys_most_accurate_network_without_normalization():
    """CAPSTONE_BEST is the configuration of notebook 06's stored study with the best mean
    validation accuracy among those without normalization (torch_mlp has none), with the
    learning rate the protocol chose for it."""
    study = studies.CAPSTONE
    judged = results.judge(study, results.load(study))
    plain = [c for c, kwargs in study.configs.items() if "norm" not in kwargs]
    best = max(plain, key=lambda c: judged[c].val.mean())
    config = {**study.common, **study.configs[best]}
    chosen = nb07.CAPSTONE_BEST
    assert chosen["activation"] == config["activation"]
    assert tuple(chosen["hidden"]) == tuple(config["hidden"])
    assert chosen["residual"] == config.get("residual", False)
    assert chosen["init"] == config["init"] and chosen["batch_size"] == config["batch_size"]
    assert chosen["lr"] == pytest.approx(judged[best].lr, rel=1e-9)


# --- with PyTorch ---------------------------------------------------------------------------

def _layers():
    rng = np.random.default_rng(0)
    found = {name: L.PReLU(5) if name == "prelu" else L.elementwise(name)
             for name in nb07.TORCH_ACTIVATIONS}
    found |= {"leaky 0.2": L.LeakyReLU(negative_slope=0.2), "elu 0.5": L.ELU(alpha=0.5),
              "shared prelu": L.PReLU(1), "linear": L.Linear(5, 5, rng=rng),
              "bn": L.BatchNorm1d(5, momentum=0.3), "bn eval": L.BatchNorm1d(5).eval(),
              "ln": L.LayerNorm(5), "rms": L.RMSNorm(5),
              "residual": L.Residual(L.Sequential(L.Linear(5, 5, rng=rng), L.SELU())),
              "model": models.mlp(5, [5, 5], 5, rng=rng, activation="prelu", norm="batch",
                                  residual=True)}
    return found


@needs_torch
@pytest.mark.parametrize("name", sorted(_layers()))
def test_side_by_side_agrees_for_every_layer(name):
    rng = np.random.default_rng(1)
    layer = _layers()[name]
    x, dout = 2 * rng.standard_normal((16, 5)) + 1, rng.standard_normal((16, 5))
    diff = nb07.side_by_side(layer, x, dout)
    assert all(v < 1e-12 for v in diff.values() if v is not None), diff
    assert (diff["parameter gradients"] is None) == (not layer.params)
    assert ("running statistics" in diff) == (name in ("bn", "model"))


@needs_torch
def test_side_by_side_can_find_a_difference(monkeypatch):
    """A wrong twin is caught: SiLU compared with PyTorch's GELU differs by more than 0.05."""
    monkeypatch.setitem(nb07.TORCH_ACTIVATIONS, "silu", "GELU")
    rng = np.random.default_rng(0)
    diff = nb07.side_by_side(L.elementwise("silu"), 2 * rng.standard_normal((8, 3)),
                             rng.standard_normal((8, 3)))
    assert diff["forward"] > 0.05 and diff["input gradient"] > 0.05


@needs_torch
def test_to_torch_copies_parameters_statistics_and_mode():
    import torch

    bn = L.BatchNorm1d(3)
    bn.running_mean[:] = [1.0, 2.0, 3.0]
    bn.params["gamma"][:] = [0.5, 1.5, 2.0]
    twin = nb07.to_torch(bn.eval())
    assert not twin.training and twin.weight.dtype == torch.float64
    assert twin.running_mean.tolist() == [1.0, 2.0, 3.0] and twin.weight.tolist() == [0.5, 1.5, 2]
    linear = L.Linear(4, 2, rng=np.random.default_rng(0))
    twin = nb07.to_torch(linear)
    assert np.array_equal(twin.weight.detach().numpy(), linear.params["W"].T)
    assert nb07.to_torch(L.RMSNorm(4)).eps == 1e-5  # not PyTorch's default
    with pytest.raises(TypeError, match="layer"):
        nb07.to_torch("not a layer")


@needs_torch
def test_loss_side_by_side():
    rng = np.random.default_rng(0)
    diff = nb07.loss_side_by_side(3 * rng.standard_normal((20, 4)), rng.integers(0, 4, 20))
    assert diff["loss"] < 1e-12 and diff["logit gradient"] < 1e-12


@needs_torch
def test_optimizer_side_by_side_agrees_and_disagrees():
    import torch

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)

    def net():
        return models.mlp(4, [5], 3, rng=np.random.default_rng(2), activation="prelu",
                          norm="layer")

    m = net()
    same = nb07.optimizer_side_by_side(m, lambda t: torch.optim.Adam(t.parameters(), lr=0.01),
                                       optim.Adam(m, lr=0.01), X, y, steps=5)
    assert len(same["per step"]) == 5 and max(same["per step"]) < 1e-12
    assert set(same["by parameter"]) == set(m.params)
    m = net()
    other = nb07.optimizer_side_by_side(m, lambda t: torch.optim.Adam(t.parameters(), lr=0.02),
                                        optim.Adam(m, lr=0.01), X, y, steps=5)
    assert max(other["per step"]) > 1e-3
    m = net()  # parameter groups as a function of the module = the course's default no_decay
    groups = nb07.optimizer_side_by_side(
        m, lambda module: torch.optim.SGD(
            [{"params": [p for p in module.parameters() if p.ndim >= 2], "weight_decay": 0.1},
             {"params": [p for p in module.parameters() if p.ndim < 2]}], lr=0.1),
        optim.SGD(m, lr=0.1, weight_decay=0.1), X, y, steps=5)
    assert max(groups["per step"]) < 1e-12


@needs_torch
def test_torch_mlp_is_the_course_architecture():
    import torch

    model = nb07.torch_mlp(40, [48] * 16, 10, seed=0)
    residuals = [m for m in model if type(m).__name__ == "Residual"]
    assert len(residuals) == 15 and isinstance(model[-1], torch.nn.Linear)
    first = model[0].weight.detach().numpy()
    assert abs(first.std() * np.sqrt(40 / 2) - 1) < 0.1  # He: std sqrt(2 / fan_in)
    branch = residuals[0].block[0].weight.detach().numpy()
    assert abs(branch.std() * np.sqrt(48 / 2) * np.sqrt(15) - 1) < 0.1  # scaled by 1/sqrt(15)
    assert model(torch.zeros(3, 40)).shape == (3, 10)
    same = nb07.torch_mlp(40, [48] * 16, 10, seed=0)
    assert torch.equal(same[0].weight, model[0].weight)  # seeded
    with pytest.raises(ValueError, match="activation"):
        nb07.torch_mlp(4, [4], 2, seed=0, activation="swish")
    matched = nb07.torch_mlp(400, [300, 300], 10, seed=0, init="matched")  # SiLU's own gain
    gain = nb07.matched_gain("silu")
    assert abs(matched[0].weight.detach().numpy().std() * np.sqrt(400) / gain - 1) < 0.02
    with pytest.raises(ValueError, match="init"):
        nb07.torch_mlp(4, [4], 2, seed=0, init="lecun")


@needs_torch
def test_train_torch_learns_a_separable_task():
    import torch

    from helpers.data import Split

    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    y = (X[:, 0] > 0).astype(int)
    split = Split(X[:200], y[:200], X[200:250], y[200:250], X[250:], y[250:], ("a", "b", "c", "d"),
                  ("no", "yes"))
    model = nb07.torch_mlp(4, [8, 8], 2, seed=0)
    acc, seconds, val = nb07.train_torch(model, torch.optim.Adam(model.parameters(), lr=0.02),
                                         split, seed=0, epochs=5, batch_size=32)
    assert acc > 0.9 and seconds > 0 and len(val) == 5 and not model.training
    assert nb07.torch_accuracy(model, split.X_test, split.y_test) == acc


def _selu_init_answers():
    """name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class."""
    import copy

    import torch

    init = torch.nn.init

    def answer(body):
        def selu_init_(linear):
            body(linear)
            return linear
        return selu_init_

    def lecun(layer):
        init.kaiming_normal_(layer.weight, nonlinearity="linear")
        init.zeros_(layer.bias)

    def by_hand(layer):
        with torch.no_grad():
            layer.weight.normal_(0.0, layer.in_features ** -0.5)
            layer.bias.zero_()

    def hard_coded(fan_in):
        return answer(lambda layer: (init.normal_(layer.weight, std=fan_in ** -0.5),
                                     init.zeros_(layer.bias)))

    def new_layer(layer):
        fresh = torch.nn.Linear(layer.in_features, layer.out_features)
        lecun(fresh)
        return fresh

    def copied(layer):
        twin = copy.deepcopy(layer)
        lecun(twin)
        return twin

    def new_parameters(layer):
        n_out, n_in = layer.weight.shape
        layer.weight = torch.nn.Parameter(torch.randn(n_out, n_in) / n_in ** 0.5)
        layer.bias = torch.nn.Parameter(torch.zeros(n_out))
        return layer

    def data_replaced(layer):  # the same Parameter objects, new values
        n_out, n_in = layer.weight.shape
        layer.weight.data = torch.randn(n_out, n_in) / n_in ** 0.5
        layer.bias.data.zero_()
        return layer

    def with_gain(nonlinearity):
        return answer(lambda layer: (init.kaiming_normal_(layer.weight, nonlinearity=nonlinearity),
                                     init.zeros_(layer.bias)))

    return {
        "LeCun normal": (answer(lecun), True, "normal, as LeCun's"),
        "by hand, under no_grad": (answer(by_hand), True, "normal, as LeCun's"),
        "values replaced through .data": (data_replaced, True, "normal, as LeCun's"),
        "uniform with the right variance": (answer(lambda layer: (init.kaiming_uniform_(
            layer.weight, nonlinearity="linear"), init.zeros_(layer.bias))), True, "uniform"),
        # a new object instead of the given one
        "a new layer": (new_layer, False, "left the one you were given as it was"),
        "a modified copy": (copied, False, "left the one you were given as it was"),
        "new Parameters": (new_parameters, False, "new Parameter"),
        "the weight returned": (lambda layer: (lecun(layer), layer.weight)[1], False,
                                "return the layer you were given"),
        # the scale
        "unchanged": (answer(lambda layer: None), False, "unchanged"),
        "calculate_gain('selu')": (with_gain("selu"), False, "calculate_gain('selu')"),
        "He's initialisation": (with_gain("relu"), False, "He's initialisation"),
        "fan_out": (answer(lambda layer: (init.kaiming_normal_(
            layer.weight, nonlinearity="linear", mode="fan_out"), init.zeros_(layer.bias))),
                    False, "fan_out"),
        "Glorot": (answer(lambda layer: (init.xavier_normal_(layer.weight),
                                         init.zeros_(layer.bias))), False, "Glorot"),
        "nn.Linear's own, again": (answer(lambda layer: (layer.reset_parameters(),
                                                         init.zeros_(layer.bias))), False,
                                   "nn.Linear's own initialisation again"),
        "the variance as a standard deviation": (answer(lambda layer: (init.normal_(
            layer.weight, std=1 / layer.in_features), init.zeros_(layer.bias))), False,
            "used as a standard deviation"),
        "standard normal": (answer(lambda layer: (init.normal_(layer.weight),
                                                  init.zeros_(layer.bias))), False,
                            "standard normal"),
        # hard-coded sizes
        "fan_in 400 written in": (hard_coded(400), False, "does not follow the layer's size"),
        "fan_in 180 written in": (hard_coded(180), False, "does not follow the layer's size"),
        # the biases
        "biases left": (answer(lambda layer: init.kaiming_normal_(layer.weight,
                                                                 nonlinearity="linear")),
                        False, "biases are not 0"),
        "biases of 1": (answer(lambda layer: (lecun(layer), init.ones_(layer.bias))), False,
                        "biases are not 0"),
        "empty stub": (lambda layer: None, False, "returns None"),
    }


SELU_INIT_GENERIC = {"the weight returned", "empty stub"}


@needs_torch
def _assert_answer_table(check, answers, generic, *, hidden, shown):
    """Every answer of a checker's table (name -> (candidate, correct, phrase)), on fresh
    inputs three times: the verdict and the phrase that names the mistake hold every time. A
    wrong answer's hint keeps naming it at every level and does not show `hidden` at its first;
    answers in `generic` get a single-level hint, the others escalate to one that shows `shown`."""
    for name, (candidate, correct, phrase) in answers.items():
        for _ in range(3):  # fresh layers or models each time: the verdict must hold every time
            feedback = check(candidate)
            assert feedback.correct is correct and phrase in feedback.message, (name, feedback)
        if correct:
            continue
        checking._FAILED_ATTEMPTS.clear()  # a fresh count, as in a fresh kernel
        levels = hint_levels(check, candidate)
        assert all(phrase in m for m in levels) and hidden not in levels[0], (name, levels)
        assert (len(levels) == 1) is (name in generic), (name, levels)
        assert name in generic or shown in levels[-1], (name, levels)


def test_check_selu_init():
    code = "kaiming_normal_(linear.weight, nonlinearity='linear')"
    _assert_answer_table(nb07.check_selu_init, _selu_init_answers(), SELU_INIT_GENERIC,
                         hidden=code, shown=code)


def _param_groups_answers():
    """name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class."""
    import torch

    nn = torch.nn

    def ok(model, weight_decay):
        linear = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
        rest = [p for p in model.parameters() if all(p is not w for w in linear)]
        return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]

    def own_parameters(model, weight_decay):
        decayed, rest = [], []
        for module in model.modules():
            for name, p in module.named_parameters(recurse=False):
                (decayed if isinstance(module, nn.Linear) and name == "weight" else rest).append(p)
        return [{"params": decayed, "weight_decay": weight_decay},
                {"params": rest, "weight_decay": 0}]

    def by_shape(model, weight_decay):
        params = list(model.parameters())
        return [{"params": [p for p in params if p.ndim >= 2]},
                {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]

    def split_by(decay):
        return lambda model, wd: [
            {"params": [p for n, p in model.named_parameters() if decay(model, n, p)]},
            {"params": [p for n, p in model.named_parameters() if not decay(model, n, p)],
             "weight_decay": 0.0}]

    def children_only(model, weight_decay):
        linear = [c.weight for c in model.children() if isinstance(c, nn.Linear)]
        rest = [p for p in model.parameters() if all(p is not w for w in linear)]
        return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]

    def linear_biases_too(model, weight_decay):
        linear = [p for m in model.modules() if isinstance(m, nn.Linear) for p in m.parameters()]
        rest = [p for p in model.parameters() if all(p is not w for w in linear)]
        return [{"params": linear}, {"params": rest, "weight_decay": 0.0}]

    def with_value(value):
        def answer(model, weight_decay):
            groups = ok(model, weight_decay)
            groups[0]["weight_decay"] = weight_decay if value is None else value
            return groups
        return answer

    def misspelt(model, weight_decay):
        groups = ok(model, weight_decay)
        del groups[1]["weight_decay"]
        groups[1]["weightdecay"] = 0.0
        return groups

    example_names = {"0.weight", "3.weight", "5.weight"}  # the first model's, written in
    return {
        "by module": (ok, True, "Correct!"),
        "each module's own parameters": (own_parameters, True, "Correct!"),
        "the argument given explicitly": (with_value(None), True, "Correct!"),
        "by shape": (by_shape, True, "Correct!"),
        # the test on the name
        "by name": (split_by(lambda m, n, p: n.endswith("weight")), False,
                    "called 'weight' too"),
        "names written in": (split_by(lambda m, n, p: n in example_names), False,
                             "names or positions of one model"),
        "every other parameter": (lambda m, wd: (lambda ps: [{"params": ps[::2]}, {
            "params": ps[1::2], "weight_decay": 0.0}])(list(m.parameters())), False,
            "decay exactly the weight matrices"),
        # which modules
        "direct children only": (children_only, False, "direct children only"),
        "the linear biases too": (linear_biases_too, False, "biases of the linear layers"),
        "everything": (lambda m, wd: [{"params": m.parameters()}], False,
                       "every parameter gets weight decay"),
        "a plain list": (lambda m, wd: list(m.parameters()), False,
                         "every parameter gets weight decay"),
        "nothing": (lambda m, wd: [{"params": list(m.parameters()), "weight_decay": 0.0}], False,
                    "no parameter gets weight decay"),
        # the groups
        "some in no group": (lambda m, wd: [{"params": [p for p in m.parameters()
                                                        if p.ndim >= 2]}], False, "in no group"),
        "some in two groups": (lambda m, wd: [{"params": list(m.parameters())}, {
            "params": list(m.parameters()), "weight_decay": 0.0}], False, "more than one group"),
        "a value written in": (with_value(0.01), False, "a group has weight_decay 0.01"),
        "a misspelt option": (misspelt, False, "'weightdecay' is not an option"),
        "copies": (lambda m, wd: [{"params": [p.detach().clone() for p in m.parameters()]}],
                   False, "not a parameter of the model"),
        "one group, not a list": (lambda m, wd: {"params": list(m.parameters())}, False,
                                  "must be a dict with a 'params' entry"),
        "empty stub": (lambda m, wd: None, False, "returns None"),
    }


PARAM_GROUPS_GENERIC = {"a misspelt option", "copies", "one group, not a list", "empty stub"}


@needs_torch
def test_check_param_groups():
    import torch

    answers = _param_groups_answers()
    _assert_answer_table(nb07.check_param_groups, answers, PARAM_GROUPS_GENERIC,
                         hidden="isinstance(m, nn.Linear)]", shown="isinstance(m, nn.Linear)")
    code = hint_levels(nb07.check_param_groups, answers["everything"][0])[-1]
    namespace = {"nn": torch.nn}  # the last level's code solves the exercise
    exec("def solution(model, weight_decay):\n    "
         + code.split("weight_decay 0.0. ")[-1].replace("; ", "\n    "), namespace)
    assert nb07.check_param_groups(namespace["solution"]).correct


@needs_torch
def test_param_group_models_differ_in_names_and_nesting():
    import torch

    rng = np.random.default_rng(0)
    names = [tuple(n for n, _ in model.named_parameters())
             for model in nb07._param_group_models(torch, rng)]
    assert names[0] == ("0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "3.weight",
                        "3.bias", "4.weight", "4.bias", "5.weight")
    assert len(set(names)) == 3 and all(any(n.count(".") == 2 for n in ns) for ns in names[1:])


@needs_torch
def test_optimizer_side_by_side_rejects_bad_arguments():
    import torch

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 4)), rng.integers(0, 3, 16)
    m = models.mlp(4, [5], 3, rng=np.random.default_rng(2))
    adam = lambda t: torch.optim.Adam(t.parameters(), lr=0.01)  # noqa: E731
    for args, error, match in [
            ((m, "adam", optim.Adam(m, lr=0.01), X, y), TypeError,
             "torch_optimizer must be a function"),
            ((m, adam, "adam", X, y), TypeError, "optimizer must be a helpers.optim.SGD or Adam"),
            ((m, adam, optim.Adam(models.mlp(4, [5], 3, rng=rng), lr=0.01), X, y), TypeError,
             "built on another model"),
            ((m, adam, optim.Adam(m, lr=0.01), X, y[:3]), ValueError,
             r"y must have shape \(16,\)"),
            ((m, adam, optim.Adam(m, lr=0.01), X[:, :3], y), ValueError,
             r"X has 3 features \(columns\), but the model expects 4")]:
        with pytest.raises(error, match=match):
            nb07.optimizer_side_by_side(*args, steps=1)


@pytest.mark.parametrize("gain,match", [
    (1e-6, r"gain must be >= 0.00316: below, the first layer's variance"),
    (1e-300, r"gain must be >= 0.00316"),
    (1e200, r"gain = 1e\+200 makes the variance overflow float64 by layer 1 \(of depth = 3\)"),
])
def test_theory_variances_refuses_gains_outside_the_maps_range(gain, match):
    """Fuzz campaign: gain 1e-6 gave [nan, nan, nan] silently; 1e200 an OverflowError."""
    with pytest.raises(ValueError, match=match):
        nb07.theory_variances(gain, 3)
    assert np.allclose(nb07.theory_variances(1.0, 3), 1.0)


# --- deep dive: PyTorch's defaults for ReLU networks ----------------------------------------

def test_default_init_moments_follow_the_recursion():
    """E[z1²] = q0/3 + 1/(3n), then E[z²] / 6 + 1/(3n) per layer (no bias: without 1/(3n))."""
    assert np.allclose(nb07.default_init_moments(3, 4), [5 / 12, 11 / 72, 11 / 432 + 1 / 12])
    assert np.allclose(nb07.default_init_moments(3, 4, bias=False), [1 / 3, 1 / 18, 1 / 108])
    deep = nb07.default_init_moments(60, 256)
    assert np.isclose(deep[-1], 2 / (5 * 256), rtol=1e-12)  # the biases' floor, 2 / (5n)
    assert np.allclose(nb07.default_init_moments(2, 8, q0=3.0, bias=False), [1.0, 1 / 6])
    for kwargs, error, match in [({"depth": 0, "width": 4}, ValueError, "depth"),
                                 ({"depth": 2, "width": 0}, ValueError, "width"),
                                 ({"depth": 2, "width": 4, "q0": -1.0}, ValueError, "q0"),
                                 ({"depth": 2, "width": 4, "bias": 1}, TypeError, "bias")]:
        with pytest.raises(error, match=match):
            nb07.default_init_moments(**kwargs)


@needs_torch
def test_relu_stack_moments_measures_pytorchs_default():
    import torch

    state = torch.get_rng_state()
    no_bias = nb07.relu_stack_moments("nn.Linear default, no bias", seed=0)
    assert torch.equal(torch.get_rng_state(), state)  # PyTorch's global generator untouched
    assert no_bias.shape == (10,) and abs(no_bias[0] * 3 - 1) < 0.05  # E[z1²] = 1/3
    per_layer = np.exp(np.diff(np.log(no_bias)).mean())
    assert abs(per_layer * 6 - 1) < 0.1  # a sixth per layer
    biased = nb07.relu_stack_moments("nn.Linear default", seed=0)
    floor = 2 / (5 * 256)
    assert abs(biased[-1] / floor - 1) < 0.25 and biased[0] > no_bias[0]
    assert np.all(np.abs(np.log(biased / nb07.default_init_moments(10, 256))) < np.log(1.3))
    he = nb07.relu_stack_moments("He (kaiming_normal_)", seed=0)
    assert abs(he[0] * 1 - 2) < 0.1  # std sqrt(2/n) on N(0, 1) inputs: E[z1²] = 2
    assert abs(np.exp(np.diff(np.log(he)).mean()) - 1) < 0.1  # level
    assert np.array_equal(nb07.relu_stack_moments("He (kaiming_normal_)", seed=0), he)
    small = nb07.relu_stack_moments("nn.Linear default", depth=3, width=5, n_samples=7, seed=1)
    assert small.shape == (3,) and np.all(small > 0)
    for kwargs, error, match in [({"init": "lecun"}, ValueError, "init"),
                                 ({"depth": 0}, ValueError, "depth"),
                                 ({"width": 1.5}, TypeError, "width"),
                                 ({"n_samples": 0}, ValueError, "n_samples"),
                                 ({"seed": -1}, ValueError, "seed")]:
        with pytest.raises(error, match=match):
            nb07.relu_stack_moments(**kwargs)


@needs_torch
def test_scaled_output_change_sees_batch_norms_invariance():
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8, bias=False), nn.BatchNorm1d(8), nn.PReLU(8),
                          nn.Linear(8, 6, bias=False), nn.BatchNorm1d(6), nn.ReLU(),
                          nn.Linear(6, 3, bias=False))
    with torch.no_grad():
        model[1].bias.normal_()
    X = np.random.default_rng(0).standard_normal((32, 4))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    change = nb07.scaled_output_change
    assert change(model, X, ["0.weight"], 0.5) < 1e-3  # batch norm follows (up to its eps)
    assert change(model, X, ["1.weight", "1.bias"], 0.5) < 1e-3  # PReLU, Linear, BN follow
    assert change(model, X, ["1.weight"], 0.5) > 1e-2  # gain alone: the shift stays
    assert change(model, X, ["2.weight"], 0.5) > 1e-2  # the slopes change the shape
    assert abs(change(model, X, ["6.weight"], 0.5) - 0.5) < 1e-6  # the output layer: halved
    assert change(model, X, [], 0.5) == 0.0
    assert model.training and all(torch.equal(before[k], v)
                                  for k, v in model.state_dict().items())  # untouched
    model.eval()
    change(model, X, ["0.weight"], 0.5)
    assert not model.training  # its mode too
    for args, error, match in [(("net", X, ["0.weight"], 0.5), TypeError, "model"),
                               ((model, X[0], ["0.weight"], 0.5), ValueError, "X"),
                               ((model, X[:, :3], ["0.weight"], 0.5), ValueError, "X"),
                               ((model, X, ["9.weight"], 0.5), ValueError, "names"),
                               ((model, X, "0.weight", 0.5), TypeError, "names"),
                               ((model, X, ["0.weight"], 0.0), ValueError, "factor")]:
        with pytest.raises(error, match=match):
            change(*args)
