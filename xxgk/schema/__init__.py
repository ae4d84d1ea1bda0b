"""The one source of truth for canonical cell codes, labels, units and table shapes.

Everything downstream (the extractors' row lists, the checks, parquet schemas, SQL views, the
data dictionary) derives from `codes.csv`, a verbatim copy of the contract's
`shared/contract/codes.csv`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

TEMPLATES = ("2019", "2021")
TABLES = ("disclosure", "applications", "appeals")
CODES_CSV = resources.files("xxgk") / "codes.csv"

APPLICANT_COLS = ("natural_person", "commercial", "research", "social_welfare", "legal_service",
                  "other_org", "total")
APPEAL_ROWS = ("review", "litigation_direct", "litigation_after_review")
APPEAL_COLS = ("upheld", "corrected", "other", "pending", "total")


@dataclass(frozen=True)
class Code:
    template: str
    table: str
    row: str
    col: str
    number: str
    row_label: str
    col_label: str
    unit: str

    @property
    def key(self) -> str:
        return f"{self.table}.{self.row}.{self.col}"


@cache
def codes(template: str | None = None) -> tuple[Code, ...]:
    with CODES_CSV.open(encoding="utf-8") as f:
        rows = [Code(**r) for r in csv.DictReader(f)]
    return tuple(c for c in rows if template is None or c.template == template)


@cache
def keys(template: str) -> tuple[str, ...]:
    return tuple(c.key for c in codes(template))


@cache
def rows(template: str, table: str) -> tuple[str, ...]:
    """Row codes of one table, in the order the official form prints them."""
    seen: dict[str, None] = {}
    for c in codes(template):
        if c.table == table:
            seen.setdefault(c.row)
    return tuple(seen)


@cache
def cols(template: str, table: str, row: str) -> tuple[str, ...]:
    return tuple(c.col for c in codes(template) if c.table == table and c.row == row)


@cache
def row_label(template: str, table: str, row: str) -> str:
    return next(c.row_label for c in codes(template) if c.table == table and c.row == row)


@cache
def unit(template: str, key: str) -> str:
    return next(c.unit for c in codes(template) if c.key == key)


def template_for_year(year: int) -> str:
    return "2019" if year < 2021 else "2021"


@dataclass(frozen=True)
class Identity:
    """A relation every standard report satisfies: sum(left) == sum(right)."""
    rule: str       # row_sum | outcomes_sum | balance | appeal_sum
    subject: str    # the row or column it holds for
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.rule}:{self.subject}"


IDENTITY_RULES = {
    "row_sum": "an application row: the applicant columns add up to 总计",
    "outcomes_sum": "an applicant column: the outcomes add up to （七）总计",
    "balance": "new + carried over = processed + carried forward",
    "appeal_sum": "a review or litigation row: the results add up to 总计",
}


@cache
def identities(template: str) -> tuple[Identity, ...]:
    """The tables' arithmetic (the same as `shared/tools/identities.py`)."""
    app = "applications"
    rows_ = rows(template, app)
    outcomes = rows_[2: rows_.index("total_processed")]
    people = APPLICANT_COLS[:-1]
    out = [Identity("row_sum", r, tuple(f"{app}.{r}.{c}" for c in people), (f"{app}.{r}.total",))
           for r in rows_]
    for c in APPLICANT_COLS:
        out.append(Identity("outcomes_sum", c, tuple(f"{app}.{r}.{c}" for r in outcomes),
                            (f"{app}.total_processed.{c}",)))
        out.append(Identity("balance", c, (f"{app}.new_received.{c}", f"{app}.carried_over.{c}"),
                            (f"{app}.total_processed.{c}", f"{app}.carried_forward.{c}")))
    for r in APPEAL_ROWS:
        out.append(Identity("appeal_sum", r, tuple(f"appeals.{r}.{c}" for c in APPEAL_COLS[:-1]),
                            (f"appeals.{r}.total",)))
    return tuple(out)
