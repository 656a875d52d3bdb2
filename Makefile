# Two entry points: `make book` builds the site, `make test` runs the whole suite.
# Both create .venv on first use and install the pinned versions from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going

.PHONY: book test check bench clean publish

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/python -m carbook check

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

publish: book
	$(BIN)/ghp-import -n -p -f _build/html

clean:
	rm -rf _build
