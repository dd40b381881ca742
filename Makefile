# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m radtik.devserver

# Test files shared out to TEST_WORKERS pytest-xdist processes, each file whole in one (its
# module fixtures start once). Most of a test is waiting for real processes, so two on 2 cores
# took 18.5 minutes where one took 23-34 (on faster days). TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= 2
test: $(VENV)/.installed
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# One migrated database copied by every script (bench/scratch.py), dropped at the end.
bench: $(VENV)/.installed
	@template=radtik_bench_template_$$$$; trap "$(PY) bench/scratch.py drop $$template" EXIT; \
	began=$$(date +%s); $(PY) bench/scratch.py template $$template || exit 1; \
	for script in bench/*.py; do \
		case $$script in */__init__.py|*/scratch.py|*/support_*.py) continue;; esac; \
		echo "== $$script"; started=$$(date +%s); \
		BENCH_TEMPLATE_DB=$$template $(PY) $$script || exit 1; \
		echo "-- $$script took $$(( $$(date +%s) - started )) s"; done; \
	echo "-- make bench took $$(( $$(date +%s) - began )) s"
