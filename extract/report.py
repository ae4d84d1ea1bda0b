"""One report in, canonical cells and checks out: the extraction core's entry points.

    bytes ─ formats/ ─▶ Document (text + rows) ─ sections ─▶ tables/ ─▶ cells ─ checks ─▶ Report

`extract_file(path)` never raises for a bad report: an unreadable or reportless file comes
back as a `Report` with status `failed` and the reason in its checks.
"""
from __future__ import annotations

import logging
import os
import traceback
from dataclasses import replace
from pathlib import Path

from xxgk import schema
from xxgk.extract import checks as identity_checks
from xxgk.extract import formats, tables
from xxgk.extract.decode import Unreadable
from xxgk.extract.document import Document
from xxgk.extract.limits import Limits, TimeLimit, time_limit
from xxgk.extract.metadata import read_metadata
from xxgk.extract.model import PARSER_VERSION, CellValue, Check, CheckKind, Report, Status, TableStatus
from xxgk.extract.sections import NUMERALS, Section, find_sections, form_starts, heading_candidates
from xxgk.extract.tables import headers
from xxgk.extract.tables.base import TableRead

__all__ = ["PARSER_VERSION", "Report", "extract_bytes", "extract_file", "extract_text"]

log = logging.getLogger(__name__)
MAX_BYTES = 50 * 1024 * 1024
# An OCR'd value whose least sure word is below this confidence (tesseract's 0–100) is not
# kept: a wrong number nobody flags is worse than a blank the identities may fill.
DOUBTFUL_BELOW = 70.0
DEFAULT_LIMITS = Limits()


def strict_default() -> bool:
    """XXGK_STRICT=1 (the tests set it): a bug of ours raises instead of failing one report."""
    return os.environ.get("XXGK_STRICT", "") not in ("", "0")


def extract_file(path: str | Path, source: str | None = None, strict: bool | None = None,
                 limits: Limits = DEFAULT_LIMITS) -> Report:
    source = str(path) if source is None else source
    try:
        p = Path(path)
        if p.stat().st_size > MAX_BYTES:
            return _failed(source, f"file too large ({p.stat().st_size} bytes > {MAX_BYTES})")
        data = p.read_bytes()
    except OSError as e:
        return _failed(source, f"cannot read file: {e.strerror or e}")
    return extract_bytes(data, source, strict, limits)


def extract_bytes(data: bytes, source: str = "<bytes>", strict: bool | None = None,
                  limits: Limits = DEFAULT_LIMITS) -> Report:
    """Never raises for a bad report (`failed`, with the reason). A bug of ours raises in strict
    mode; otherwise it fails this one report with an `internal` check holding the traceback,
    so a batch goes on and the pipeline can tell bugs from bad reports."""
    try:
        with time_limit(limits.seconds):
            return extract_document(formats.read_document(data, source), source)
    except Unreadable as e:
        return _failed(source, str(e))
    except TimeLimit as e:
        return _failed(source, f"extraction {e} (the limit for one document)")
    except MemoryError:
        return _failed(source, f"extraction needed more than the memory limit ({limits.memory_mb} MB)")
    except Exception as e:
        if strict_default() if strict is None else strict:
            raise
        log.exception("extracting %s", source)
        report = _failed(source, f"internal error ({type(e).__name__}: {e}); please report this file")
        report.checks.append(Check(CheckKind.INTERNAL, "internal", "", False, traceback.format_exc()))
        return report


def extract_text(text: str, source: str = "<text>", kind: str = "text") -> Report:
    return extract_document(formats.text.from_text(text, kind=kind), source)


def extract_document(doc: Document, source: str) -> Report:
    report = Report(source, encoding=doc.encoding, kind=doc.kind)
    # what the reader left unread (a page's pictures, without Tesseract): said, whatever follows
    report.checks += [Check(CheckKind.LAYOUT, "pictures", "", False, note) for note in doc.notes]
    headings = heading_candidates(doc.rows)
    starts = form_starts(doc.rows, headings)
    if len(starts) > 1:
        return _copies(doc, source, starts) or _failed(
            source, f"one file holding {len(starts)} reports (the form's sections 二–四 come {len(starts)} "
            "times, each with its tables): read one report per file", report, rule="reports")
    sections = find_sections(doc.rows, headings)
    report.sections = sorted(sections)
    problem = _identify(report, doc, sections)
    if problem:
        return _failed(source, problem, report)
    assert report.template is not None  # _identify sets it or says why not
    read = _read_tables(doc, report.template, sections)
    if not any(t.found for t in read):
        return _failed(source, "no standard tables found", report)
    if doc.anchors:
        for t in read:
            _locate(t, doc)
    _assemble(report, read)
    report.status = Status.OK if all(c.ok for c in report.checks) else Status.WARNING
    return report


def _copies(doc: Document, source: str, starts: list[int]) -> Report | None:
    """The report of a file that prints it more than once (a page's copy for phones beside the
    one for computers, which a style sheet shows one at a time): the first copy, read alone.
    Copies have the same numbers and are preceded by the same lines, its title among them (two
    agencies' reports of all zeros have the same numbers, and an agency's reports of two years
    the same words); None when not."""
    shared = [_shared_before(doc.rows, starts[0], s) for s in starts[1:]]
    # each copy from its own lines before its 二 on: the first keeps the title and section 一
    bounds = [0, *(s - n for s, n in zip(starts[1:], shared, strict=True)), len(doc.rows)]
    first = extract_document(replace(doc, rows=doc.rows[:bounds[1]]), source)
    if first.status == Status.FAILED or not first.agency or first.report_year is None:
        return None
    values = {k: c.value for k, c in first.cells.items()}
    for n, a, b in zip(shared, bounds[1:], bounds[2:], strict=False):
        lines = "\n".join(r.text for r in doc.rows[a:a + n])
        if first.agency not in lines or str(first.report_year) not in lines:
            return None  # (a year is named in the title)
        copy = extract_document(replace(doc, rows=doc.rows[a:b]), source)
        if {k: c.value for k, c in copy.cells.items()} != values:
            return None
    # what the page says around its copies (its publication date, in a web page's chrome) is
    # read from all of it, as for a page printing its report once
    meta = read_metadata(_plain_text(doc))
    first.agency, first.published, first.place_hint = meta.agency, meta.published, meta.place_hint
    first.checks.append(Check(CheckKind.LAYOUT, "copies", "", True, f"the file prints its report {len(starts)} "
                              "times (the same title and numbers each time): read once"))
    return first


def _plain_text(doc: Document) -> str:
    """The text the metadata is read from: a web page's rows (its text is markup)."""
    return "\n".join(r.text for r in doc.rows) if doc.kind == "html" else doc.text


def _shared_before(rows: list, first: int, other: int) -> int:
    """How many rows right before `other` repeat those right before `first`."""
    n = 0
    while n < first and rows[first - n - 1].text == rows[other - n - 1].text:
        n += 1
    return n


def _identify(report: Report, doc: Document, sections) -> str | None:
    """Template, year, agency and date onto the report; the reason it is no report, if it is not."""
    meta = read_metadata(_plain_text(doc))
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
        report.checks.append(Check(CheckKind.METADATA, "template", "", False, f"no template headers; assumed the "
                                   f"{report.template} form from report year {meta.report_year}"))
    if meta.report_year is None:
        report.checks.append(Check(CheckKind.METADATA, "report_year", "", False, "report year not found"))
    elif meta.year_evidence == "most mentioned year":
        report.checks.append(Check(CheckKind.METADATA, "report_year", "", False,
                                   f"no title or 统计期限 states the year; "
                                   f"{meta.report_year} is the year the text mentions most"))
    elif meta.report_year < 2019:
        return f"report year {meta.report_year} predates the 2019 form (only reports for 2019 on are standard)"
    elif schema.template_for_year(meta.report_year) != report.template:
        report.checks.append(Check(CheckKind.METADATA, "template_year", "", False,
                                   f"{report.template} form in a {meta.report_year} report"))
    return None


def _read_tables(doc: Document, template: str, sections: dict[int, Section]) -> list[TableRead]:
    """Each table reader on its own section only: a table whose section heading is missing is
    not looked for elsewhere, so it can never take a neighbouring table's numbers."""
    out = []
    for reader in tables.READERS:
        s = sections.get(reader.SECTION)
        if s is None:
            t = TableRead(reader.TABLE)
            t.checks.append(Check(CheckKind.LAYOUT, "section", reader.TABLE, False,
                                  f"no heading of section {NUMERALS[reader.SECTION - 1]}: its table "
                                  "is read only inside its own section, so it is left null"))
        else:
            t = reader.read(doc.rows, template, s.start, s.end)
            if _cut_off(doc, t, s, sections):
                t = _nulled(t, sections)
            elif not t.found:
                t.checks.append(Check(CheckKind.LAYOUT, "table", t.table, False, f"{t.table} table not found"))
            elif shown := headers.out_of_order(doc.rows, s.start, s.end, template, t.table):
                t = _reordered(t, shown, headers.names(template, t.table))
        out.append(t)
    return out


def _locate(t: TableRead, doc: Document):
    """Each read cell's place in the file; an OCR'd value too uncertain to keep is nulled, with
    a check, before the identities run (they may then infer it, marked as inferred)."""
    for key, cell in t.cells.items():
        anchor = doc.anchor(cell.span) if cell.span else None
        if anchor is None:
            continue
        cell.where, cell.confidence = anchor.where, anchor.confidence
        if cell.value is not None and anchor.confidence is not None and anchor.confidence < DOUBTFUL_BELOW:
            t.checks.append(Check(CheckKind.DOUBTFUL, "doubtful", key, False,
                                  f"read {cell.value!r} at {anchor.where} with confidence {anchor.confidence:.0f} "
                                  f"(below {DOUBTFUL_BELOW:.0f}): left null"))
            cell.value, cell.doubtful = None, True


def _cut_off(doc: Document, t: TableRead, s: Section, sections: dict[int, Section]) -> bool:
    """The text stops inside this table: its section is the last one found, sections 五 and
    六 never come, and the table is incomplete or the text ends on its last number's last
    character (which may itself be cut: `14584.9972` → `14`)."""
    if any(n > s.number for n in sections):
        return False
    if not t.found or t.short or any(not c.ok and c.kind is CheckKind.LAYOUT for c in t.checks):
        return True
    last = max((c.span[1] for c in t.cells.values() if c.span), default=0)
    return last == len(doc.text)


def _nulled(t: TableRead, sections: dict[int, Section]) -> TableRead:
    last = NUMERALS[max(sections) - 1]
    return _left_null(t, [], "cut", f"the text ends in section {last}, inside or right after this table, and "
                      "no later section follows: cut off, so the table is left null", cut=True)


def _reordered(t: TableRead, shown: list[str], form: tuple[str, ...]) -> TableRead:
    """A table whose header prints its columns in another order than the form's: read by
    position, its values would sit under the wrong columns' codes, so it is left null."""
    return _left_null(t, t.checks, "columns", f"its header prints the columns {' '.join(shown)}, not in the "
                      f"form's order ({' '.join(form)}): left null")


def _left_null(t: TableRead, checks: list[Check], rule: str, detail: str, cut: bool = False) -> TableRead:
    """The table found, every cell of it null, with `checks` and a failed one saying why."""
    return TableRead(t.table, {k: CellValue(None) for k in t.cells},
                     [*checks, Check(CheckKind.LAYOUT, rule, t.table, False, detail)], found=True, cut=cut)


def _assemble(report: Report, read: list[TableRead]):
    """The tables' cells under every canonical key, then the identities: placement of short
    rows, forced values, and one check per identity."""
    cells: dict[str, CellValue] = {}
    for t in read:
        cells.update(t.cells)
        report.checks.extend(t.checks)
    template = report.template
    assert template is not None
    report.cells = {k: cells[k] if k in cells else CellValue(None) for k in schema.keys(template)}
    report.checks.extend(_whole_counts(report.cells, template))
    short = [row for t in read for row in t.short]
    placed = identity_checks.place_short_rows(report.cells, template, short)
    report.checks.extend(placed)
    report.checks.extend(identity_checks.solve(report.cells, template))
    report.checks.extend(identity_checks.evaluate(report.cells, template))
    report.tables = {t.table: _table_status(t, placed if t.table == "applications" else []) for t in read}


def _whole_counts(cells: dict[str, CellValue], template: str) -> list[Check]:
    """Counts are whole numbers: `12.0` is 12, and `1.5` where a count belongs is a misreading,
    left null with a check rather than rounded into a wrong number."""
    out = []
    for key, cell in cells.items():
        v = cell.value
        if isinstance(v, float) and schema.unit(template, key) != "wan_yuan":
            if v.is_integer():
                cell.value = int(v)
            else:
                cells[key] = CellValue(None, cell.span)
                out.append(Check(CheckKind.LAYOUT, "whole_count", key, False,
                                 f"{v:g} where the form has a count: left null"))
    return out


def _table_status(t: TableRead, more: list[Check]) -> TableStatus:
    if t.cut:
        return TableStatus.CUT
    if not t.found:
        return TableStatus.MISSING
    # values left over (`stray`) say nothing against the rows that were placed
    if any(not c.ok and c.kind is CheckKind.LAYOUT and c.rule != "stray" for c in t.checks + more):
        return TableStatus.INCOMPLETE
    return TableStatus.READ


def _failed(source: str, reason: str, report: Report | None = None, rule: str = "readable") -> Report:
    report = report or Report(source)
    report.status = Status.FAILED
    report.cells = {}
    report.checks.append(Check(CheckKind.UNREADABLE, rule, "", False, reason))
    return report
