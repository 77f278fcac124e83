"""helpers.nb06: the capstone's stored study read at several budgets, its figures and explorer,
and the checkers of notebook 06."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.special import erf, erfc, expit, ndtr
from scipy.stats import norm
from scipy.stats import t as scipy_t
from verdicts import STUB_MESSAGE, assert_count_resets, assert_hints_escalate, assert_verdict, stub

from helpers import data, nb06, protocol, results, studies
from helpers.activations import gelu, gelu_grad
from helpers.gradcheck import numerical_gradient, relative_error


def test_plot_sequences_draws_one_panel_per_class():
    mnist = data.load_mnist1d(seed=0)
    fig = nb06.plot_sequences(mnist, per_class=2, classes=(3, 7))
    assert [ax.get_title() for ax in fig.axes] == ["class 3", "class 7"]
    assert all(len(ax.get_lines()) == 2 for ax in fig.axes)
    plt.close(fig)
    with pytest.raises(ValueError, match="classes"):
        nb06.plot_sequences(mnist, classes=(10,))


def test_gelu_tanh_approximation_and_its_derivative():
    z = np.linspace(-5, 5, 201)
    assert np.abs(nb06.gelu_tanh(z) - gelu(z)).max() < 1e-3  # Hendrycks & Gimpel's approximation
    dout = np.ones_like(z)
    numeric = numerical_gradient(nb06.gelu_tanh, z.copy(), dout=dout)
    assert relative_error(nb06.gelu_tanh_grad(z), numeric) < 1e-7
    assert np.abs(nb06.gelu_tanh_grad(z) - gelu_grad(z)).max() < 0.02


C = np.sqrt(2 / np.pi)


def tanh_form_grad(z):
    """The textbook derivative of the tanh approximation (it cancels to 0 for z < -6 or so)."""
    t = np.tanh(C * (z + 0.044715 * z**3))
    return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * C * (1 + 3 * 0.044715 * z**2)


def tanh_form_grad_without_cancellation(z):
    """The same, with (1 + tanh u)/2 = sigmoid(2u): tiny, not 0, in the left tail."""
    u = C * (z + 0.044715 * z**3)
    s = expit(2 * u)
    return s + z * 2 * s * expit(-2 * u) * C * (1 + 3 * 0.044715 * z**2)


def density(z):
    return np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
GELU_GRAD_ANSWERS = {
    "the helper": (gelu_grad, True, "exact derivative"),
    "scipy.stats.norm": (lambda z: norm.cdf(z) + z * norm.pdf(z), True, "exact derivative"),
    "erf": (lambda z: 0.5 * (1 + erf(z / np.sqrt(2))) + z * density(z), True,
            "exact derivative"),
    "erfc": (lambda z: 0.5 * erfc(-z / np.sqrt(2)) + z * density(z), True, "exact derivative"),
    "ndtr": (lambda z: ndtr(z) + z * density(z), True, "exact derivative"),
    "as float32": (lambda z: (ndtr(z) + z * density(z)).astype(np.float32), True,
                   "exact derivative"),
    "a list": (lambda z: gelu_grad(z).tolist(), True, "exact derivative"),
    "tanh form, the helper": (nb06.gelu_tanh_grad, True, "tanh approximation"),
    "tanh form, textbook": (tanh_form_grad, True, "tanh approximation"),
    "tanh form, no cancellation": (tanh_form_grad_without_cancellation, True,
                                   "tanh approximation"),
    # the function, or one term of the product rule
    "the function": (gelu, False, "GELU itself"),
    "the tanh approximation itself": (nb06.gelu_tanh, False, "tanh approximation itself"),
    "the first term": (ndtr, False, "first term"),
    "the first term, tanh form": (lambda z: 0.5 * (1 + np.tanh(C * (z + 0.044715 * z**3))),
                                  False, "first term"),
    "the second term": (lambda z: z * density(z), False, "second term"),
    # the density and the chain rule
    "minus": (lambda z: ndtr(z) - z * density(z), False, "wrong sign"),
    "no 1/sqrt(2 pi)": (lambda z: ndtr(z) + z * np.exp(-z * z / 2), False, "1/sqrt(2 pi)"),
    "exp(-z²)": (lambda z: ndtr(z) + z * np.exp(-z * z) / np.sqrt(2 * np.pi), False,
                 "-z²/2, not -z²"),
    "tanh form without the inner derivative's cubic part": (
        lambda z: (lambda t: 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * C)(
            np.tanh(C * (z + 0.044715 * z**3))), False, "inner derivative"),
    # another activation
    "SiLU's derivative": (lambda z: expit(z) * (1 + z * (1 - expit(z))), False, "SiLU"),
    "the sigmoid approximation": (lambda z: expit(1.702 * z) * (1 + 1.702 * z * (
        1 - expit(1.702 * z))), False, "sigmoid approximation"),
    # right only on typical draws, no answer
    "0 below -5": (lambda z: np.where(z < -5, 0.0, gelu_grad(z)), False, "expected"),
    "twice the tanh form": (lambda z: 2 * tanh_form_grad(z), False, "expected"),
    "in place": (lambda z: np.multiply(z, 0, out=z) + 0.5, False, "in place"),
    "empty stub": (stub, False, "returns None"),
}
GELU_GRAD_SOLUTION = ["norm.cdf", "norm.pdf", "Phi(z) + z phi(z)"]
GELU_GRAD_GENERIC = {"in place", "empty stub"}


@pytest.mark.parametrize("name", GELU_GRAD_ANSWERS)
def test_check_gelu_grad(name):
    assert_verdict(nb06.check_gelu_grad, *GELU_GRAD_ANSWERS[name])


@pytest.mark.parametrize("name", [n for n, a in GELU_GRAD_ANSWERS.items() if not a[1]])
def test_gelu_grad_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = GELU_GRAD_ANSWERS[name]
    assert_hints_escalate(nb06.check_gelu_grad, candidate, phrase, GELU_GRAD_SOLUTION,
                          "norm.cdf(z) + z * norm.pdf(z)",
                          single_level=name in GELU_GRAD_GENERIC)


def test_gelu_grad_counts_reset_and_the_code_is_right():
    assert nb06.check_gelu_grad(stub).message == STUB_MESSAGE
    namespace = {"np": np}
    exec("def gelu_grad(z):\n    " + nb06._GELU_CODE.removeprefix("In code: ").rstrip(".")
         .replace("; ", "\n    "), namespace)
    assert nb06.check_gelu_grad(namespace["gelu_grad"]).correct
    assert_count_resets(nb06.check_gelu_grad, gelu, gelu_grad)


def right_choice(val_by_lr):
    return max(val_by_lr, key=lambda lr: np.mean(val_by_lr[lr]))


# name -> (candidate, correct?, phrase): the correct variants, then the mistakes by class
CHOOSE_ANSWERS = {
    "the mean": (right_choice, True, "best mean validation"),
    "the sum": (lambda v: max(v, key=lambda lr: np.sum(v[lr])), True, "best mean validation"),
    "argmax over a list": (lambda v: list(v)[int(np.argmax([np.mean(a) for a in v.values()]))],
                           True, "best mean validation"),
    "sorted": (lambda v: sorted(v.items(), key=lambda kv: -kv[1].mean())[0][0], True,
               "best mean validation"),
    "as a numpy float": (lambda v: np.array(list(v))[np.argmax([a.mean() for a in v.values()])],
                         True, "best mean validation"),
    "as float32": (lambda v: np.float32(right_choice(v)), True, "best mean validation"),
    # another summary of the seeds
    "the best seed": (lambda v: max(v, key=lambda lr: np.max(v[lr])), False, "single best seed"),
    "the median": (lambda v: max(v, key=lambda lr: np.median(v[lr])), False, "median"),
    "the worst seed": (lambda v: max(v, key=lambda lr: np.min(v[lr])), False, "worst seed"),
    "the first seed": (lambda v: max(v, key=lambda lr: v[lr][0]), False, "one seed (the first)"),
    "the last seed": (lambda v: max(v, key=lambda lr: v[lr][-1]), False, "one seed (the last)"),
    "the lowest mean": (lambda v: min(v, key=lambda lr: np.mean(v[lr])), False, "lowest"),
    # not looking at the accuracies
    "the largest learning rate": (lambda v: max(v), False, "largest learning rate"),
    "the smallest learning rate": (lambda v: min(v), False, "smallest learning rate"),
    "the first key": (lambda v: next(iter(v)), False, "smallest learning rate"),
    # the wrong kind of answer
    "a list": (lambda v: [right_choice(v)], False, "not a container"),
    "an array": (lambda v: np.array([right_choice(v)]), False, "not a container"),
    "a pair": (lambda v: (right_choice(v), np.mean(v[right_choice(v)])), False, "not a pair"),
    "the accuracy": (lambda v: max(np.mean(a) for a in v.values()), False, "an accuracy"),
    "the position": (lambda v: int(np.argmax([np.mean(a) for a in v.values()])), False,
                     "the position"),
    "a string": (lambda v: "0.01", False, "not text"),
    "a dict": (lambda v: {"lr": 0.01}, False, "return one of the learning rates"),
    # in place
    "sorted in place": (lambda v: [a.sort() for a in v.values()] and right_choice(v), False,
                        "in place"),
    "a key popped": (lambda v: v.pop(min(v)) is not None and right_choice(v), False, "in place"),
    "empty stub": (stub, False, "returns None"),
}
CHOOSE_GENERIC = {"a list", "an array", "a pair", "the accuracy", "the position", "a string",
                  "a dict", "sorted in place", "a key popped", "empty stub"}


@pytest.mark.parametrize("name", CHOOSE_ANSWERS)
def test_check_choose_lr(name):
    assert_verdict(nb06.check_choose_lr, *CHOOSE_ANSWERS[name], repeats=5)


@pytest.mark.parametrize("name", [n for n, a in CHOOSE_ANSWERS.items() if not a[1]])
def test_choose_lr_hints_name_the_mistake_first_and_show_the_code_last(name):
    candidate, _, phrase = CHOOSE_ANSWERS[name]
    assert_hints_escalate(nb06.check_choose_lr, candidate, phrase, ["np.mean", "key=", "average"],
                          "np.mean(val_by_lr[lr])", single_level=name in CHOOSE_GENERIC)


def test_choose_lr_cases_tell_every_rule_apart():
    cases = nb06._choose_cases(np.random.default_rng(0))
    rules = [rule for rule, _ in nb06._CHOICE_RULES] + [right_choice]
    picks = [tuple(rule(val) for val in cases) for rule in rules]  # each rule's three choices
    assert len(set(picks)) == len(rules)  # no two rules choose alike on all three
    for val in cases:  # within one set, every rule on the seeds picks its own learning rate
        assert len({rule(val) for rule in rules[:5] + rules[-1:]}) == 6


def test_choose_lr_counts_reset_and_the_code_is_right():
    assert nb06.check_choose_lr(stub).message == STUB_MESSAGE
    code = nb06._CHOOSE_CODE.removeprefix("In code: return ").rstrip(".")
    assert nb06.check_choose_lr(eval(f"lambda val_by_lr: {code}", {"np": np})).correct
    assert_count_resets(nb06.check_choose_lr, CHOOSE_ANSWERS["the median"][0], right_choice)


# --- issue 29: no silent wrong answers, round 3 ------------------------------------------------

def test_gelu_tanh_and_its_derivative_have_limits_not_nans():
    z = np.array([-np.inf, -1e200, -1e6, -10.5, 10.5, 1e6, 1e200, np.inf, np.nan])
    with np.errstate(all="raise"):  # no overflow on the way
        f, df = nb06.gelu_tanh(z), nb06.gelu_tanh_grad(z)
    np.testing.assert_array_equal(f, [0, 0, 0, 0, 10.5, 1e6, 1e200, np.inf, np.nan])
    np.testing.assert_array_equal(df, [0, 0, 0, 0, 1, 1, 1, 1, np.nan])
    moderate = np.linspace(-10, 10, 401)  # there, exactly the formula of the docstring
    t = np.tanh(np.sqrt(2 / np.pi) * (moderate + 0.044715 * moderate**3))
    np.testing.assert_array_equal(nb06.gelu_tanh(moderate), 0.5 * moderate * (1 + t))
    z32 = moderate.astype(np.float32)
    assert nb06.gelu_tanh(z32).dtype == np.float32 == nb06.gelu_tanh_grad(z32).dtype
    for bad, error, match in [(None, TypeError, "z must be"), ("1.0", TypeError, "z must be"),
                              (np.ma.masked_array([1.0]), TypeError, "z is a masked array")]:
        for f in (nb06.gelu_tanh, nb06.gelu_tanh_grad):
            with pytest.raises(error, match=match):
                f(bad)


# --- the capstone's study, read at several budgets ---------------------------------------------

LRS = tuple(float(lr) for lr in np.geomspace(1e-3, 1e-1, 5))  # 0.001, 0.0032 ... 0.1
FAKE = results.Study(name="fake", data="mnist1d", configs={"ReLU": {}, "SiLU": {}}, lrs=LRS,
                     seeds=(0, 1, 2), epochs=4)


def fake_table():
    """Four evaluations per run (steps 0, 250, 1000, 4000): the largest rate is best after 250
    steps, 0.01 at every later point; SiLU 0.05 above ReLU."""
    rows = {name: [] for name in results.COLUMNS}
    for config in FAKE.configs:
        for lr in LRS:
            for seed in FAKE.seeds:
                for epoch, step in enumerate((0, 250, 1000, 4000)):
                    early = 0.5 if lr == 0.1 else 0.3
                    late = 0.6 - abs(np.log10(lr) + 2) / 10
                    val = 0.1 if step == 0 else early if step == 250 else late
                    val += 0.05 * (config == "SiLU") + 0.001 * seed
                    for name, value in zip(results.COLUMNS, (config, lr, seed, epoch, step, 0.0,
                                                             val, val - 0.01), strict=True):
                        rows[name].append(value)
    return {name: np.array(v, dtype=object if name == "config" else float)
            for name, v in rows.items()}


def test_judge_at_budgets_chooses_again_at_each_budget_and_requires_an_interior_optimum():
    judged_at = nb06.judge_at_budgets(FAKE, fake_table())
    assert list(judged_at) == list(nb06.BUDGETS)
    assert judged_at[250]["ReLU"].lr == 0.1  # the edge is allowed at a short budget
    assert judged_at[None]["ReLU"].lr == pytest.approx(0.01)
    np.testing.assert_allclose(judged_at[None]["SiLU"].test, [0.64, 0.641, 0.642])
    edge = fake_table()
    edge["val_acc"][edge["lr"] == 0.1] += 0.5  # now 0.1 is best at convergence too
    with pytest.raises(protocol.EdgeOptimumError):
        nb06.judge_at_budgets(FAKE, edge)
    for budgets in [(), (1000, 250), (None, 250), (250, None, None), ("250",)]:
        with pytest.raises((TypeError, ValueError), match="budgets"):
            nb06.judge_at_budgets(FAKE, fake_table(), budgets)
    assert nb06.budget_label(None) == "convergence" and nb06.budget_label(4000) == "4,000 steps"


def test_plot_budgets_and_plot_learning_rates():
    judged_at = nb06.judge_at_budgets(FAKE, fake_table())
    ax = nb06.plot_budgets(judged_at, ["ReLU", "SiLU"], title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["250", "1,000", "4,000",
                                                           "convergence"]
    assert [line.get_label() for line in ax.get_lines()] == ["ReLU", "SiLU"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata()[-1], 0.641)
    plt.close(ax.figure)
    ax = nb06.plot_learning_rates(judged_at[None], {"plain ReLU": "ReLU"}, title="t")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.001", "0.003", "0.01", "0.03",
                                                           "0.1"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.501, 0.551, 0.601, 0.551,
                                                               0.501])
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"configs\['GELU'\] = 'GELU' is not a configuration"):
        nb06.plot_budgets(judged_at, ["GELU"], title="t")
    with pytest.raises(TypeError, match="judged_at must be the dict"):
        nb06.plot_budgets(judged_at[None], ["ReLU"], title="t")


def test_results_figure_and_explorer(monkeypatch):
    judged_at = nb06.judge_at_budgets(FAKE, fake_table())
    groups = {"activations": {"ReLU": "ReLU", "SiLU": "SiLU"}}
    fig = nb06.results_figure(judged_at, groups, "activations", 250, "validation")
    ax = fig.axes[0]
    assert ax.get_title().startswith("activations: 250 steps (validation")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ReLU\nlr 0.1", "SiLU\nlr 0.1"]
    dots = [c.get_offsets()[:, 1] for c in ax.collections]
    np.testing.assert_allclose(dots[1], judged_at[250]["SiLU"].val)
    plt.close(fig)
    with pytest.raises(ValueError, match="comparison"):
        nb06.results_figure(judged_at, groups, "norms", 250)
    with pytest.raises(ValueError, match="budget must be one of"):
        nb06.results_figure(judged_at, groups, "activations", 500)
    calls = []
    monkeypatch.setattr(nb06, "results_figure", lambda *a, **k: calls.append(a) or plt.figure())
    explorer = nb06.results_explorer(judged_at, groups)
    explorer.children[1].value = "1,000 steps"
    assert calls[-1][2:] == ("activations", 1000, "test")
    with pytest.raises(TypeError, match="groups"):
        nb06.results_explorer(judged_at, {})


def test_last_evaluation_reads_a_calibration_only():
    calib = results.Study(name="c", data="mnist1d", configs={"paper": {}}, lrs=(0.01,),
                          seeds=(0, 1), epochs=2, calibration=True)
    table = {"config": np.array(["paper"] * 4, dtype=object), "lr": np.full(4, 0.01),
             "seed": np.array([0, 0, 1, 1]), "step": np.array([0, 9, 0, 9]),
             "test_acc": np.array([0.1, 0.6, 0.1, 0.7]), "val_acc": np.zeros(4)}
    np.testing.assert_array_equal(results.last_evaluation(calib, table)["paper"], [0.6, 0.7])
    with pytest.raises(ValueError, match="calibration"):
        results.last_evaluation(FAKE, fake_table())


# --- the CNN: a calibration's interval, and the architecture against activation and norm --------

def test_mean_interval_resamples_seeds_and_is_the_same_on_every_run():
    values = [0.90, 0.88, 0.91, 0.89, 0.92, 0.90, 0.87, 0.91, 0.90, 0.89]
    ci = nb06.mean_interval(values)
    assert ci == nb06.mean_interval(values)  # seeded
    assert ci.low < ci.mean < ci.high and ci.mean == pytest.approx(np.mean(values))
    assert (ci.n_seeds, ci.confidence) == (10, 0.95)
    assert str(ci) == "0.897 [0.888, 0.905]"
    # about the t interval of the mean, mean ± t * sd / sqrt(n), for well-behaved values
    half = scipy_t.ppf(0.975, 9) * np.std(values, ddof=1) / np.sqrt(10)
    assert ci.high - ci.low == pytest.approx(2 * half, rel=0.3)
    wider = nb06.mean_interval(values, confidence=0.99)
    assert wider.low < ci.low and wider.high > ci.high
    spread = np.random.default_rng(0).normal(0.9, 0.02, 10)  # not on a grid of 0.01
    one, other = nb06.mean_interval(spread), nb06.mean_interval(spread, seed=1)
    assert one != other and abs(one.low - other.low) < 0.003  # another resampling, close
    same = nb06.mean_interval([0.5, 0.5, 0.5])
    assert (same.low, same.mean, same.high) == (0.5, 0.5, 0.5)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"values": [0.5]}, ValueError, "at least 2"),
    ({"values": [[0.5, 0.6]]}, ValueError, "1-D"),
    ({"values": [0.5, np.nan]}, ValueError, "finite"),
    ({"values": ["a", "b"]}, TypeError, "values must hold real numbers"),
    ({"values": [0.5, 0.6], "confidence": 1.0}, ValueError, "confidence"),
    ({"values": [0.5, 0.6], "confidence": 0}, ValueError, "confidence"),
    ({"values": [0.5, 0.6], "seed": -1}, ValueError, "seed"),
    ({"values": [0.5, 0.6], "n_resamples": 0}, ValueError, "n_resamples"),
])
def test_mean_interval_refuses_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        nb06.mean_interval(**kwargs)


@pytest.fixture(scope="module")
def stored_cnn():
    """Both stored studies of notebook 06, judged at convergence (skipped while the CNN study
    is being computed: test_results.py fails on an incomplete table in any case)."""
    if not results.is_current(studies.CNN):
        pytest.skip("results/06-cnn.csv is incomplete; run `make results`")
    mlp = results.judge(studies.CAPSTONE, results.load(studies.CAPSTONE))
    cnn = results.judge(studies.CNN, results.load(studies.CNN))
    return mlp, cnn


def test_the_cnn_calibrates_the_task_on_the_stored_table(stored_cnn):
    """Notebook 06, section 5: the paper's CNN under the protocol is about the paper's 0.94 minus
    a few hundredths (ReLU: within 0.01 of 0.90), and the best of its family, chosen on
    validation, is above 0.90."""
    _, cnn = stored_cnn
    relu = cnn["CNN, ReLU"].test
    assert relu.mean() > 0.89 and nb06.mean_interval(relu).high > 0.90
    best = max(cnn, key=lambda c: cnn[c].val.mean())
    assert cnn[best].test.mean() >= 0.90


def test_the_architecture_moves_accuracy_more_than_activation_or_norm(stored_cnn):
    """CNN − MLP (ReLU, 4 layers) is decided and more than three times the largest activation or
    normalization difference at 4 layers, with or without the convolutions, even comparing the
    architecture's lower bound with the others' upper bounds (one Holm table, as in 06)."""
    mlp, cnn = stored_cnn
    pairs = {"architecture": (cnn["CNN, ReLU"].test, mlp["ReLU, depth 4"].test)}
    pairs |= {f"MLP: {c}": (mlp[c].test, mlp["ReLU, depth 4"].test) for c in mlp
              if c.endswith("depth 4") and c != "ReLU, depth 4"}
    pairs |= {f"CNN: {c}": (cnn[c].test, cnn["CNN, ReLU"].test) for c in cnn if c != "CNN, ReLU"}
    table = protocol.compare(pairs)
    arch = table.pop("architecture")
    assert arch.distinguishable and arch.low > 0.2
    largest = max(max(abs(d.low), abs(d.high)) for d in table.values())
    assert arch.low > 3 * largest


# --- a small gradient under Adam (the deep dive after section 1) ---------------------------------

def adam_switch_steps(n_steps, switch, scale, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam's step sizes (in units of lr) for a gradient 1 up to step `switch`, `scale` after,
    from the closed forms of its moving averages (steps counted from 1)."""
    t = np.arange(1, n_steps + 1, dtype=float)
    k = np.maximum(t - switch, 0)
    before = np.minimum(t, switch)
    m = beta1**k * (1 - beta1**before) + scale * (1 - beta1**k)
    v = beta2**k * (1 - beta2**before) + scale**2 * (1 - beta2**k)
    return (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)


def test_step_sizes_match_adams_closed_form_when_the_gradient_drops():
    n, switch = 3000, 500
    t = np.arange(n)
    sizes = nb06.step_sizes({"drop": np.where(t < switch, 1.0, 0.01)}, noise=0.0)
    np.testing.assert_allclose(sizes["drop"], adam_switch_steps(n, switch, 0.01), rtol=1e-8)
    assert sizes["drop"][switch + 100] < 0.02  # right after the drop: 1/100 of the speed


def test_adam_ignores_a_constant_scale_of_the_gradient_and_sgd_does_not():
    n = 2000
    scales = {"x1": np.ones(n), "x0.01": np.full(n, 0.01)}
    adam = nb06.step_sizes(scales, noise=0.5, seed=3)
    np.testing.assert_allclose(adam["x0.01"], adam["x1"], rtol=1e-5)  # eps / 0.01 = 1e-6 only
    sgd = nb06.step_sizes(scales, optimizer="sgd", noise=0.5, seed=3)
    g = 1 + 0.5 * np.random.default_rng(3).standard_normal(n)  # the shared noisy gradient
    np.testing.assert_allclose(sgd["x1"], np.abs(g), rtol=1e-8)
    np.testing.assert_allclose(sgd["x0.01"], 0.01 * np.abs(g), rtol=1e-8)
    zero = nb06.step_sizes({"zero": np.zeros(10)})
    assert np.all(zero["zero"] == 0)  # an exactly zero gradient never moves a parameter


@pytest.mark.parametrize("kwargs,error,match", [
    ({"scales": {}}, ValueError, "scales"),
    ({"scales": [1.0, 1.0]}, TypeError, "scales"),
    ({"scales": {"a": [1.0, 1.0], "b": [1.0]}}, ValueError, "same number"),
    ({"scales": {"a": [1.0, -1.0]}}, ValueError, "scales"),
    ({"scales": {"a": [1.0, np.nan]}}, ValueError, "scales"),
    ({"scales": {"a": [[1.0]]}}, ValueError, "scales"),
    ({"scales": {"a": [1.0]}, "optimizer": "rmsprop"}, ValueError, "optimizer"),
    ({"scales": {"a": [1.0]}, "lr": 0}, ValueError, "lr"),
    ({"scales": {"a": [1.0]}, "noise": -1}, ValueError, "noise"),
])
def test_step_sizes_refuses_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        nb06.step_sizes(**kwargs)


# --- random deep stacks at initialisation, plain and residual -----------------------------------

def test_stack_moments_plain_selu_keeps_its_fixed_point_and_residual_does_not():
    plain = nb06.stack_moments("selu", depth=8, width=256, seed=1)
    assert np.all(np.abs(plain.second_moment - 1) < 0.1) and np.all(np.abs(plain.mean) < 0.05)
    residual = nb06.stack_moments("selu", depth=8, width=256, residual=True, seed=1)
    assert abs(residual.second_moment[0] - 2) < 0.1  # x + selu(Wx): 1 + 1
    assert np.all(np.diff(residual.second_moment) > 0)


def test_stack_moments_of_a_linear_residual_stack_doubles_every_layer():
    """h <- h (I + W) with E[W W^T] = I: the expected second moment doubles at every layer."""
    ratios = [nb06.stack_moments("linear", depth=6, width=256, residual=True, seed=s)
              .second_moment[-1] / 2**6 for s in range(3)]
    assert all(abs(r - 1) < 0.15 for r in ratios)
    relu = nb06.stack_moments("relu", depth=1, width=256, seed=0)  # He's gain: E[relu(√2 z)²] = 1
    assert abs(relu.second_moment[0] - 1) < 0.05


@pytest.mark.parametrize("kwargs,error,match", [
    ({"activation": "swish"}, ValueError, "activation"),
    ({"activation": "prelu"}, ValueError, "activation"),
    ({"depth": 0}, ValueError, "depth"),
    ({"width": 0}, ValueError, "width"),
    ({"n_samples": 1}, ValueError, "n_samples"),
    ({"residual": "yes"}, TypeError, "residual"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_stack_moments_refuses_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        nb06.stack_moments(**{"activation": "selu", "depth": 2, "width": 4} | kwargs)


# --- the primary sources beside the course's stored measurements --------------------------------

def test_source_table_pairs_each_row_within_its_study_and_corrects_the_table():
    judged = nb06.judge_at_budgets(FAKE, fake_table())[None]
    rows = (("A", "SiLU − ReLU", "fake", "SiLU", "ReLU"),
            ("A", "ReLU − SiLU", "fake", "ReLU", "SiLU"),
            ("B", "SiLU − SiLU", "fake", "SiLU", "SiLU"))
    table = nb06.source_table({"fake": judged}, rows)
    assert list(table) == ["A", "B"] and list(table["A"]) == ["SiLU − ReLU", "ReLU − SiLU"]
    assert table["A"]["SiLU − ReLU"].mean == pytest.approx(0.05)
    assert table["A"]["ReLU − SiLU"].mean == pytest.approx(-0.05)
    assert table["B"]["SiLU − SiLU"].mean == 0
    # one table: three comparisons corrected together, as protocol.compare does
    together = protocol.compare({"a": (judged["SiLU"].test, judged["ReLU"].test),
                                 "b": (judged["ReLU"].test, judged["SiLU"].test),
                                 "c": (judged["SiLU"].test, judged["SiLU"].test)})
    assert table["A"]["SiLU − ReLU"].pvalue == together["a"].pvalue
    with pytest.raises(ValueError, match="study"):
        nb06.source_table({"fake": judged}, (("A", "x", "other", "SiLU", "ReLU"),))
    with pytest.raises(ValueError, match="configuration"):
        nb06.source_table({"fake": judged}, (("A", "x", "fake", "GELU", "ReLU"),))
    with pytest.raises(TypeError, match="rows"):
        nb06.source_table({"fake": judged}, ())
    with pytest.raises(TypeError, match="judged_by_study"):
        nb06.source_table({}, rows)


def test_source_rows_name_configurations_of_the_stored_studies():
    for _, _, key, a, b in nb06.SOURCE_ROWS:
        study = nb06.SOURCE_STUDIES[key]
        assert a in study.configs and b in study.configs, (key, a, b)
    assert [s.name for s in nb06.SOURCE_STUDIES.values()] == [
        "02-relu-family", "04-head-to-head", "06-capstone", "06-cnn"]
