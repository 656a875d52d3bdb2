# Entry points: `make book` builds the site, `make serve` previews it, `make test` runs the whole suite
# (`make test-fast`: the part that builds nothing, in well under a minute).
# All create .venv on first use and install the pinned versions from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JB_FLAGS := -W -n --keep-going
PORT ?= 8000
# pip -qq: errors only; a first run would otherwise scroll pages of pip's notes past the reader
PIP := $(BIN)/python -m pip -qq --disable-pip-version-check

.PHONY: book serve test test-fast check bench clean publish pdf

$(STAMP): pyproject.toml requirements.lock
	@echo "Setting up .venv: installing the pinned dependencies from requirements.lock and this package."
	@echo "The first time this takes about a minute; later runs skip it until requirements.lock changes."
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) install --upgrade pip
	@$(PIP) install --require-hashes -r requirements.lock
	@$(PIP) install --no-deps -e .
	@touch $(STAMP)
	@echo "Installed."

book: $(STAMP)
	@echo "Building the book into _build/html (warnings fail the build) ..."
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "Preview it with: make serve"

# The whole book as one PDF (_build/html/car-cell-therapies.pdf, linked from every page), printed by Chromium
# (Debian: apt-get install chromium); CARBOOK_PDF=1 builds the pages with the link to it.
pdf: $(STAMP)
	@echo "Building the book with a link to its PDF, then printing it ..."
	CARBOOK_PDF=1 $(BIN)/jupyter-book build . $(JB_FLAGS)
	$(BIN)/python -m carbook pdf

serve: book
	@echo "Serving _build/html at http://localhost:$(PORT)/ (on this computer only); stop with Ctrl-C."
	@$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

test: $(STAMP)
	$(BIN)/python -m pytest

# The suite a contributor runs while working: unit tests and checks in-process, no build, no browser.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not build and not browser and not faults"

check: $(STAMP)
	$(BIN)/python -m carbook check

# make bench THERAPIES="2 200 2000" measures the scaling builds at those sizes (default 2 50 200).
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py $(if $(THERAPIES),--therapies $(THERAPIES))

publish: pdf
	@echo "Checking that no item is left for an editor to judge ..."
	$(BIN)/python -m carbook check --strict
	$(BIN)/ghp-import -n -p -f _build/html

clean:
	rm -rf _build
