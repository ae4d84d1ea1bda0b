"""Word's automatic list numbers (一、 （三） 1.), as Word would print them before a paragraph.

A report's section headings and table row labels are often Word lists: the text holds
"总体情况", and Word draws "一、" from the numbering part. Without the number the section
cannot be found, so the label is computed the way Word counts:

- a paragraph is in a list through its own `w:numPr` or its paragraph style's (`w:basedOn`
  followed); `w:numId` 0 takes it out;
- a list instance (`w:num`) points to an abstract list (`w:abstractNum`) whose levels give the
  start, the format (`chineseCounting`, `decimal`, `decimalEnclosedCircle`, ...) and the text
  (`（%1）`); instances of one abstract list count on together unless one restarts it with a
  `w:startOverride`;
- a number at one level restarts every deeper level.

Bullets print no text worth reading and are left out. Paragraphs must be asked in document
order, once each: counting is state.
"""
from __future__ import annotations

from dataclasses import dataclass

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = W + "val"
_PLACEHOLDER_LEVELS = 9
# a list's start, level or restart is read up to this: reports count to a few dozen, and a
# damaged or hostile file's larger one would make labels without bound (AAAA… for letters)
_MOST = 10_000

_CHINESE_DIGITS = "〇一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
          (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


@dataclass(frozen=True, slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    legal: bool = False  # w:isLgl: every level's number printed in decimal


class ListNumbers:
    """The labels of one document's numbered paragraphs; without a numbering part, none."""

    def __init__(self, numbering=None, styles=None):
        self._levels: dict[str, dict[int, _Level]] = {}         # abstractNumId → ilvl → level
        self._instances: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractNumId, start overrides)
        self._counters: dict[str, dict[int, int]] = {}          # list being counted → ilvl → last number
        self._style_lists: dict[str, tuple[str | None, str | None]] = {}
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def label(self, p) -> str:
        """The number Word prints before this paragraph ("" for none), counted."""
        if not self._instances:
            return ""  # most documents: no lists, nothing to look up
        num_id, level = self._list_of(p)
        if not num_id or num_id == "0" or num_id not in self._instances:
            return ""
        abstract, overrides = self._instances[num_id]
        levels = self._levels.get(abstract, {})
        definition = levels.get(level)
        if definition is None or definition.fmt == "bullet":
            return ""
        # a restarted instance counts on its own; the others continue their abstract list
        key = f"num {num_id}" if overrides else f"abstract {abstract}"
        counters = self._counters.setdefault(key, {})
        start = overrides.get(level, definition.start)
        counters[level] = counters.get(level, start - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        return _fill(definition, levels, counters, overrides)

    def _list_of(self, p) -> tuple[str | None, int]:
        num_id: str | None = None
        level: str | None = None
        props = p.find(W + "pPr")
        if props is not None:
            numbering = props.find(W + "numPr")
            if numbering is not None:
                num_id, level = _val(numbering.find(W + "numId")), _val(numbering.find(W + "ilvl"))
            if num_id is None:
                style = _val(props.find(W + "pStyle"))
                if style is not None:
                    style_num, style_level = self._style_lists.get(style, (None, None))
                    num_id, level = style_num, level or style_level
        return num_id, _number(level) or 0

    def _read_numbering(self, numbering):
        for abstract in numbering.iterchildren(W + "abstractNum"):
            levels = {}
            for lvl in abstract.iterchildren(W + "lvl"):
                ilvl = _number(lvl.get(W + "ilvl", "0"))
                if ilvl is not None:
                    levels[ilvl] = _level(lvl)
            self._levels[abstract.get(W + "abstractNumId", "")] = levels
        for num in numbering.iterchildren(W + "num"):
            abstract = _val(num.find(W + "abstractNumId")) or ""
            overrides = {}
            for override in num.iterchildren(W + "lvlOverride"):
                ilvl, start = _number(override.get(W + "ilvl")), _number(_val(override.find(W + "startOverride")))
                if ilvl is not None and start is not None:
                    overrides[ilvl] = start
            self._instances[num.get(W + "numId", "")] = (abstract, overrides)

    def _read_styles(self, styles):
        """Each paragraph style's list, inherited through `w:basedOn`."""
        own: dict[str, tuple[str | None, str | None]] = {}
        based_on: dict[str, str] = {}
        for style in styles.iterchildren(W + "style"):
            style_id = style.get(W + "styleId", "")
            parent = _val(style.find(W + "basedOn"))
            if parent:
                based_on[style_id] = parent
            numbering = style.find(f"{W}pPr/{W}numPr")
            if numbering is not None:
                own[style_id] = (_val(numbering.find(W + "numId")), _val(numbering.find(W + "ilvl")))
        for style_id in {*own, *based_on}:
            seen, current = set(), style_id
            while current and current not in own and current not in seen:
                seen.add(current)
                current = based_on.get(current, "")
            if current in own:
                self._style_lists[style_id] = own[current]


def _val(element) -> str | None:
    return element.get(_VAL) if element is not None else None


def _number(value: str | None) -> int | None:
    """A number attribute's value, up to `_MOST`; None when it is missing or not ASCII digits
    (`int` fails on ², which `isdigit` passes)."""
    return min(int(value), _MOST) if value and value.isascii() and value.isdigit() else None


def _level(lvl) -> _Level:
    start = _number(_val(lvl.find(W + "start")))
    return _Level(start=1 if start is None else start,
                  fmt=_val(lvl.find(W + "numFmt")) or "decimal",
                  text=_val(lvl.find(W + "lvlText")) or "",
                  legal=lvl.find(W + "isLgl") is not None)


def _fill(definition: _Level, levels: dict[int, _Level], counters: dict[int, int], overrides: dict[int, int]) -> str:
    """The level's text with each %N replaced by level N's number in its format."""
    text = definition.text
    for n in range(1, _PLACEHOLDER_LEVELS + 1):
        placeholder = f"%{n}"
        if placeholder in text:
            other = levels.get(n - 1, _Level())
            value = counters.get(n - 1, overrides.get(n - 1, other.start))
            text = text.replace(placeholder, format_number(value, "decimal" if definition.legal else other.fmt))
    return text.strip()


def format_number(n: int, fmt: str) -> str:
    """`n` in one of Word's number formats (the ones Chinese reports use; others decimal)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        text = _chinese(n, _CHINESE_DIGITS, "十百千万")
        return text[1:] if 10 <= n < 20 else text  # 十一, not 一十一 (in 一百一十一 the 一 stays)
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _LEGAL_DIGITS, "拾佰仟万")  # 壹拾壹: the legal form keeps its 壹
    if fmt in ("ideographDigital", "japaneseDigitalTenThousand", "taiwaneseDigital"):
        return "".join(_CHINESE_DIGITS[int(d)] for d in str(n))
    if fmt == "ideographTraditional" and 1 <= n <= len(_STEMS):
        return _STEMS[n - 1]
    if fmt == "ideographZodiac" and 1 <= n <= len(_BRANCHES):
        return _BRANCHES[n - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)   # ① …
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)   # ⑴ …
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)   # ⒈ …
    if fmt in ("upperRoman", "lowerRoman") and n > 0:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)  # Word repeats: Z, AA, BB
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


def _chinese(n: int, digits: str, units: str) -> str:
    """1 → 一, 21 → 二十一, 105 → 一百零五 (below 100 000; larger numbers digit by digit)."""
    if not 0 < n < 100_000:
        return "".join(digits[int(d)] for d in str(n))
    out: list[str] = []
    zero = False
    for power in range(4, -1, -1):
        d = n // 10 ** power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(digits[d] + (units[power - 1] if power else ""))
    return "".join(out)


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)
