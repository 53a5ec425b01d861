# Two commands for a newcomer: `make demo` and `make test`. Everything else is plumbing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_INSTALL := $(BIN)/pip install -q --disable-pip-version-check -c requirements.lock
export QT_QPA_PLATFORM ?= offscreen

.PHONY: demo test lint typecheck imports pytest system venv screenshot lock bench clean \
	translations i18n dist dist-check

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(PIP_INSTALL) -e '.[dev]'
	touch $@

venv: $(STAMP)

system:
	bash installer/system-deps.sh

# Translations: resources/i18n/*.ts are the sources (kept in git); the .qm the app loads are
# built from them into the package. lupdate files a bare tr("...") under the empty context
# while tillcard.ui.texts.tr asks for "tillcard": `make i18n` renames the context around
# the lupdate run, so lupdate's own merge keeps every existing translation.
TS := $(wildcard resources/i18n/tillcard_*.ts)
QM_DIR := app/tillcard/resources/i18n
QM := $(patsubst resources/i18n/%.ts,$(QM_DIR)/%.qm,$(TS))

$(QM_DIR)/%.qm: resources/i18n/%.ts | $(STAMP)
	@mkdir -p $(QM_DIR)
	$(BIN)/pyside6-lrelease -silent -nounfinished $< -qm $@

translations: $(QM)

i18n: | $(STAMP)
	@for ts in $(TS); do \
	  sed -i 's|<name>tillcard</name>|<name></name>|' $$ts || exit 1; \
	  $(BIN)/pyside6-lupdate -silent -locations none -no-obsolete \
	    $$(find app/tillcard -name '*.py' | sort) -ts $$ts; rc=$$?; \
	  sed -i 's|<name></name>|<name>tillcard</name>|' $$ts; \
	  [ $$rc = 0 ] || exit $$rc; \
	  echo "$$ts: $$(grep -c 'type="unfinished"' $$ts) strings to translate"; \
	done

$(VENV)/.pcsc: $(STAMP)
	$(PIP_INSTALL) -e '.[pcsc]' || { echo "pyscard did not build: run 'make system' (needs swig libpcsclite-dev)"; exit 1; }
	touch $@

demo: $(STAMP) $(QM)
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

pytest: $(STAMP) $(VENV)/.pcsc $(QM)
	bash installer/ensure-postgres.sh
	$(BIN)/pytest

test: system $(STAMP) $(VENV)/.pcsc lint typecheck imports pytest

screenshot: $(STAMP) $(QM)
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot.py resources/screenshots 1024x768 1366x768 1920x1080
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot.py resources/screenshots 1366x768 --language zh_CN
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office.py resources/screenshots 1024x768 1366x768 1920x1080
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office.py resources/screenshots 1366x768 --language zh_CN
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office_dialogs.py resources/screenshots 1366x768
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office_dialogs.py resources/screenshots 1366x768 --language zh_CN
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office_tabs.py resources/screenshots 1366x768
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_office_tabs.py resources/screenshots 1366x768 --language zh_CN
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_manager.py resources/screenshots 1024x768 1366x768 1920x1080
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_manager.py resources/screenshots 1366x768 --language zh_CN
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_wizard.py resources/screenshots 1024x768 1366x768 1920x1080
	QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/python installer/screenshot_wizard.py resources/screenshots 1366x768 --language zh_CN

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_receipts.py

# The installable bundle: dist/tillcard/, a one-folder app that runs without the venv
# (installer/README.md). PyInstaller (the `dist` extra) reads ELF headers with objdump.
dist: $(STAMP) $(QM)
	@command -v objdump >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq binutils; } \
	  || { echo "PyInstaller needs objdump: sudo apt-get install binutils"; exit 1; }
	@$(BIN)/python -c 'import PyInstaller' 2>/dev/null || $(PIP_INSTALL) -e '.[dist]'
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist --workpath build/pyinstaller \
	  installer/tillcard.spec
	bash installer/check-dist.sh dist/tillcard

# Run the smoke test again on a bundle built earlier (or copied here).
dist-check:
	bash installer/check-dist.sh dist/tillcard

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
