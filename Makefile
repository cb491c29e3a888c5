# One-command entry points. Both create .venv with the pinned requirements on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= standard
ARGS ?=

.PHONY: venv test test-quick book data bench clean

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip==25.3"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (siqd)" >/dev/null
	touch $(STAMP)

## make test: the whole suite: unit tests, toy books under papermill, the quick book built once
## (every chapter under papermill, the HTML) and the full data regeneration
test: $(STAMP)
	$(PY) -m pytest -q

## make test-quick: everything but the quick book build and the full data regeneration
test-quick: $(STAMP)
	$(PY) -m pytest -q -m "not book and not slow"

## make book: execute every chapter with PROFILE (default: standard) and build the HTML book
book: $(STAMP)
	$(PY) -m siqd_utils.book build --profile $(PROFILE) $(ARGS)

## make data: regenerate the shipped ensemble in data/ from first principles
data: $(STAMP)
	$(PY) -m siqd_utils.reconstruct --out data

bench: $(STAMP)
	$(PY) benchmarks/ils_bench.py
	$(PY) benchmarks/reconstruct_bench.py

clean:
	rm -rf _build
