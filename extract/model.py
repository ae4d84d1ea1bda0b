"""What extraction returns: a report, its cells, its checks and its status.

Everything downstream (the datasets, the views, the command line) reads these types and
nothing else of the extractor. Statuses and check kinds are enums (`StrEnum`, so they print,
compare and serialise as their plain strings), and a check's kind is a field of its own: no
consumer has to parse a name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Bumped when a report may read differently: stored documents are extracted again by the next run.
PARSER_VERSION = "0.4.4"


class Status(StrEnum):
    OK = "ok"            # every table read, every check passed
    WARNING = "warning"  # read, but a check failed, a value was inferred, or something was out of place
    FAILED = "failed"    # no usable tables; the checks say why


class CheckKind(StrEnum):
    IDENTITY = "identity"      # the report's own arithmetic: rows, outcomes, balance, appeals
    INFERRED = "inferred"      # a value deduced from the identities, not read
    LAYOUT = "layout"          # rows or values not where the form puts them, tables not found
    UNIT = "unit"              # an amount stated in another unit and converted
    DOUBTFUL = "doubtful"      # an OCR'd value read with too little confidence: left null
    METADATA = "metadata"      # template and report year
    UNREADABLE = "unreadable"  # why a report failed: not a report, cut off, undecodable
    INTERNAL = "internal"      # a bug of ours met on this input: the detail holds the traceback


class TableStatus(StrEnum):
    READ = "read"              # found in its section, every row where the form puts it
    INCOMPLETE = "incomplete"  # found, but rows missing, misplaced or printed short (see checks)
    CUT = "cut"                # the text stops inside it: left null
    MISSING = "missing"        # its section or the table itself not found: null


# Not frozen, though nothing changes a check once made: a frozen dataclass sets each field
# through object.__setattr__, which made a check five times as dear, and a report makes ~50.
@dataclass(slots=True)
class Check:
    kind: CheckKind
    rule: str      # what was checked, e.g. `row_sum`, `short_row`, `report_year`
    subject: str   # what it was checked on, e.g. `applications.granted`; "" for the report
    ok: bool
    detail: str    # for people: the numbers, or what was done

    @property
    def name(self) -> str:
        """`rule:subject`, the contract's check name (`balance:total`)."""
        return f"{self.rule}:{self.subject}" if self.subject else self.rule

    def as_dict(self) -> dict:
        rule, subject = self.rule, self.subject
        return {"name": f"{rule}:{subject}" if subject else rule, "kind": str(self.kind), "rule": rule,
                "subject": subject, "ok": self.ok, "detail": self.detail}


# Compared by identity: a cell is one place in a report (and `None in values` stays a C loop)
@dataclass(slots=True, eq=False)
class CellValue:
    value: int | float | None
    span: tuple[int, int] | None = None   # character offsets in the decoded source
    inferred: bool = False
    blank: bool = False   # the report left the cell blank or wrote /, —, 无 (not 0, not unread)
    where: str | None = None          # its place in the file when the text was synthesised (page and box, table cell)
    confidence: float | None = None   # OCR'd: the confidence (0–100) of its least sure word
    doubtful: bool = False   # OCR read a value too uncertain to keep: left null


@dataclass
class Report:
    source: str
    status: Status = Status.FAILED
    template: str | None = None
    report_year: int | None = None
    agency: str | None = None
    published: str | None = None
    place_hint: str | None = None
    encoding: str | None = None
    kind: str | None = None        # the format reader that read it: text, html, pdf, ...
    sections: list[int] = field(default_factory=list)
    cells: dict[str, CellValue] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    tables: dict[str, TableStatus] = field(default_factory=dict)  # table code → how it was read

    @property
    def internal_error(self) -> Check | None:
        return next((c for c in self.checks if c.kind is CheckKind.INTERNAL), None)

    def as_json(self) -> dict:
        """The contract's `xxgk extract --jsonl` record (spans as tuples: JSON arrays)."""
        # the cells' five maps in one pass: five comprehensions over ~200 cells cost half as much again
        values, spans, inferred, locations, confidence = {}, {}, [], {}, {}
        for k, c in self.cells.items():
            values[k] = c.value
            if c.span:
                spans[k] = c.span
            if c.inferred:
                inferred.append(k)
            if c.where:
                locations[k] = c.where
            if c.confidence is not None:
                confidence[k] = c.confidence
        return {
            "source": self.source,
            "template": self.template,
            "report_year": self.report_year,
            "agency": self.agency,
            "status": str(self.status),
            "checks": [c.as_dict() for c in self.checks],
            "cells": values,
            "spans": spans,
            "inferred": sorted(inferred),
            "locations": locations,
            "confidence": confidence,
            "published": self.published,
            "place_hint": self.place_hint,
            "encoding": self.encoding,
            "sections": self.sections,
            "tables": {k: str(v) for k, v in self.tables.items()},
            "parser_version": PARSER_VERSION,
        }
