"""The published datasets: every column's type, unit and description.

The one place they are written. The parquet schemas (`xxgk.transform.datasets`), the DuckDB
comments on every table, view and column, the researchers' data package and data dictionary
all derive from here, so they cannot disagree.

Types are logical (`string`, `int16`, `int64`, `float64`, `bool`, `timestamp`, `date`):
counts are integers everywhere, amounts (万元) are floats, times are UTC and printed ISO 8601.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xxgk.schema import TABLES, codes

UNIT_NAMES = {"count": "件 (a count)", "signed_count": "件, signed (本年增/减)", "wan_yuan": "万元"}
TABLE_STATES = ("read", "incomplete", "cut", "missing")
CELL_STATES = ("read", "blank", "inferred", "missing")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    unit: str | None = None      # count | signed_count | wan_yuan, for numbers of the report


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


C = Column
SHA = C("sha256", "string", "The document: sha256 of its bytes as fetched or found.")
SOURCE = C("source", "string", "The file path or URL.")
HTTP_STATUS = C("http_status", "int16", "The HTTP status of the fetch, for a URL.")
ATTACHMENT_URL = C("attachment_url", "string", "For a page that only links its report: the linked file(s) "
                                                "(PDF, Word), space-separated; for a page stored with the "
                                                "pictures of its tables put in (as data: URIs), those pictures.")
TEMPLATE = C("template", "string", "The report form: `2019` (report years 2019–2020) or `2021` (2021 on).")

REPORT_COLUMNS = (
    SHA,
    C("source", "string", "Where the document came from: the file path or URL it was ingested from."),
    C("agency", "string", "The publishing agency as the report names it."),
    C("report_year", "int16", "The year the report covers."),
    TEMPLATE,
    C("status", "string", "`ok` (every table read, every check passed) or `warning` (read, but a check "
                          "failed, a value was inferred, or something was out of place: see `checks`)."),
    C("published", "string", "The publication date the report states (ISO 8601, YYYY-MM-DD)."),
    C("encoding", "string", "The text encoding the document was read in."),
    C("kind", "string", "The format reader that read it: text, html, pdf."),
    C("cells_read", "int16", "Cells read from the report (not inferred, not blank).", "count"),
    C("cells_inferred", "int16", "Cells deduced from the report's own identities.", "count"),
    C("checks_failed", "int16", "Checks that failed.", "count"),
    *(C(f"{t}_table", "string", f"How the {t} table was read: read (every row where the form puts "
                                "it), incomplete (rows missing, misplaced or short: see `checks`), "
                                "cut (the text stops inside it: left null), missing (not found: null). "
                                "The headline views use only tables that were read.") for t in TABLES),
    C("agency_hint", "string", "The agency the crawl list named for this URL, if any."),
    C("year_hint", "int16", "The year the crawl list named for this URL, if any."),
    C("place_hint", "string", "A place the text writes right before the agency's name."),
    C("parser_version", "string", "The extractor version that read it."),
    C("extracted_at", "timestamp", "When it was extracted (UTC)."),
)
PLACE_COLUMNS = (
    C("agency_normalized", "string", "The agency's name without its place prefix."),
    C("province", "string", "Province the agency sits in (null when neither its name, its text nor the sites list "
                                "determines it: `place_source`)."),
    C("city", "string", "City (prefecture) the agency sits in, if any."),
    C("county", "string", "County or district the agency sits in, if any."),
    C("division_code", "string", "GB/T 2260 code of the agency's division."),
    C("level", "string", "province, city, county or township; `_department` appended for a department "
                         "of that level's government."),
    C("place_source", "string", "Where the place came from: `name` (the agency's name), `text` (a place "
                                "written right before the name), `list` (the region the sites list gives "
                                "for the column the report was found under, when neither says one) or "
                                "`override` (DATA/places.csv)."),
    C("agency_key", "string", "One agency across years and spellings: division code and level (and a "
                              "department's own name; a department whose level is unknown, division code "
                              "and name); when the place is unknown, the normalised name `@` the site (or "
                              "folder) its report came from, as a name like 区政务服务办 is many agencies'."),
)

DATASETS_FIXED = {
    "reports": Dataset("reports", "One row per extracted document (status ok or warning): who, which year, "
                       "which form, how each table was read, and where the agency sits.",
                       REPORT_COLUMNS + PLACE_COLUMNS),
    "cells": Dataset("cells", "Long form: one row per document × canonical cell (`key` = `table.row.col`).", (
        SHA, TEMPLATE,
        C("table", "string", "disclosure (section 二), applications (三) or appeals (四)."),
        C("row", "string", "The row code (codes.csv)."),
        C("col", "string", "The column code (codes.csv)."),
        C("key", "string", "`table.row.col`."),
        C("unit", "string", "count, signed_count or wan_yuan: which of `value` and `amount` holds it."),
        C("value", "int64", "The number, for counts and signed counts (null for amounts and for blanks).",
          "count"),
        C("amount", "float64", "The number, for amounts in 万元 (null otherwise).", "wan_yuan"),
        C("state", "string", "read (printed in the report), blank (the report left it blank or wrote "
                             "/, —, 无: not 0), inferred (deduced from the report's identities, not "
                             "printed), doubtful (OCR read a value too uncertain to keep: null) or "
                             "missing (not found in the report)."),
        C("inferred", "bool", "Deduced from the report's own identities rather than read."),
        C("span_start", "int32", "Character offset in the decoded source where the value was read, or "
                                 "where the blank was (the mark /, —, 无, or the empty cell of a grid "
                                 "whose cells line up with the form's columns); null when inferred or "
                                 "not located."),
        C("span_end", "int32", "End of that span."),
        C("location", "string", "Where in the file the value was read, for files whose text the extractor "
                                "writes itself: `page 3 (x0,top,x1,bottom)` in points for PDFs and "
                                "scans, `table 2 row 5 cell 3` for Word files, `line 46, columns 27–28` "
                                "for a text laid out in columns of spaces (read by position); null for "
                                "other text and HTML, whose spans point into the file's own text."),
        C("confidence", "float64", "OCR only: the confidence (0–100) of the value's least sure word; "
                                   "values below the extractor's threshold are left null as doubtful."),
    )),
    "checks": Dataset("checks", "Every check of every document.", (
        SHA,
        C("name", "string", "`rule:subject`, as in the `xxgk extract --jsonl` record."),
        C("kind", "string", "identity (the tables' arithmetic), inferred (a value deduced, not read), "
                            "layout (rows or tables not where the form puts them), unit (an amount "
                            "converted), metadata (template and year)."),
        C("rule", "string", "What was checked: row_sum, outcomes_sum, balance, appeal_sum, short_row, rows, "
                            "stray, label, row, conflict, other_split, table, section, cut, unit, "
                            "template, report_year, …"),
        C("subject", "string", "What it was checked on: a row, a column, a cell key or a table."),
        C("ok", "bool", "Passed."),
        C("detail", "string", "For people: the numbers (`56 + 0 = 55 + 1`), or what was done."),
    )),
    "failures": Dataset("failures", "Every input that did not become a report, with its reason.", (
        SOURCE,
        C("sha256", "string", "The document, when bytes were stored."),
        C("stage", "string", "fetch or extract."),
        C("kind", "string", "fetch, report (a bad report) or internal (a bug of ours met on this input: "
                            "please report it)."),
        C("status", "string", "failed, error or needs_attachment (a page whose linked report was not "
                              "fetched: on another site, or its download failed)."),
        C("reason", "string", "Why, in words."),
        ATTACHMENT_URL,
        HTTP_STATUS,
        C("at", "string", "When (ISO 8601, UTC)."),
        C("traceback", "string", "For kind internal: where our code failed."),
    )),
    "sources": Dataset("sources", "Every input (file path or URL) and what became of it; a file the "
                       "crawler fetched because a page linked it (the page's report as a PDF or Word file) "
                       "is a row of its own, its `linked_from` the page; a page showing its tables as "
                       "pictures is one row, stored with the pictures put in.", (
        SOURCE,
        C("status", "string", "stored (its document is in `reports` or `failures` by sha256; two inputs "
                              "with the same bytes share one document), linked (a page that holds no "
                              "report but links it: the rows whose `linked_from` is this page are the "
                              "files it links), needs_attachment (a page that links its report, which "
                              "was not fetched: `error` says why), listing (a listing page of a column "
                              "of `xxgk run --sites`: the rows whose `linked_from` is this page are the "
                              "reports it lists), error, or removed (gone from the folder it came from)."),
        C("sha256", "string", "The document its bytes made."),
        C("fetched_at", "string", "When it was fetched or found (ISO 8601, UTC)."),
        HTTP_STATUS,
        C("content_type", "string", "The Content-Type the server sent."),
        C("bytes", "int64", "Size in bytes."),
        C("charset", "string", "The text encoding detected."),
        ATTACHMENT_URL,
        C("error", "string", "What went wrong: for status error and needs_attachment; for linked, the "
                             "linked files that could not be fetched (the others were); for a page "
                             "stored with its pictures put in, those that could not be fetched."),
        C("linked_from", "string", "For a file fetched because a page linked it as its report: that "
                                   "page's URL (its own row in `sources`, status linked or "
                                   "needs_attachment); for a report found on a column's listing page, or "
                                   "a later page of that listing, that listing page (status listing). "
                                   "Null for an input of the URL list, sites list or folder."),
        C("region_hint", "string", "The region the sites list gives for the column it was found under "
                                   "(`xxgk run --sites`), if any: where its agency sits when neither the "
                                   "agency's name nor the text says (`reports.place_source` = `list`)."),
    )),
    "dictionary": Dataset("dictionary", "Every canonical code of both templates with the official "
                          "Chinese labels and unit.", (
        TEMPLATE,
        C("table", "string", "disclosure, applications or appeals."),
        C("row", "string", "Row code."),
        C("col", "string", "Column code."),
        C("key", "string", "`table.row.col`."),
        C("number", "string", "The item's number in the official form (20.1, 三.1 …)."),
        C("row_label", "string", "The official Chinese row label."),
        C("col_label", "string", "The official Chinese column label."),
        C("unit", "string", "count, signed_count or wan_yuan."),
    )),
}

WIDE_DESCRIPTIONS = {
    "disclosure": "Section 二 (第二十条 items), wide: one row per document × row code, one column per "
                  "column code.",
    "applications": "Section 三 (applications by applicant type × outcome), wide: one row per document × "
                    "row code, one column per applicant column.",
    "appeals": "Section 四 (administrative review and litigation), wide: one row per document × row, one "
               "column per result.",
}


@cache
def wide_columns(table: str) -> tuple[Column, ...]:
    """Every column code a table has in either template, in the forms' order, typed by unit."""
    out: dict[str, Column] = {}
    for code in codes():
        if code.table == table and code.col not in out:
            kind = "float64" if code.unit == "wan_yuan" else "int64"
            out[code.col] = C(code.col, kind, f"{code.col_label} ({UNIT_NAMES[code.unit]}).", code.unit)
    return tuple(out.values())


@cache
def datasets() -> dict[str, Dataset]:
    wide = {t: Dataset(t, WIDE_DESCRIPTIONS[t], (
        SHA, TEMPLATE, C("row", "string", "The row code (codes.csv); the `dictionary` gives its label."),
        *wide_columns(t))) for t in TABLES}
    order = ("reports", "cells", "checks", "failures", *TABLES, "dictionary", "sources")
    every = {**DATASETS_FIXED, **wide}
    return {name: every[name] for name in order}
