"""The published datasets as Arrow schemas, derived from `xxgk.schema.datasets`, and the rows
one extracted document gives each of them.

    reports       one row per extracted document (status ok or warning)
    cells         long form: document × canonical key, value or amount, state, source span
    checks        every check of every document
    failures      every input that did not extract, with its reason
    disclosure, applications, appeals
                  wide form: document × row code, one column per column code
    dictionary    codes, Chinese labels and units of both templates
    sources       every input and what became of it
"""
from __future__ import annotations

import pyarrow as pa

from xxgk import schema
from xxgk.extract.model import PARSER_VERSION, CellValue, Report, Status
from xxgk.schema.datasets import PLACE_COLUMNS, Column, datasets

ARROW = {"string": pa.string(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
         "float64": pa.float64(), "bool": pa.bool_(), "timestamp": pa.timestamp("s", tz="UTC"),
         "date": pa.date32()}


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW[c.type]) for c in columns])


ALL = {name: arrow_schema(d.columns) for name, d in datasets().items()}
PLACE = arrow_schema(PLACE_COLUMNS)
# what an extraction batch records of a report; the published `reports` adds where it sits
EXTRACTED = pa.schema([f for f in ALL["reports"] if f.name not in PLACE.names])


def _cell_row(cell: CellValue, unit: str) -> dict:
    """The value in the column its unit asks for, and what the report said there."""
    v = cell.value
    if cell.inferred:
        state = "inferred"
    elif v is not None:
        state = "read"
    elif cell.doubtful:
        state = "doubtful"
    else:
        state = "blank" if cell.blank else "missing"
    amount = unit == "wan_yuan"
    return {"value": None if amount or v is None else int(v), "amount": v if amount else None,
            "unit": unit, "state": state, "inferred": cell.inferred,
            "span_start": cell.span[0] if cell.span else None,
            "span_end": cell.span[1] if cell.span else None,
            "location": cell.where, "confidence": cell.confidence}


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
        fields = _cell_row(cell, schema.unit(t, key))
        out["cells"].append({"sha256": sha256, "template": t, "table": table, "row": row, "col": col,
                             "key": key, **fields})
        number = fields["value"] if fields["amount"] is None else fields["amount"]
        wide.setdefault((table, row), {"sha256": sha256, "template": t, "row": row})[col] = number
    for table in schema.TABLES:
        out[table] = [r for (tb, _), r in wide.items() if tb == table]
    out["checks"] = [{"sha256": sha256, **c.as_dict()} for c in report.checks]
    return out


def fetch_failure(entry) -> dict:
    """A manifest entry that never became a document to extract."""
    reason = entry.error or entry.status
    if entry.status == "needs_attachment" and not entry.error:  # recorded before attachments were fetched
        reason = f"the page only links the report as an attachment: {entry.attachment_url}"
    return {"source": entry.source, "sha256": entry.sha256, "stage": "fetch", "kind": "fetch",
            "status": entry.status,
            "reason": reason, "attachment_url": entry.attachment_url,
            "http_status": entry.http_status, "at": entry.fetched_at}


def source_rows(entries) -> list[dict]:
    return [{f.name: getattr(e, f.name) for f in ALL["sources"]} for e in entries]


def dictionary_rows() -> list[dict]:
    return [{"template": c.template, "table": c.table, "row": c.row, "col": c.col, "key": c.key,
             "number": c.number, "row_label": c.row_label, "col_label": c.col_label, "unit": c.unit}
            for c in schema.codes()]


# what a batch directory holds: the same, but reports without their place
BATCH = {**ALL, "reports": EXTRACTED}


def to_table(name: str, rows: list[dict], schemas: dict = BATCH) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schemas[name])


class BatchRows:
    """An extraction batch's rows, held column by column as each document's are added: its
    row dicts go while they are fresh (a batch's 100,000 cell dicts, held to the end and read
    back by pyarrow, took more memory, and more time, than extracting them)."""

    def __init__(self):
        self.columns: dict[str, dict[str, list]] = {}

    def add(self, rows: dict[str, list[dict]]) -> None:
        for name, items in rows.items():
            columns = self.columns.setdefault(name, {f.name: [] for f in BATCH[name]})
            for column, values in columns.items():
                values.extend([r.get(column) for r in items])

    def tables(self) -> dict[str, pa.Table]:
        """Each dataset a document gave rows for (maybe none), as a table."""
        return {name: pa.table({c: pa.array(v, BATCH[name].field(c).type) for c, v in columns.items()},
                               schema=BATCH[name]) for name, columns in self.columns.items()}


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
