"""An extraction batch's datasets (`BatchRows`), built column by column: every cell under its
own key, template and unit, whatever the mix of templates in the batch, and the wide tables
holding the same numbers as the long one."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import CORPUS
from xxgk.extract.report import extract_bytes, extract_file
from xxgk.transform.datasets import BATCH, BatchRows

FORMATS = CORPUS.parents[0] / "formats"
AT = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def tables():
    """A 2019 text report, a 2021 Word file, a failure and the 2019 report again: templates
    alternate within the batch."""
    rows = BatchRows()
    rows.add("a" * 64, extract_file(CORPUS / "dev" / "seed_000.txt"), AT)
    rows.add("b" * 64, extract_file(FORMATS / "001_huaian_hongze_qu_2023.docx"), AT, "洪泽区", 2023)
    rows.add("c" * 64, extract_bytes(b"", "empty.txt"), AT)
    rows.add("d" * 64, extract_file(CORPUS / "dev" / "seed_000.txt"), AT)
    return {name: t.to_pylist() for name, t in rows.tables().items()}, rows.tables()


def cell(cells, sha, key):
    (row,) = [c for c in cells if c["sha256"] == sha and c["key"] == key]
    return row


def test_each_dataset_has_its_published_schema(tables):
    _, arrow = tables
    assert set(arrow) == {"reports", "cells", "checks", "failures", "disclosure", "applications", "appeals"}
    for name, t in arrow.items():
        assert t.schema == BATCH[name], name


def test_cells_keep_their_key_template_and_unit_in_a_mixed_batch(tables):
    rows, _ = tables
    cells = rows["cells"]
    assert [sum(c["sha256"] == s * 64 for c in cells) for s in "abd"] == [198, 200, 198]
    assert cell(cells, "a" * 64, "disclosure.procurement.amount") == {
        "sha256": "a" * 64, "template": "2019", "table": "disclosure", "row": "procurement", "col": "amount",
        "key": "disclosure.procurement.amount", "unit": "wan_yuan", "value": None, "amount": 756.308,
        "state": "read", "inferred": False, "span_start": 923, "span_end": 931, "location": None, "confidence": None}
    inferred = cell(cells, "d" * 64, "applications.new_received.natural_person")
    assert (inferred["template"], inferred["value"], inferred["state"], inferred["span_start"]) == ("2019", 0, "inferred", None)
    word = cell(cells, "b" * 64, "disclosure.regulations.issued")
    assert (word["template"], word["unit"], word["value"], word["state"], word["location"]) == \
        ("2021", "count", 0, "read", "table 1 row 3 cell 2")
    assert {c["template"] for c in cells if c["sha256"] == "b" * 64} == {"2021"}


def test_wide_tables_hold_the_long_tables_numbers(tables):
    rows, _ = tables
    long = {(c["sha256"], c["table"], c["row"], c["col"]): c["value"] if c["amount"] is None else c["amount"]
            for c in rows["cells"]}
    for table in ("disclosure", "applications", "appeals"):
        for row in rows[table]:
            for col, number in row.items():
                if col not in ("sha256", "template", "row"):
                    assert long.get((row["sha256"], table, row["row"], col)) == number, (table, row["row"], col)
        for sha in ("a" * 64, "b" * 64):  # a wide row for each row of its report's form, once
            wide = [r["row"] for r in rows[table] if r["sha256"] == sha]
            assert len(wide) == len(set(wide)) and set(wide) == {c["row"] for c in rows["cells"]
                                                                 if c["sha256"] == sha and c["table"] == table}


def test_reports_checks_and_failures(tables):
    rows, _ = tables
    assert [(r["sha256"][0], r["template"], r["agency_hint"], r["year_hint"]) for r in rows["reports"]] == \
        [("a", "2019", None, None), ("b", "2021", "洪泽区", 2023), ("d", "2019", None, None)]
    assert [(f["sha256"][0], f["reason"]) for f in rows["failures"]] == [("c", "empty file")]
    assert {c["sha256"][0] for c in rows["checks"]} == {"a", "b", "d"}
