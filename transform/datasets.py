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

from functools import cache

import pyarrow as pa

from xxgk import schema
from xxgk.extract.model import PARSER_VERSION, CellValue, Report, Status
from xxgk.schema.datasets import PLACE_COLUMNS, Column, datasets, wide_columns

ARROW = {"string": pa.string(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
         "float64": pa.float64(), "bool": pa.bool_(), "timestamp": pa.timestamp("s", tz="UTC"),
         "date": pa.date32()}


def arrow_schema(columns: tuple[Column, ...]) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW[c.type]) for c in columns])


ALL = {name: arrow_schema(d.columns) for name, d in datasets().items()}
PLACE = arrow_schema(PLACE_COLUMNS)
# what an extraction batch records of a report; the published `reports` adds where it sits
EXTRACTED = pa.schema([f for f in ALL["reports"] if f.name not in PLACE.names])


def failure_row(sha256: str, report: Report, extracted_at) -> dict:
    """A document that did not extract: its `failures` row."""
    bug = report.internal_error
    reason = "; ".join(c.detail for c in report.checks if not c.ok and c is not bug) or "failed"
    return {"source": report.source, "sha256": sha256, "stage": "extract",
            "kind": "internal" if bug else "report", "status": "failed",
            "reason": reason, "attachment_url": None, "http_status": None,
            "at": extracted_at.isoformat(timespec="seconds"),
            "traceback": bug.detail if bug else None}


def report_row(sha256: str, report: Report, extracted_at, agency_hint=None, year_hint=None) -> dict:
    """An extracted document's `reports` row (without its place: `with_places`)."""
    cells = report.cells.values()
    return {
        "sha256": sha256, "source": report.source, "agency": report.agency,
        "report_year": report.report_year, "template": report.template, "status": report.status,
        "published": report.published, "encoding": report.encoding, "kind": report.kind,
        "cells_read": sum(c.value is not None and not c.inferred for c in cells),
        "cells_inferred": sum(c.inferred for c in cells),
        "checks_failed": sum(not c.ok for c in report.checks),
        **{f"{table}_table": str(report.tables[table]) for table in schema.TABLES},
        "agency_hint": agency_hint, "year_hint": year_hint, "place_hint": report.place_hint,
        "parser_version": PARSER_VERSION, "extracted_at": extracted_at,
    }


def _cell_state(cell: CellValue) -> str:
    if cell.inferred:
        return "inferred"
    if cell.value is not None:
        return "read"
    if cell.doubtful:
        return "doubtful"
    return "blank" if cell.blank else "missing"


class _Form:
    """What every report of one template shares in the datasets: its keys in order, the cells'
    fixed columns as Arrow arrays, and where each wide table's column takes its numbers from.
    A report's ~200 cells then cost a few list comprehensions, not ~200 row dicts."""

    FIXED = ("template", "table", "row", "col", "key", "unit")

    def __init__(self, template: str):
        self.template = template
        self.keys = schema.keys(template)
        units = [schema.unit(template, k) for k in self.keys]
        self.amounts = [u == "wan_yuan" for u in units]
        parts = [k.split(".") for k in self.keys]
        fixed = {"template": [template] * len(self.keys), "table": [p[0] for p in parts],
                 "row": [p[1] for p in parts], "col": [p[2] for p in parts], "key": list(self.keys),
                 "unit": units}
        self.fixed = {name: pa.array(v, pa.string()) for name, v in fixed.items()}
        where = {k: i for i, k in enumerate(self.keys)}
        # per wide table: its rows in the form's order, and per column the index of each row's
        # cell among the report's numbers (len(keys): a None put after them, the form has no such cell)
        self.wide: dict[str, tuple[list[str], dict[str, list[int]]]] = {}
        for table in schema.TABLES:
            rows = list(schema.rows(template, table))
            self.wide[table] = (rows, {c.name: [where.get(f"{table}.{r}.{c.name}", len(self.keys)) for r in rows]
                                       for c in wide_columns(table)})


@cache
def _form(template: str) -> _Form:
    return _Form(template)


class BatchRows:
    """An extraction batch's rows, held column by column as each document is added (a batch's
    100,000 cell dicts, held to the end and read back by pyarrow, took more memory, and more
    time, than extracting them); a cell's fixed columns (key, unit …) are the template's."""

    def __init__(self):
        self.columns: dict[str, dict[str, list]] = {}
        self.cell_forms: list[_Form] = []  # the template of each report whose cells were added

    def add(self, sha256: str, report: Report, extracted_at, agency_hint=None, year_hint=None) -> None:
        """One extracted document's rows in every dataset it belongs in."""
        if report.status == Status.FAILED:
            self._rows("failures", [failure_row(sha256, report, extracted_at)])
            return
        assert report.template is not None  # an extracted report has one
        form = _form(report.template)
        self._rows("reports", [report_row(sha256, report, extracted_at, agency_hint, year_hint)])
        self._cells(sha256, form, [report.cells[k] for k in form.keys])
        self._rows("checks", [{"sha256": sha256, **c.as_dict()} for c in report.checks])

    def _rows(self, name: str, rows: list[dict]) -> None:
        columns = self._columns(name)
        for column, values in columns.items():
            values.extend([r.get(column) for r in rows])

    def _columns(self, name: str) -> dict[str, list]:
        """The dataset's columns as lists (but the cells' fixed ones: `cell_forms`)."""
        if name not in self.columns:
            fixed = _Form.FIXED if name == "cells" else ()
            self.columns[name] = {f.name: [] for f in BATCH[name] if f.name not in fixed}
        return self.columns[name]

    def _cells(self, sha256: str, form: _Form, cells: list[CellValue]) -> None:
        values = [c.value for c in cells]
        numbers = [v if v is None or amount else int(v) for v, amount in zip(values, form.amounts, strict=True)]
        out = self._columns("cells")
        n = len(cells)
        out["sha256"].extend([sha256] * n)
        out["value"].extend([None if amount else v for v, amount in zip(numbers, form.amounts, strict=True)])
        out["amount"].extend([v if amount else None for v, amount in zip(values, form.amounts, strict=True)])
        out["state"].extend([_cell_state(c) for c in cells])
        out["inferred"].extend([c.inferred for c in cells])
        spans = [c.span for c in cells]
        out["span_start"].extend([s[0] if s else None for s in spans])
        out["span_end"].extend([s[1] if s else None for s in spans])
        out["location"].extend([c.where for c in cells])
        out["confidence"].extend([c.confidence for c in cells])
        self.cell_forms.append(form)
        numbers.append(None)  # what a wide column takes where the form has no cell
        for table, (rows, sources) in form.wide.items():
            wide = self._columns(table)
            wide["sha256"].extend([sha256] * len(rows))
            wide["template"].extend([form.template] * len(rows))
            wide["row"].extend(rows)
            for column, at in sources.items():
                wide[column].extend([numbers[i] for i in at])

    def tables(self) -> dict[str, pa.Table]:
        """Each dataset a document gave rows for (maybe none), as a table."""
        out = {}
        for name, columns in self.columns.items():
            schema_ = BATCH[name]
            arrays = {c: pa.array(v, schema_.field(c).type) for c, v in columns.items()}
            if name == "cells":
                arrays.update({c: pa.concat_arrays([f.fixed[c] for f in self.cell_forms]) for c in _Form.FIXED})
            out[name] = pa.table({f.name: arrays[f.name] for f in schema_}, schema=schema_)
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


def with_places(reports: pa.Table, overrides: list[dict], current: dict[str, str] | None = None,
                regions: dict[str, str] | None = None) -> pa.Table:
    """The published reports: each extracted report with where its agency sits, and the
    source it now stands for (a file renamed or changed since it was extracted); `regions`:
    the sites list's region of each source found under a column."""
    from xxgk.transform.regions import place_columns

    if current:
        shas = reports.column("sha256").to_pylist()
        sources = [current.get(sha, src) for sha, src in zip(shas, reports.column("source").to_pylist(), strict=True)]
        reports = reports.set_column(reports.schema.get_field_index("source"), "source", pa.array(sources, pa.string()))

    regions = regions or {}
    places = [place_columns(a, s, overrides, h, regions.get(s)) for a, s, h in
              zip(reports.column("agency").to_pylist(), reports.column("source").to_pylist(),
                  reports.column("place_hint").to_pylist(), strict=True)]
    for field in PLACE:
        reports = reports.append_column(field, pa.array([p[field.name] for p in places], field.type))
    return reports
