"""One report in, canonical cells and checks out: the extraction core's entry points.

    decode → rows (layout readers) → sections → tables (table readers) → checks → Report

`extract_file(path)` never raises for a bad report: an unreadable or reportless file comes
back as a `Report` with status `failed` and the reason in its checks.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from xxgk.extract import checks as identity_checks
from xxgk.extract.decode import Decoded, Unreadable, decode
from xxgk.extract.document import Document, fold
from xxgk.extract.layouts import html as html_layout
from xxgk.extract.layouts import text as text_layout
from xxgk.extract.metadata import read_metadata
from xxgk.extract.sections import find_sections
from xxgk.extract.tables import appeals, applications, disclosure
from xxgk.extract.tables.base import CellValue, Check, TableRead
from xxgk import schema

log = logging.getLogger(__name__)
PARSER_VERSION = "0.2.0"
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class Report:
    source: str
    status: str = "failed"
    template: str | None = None
    report_year: int | None = None
    agency: str | None = None
    published: str | None = None
    place_hint: str | None = None
    encoding: str | None = None
    kind: str | None = None
    sections: list[int] = field(default_factory=list)
    cells: dict[str, CellValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def as_json(self) -> dict:
        """The contract's `xxgk extract --jsonl` record."""
        return {
            "source": self.source,
            "template": self.template,
            "report_year": self.report_year,
            "agency": self.agency,
            "status": self.status,
            "checks": [c.as_dict() for c in self.checks],
            "cells": {k: c.value for k, c in self.cells.items()},
            "spans": {k: list(c.span) for k, c in self.cells.items() if c.span},
            "inferred": sorted(k for k, c in self.cells.items() if c.inferred),
            "published": self.published,
            "place_hint": self.place_hint,
            "encoding": self.encoding,
            "sections": self.sections,
            "parser_version": PARSER_VERSION,
        }


def extract_file(path: str | Path, source: str | None = None) -> Report:
    source = str(path) if source is None else source
    try:
        p = Path(path)
        if p.stat().st_size > MAX_BYTES:
            return _failed(source, f"file too large ({p.stat().st_size} bytes > {MAX_BYTES})")
        data = p.read_bytes()
    except OSError as e:
        return _failed(source, f"cannot read file: {e.strerror or e}")
    return extract_bytes(data, source)


def extract_bytes(data: bytes, source: str = "<bytes>") -> Report:
    try:
        return extract_decoded(decode(data, source), source)
    except Unreadable as e:
        return _failed(source, str(e))
    except Exception as e:  # noqa: BLE001 - a bug of ours must cost one report, not the batch
        log.exception("extracting %s", source)
        return _failed(source, f"internal error ({type(e).__name__}: {e}); please report this file")


def extract_text(text: str, source: str = "<text>", kind: str = "text") -> Report:
    return extract_decoded(Decoded(text, "str", kind), source)


def read_document(decoded: Decoded) -> Document:
    text = fold(decoded.text)
    reader = html_layout if decoded.kind == "html" else text_layout
    return Document(text, reader.read_rows(text), decoded.kind, decoded.encoding)


def extract_decoded(decoded: Decoded, source: str) -> Report:
    doc = read_document(decoded)
    report = Report(source, encoding=decoded.encoding, kind=decoded.kind)
    sections = find_sections(doc.rows)
    report.sections = sorted(sections)
    problem = _identify(report, doc, sections)
    if problem:
        return _failed(source, problem, report)
    tables = _read_tables(doc, report.template, sections)
    if not any(t.found for t in tables.values()):
        return _failed(source, "no standard tables found", report)
    _assemble(report, tables)
    missing = [s for s in (2, 3, 4) if s not in sections]
    if missing:
        report.checks.append(Check("sections", True, "headings not found for sections "
                                   + ", ".join(map(str, missing)) + "; tables located by their labels"))
    report.status = "ok" if all(c.ok for c in report.checks) else "warning"
    return report


def _identify(report: Report, doc: Document, sections) -> str | None:
    """Template, year, agency and date onto the report; the reason it is no report, if it is not."""
    plain = "\n".join(r.text for r in doc.rows) if doc.kind == "html" else doc.text
    meta = read_metadata(plain)
    report.agency, report.published, report.place_hint = meta.agency, meta.published, meta.place_hint
    report.report_year, report.template = meta.report_year, meta.template
    if meta.template is None:
        if meta.report_year is None or 3 not in sections:
            if sections:
                last = max(sections)
                return (f"no standard tables: the text ends in section {last} "
                        f"({sections[last].title}); truncated?")
            return "no report found: neither the 2019 nor the 2021 form's tables"
        report.template = schema.template_for_year(meta.report_year)
        report.checks.append(Check("template", False, f"no template headers; assumed the "
                                   f"{report.template} form from report year {meta.report_year}"))
    if meta.report_year is None:
        report.checks.append(Check("report_year", False, "report year not found"))
    elif meta.year_evidence == "most mentioned year":
        report.checks.append(Check("report_year", False, f"no title or 统计期限 states the year; "
                                   f"{meta.report_year} is the year the text mentions most"))
    elif meta.report_year < 2019:
        return f"report year {meta.report_year} predates the 2019 form (only reports for 2019 on are standard)"
    elif schema.template_for_year(meta.report_year) != report.template:
        report.checks.append(Check("template_year", False,
                                   f"{report.template} form in a {meta.report_year} report"))
    return None


def _read_tables(doc: Document, template: str, sections) -> dict[str, TableRead]:
    rows = doc.rows

    def span(n: int) -> tuple[int, int]:
        s = sections.get(n)
        return (s.start, s.end) if s else (0, len(rows))

    return {"disclosure": disclosure.read(rows, template, *span(2)),
            "applications": applications.read(rows, template, *span(3)),
            "appeals": appeals.read(rows, *span(4))}


def _assemble(report: Report, tables: dict[str, TableRead]):
    """The tables' cells under every canonical key, then the identities: placement of short
    rows, forced values, and one check per identity."""
    cells: dict[str, CellValue] = {}
    for t in tables.values():
        cells.update(t.cells)
        report.checks.extend(t.checks)
        if not t.found:
            report.checks.append(Check(f"table:{t.table}", False, f"{t.table} table not found"))
    report.cells = {k: cells.get(k, CellValue(None)) for k in schema.keys(report.template)}
    t = report.template
    report.checks.extend(identity_checks.place_short_rows(report.cells, t, tables["applications"].short))
    report.checks.extend(identity_checks.solve(report.cells, t))
    report.checks.extend(identity_checks.evaluate(report.cells, t))


def _failed(source: str, reason: str, report: Report | None = None) -> Report:
    report = report or Report(source)
    report.status = "failed"
    report.cells = {}
    report.checks.append(Check("readable", False, reason))
    return report
