"""Which links of a page that holds no report are its report: the files the crawler follows.

A page of the 政府信息公开工作年度报告 often carries only a title and a link: 附件：XX局2023年
政府信息公开工作年度报告.pdf. `report_links` picks, from the page's HTML, the links that
plausibly are that report:

- a document: a link (`<a href>`, or an `<iframe>`/`<embed src>`, its `data-src` when loaded
  lazily, `<object data>`) whose path,
  a query value (`download.jsp?file=x.pdf`) or link text ends in .pdf .doc .docx .wps .rtf;
  a PDF viewer's page (`viewer.html?file=/x.pdf`) stands for the file it shows;
- where there are several, those whose link text, title or file name names an annual report
  (年度报告, 年报) when any does, else all of them (a single unnamed link is followed: the page
  was listed as a report's page, so what it links is worth a look; extraction judges it);
- images (.png .jpg .jpeg, `<img src>` or a link) only when the page links no document and
  names an annual report itself (a report published as pictures of its tables); an `<img>`
  loaded lazily by a script shows the picture its `data-src` (`data-original`,
  `data-lazy-src`) names, its `src` being a placeholder until then; logos,
  banners, icons and QR codes are left. The crawler does not store such pictures apart (alone,
  a picture names no agency nor year): it puts them into the page (`inline_pictures`), whose
  reader OCRs them where they stand;
- at most MAX_LINKS, in the page's order, each once;
- only on the page's own host or its registrable domain (`www.hongze.gov.cn` and
  `xxgk.hongze.gov.cn` are one site, `www.huaian.gov.cn` another; an IP address is its own
  site). A report linked on another site is not followed: the page says where it is. The
  server may still redirect a followed link elsewhere: its redirects are followed as any
  URL's, every hop under the crawl's address policy.
"""
from __future__ import annotations

import base64
import codecs
import html
import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import regex
from publicsuffixlist import PublicSuffixList

MAX_LINKS = 5
DOCUMENTS = (".pdf", ".doc", ".docx", ".wps", ".rtf")
IMAGES = (".png", ".jpg", ".jpeg")
_VIEWERS = (".html", ".htm")  # pdf.js and its like: viewer.html?file=/x.pdf

_NAMES_REPORT = regex.compile(r"年度报告|年报")
_DECORATION = regex.compile(
    r"logo|icon|banner|bg|btn|button|nav|menu|head|foot|top|bottom|share|qr|code|erweima|ewm|weixin|"
    r"wechat|weibo|wx|arrow|line|dot|spacer|search|print|close|jiucuo|dzjg|blank|loading|conac|police|"
    r"badge|favicon|gongan|beian", regex.I)
_OPEN = regex.compile(r"<(a|iframe|embed|object|img)\b([^>]{0,4000})>", regex.I)
_CLOSE_A = regex.compile(r"</a\s*>", regex.I)
# (an attribute's name starts after a space: `src` inside `data-src` is not `src`)
_ATTR = regex.compile(r"""(?<![\w-])(href|src|data|title|alt|data-src|data-original|data-lazy-src)\s*=\s*"""
                      r"""(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", regex.I)
# where an <img>, <iframe> or <embed> finds what it shows, first first: a lazily loaded one's
# `src` is a placeholder (a spinner, about:blank) until a script copies its data-src there
_LAZY_SOURCES = ("data-src", "data-original", "data-lazy-src", "src")
_TAGS = regex.compile(r"<[^>]*>")
_BASE = regex.compile(r"""<base\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)""", regex.I)
# the same tags and attributes in a page's bytes, for an ASCII-compatible charset (in GBK, Big5,
# Shift-JIS … the bytes of < > " ' = never stand inside a character)
_PICTURE_TAG = regex.compile(rb"<(a|img)\b([^>]{0,4000})>", regex.I)
_LINK_ATTR = regex.compile(rb"""(?<![\w-])(href|src|data-src|data-original|data-lazy-src)(\s*=\s*)"""
                           rb"""(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", regex.I)
_SPACE = regex.compile(r"\s+")

@dataclass(frozen=True)
class Link:
    url: str
    text: str      # the link's text, title or alt, and its file name
    image: bool


def site_of(host: str) -> str:
    """The registrable domain of a host name by the public suffix list (an IP address, or a
    host with no registrable domain such as `localhost`: itself)."""
    host = host.lower().rstrip(".").strip("[]")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    return _suffixes().privatesuffix(host) or host


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package bundles: no download


def same_site(url: str, *pages: str) -> bool:
    """On one of the pages' hosts, or the registrable domain of one."""
    host = (urlsplit(url).hostname or "").lower()
    for page in pages:
        own = (urlsplit(page).hostname or "").lower()
        if own and (host == own or site_of(host) == site_of(own)):
            return True
    return False


@dataclass(frozen=True)
class Tag:
    """A tag of a page that points somewhere: `<a href>`, `<iframe>`/`<embed>`/`<img src>`, `<object data>`."""
    name: str   # a, iframe, embed, object, img
    url: str    # where it points, resolved against the page's `<base href>` (or the page), no #fragment
    title: str  # its title and alt
    text: str   # an `<a>`'s text, up to its `</a>`, tags removed


def base_of(text: str, page: str) -> str:
    """What the page's relative links resolve against: its `<base href>`, or its own URL."""
    m = _BASE.search(text, 0, 20000)
    return urljoin(page, html.unescape(m.group(1))) if m else page


def tags(text: str, page: str) -> Iterator[Tag]:
    """The page's tags that point to another address, in the page's order (`javascript:`,
    `mailto:`, `tel:`, `data:` and `#` targets left)."""
    base = base_of(text, page)
    for m in _OPEN.finditer(text):
        name = m.group(1).lower()
        attrs: dict[str, str] = {}
        for a in _ATTR.finditer(m.group(2)):
            attrs.setdefault(a.group(1).lower(), html.unescape(next(v for v in a.groups()[1:] if v is not None)))
        target = _target(name, attrs)
        if not target or target.lower().startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            continue
        inner = ""
        if name == "a" and (close := _CLOSE_A.search(text, m.end(), m.end() + 2000)):
            inner = text[m.end():close.start()]
        url = urljoin(base, target).split("#", 1)[0].replace(" ", "%20")
        title = _SPACE.sub(" ", " ".join((attrs.get("title", ""), attrs.get("alt", "")))).strip()
        yield Tag(name, url, title, _plain_text(inner))


def _target(name: str, attrs: dict[str, str]) -> str:
    """Where a tag points: an `<img>`, `<iframe>` or `<embed>` to what it shows once loaded."""
    if name in ("a", "object"):
        return attrs.get("href" if name == "a" else "data", "").strip()
    return next((v for a in _LAZY_SOURCES if (v := attrs.get(a, "").strip())), "")


def _plain_text(markup: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", markup))).strip()


def links(text: str, page: str) -> list[Link]:
    """Every link of the page to a document or image, in the page's order, each once."""
    out: dict[str, Link] = {}
    for tag in tags(text, page):
        label = f"{tag.title} {tag.text}".strip()
        found = _file_of(tag.url, label)
        if found and found[0] not in out:
            url, name = found
            out[url] = Link(url, f"{label} {name}".strip(), name.lower().endswith(IMAGES))
    return list(out.values())


def _file_of(url: str, label: str) -> tuple[str, str] | None:
    """(URL to fetch, file name) when the link is to a document or image, else None."""
    url = url.split("#", 1)[0].replace(" ", "%20")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    name = unquote(parts.path.rsplit("/", 1)[-1])
    if name.lower().endswith(DOCUMENTS + IMAGES):
        return url, name
    for _, value in parse_qsl(parts.query):
        if value.lower().endswith(DOCUMENTS):
            if name.lower().endswith(_VIEWERS):  # a viewer's page: the file it shows
                return urljoin(url, value).replace(" ", "%20"), value.rsplit("/", 1)[-1]
            return url, value.rsplit("/", 1)[-1]  # a download script: `download.jsp?file=x.pdf`
    if label.lower().endswith(DOCUMENTS):  # `<a href="/attach/123">年度报告.pdf</a>`
        return url, label
    return None


def report_links(text: str, page: str, *also: str) -> tuple[list[str], list[str]]:
    """The links of a page that holds no report that are worth fetching as its report (at most
    MAX_LINKS), and those that would be but are on another site (not followed). `page` is the
    page's URL (after redirects) that relative links resolve against; `also`, other URLs of the
    page whose site counts as its own (the URL as listed)."""
    found = links(text, page)
    docs = [k for k in found if not k.image]
    if docs:
        picked = docs
    elif _NAMES_REPORT.search(_TAGS.sub("", text)):
        picked = [k for k in found if not _DECORATION.search(k.text + " " + k.url.rsplit("/", 1)[-1])]
    else:
        picked = []
    named = [k for k in picked if _NAMES_REPORT.search(k.text)]
    picked = named or picked
    here = [k.url for k in picked if same_site(k.url, page, *also)]
    elsewhere = [k.url for k in picked if not same_site(k.url, page, *also)]
    return here[:MAX_LINKS], elsewhere


def is_picture(url: str) -> bool:
    """A link `report_links` took as a picture of the report's tables."""
    found = _file_of(url, "")
    return found is not None and found[1].lower().endswith(IMAGES)


def inline_pictures(data: bytes, encoding: str | None, page: str,
                    pictures: dict[str, tuple[str, bytes]]) -> tuple[bytes, list[str]]:
    """The page's bytes with its pictures in it: the first `<img src>` whose URL (resolved against
    its `<base href>` or `page`, as `links` resolves it) is one of `pictures` (URL → (MIME type,
    bytes)) gets a `data:` URI of those bytes; a picture only linked (`<a href>`, shown by no
    `<img>`) gets one shown just before its first link. Each picture is put in once. The page
    stays in its own charset (base64 is ASCII); a UTF-16/32 page is decoded and written back in
    the same encoding. Also the URLs put in, in the page's order."""
    codec = (encoding or "utf-8").split(" ", 1)[0]
    try:
        wide = codecs.lookup(codec).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        codec, wide = "utf-8", False
    if wide:
        text = data.decode(codec, errors="surrogatepass")
        out, urls = inline_pictures(text.encode("utf-8", errors="surrogatepass"), "utf-8", page, pictures)
        return out.decode("utf-8", errors="surrogatepass").encode(codec, errors="surrogatepass"), urls

    # as `tags` resolves links (which looks at the first 20,000 characters: 4 bytes at most each)
    base = base_of(data[:80000].decode(codec, errors="replace"), page)

    def target(m: regex.Match) -> tuple[str, regex.Match] | None:
        """The picture a tag shows (`_LAZY_SOURCES`, as `tags` reads it) or links, and the
        attribute its bytes go in: an <img>'s src, its placeholder's (a spinner, a 1-pixel
        `data:` GIF) if it loads lazily."""
        attrs = {a.group(1).lower().decode(): a for a in reversed(list(_LINK_ATTR.finditer(m.group(2))))}
        img = m.group(1).lower() == b"img"
        for name in _LAZY_SOURCES if img else ("href",):
            a = attrs.get(name)
            raw = next(v for v in a.groups()[2:] if v is not None) if a else b""
            if a and raw.strip():
                found = _file_of(urljoin(base, html.unescape(raw.decode(codec, errors="replace")).strip()), "")
                if found is None or found[0] not in pictures:
                    return None
                return found[0], attrs.get("src", a) if img else a
        return None

    tags = [(m, t) for m in _PICTURE_TAG.finditer(data) if (t := target(m)) is not None]
    shown = {url for m, (url, _) in tags if m.group(1).lower() == b"img"}
    parts: list[bytes] = []
    put: list[str] = []
    at = 0
    for m, (url, a) in tags:
        img = m.group(1).lower() == b"img"
        if url in put or (not img and url in shown):
            continue
        mime, body = pictures[url]
        uri = b"data:" + mime.encode("ascii") + b";base64," + base64.b64encode(body)
        if img:  # its src (or the lazy attribute, when it has none) replaced by a src of its bytes
            parts += [data[at:m.start(2) + a.start()], b"src", a.group(2), b'"', uri, b'"']
            at = m.start(2) + a.end()
        else:  # the picture shown where its link is
            parts += [data[at:m.start()], b'<img src="', uri, b'">']
            at = m.start()
        put.append(url)
    parts.append(data[at:])
    return b"".join(parts), put
