# VOC Radar — set-up, run and test. Every target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODELS_STAMP := var/models/.built

.PHONY: setup models run test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

$(MODELS_STAMP): $(STAMP)
	$(BIN)/voc models build
	touch $(MODELS_STAMP)

setup: $(STAMP) $(MODELS_STAMP)  ## install the package and build the built-in models

models: $(STAMP)  ## (re)build the built-in models when they are missing or corrupt
	$(BIN)/voc models build

run: setup  ## start the service on the embedded defaults (http://127.0.0.1:8000/docs)
	$(BIN)/voc serve

test: setup  ## run the whole test suite
	$(BIN)/python -m pytest

test-fast: setup  ## skip tests marked slow
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: setup  ## embedding benchmark (quick)
	$(BIN)/python -m benchmarks.embed --quick --json bench-results/embed.json

clean:
	rm -rf $(VENV) var build *.egg-info
