"""A versioned snapshot for researchers: the current release, made reproducible, documented.

    snapshots/xxgk-<parser version>-<content hash>/
        reports.parquet, cells.parquet, …   rows sorted, run-specific columns dropped
        dictionary.csv                      every canonical code with its Chinese labels and unit
        DATA_DICTIONARY.md                  datasets, columns, types, value rules
        manifest.json                       parser version, row counts, sha256 of every file

Two pipelines run from the same raw store with the same parser version produce the same
snapshot, byte for byte: rows are sorted by their keys, and what depends on the run (when it
ran, the release id) is left out.

A release whose files are not the ones published (sha256 against its manifest) is refused:
a snapshot certifies data with fresh checksums, so it must never certify an altered file.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

from xxgk.extract.report import PARSER_VERSION
from xxgk.schema.datasets import UNIT_NAMES, datasets
from xxgk.transform.datasets import ALL, dictionary_rows
from xxgk.transform.store import tampered

VOLATILE = {"extracted_at", "at", "fetched_at"}
SORT_KEYS = {
    "reports": ["sha256"], "cells": ["sha256", "key"], "checks": ["sha256", "name", "detail"],
    "failures": ["source", "stage", "reason"], "disclosure": ["sha256", "row"],
    "applications": ["sha256", "row"], "appeals": ["sha256", "row"], "dictionary": ["template", "key"],
    "sources": ["source"],
}
VALUE_RULES = """\
- A number is stored as the report states it: `2,601` → 2601, `756. 308` → 756.308.
- Amounts (unit `wan_yuan`) are in 万元; a report stating 元 or 亿元 is converted, with a check saying so.
- A cell left blank, or written `/`, `—`, `-`, `无`, is null, never 0; `cells.state` tells a
  blank (`blank`, with the span of the mark where there was one) from a cell not found
  (`missing`), a value read (`read`) and one deduced (`inferred`).
- Counts are integers (`cells.value`, the count columns of the wide tables); amounts in 万元
  are decimals (`cells.amount`, the `amount` columns).
- Sources are never repaired: when a report's own numbers disagree, the cells keep its values
  and a failed check (table `checks`) says where.
- A value deduced from the report's own identities instead of read has `inferred = true` in
  `cells` and no source span; reports holding one have status `warning`.
- `status`: `ok` (all tables read, every check passed), `warning` (read, but a check failed
  or a value was inferred). Documents that could not be extracted are in `failures` only.
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TamperedRelease(RuntimeError):
    """A release file changed after publication."""


def make_snapshot(release: Path, out_root: Path) -> Path:
    """Write a snapshot of `release` (a folder of dataset parquet files) under `out_root`."""
    bad = tampered(release)
    if bad:
        raise TamperedRelease(f"release {release.name} was changed after it was published: the sha256 of "
                              f"{', '.join(bad)} differs from its manifest; not snapshotting it "
                              "(`xxgk run` publishes a fresh release)")
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=".tmp-"))
    counts = {}
    for name in ALL:
        table = pq.read_table(release / f"{name}.parquet")
        table = table.drop_columns([c for c in table.column_names if c in VOLATILE])
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])
        pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        counts[name] = table.num_rows
    with open(tmp / "dictionary.csv", "w", encoding="utf-8", newline="") as f:
        rows = dictionary_rows()
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    (tmp / "DATA_DICTIONARY.md").write_text(data_dictionary(), encoding="utf-8")
    files = {p.name: _sha256(p) for p in sorted(tmp.iterdir())}
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:12]
    snapshot_id = f"xxgk-{PARSER_VERSION}-{digest}"
    manifest = {"snapshot": snapshot_id, "parser_version": PARSER_VERSION, "rows": counts, "files": files}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                       encoding="utf-8")
    final = out_root / snapshot_id
    if final.exists():
        shutil.rmtree(tmp)  # the same content is already there
    else:
        os.rename(tmp, final)
    return final


def data_dictionary() -> str:
    lines = [f"# xxgk data dictionary (parser {PARSER_VERSION})", "",
             "Canonical codes follow the State Council's two report templates: `2019` (report years",
             "2019–2020) and `2021` (report years 2021 on). Every code, its Chinese labels and unit are",
             "in `dictionary.csv` (and the `dictionary` dataset).", "", "## Value rules", "", VALUE_RULES]
    for d in datasets().values():
        lines += [f"## `{d.name}`", "", d.description, "", "| column | type | unit | description |",
                  "|---|---|---|---|"]
        lines += [f"| {c.name} | {c.type} | {UNIT_NAMES.get(c.unit or '', '')} | {c.description} |"
                  for c in d.columns if c.name not in VOLATILE]
        lines.append("")
    return "\n".join(lines)
