"""A versioned snapshot for researchers: the current release, made reproducible, documented,
citable.

    snapshots/xxgk-<parser version>-<content hash>/
        reports.parquet, cells.parquet, …   rows sorted, run-specific columns dropped
        reports.csv.gz, cells.csv.gz, …     the same rows as gzipped CSV (the tabular resources)
        DATA_DICTIONARY.md                  datasets, columns, types, units, value rules
        datapackage.json                    a Frictionless Data Package: every file with its size,
                                            sha256 and Table Schema (types, units, descriptions,
                                            keys); title, version, licence, contributors, sources
        CITATION.cff                        how to cite it (Citation File Format 1.2.0)
        manifest.json                       parser version, row counts, sha256 of every file

Two pipelines run from the same raw store with the same parser version produce the same
snapshot, byte for byte: rows are sorted by their keys, and what depends on the run (when it
ran, the release id) is left out. Dates come from the data: the package is dated by its newest
input (`sources.fetched_at`), never by the clock. The title, licence, contributors and
repository come from configuration (`xxgk.config.package`: XXGK_HOME/xxgk.toml, XXGK_PACKAGE_*).

The version is the parser version and a content hash: sha256 over the data files' sha256 and
that configuration, so the same data published under another licence is another version.

A release whose files are not the ones published (sha256 against its manifest) is refused:
a snapshot certifies data with fresh checksums, so it must never certify an altered file.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from xxgk import config
from xxgk.extract.report import PARSER_VERSION
from xxgk.schema.datasets import UNIT_NAMES, Dataset, datasets
from xxgk.transform.datasets import ALL
from xxgk.transform.store import file_sha256, tampered

# Columns that depend on the run rather than on the raw store: when a document was extracted
# (`at` is that time for an extraction failure). `sources.fetched_at` stays: it is the raw
# store's record of when each input was fetched, and the package's date.
VOLATILE = {"extracted_at", "at"}
SORT_KEYS = {
    "reports": ["sha256"], "cells": ["sha256", "key"], "checks": ["sha256", "name", "detail"],
    "failures": ["source", "stage", "reason"], "disclosure": ["sha256", "row"],
    "applications": ["sha256", "row"], "appeals": ["sha256", "row"], "dictionary": ["template", "key"],
    "sources": ["source"],
}
# Table Schema: each dataset's key, and the references that hold in every release.
PRIMARY_KEYS = {
    "reports": ["sha256"], "cells": ["sha256", "key"], "disclosure": ["sha256", "row"],
    "applications": ["sha256", "row"], "appeals": ["sha256", "row"], "dictionary": ["template", "key"],
    "sources": ["source"],
}
FOREIGN_KEYS = {
    **{name: [{"fields": "sha256", "reference": {"resource": "reports", "fields": "sha256"}}]
       for name in ("cells", "checks", "disclosure", "applications", "appeals")},
}
FOREIGN_KEYS["cells"].append({"fields": ["template", "key"],
                              "reference": {"resource": "dictionary", "fields": ["template", "key"]}})
FRICTIONLESS_TYPES = {"string": "string", "int16": "integer", "int32": "integer", "int64": "integer",
                      "float64": "number", "bool": "boolean", "timestamp": "datetime", "date": "date"}
PARQUET = {"format": "parquet", "mediatype": "application/vnd.apache.parquet"}
CSV = {"format": "csv", "compression": "gz", "mediatype": "text/csv", "encoding": "utf-8"}
LICENSES = {  # SPDX identifier → (title, URL), for the licences data are usually published under
    "CC-BY-4.0": ("Creative Commons Attribution 4.0 International", "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribution-ShareAlike 4.0 International",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons Zero v1.0 Universal", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "ODC-By-1.0": ("Open Data Commons Attribution License v1.0", "https://opendatacommons.org/licenses/by/1-0/"),
    "ODbL-1.0": ("Open Data Commons Open Database License v1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    "PDDL-1.0": ("Open Data Commons Public Domain Dedication & License 1.0",
                 "https://opendatacommons.org/licenses/pddl/1-0/"),
}
# Up to this many inputs are listed in datapackage.json's `sources`; more, and `sources` names
# the `sources` resource, which lists every one of them anyway.
SOURCES_INLINE = 50
DESCRIPTION = ("Every number of the three standard tables (section 二: rules and decisions; 三: information "
               "disclosure requests and their outcomes; 四: administrative reviews and lawsuits) of Chinese "
               "government agencies' information disclosure annual reports, under one set of canonical codes, "
               "with each report's own arithmetic as checks and every input it was read from. Data dictionary: "
               "DATA_DICTIONARY.md.")
KEYWORDS = ["government information disclosure", "政府信息公开", "freedom of information", "China",
            "annual reports", "administrative review", "administrative litigation"]

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


class TamperedRelease(RuntimeError):
    """A release file changed after publication."""


def make_snapshot(release: Path, out_root: Path, package: config.Package | None = None) -> Path:
    """Write a snapshot of `release` (a folder of dataset parquet files) under `out_root`.
    `package`: title, licence, contributors, repository (default: `config.package()`)."""
    package = package or config.package()
    bad = tampered(release)
    if bad:
        raise TamperedRelease(f"release {release.name} was changed after it was published: the sha256 of "
                              f"{', '.join(bad)} differs from its manifest; not snapshotting it "
                              "(`xxgk run` publishes a fresh release)")
    out_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_root, prefix=".tmp-"))
    try:
        return _write(release, tmp, out_root, package)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write(release: Path, tmp: Path, out_root: Path, package: config.Package) -> Path:
    counts = {}
    sources: pa.Table | None = None
    for name in ALL:
        table = pq.read_table(release / f"{name}.parquet")
        table = table.drop_columns([c for c in table.column_names if c in VOLATILE])
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[name]])
        pq.write_table(table, tmp / f"{name}.parquet", compression="zstd")
        _write_csv(tmp / f"{name}.csv.gz", table.column_names, table.to_pylist())
        counts[name] = table.num_rows
        if name == "sources":
            sources = table
    assert sources is not None  # ALL holds every dataset
    (tmp / "DATA_DICTIONARY.md").write_text(data_dictionary(), encoding="utf-8")
    files = {p.name: file_sha256(p) for p in sorted(tmp.iterdir())}  # each file hashed once
    content = json.dumps({"files": files, "package": asdict(package)}, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(content.encode()).hexdigest()[:12]
    snapshot_id = f"xxgk-{PARSER_VERSION}-{digest}"
    version = f"{PARSER_VERSION}+{digest}"
    entries = sources.to_pylist()
    as_of = max((e["fetched_at"] for e in entries if e["fetched_at"]), default=None)
    descriptor = datapackage(tmp, files, snapshot_id, version, package, entries, _utc(as_of))
    (tmp / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    (tmp / "CITATION.cff").write_text(citation(version, package, _utc(as_of)), encoding="utf-8")
    every = {**files, **{name: file_sha256(tmp / name) for name in ("datapackage.json", "CITATION.cff")}}
    manifest = {"snapshot": snapshot_id, "version": version, "parser_version": PARSER_VERSION, "rows": counts,
                "files": every}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True),
                                       encoding="utf-8")
    final = out_root / snapshot_id
    if final.exists():
        shutil.rmtree(tmp)  # the same content is already there
    else:
        os.rename(tmp, final)
    return final


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Gzipped UTF-8 CSV: a header row, RFC 4180 quoting, null as an empty field (Table
    Schema's default missing value), booleans as true/false. The gzip header carries no time
    and no name, so the same rows give the same bytes."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz, \
            io.TextIOWrapper(gz, encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(columns)
        w.writerows([_csv_value(r[c]) for c in columns] for r in rows)


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _utc(stamp: str | None) -> str | None:
    """An ISO 8601 time in UTC as `...Z` (the raw store writes `+00:00`)."""
    return stamp.replace("+00:00", "Z") if stamp else None


def table_schema(d: Dataset) -> dict:
    """A dataset's Table Schema: every field's name, frictionless type, description, and unit
    (a custom property: count, signed_count, wan_yuan) from `xxgk.schema.datasets`."""
    fields = []
    for c in d.columns:
        if c.name in VOLATILE:
            continue
        field: dict = {"name": c.name, "type": FRICTIONLESS_TYPES[c.type], "description": c.description}
        if c.unit:
            field["unit"] = c.unit
        fields.append(field)
    out: dict = {"fields": fields, "missingValues": [""]}
    if d.name in PRIMARY_KEYS:
        out["primaryKey"] = PRIMARY_KEYS[d.name]
    if d.name in FOREIGN_KEYS:
        out["foreignKeys"] = FOREIGN_KEYS[d.name]
    return out


def _file(folder: Path, hashes: dict[str, str], path: str) -> dict:
    return {"path": path, "bytes": (folder / path).stat().st_size, "hash": f"sha256:{hashes[path]}"}


def _resources(folder: Path, hashes: dict[str, str], d: Dataset) -> list[dict]:
    """A dataset twice: as gzipped CSV, the tabular resource with its Table Schema (what every
    Frictionless tool reads and validates), and as parquet, the same rows typed for analysis
    (a file resource: frictionless checks its size and hash)."""
    return [{"name": d.name, **_file(folder, hashes, f"{d.name}.csv.gz"), "profile": "tabular-data-resource", **CSV,
             "description": d.description, "schema": table_schema(d)},
            {"name": f"{d.name}-parquet", **_file(folder, hashes, f"{d.name}.parquet"), "type": "file", **PARQUET,
             "description": f"The `{d.name}` resource as parquet, with its column types."}]


def datapackage(folder: Path, hashes: dict[str, str], snapshot_id: str, version: str, package: config.Package,
                sources: list[dict], created: str | None) -> dict:
    """The Frictionless Data Package descriptor of the snapshot in `folder` (`hashes`: the
    sha256 of each of its files, by name)."""
    resources = [r for d in datasets().values() for r in _resources(folder, hashes, d)]
    title, url = LICENSES.get(package.license, (None, None))
    licence = {"name": package.license, **({"path": url, "title": title} if url else {})}
    out: dict = {"profile": "data-package", "name": "xxgk", "id": snapshot_id, "title": package.title,
                 "description": DESCRIPTION, "version": version}
    if created:
        out["created"] = created
    out["licenses"] = [licence]
    out["contributors"] = [{"title": c.title, **({"email": c.email} if c.email else {}), "role": c.role}
                           for c in package.contributors]
    if package.repository:
        out["homepage"] = package.repository
    out["keywords"] = KEYWORDS
    out["sources"] = package_sources(sources)
    out["resources"] = resources
    return out


def package_sources(sources: list[dict]) -> list[dict]:
    """The package's `sources`: each input with its path or URL, fetch time and sha256, or, past
    SOURCES_INLINE of them, one entry naming the resource that lists them."""
    if len(sources) > SOURCES_INLINE:
        return [{"title": f"The {len(sources)} inputs (file paths and URLs) this package was read from, each "
                          "with its fetch time and sha256: resource sources",
                 "path": "sources.csv.gz"}]
    out = []
    for e in sources:
        item = {"title": e["source"], "path": e["source"]}
        item.update({k: v for k, v in (("fetched", _utc(e["fetched_at"])), ("sha256", e["sha256"]),
                                       ("status", e["status"])) if v})
        out.append(item)
    return out


def citation(version: str, package: config.Package, released: str | None) -> str:
    """CITATION.cff: Citation File Format 1.2.0. Authors are the contributors whose role is
    author (all of them when none is), each by their full name."""
    authors = [c for c in package.contributors if c.role == "author"] or list(package.contributors)
    q = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731  (a JSON string is a YAML string)
    lines = ["cff-version: 1.2.0", f"message: {q('If you use these data, please cite them as below.')}",
             "type: dataset", f"title: {q(package.title)}", f"version: {q(version)}"]
    if released:
        lines.append(f"date-released: {q(released[:10])}")
    lines.append(f"license: {q(package.license)}")
    if package.repository:
        lines.append(f"repository-code: {q(package.repository)}")
    lines.append("authors:")
    for a in authors:
        lines.append(f"  - name: {q(a.title)}")
        if a.email:
            lines.append(f"    email: {q(a.email)}")
    lines.append(f"abstract: {q(DESCRIPTION)}")
    lines.append("keywords:")
    lines += [f"  - {q(k)}" for k in KEYWORDS]
    return "\n".join(lines) + "\n"


def data_dictionary() -> str:
    lines = [f"# xxgk data dictionary (parser {PARSER_VERSION})", "",
             "Canonical codes follow the State Council's two report templates: `2019` (report years",
             "2019–2020) and `2021` (report years 2021 on). Every code, its Chinese labels and unit are",
             "in the `dictionary` dataset (`dictionary.csv.gz`, `dictionary.parquet`).", "",
             "## Value rules", "", VALUE_RULES]
    for d in datasets().values():
        lines += [f"## `{d.name}`", "", d.description, "", "| column | type | unit | description |",
                  "|---|---|---|---|"]
        lines += [f"| {c.name} | {c.type} | {UNIT_NAMES.get(c.unit or '', '')} | {c.description} |"
                  for c in d.columns if c.name not in VOLATILE]
        lines.append("")
    return "\n".join(lines)
