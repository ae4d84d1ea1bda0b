# Two commands for a newcomer: `make run` and `make test`. Both create .venv from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-fast bench bench-pipeline score clean

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

## test: the whole test suite
test: install
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
