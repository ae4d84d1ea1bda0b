"""The URL list a crawl reads, and the sites list a discovery crawl reads.

One URL per line, optionally followed by agency and year columns (comma or tab separated); `#`
starts a comment; a header row (`url,…`) is skipped. Each line is read and parsed on its own, so
a bad line costs that line alone: a line over 128 KB, a quote left open, a first column that is
not a URL, or bytes that are neither UTF-8 nor GB18030 become a target that carries the reason
and where it is (`list.csv:12`), and the crawl records it as an error.

A sites list (`xxgk run --sites FILE`) is read the same way, line by line: a column's URL (the
listing page of its annual reports, 政府信息公开年报), optionally followed by the agency and its
region (`http://www.shuyang.gov.cn/sygfj/gknb/index.html,沭阳县发展和改革局,江苏省宿迁市沭阳县`).

Lists saved by Chinese Excel or Notepad are often GBK: a line that is not UTF-8 is read as
GB18030 (a superset of GBK), and the log says which lines were. A list with a UTF-16 byte-order
mark (Excel's "Unicode text") is read as UTF-16.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr
from urllib.parse import urlsplit

MAX_LINE = 128 * 1024

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    url: str                   # for a line that could not be read: where it is, `list.csv:12`
    agency: str | None = None
    year: int | None = None
    error: str | None = None   # why the line could not be read
    region: str | None = None  # a sites list's region column


class _BadLine(ValueError):
    pass


def read_targets(path: str | Path) -> list[Target]:
    return _read(path, _parse, "URL list")


def read_sites(path: str | Path) -> list[Target]:
    """The columns of a sites list: `url[,agency[,region]]` per line."""
    return _read(path, _parse_site, "sites list")


def _read(path: str | Path, parse: Callable[[str], Target | None], what: str) -> list[Target]:
    out = []
    read_as_gb = []
    seen: set[str] = set()
    repeated = 0
    for n, text, encoding in _lines(Path(path)):
        if encoding == "gb18030":
            read_as_gb.append(n)
        try:
            if text is None:
                raise _BadLine(encoding)
            target = parse(text)
        except _BadLine as e:
            out.append(Target(f"{path}:{n}", error=f"line {n} of the {what}: {e}"))
            continue
        if target and target.url in seen:
            repeated += 1  # fetched once: the first line's agency and year hints stand
        elif target:
            seen.add(target.url)
            out.append(target)
    if repeated:
        log.warning("%s: %d repeated URL(s) left out", path, repeated)
    if read_as_gb:
        shown = ", ".join(map(str, read_as_gb[:10])) + (", …" if len(read_as_gb) > 10 else "")
        log.warning("%s: line(s) %s are not UTF-8; read as GB18030", path, shown)
    return out


def _lines(path: Path) -> Iterator[tuple[int, str | None, str]]:
    """(line number, text, encoding), or (line number, None, why it could not be read)."""
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
            if head.startswith(bom):
                text = io.TextIOWrapper(f, encoding=encoding, errors="replace")
                for n, line, size in _bounded_lines(text.readline, "\n"):
                    yield (n, line, encoding) if line is not None else (n, None, _too_long(size, "characters"))
                return
        for n, raw, size in _bounded_lines(f.readline, b"\n"):
            if raw is None:
                yield n, None, _too_long(size, "bytes")
                continue
            if n == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            for encoding in ("utf-8", "gb18030"):
                try:
                    yield n, raw.decode(encoding), encoding
                    break
                except UnicodeDecodeError:
                    continue
            else:
                yield n, None, "neither UTF-8 nor GB18030 text"


def _bounded_lines(readline: Callable[[int], AnyStr], newline: AnyStr) -> Iterator[tuple[int, AnyStr | None, int]]:
    """Lines of at most MAX_LINE; a longer one is skipped without holding it (None, its size)."""
    n = 0
    while line := readline(MAX_LINE + 1):
        n += 1
        if len(line) <= MAX_LINE or line.endswith(newline):
            yield n, line, len(line)
            continue
        size = len(line)
        while line and not line.endswith(newline):
            line = readline(64 * 1024)
            size += len(line)
        yield n, None, size


def _too_long(size: int, unit: str) -> str:
    return f"longer than {MAX_LINE // 1024} KB ({size} {unit}): skipped"


def _row(text: str) -> list[str] | None:
    """The line's columns, its URL checked; None for a blank line, a comment or a header row."""
    text = text.rstrip("\r\n")
    if not text.strip() or text.lstrip().startswith("#"):
        return None
    try:
        row = next(csv.reader([text.replace("\t", ",")], strict=True))
    except csv.Error as e:
        raise _BadLine(f"not valid CSV ({e}): a quote left open?") from e
    url = row[0].strip()
    if url.lower() in ("url", "source", "column", "site"):
        return None  # a header row
    if not _is_url(url):
        raise _BadLine(f"not a URL: {url[:100]!r}")
    return [url] + [c.strip() for c in row[1:]]


def _parse_site(text: str) -> Target | None:
    row = _row(text)
    if row is None:
        return None
    return Target(row[0], row[1] or None if len(row) > 1 else None,
                  region=row[2] or None if len(row) > 2 else None)


def _parse(text: str) -> Target | None:
    row = _row(text)
    if row is None:
        return None
    url = row[0]
    agency = row[1] or None if len(row) > 1 else None
    year = row[2] if len(row) > 2 else ""
    # a year hint is a report year or nothing (`202301` is a date, not a year)
    return Target(url, agency, int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else None)


def _is_url(url: str) -> bool:
    """Shaped like scheme://host/…; whether it is one the crawler fetches is the crawler's call."""
    if any(c.isspace() or c == '"' or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and parts.netloc)
