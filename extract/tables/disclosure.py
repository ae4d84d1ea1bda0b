"""Section 二: the 第二十条 items, one short labelled row each (规章, 行政许可, 行政处罚 …).

Each row is found by its label anywhere in the section (reports order the sub-tables freely
and a PDF→markdown conversion may move them), and must show exactly its columns' values.
Amounts are stored in 万元: a value or header stating 元 or 亿元 is converted, with a check.
"""
from __future__ import annotations

from functools import cache

import regex

from extract.document import Row
from extract.labels import LabelMatcher
from extract.numbers import scale_to_wan
from extract.tables.base import CellValue, Check, TableRead, groups
from xxgk import schema

TABLE = "disclosure"
_HEADER_UNIT = regex.compile(r"单位\s*[:：]?\s*(万元|亿元|元)|[(（]\s*(万元|亿元|元)\s*[)）]")


@cache
def matcher(template: str) -> LabelMatcher:
    return LabelMatcher({r: schema.row_label(template, TABLE, r) for r in schema.rows(template, TABLE)})


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    out = TableRead(TABLE)
    m = matcher(template)
    found: dict[str, tuple] = {}
    for g in groups(rows, start, end):
        key = m.match(g.label).key if g.own_label else None
        if key is None or key in found:
            continue
        found[key] = (g, g.loose + " " + g.label)
    for row in schema.rows(template, TABLE):
        cols = schema.cols(template, TABLE, row)
        keys = [f"{TABLE}.{row}.{c}" for c in cols]
        if row not in found:
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(f"row:{TABLE}.{row}", False,
                                    f"no row {schema.row_label(template, TABLE, row)} found"))
            continue
        g, context = found[row]
        if len(g.values) != len(cols):
            out.cells.update({k: CellValue(None) for k in keys})
            shown = " ".join("_" if v is None else str(v.value) for v in g.values)
            out.checks.append(Check(f"row:{TABLE}.{row}", False,
                                    f"{g.label} shows {len(g.values)} values ({shown}) "
                                    f"for {len(cols)} columns; left null"))
            continue
        for key, v in zip(keys, g.values):
            out.put(key, v)
            if v is not None and v.value is not None and schema.unit(template, key) == "wan_yuan":
                _to_wan(out, key, v, context)
    out.found = bool(found)
    return out


def _to_wan(out: TableRead, key: str, v, context: str):
    unit = v.unit
    if unit is None:
        hit = _HEADER_UNIT.search(context)
        unit = next((u for u in hit.groups() if u), None) if hit else None
    if unit in ("元", "亿元"):
        cell = out.cells[key]
        cell.value = scale_to_wan(v.value, unit)
        out.checks.append(Check(f"unit:{key}", True,
                                f"{v.value} {unit} converted to {cell.value} 万元"))
