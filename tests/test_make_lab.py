"""`make lab` serves the repository's top folder: the learner sees helpers/ (which notebook 00
tells them to read) and tests/ in JupyterLab's file browser, the first notebook opens, and the
URL printed for a reader whose browser does not open by itself is that notebook's.

The server is started with the Makefile's own LAB_ARGS, so that the test breaks if they change.
"""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST = "notebooks/00-start-here.ipynb"


def lab_args():
    match = re.search(r"^LAB_ARGS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile must define LAB_ARGS, the arguments of `make lab`"
    return match.group(1).split()


def test_lab_opens_the_first_notebook():
    """JupyterLab's default_url is what the browser opens and what the server prints."""
    assert f"--LabApp.default_url=/lab/tree/{FIRST}" in lab_args(), lab_args()
    assert (ROOT / FIRST).is_file()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")
    port, token = free_port(), secrets.token_hex(16)
    runtime = tmp_path_factory.mktemp("runtime")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    cmd = [sys.executable, "-m", "jupyter", "lab", *lab_args(), "--no-browser",
           f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = runtime / "lab.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://localhost:{port}"
    deadline = time.time() + 60
    while True:
        try:
            get(f"{base}/api/status?token={token}")
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("`jupyter lab` with the Makefile's LAB_ARGS did not start:\n"
                            + log.read_text())
            time.sleep(0.3)
    yield base, token, log
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_file_browser_shows_helpers_and_notebooks(server):
    base, token, _ = server
    names = {item["name"] for item in get(f"{base}/api/contents?token={token}")["content"]}
    assert {"helpers", "notebooks", "tests", "README.md"} <= names
    first = get(f"{base}/api/contents/{FIRST}?content=0&token={token}")
    assert first["type"] == "notebook"


def test_the_printed_url_opens_the_first_notebook(server):
    base, _, log = server
    printed = re.findall(r"http://\S+", log.read_text())  # the server prints once it listens
    expected = f"{base}/lab/tree/{FIRST}?token="
    assert any(url.startswith(expected) for url in printed), (
        f"expected a printed URL starting with {expected}, got {printed}")
