# Two commands for a newcomer: `make run` and `make test`. Both create .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run lint test test-fast bench bench-pipeline score clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

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
