"""The tables' own arithmetic, as checks, and the only deductions we allow from it.

`schema.identities(template)` are the relations every standard report must satisfy (the same
as `shared/tools/identities.py`): applicant columns add up to 总计, outcomes add up to
（七）总计, new + carried over = processed + carried forward, appeal results add up to their 总计.

A value may be deduced instead of read only when an identity forces it: every other cell of
the identity is known. Deduced cells are marked `inferred` and carry no span; a report with
any of them is at best `warning`. A report whose own numbers disagree keeps them: the failed
check is the record.
"""
from __future__ import annotations

from functools import cache
from itertools import combinations, compress
from operator import attrgetter, itemgetter

from xxgk import schema
from xxgk.extract.model import CellValue, Check, CheckKind
from xxgk.schema import identities

APP = "applications"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6


def _known(cells: dict[str, CellValue], keys) -> list[int | float] | None:
    """The values of these cells, or None when one of them is null or absent."""
    out = []
    for k in keys:
        cell = cells.get(k)
        if cell is None or cell.value is None:
            return None
        out.append(cell.value)
    return out


def _agrees(expected: int | float | None, printed) -> bool:
    """A printed value agrees with a deduced one when either is unknown or they are equal."""
    return expected is None or printed is None or printed.value is None or _close(expected, printed.value)


_value, _inferred = attrgetter("value"), attrgetter("inferred")


@cache
def _prepared(template: str) -> tuple[tuple[schema.Identity, frozenset[str], itemgetter, int, str], ...]:
    """Each identity with the set of its cells, a getter of their values (left, then right),
    how many are on the left, and the format of its detail: `%s + %s %s %s` (terms, the
    relation, terms; `%` formats a tuple of ~8 numbers in two thirds of str.format's time)."""
    out = []
    for ident in identities(template):
        terms = ident.left + ident.right  # two at least: the getter gives a tuple
        text = " + ".join(["%s"] * len(ident.left)) + " %s " + " + ".join(["%s"] * len(ident.right))
        out.append((ident, frozenset(terms), itemgetter(*terms), len(ident.left), text))
    return tuple(out)


def evaluate(cells: dict[str, CellValue], template: str) -> list[Check]:
    """One check per identity whose cells are all known, with its numbers in `detail`.
    `cells` holds every key of the template (a report's cells)."""
    out = []
    # both maps by C-level iterators: no bytecode run per cell (~200 a report)
    values = dict(zip(cells, map(_value, cells.values()), strict=True))
    inferred = set(compress(cells, map(_inferred, cells.values())))
    for ident, keys, get, n, text in _prepared(template):
        terms = get(values)
        if None in terms:
            continue  # a cell not known
        left, right = sum(terms[:n]), sum(terms[n:])
        ok = _close(left, right)
        if isinstance(left + right, float):  # a float among the terms: numbers as `:g` writes them
            terms = tuple(map(_fmt, terms))
        detail = text % (*terms[:n], "=" if ok else "≠", *terms[n:])
        if inferred and not inferred.isdisjoint(keys):
            detail += " (inferred: " + ", ".join(k for k in ident.left + ident.right if k in inferred) + ")"
        out.append(Check(CheckKind.IDENTITY, ident.rule, ident.subject, ok, detail))
    return out


@cache
def _terms(template: str) -> tuple[tuple[schema.Identity, tuple[tuple[str, int], ...], frozenset[str]], ...]:
    """Each identity as signed terms (left +1, right -1), with the set of its cells."""
    out = []
    for ident in identities(template):
        terms = tuple([(k, 1) for k in ident.left] + [(k, -1) for k in ident.right])
        out.append((ident, terms, frozenset(k for k, _ in terms)))
    return tuple(out)


def solve(cells: dict[str, CellValue], template: str) -> list[Check]:
    """Fill null cells that an identity forces, until nothing more is forced."""
    notes = []
    nulls = {k for k, c in cells.items() if c.value is None}
    changed = bool(nulls)
    while changed:
        changed = False
        for ident, terms, keys in _terms(template):
            if nulls.isdisjoint(keys):
                continue  # nothing to solve for
            unknown = [(k, s) for k, s in terms if k in nulls]
            if len(unknown) != 1 or any(k not in cells for k, _ in terms):
                continue
            key, sign = unknown[0]
            others = [(k, s) for k, s in terms if k != key]
            known = _known(cells, [k for k, _ in others])
            assert known is not None  # `key` is the one unknown
            rest = sum(s * v for (_, s), v in zip(others, known, strict=True))
            value: int | float = -rest * sign
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if value < 0:
                continue  # a count cannot be negative: the identity is broken, not informative
            cells[key] = CellValue(value, None, inferred=True)
            nulls.discard(key)
            notes.append(Check(CheckKind.INFERRED, "inferred", key, False,
                               f"{key} = {value}, forced by {ident.name}"))
            changed = True
    return notes


def place_short_rows(cells: dict[str, CellValue], template: str,
                     short: list[tuple[str, list]]) -> list[Check]:
    """Rows printed with fewer values than columns (OCR dropped a cell).

    The row's values are deduced from the column identities as if it were missing; the printed
    values are then slid into every position. If exactly one placement agrees with the
    deduction, the printed values are read there and the gap is inferred. If several agree
    and give the same numbers, all cells are inferred; otherwise the row stays null.
    """
    notes = []
    cols = schema.APPLICANT_COLS
    for row, printed in short:
        keys = [f"{APP}.{row}.{c}" for c in cols]
        probe = dict(cells)
        solve(probe, template)
        expected = [probe[k].value for k in keys]
        shown = " ".join("_" if v is None else _fmt(v.value) for v in printed)
        fits = []
        if len(printed) < len(cols):
            for gaps in _gap_patterns(len(cols), len(printed)):
                slots = [i for i in range(len(cols)) if i not in gaps]
                placed = dict(zip(slots, printed, strict=True))
                if all(_agrees(expected[i], placed[i]) for i in slots):
                    fits.append(placed)
        values = []
        for placed in fits:
            values.append(tuple(placed[i].value if i in placed and placed[i] is not None
                                else expected[i] for i in range(len(cols))))
        if len(fits) == 1:
            for i, k in enumerate(keys):
                v = fits[0].get(i)
                if v is not None:
                    cells[k] = CellValue(v.value, v.span)
            notes.append(Check(CheckKind.LAYOUT, "short_row", f"{APP}.{row}", False,
                               f"row shows {len(printed)} of {len(cols)} values ({shown}); "
                               "placed where the identities agree, the gap left to them"))
        elif fits and len(set(values)) == 1 and None not in values[0]:
            for k, v in zip(keys, values[0], strict=True):
                cells[k] = CellValue(v, None, inferred=True)
            notes.append(Check(CheckKind.INFERRED, "inferred", f"{APP}.{row}", False,
                               f"row shows {len(printed)} of {len(cols)} values ({shown}); every "
                               "placement gives " + " ".join(map(_fmt, values[0])) + " (inferred)"))
        else:
            notes.append(Check(CheckKind.LAYOUT, "short_row", f"{APP}.{row}", False,
                               f"row shows {len(printed)} of {len(cols)} values ({shown}); "
                               "cannot tell which is missing, left null"))
    return notes


def _gap_patterns(width: int, shown: int):
    missing = width - shown
    return list(combinations(range(width), missing)) if missing <= 2 else []
