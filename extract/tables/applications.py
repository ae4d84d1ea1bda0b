"""Section 三: the applicant × outcome matrix (25 rows in the 2021 form, 23 in the 2019 form).

Rows are printed in a fixed order, seven values each. The reader lines the report's value
groups up against the official row list with a small dynamic programme (an edit distance):
a group whose label confidently names a row may only take that row; a group without a
usable label takes whichever row its position leaves; stray numbers (a displaced cell, a
header digit) may be skipped cheaply, whole rows only at a price. This is what reads tables
whose labels were shattered or detached from their numbers, without any per-layout rule.

The 2021 form splits （六）其他处理 into three rows, but many reports still print it as one;
both row lists are tried and the cheaper alignment wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from xxgk import schema
from xxgk.extract.document import Row
from xxgk.extract.labels import LabelMatcher
from xxgk.extract.model import CellValue, Check, CheckKind
from xxgk.extract.tables.base import Group, Read, TableRead, groups

TABLE = "applications"
SECTION = 3
WIDTH = len(schema.APPLICANT_COLS)
OTHER_PARTS = ("other_no_correction", "other_unpaid_fee", "other_other")

# alignment costs
_WRONG_LABEL = 8.0
_UNLABELED = 1.0
_PER_MISSING_VALUE = 1.5
_SKIP_ROW = 4.0
_SKIP_FULL_GROUP = 6.0
_SKIP_STRAY = 0.5
_BLANK_GROUP = 3.0


@dataclass
class Placed:
    row: str
    group: Group


def _short_label(template: str, row: str) -> str:
    label = schema.row_label(template, TABLE, row) if row in schema.rows(template, TABLE) \
        else schema.row_label("2019", TABLE, row)
    # "（三）不予公开 1.属于国家秘密": the part after the group name is what tells rows apart
    return label.split(" ", 1)[1] if " " in label else label


def labels(template: str) -> dict[str, str]:
    """Row code → the label a report's row is matched against (2021's single 其他处理 row too)."""
    rows = list(schema.rows(template, TABLE))
    if "other" not in rows:
        rows.append("other")
    return {r: _short_label(template, r) for r in rows}


@cache
def matcher(template: str) -> LabelMatcher:
    return LabelMatcher(labels(template))


def row_variants(template: str) -> list[tuple[str, ...]]:
    rows = schema.rows(template, TABLE)
    if template == "2021":
        i = rows.index(OTHER_PARTS[0])
        single = rows[:i] + ("other",) + rows[i + len(OTHER_PARTS):]
        return [rows, single]
    return [rows]


def _label_key(m: LabelMatcher, g: Group) -> str | None:
    hit = m.match(g.label)
    if hit.key is None and g.own_label and g.loose:
        hit = m.match(g.loose + " " + g.label)
    return hit.key


def align(gs: list[Group], keys: list[str | None], rows: tuple[str, ...]) -> tuple[float, list[Placed]]:
    """Cheapest monotone assignment of groups to rows (an edit distance)."""
    n, k = len(gs), len(rows)
    if n == k and all(len(g.values) == WIDTH and not g.blank_only and key in (None, row)
                      for g, key, row in zip(gs, keys, rows, strict=True)):
        # the common case: one full row per official row, in order
        return sum(_UNLABELED for key in keys if key is None), [Placed(r, g) for r, g in zip(rows, gs, strict=True)]
    inf = float("inf")
    cost = [[inf] * (k + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (k + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0

    skip = []
    for g, key in zip(gs, keys, strict=True):
        full = len(g.values) >= WIDTH - 2 and not g.blank_only
        skip.append((_SKIP_FULL_GROUP + (2.0 if key else 0.0)) if full else _SKIP_STRAY)
    # the cost of taking group i as row j, less the label term added below
    base = [_PER_MISSING_VALUE * abs(len(g.values) - WIDTH) + (_BLANK_GROUP if g.blank_only else 0.0)
            for g in gs]

    def take(i, j):
        key = keys[i]
        return base[i] + (0.0 if key == rows[j] else (_UNLABELED if key is None else _WRONG_LABEL))

    for i in range(n + 1):
        for j in range(k + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and here + skip[i] < cost[i + 1][j]:
                cost[i + 1][j] = here + skip[i]
                back[i + 1][j] = (i, j)
            if j < k and here + _SKIP_ROW < cost[i][j + 1]:
                cost[i][j + 1] = here + _SKIP_ROW
                back[i][j + 1] = (i, j)
            if i < n and j < k:
                c = here + take(i, j)
                if c < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1] = c
                    back[i + 1][j + 1] = (i, j)
    placed: list[Placed] = []
    i, j = n, k
    while (i, j) != (0, 0):
        step = back[i][j]
        assert step is not None  # every reachable cell has a way back to (0, 0)
        pi, pj = step
        if pi == i - 1 and pj == j - 1:
            placed.append(Placed(rows[j - 1], gs[i - 1]))
        i, j = pi, pj
    placed.reverse()
    return cost[n][k], placed


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    """Read the table from rows[start:end]; rows printed short are left in `short`."""
    out = TableRead(TABLE)
    # a number or two with text after it is a sentence (`共收到申请 56 件`), not a table row
    gs = [g for g in groups(rows, start, end, expected=WIDTH) if not (g.trailing_text and len(g.values) <= 2)]
    m = matcher(template)
    keys = [_label_key(m, g) for g in gs]
    # the table starts at its first row; numbers before it belong to the preamble
    first = next((i for i, k in enumerate(keys) if k in ("new_received", "carried_over")), None)
    if first is not None:
        gs, keys = gs[first:], keys[first:]
    tried = [align(gs, keys, variant) + (variant,) for variant in row_variants(template)]
    # the one-row （六） variant counts only if that row is actually there
    tried = [t for t in tried if "other" not in t[2] or any(p.row == "other" for p in t[1])] or tried[:1]
    _, placed, variant = min(tried, key=lambda t: t[0])
    out.found = bool(placed)
    _put_rows(out, template, variant, {p.row: p.group for p in placed}, rows)
    _account(out, variant, placed, gs, keys)
    if variant != schema.rows(template, TABLE):
        _split_other(out)
    return out


def _rejoin(values: list[Read | None]) -> tuple[int, str, int] | None:
    """A row one value too long, where a number wrapped in a narrow column (`311 9` for 3119)
    came out as two: the one place where joining two neighbours makes the applicant columns
    add up to 总计. Returns (position, the two parts as printed, joined value), or None when no
    single join does."""
    ints = [v.value for v in values if v is not None and isinstance(v.value, int) and v.value >= 0]
    if len(values) != WIDTH + 1 or len(ints) != len(values):
        return None
    fits = []
    for i in range(WIDTH):
        joined = int(f"{ints[i]}{ints[i + 1]}")
        row = ints[:i] + [joined] + ints[i + 2:]
        if sum(row[:-1]) == row[-1]:
            fits.append((i, f"{ints[i]} and {ints[i + 1]}", joined))
    return fits[0] if len(fits) == 1 else None


def _put_rows(out: TableRead, template: str, variant: tuple[str, ...], by_row: dict[str, Group],
              rows: list[Row]):
    for row in variant:
        g = by_row.get(row)
        fix = _rejoin(g.values) if g is not None else None
        if g is not None and fix is not None:
            i, parts, joined = fix
            for col, v in zip(schema.APPLICANT_COLS, g.values[:i] + [None] + g.values[i + 2:], strict=False):
                out.put(f"{TABLE}.{row}.{col}", v)
            col = schema.APPLICANT_COLS[i]
            out.cells[f"{TABLE}.{row}.{col}"] = CellValue(joined, None, inferred=True)
            out.checks.append(Check(CheckKind.INFERRED, "inferred", f"{TABLE}.{row}.{col}", False,
                                    f"row shows {WIDTH + 1} values; {parts} read as one number, "
                                    f"{joined}, the only join under which the row adds up"))
            continue
        if g is not None and len(g.values) == WIDTH:
            out.put_row([f"{TABLE}.{row}.{col}" for col in schema.APPLICANT_COLS], g.values, rows[g.row])
            continue
        for col in schema.APPLICANT_COLS:
            out.cells[f"{TABLE}.{row}.{col}"] = CellValue(None)
        if g is None:
            continue
        if row in schema.rows(template, TABLE):
            out.short.append((row, g.values))  # the identities may place its values
        else:
            out.checks.append(Check(CheckKind.LAYOUT, "short_row", f"{TABLE}.{row}", False,
                                    f"row shows {len(g.values)} of {WIDTH} values; left null"))


def _account(out: TableRead, variant, placed: list[Placed], gs: list[Group], keys: list[str | None]):
    """Checks for whatever did not line up: rows placed against their label, rows missing,
    values no row claimed (a cell lost from some row, perhaps)."""
    key_of = {id(g): k for g, k in zip(gs, keys, strict=True)}
    for p in placed:
        key = key_of[id(p.group)]
        if key is not None and key != p.row:
            out.checks.append(Check(CheckKind.LAYOUT, "label", f"{TABLE}.{p.row}", False,
                                    f"row printed as {p.group.label!r} was placed as {p.row}"))
    found = {p.row for p in placed}
    missing = [r for r in variant if r not in found]
    if missing:
        out.checks.append(Check(CheckKind.LAYOUT, "rows", TABLE, False,
                                f"{len(variant) - len(missing)}/{len(variant)} rows found; missing: "
                                + ", ".join(missing)))
    taken = {id(p.group) for p in placed}
    stray = [g for g in gs if id(g) not in taken]
    if stray:
        out.checks.append(Check(CheckKind.LAYOUT, "stray", f"{TABLE}", False, "values not placed in any row: "
                                + "; ".join(_show(g) for g in stray)))


def _show(g: Group) -> str:
    vals = " ".join("_" if v is None else str(v.value) for v in g.values)
    return f"{g.label[:20]!r} {vals}" if g.label else vals


def _split_other(out: TableRead):
    """（六）其他处理 printed as one row in a 2021 report: its three parts are known only when
    the row is all zeros (parts of zero are zero); otherwise they stay unknown."""
    row = [out.cells.pop(f"{TABLE}.other.{c}") for c in schema.APPLICANT_COLS]
    zero = all(c.value == 0 for c in row)
    for part in OTHER_PARTS:
        for col in schema.APPLICANT_COLS:
            key = f"{TABLE}.{part}.{col}"
            if zero:
                out.cells[key] = CellValue(0, None, inferred=True)
            else:
                out.cells[key] = CellValue(None)
    detail = "（六）其他处理 printed as one row: " + " ".join(str(c.value) for c in row)
    if zero:
        out.checks.append(Check(CheckKind.INFERRED, "inferred", "other_split", False,
                                detail + "; all zero, so each of its three parts is 0 (inferred)"))
    else:
        out.checks.append(Check(CheckKind.LAYOUT, "other_split", "", False,
                                detail + "; its three parts cannot be told apart and are left null"))
