"""Section 二: the 第二十条 items, one short labelled row each (规章, 行政许可, 行政处罚 …).

Each row is found by its label anywhere in the section (reports order the sub-tables freely
and a PDF→markdown conversion may move them) and must show exactly its columns' values.
When several lines carry a row's label (a sentence `本年度办理行政许可 12 件` before the table),
the one whose label is closest to the official label wins, and a disagreement between them
fails a check: nothing here is read silently from prose.

A grid row one value short keeps its first and last columns (a PDF→markdown conversion drops
a multi-line cell from the middle and leaves it loose above the table); loose single values in
the section fill such gaps only when they are exactly as many as the gaps, marked inferred.

Amounts are stored in 万元: a value or the section stating 元, 千元, 百万元 or 亿元 (人民币元,
RMB元 …) is converted, with a check;
a section that states two different units for amounts fails a check.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache

import regex

from xxgk import schema
from xxgk.extract.document import Row
from xxgk.extract.labels import LabelMatcher, clean
from xxgk.extract.model import CellValue, Check, CheckKind
from xxgk.extract.numbers import AMOUNT_UNIT, money, parse_values, scale_to_wan
from xxgk.extract.tables import headers
from xxgk.extract.tables.base import Group, Read, TableRead, groups, trim_grid

TABLE = "disclosure"
SECTION = 2
_UNIT_ONLY = regex.compile(rf"[(（]?\s*(?:单位\s*[:：]?\s*)?(?:{money('money')}|件|个|项)\s*[)）]?")
_AMOUNT_UNIT = regex.compile(AMOUNT_UNIT)
# 单位：万元 · （单位：件、元） · 金额单位为元 · 本年收费金额/元 · （人民币元） · （单位：人民币元） ·
# （元人民币） · （RMB元） · （单位：千元） · 1.795（万元）
_UNIT = regex.compile(
    rf"单位\s*(?:为|是|[:：])?\s*(?:[^，。；;)）\n]{{0,8}}?[、,，/]\s*)?{money('a')}"
    rf"|[/／]\s*{money('b')}(?![\p{{Han}}])"
    rf"|[(（]\s*{money('c')}\s*[)）]")


_ENDS_IN_A_NUMBER = regex.compile(r"\d[\d,.]*$")
_SPLIT_DECIMAL = regex.compile(r"\d\.$")


def labels(template: str) -> dict[str, str]:
    return {r: schema.row_label(template, TABLE, r) for r in schema.rows(template, TABLE)}


@cache
def matcher(template: str) -> LabelMatcher:
    return LabelMatcher(labels(template))


def _units(text: str) -> list[str]:
    return [next(u for u in m.groups() if u) for m in _UNIT.finditer(text)]


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    out = TableRead(TABLE)
    candidates, loose = _candidates(rows, template, start, end)
    # the units the whole section states, read only for an amount whose row states none
    section_units = cache(lambda: set(_units(" ".join(rows[i].text for i in range(start, min(end, len(rows)))))))
    gaps: list[str] = []
    amounts = _amounts(template)
    for row in schema.rows(template, TABLE):
        keys = _keys(template, row)
        if row not in candidates:
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                    f"no row {schema.row_label(template, TABLE, row)} found"))
            continue
        g = _choose(out, row, candidates[row], len(keys))
        if rows[g.row].grid and (texts := _text_in_value_cells(rows[g.row], template, row)):
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                    f"{g.label}: text where a value goes ({' '.join(texts)}); left null"))
            continue
        if g.own_label and (_SPLIT_DECIMAL.search(g.label) or rows[g.row].grid and _ENDS_IN_A_NUMBER.search(g.label)):
            # no label of the form ends in a number: a value run into the label cell (`| 行政事业性收费
            # 20 | -4 |`, a bar OCR lost) or a decimal split at its point (`7730. 28`) leaves the
            # values after it one column to the left, and no identity checks this table. (Outside a
            # grid a bare number there is a page number: `_wrapped` in layouts/text.py.)
            out.cells.update({k: CellValue(None) for k in keys})
            out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                    f"{g.label}: a number in the label, where a value may belong; left null"))
            continue
        values = _row(out, row, keys, g, rows[g.row].grid, gaps)
        if values is None:
            continue
        out.put_row(keys, values, rows[g.row])
        for key, v in zip(keys, values, strict=True):
            if v is not None and v.value is not None and key in amounts:
                _to_wan(out, key, v, g.loose + " " + g.label, section_units, _amount_unit(g.trailing_text))
    if gaps and len(loose) == len(gaps):
        for key, v in zip(gaps, loose, strict=True):
            out.cells[key] = CellValue(v.value, None, inferred=True)
            out.checks.append(Check(CheckKind.INFERRED, "inferred", f"{key}", False,
                                    f"{key} = {v.value}: the loose value in the section, "
                                    "placed into the one gap left for it, in row order"))
    out.found = bool(candidates)
    return out


@cache
def _keys(template: str, row: str) -> list[str]:
    return [f"{TABLE}.{row}.{c}" for c in schema.cols(template, TABLE, row)]


@cache
def _amounts(template: str) -> frozenset[str]:
    """The keys of the amounts, in 万元."""
    return frozenset(k for row in schema.rows(template, TABLE) for k in _keys(template, row)
                     if schema.unit(template, k) == "wan_yuan")


def _candidates(rows: list[Row], template: str, start: int,
                end: int) -> tuple[dict[str, list[tuple[float, Group]]], list[Read]]:
    """The lines whose label names a row (with how well), and the single values seen alone."""
    m = matcher(template)
    candidates: dict[str, list[tuple[float, Group]]] = {}
    loose: list[Read] = []
    for g in groups(rows, start, end, keep_grid_blanks=True):
        if g.trailing_text and not _UNIT_ONLY.fullmatch(g.trailing_text):
            continue  # a sentence (`办理行政许可 12 件，…`), not a table row
        hit = m.match(g.label if g.own_label else _after_headers(g.label, template))
        if hit.key is None:
            first = g.values[0] if len(g.values) == 1 else None
            if not g.own_label and not g.trailing_text and first is not None:
                loose.append(first)
            continue
        candidates.setdefault(hit.key, []).append((hit.score, g))
    return candidates, loose


@cache
def _header(template: str) -> regex.Pattern:
    """An item's heading (第二十条第（五）项), 信息内容 or its parts, or a column's name (spaced or
    not, as `headers.finder` finds them)."""
    item = r"第二十条\s*第?\s*[（(]\s*[一二三四五六七八九十]+\s*[)）]\s*项"
    return regex.compile(rf"{item}|信\s*息\s*内\s*容|信息|内容|{headers.finder(template, TABLE).pattern}")


def _after_headers(loose: str, template: str) -> str:
    """The loose text a value line's label comes from, after its last header: what comes before
    ends the row above it (`许可 第二十条第（六）项 信息 本年处理决定数量 内容 行政` for 行政处罚:
    a label wrapped around its value, in a borderless table)."""
    ends = [m.end() for m in _header(template).finditer(loose)]
    return loose[ends[-1]:] if ends else loose


def _text_in_value_cells(row: Row, template: str, name: str) -> list[str]:
    """The text cells of a grid row after a first cell that names the row by itself and before
    the first value: value cells holding text (`不适用`, `20①`, `约20`), not more of the label.
    Taken for label, they would shift the values into the wrong columns (20① | -4 read as -4
    under the first column), and no identity checks table 二."""
    texts: list[str] = []
    for cell in row.cells:
        if cell.text:
            if parse_values(cell.text) is not None:
                break
            texts.append(cell.text)
    if len(texts) < 2 or matcher(template).match(texts[0]).key != name:
        return []
    column = headers.finder(template, TABLE)  # a header printed in the row: `行政许可 | 本年处理决定数量 | 447228`
    return [t for t in texts[1:] if any(c.isalnum() for c in t)  # (not a zero-width space)
            and not _UNIT_ONLY.fullmatch(t) and not column.search(t)]


def _row(out: TableRead, row: str, keys: list[str], g: Group, grid: bool, gaps: list[str]) -> list[Read | None] | None:
    """The row's values, one per column; a grid row one short has a gap put in (and noted in
    `gaps`), a row of any other width is left null (None)."""
    width = len(keys)
    values = trim_grid(list(g.values), width) if grid else list(g.values)
    if grid and len(values) > width and _repeated(values[width - 1:], zeros=width == 1):
        # the last value printed into each grid column its merged cell spans (as docling writes
        # tables): one value, as printed. (Not zeros after other values: `3 | 5 | 0 | 0` may be
        # a row moved a column, whose 0 repeats as any two zeros do.)
        out.checks.append(Check(CheckKind.LAYOUT, "repeated", f"{TABLE}.{row}", True,
                                f"{g.label} shows its last value in each of the {len(values) - width + 1} "
                                f"columns its cell spans ({_shown(values)}): read once"))
        values = values[:width]
    if len(values) == width - 1 >= 2 and grid:
        out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                f"{g.label} shows {width - 1} values ({_shown(values)}) for "
                                f"{width} columns; read as first and last columns"))
        values.insert(width - 2, None)
        gaps.append(keys[width - 2])
    elif len(values) != width:
        out.cells.update({k: CellValue(None) for k in keys})
        out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                f"{g.label} shows {len(values)} values ({_shown(values)}) "
                                f"for {width} columns; left null"))
        return None
    elif g.joined:
        out.checks.append(Check(CheckKind.LAYOUT, "row", f"{TABLE}.{row}", False,
                                f"{g.label} shows its values ({_shown(values)}) over several lines: "
                                "read as one row, though a number on its own line may be a page number"))
    return values


def _repeated(values: list[Read | None], zeros: bool) -> bool:
    """Whether the values are one value, printed again and again (none blank; 0 only if `zeros`)."""
    first = values[0]
    return first is not None and first.value is not None and (zeros or first.value != 0) and all(
        v is not None and v.value == first.value and v.unit == first.unit for v in values[1:])


def _shown(values: list[Read | None]) -> str:
    return " ".join("_" if v is None else str(v.value) for v in values)


def _choose(out: TableRead, row: str, found: list[tuple[float, Group]], width: int) -> Group:
    """The line whose label is most like the official one (the first such); a line with the
    same label and other values is a contradiction the report must be flagged for."""
    if len(found) == 1:
        return found[0][1]
    # ties (both name 行政许可) go to the line that is nothing but the label, then the shorter
    best = max(found, key=lambda sg: (sg[0], len(sg[1].values) == width, -len(clean(sg[1].label))))[1]
    others = [g for _, g in found if g is not best and _numbers(g) != _numbers(best)]
    if others:
        out.checks.append(Check(CheckKind.LAYOUT, "conflict", f"{TABLE}.{row}", False,
                                f"read {best.label!r} {_numbers(best)}; also found "
                                + "; ".join(f"{g.label!r} {_numbers(g)}" for g in others)))
    return best


def _numbers(g: Group) -> list:
    return [v.value for v in g.values if v is not None]


def _amount_unit(after: str) -> str | None:
    """The unit written after a row's amount, apart from it (`75394432.52 元` on a text line)."""
    m = _AMOUNT_UNIT.search(after) if _UNIT_ONLY.fullmatch(after) else None
    return m.group() if m else None


def _to_wan(out: TableRead, key: str, v: Read, header: str, stated_in_section: Callable[[], set[str]],
            after: str | None = None):
    stated = v.unit or after or next(iter(_units(header)), None)
    section_units = stated_in_section() if stated is None else set()
    if stated is None and len(section_units) == 1:
        stated = next(iter(section_units))
    if stated is None and len(section_units) > 1:
        out.checks.append(Check(CheckKind.UNIT, "unit", f"{key}", False, "the section states amounts in "
                                + " and ".join(sorted(section_units)) + "; which applies here is unclear"))
    if stated not in (None, "万元") and v.value is not None:
        printed, cell = v.value, out.cells[key]  # the read itself, put as the cell
        cell.value = scale_to_wan(printed, stated)
        out.checks.append(Check(CheckKind.UNIT, "unit", key, True,
                                f"{printed} {stated} converted to {cell.value} 万元"))
