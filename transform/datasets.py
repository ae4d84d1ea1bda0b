"""The published datasets: their Arrow schemas (derived from `xxgk.schema`) and their rows.

    reports       one row per extracted document (status ok or warning)
    cells         long form: document × canonical key, value, inferred, source span
    checks        every check of every extracted document
    failures      every input that did not extract (fetch errors, pages needing an attachment,
                  unreadable files), with its reason
    disclosure, applications, appeals
                  wide form: document × row code, one column per column code
    dictionary    codes, Chinese labels and units of both templates
"""
from __future__ import annotations

from functools import cache

import pyarrow as pa

from xxgk import schema
from xxgk.extract.model import PARSER_VERSION, Report, Status

# what an extraction batch records of a report; the published `reports` adds where it sits
EXTRACTED = pa.schema([
    ("sha256", pa.string()), ("source", pa.string()), ("agency", pa.string()),
    ("report_year", pa.int16()), ("template", pa.string()), ("status", pa.string()),
    ("published", pa.string()), ("encoding", pa.string()), ("kind", pa.string()),
    ("cells_read", pa.int16()), ("cells_inferred", pa.int16()), ("checks_failed", pa.int16()),
    ("disclosure_table", pa.string()), ("applications_table", pa.string()), ("appeals_table", pa.string()),
    ("agency_hint", pa.string()), ("year_hint", pa.int16()), ("place_hint", pa.string()),
    ("parser_version", pa.string()), ("extracted_at", pa.timestamp("s", tz="UTC")),
])
PLACE = pa.schema([
    ("agency_normalized", pa.string()), ("province", pa.string()), ("city", pa.string()),
    ("county", pa.string()), ("division_code", pa.string()), ("level", pa.string()),
    ("place_source", pa.string()), ("agency_key", pa.string()),
])
REPORTS = pa.schema(list(EXTRACTED) + list(PLACE))
CELLS = pa.schema([
    ("sha256", pa.string()), ("template", pa.string()), ("table", pa.string()), ("row", pa.string()),
    ("col", pa.string()), ("key", pa.string()), ("value", pa.float64()), ("inferred", pa.bool_()),
    ("span_start", pa.int32()), ("span_end", pa.int32()),
])
CHECKS = pa.schema([
    ("sha256", pa.string()), ("name", pa.string()), ("kind", pa.string()), ("rule", pa.string()),
    ("subject", pa.string()), ("ok", pa.bool_()), ("detail", pa.string()),
])
FAILURES = pa.schema([
    ("source", pa.string()), ("sha256", pa.string()), ("stage", pa.string()), ("kind", pa.string()),
    ("status", pa.string()), ("reason", pa.string()), ("attachment_url", pa.string()),
    ("http_status", pa.int16()), ("at", pa.string()), ("traceback", pa.string()),
])
SOURCES = pa.schema([
    ("source", pa.string()), ("status", pa.string()), ("sha256", pa.string()),
    ("fetched_at", pa.string()), ("http_status", pa.int16()), ("content_type", pa.string()),
    ("bytes", pa.int64()), ("charset", pa.string()), ("attachment_url", pa.string()),
    ("error", pa.string()),
])
DICTIONARY = pa.schema([
    ("template", pa.string()), ("table", pa.string()), ("row", pa.string()), ("col", pa.string()),
    ("key", pa.string()), ("number", pa.string()), ("row_label", pa.string()),
    ("col_label", pa.string()), ("unit", pa.string()),
])


@cache
def wide_columns(table: str) -> tuple[str, ...]:
    """Every column code a table has in either template, in the forms' order."""
    cols: dict[str, None] = {}
    for t in schema.TEMPLATES:
        for row in schema.rows(t, table):
            for c in schema.cols(t, table, row):
                cols.setdefault(c)
    return tuple(cols)


@cache
def wide_schema(table: str) -> pa.Schema:
    fields = [("sha256", pa.string()), ("template", pa.string()), ("row", pa.string())]
    fields += [(c, pa.float64()) for c in wide_columns(table)]
    return pa.schema(fields)


DESCRIPTIONS = {
    "reports": "One row per extracted document (status ok or warning): who, which year, which form, "
               "how much was read. `agency_hint`/`year_hint` come from a crawl list, when it had them. "
               "`province`/`city`/`county`/`division_code` (GB/T 2260) and `level` say where the agency "
               "sits, null when its name does not determine it; `place_source` is `name` or `override`. "
               "`disclosure_table`, `applications_table`, `appeals_table` say how each table was read: "
               "`read` (every row where the form puts it), `incomplete` (rows missing, misplaced or "
               "short: see `checks`), `cut` (the text stops inside it: null), `missing` (null); the "
               "headline views use only tables that were `read`.",
    "cells": "Long form: one row per document × canonical cell (`key` = `table.row.col`), with the value, "
             "whether it was inferred, and the character span in the decoded source it was read from.",
    "checks": "Every check of every document: `kind` is identity (the tables' arithmetic, numbers in "
              "`detail`), inferred (a value deduced, not read), layout (rows or tables not where the "
              "form puts them), unit (an amount converted), metadata (template, year); `rule` and "
              "`subject` say what was checked on what, `name` is `rule:subject`.",
    "failures": "Every input that did not become a report: fetch errors, pages that only link an "
                "attachment, files that could not be read or hold no report; `stage` says where, "
                "`kind` is fetch, report (a bad report) or internal (a bug of ours met on this "
                "input, with its `traceback`: please report it).",
    "disclosure": "Section 二 (第二十条 items), wide: one row per document × row code.",
    "applications": "Section 三 (applications by applicant type × outcome), wide: one row per "
                    "document × row code, one column per applicant column.",
    "appeals": "Section 四 (administrative review and litigation), wide: one row per document × row.",
    "dictionary": "Every canonical code of both templates with the official Chinese labels and unit.",
    "sources": "Every input (file path or URL) and what became of it: `stored` (its document is in "
               "`reports` or `failures` by sha256; two inputs with the same bytes share one document), "
               "`needs_attachment`, `error`, or `removed` (gone from the folder it came from).",
}

ALL = {"reports": REPORTS, "cells": CELLS, "checks": CHECKS, "failures": FAILURES,
       "disclosure": wide_schema("disclosure"), "applications": wide_schema("applications"),
       "appeals": wide_schema("appeals"), "dictionary": DICTIONARY, "sources": SOURCES}


def report_rows(sha256: str, report: Report, extracted_at, agency_hint=None, year_hint=None) -> dict[str, list[dict]]:
    """One extracted document's rows for every dataset it belongs in."""
    if report.status == Status.FAILED:
        bug = report.internal_error
        reason = "; ".join(c.detail for c in report.checks if not c.ok and c is not bug) or "failed"
        return {"failures": [{"source": report.source, "sha256": sha256, "stage": "extract",
                              "kind": "internal" if bug else "report", "status": "failed",
                              "reason": reason, "attachment_url": None, "http_status": None,
                              "at": extracted_at.isoformat(timespec="seconds"),
                              "traceback": bug.detail if bug else None}]}
    t = report.template
    out: dict[str, list[dict]] = {"reports": [{
        "sha256": sha256, "source": report.source, "agency": report.agency,
        "report_year": report.report_year, "template": t, "status": report.status,
        "published": report.published, "encoding": report.encoding, "kind": report.kind,
        "cells_read": sum(c.value is not None and not c.inferred for c in report.cells.values()),
        "cells_inferred": sum(c.inferred for c in report.cells.values()),
        "checks_failed": sum(not c.ok for c in report.checks),
        **{f"{table}_table": str(report.tables[table]) for table in schema.TABLES},
        "agency_hint": agency_hint, "year_hint": year_hint, "place_hint": report.place_hint,
        "parser_version": PARSER_VERSION, "extracted_at": extracted_at,
    }]}
    out["cells"] = []
    wide: dict[tuple[str, str], dict] = {}
    for key, cell in report.cells.items():
        table, row, col = key.split(".")
        out["cells"].append({
            "sha256": sha256, "template": t, "table": table, "row": row, "col": col, "key": key,
            "value": cell.value, "inferred": cell.inferred,
            "span_start": cell.span[0] if cell.span else None,
            "span_end": cell.span[1] if cell.span else None,
        })
        wide.setdefault((table, row), {"sha256": sha256, "template": t, "row": row})[col] = cell.value
    for table in schema.TABLES:
        out[table] = [r for (tb, _), r in wide.items() if tb == table]
    out["checks"] = [{"sha256": sha256, **c.as_dict()} for c in report.checks]
    return out


def fetch_failure(entry) -> dict:
    """A manifest entry that never became a document to extract."""
    reason = entry.error or entry.status
    if entry.status == "needs_attachment":
        reason = f"the page only links the report as an attachment: {entry.attachment_url}"
    return {"source": entry.source, "sha256": entry.sha256, "stage": "fetch", "kind": "fetch",
            "status": entry.status,
            "reason": reason, "attachment_url": entry.attachment_url,
            "http_status": entry.http_status, "at": entry.fetched_at}


def source_rows(entries) -> list[dict]:
    return [{f.name: getattr(e, f.name) for f in SOURCES} for e in entries]


def dictionary_rows() -> list[dict]:
    return [{"template": c.template, "table": c.table, "row": c.row, "col": c.col, "key": c.key,
             "number": c.number, "row_label": c.row_label, "col_label": c.col_label, "unit": c.unit}
            for c in schema.codes()]


# what a batch directory holds: the same, but reports without their place
BATCH = {**ALL, "reports": EXTRACTED}


def to_table(name: str, rows: list[dict], schemas: dict = BATCH) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schemas[name])


def with_places(reports: pa.Table, overrides: list[dict], current: dict[str, str] | None = None) -> pa.Table:
    """The published reports: each extracted report with where its agency sits, and the
    source it now stands for (a file renamed or changed since it was extracted)."""
    from xxgk.transform.regions import place_columns

    if current:
        shas = reports.column("sha256").to_pylist()
        sources = [current.get(sha, src) for sha, src in zip(shas, reports.column("source").to_pylist(), strict=True)]
        reports = reports.set_column(reports.schema.get_field_index("source"), "source", pa.array(sources, pa.string()))

    places = [place_columns(a, s, overrides, h) for a, s, h in
              zip(reports.column("agency").to_pylist(), reports.column("source").to_pylist(),
                  reports.column("place_hint").to_pylist(), strict=True)]
    for field in PLACE:
        reports = reports.append_column(field, pa.array([p[field.name] for p in places], field.type))
    return reports
