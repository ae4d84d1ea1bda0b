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

import re
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


# a numbered row label after other text: its group's name, or the header 三、本年度办理结果
# (`（六）其他处理 3.其他`, printed where a report writes every row's labels out in full)
_NUMBERED_PART = re.compile(r"(?<=[^\d\s.．、])\s*(\d{1,2}\s*[.．、]\D.*)$")


def _label_key(m: LabelMatcher, g: Group) -> str | None:
    text, own_text = g.label, g.own_label
    hit = m.match(text)
    if hit.key is None and g.own_label and g.loose:
        text, own_text = g.loose + " " + g.label, False
        hit = m.match(text)
    if (part := _NUMBERED_PART.search(text)) is not None:
        # What tells the rows of a group apart is their numbered labels. Before one, a row's
        # own label may hold its group's name (（六）其他处理, which names the one-row （六）);
        # text seen between two rows' values holds the end of the row above as well
        # (`过程性信息 7.属于行政`, labels wrapped around values set in the middle of their
        # cells): only the numbered part is this row's, and if it names no row, position says.
        numbered = m.match(part.group(1))
        if not own_text or numbered.key is not None and numbered.score > hit.score:
            return numbered.key
    return hit.key


class _Costs:
    """The alignment's steps and what each costs: skipping group i (a stray number is cheap to
    skip, a full row is not), skipping a row, and taking group i as a row (its missing or extra
    values, and its label if that names another row). Only which row a label names depends on
    the row list; the rest is worked out once for all of them."""

    def __init__(self, gs: list[Group], keys: list[str | None]):
        self.keys = keys
        self.skip: list[float] = []
        self.base: list[float] = []      # taking the group as the row its label names
        self.wrong: list[float] = []     # taking it as any other row
        self.full: list[bool] = []       # all of a row's values, not all blank
        for g, key in zip(gs, keys, strict=True):
            n, blank = len(g.values), g.blank_only
            full = n >= WIDTH - 2 and not blank
            self.skip.append((_SKIP_FULL_GROUP + (2.0 if key else 0.0)) if full else _SKIP_STRAY)
            base = _PER_MISSING_VALUE * abs(n - WIDTH) + (_BLANK_GROUP if blank else 0.0)
            self.base.append(base)
            self.wrong.append(base + (_UNLABELED if key is None else _WRONG_LABEL))
            self.full.append(n == WIDTH and not blank)

    def in_order(self, rows: tuple[str, ...]) -> bool:
        """One full row per official row, in order, no label naming another: the common case."""
        return len(self.keys) == len(rows) and all(full and key in (None, row) for full, key, row
                                                   in zip(self.full, self.keys, rows, strict=True))

    def own(self, rows: tuple[str, ...]) -> list[int | None]:
        """The row each group's label names, if one of these."""
        where = {row: j for j, row in enumerate(rows)}
        return [where.get(key) if key is not None else None for key in self.keys]

    def least(self, rows: tuple[str, ...]) -> float:
        """No alignment costs less: each group at its cheapest, skipped or taken, and a skipped
        row for each row more than there are groups."""
        cheapest = sum(min(skip, base if own is not None else wrong)
                       for skip, base, wrong, own in zip(self.skip, self.base, self.wrong, self.own(rows), strict=True))
        return cheapest + _SKIP_ROW * max(0, len(rows) - len(self.skip))

    def align(self, rows: tuple[str, ...]) -> tuple[float, dict[str, int]]:
        """Cheapest monotone assignment of groups to rows (an edit distance): the row → the
        index of the group taken as it, in row order."""
        if self.in_order(rows):
            return sum(_UNLABELED for key in self.keys if key is None), {row: i for i, row in enumerate(rows)}
        own = self.own(rows)
        table = self.table(own, len(rows))
        return table[-1][-1], self.path(table, own, rows)

    def table(self, own: list[int | None], n: int) -> list[list[float]]:
        """table[i][j]: the cheapest way to place the first i groups in the first j rows."""
        row = [j * _SKIP_ROW for j in range(n + 1)]
        table = [row]
        for skip, base, wrong, mine in zip(self.skip, self.base, self.wrong, own, strict=True):
            prev = row
            # taking group i as row j or skipping it, by list; then skipping rows, left to right
            takes = [p + wrong for p in prev[:-1]]
            if mine is not None:
                takes[mine] = prev[mine] + base
            row = [last := prev[0] + skip]
            for take, down in zip(takes, prev[1:], strict=True):
                down += skip
                best = take if take <= down else down  # not min(): a call per cell costs double
                left = last + _SKIP_ROW
                last = best if best <= left else left
                row.append(last)
            table.append(row)
        return table

    def path(self, table: list[list[float]], own: list[int | None], rows: tuple[str, ...]) -> dict[str, int]:
        """The groups taken on the way back from the last cell, each step the first of equal
        ways: taking the group, then skipping it, then skipping the row (the costs are sums of
        halves, so exact)."""
        placed: list[tuple[str, int]] = []
        i, j = len(table) - 1, len(rows)
        while i or j:
            here = table[i][j]
            if i and j and table[i - 1][j - 1] + (self.base if own[i - 1] == j - 1 else self.wrong)[i - 1] == here:
                placed.append((rows[j - 1], i - 1))
                i, j = i - 1, j - 1
            elif i and table[i - 1][j] + self.skip[i - 1] == here:
                i -= 1
            else:
                j -= 1
        return dict(reversed(placed))


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    """Read the table from rows[start:end]; rows printed short are left in `short`."""
    out = TableRead(TABLE)
    gs, keys = _value_groups(rows, template, start, end)
    variant, placed = _best_alignment(_Costs(gs, keys), template)
    out.found = bool(placed)
    _put_rows(out, template, variant, {row: gs[i] for row, i in placed.items()}, rows)
    _account(out, variant, placed, gs, keys)
    if variant != schema.rows(template, TABLE):
        _split_other(out)
    return out


def _value_groups(rows: list[Row], template: str, start: int, end: int) -> tuple[list[Group], list[str | None]]:
    """The section's value groups from the table's first row on, and the row each one's label
    names (None: no row, confidently)."""
    # a number or two with text after it is a sentence (`共收到申请 56 件`), not a table row
    gs = [g for g in groups(rows, start, end, expected=WIDTH) if not (g.trailing_text and len(g.values) <= 2)]
    m = matcher(template)
    keys = [_label_key(m, g) for g in gs]
    # the table starts at its first row; numbers before it belong to the preamble
    first = next((i for i, k in enumerate(keys) if k in ("new_received", "carried_over")), None)
    if first is not None:
        gs, keys = gs[first:], keys[first:]
    return gs, keys


def _best_alignment(costs: _Costs, template: str) -> tuple[tuple[str, ...], dict[str, int]]:
    """The row list the groups align to most cheaply (the first listed, on a tie); the one-row
    （六） variant counts only if that row is actually there. Lists the groups fill in order go
    first, and a list is aligned only if the least it could cost might still win."""
    variants = row_variants(template)
    fits = [costs.in_order(rows) for rows in variants]
    best: tuple[float, int, dict[str, int]] | None = None
    for pos in sorted(range(len(variants)), key=lambda p: not fits[p]):
        rows = variants[pos]
        if not fits[pos] and best is not None and (costs.least(rows), pos) > best[:2]:
            continue
        cost, placed = costs.align(rows)
        if pos > 0 and "other" in rows and "other" not in placed:
            continue
        if best is None or (cost, pos) < best[:2]:
            best = (cost, pos, placed)
    assert best is not None  # the form's own rows always count
    return variants[best[1]], best[2]


@cache
def _keys(row: str) -> list[str]:
    return [f"{TABLE}.{row}.{col}" for col in schema.APPLICANT_COLS]


def _rejoin(values: list[Read | None]) -> tuple[int, str, int] | None:
    """A row one value too long, where a number wrapped in a narrow column (`311 9` for 3119)
    came out as two: the one place where joining two neighbours makes the applicant columns
    add up to 总计. Returns (position, the two parts as printed, joined value), or None when no
    single join does."""
    if len(values) != WIDTH + 1:
        return None
    ints = [v.value for v in values if v is not None and isinstance(v.value, int) and v.value >= 0]
    if len(ints) != len(values):
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
        if g is not None and len(g.values) == WIDTH:
            out.put_row(_keys(row), g.values, rows[g.row])
        elif g is not None and (fix := _rejoin(g.values)) is not None:
            _put_rejoined(out, row, g.values, *fix)
        else:
            for key in _keys(row):
                out.cells[key] = CellValue(None)
            if g is not None and row in schema.rows(template, TABLE):
                out.short.append((row, g.values))  # the identities may place its values
            elif g is not None:
                out.checks.append(Check(CheckKind.LAYOUT, "short_row", f"{TABLE}.{row}", False,
                                        f"row shows {len(g.values)} of {WIDTH} values; left null"))


def _put_rejoined(out: TableRead, row: str, values: list[Read | None], i: int, parts: str, joined: int):
    keys = _keys(row)
    out.put_all(zip(keys, values[:i] + [None] + values[i + 2:], strict=False))
    out.cells[keys[i]] = CellValue(joined, None, inferred=True)
    out.checks.append(Check(CheckKind.INFERRED, "inferred", keys[i], False,
                            f"row shows {WIDTH + 1} values; {parts} read as one number, "
                            f"{joined}, the only join under which the row adds up"))


def _account(out: TableRead, variant: tuple[str, ...], placed: dict[str, int], gs: list[Group],
             keys: list[str | None]):
    """Checks for whatever did not line up: rows placed against their label, rows missing,
    values no row claimed (a cell lost from some row, perhaps)."""
    for row, i in placed.items():
        if keys[i] is not None and keys[i] != row:
            out.checks.append(Check(CheckKind.LAYOUT, "label", f"{TABLE}.{row}", False,
                                    f"row printed as {gs[i].label!r} was placed as {row}"))
    if len(placed) < len(variant):
        missing = [r for r in variant if r not in placed]
        out.checks.append(Check(CheckKind.LAYOUT, "rows", TABLE, False,
                                f"{len(variant) - len(missing)}/{len(variant)} rows found; missing: "
                                + ", ".join(missing)))
    if len(placed) < len(gs):
        taken = set(placed.values())
        out.checks.append(Check(CheckKind.LAYOUT, "stray", f"{TABLE}", False, "values not placed in any row: "
                                + "; ".join(_show(g) for i, g in enumerate(gs) if i not in taken)))
        if any(gs[i].padded for i in taken):  # `95 _ 0 _ 0 _ 0`, then `0 0 95` left over
            out.checks.append(Check(CheckKind.LAYOUT, "rows", TABLE, False,
                                    "rows read with the empty lines between their values as empty cells, "
                                    "and values left over: those lines may be no cells"))


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
