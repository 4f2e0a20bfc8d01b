# The two commands a newcomer needs: `make run` and `make test`. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON := .venv/bin/python
RUFF := .venv/bin/ruff

# uv installs the locked dependencies. If it is missing it is installed with pip
# (and `python3 -m uv` is used, which works whether or not pip's bin folder is on PATH).
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := python3 -m uv
endif

.PHONY: help install run test lint format bench clean-local messages

help:
	@echo "make run          install, start servers, load demo data, serve on http://127.0.0.1:8000"
	@echo "                  (make run ADDRESS=0.0.0.0:8080 for another address; see README.md)"
	@echo "make test         install, lint, check, and run every test (browser tests included)"
	@echo "make lint         ruff check and ruff format --check"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make bench        the benchmarks (manage.py bench_*)"
	@echo "make clean-local  stop the embedded PostgreSQL and Redis and delete .local/"
	@echo "make messages     refresh the translation catalogs (fr, rw, sw) and compile them"

install:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --break-system-packages uv
	$(UV) sync --locked

# `make run ADDRESS=0.0.0.0:8080` listens there; PUBLIC_BASE_URL=https://... names the address
# people open (printed, and in every link the app sends). See README.md, "Another address".
run: install
	$(PYTHON) scripts/run.py $(if $(ADDRESS),--address '$(ADDRESS)')

test: install
	$(PYTHON) scripts/run_tests.py

lint: install
	$(RUFF) check .
	$(RUFF) format --check .

format: install
	$(RUFF) format .
	$(RUFF) check --fix .

# Benchmarks written by the apps (each one only if present), against the same servers as make test.
BENCHMARKS := bench_demo_data bench_case_list bench_readiness bench_reports bench_partners bench_slow_partner bench_upgrade

bench: install
	@for name in $(BENCHMARKS); do \
		if ls */management/commands/$$name.py >/dev/null 2>&1; then \
			echo "==> manage.py $$name"; \
			$(PYTHON) scripts/services.py exec --machine -- $(PYTHON) manage.py $$name || exit 1; \
		else \
			echo "==> skipped manage.py $$name: not in this version"; \
		fi; \
	done

clean-local:
	@if [ -x $(PYTHON) ]; then $(PYTHON) scripts/services.py stop; fi
	rm -rf .local

# Translation catalogs: collect the marked strings, then compile what translators filled in.
messages: install
	$(PYTHON) manage.py makemessages -l fr -l rw -l sw --no-obsolete \
		--ignore=.venv --ignore=.local --ignore=staticfiles --ignore=tests
	$(PYTHON) manage.py compilemessages --ignore=.venv
