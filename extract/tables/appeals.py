"""Section 四: administrative review and litigation, fifteen values in a fixed order.

Review (维持, 纠正, 其他, 尚未审结, 总计), then litigation without review, then litigation after
review. The header is a tangle of one- and two-character fragments in most layouts, so the
reader trusts the order, not the header: it takes the one value row of fifteen, or
consecutive value rows adding up to fifteen (a report that prints three small tables).
Rows where text follows a number are header debris (`14 Ш. 木 妇`), not values.
"""
from __future__ import annotations

from extract.document import Row
from extract.tables.base import CellValue, Check, TableRead, groups
from xxgk import schema

TABLE = "appeals"
KEYS = [f"{TABLE}.{r}.{c}" for r in schema.APPEAL_ROWS for c in schema.APPEAL_COLS]


def read(rows: list[Row], start: int, end: int) -> TableRead:
    out = TableRead(TABLE)
    candidates = [g for g in groups(rows, start, end) if not g.trailing_text and len(g.values) >= 2]
    chosen = next(([g] for g in candidates if len(g.values) == len(KEYS)), None)
    if chosen is None:
        for i in range(len(candidates)):
            total, run = 0, []
            for g in candidates[i:]:
                total += len(g.values)
                run.append(g)
                if total >= len(KEYS):
                    break
            if total == len(KEYS):
                chosen = run
                break
    if chosen is None:
        out.cells.update({k: CellValue(None) for k in KEYS})
        counts = ", ".join(str(len(g.values)) for g in candidates) or "none"
        out.checks.append(Check(f"rows:{TABLE}", False,
                                f"no value rows adding up to 15 values (rows of {counts})"))
        return out
    values = [v for g in chosen for v in g.values]
    for key, v in zip(KEYS, values):
        out.put(key, v)
    out.found = True
    return out
