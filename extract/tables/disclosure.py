"""Section 二: the 第二十条 items, one short labelled row each (规章, 行政许可, 行政处罚 …).

Each row is found by its label anywhere in the section (reports order the sub-tables freely
and a PDF→markdown conversion may move them), and must show exactly its columns' values. A grid row one value short keeps its first and
last columns; loose single values in the section fill such gaps only when they are exactly as
many as the gaps, and are then marked inferred.
Amounts are stored in 万元: a value or header stating 元 or 亿元 is converted, with a check.
"""
from __future__ import annotations

from functools import cache

import regex

from extract.document import Row
from extract.labels import LabelMatcher
from extract.numbers import scale_to_wan
from extract.tables.base import CellValue, Check, Read, TableRead, groups
from xxgk import schema

TABLE = "disclosure"
_UNIT_ONLY = regex.compile(r"[(（]?\s*(?:单位\s*[:：]?\s*)?(?:万元|亿元|元|件|个|项)\s*[)）]?")
_HEADER_UNIT = regex.compile(r"单位\s*[:：]?\s*(万元|亿元|元)|[(（]\s*(万元|亿元|元)\s*[)）]")


@cache
def matcher(template: str) -> LabelMatcher:
    return LabelMatcher({r: schema.row_label(template, TABLE, r) for r in schema.rows(template, TABLE)})


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    out = TableRead(TABLE)
    m = matcher(template)
    found: dict[str, tuple] = {}
    loose: list[Read] = []
    for g in groups(rows, start, end):
        if g.trailing_text and not _UNIT_ONLY.fullmatch(g.trailing_text):
            continue  # a sentence (`办理行政许可 12 件，…`), not a table row
        key = m.match(g.label).key
        if key is None:
            if not g.own_label and not g.trailing_text and len(g.values) == 1:
                loose.append(g.values[0])
            continue
        if key not in found:
            found[key] = (g, g.loose + " " + g.label)
    gaps: list[str] = []
    for row in schema.rows(template, TABLE):
        cols = schema.cols(template, TABLE, row)
        keys = [f"{TABLE}.{row}.{c}" for c in cols]
        if row not in found:
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(f"row:{TABLE}.{row}", False,
                                    f"no row {schema.row_label(template, TABLE, row)} found"))
            continue
        g, context = found[row]
        values = list(g.values)
        shown = " ".join("_" if v is None else str(v.value) for v in values)
        if len(values) == len(cols) - 1 >= 2 and rows[g.row].grid:
            # A PDF→markdown conversion drops a multi-line cell from the middle of a row and
            # leaves its text loose above the table: first and last columns still line up.
            values.insert(len(cols) - 2, None)
            gaps.append(keys[len(cols) - 2])
            out.checks.append(Check(f"row:{TABLE}.{row}", False,
                                    f"{g.label} shows {len(g.values)} values ({shown}) for "
                                    f"{len(cols)} columns; read as first and last columns"))
        elif len(values) != len(cols):
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(f"row:{TABLE}.{row}", False,
                                    f"{g.label} shows {len(values)} values ({shown}) "
                                    f"for {len(cols)} columns; left null"))
            continue
        for key, v in zip(keys, values):
            out.put(key, v)
            if v is not None and v.value is not None and schema.unit(template, key) == "wan_yuan":
                _to_wan(out, key, v, context)
    if gaps and len(loose) == len(gaps):
        for key, v in zip(gaps, loose):
            out.cells[key] = CellValue(v.value, None, inferred=True)
            out.checks.append(Check(f"inferred:{key}", False,
                                    f"{key} = {v.value}: the loose value in the section, "
                                    "placed into the one gap left for it, in row order"))
    out.found = bool(found)
    return out


def _to_wan(out: TableRead, key: str, v: Read, context: str):
    unit = v.unit
    if unit is None:
        hit = _HEADER_UNIT.search(context)
        unit = next((u for u in hit.groups() if u), None) if hit else None
    if unit in ("元", "亿元"):
        cell = out.cells[key]
        cell.value = scale_to_wan(v.value, unit)
        out.checks.append(Check(f"unit:{key}", True,
                                f"{v.value} {unit} converted to {cell.value} 万元"))
