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

## make test: unit tests, every chapter under papermill (quick profile) and a book build
test: $(STAMP)
	$(PY) -m pytest -q

## make book: execute every chapter with PROFILE (default: standard) and build the HTML book
book: $(STAMP)
	$(PY) -m siqd_utils.book build --profile $(PROFILE) $(ARGS)

## make data: regenerate the shipped ensemble in data/ from first principles
data: $(STAMP)
	$(PY) -m siqd_utils.reconstruct build --out data --n-jobs 2

bench: $(STAMP)
	$(PY) benchmarks/ils_bench.py
	$(PY) benchmarks/reconstruct_bench.py

clean:
	rm -rf _build
