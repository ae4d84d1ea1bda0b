"""One HTTP GET, bounded: redirects followed one hop at a time, the body decoded within the size
limit and streamed into the raw store, everything within the URL's deadline.

Redirects are followed here rather than by httpx so that every hop is an http(s) URL, counts
against the deadline and is asked of the crawl's `allow` (robots.txt); the address of every hop
is checked where it connects (ingest/addresses.py).

A conditional request (`headers` with If-None-Match / If-Modified-Since) answered 304 comes back
with no body; the validators of a response (ETag, Last-Modified) come back with it. Without a
store (`store=None`: a listing page, a robots.txt) the body is kept in memory, within the same
size limit.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from xxgk.ingest.decompress import BadEncoding, TooLarge, decoded
from xxgk.ingest.raw_store import RawStore

REDIRECTS = (301, 302, 303, 307, 308)


class Refused(Exception):
    """A response we will not take, and asking again would not change."""


class DeadlinePassed(Exception):
    pass


@dataclass
class Fetched:
    url: str                  # after redirects
    status: int
    content_type: str | None
    sha256: str | None = None  # the decoded body, in the raw store (a response below 400)
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: str | None = None  # the header, on a response that asks us to wait
    body: bytes | None = None  # without a store: the decoded body


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    timeout: float             # connect/read/write, each
    deadline_at: float         # time.monotonic() by which the whole URL is done
    max_redirects: int = 10


def get(client: httpx.Client, url: str, store: RawStore | None, limits: Limits,
        headers: dict[str, str] | None = None, allow: Callable[[str], str | None] | None = None) -> Fetched:
    """`allow(url)`: why a URL may not be requested (robots.txt), or None; asked of every hop."""
    for _ in range(limits.max_redirects + 1):
        why_not = allow(url) if allow else None
        if why_not:
            raise Refused(why_not)
        with client.stream("GET", url, timeout=_timeout(limits), headers=headers) as r:
            location = r.headers.get("location")
            if r.status_code in REDIRECTS and location:
                try:
                    hop = r.url.join(location)
                except httpx.InvalidURL as e:
                    raise Refused(f"redirected to an invalid URL {location[:200]!r}: {e}") from e
                if hop.scheme not in ("http", "https"):
                    raise Refused(f"redirected to a URL that is not http(s): {location[:200]}")
                url = str(hop)
                continue
            out = Fetched(str(r.url), r.status_code, r.headers.get("content-type"), etag=r.headers.get("etag"),
                          last_modified=r.headers.get("last-modified"), retry_after=r.headers.get("retry-after"))
            if r.status_code >= 400 or r.status_code == 304:
                return out  # its body is of no use
            declared = r.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limits.max_bytes:
                raise Refused(f"response of {declared} bytes exceeds the {limits.max_bytes}-byte limit")
            try:
                with store.new_blob() if store else _Memory() as blob:
                    for piece in decoded(_raw(r, limits), r.headers.get("content-encoding"), limits.max_bytes):
                        blob.write(piece)
                    out.sha256, out.size = blob.keep(), blob.size
                if isinstance(blob, _Memory):
                    out.body = bytes(blob.data)
            except (TooLarge, BadEncoding) as e:
                raise Refused(str(e)) from e
            return out
    raise Refused(f"more than {limits.max_redirects} redirects")


class _Memory:
    """A blob that stays in memory (a listing page, a robots.txt: small, and not documents)."""

    def __init__(self):
        self.data = bytearray()
        self.size = 0

    def write(self, piece: bytes) -> None:
        self.data += piece
        self.size += len(piece)

    def keep(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def __enter__(self) -> _Memory:
        return self

    def __exit__(self, *exc) -> None:
        pass


def _raw(r: httpx.Response, limits: Limits):
    # the body as sent: httpx's own decoding has no bound on what one chunk expands to
    for chunk in r.iter_raw():
        if time.monotonic() > limits.deadline_at:
            raise DeadlinePassed
        yield chunk


def _timeout(limits: Limits) -> httpx.Timeout:
    # no single wait may outlast the deadline; a body trickling within the read timeout is cut
    # between chunks (_raw), so a URL ends at its deadline give or take one chunk's wait
    left = limits.deadline_at - time.monotonic()
    if left <= 0:
        raise DeadlinePassed
    wait = min(limits.timeout, left)
    return httpx.Timeout(wait, connect=min(wait, 10.0))
