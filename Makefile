# Two commands for a newcomer: `make demo` and `make test`. Everything else is plumbing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_INSTALL := $(BIN)/pip install -q --disable-pip-version-check -c requirements.lock
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test lint typecheck imports pytest system venv screenshot lock bench clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

venv: $(STAMP)

system:
	bash installer/system-deps.sh

$(VENV)/.pcsc: $(STAMP)
	$(PIP_INSTALL) -e '.[pcsc]' || { echo "pyscard did not build: run 'make system' (needs swig libpcsclite-dev)"; exit 1; }
	touch $@

demo: $(STAMP)
	@if [ -z "$$DISPLAY" ] && command -v xvfb-run >/dev/null; then \
	  echo "no display: running the demo under xvfb-run (make screenshot saves a picture)"; \
	  QT_QPA_PLATFORM=xcb xvfb-run -a $(BIN)/tillcard demo; \
	else QT_QPA_PLATFORM= $(BIN)/tillcard demo; fi

lint: $(STAMP)
	$(BIN)/ruff check app tests

typecheck: $(STAMP)
	$(BIN)/mypy app/tillcard

imports: $(STAMP)
	cd app && ../$(BIN)/lint-imports --config ../pyproject.toml

pytest: $(STAMP) $(VENV)/.pcsc
	bash installer/ensure-postgres.sh
	$(BIN)/pytest

test: system $(STAMP) $(VENV)/.pcsc lint typecheck imports pytest

screenshot: $(STAMP)
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1400x900x24" $(BIN)/python installer/screenshot.py resources/screenshots/cashier.png

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_receipts.py

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
