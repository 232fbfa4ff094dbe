# newsarchive: `make demo` (set up, crawl the bundled offline demo site, search it) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: install demo test acceptance clean help

help:
	@echo "make demo        create $(VENV), install, crawl the offline demo site, print a search"
	@echo "make test        run the test suite (installs first)"
	@echo "make acceptance  crawl ../shared/realsite and score it (needs ../shared)"
	@echo "make clean       remove $(VENV), .demo/ and caches"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	@# pywb (replay) declares brotlipy, whose brotli module would shadow Google's brotli that
	@# Scrapy decodes with, and redis==2.10.6 and fakeredis<1.0 (pywb#817), which clash with
	@# scrapy-redis; its real dependencies are pinned in requirements.txt (redis 5, fakeredis 2).
	$(PIP) install --quiet --no-deps pywb==2.10.0
	@# pywb's wheel also ships a top-level "tests" package that would hide ours.
	rm -rf $(VENV)/lib/python*/site-packages/tests
	$(PIP) install --quiet --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m tests.mocksite.demo

test: install
	$(PY) -m pytest -q

acceptance: install
	bash .ci/acceptance

clean:
	rm -rf $(VENV) .demo .pytest_cache .hypothesis *.egg-info
