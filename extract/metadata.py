"""Who published the report, for which year, on which template, and when.

- template: from the report's own headers (本年制发件数 … vs 本年新制作数量 …), never its year;
- report year: from the title, else the 统计期限, else the year the text talks about most;
- agency: as written in the title, else after 信息来源/发布机构, else the organ the text names;
- published: a 发布时间 field, else a date line at the end or under the title;
- place hint: a place written right before the agency's name (`信阳市上天梯…`), for the
  publication step to locate an agency whose name does not say where it is.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import regex

_MARKERS = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额",
             "逾期不补正", "逾期未按收费通知", "国办公开办函〔2021〕30号"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减",
             "采购项目数量", "采购总金额", "政府集中采购"),
}
_TITLE_END = regex.compile(r"政府信息公开\s*(?:工作)?\s*(?:年度)?\s*报告")
# the year in digits, or in Chinese numerals as formal titles write it (二〇二四年, 二零二四年)
# (`pre` takes all it can: of the years before a title, a date's among them (`发布日期：2026年1月20日`,
# `二〇二五年一月二十日`), the last is the title's)
_TITLE_HEAD = regex.compile(r"(?P<pre>[^\n]{0,60})\s*(?P<year>20\d{2}|二[〇零○]二[〇零○一二三四五六七八九])\s*年\s*度?"
                            r"\s*(?P<post>[^\n\d]{0,30}?)\s*$")
_CHINESE_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_PERIOD = regex.compile(r"统计(?:期限|周期|时限|时间)[^。\n]{0,12}?(?P<year>20\d{2})\s*年\s*1\s*月\s*1\s*日")
_YEAR = regex.compile(r"(?<!\d)(20[12]\d)\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_SOURCE_WORDS = ("信息来源", "发布机构", "来源单位", "发文机关")
_SOURCE = regex.compile(rf"(?:{'|'.join(_SOURCE_WORDS)})\s*[:：]\s*\n?\s*(?P<name>[^\s\n|]{{2,30}})")
_ORGAN = regex.compile(r"(?P<name>[\p{Han}]{2,20}?"
                       r"(?:人民政府办公室|人民政府办公厅|人民政府|管理委员会|管委会|委员会|办公室|管理区|局|厅|办)"
                       r"(?![理法事公]))")
# how far past its start an _ORGAN match attempt reads: 20 characters of name, the longest organ
# word, the character the lookahead tests
_ORGAN_READS = 20 + len("人民政府办公室") + 1
_ORGAN_HEAD = 300  # most texts name an organ in their first lines
_DATE = regex.compile(r"(?P<y>20\d{2})\s*[-年./]\s*(?P<m>\d{1,2})\s*[-月./]\s*(?P<d>\d{1,2})\s*日?")
_PUBLISHED_WORDS = ("发布时间", "发布日期", "成文日期", "印发日期")
_PUBLISHED = regex.compile(rf"(?:{'|'.join(_PUBLISHED_WORDS)})\s*[:：]?\s*\n?\s*" + _DATE.pattern)
_NAME = regex.compile(r"[\p{Han}（）()·]+")
# what a name in a title line may carry: a field or a date before it (`发布日期：2026年1月20日`),
# marks or 关于 around it, a site's name after it
_AGENCY_JUNK = regex.compile(r"^.*(?:[:：]|[\d〇零○一二三四五六七八九十]\s*日)|^(?:#+|\*+|\s|正文|关于|[0-9]+)+"
                             r"|[-—_|].*$|关于(?:公布|发布|印发|公开)?$")
_SPACE = regex.compile(r"\s+")
_ODD_SPACES = "\x1c\x1d\x1e\x1f"  # whitespace to str.split, not to \s


@dataclass(frozen=True)
class Metadata:
    template: str | None
    template_evidence: str
    report_year: int | None
    year_evidence: str
    agency: str | None
    published: str | None
    place_hint: str | None = None


def detect_template(text: str) -> tuple[str | None, str]:
    hits = {t: [m for m in marks if m in text] for t, marks in _MARKERS.items()}
    if not hits["2021"] and not hits["2019"]:
        return None, "no template headers found"
    best = max(hits, key=lambda t: len(hits[t]))
    return best, f"{len(hits[best])} {best}-form headers ({', '.join(hits[best][:3])})"


def _search(pattern: regex.Pattern, words: tuple[str, ...], text: str) -> regex.Match | None:
    """pattern.search(text), for a pattern that starts with one of `words`: most texts hold none,
    which a plain substring search tells much faster, and no match starts before the first."""
    found = [i for w in words if (i := text.find(w)) >= 0]
    return pattern.search(text, min(found)) if found else None


def _title(text: str) -> regex.Match | None:
    """The title's year and the names around it: `XX局2023年政府信息公开工作年度报告`."""
    head = text[:3000]
    # titles wrap over lines in PDF text
    return _title_in(head) or _title_in(_unwrapped(head))


def _unwrapped(text: str) -> str:
    """The text without its line breaks and the spaces and tabs around them (a substitution of
    `[ \t]*\n[ \t]*` tries every position: many times slower than splitting lines)."""
    first, *rest = text.split("\n")
    if not rest:
        return text
    *middle, last = rest
    return "".join([first.rstrip(" \t"), *[line.strip(" \t") for line in middle], last.lstrip(" \t")])


def _title_in(source: str) -> regex.Match | None:
    for end in _TITLE_END.finditer(source):
        line_start = source.rfind("\n", 0, end.start()) + 1
        m = _TITLE_HEAD.search(source, max(line_start, end.start() - 100), end.start())
        if m:
            return m
    return None


def report_year(text: str, template: str | None, title: regex.Match | None) -> tuple[int | None, str]:
    """`title`: `_title(text)`."""
    m = title
    if m:
        return int(m.group("year").translate(_CHINESE_DIGITS)), "title"
    m = _PERIOD.search(text)
    if m:
        return int(m.group("year")), "统计期限"
    years = Counter(int(y) for y in _YEAR.findall(text))
    if template == "2019":
        years = Counter({y: n for y, n in years.items() if y in (2019, 2020)})
    elif template == "2021":
        years = Counter({y: n for y, n in years.items() if y >= 2021})
    if years:
        year, _ = years.most_common(1)[0]
        return year, "most mentioned year"
    return None, "no year found"


def agency(text: str, title: regex.Match | None) -> str | None:
    """`title`: `_title(text)`."""
    m = _search(_SOURCE, _SOURCE_WORDS, text[:5000])
    if m and _clean(m.group("name")):
        return _clean(m.group("name"))
    m = title
    if m:
        for part in (m.group("pre"), m.group("post")):
            name = _clean(part)
            if name:
                return name
        name = _clean(_line_before(m.string, m.start("year")))
        if name and _ORGAN.fullmatch(name):  # (not a breadcrumb's last step: 政府信息公开年报)
            return name
    m = _organ(text[:3000])
    if m is None:
        return None
    # no organ's name holds 报告: the text before it is the sentence's (`…年度报告本报告由` X局)
    name = m.group("name").rpartition("报告")[2].lstrip("由")
    return name if len(name) >= 2 else None


def _line_before(text: str, at: int) -> str:
    """The line before the one `at` is on, if `at` starts its line (spaces aside): a title
    broken after the agency's name (`淮安市人民政府<br>2024年…报告`), else ""."""
    start = text.rfind("\n", 0, at) + 1
    if text[start:at].strip() or start == 0:
        return ""
    return text[text.rfind("\n", 0, start - 1) + 1: start - 1]


def _organ(text: str) -> regex.Match | None:
    """_ORGAN's first match in the text without spaces. The head is searched first (squashing
    the whole text cost more than the search): a match there that ends _ORGAN_READS characters
    before the head's end is the whole text's, as no attempt at an earlier start read past it."""
    head = _without_spaces(text[:_ORGAN_HEAD])
    m = _ORGAN.search(head)
    if m and m.end() + _ORGAN_READS <= len(head):
        return m
    return _ORGAN.search(_without_spaces(text)) if len(text) > _ORGAN_HEAD else m


def _without_spaces(text: str) -> str:
    # str.split is many times faster than a substitution, and takes the same whitespace
    # unless the text holds one of the odd spaces
    return _SPACE.sub("", text) if any(c in text for c in _ODD_SPACES) else "".join(text.split())


def _clean(name: str) -> str | None:
    name = _AGENCY_JUNK.sub("", name.strip()).strip(" ，,：:（(")
    # an organ's name: Chinese characters, maybe a bracketed part; no sentence punctuation
    return name if 2 <= len(name) <= 40 and _NAME.fullmatch(name) else None


def published(text: str) -> str | None:
    m = _search(_PUBLISHED, _PUBLISHED_WORDS, text[:5000])
    if not m:
        tail = text[-400:]
        dates = list(_DATE.finditer(tail))
        m = dates[-1] if dates else None
    if not m:
        return None
    y, mo, d = int(m.group("y")), int(m.group("m")), int(m.group("d"))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


_GENERIC_ORGAN = regex.compile(r"(人民政府办公室|人民政府办公厅|人民政府|管理委员会|管委会|管理区"
                               r"|办事处|委员会|办公室|局|办)$")
_PLACE_ENDS = ("省", "自治区", "市", "自治州", "地区", "盟", "县", "区", "旗")
_PLACE_BEFORE = rf"(?P<place>\p{{Han}}{{1,8}}?(?:{'|'.join(_PLACE_ENDS)}))"
_PLACE_MAX = 8 + max(map(len, _PLACE_ENDS))
_PLACE_LAST = frozenset(e[-1] for e in _PLACE_ENDS)


def place_hint(text: str, agency_name: str | None) -> str | None:
    """A place the text writes right before the agency's own name: `信阳市上天梯产业集聚区`
    for 上天梯管理区. Only that adjacency counts; places merely mentioned are not the agency's."""
    if not agency_name:
        return None
    stem = _GENERIC_ORGAN.sub("", agency_name)
    if len(stem) < 2 or stem[-1] in "省市县区旗":
        return None  # the name already ends in a place (卧龙区), or its stem says nothing
    text = text[:20000]
    first = _after_place_end(text, stem)
    if first < 0:
        return None
    # the place (at most _PLACE_MAX characters) ends where the stem starts: no match starts earlier
    m = regex.compile(_PLACE_BEFORE + regex.escape(stem)).search(text, max(0, first - _PLACE_MAX))
    return m.group("place") if m else None


def _after_place_end(text: str, stem: str) -> int:
    """The first occurrence of the stem right after a character a place's name ends in, or -1."""
    i = text.find(stem, 1)
    while i > 0 and text[i - 1] not in _PLACE_LAST:
        i = text.find(stem, i + 1)
    return i


def read_metadata(text: str) -> Metadata:
    template, evidence = detect_template(text)
    title = _title(text)
    year, year_evidence = report_year(text, template, title)
    name = agency(text, title)
    return Metadata(template, evidence, year, year_evidence, name, published(text), place_hint(text, name))
