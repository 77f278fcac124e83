"""notebooks/formulas.md, the page of formulas and notation, agrees with the helpers.

Every constant the page prints is rebuilt here from the code (the snippet the page must contain,
with the number formatted from the helper's value), and every decimal number or power of ten on
the page must lie inside one of those checked snippets: a number added to the page without a
check here fails. The formulas whose constants are conventions (He's and LeCun's variances, the
running-statistics momentum, alpha dropout's a and b from the keep probability q) are checked
against the code's behaviour. Last, the page is on the website and linked from the README.
"""

import fnmatch
import inspect
import re
import sys

import numpy as np
import pytest
from _notebooks import NOTEBOOKS, ROOT

from helpers import activations, init, layers, optim, propagation, selu_theory

PAGE = ROOT / "notebooks" / "formulas.md"
TEXT = PAGE.read_text(encoding="utf-8")
FLAT = " ".join(TEXT.split())  # line breaks and indentation do not matter
NUMBER = re.compile(r"\d+\.\d+|10\^\{-?\d+\}")
KERAS_DEFAULT_MOMENTUM = 0.99  # tf.keras.layers.BatchNormalization(momentum=0.99): its docs


def default(function, name):
    return inspect.signature(function).parameters[name].default


def power_of_ten(x):
    exponent = round(np.log10(x))
    assert x == 10.0**exponent, x
    return f"10^{{{exponent}}}"


def snippets():
    """(what, the text the page must contain) for every constant the page prints."""
    lam, alpha, lam_alpha = (activations.SELU_LAMBDA, activations.SELU_ALPHA,
                             activations.SELU_LAMBDA_ALPHA)
    yield "SELU lambda", f"$\\lambda = {lam!r}$ ($\\approx {lam:.4f}$)"
    yield "SELU alpha", f"$\\alpha = {alpha!r}$ ($\\approx {alpha:.4f}$)"
    yield "SELU saturation", f"$-\\lambda\\alpha = -{lam_alpha!r}$ ($\\approx -{lam_alpha:.4f}$)"
    yield "lambda in the notation table", f"SELU's scale, $\\approx {lam:.4f}$"
    yield "alpha in the notation table", f"SELU's $\\approx {alpha:.4f}$"
    chi1 = propagation.chi1("selu", 1.0, init="lecun")
    yield "chi_1 of SELU", f"$\\chi_1 = {chi1:.4f}$"
    yield "RAI's sigma", f"$\\sigma = {init.RAI_SIGMA:g}$"
    yield "Leaky ReLU's slope", f"{default(activations.leaky_relu, 'negative_slope'):g} by default"
    slope = activations.PRELU_INITIAL_SLOPE
    yield "PReLU's initial slope", f"starting at {slope:g}"
    yield "1 + a^2", f"starting slope {slope:g}, $1 + a^2 = {1 + slope**2:g}$"
    yield "ELU's alpha", f"$\\alpha = {default(activations.elu, 'alpha'):g}$ by default"
    for name, (low, high) in selu_theory.THEOREM_1.items():
        yield f"Theorem 1's {name}", f"$\\{name} \\in [{low:g}, {high:g}]$"
    rate = 0.1
    a, b = selu_theory.alpha_dropout_affine(rate)
    yield "alpha dropout", f"For $p = {rate:g}$ ($q = {1 - rate:g}$): $a = {a:.4f}$, $b = {b:.4f}$"
    lr, (beta1, beta2), eps = (default(optim.Adam, k) for k in ("lr", "betas", "eps"))
    yield "Adam's defaults", (f"$\\eta = {power_of_ten(lr)}$, $\\beta_1 = {beta1:g}$, "
                              f"$\\beta_2 = {beta2:g}$, $\\varepsilon = {power_of_ten(eps)}$")
    yield "Adam's epsilon in the notation table", f"Adam's $\\varepsilon = {power_of_ten(eps)}$"
    norm_eps = {default(layer, "eps") for layer in (layers.BatchNorm1d, layers.LayerNorm,
                                                     layers.RMSNorm, layers.GroupNorm)}
    assert len(norm_eps) == 1, norm_eps
    yield "normalisation's epsilon", f"$\\epsilon = {power_of_ten(norm_eps.pop())}$"
    m = default(layers.BatchNorm1d, "momentum")
    yield "batch norm's momentum", f"default {m:g} as in PyTorch"
    yield "PyTorch and Keras momenta", (
        f"PyTorch's default {m:g} is Keras' {1 - m:g}, and Keras' default "
        f"{KERAS_DEFAULT_MOMENTUM:g} is PyTorch's {1 - KERAS_DEFAULT_MOMENTUM:g}.")
    he, lecun, glorot = (propagation._WEIGHT_VARIANCE[k] for k in ("he", "lecun", "glorot"))
    assert lecun == glorot
    yield "sigma_w^2", (f"$\\sigma_w^2 = {he:g}/(1 + a^2)$ for He, {lecun:g} for LeCun and for "
                        "Glorot")
    yield "sigma_w^2 in the notation table", (f"{he:g} for He (ReLU), {lecun:g} for LeCun and for "
                                              "Glorot")


@pytest.mark.parametrize("what,snippet", list(snippets()), ids=[w for w, _ in snippets()])
def test_the_page_prints_the_helpers_constant(what, snippet):
    assert snippet in FLAT, f"formulas.md should say, from the helpers ({what}): {snippet}"


def test_every_number_on_the_page_is_checked():
    covered = np.zeros(len(FLAT), dtype=bool)
    for _, snippet in snippets():
        for match in re.finditer(re.escape(snippet), FLAT):
            covered[match.start():match.end()] = True
    unchecked = [(m.group(), FLAT[max(m.start() - 40, 0):m.end() + 10])
                 for m in NUMBER.finditer(FLAT) if not covered[m.start():m.end()].all()]
    assert not unchecked, ("numbers on formulas.md that no check in "
                           f"tests/test_formulas_page.py backs: {unchecked}")


def test_selu_constants_are_the_fixed_point_of_the_moment_map():
    mean, var = selu_theory.moment_map(0.0, 1.0)
    assert abs(mean) < 1e-14 and abs(var - 1) < 1e-14
    assert propagation.variance_map("selu", 1.0, init="lecun") == pytest.approx(1, abs=1e-12)
    assert propagation.chi1("relu", 3.0) == pytest.approx(1, abs=1e-12)  # ReLU + He: critical
    assert propagation.variance_map("relu", 3.0) == pytest.approx(3, abs=1e-12)


def exact_std(make, fan_in, fan_out, **kwargs):
    """The standard deviation an initialiser used: it draws standard normals times the std,
    so the same seed's standard normals give it exactly (to rounding)."""
    weights = make(fan_in, fan_out, rng=np.random.default_rng(0), **kwargs)
    normals = np.random.default_rng(0).standard_normal((fan_in, fan_out))
    ratio = weights / normals
    assert np.allclose(ratio, ratio.flat[0], rtol=1e-14, atol=0)
    return ratio.flat[0]


@pytest.mark.parametrize("a", [0.0, 0.01, 0.25, 1.5])
def test_he_variance_is_two_over_one_plus_a_squared_n(a):
    assert "2/((1 + a^2)\\,n_\\text{in})" in FLAT
    assert "\\mathrm{Var}(w) = \\frac{2}{(1 + a^2)\\, n}" in FLAT
    n = 37
    assert exact_std(init.he_normal, n, 5, negative_slope=a) ** 2 == pytest.approx(
        2 / ((1 + a * a) * n), rel=1e-13)


def test_lecun_and_glorot_variances():
    assert "| $1/n_\\text{in}$ | SELU" in FLAT and "$2/(n_\\text{in} + n_\\text{out})$" in FLAT
    assert exact_std(init.lecun_normal, 37, 5) ** 2 == pytest.approx(1 / 37, rel=1e-13)
    assert exact_std(init.glorot_normal, 37, 5) ** 2 == pytest.approx(2 / 42, rel=1e-13)
    # on a large draw too, without relying on how the initialisers draw
    weights = init.he_normal(1000, 1000, rng=np.random.default_rng(1))
    assert weights.var() == pytest.approx(2 / 1000, rel=0.01)


def test_alpha_dropout_a_and_b_from_the_keep_probability():
    assert "a = \\big(q + \\alpha'^2\\, q\\,(1 - q)\\big)^{-1/2}" in FLAT
    assert "b = -a\\,(1 - q)\\,\\alpha'" in FLAT
    saturation = -activations.SELU_LAMBDA_ALPHA
    for q in (0.5, 0.9, 0.95, 1.0):
        a = (q + saturation**2 * q * (1 - q)) ** -0.5
        b = -a * (1 - q) * saturation
        assert selu_theory.alpha_dropout_affine(1 - q) == pytest.approx((a, b), rel=1e-14,
                                                                         abs=1e-15)


def test_running_statistics_use_the_pytorch_momentum_and_the_unbiased_variance():
    assert "\\text{running} \\leftarrow (1 - m)\\,\\text{running} + m\\,\\text{batch}" in FLAT
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 4))
    m = default(layers.BatchNorm1d, "momentum")
    bn = layers.BatchNorm1d(4)
    assert (bn.running_mean == 0).all() and (bn.running_var == 1).all()
    bn.forward(x)
    np.testing.assert_allclose(bn.running_mean, (1 - m) * 0 + m * x.mean(0), rtol=1e-14)
    np.testing.assert_allclose(bn.running_var, (1 - m) * 1 + m * x.var(0, ddof=1), rtol=1e-14)
    # Keras' update, moving = moving * k + batch * (1 - k), is PyTorch's with m = 1 - k
    k = KERAS_DEFAULT_MOMENTUM
    keras = layers.BatchNorm1d(4, momentum=1 - k)
    keras.forward(x)
    np.testing.assert_allclose(keras.running_mean, 0 * k + x.mean(0) * (1 - k), rtol=1e-12)


def test_normalisation_backward_is_the_compact_formula():
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    bn = layers.BatchNorm1d(5)
    bn.params["gamma"][...] = rng.uniform(0.5, 2, 5)
    y = bn.forward(x)
    dx = bn.backward(dout)
    x_hat = (y - bn.params["beta"]) / bn.params["gamma"]
    u = bn.params["gamma"] * dout
    expected = (u - u.mean(0) - x_hat * (u * x_hat).mean(0)) / np.sqrt(x.var(0) + 1e-5)
    np.testing.assert_allclose(dx, expected, rtol=1e-10, atol=1e-12)


def test_convolution_output_length():
    assert "L_\\text{out} = \\left\\lfloor \\frac{L + 2p - K}{s} \\right\\rfloor + 1" in FLAT
    for length, k, stride, padding in [(40, 5, 1, 0), (40, 5, 2, 2), (7, 3, 3, 1)]:
        conv = layers.Conv1d(1, 1, k, stride=stride, padding=padding,
                             rng=np.random.default_rng(0))
        assert conv.output_length(length) == (length + 2 * padding - k) // stride + 1
        x = np.random.default_rng(1).normal(size=(1, 1, length))
        w, bias = conv.params["W"][0, 0], 0.5
        conv.params["b"][...] = bias
        padded = np.pad(x[0, 0], padding)  # x[t s + k - p] with zeros outside
        expected = [bias + sum(w[j] * padded[t * stride + j] for j in range(k))
                    for t in range(conv.output_length(length))]
        np.testing.assert_allclose(conv.forward(x)[0, 0], expected, rtol=1e-12)


def test_the_page_is_on_the_website_and_linked_from_the_readme():
    sys.path.insert(0, str(ROOT / "site"))
    import conf

    page = PAGE.relative_to(ROOT).as_posix()
    assert any(fnmatch.fnmatch(page, p) for p in conf.include_patterns), conf.include_patterns
    source = [""]
    conf._prepare(None, "README", source)  # the side bar's table of contents: a glob
    globs = re.findall(r"^notebooks/\S*$", source[0], flags=re.M)
    assert any(fnmatch.fnmatch(page.removesuffix(".md"), g) for g in globs), globs
    assert f"]({page})" in (ROOT / "README.md").read_text(encoding="utf-8")


def headings():
    """The anchors the site (site/slugs.py, as JupyterLab) gives the page's headings."""
    sys.path.insert(0, str(ROOT / "site"))
    from slugs import jupyterlab_slug
    return {jupyterlab_slug(line.lstrip("#")) for line in TEXT.splitlines()
            if re.match(r"#{1,3} ", line)}


def test_every_link_to_the_page_reaches_a_heading():
    anchors = headings()
    assert {"Notation", "03-·-SELU-and-self-normalization"} <= anchors
    for anchor in re.findall(r"\]\(#([^)\s]+)\)", TEXT):
        assert anchor in anchors, f"formulas.md links to #{anchor}, a heading it does not have"
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        for anchor in re.findall(r"\(formulas\.md#((?:[^()\s\"]|\([^()\s\"]*\))+)\)", text):
            assert anchor in anchors, f"{path.name} links to formulas.md#{anchor}: no such heading"


def test_matched_gains():
    assert "$\\sqrt{2/(1 + a^2)}$ for the ReLU family, 1 for SELU" in FLAT
    assert init.matched_gain("leaky_relu", negative_slope=0.25) == pytest.approx(
        np.sqrt(2 / 1.0625), rel=1e-9)
    assert init.matched_gain("selu") == pytest.approx(1, rel=1e-9)
