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
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "no display here: the demo needs a screen to show its window."; \
	  echo "  make screenshot                       saves pictures of it in resources/screenshots/"; \
	  echo "  .venv/bin/tillcard demo --selftest    charges a demo card offscreen and prints its receipt"; \
	  exit 1; \
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
