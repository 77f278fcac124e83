"""Every number in the text is checked by a cell: the course's promise, enforced.

A *figure* is a number in a markdown cell that states a result: a decimal (0.904), a percentage
(34 %), a ratio (9×, 1.8x, ×4), a power of ten ($10^{10}$) or a scientific form (1.2e-6,
$1.2 \\times 10^{-6}$). Plain integers (30 layers, 128 units, five seeds, 2017) are settings,
counts or years, not figures. Code spans, images, badges, link targets and URLs are not prose.
A figure is *backed* when

(a) a compared output of the same notebook shows it: nbval re-runs the notebook and compares the
    text of every cell not tagged nbval-ignore-output, so those numbers are guaranteed. The
    output must print at least the prose's digits and round to it (0.9043 backs 0.904, 0.9 does
    not; 0.37 and 37% both back 37 %). Signs are ignored: "falls by 0.4" may quote -0.4;
(b) an `assert` of the same notebook has it as a literal ("above 0.1": `assert x > 0.1`); p %
    matches the fraction p/100 (the notebooks compute fractions), $10^{k}$ also 10^-k;
(c) tests/prose_figures.py declares it for that notebook as maths, a published value, a setting
    or the source article's number, with a reason. A measured figure is never declared: assert
    it or print it in a compared cell.

A declaration covers every occurrence of that figure in its notebook, and a one-decimal figure
can be backed by a coincidental output; the check is a net, not a proof.
"""

import ast
import math
import re
import warnings
from typing import NamedTuple

import pytest
from _notebooks import NOTEBOOKS
from prose_figures import CATEGORIES, DECLARED
from test_notebook_hygiene import code_cells, load
from test_solutions import solution_code

NOT_COMPARED = {"nbval-ignore-output", "nbval-skip"}

# Removed before figures are read: code, images and badges, link targets, bare URLs, HTML.
NOT_PROSE = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"`[^`]*`"), " "),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), " "),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"https?://\S+"), " "),
    (re.compile(r"\barXiv:\d{4}\.\d{4,5}|\bdoi:\S+"), " "),  # a reference's identifier
    (re.compile(r"</?[A-Za-z][^<>\n]*>"), " "),  # HTML tags, not the "<" of $a < b$
]
NUMBER = r"\d+(?:\.\d+)?"
POWER = r"10\^\{?-?\d+\}?"
FIGURE = re.compile(
    rf"(?<![\w.])(?:{NUMBER}(?:[eE][-+]?\d+|\s*(?:×|\\times)\s*{POWER})"  # 1.2e-6, 1.2 × 10^{-6}
    rf"|{POWER}"  # $10^{10}$
    rf"|{NUMBER}\s?%"  # 34 %
    rf"|{NUMBER}(?:\s?×(?!\s?\d)|x)(?![\w$])"  # 9×, 1.8x; not 8×8, 4 × 64 or $2x$
    rf"|(?<!\d)(?<!\d\s)×\s?{NUMBER}"  # ×4
    r"|\d+\.\d+)(?!\.?\d)"  # 0.904
)
PRINTED = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s?%)?")  # 0.9, 1.2e+07, 37%


class Figure(NamedTuple):
    text: str  # canonical: no spaces or braces, "×" for x and \times (0.25, 34%, 10^-16)
    value: float  # unsigned; a percentage as a fraction
    resolution: float  # half a unit in the last digit written
    snippet: str


def value_and_resolution(text):
    """0.904 -> (0.904, 0.0005); 37% -> (0.37, 0.005); 10^7 -> (1e7, 5e6); 1.2e-6 -> ..."""
    s = text.replace("×10^", "e")
    s = "1e" + s[3:] if s.startswith("10^") else s
    scale = 0.01 if s.endswith("%") else 1.0
    s = s.strip("%× ")
    mantissa, _, exponent = s.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(s) * scale, 0.5 * 10.0 ** (int(exponent or 0) - decimals) * scale


def prose(markdown):
    """The markdown without what is not prose (NOT_PROSE); a link keeps its visible text."""
    for pattern, replacement in NOT_PROSE:
        markdown = pattern.sub(replacement, markdown)
    return markdown


def figures(markdown):
    """The figures quoted in a markdown text, in order."""
    text = prose(markdown)
    found = []
    for m in FIGURE.finditer(text):
        canonical = re.sub(r"\s|[{}]", "", m.group()).replace("\\times", "×").replace("x", "×")
        snippet = " ".join(text[max(m.start() - 50, 0):m.end() + 30].split())
        found.append(Figure(canonical, *value_and_resolution(canonical), snippet))
    return found


def source(cell):
    return "".join(cell["source"])


def tags(cell):
    return set(cell["metadata"].get("tags", []))


def printed_numbers(nb):
    """(value, resolution) of every number in the outputs nbval compares: streams and the plain
    text of results and displays that are not images (a figure's repr is not a number)."""
    numbers = []
    for cell in code_cells(nb):
        if tags(cell) & NOT_COMPARED:
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(mime.startswith("image/") for mime in data):
                continue
            text = output.get("text", "") or data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            numbers += [value_and_resolution(re.sub(r"\s", "", m)) for m in PRINTED.findall(text)]
    return numbers


def assert_literals(nb):
    """Every number written in an `assert` of the notebook (nbval runs them all) or of a
    worked solution's code (tests/test_solutions.py runs those)."""
    literals = set()
    solutions = [code for cell in nb["cells"] if cell["cell_type"] == "markdown"
                 for _, code in solution_code(source(cell))]
    cells = [source(cell) for cell in code_cells(nb) if "nbval-skip" not in tags(cell)]
    for text in cells + solutions:
        code = re.sub(r"^(\s*)[%!].*$", r"\1pass", text, flags=re.M)  # IPython magics
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            try:
                tree = ast.parse(code)
            except SyntaxError:  # other IPython syntax, such as `name?`: no assert to read
                continue
        literals |= {abs(node.value) for statement in ast.walk(tree)
                     if isinstance(statement, ast.Assert) for node in ast.walk(statement)
                     if isinstance(node, ast.Constant) and type(node.value) in (int, float)}
    return literals


def is_printed(figure, numbers):
    slack = 1 + 1e-9
    return any(r <= figure.resolution * slack and abs(q - figure.value) <= figure.resolution * slack
               for q, r in numbers)


def is_asserted(figure, literals):
    candidates = [figure.value]  # p % is the fraction p/100, the unit the notebooks compute in
    if figure.text.startswith("10^"):
        candidates.append(1 / figure.value)
    return any(math.isclose(c, x, rel_tol=1e-9) for c in candidates for x in literals)


def quoted(nb):
    """(cell id, figure) for every figure in the notebook's markdown."""
    return [(cell.get("id", f"cell {i}"), figure)
            for i, cell in enumerate(nb["cells"]) if cell["cell_type"] == "markdown"
            for figure in figures(source(cell))]


def unbacked(nb, declared=()):
    """(cell id, figure) for every quoted figure that nothing in the notebook backs; `declared`
    holds the texts of the figures tests/prose_figures.py declares for it."""
    numbers, literals = printed_numbers(nb), assert_literals(nb)
    return [(cell_id, figure) for cell_id, figure in quoted(nb)
            if figure.text not in declared and not is_printed(figure, numbers)
            and not is_asserted(figure, literals)]


def declared_in(name):
    return {text for text, _, _ in DECLARED.get(name, [])}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_prose_figure_is_backed(path):
    missing = unbacked(load(path), declared_in(path.name))
    if missing:
        pytest.fail(
            f"{path.name}: no compared output, assert or declaration backs these figures. Assert "
            "them or print them in a compared cell; declare only maths, published values, "
            "settings and the article's numbers (tests/prose_figures.py).\n"
            + "\n".join(f"  {cell_id}: {f.text}  in '…{f.snippet}…'" for cell_id, f in missing),
            pytrace=False)


def test_declared_figures_are_used_and_have_a_reason():
    """A declaration that no longer matches the text would hide the next figure with its value."""
    notebooks = {p.name: p for p in NOTEBOOKS}
    problems = []
    for name, entries in DECLARED.items():
        if name not in notebooks:
            problems.append(f"{name}: no such notebook")
            continue
        in_text = {figure.text for _, figure in quoted(load(notebooks[name]))}
        listed = [text for text, _, _ in entries]
        problems += [f"{name}: {t} declared twice" for t in set(listed) if listed.count(t) > 1]
        for text, category, reason in entries:
            if text not in in_text:
                problems.append(f"{name}: {text} is declared but the text no longer quotes it")
            if category not in CATEGORIES:
                problems.append(f"{name}: {text}: {category!r} is not in {sorted(CATEGORIES)}")
            if len(reason.split()) < 4:
                problems.append(f"{name}: {text} needs a reason (a short sentence)")
            if category == "paper" and not re.search(r"\b(19|20)\d\d\b", reason):
                problems.append(f"{name}: {text} is a published value; cite it (authors, year)")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# The checker on notebooks built in memory: it can fail, and each kind of backing works.

PLANTED = "accuracy rose to 0.7342 and 57 % of units died"


def markdown_cell(text, cell_id="planted"):
    return {"cell_type": "markdown", "id": cell_id, "metadata": {}, "source": text}


def code_cell(code, outputs=(), cell_tags=()):
    return {"cell_type": "code", "id": "code", "metadata": {"tags": list(cell_tags)},
            "source": code, "outputs": list(outputs), "execution_count": 1}


def stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def texts(found):
    return [figure.text for _, figure in found]


def test_a_planted_unbacked_number_is_caught():
    path = NOTEBOOKS[0]
    nb = load(path)
    before = unbacked(nb, declared_in(path.name))
    nb["cells"].append(markdown_cell(PLANTED))
    after = unbacked(nb, declared_in(path.name))
    assert [(cell_id, f.text) for cell_id, f in after if cell_id == "planted"] == [
        ("planted", "0.7342"), ("planted", "57%")]
    assert [found for found in after if found[0] != "planted"] == before


@pytest.mark.parametrize("output,cell_tags,expected", [
    (stream("accuracy 0.73418, dead 57.2%"), (), []),
    (stream("accuracy 0.7342, dead share 0.571"), (), []),  # 57 % as a fraction
    (stream("accuracy 0.7342, dead 57%"), ["nbval-ignore-output"], ["0.7342", "57%"]),
    (stream("accuracy 0.734, dead 0.6"), (), ["0.7342", "57%"]),  # too few digits to back
    ({"output_type": "display_data", "metadata": {},
      "data": {"image/png": "", "text/plain": "0.7342 57%"}}, (), ["0.7342", "57%"]),
], ids=["printed", "fraction", "ignored", "too-coarse", "image"])
def test_only_compared_outputs_back_a_figure(output, cell_tags, expected):
    nb = {"cells": [markdown_cell(PLANTED), code_cell("show()", [output], cell_tags)]}
    assert texts(unbacked(nb)) == expected


def test_an_assert_literal_backs_a_figure():
    code = "%time x = 1\nassert acc > 0.7342 and (\n    dead < 0.57)\nassert ratio < 1e-10\n"
    nb = {"cells": [markdown_cell(PLANTED + ", more than $10^{10}$ times smaller"),
                    code_cell(code, cell_tags=["nbval-ignore-output"])]}
    assert texts(unbacked(nb)) == []
    nb["cells"][1]["source"] = "print(0.7342, 0.57, 1e-10)"  # not an assert
    assert texts(unbacked(nb)) == ["0.7342", "57%", "10^10"]


def test_a_declared_figure_is_backed():
    assert texts(unbacked({"cells": [markdown_cell(PLANTED)]}, {"0.7342", "57%"})) == []


@pytest.mark.parametrize("text,expected", [
    ("accuracy 0.904, a gap of 1.2 and 0.25.", ["0.904", "1.2", "0.25"]),
    ("34 % died, 38% lived, 0.2% moved", ["34%", "38%", "0.2%"]),
    ("9× faster, 1.8x ReLU, cost ×4; not 8×8 images, a 4 × 64 net or $2x$s", ["9×", "1.8×", "×4"]),
    ("more than $10^{10}$ times, $10^7$, 1.2e-6, $5\\times10^{-3}$ and 1.2 × 10^-6",
     ["10^10", "10^7", "1.2e-6", "5×10^-3", "1.2×10^-6"]),
    ("30 layers of 128 units, five seeds, 1,000 networks", []),
    ("Klambauer et al. (2017); He et al. (2015, Table 1); 01 · The dying ReLU", []),
    ("[notebook 0.5](https://x.org/v1.5/a%2Fb) ![plot 0.7](f.png) see https://y.org/2.5", ["0.5"]),
    ("`lr=0.03` in code, ```\nx = 0.5\n``` and <img width=0.5> tags, but $a < 0.9$ > 1",
     ["0.9"]),
], ids=["decimals", "percentages", "ratios", "powers", "integers", "citations", "links", "code"])
def test_extraction(text, expected):
    assert [figure.text for figure in figures(text)] == expected


@pytest.mark.parametrize("text,expected", [
    ("0.904", (0.904, 0.0005)), ("37%", (0.37, 0.005)), ("10^-16", (1e-16, 5e-17)),
    ("1.2×10^-6", (1.2e-6, 5e-8)), ("1.2e+07", (1.2e7, 5e5)), ("9×", (9, 0.5)),
])
def test_value_and_resolution(text, expected):
    """The resolution is half a unit of the last digit written: what the figure claims."""
    assert value_and_resolution(text) == pytest.approx(expected, rel=1e-12)
