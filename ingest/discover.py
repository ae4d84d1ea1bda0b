"""Finding the annual reports of a column (`xxgk run --sites FILE`): its listing pages read, its
pagination followed, the links whose title names an annual report taken.

A government site lists its 政府信息公开年报 in a column: `…/gknb/index.html`, then
`index_1.html`, `index_2.html` (TRS WCM and its like, often written by a script,
`createPageHTML(5, 0, "index", "html")`), or `list.jsp?page=2`, with 下一页 / 尾页 links. From the
column's URL alone:

- listing pages: the column page, the pages its pagination links (下一页, 尾页, page numbers,
  a link to `index_N.html` or to the same page with another `page=`-like number, the pages a
  `createPageHTML` call writes, the records a 大汉 jpage column's data proxy holds past those
  of its page), at most `max_pages` per column; a link whose text names
  an annual-report column without a year (政府信息公开年报, 部门年度报告) is a sub-column, one
  level deeper, followed down to `max_depth` levels;
- report links: those whose text or title names an annual report (政府信息公开工作年度报告,
  政府信息公开年度报告, 政务公开工作年度报告, 信息公开年报, 2023年度政府信息公开工作报告 …, or in a
  column of its own a bare 2023年度报告) and a year, not an interpretation or a notice about
  one (解读, 图解, 通知 …), for a year from `first_year` on; at most `max_reports` per column;
- only links on the column's site (its host or registrable domain, as for linked files).

The report links are then crawled like a URL list's (ingest/crawl.py): a page, the files it links
when it holds no report, a linked PDF or Word file as it is; each recorded with the listing page
that listed it in `linked_from`, and its year from the listing's title as `year_hint`.
"""
from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urljoin, urlsplit

import regex

from xxgk.ingest.links import DOCUMENTS, base_of, same_site, tags

# what names a report: the form's name and the variants sites use
_REPORT = regex.compile(
    r"(?:信息|政务)公开\s*(?:工作)?\s*(?:年度)?\s*(?:工作)?\s*(?:年度报告|年报|报告)")
_BARE = regex.compile(r"^\s*[（(]?\s*20\d\d\s*年\s*度?\s*[）)]?\s*(?:工作)?\s*(?:年度)?(?:报告|年报)\s*$")
_NOT_REPORT = regex.compile(
    r"解读|图解|图示|一图|读懂|通知|指南|编制|格式|模板|培训|会议|征求意见|考核|测评|评估|统计表|"
    r"要点|方案|意见|提纲|更正|勘误|视频|动漫|H5", regex.I)
_YEAR = regex.compile(r"(?<!\d)(20\d\d)\s*(?:年|[）)]|$)")
# a link's text that says it is a later page of the listing (earlier ones are known)
_NEXT = regex.compile(r"^(?:下一?页|后一?页|尾页|末页|最后一?页|next|last|[>›»]+|\d{1,3}|第\d{1,3}页)$", regex.I)
_PAGED_NAME = regex.compile(r"^(index|list|default)(?:_\d+)?\.(?:s?html?|jsp|aspx?|php)$", regex.I)
_PAGE_PARAMS = {"page", "pageno", "pageindex", "pagenum", "curpage", "currentpage", "p", "pn", "pagenumber", "cp"}
# 大汉 (Hanweb) JCMS's jpage: a column page holds its first records in a `<datastore>` that a
# script pages through, and the script fetches the rest from a data proxy, whose address with the
# column's parameters is the `<nextgroup>` link; `totalRecord: N` (the script's) or
# `<totalrecord>N` (the proxy's answer) says how many records there are.
_PROXY = regex.compile(r"""<nextgroup>\s*<!\[CDATA\[\s*<a\s[^>]*?href\s*=\s*["']([^"']*dataproxy\.jsp[^"']*)["']""",
                       regex.I)
_TOTAL = regex.compile(r"""\btotalRecord\s*[:=]\s*["']?(\d{1,6})|<totalrecord>\s*(\d{1,6})""", regex.I)
_PER_PAGE = regex.compile(r"""\bperPage\s*[:=]\s*["']?(\d{1,4})""", regex.I)
_RECORD = regex.compile(r"<record\b", regex.I)
_DATASTORE = regex.compile(r"<datastore\b.*?</datastore>", regex.I | regex.S)
_MAX_PROXIED = 1000  # pages asked of a data proxy at most (a column's `max_pages` bounds them first)
_CREATE_PAGE = regex.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?(\d{1,4})\s*,\s*(\d{1,4})\s*,\s*['\"]([\w.-]{1,40})['\"]"
    r"\s*,\s*['\"](\w{1,6})['\"]")


@dataclass(frozen=True)
class Listed:
    """A link of a listing page whose title names an annual report."""
    url: str
    title: str
    year: int


@dataclass
class Listing:
    reports: list[Listed] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)    # more pages of this listing
    columns: list[str] = field(default_factory=list)  # sub-columns: listings one level deeper


def names_report(title: str) -> bool:
    """The title names an annual report (a year aside), not something about one."""
    return bool(_REPORT.search(title) or _BARE.match(title)) and not _NOT_REPORT.search(title)


def report_year(title: str) -> int | None:
    m = _YEAR.search(title)
    return int(m.group(1)) if m else None


def read_listing(text: str, page: str, first_year: int = 2019) -> Listing:
    """What a listing page links: report links, its other pages, sub-columns (on its site only)."""
    out = Listing()
    seen: set[str] = {_plain(page)}
    for tag in tags(text, page):
        url = tag.url
        if tag.name != "a" or urlsplit(url).scheme not in ("http", "https") or not same_site(url, page) \
                or _plain(url) in seen:
            continue
        named = tag.title if names_report(tag.title) else tag.text
        if names_report(named):
            year = report_year(named) or report_year(tag.text) or report_year(tag.title)
            if year is not None:
                if year >= first_year:
                    out.reports.append(Listed(url, named, year))
                seen.add(_plain(url))
                continue
            if not _is_document(url):  # an annual-report column, no year: a sub-column
                out.columns.append(url)
                seen.add(_plain(url))
                continue
        if _is_page_of(url, page, tag.text):
            out.pages.append(url)
            seen.add(_plain(url))
    base = base_of(text, page)
    for url in _scripted_pages(text, base) + _proxied_pages(text, base):
        if _plain(url) not in seen and same_site(url, page):
            out.pages.append(url)
            seen.add(_plain(url))
    return out


_INDEX = regex.compile(r"/(?:index|default)\.(?:s?html?|jsp|aspx?|php)$", regex.I)


def _plain(url: str) -> str:
    """A URL as compared: `…/gknb/`, `…/gknb` and `…/gknb/index.html` are one page."""
    url = url.split("#", 1)[0]
    head, q, query = url.partition("?")
    return _INDEX.sub("", head).rstrip("/") + q + query


def _is_document(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOCUMENTS)


def _is_page_of(url: str, page: str, label: str) -> bool:
    """Another page of the listing at `page`: a pagination link by its text, or by its address
    (index_2.html beside index.html, the same path with another page number)."""
    u, p = urlsplit(url), urlsplit(page)
    if _is_document(url):
        return False
    same_folder = u.netloc == p.netloc and u.path.rsplit("/", 1)[0] == p.path.rsplit("/", 1)[0]
    numbered = any(k.lower() in _PAGE_PARAMS and v.isdigit() for k, v in parse_qsl(u.query))
    if same_folder and (numbered and u.path == p.path or _PAGED_NAME.match(u.path.rsplit("/", 1)[-1])):
        return True
    if _NEXT.match(label):  # 下一页, 尾页, 3: a page number only in the same folder
        return same_folder or not label.isdigit()
    return False


def _scripted_pages(text: str, base: str) -> list[str]:
    """The pages of TRS WCM's script pagination: createPageHTML(count, current, "index", "html")
    writes index.html, index_1.html … index_{count-1}.html."""
    out: list[str] = []
    for m in _CREATE_PAGE.finditer(text):
        count, name, ext = min(int(m.group(1)), 1000), m.group(3), m.group(4)
        out.extend(urljoin(base, f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(count))
    return out


def _proxied_pages(text: str, base: str) -> list[str]:
    """The records of a page's jpage lists past those the page holds, from their data proxy, as
    many at a time as the page holds: `…dataproxy.jsp?<the list's parameters>&startrecord=46&
    endrecord=90`. Only a list whose records the page holds name an annual report is followed
    (a page may carry other lists: the latest news, the most read)."""
    stores = _DATASTORE.findall(text)
    out: list[str] = []
    for store in stores:
        proxy, held = _PROXY.search(store), len(_RECORD.findall(store))
        if proxy is None or held == 0 or not any(names_report(t.title) or names_report(t.text)
                                                 for t in tags(store, base) if t.name == "a"):
            continue
        url = urljoin(base, html.unescape(proxy.group(1)))
        settings = text if len(stores) == 1 else _jpage_call(text, url)
        total, per = _TOTAL.search(settings), _PER_PAGE.search(settings)
        if total is None:
            continue
        count = min(int(total.group(1) or total.group(2)), 100_000)
        page_size, joiner = per.group(1) if per else str(held), "&" if "?" in url else "?"
        for first in range(held + 1, count + 1, held)[:_MAX_PROXIED]:
            out.append(f"{url}{joiner}startrecord={first}&endrecord={min(first + held - 1, count)}&perpage={page_size}")
    return out


def _jpage_call(text: str, proxy: str) -> str:
    """The settings of the jpage call for the list of this proxy address (`$('#<unitid>').jpage({…})`),
    or "" when the page has none."""
    unit = dict(parse_qsl(urlsplit(proxy).query)).get("unitid", "")
    if not unit.isdigit():
        return ""
    m = regex.search(rf"""#{unit}["']\s*\)\s*\.jpage\s*\((.{{0,3000}}?)\)\s*;""", text, regex.S)
    return m.group(1) if m else ""


@dataclass(frozen=True)
class Bounds:
    max_pages: int = 50     # listing pages per column
    max_depth: int = 1      # sub-column levels below the column
    max_reports: int = 500  # report links per column
    first_year: int = 2019  # reports for earlier years are left (the standard form starts in 2019)


def walk(column: str, read: Callable[[str, str | None], str | None], bounds: Bounds) -> list[tuple[Listed, str]]:
    """Every report link of a column, each with the listing page that listed it, in the order
    found (newest first, as columns list them). `read(url, listed_on)` fetches a listing page and
    returns its text, or None when it could not be had (the caller records why)."""
    queue: list[tuple[str, str | None, int]] = [(column, None, 0)]  # (page, the page that linked it, depth)
    queued = {_plain(column)}
    found: list[tuple[Listed, str]] = []
    taken: set[str] = set()
    fetched = 0
    while queue and fetched < bounds.max_pages and len(found) < bounds.max_reports:
        page, parent, depth = queue.pop(0)
        fetched += 1
        text = read(page, parent)
        if text is None:
            continue
        listing = read_listing(text, page, bounds.first_year)
        for r in listing.reports:
            if _plain(r.url) not in taken and len(found) < bounds.max_reports:
                taken.add(_plain(r.url))
                found.append((r, page))
        more = [(u, depth) for u in listing.pages]
        if depth < bounds.max_depth:
            more += [(u, depth + 1) for u in listing.columns]
        for url, d in more:
            if _plain(url) not in queued:
                queued.add(_plain(url))
                queue.append((url, page, d))
    return found
