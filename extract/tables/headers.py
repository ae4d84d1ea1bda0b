"""The column headers a table prints, held to the form's order.

The table readers place values by position: the form fixes each table's columns, and most
reports print its headers as words too broken (over lines, into pieces) to map columns by.
A report that prints two columns the other way round (科研机构 before 商业企业, 结果纠正 before
结果维持) would then have every value of them under the other's code, and a swap inside the
法人 columns or the 复议 results keeps every identity true. So where a header row is legible
(a row of cells: HTML, Word, pipe and tab tables) the column names it shows must come in the
form's order; if not, the table is not read.

A text layer's header lines are not checked: a header wrapped over lines puts the names of
its columns on different lines, in no order a line could be held to.
"""
from __future__ import annotations

import re
from functools import cache

from xxgk import schema
from xxgk.extract.document import Cell, Row

# column names too common to tell columns apart (法人或其他组织's 其他, the 其他 of applicants)
_AMBIGUOUS = {"其他"}
# the tables whose header prints their names more than once: table 四, its result columns
# under each of its three groups (复议, 未经复议直接起诉, 复议后起诉)
_REPEATED = {"appeals"}


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


def out_of_order(rows: list[Row], start: int, end: int, template: str, table: str) -> list[str] | None:
    """The column names of the first header row in rows[start:end] that prints them in another
    order than the form's, as printed; None when every header row keeps the form's order.
    A name may be missing (a header OCR'd or broken into pieces): the names shown keep their
    order all the same."""
    wanted, find, index = names(template, table), _finder(template, table), _index(template, table)
    repeated = table in _REPEATED
    for row in rows[start:end]:
        cells = row.cells
        if len(cells) < 2 or _ends_in_value(cells):
            continue  # one cell (a line of text), or a row of values: no header
        # each cell's names in the order it shows them; a long cell is a sentence, no header
        shown = [index[m.group()] for cell in cells if 0 < len(cell.text) <= 40 for m in find.finditer(cell.text)]
        if len(shown) >= 2 and not _in_order(shown, len(wanted) - 1, repeated):
            return [wanted[i] for i in shown]
    return None


_VALUE_START = frozenset("0123456789-.")


def _ends_in_value(cells: list[Cell]) -> bool:
    """Whether the last cell with text starts like a number."""
    for cell in reversed(cells):
        if cell.text:
            return cell.text[0] in _VALUE_START
    return True


@cache
def _index(template: str, table: str) -> dict[str, int]:
    return {name: i for i, name in enumerate(names(template, table))}


@cache
def _finder(template: str, table: str) -> re.Pattern:
    """Any of the table's column names (a header cell's words, unbroken)."""
    return re.compile("|".join(map(re.escape, names(template, table))))


def _in_order(shown: list[int], last: int, repeated: bool) -> bool:
    """Whether the names (their indexes in the form's order) come in that order: each after
    the one before, or the same one again (a cell spanning columns, copied into each); in a
    header that repeats them, starting again after the last."""
    return all(b >= a or repeated and a == last for a, b in zip(shown, shown[1:], strict=False))
