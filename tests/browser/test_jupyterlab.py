"""The course in a real browser: JupyterLab (as `make lab` starts it) in headless Chromium.

Run with `make test-browser`. Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM=path)
and the `browser` extra (Playwright for Python; no browser download). Without them these tests
are skipped with the reason. Screenshots go to build/screenshots/ (not committed).
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a closed network: without the background-networking ones Chromium keeps trying
# (and failing) to reach update and sync services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
RUN_TIMEOUT_S = 150
KERNEL_TIMEOUT_S = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost with a token, serving a copy of the notebooks (so that running
    them in the browser never rewrites the stored ones)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install "
                    "chromium) or set CHROMIUM=/path/to/chromium")
    pytest.importorskip("playwright", reason="Playwright for Python is missing: "
                        "pip install -e '.[browser]' (make test-browser does it)")
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    # Render every cell (JupyterLab 4 otherwise renders only the cells in view), so that the
    # checks below see all outputs.
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    # No "get notified about Jupyter news?" toast over the notebook (and no request for it).
    apputils = root / "settings" / "@jupyterlab" / "apputils-extension"
    apputils.mkdir(parents=True)
    (apputils / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
           f"--LabApp.user_settings_dir={root / 'settings'}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class="
           "jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(root / "jupyterlab.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            pytest.fail("JupyterLab did not start; see " + str(root / "jupyterlab.log"))
        time.sleep(0.5)
    yield base, token
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        # Warm-up: the first page load fetches JupyterLab's bundles into the browser's cache,
        # so that this cold start does not eat into the first notebook's timeouts.
        page = b.new_page()
        page.goto(f"{base}/lab?reset&token={token}")
        page.locator(".jp-Launcher").first.wait_for(timeout=90_000)
        page.close()
        yield b
        b.close()


def test_the_token_is_required(lab):
    base, _ = lab
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/api/contents", timeout=5)
    err.value.close()
    assert err.value.code == 403


KERNEL_IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")


def wait_for_kernel(page):
    """Wait until the notebook's kernel is connected and idle, as a reader would before
    pressing Run All. (Running earlier, while JupyterLab still shows no kernel, opens the
    "Select Kernel" dialog and runs nothing; on a slow machine that takes a while.)"""
    page.locator("#jp-main-statusbar").get_by_text(KERNEL_IDLE).first.wait_for(
        timeout=KERNEL_TIMEOUT_S * 1000)


def run_all_cells(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def prompts(page):
    return page.locator(".jp-NotebookPanel:visible .jp-CodeCell .jp-InputPrompt"
                        ).all_inner_texts()


def wait_until_executed(page, n_code_cells):
    """All code cells show an execution count and none is still running ([*])."""
    deadline = time.time() + RUN_TIMEOUT_S
    while time.time() < deadline:
        if page.locator(".jp-Dialog").count():
            raise AssertionError("a dialog opened while running: "
                                 + page.locator(".jp-Dialog").first.inner_text()[:300])
        shown = prompts(page)
        done = [p for p in shown if p.strip().startswith("[") and p.strip()[1:-2].isdigit()]
        if len(done) == n_code_cells and not any("*" in p for p in shown):
            return
        time.sleep(1)
    raise AssertionError(f"cells did not finish within {RUN_TIMEOUT_S} s: {prompts(page)}")


def save_failure(page, name, logs):
    """A full-page screenshot, the text of every output and the browser console, for CI logs."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = Path(name).stem
    page.screenshot(path=str(SCREENSHOTS / f"{stem}-failure.png"), full_page=True)
    outputs = [f"[{o.get_attribute('data-mime-type')}] {o.inner_text()[:200]!r}"
               for o in page.locator(".jp-OutputArea-output").all()]
    report = "\n".join(["outputs:", *outputs, "console:", *logs])
    (SCREENSHOTS / f"{stem}-failure.txt").write_text(report, encoding="utf-8")
    return report


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, browser, name):
    base, token = lab
    code = [c for c in json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"]
    # a check cell's input is folded (jupyter.source_hidden), and with it its prompt: count the
    # prompts JupyterLab shows; cells run in order, so the last one (never folded) finishing
    # means every folded one before it has finished too
    folded = [c.get("metadata", {}).get("jupyter", {}).get("source_hidden", False) for c in code]
    assert not folded[-1], f"{name}: the last code cell is folded"
    n_code = folded.count(False)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    logs = []
    page.on("console", lambda m: logs.append(f"{m.type}: {m.text}"))
    try:
        check_notebook(page, base, token, name, n_code)
    except Exception as err:
        report = save_failure(page, name, logs)
        raise AssertionError(f"{name}: {err}\n{report[-3000:]}") from err
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))
    page.close()
    shut_down_kernels(base, token)


def shut_down_kernels(base, token):
    """One notebook's kernel at a time, as on a reader's 2 GB Binder."""
    with urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10) as r:
        sessions = json.load(r)
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}",
                                         method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()


def check_notebook(page, base, token, name, n_code):
    """Open, wait for the kernel, Run All; then no error output, figures, a working widget.
    Ends with the widget in view, for the screenshot."""
    # ?reset: a fresh workspace, so that notebooks opened by earlier tests are not restored
    page.goto(f"{base}/lab/tree/notebooks/{name}?reset&token={token}")
    page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
    wait_for_kernel(page)
    run_all_cells(page)
    wait_until_executed(page, n_code)

    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert errors.count() == 0, f"error output: {errors.first.inner_text()[:500]}"
    assert "Error displaying widget" not in page.content(), "a widget failed"
    assert page.locator(".jp-RenderedImage img").count() >= 1, "no figure appeared"

    widget = page.locator(".jp-NotebookPanel:visible .widget-interact").first
    widget.wait_for(timeout=90_000)  # the widget manager loads with the first widget
    widget.scroll_into_view_if_needed()
    figure = widget.locator("img").first
    figure.wait_for(timeout=60_000)
    before = figure.get_attribute("src")
    handle = widget.locator(".noUi-handle").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    deadline = time.time() + 60
    while time.time() < deadline:
        img = widget.locator("img").first
        if img.count() and img.get_attribute("src") not in (None, before):
            break
        time.sleep(0.5)
    else:
        raise AssertionError("moving a slider did not change the figure")
    wait_for_kernel(page)  # the second key press may still be redrawing: screenshot the end
    widget.scroll_into_view_if_needed()
