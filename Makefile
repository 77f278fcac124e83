# Beyond ReLU — the two commands a reader needs are `make lab` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: results results-verify lab test test-colab linkcheck venv torch test-portability test-container test-browser run bench site clean help

help:
	@echo "make lab    create .venv if needed and open JupyterLab on notebooks/00-start-here.ipynb"
	@echo "make test   create .venv if needed, then run pytest (ruff, unit tests, nbval)"
	@echo "make test-colab  the notebooks' first cells in a simulated Colab (minutes; needs PyPI)"
	@echo "make test-portability  nbval on every notebook under other CPUs' arithmetic (emulated)"
	@echo "make test-container  nbval on 01 and 06 (the capstone) in a Binder-like container (CPU quota 1, 2 GB; needs root)"
	@echo "make run    re-execute every notebook in a fresh kernel and store clean outputs"
	@echo "make test-browser  run every notebook in JupyterLab in headless Chromium (needs chromium)"
	@echo "make site   the course as a static website in build/site/ (stored outputs, not re-run)"
	@echo "make linkcheck  check every external link of the README and the notebooks (needs the web)"
	@echo "make results  train every run of the studies (helpers/studies.py) not stored in results/ yet"
	@echo "make results-verify SAMPLE=k SEED=s  re-run k stored runs drawn with seed s, compare"
	@echo "make venv   only create .venv and install (what make lab and make test do first)"
	@echo "make torch  add PyTorch's CPU build to .venv (notebook 07 only; about 200 MB to download)"
	@echo "make clean  remove .venv and build/ (then e.g. make lab PYTHON=python3.12)"
	@echo "make bench  time and memory of notebooks, kernels, training (helpers, PyTorch) and widget redraws (bench/RESULTS.md)"

# Reinstall only when the package definition changed (or the venv is new).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else \
		"Python 3.10+ is needed; found " + sys.version.split()[0] + ". Use: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,test]'
	touch $(STAMP)

# Serves on localhost with token auth on (the URL printed below carries the token).
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# Served from the repository's top folder, so that helpers/ and tests/ are in the file browser
# next to notebooks/; the browser opens notebook 00, and the URL printed for it is that
# notebook's (JupyterLab prints its default_url; tests/test_make_lab.py starts the server with
# these arguments and reads what it prints).
LAB_ARGS := --ServerApp.ip=localhost --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb

# Notebook 07 needs PyTorch, an optional extra: offered here, never required (the lab starts).
lab: $(STAMP)
	@$(BIN)/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)' || \
		echo "Notebook 07 uses PyTorch, which is not installed: \`make torch\` installs the CPU build (about 200 MB)."
	$(BIN)/jupyter lab $(LAB_ARGS) $(ROOT_FLAG)

# ruff runs inside pytest (tests/test_ruff.py): one command, the same on every system.
test: $(STAMP)
	$(BIN)/python -m pytest

# Each notebook's first cells in a fresh Colab-like environment (Colab's package versions, from
# PyPI): opt-in, because it takes minutes and needs the package index (Python 3.11 or 3.12).
test-colab: $(STAMP)
	$(BIN)/python -m pytest tests/test_colab_bootstrap.py -v --colab

# The environment alone (.ci/run adds tools to it before testing).
venv: $(STAMP)

# PyTorch for notebook 07 (the torch extra). PyPI's Linux wheel is the CUDA build (several GB);
# PyTorch's own index has the CPU build. PyPI's macOS and Windows wheels are CPU builds already.
# Without it, `make test` skips notebook 07 (conftest.py).
TORCH_INDEX ?= $(if $(filter Linux,$(shell uname -s)),--extra-index-url https://download.pytorch.org/whl/cpu)

torch: $(STAMP)
	$(BIN)/python -m pip install --quiet $(TORCH_INDEX) -e '.[lab,test,torch]'

# The notebooks under several BLAS kernels and SIMD settings, emulating other CPUs: every
# compared output must stay the same (scripts/portability.py; --list shows the settings).
test-portability: $(STAMP)
	$(BIN)/python scripts/portability.py

# Notebooks 01 and 06 under strict nbval in a control group like a Binder pod's (CPU quota 1,
# 2 GB) while Python and OpenBLAS see a node of 32 cores (scripts/container.py; needs root and a
# writable cgroup file system, and says so where there is none).
test-container: $(STAMP)
	$(BIN)/python scripts/container.py

# End-to-end: JupyterLab in Debian's headless chromium, driven by Playwright for Python.
BROWSER_STAMP := $(VENV)/.installed-browser

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab,test,browser,site]'
	touch $(BROWSER_STAMP)

# JupyterLab (tests/browser/test_jupyterlab.py) and the website (tests/browser/test_site.py).
test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest tests/browser --browser -v

# The website: README.md and every stored notebook, rendered without executing anything
# (Sphinx with MyST-NB; configuration in site/conf.py). Open build/site/index.html.
SITE_STAMP := $(VENV)/.installed-site

$(SITE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab,test,site]'
	touch $(SITE_STAMP)

site: $(SITE_STAMP)
	rm -rf build/site
	$(BIN)/python -m sphinx -b html -W --keep-going -q -c site . build/site
	@echo "The website is in build/site/ (open build/site/index.html)"

# Every external link of the README and the notebooks, fetched (Sphinx's linkcheck builder,
# the website's configuration; .github/workflows/links.yml runs it weekly). Report in build/linkcheck/.
linkcheck: $(SITE_STAMP)
	$(BIN)/python -m sphinx -b linkcheck -q -c site . build/linkcheck

run: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py

# The studies too heavy for a notebook (helpers/studies.py), computed once and stored in
# results/ (resumable: an interrupted run continues where it stopped); the notebooks load them.
results: $(STAMP)
	$(BIN)/python scripts/results.py

SAMPLE ?= 5
SEED ?= 0
results-verify: $(STAMP)
	$(BIN)/python scripts/results.py --verify $(SAMPLE) $(SEED)

# Speed and memory are measured here, never asserted in tests.
bench: $(STAMP)
	$(BIN)/python bench/run.py --output bench/RESULTS.md

clean:
	rm -rf $(VENV) build *.egg-info
