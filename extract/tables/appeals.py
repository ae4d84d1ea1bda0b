"""Section 四: administrative review and litigation, fifteen values in a fixed order.

Review (维持, 纠正, 其他, 尚未审结, 总计), then litigation without review, then litigation after
review. The header is a tangle of one- and two-character fragments in most layouts, so a single
row of fifteen is read in the form's order. A report that prints three small tables of five
has them named (行政复议 / 未经复议直接起诉 / 复议后起诉): when the names tell the three apart they
decide, whatever the order; otherwise the form's order does. Rows where text follows a number
are header debris (`14 Ш. 木 妇`), not values.
"""
from __future__ import annotations

from xxgk import schema
from xxgk.extract.document import Row
from xxgk.extract.model import CellValue, Check, CheckKind
from xxgk.extract.tables.base import Group, TableRead, groups, trim_grid

TABLE = "appeals"
SECTION = 4
PART = len(schema.APPEAL_COLS)
KEYS = [f"{TABLE}.{r}.{c}" for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLS]


def _part(label: str) -> str | None:
    """Which of the three parts a small table's name says it is."""
    if "复议后" in label:
        return "litigation_after_review"
    if "未经复议" in label or "直接起诉" in label:
        return "litigation_direct"
    if "复议" in label and "诉讼" not in label:
        return "review"
    return None


def _values(rows: list[Row], g: Group) -> list:
    if not rows[g.row].grid:
        return g.values
    return trim_grid(list(g.values), len(KEYS) if len(g.values) >= len(KEYS) else PART)


def read(rows: list[Row], template: str, start: int, end: int) -> TableRead:
    out = TableRead(TABLE)
    candidates = [(g, _values(rows, g)) for g in groups(rows, start, end, keep_grid_blanks=True)
                  if not g.trailing_text and len(g.values) >= 2]
    chosen = next(([c] for c in candidates if len(c[1]) == len(KEYS)), None)
    if chosen is None:
        for i in range(len(candidates)):
            total, run = 0, []
            for c in candidates[i:]:
                total += len(c[1])
                run.append(c)
                if total >= len(KEYS):
                    break
            if total == len(KEYS):
                chosen = run
                break
    if chosen is None:
        out.cells.update({k: CellValue(None) for k in KEYS})
        counts = ", ".join(str(len(v)) for _, v in candidates) or "none"
        out.checks.append(Check(CheckKind.LAYOUT, "rows", f"{TABLE}", False,
                                f"no value rows adding up to 15 values (rows of {counts})"))
        return out
    parts = [_part(g.label) for g, _ in chosen]
    three_parts = sorted(filter(None, parts)) == sorted(schema.APPEAL_ROWS)
    if len(chosen) == 3 and all(len(v) == PART for _, v in chosen) and three_parts:
        by_part = {p: v for p, (_, v) in zip(parts, chosen, strict=True)}
        values = [v for r in schema.APPEAL_ROWS for v in by_part[r]]
    else:
        values = [v for _, vs in chosen for v in vs]
    out.put_all(zip(KEYS, values, strict=False))
    out.found = True
    if any(g.joined for g, _ in chosen):
        out.checks.append(Check(CheckKind.LAYOUT, "rows", f"{TABLE}", False,
                                "a row's values continue over several lines: read as one row, though a "
                                "number on its own line may be a page number"))
    return out
