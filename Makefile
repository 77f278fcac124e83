# Beyond ReLU — the two commands a reader needs are `make lab` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-portability test-browser run bench clean help

help:
	@echo "make lab    create .venv if needed and open JupyterLab on notebooks/00-start-here.ipynb"
	@echo "make test   create .venv if needed, then run ruff and pytest (unit tests + nbval)"
	@echo "make test-portability  nbval on every notebook under other CPUs' arithmetic (emulated)"
	@echo "make run    re-execute every notebook in a fresh kernel and store clean outputs"
	@echo "make test-browser  run every notebook in JupyterLab in headless Chromium (needs chromium)"
	@echo "make bench  time and memory of notebooks, kernels, training and widget redraws (bench/RESULTS.md)"

# Reinstall only when the package definition changed (or the venv is new).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else \
		"Python 3.10+ is needed; found " + sys.version.split()[0] + ". Use: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Serves on localhost with token auth on (the URL printed below carries the token).
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# Served from the repository's top folder, so that helpers/ and tests/ are in the file browser
# next to notebooks/ (tests/test_make_lab.py starts the server with these arguments).
LAB_ARGS := --ServerApp.ip=localhost --ServerApp.root_dir=. notebooks/00-start-here.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_ARGS) $(ROOT_FLAG)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The notebooks under several BLAS kernels and SIMD settings, emulating other CPUs: every
# compared output must stay the same (scripts/portability.py; --list shows the settings).
test-portability: $(STAMP)
	$(BIN)/python scripts/portability.py

# End-to-end: JupyterLab in Debian's headless chromium, driven by Playwright for Python.
BROWSER_STAMP := $(VENV)/.installed-browser

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,browser]'
	touch $(BROWSER_STAMP)

test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest tests/browser --browser -v

run: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py notebooks/*.ipynb

# Speed and memory are measured here, never asserted in tests.
bench: $(STAMP)
	$(BIN)/python bench/run.py --output bench/RESULTS.md

clean:
	rm -rf $(VENV) build *.egg-info
