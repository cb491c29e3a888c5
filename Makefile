# One-command entry points. Both create .venv with the pinned requirements on first use.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PROFILE ?= standard
ARGS ?=
BUILD_DIR ?= _build

.PHONY: venv test test-quick check-data book data bench clean browser publish tex pdf

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "pip==25.3"
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (siqd)" >/dev/null
	touch $(STAMP)

## make test: the whole suite: unit tests, toy books under papermill, the quick book built once
## (every chapter under papermill, the HTML), the data files regenerated (tight-binding gaps
## recomputed for a size sample), and the pages in a real browser
test: $(STAMP) browser
	$(PY) -m pytest -q -m "not full_regeneration"

## make test-quick: everything but the quick book build, the data regeneration checks and the browser,
## on both cores (pytest-xdist); the book tests share one build, so make test runs in one process
test-quick: $(STAMP)
	$(PY) -m pytest -q -n 2 -m "not book and not slow and not full_regeneration"

## make check-data: regenerate the whole ensemble from scratch (every tight-binding gap) and
## compare it with data/ byte for byte (about 3.5 min on 2 cores)
check-data: $(STAMP)
	$(PY) -m pytest -q -m full_regeneration

## make book: execute every chapter with PROFILE (default: standard) and build the HTML book
book: $(STAMP)
	$(PY) -m siqd_utils.book build --profile $(PROFILE) --build-dir $(BUILD_DIR) $(ARGS)

## make data: regenerate the shipped ensemble in data/ from first principles
data: $(STAMP)
	$(PY) -m siqd_utils.reconstruct build --out data --n-jobs 2

bench: $(STAMP)
	$(PY) benchmarks/ils_bench.py
	$(PY) benchmarks/reconstruct_bench.py

## make browser: Debian's Chromium for tests/test_book_browser.py, installed with apt-get when absent
## (Playwright drives /usr/bin/chromium; it never downloads a browser of its own)
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) || { \
	  command -v apt-get >/dev/null || { echo "the browser test needs Chromium at $(CHROMIUM) (Debian package: chromium)"; exit 1; }; \
	  echo "Installing Debian's chromium for the browser test"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## make publish: the archive of the book last built in BUILD_DIR (its profile and -p values; standard
## if none), its .sha256 and a .manifest.json, in BUILD_DIR/publish. PUBLISH_PROFILE=paper (or any
## profile) publishes that profile instead: a long run first says what it costs and asks (YES=1: go on).
PUBLISH_PROFILE ?=
YES ?=
PUBLISH_ARGS = $(if $(PUBLISH_PROFILE),--profile $(PUBLISH_PROFILE)) $(if $(YES),--yes) --build-dir $(BUILD_DIR) $(ARGS)
publish: $(STAMP)
	$(PY) -m siqd_utils.book.publish archive $(PUBLISH_ARGS)

## make tex: the TeX packages make pdf needs, installed with apt-get when absent
TEX_PACKAGES := latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-fonts-extra \
                texlive-pictures texlive-science texlive-xetex \
                xindy fonts-freefont-otf poppler-utils
tex:
	@command -v latexmk >/dev/null && command -v xelatex >/dev/null && command -v xindy >/dev/null \
	  && command -v pdftotext >/dev/null && kpsewhich bbm.sty pgfplots.sty mathrsfs.sty >/dev/null || { \
	  command -v apt-get >/dev/null || { echo "make pdf needs TeX (Debian packages: $(TEX_PACKAGES))"; exit 1; }; \
	  echo "Installing TeX with apt-get for make pdf (about 1 GB; once)"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	    $(TEX_PACKAGES) >/dev/null; }

## make pdf: the book last built in BUILD_DIR (as make publish) as a PDF, BUILD_DIR/latex/siqd-book.pdf,
## with Sphinx's LaTeX builder and latexmk, checked (every chapter title in its text, the figures embedded)
pdf: $(STAMP) tex
	$(PY) -m siqd_utils.book.publish pdf $(PUBLISH_ARGS)

clean:
	rm -rf $(BUILD_DIR)
