# workwatch: `make demo` and `make test` do their own set-up on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast install clean browser

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/workwatch demo

# Debian's Chromium for the dashboard's real-browser test (skipped, with a reason, without it).
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  { echo "installing chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
	    || echo "warning: could not install chromium; the browser test will be skipped"; }

# PYTEST_ARGS lets CI or a developer narrow the run, e.g. make test PYTEST_ARGS="-k feeds"
test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The quick tests: everything not marked `slow` (no Prefect server, no subprocess, no
# browser, nothing over ~1 s; see tests/conftest.py). About 35 s on 2 cores; 397 of 683 tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data .pytest_cache
