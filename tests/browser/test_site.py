"""The website (`make site`) in headless Chromium: every page loads without console errors,
its math is typeset, every image loaded, every internal link and anchor resolves, and every
notebook page has its figures and its Binder and Colab launch links.

Run with `make test-browser` (needs chromium, the browser and site extras). The site is built
here from the stored notebooks, into a temporary folder, and served on localhost. The network
stays closed: the only outside requests a page may make are for the Binder and Colab badge
images, which are answered with a stand-in picture; any other outside request fails the test.
"""

import functools
import http.server
import json
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
from test_jupyterlab import CHROMIUM, CHROMIUM_ARGS, ROOT, SCREENSHOTS

pytestmark = pytest.mark.browser

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BADGES = ("https://mybinder.org/badge_logo.svg",
          "https://colab.research.google.com/assets/colab-badge.svg")
STAND_IN = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="20">'
            '<rect width="100" height="20" fill="#888"/></svg>')


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    pytest.importorskip("playwright", reason="pip install -e '.[browser]'")
    pytest.importorskip("myst_nb", reason="pip install -e '.[site]' (make test-browser does it)")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going",
                            "-q", "-c", "site", ".", str(out)], cwd=ROOT,
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr
    handler = functools.partial(Quiet, directory=str(out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser(site):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pages(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                  if "_static" not in p.parts and "_sources" not in p.parts)


def visit(browser, base, page_path):
    """Open one page; return (page, console errors, outside requests other than badges)."""
    page = browser.new_page()
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        url = r.request.url
        if url.startswith(base) or url.startswith("data:"):
            r.continue_()
        elif url in BADGES:
            r.fulfill(status=200, content_type="image/svg+xml", body=STAND_IN)
        else:
            outside.append(url)
            r.abort()

    page.route("**/*", route)
    page.goto(f"{base}/{page_path}", wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, errors, outside


def test_the_site_has_the_readme_and_every_notebook(site):
    out, _ = site
    found = pages(out)
    assert "README.html" in found and "index.html" in found
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}.html" in found


def test_every_page(site, browser):
    out, base = site
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for page_path in pages(out):
        page, errors, outside = visit(browser, base, page_path)
        if page_path == "index.html":  # redirects to the README page
            page.wait_for_url(re.compile(r"README\.html$"))
        problems += [f"{page_path}: console error {e}" for e in errors]
        problems += [f"{page_path}: outside request {u}" for u in outside]
        problems += [f"{page_path}: {p}" for p in math_problems(page)]
        problems += [f"{page_path}: {p}" for p in image_problems(page)]
        problems += [f"{page_path}: {p}" for p in link_problems(page, out, base)]
        name = page_path.replace("/", "-").removesuffix(".html")
        page.screenshot(path=str(SCREENSHOTS / f"site-{name}.png"), full_page=False)
        page.close()
    assert not problems, "\n".join(problems)


def math_problems(page):
    """Every math element typeset by MathJax (its output element inside)."""
    count = page.locator(".math").count()
    if count == 0:
        return []
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    untypeset = page.evaluate(
        "() => [...document.querySelectorAll('.math')]"
        ".filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))")
    return [f"math not typeset: {t!r}" for t in untypeset]


def image_problems(page):
    broken = page.evaluate(
        "() => [...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src').slice(0, 80))")
    return [f"image did not load: {src}" for src in broken]


def link_problems(page, out, base):
    """Every link into the site reaches a page (and its anchor, when it has one)."""
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    problems = []
    for href in set(hrefs):
        if not href.startswith(base):
            continue
        url, fragment = urldefrag(href)
        path = out / unquote(urlparse(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            problems.append(f"broken link {href}")
        elif fragment and path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            if f'id="{fragment}"' not in text:
                problems.append(f"missing anchor {href}")
    return problems


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_page_has_its_figures_and_launch_links(site, browser, nb):
    out, base = site
    page, _, _ = visit(browser, base, f"notebooks/{nb.stem}.html")
    stored = json.loads(nb.read_text(encoding="utf-8"))
    figures = sum("image/png" in o.get("data", {}) for c in stored["cells"]
                  for o in c.get("outputs", []))
    shown = page.locator(".cell_output img").count()
    assert shown == figures > 0, f"{nb.name}: {figures} stored figures, {shown} on the page"
    links = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    assert any(link.startswith("https://mybinder.org/v2/gh/") and nb.name in unquote(link)
               for link in links), f"{nb.name}: no Binder launch link"
    assert any(link.startswith("https://colab.research.google.com/github/")
               and link.endswith(f"notebooks/{nb.name}") for link in links), (
        f"{nb.name}: no Colab launch link")
    if nb.name.startswith("03"):
        assert page.locator("mjx-container").count() > 20  # the derivation, typeset
    page.close()


def test_readme_is_the_front_page_with_its_syllabus_table(site, browser):
    _, base = site
    page, _, _ = visit(browser, base, "index.html")
    page.wait_for_url(re.compile(r"README\.html$"))
    assert page.locator("h1").first.inner_text().startswith("Beyond ReLU")
    assert page.locator("table").count() >= 1
    hrefs = page.evaluate("() => [...document.querySelectorAll('article a[href]')]"
                          ".map(a => a.getAttribute('href'))")
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.stem}.html" in hrefs, f"the README does not link {nb.stem}"
    page.close()


def test_link_check_catches_a_broken_link(site, tmp_path):
    """link_problems can fail: a page linking a missing file and a missing anchor."""
    out, base = site

    class FakePage:
        def evaluate(self, _):
            return [f"{base}/nowhere.html", f"{base}/README.html#no-such-anchor",
                    f"{base}/README.html"]

    problems = link_problems(FakePage(), out, base)
    assert len(problems) == 2
    assert urljoin(base + "/", "README.html") == f"{base}/README.html"
