"""The column headers a table prints, held to the form's order.

The table readers place values by position: the form fixes each table's columns, and most
reports print its headers as words too broken (over lines, into pieces) to map columns by.
A report that prints two columns the other way round (科研机构 before 商业企业, 结果纠正 before
结果维持) would then have every value of them under the other's code, and a swap inside the
法人 columns or the 复议 results keeps every identity true. So where a header row is legible
(a row of cells: HTML, Word, pipe, tab and one-cell-a-line tables) the column names it shows
must come in the form's order; if not, the table is not read.

The header lines of a PDF's text layer (or of `pdftotext`) are not checked: a header wrapped
over lines puts the names of its columns on different lines, in no order a line could be
held to.
"""
from __future__ import annotations

import re
from functools import cache

from xxgk import schema
from xxgk.extract.document import Cell, Row

# column names too common to tell columns apart (法人或其他组织's 其他, the 其他 of applicants)
_AMBIGUOUS = {"其他"}
_VALUE_START = frozenset("0123456789-.")
_LONGEST_HEADER = 40  # characters: a longer cell is a sentence, no header


@cache
def names(template: str, table: str) -> tuple[str, ...]:
    """The table's column names in the form's order, each as a header cell prints it: the last
    word of its label (`法人或其他组织 商业企业` → 商业企业), without a unit in brackets."""
    out: list[str] = []
    for code in schema.codes(template):
        if code.table == table:
            name = code.col_label.split()[-1].split("（", 1)[0]
            if name not in out and name not in _AMBIGUOUS:
                out.append(name)
    return tuple(out)


@cache
def finder(template: str, table: str) -> re.Pattern:
    """Any of the table's column names, spaced or not (`总 计`): group k+1 is names()[k]."""
    spaced = (r"\s*".join(map(re.escape, name)) for name in names(template, table))
    return re.compile("|".join(f"({name})" for name in spaced))


def out_of_order(rows: list[Row], start: int, end: int, template: str, table: str) -> list[str] | None:
    """The column names of the first header row in rows[start:end] that prints them in another
    order than the form's, as printed; None when every header row keeps the form's order."""
    wanted, find = names(template, table), finder(template, table)
    for row in rows[start:end]:
        cells = row.cells
        if len(cells) < 2 or _ends_in_value(cells):
            continue  # one cell (a line of text), or a row of values: no header
        # each cell's names in the order it shows them
        shown = [(m.lastindex or 1) - 1 for cell in cells if 0 < len(cell.text) <= _LONGEST_HEADER
                 for m in find.finditer(cell.text)]
        if len(shown) >= 2 and not _in_order(shown):
            return [wanted[i] for i in shown]
    return None


def _ends_in_value(cells: list[Cell]) -> bool:
    """Whether the last cell with text starts like a number."""
    for cell in reversed(cells):
        if cell.text:
            return cell.text[0] in _VALUE_START
    return True


def _in_order(shown: list[int]) -> bool:
    """Whether the names (their indexes in the form's order) come in that order. A header may
    print them again (table 四: under each of its three groups) and leave some out (合计 for
    总计, a name OCR lost), so the names are read as runs, each in order (a name repeated is a
    cell spanning columns, copied into each); a run that starts the names again shares some
    with the run before, and a column moved makes a run that shares none."""
    runs: list[set[int]] = [set()]
    for a, b in zip([-1, *shown], shown, strict=False):
        if b < a:
            runs.append(set())
        runs[-1].add(b)
    return all(before & after for before, after in zip(runs, runs[1:], strict=False))
