"""Reading numbers as reports write them: `2,601`, `756. 308`, `+11`, `减1237`, `1.795（万元）`.

A cell is a *value cell* when, after its unit annotation is removed, nothing but numbers or
blank marks (`/`, `—`, `无` …) is left. Anything else is label text, even if it holds digits
(`1.属于国家秘密`, `2023 年`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import regex

# One number: a sign word or mark, then digits with thousands separators or a decimal part
# (OCR sometimes puts a space after the decimal point: `756. 308`).
_NUMBER = regex.compile(
    r"(?P<sign>[+\-—–−]|增加?|减少?)?\s*"
    r"(?P<num>(?<!\d)(?:\d{1,3}(?:,\d{3}){1,5}(?:\.\d{1,6})?|\d{1,15}(?:\.\s?\d{1,6})?)(?!\d))"
)
# Money as reports state it (the form's amounts are in 万元; some state 元, 千元 …), longest
# first, with the currency said or not: 人民币元, 元人民币, 人民币：元, RMB元
AMOUNT_UNIT = r"千万元|百万元|十万元|千元|万元|亿元|元"
_IN_WAN = {"元": (1, 10000), "千元": (1, 10), "万元": (1, 1), "十万元": (10, 1), "百万元": (100, 1),  # × a / b
           "千万元": (1000, 1), "亿元": (10000, 1)}


def money(group: str) -> str:
    """A pattern of a money unit, its unit (元, 万元 …) in `group`."""
    currency = r"(?:人民币|(?i:rmb))"
    return rf"(?:{currency}\s*[:：]?\s*)?(?P<{group}>{AMOUNT_UNIT})(?:\s*{currency})?"


_UNIT = regex.compile(rf"[(（]?\s*(?:单位\s*[:：]?\s*)?{money('unit')}\s*[)）]?")
_COUNT_WORD = regex.compile(r"[件个项条次]$")
NULL_MARKS = frozenset({"/", "／", "\\", "-", "—", "——", "–", "−", "－", "无", "空", "--", "---", "…"})
_SEP = regex.compile(r"[\s,;、]*")
_DIGIT = regex.compile(r"\d")  # as _NUMBER's: no number without one


@dataclass(frozen=True)
class Value:
    value: int | float | None   # None: the cell was written blank (`/`, `—`, `无`)
    start: int                   # offsets relative to the cell text
    end: int
    unit: str | None = None      # 万元 / 元 / 亿元 … when the cell states one (AMOUNT_UNIT)


def _to_number(sign: str | None, digits: str) -> int | float:
    digits = digits.replace(",", "").replace(" ", "")
    v: int | float = float(digits) if "." in digits else int(digits)
    if sign and (sign in "-—–−" or sign.startswith("减")):
        v = -v
    return v


def _parse_values(text: str) -> tuple[Value, ...] | None:
    s = text.strip()
    if not s:
        return ()
    if s in NULL_MARKS:
        i = text.index(s)
        return (Value(None, i, i + len(s)),)
    if _DIGIT.search(s) is None:
        return None  # label text, most cells met for the first time: spared the searches below
    unit = None
    m = _UNIT.search(text)
    if m:
        unit = m.group("unit")
        text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    text = _COUNT_WORD.sub(" ", text.rstrip()) if _COUNT_WORD.search(text.rstrip()) else text
    out: list[Value] = []
    pos = 0
    for m in _NUMBER.finditer(text):
        if _SEP.fullmatch(text[pos: m.start()]) is None:
            return None
        start = m.start("sign") if m.group("sign") else m.start("num")
        out.append(Value(_to_number(m.group("sign"), m.group("num")), start, m.end(), unit))
        pos = m.end()
    if not out or _SEP.fullmatch(text[pos:]) is None:
        return None
    # A dash between two numbers is a range or a date, not a sign: `2021-2030` is text.
    if len(out) > 1 and any(text[a.end:b.start].strip() == "" and b.value is not None and
                            text[b.start] in "-—–−" for a, b in zip(out, out[1:], strict=False)):
        return None
    return tuple(out)


class _Parsed(dict):
    """Cell text → its values, as many as lru_cache kept; looked up by the dict's own
    `__getitem__`, a C call three times cheaper than lru_cache's on a hit (every cell of
    every table row is looked up, most of them many times)."""

    def __missing__(self, text: str) -> tuple[Value, ...] | None:
        if len(self) >= 65536:
            self.clear()
        out = self[text] = _parse_values(text)
        return out


parse_values: Callable[[str], tuple[Value, ...] | None] = _Parsed().__getitem__
"""The values a cell holds, or None when the cell is label text.

`0 0` (two cells run together) gives two values; a cell that is only a blank mark gives one
`Value(None)`; an empty cell gives an empty list.
"""


def scale_to_wan(value: int | float, unit: str | None) -> int | float:
    """Amounts are stored in 万元; a value stated in another unit (元, 亿元 …) is converted."""
    times, per = _IN_WAN.get(unit or "万元", (1, 1))
    if times == per:
        return value
    if isinstance(value, int) and per == 1:
        return value * times
    # in decimal: 96.1716 千万元 is 96171.6 万元, where floats make it 96171.59999999999
    return float(Decimal(repr(value)) * times / per)
