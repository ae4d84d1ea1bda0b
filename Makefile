# Two commands for a newcomer: `make run` and `make test`. Both create .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install system run lint test test-fast bench bench-pipeline score clean

# Debian packages for reports published as files: LibreOffice converts .doc/.wps/.rtf, Tesseract
# reads scans, poppler renders PDFs for the tests' fixtures; Chromium and a CJK font render the
# report page in its test. Without them those inputs fail with a reason naming the package.
DEBIAN_PACKAGES := libreoffice-writer-nogui tesseract-ocr tesseract-ocr-chi-sim poppler-utils chromium fonts-wqy-microhei
DEBIAN_COMMANDS := soffice tesseract pdftoppm chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## system: the Debian packages above, when some command is missing and we may (root, apt-get)
system:
	@missing=$$(for c in $(DEBIAN_COMMANDS); do command -v $$c >/dev/null 2>&1 || echo $$c; done; \
	            tesseract --list-langs 2>/dev/null | grep -qx chi_sim || echo chi_sim); \
	missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages for: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEBIAN_PACKAGES) >/dev/null; \
	else \
	    echo "missing: $$missing; install as root: apt-get install $(DEBIAN_PACKAGES)"; \
	fi

## run: the pipeline on the bundled sample reports (Prefect's embedded server, no setup):
## ingest data/raw/samples → extract → parquet in data/processed/current/ + data/processed/xxgk.duckdb
run: install
	$(BIN)/xxgk run --folder data/raw/samples --data data

## lint: ruff on the source folders; import contracts and mypy on the installed package
## (config in pyproject.toml). The editable install maps the folders to xxgk.* through an import
## hook that static tools do not follow, so lint-imports and mypy read what ships: a plain
## install of the project into build/lint. mypy therefore names the copy: read
##   build/lint/xxgk/extract/report.py   as  extract/report.py
##   build/lint/xxgk/<sub>/...            as  <sub>/...   (ingest, transform, flows, sql)
##   build/lint/xxgk/cli.py               as  xxgk/cli.py
## and fix the source, not the copy (the next `make lint` replaces it). All three run, each
## printing its findings; any finding fails the target.
LINT_SRC := xxgk extract ingest transform flows sql tests benchmarks
lint: install
	rm -rf build/lint build/lib build/bdist.*
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --target build/lint .
	@status=0; \
	echo "== ruff"; $(BIN)/ruff check $(LINT_SRC) || status=1; \
	echo "== import contracts"; \
	(cd build/lint && PYTHONPATH=. ../../$(BIN)/lint-imports --no-logo --no-cache ../../pyproject.toml) || status=1; \
	echo "== mypy"; $(BIN)/mypy build/lint/xxgk || status=1; \
	exit $$status

## test: the checks of `make lint`, then the whole test suite
test: lint
	$(BIN)/pytest -q

## test-fast: the extraction tests alone, in seconds (no Prefect, no pipeline, no wheel)
test-fast: install
	$(BIN)/pytest -q -m "not slow"

## bench: extraction throughput (see README)
bench: install
	$(BIN)/python benchmarks/extract_throughput.py

## bench-pipeline: the whole pipeline on 10,000 documents (see README)
bench-pipeline: install
	$(BIN)/python benchmarks/pipeline.py --documents 10000

## score: accuracy against the gold files in ../shared (when present)
score: install
	PATH=$(CURDIR)/$(BIN):$$PATH $(PYTHON) ../shared/tools/score.py ../shared/corpus/dev ../shared/corpus/real

clean:
	rm -rf $(VENV) .prefect data/raw/store data/raw/manifest.jsonl data/processed/*
