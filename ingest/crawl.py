"""Fetching report pages into the raw store, politely and within bounds: from a list of URLs, or
from the columns of a sites list (ingest/discover.py finds their reports).

- only http/https; a User-Agent naming the crawler and a contact the operator sets; connect/read
  timeouts;
- robots.txt honoured (ingest/robots.py): a URL it disallows, on any redirect hop, is not
  requested, and is recorded with that reason;
- per host: at most `per_host` requests at once and `delay` seconds between their starts (or
  the robots.txt's longer Crawl-delay, up to `max_crawl_delay`); a 429 or 503 with Retry-After
  (seconds or an HTTP-date) holds the host that long (ingest/politeness.py);
- retries (ingest/attempts.py, tenacity) on connection errors, timeouts, 5xx and 429, never on other 4xx: after the
  server's Retry-After when it gives one (up to `max_retry_after`), else exponential backoff
  with jitter (`backoff`, doubling, up to `max_backoff`, plus up to `backoff` at random);
- a per-host circuit breaker: after `max_host_failures` URLs of one host failed in a row (after
  their retries), its other URLs are not requested this run, each recorded with that reason;
- a URL ends by its `deadline`, retries, waits and redirects included;
- a body is decoded layer by layer (gzip, deflate) and abandoned when the raw bytes or any
  layer's output pass `max_bytes`; it streams into the raw store, never held whole in memory;
- loopback, private, link-local and other non-public addresses are refused, on every redirect
  hop, unless `allow_private` (or XXGK_CRAWL_ALLOW_PRIVATE=1) or `allow_hosts` says otherwise;
- incremental: a URL fetched before is asked for conditionally (If-None-Match /
  If-Modified-Since, from the ETag / Last-Modified stored with it in the manifest); a 304 is not
  downloaded again: the page is read back from the store (its linked files asked for in turn),
  and nothing is added to the manifest when nothing changed. A changed document is stored and
  recorded: the manifest's last word on its URL, it replaces the older version in the next
  release (raw_store.latest, transform.store._owners). Listing pages are always fetched whole;
- a page that holds no report but links it (a .pdf/.doc/.docx/.wps/.rtf: which links, and on
  which sites, in ingest/links.py) has the linked files fetched like any URL (same client,
  per-host gate, address policy, size limit, retries, each its own deadline), each stored and
  recorded as an entry of its own whose `linked_from` is the page. The page is then `linked`
  (`attachment_url`: the files); when none could be fetched, or its report is on another site,
  `needs_attachment` with the reason in `error`. A page with report tables of its own is stored
  and extracted as it is: its attachments are not needed. Links are followed one level: a
  linked file that is itself a page is stored as it is;
- a page that shows its report as pictures of its tables (no document linked, the page names an
  annual report: ingest/links.py) is one document: the pictures are fetched the same way, in
  memory (each at most `formats.scan.MAX_IMAGE_BYTES`), and put into the page's HTML as `data:`
  URIs where its `<img>` tags show them (`links.inline_pictures`; the page keeps its charset),
  which the HTML reader OCRs. The page is `stored` with that HTML (`attachment_url`: the
  pictures put in; those that could not be fetched in `error`, the page stored all the same,
  and fetched whole again next time). A picture alone is never stored: it names no agency or year.

The URL list's and the sites list's formats are in ingest/targets.py; every setting, its default
and its key in xxgk.toml's [crawl] in `CrawlSettings` (and the README).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from xxgk import config
from xxgk.extract.decode import Unreadable, decode_text
from xxgk.extract.formats import HEAD, html, reader_for, scan
from xxgk.extract.formats.scan import MAX_IMAGE_BYTES
from xxgk.extract.metadata import detect_template
from xxgk.extract.report import MAX_BYTES
from xxgk.ingest.addresses import AddressPolicy, CheckedTransport, allow_private_from_env
from xxgk.ingest.attempts import Attempts, Try
from xxgk.ingest.decompress import ACCEPT_ENCODING
from xxgk.ingest.discover import Bounds, walk
from xxgk.ingest.fetch import Limits
from xxgk.ingest.links import MAX_LINKS, inline_pictures, is_picture, report_links
from xxgk.ingest.politeness import Breaker, HostGate
from xxgk.ingest.raw_store import ERROR, LINKED, LISTING, NEEDS_ATTACHMENT, STORED, Entry, RawStore
from xxgk.ingest.robots import Answer, Robots, Rules
from xxgk.ingest.targets import Target, read_sites, read_targets

__all__ = ["CrawlSettings", "Target", "crawl", "read_sites", "read_targets"]

USER_AGENT = "xxgk/0.1 (annual-report research crawler; +https://github.com/xxgk)"
_CLASSIFY_BYTES = 8 * 1024 * 1024  # of a page, read back to find its charset and attachment links
_LISTING_BYTES = 5 * 1024 * 1024   # a listing page or a robots.txt, read in memory
_ROBOTS_DEADLINE = 30.0


@dataclass(frozen=True)
class CrawlSettings:
    """Every setting of a crawl. `CrawlSettings.configured()` reads them from XXGK_HOME/xxgk.toml's
    [crawl] and XXGK_CRAWL_* (xxgk/config.py); a key left unset keeps the default below."""
    # who we are
    contact: str | None = None    # an e-mail address or URL for webmasters, put in the User-Agent
    user_agent: str = USER_AGENT  # the User-Agent (its first word is the robots.txt token)
    # politeness
    delay: float = 1.0            # seconds between request starts on one host
    per_host: int = 2             # requests in flight per host
    workers: int = 8              # requests in flight in all
    max_crawl_delay: float = 30.0  # a robots.txt Crawl-delay is honoured up to this many seconds
    # patience
    timeout: float = 20.0         # seconds of silence (connect, read) before a request fails
    deadline: float = 120.0       # seconds for a URL from its first request, retries included
    retries: int = 3              # more attempts after a connection error, timeout, 5xx or 429
    backoff: float = 1.0          # seconds before the first retry; doubles each time, plus jitter
    max_backoff: float = 60.0     # the longest wait between two attempts (without Retry-After)
    max_retry_after: float = 300.0  # a longer Retry-After gives up the URL (and holds its host that long)
    max_host_failures: int = 5    # failed URLs in a row before a host is skipped for the run (0: never)
    # bounds
    max_bytes: int = 30 * 1024 * 1024  # raw, and after each Content-Encoding layer
    max_redirects: int = 10
    # discovery (`--sites`)
    max_pages: int = 50           # listing pages read per column
    max_depth: int = 1            # levels of sub-columns followed below a column
    max_reports: int = 500        # report links taken per column
    first_year: int = 2019        # reports for earlier years are left
    # where it may connect: loopback, private, link-local addresses, for an intranet or a test server
    allow_private: bool = field(default_factory=allow_private_from_env)
    allow_hosts: tuple[str, ...] = ()  # `host` or `host:port` allowed whatever they resolve to

    @classmethod
    def configured(cls, **overrides) -> CrawlSettings:
        """The defaults, then xxgk.toml's [crawl] and XXGK_CRAWL_* (config.ConfigError when one
        cannot be used), then `overrides` that are not None."""
        return cls(**{**config.crawl(), **{k: v for k, v in overrides.items() if v is not None}})

    @property
    def agent(self) -> str:
        """The User-Agent sent: `user_agent`, with the operator's contact when one is set."""
        if not self.contact or self.contact in self.user_agent:
            return self.user_agent
        contact = self.contact if "://" in self.contact or "@" not in self.contact else f"mailto:{self.contact}"
        if self.user_agent == USER_AGENT:
            return f"{USER_AGENT.split(' ', 1)[0]} (annual-report research crawler; +{contact})"
        return f"{self.user_agent} (+{contact})"

    @property
    def bounds(self) -> Bounds:
        return Bounds(self.max_pages, self.max_depth, self.max_reports, self.first_year)


class Crawler:
    """One crawl's client, politeness and memory of what was fetched before, shared by its
    worker threads."""

    def __init__(self, store: RawStore, s: CrawlSettings):
        self.store, self.s = store, s
        self.gate = HostGate(s.per_host, s.delay)
        self.breaker = Breaker(s.max_host_failures)
        self.known = store.latest()  # the manifest's last word on each URL: validators, outcome
        transport = CheckedTransport(AddressPolicy(s.allow_private, frozenset(s.allow_hosts)))
        headers = {"User-Agent": s.agent, "Accept-Encoding": ACCEPT_ENCODING}
        self.client = httpx.Client(transport=transport, trust_env=False, follow_redirects=False, headers=headers)
        self.robots = Robots(s.agent, self._fetch_robots, self._robots_read)
        self.final_urls: dict[str, str] = {}  # a page waiting for its pictures: its URL after redirects

    def __enter__(self) -> Crawler:
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def record(self, entry: Entry) -> Entry:
        self.store.record_if_new(entry, self.known.get(entry.source))
        return entry

    # -- one request, politely, with retries

    def request(self, url: str, store: RawStore | None, headers: dict[str, str] | None = None,
                robots: bool = True, gated: bool = True, deadline: float | None = None,
                max_bytes: int | None = None) -> Try:
        """GET `url` (into `store`, or into memory) through robots.txt, the circuit breaker, the
        host gate and the retries; the last attempt's outcome."""
        host = urlsplit(url).netloc
        if self.breaker.is_open(host):
            return Try(error=self.breaker.why(host))
        if robots and (why := self.robots.why_not(url)):
            return Try(error=why)
        s = self.s
        limits = Limits(max_bytes or s.max_bytes, s.timeout, 0.0, s.max_redirects)
        t = Attempts(self, url, store, headers, limits, deadline or s.deadline, robots, gated).run()
        if t.retry or t.timed_out:
            self.breaker.failed(host, t.error or "")
        elif t.fetched is not None:
            self.breaker.answered(host)
        return t

    def _fetch_robots(self, url: str) -> Answer:
        t = self.request(url, None, robots=False, gated=False, deadline=min(self.s.deadline, _ROBOTS_DEADLINE),
                         max_bytes=_LISTING_BYTES)
        self.gate.started(urlsplit(url).netloc)  # it counts for the host's spacing
        if t.fetched is None:
            return Answer(None, error=t.error, refused=t.refused)
        return Answer(t.fetched.status, t.fetched.body, t.error)

    def _robots_read(self, host: str, rules: Rules) -> None:
        delay = self.robots.crawl_delay(rules)
        if delay:
            self.gate.set_delay(host, min(delay, self.s.max_crawl_delay))

    # -- a URL: a report page or file

    def fetch(self, target: Target, linked_from: str | None = None, follow: bool = True) -> Entry:
        """Fetch one URL with retries into the store; returns its manifest entry. A page that only
        links its report comes back `needs_attachment` with the files to fetch in `attachment_url`
        (space-separated) and no `error`: `fetch_with_links` fetches them. `linked_from`: the page
        that linked this URL; `follow`: whether its own links are followed."""
        url = target.url
        base = Entry(url, ERROR, agency_hint=target.agency, year_hint=target.year, linked_from=linked_from,
                     region_hint=target.region)
        if target.error:
            base.error = target.error  # a line of the list that could not be read
            return base
        if why := _not_fetchable(self.client, url):
            base.error = why
            return base
        before = self.known.get(url)
        headers = self._validators(before)
        t = self.request(url, self.store, headers)
        r = t.fetched
        if r is not None:
            base.http_status, base.content_type = r.status, r.content_type
        if t.error or r is None:
            base.error = t.error
            return base
        if r.status == 304 and headers and before is not None and before.sha256:
            # not modified: the bytes fetched before, read back; nothing downloaded
            unchanged = dataclasses.replace(
                base, sha256=before.sha256, bytes=before.bytes, content_type=before.content_type,
                charset=before.charset, fetched_at=before.fetched_at, etag=r.etag or before.etag,
                last_modified=r.last_modified or before.last_modified)
            if before.status == STORED and before.attachment_url:
                # a page stored with its pictures put in (`inline`): the store holds that page
                unchanged.status, unchanged.attachment_url = STORED, before.attachment_url
                return unchanged
            return self._classified(unchanged, r.url, self.store.path_of(before.sha256), follow)
        if not r.sha256:
            base.error = f"HTTP {r.status}"
            return base
        base.sha256, base.bytes, base.etag, base.last_modified = r.sha256, r.size, r.etag, r.last_modified
        return self._classified(base, r.url, self.store.path_of(r.sha256), follow)

    def _classified(self, entry: Entry, final_url: str, path: Path, follow: bool) -> Entry:
        entry = _classify(entry, final_url, path, follow)
        if entry.status == NEEDS_ATTACHMENT and not entry.error:
            self.final_urls[entry.source] = final_url  # what its links resolve against
        return entry

    def _validators(self, before: Entry | None) -> dict[str, str] | None:
        """If-None-Match / If-Modified-Since for a URL whose bytes are in the store."""
        if (before is None or before.status not in (STORED, LINKED, NEEDS_ATTACHMENT) or not before.sha256
                or not (before.etag or before.last_modified) or not self.store.path_of(before.sha256).exists()):
            return None
        if before.status == STORED and before.attachment_url and before.error:
            return None  # a page stored without some of its pictures: fetched whole, they are asked again
        headers = {}
        if before.etag:
            headers["If-None-Match"] = before.etag
        if before.last_modified:
            headers["If-Modified-Since"] = before.last_modified
        return headers

    def fetch_safely(self, target: Target, linked_from: str | None = None, follow: bool = True) -> Entry:
        """One URL's outcome, whatever happens: a bug or an odd page costs that URL, not the crawl."""
        try:
            return self.fetch(target, linked_from, follow)
        except Exception as e:  # noqa: BLE001
            return Entry(target.url, ERROR, error=f"{type(e).__name__}: {e}", agency_hint=target.agency,
                         year_hint=target.year, linked_from=linked_from, region_hint=target.region)

    def fetch_with_links(self, target: Target, listed_on: str | None = None) -> tuple[Entry, list[Entry]]:
        """A URL, and when it is a page that only links its report, the files it links, one after
        the other in this worker (each through the host gate, with its own deadline). `listed_on`:
        the listing page it was found on."""
        page = self.fetch_safely(target, listed_on)
        final_url = self.final_urls.pop(page.source, page.source)
        if page.status != NEEDS_ATTACHMENT or not page.attachment_url or page.error:
            return page, []
        if all(is_picture(url) for url in page.attachment_url.split()):
            return self.inline_safely(page, final_url, target), []
        files = [self.fetch_safely(Target(url, target.agency, target.year, region=target.region), page.source,
                                   follow=False)
                 for url in page.attachment_url.split()]
        return settle(page, files), files

    # -- a page showing its report as pictures

    def inline_safely(self, page: Entry, final_url: str, target: Target) -> Entry:
        try:
            return self.inline(page, final_url, target)
        except Exception as e:  # noqa: BLE001 - a bug costs this page, not the crawl
            page.status, page.error = ERROR, f"{type(e).__name__}: {e}"
            return page

    def inline(self, page: Entry, final_url: str, target: Target) -> Entry:
        """A page that shows its report as pictures of its tables (ingest/links.py), stored as one
        document: its HTML with the pictures fetched (like any URL, each at most
        `MAX_IMAGE_BYTES`) and put in as `data:` URIs, which the HTML reader OCRs where they stand.
        The page's entry is `stored` with that document, `attachment_url` the pictures put in;
        those that could not be fetched are said in `error`, and the page is stored all the same."""
        assert page.sha256 is not None  # a page classified from its stored bytes
        data = self.store.path_of(page.sha256).read_bytes()
        urls = page.attachment_url.split() if page.attachment_url else []
        pictures: dict[str, tuple[str, bytes]] = {}
        failed: list[str] = []
        room = MAX_BYTES - len(data)  # what the extractor reads at most, the page included
        for url in urls:
            got = self.picture(Target(url, target.agency, target.year, region=target.region))
            if isinstance(got, str):
                failed.append(f"{url}: {got}")
            elif (size := (len(got[1]) + 2) // 3 * 4 + 64) > room:
                failed.append(f"{url}: the page with its pictures would pass {MAX_BYTES // 2**20} MB")
            else:
                pictures[url], room = got, room - size
        inlined, put = inline_pictures(data, page.charset, final_url, pictures) if pictures else (data, [])
        failed += [f"{url}: not shown by the page's <img> or <a> tags" for url in pictures if url not in put]
        page.status = STORED
        page.attachment_url = " ".join(put) or None
        page.error = (f"{len(failed)} of the {len(urls)} pictures of its tables could not be put in the page: "
                      + "; ".join(failed)) if failed else None
        if put:
            page.sha256, page.bytes = self.store.put(inlined), len(inlined)
        return page

    def picture(self, target: Target) -> tuple[str, bytes] | str:
        """A picture a page shows, in memory: (MIME type, bytes), or why not."""
        if why := _not_fetchable(self.client, target.url):
            return why
        t = self.request(target.url, None, max_bytes=min(self.s.max_bytes, MAX_IMAGE_BYTES))
        r = t.fetched
        if t.error or r is None or r.body is None:
            return t.error or f"HTTP {r.status if r else '?'}"
        mime = _image_type(r.body)
        if mime is None:
            return f"not a picture ({r.content_type or 'no Content-Type'}, {len(r.body)} bytes)"
        return mime, r.body

    # -- a column: its listing pages, then its reports

    def listing(self, url: str, listed_on: str | None, column: Target) -> tuple[Entry, str | None]:
        """A listing page, fetched whole (never conditionally: a column changes when a report is
        added), kept in memory: its entry (`listing`, or `error`) and its text."""
        entry = Entry(url, ERROR, agency_hint=column.agency, linked_from=listed_on, region_hint=column.region)
        if why := _not_fetchable(self.client, url):
            entry.error = why
            return entry, None
        t = self.request(url, None, max_bytes=_LISTING_BYTES)
        r = t.fetched
        if r is not None:
            entry.http_status, entry.content_type = r.status, r.content_type
        if t.error or r is None or r.body is None:
            entry.error = t.error or f"HTTP {r.status if r else '?'}"
            return entry, None
        try:
            text, entry.charset = decode_text(r.body)
        except Unreadable as e:
            entry.error = f"a listing page that cannot be read as text: {e}"
            return entry, None
        entry.status = LISTING
        return entry, text

    def discover(self, column: Target) -> tuple[list[Entry], list[tuple[Target, str]]]:
        """A column's listing pages (entries to record) and its report links, each with the
        listing page it was found on. A bug costs this column, not the crawl."""
        if column.error:
            return [Entry(column.url, ERROR, error=column.error)], []
        pages: list[Entry] = []

        def read(url: str, listed_on: str | None) -> str | None:
            entry, text = self.listing(url, listed_on, column)
            pages.append(entry)
            return text

        try:
            found = walk(column.url, read, self.s.bounds)
        except Exception as e:  # noqa: BLE001
            return pages + [Entry(column.url, ERROR, error=f"{type(e).__name__}: {e}", agency_hint=column.agency,
                                  region_hint=column.region)], []
        if not found and pages and pages[0].status == LISTING:
            first = pages[0]
            first.status = ERROR
            first.error = (f"no link naming an annual report for {self.s.first_year} or later on its "
                           f"{len(pages)} listing page(s) (a listing that a script fills in is not read)")
        return pages, [(Target(r.url, column.agency, r.year, region=column.region), page) for r, page in found]


def _image_type(data: bytes) -> str | None:
    """The MIME type of a picture the HTML reader can OCR, by its first bytes."""
    if not scan.sniff(data[:16], ""):
        return None
    for magic, mime in ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"),
                        (b"RIFF", "image/webp")):
        if data.startswith(magic):
            return mime
    return "image/tiff"


def _not_fetchable(client: httpx.Client, url: str) -> str | None:
    try:
        parts = urlsplit(url)
        client.build_request("GET", url)  # httpx's own check of the URL
    except (ValueError, httpx.InvalidURL) as e:
        return f"not a valid URL: {e}"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"not an http(s) URL: {url}"
    return None


def _classify(entry: Entry, final_url: str, path: Path, follow: bool = True) -> Entry:
    entry.status = STORED  # unless the page only links its report
    with open(path, "rb") as f:
        data = f.read(HEAD)
        kind = reader_for(data, final_url).KIND
        if kind not in ("html", "text"):
            return entry  # a PDF or Word file: stored for the extractor to judge
        data += f.read(_CLASSIFY_BYTES - len(data))
        if f.read(1):
            data = data[: data.rfind(b"\n") + 1] or data  # a cut inside a character would change the charset
    try:
        text, entry.charset = decode_text(data)
    except Unreadable:
        return entry  # undecodable: the extractor records why
    if follow and kind == "html" and detect_template(text)[0] is not None:
        # a report page; its tables may still be pictures (section 三 as an <img>): then those
        here, _ = report_links(text, final_url, entry.source)
        if here and all(is_picture(u) for u in here) and not html.holds_tables(text):
            entry.status = NEEDS_ATTACHMENT  # until the pictures are put in (Crawler.inline)
            entry.attachment_url = " ".join(here)
    elif follow and kind == "html":
        here, elsewhere = report_links(text, final_url, entry.source)
        if here:
            entry.status = NEEDS_ATTACHMENT  # until the linked files are fetched (settle)
            entry.attachment_url = " ".join(here)
        elif elsewhere:
            entry.status = NEEDS_ATTACHMENT
            entry.attachment_url = " ".join(elsewhere[:MAX_LINKS])
            entry.error = (f"its report is linked on another site, not followed: {elsewhere[0]}"
                           + (f" (and {len(elsewhere) - 1} more)" if len(elsewhere) > 1 else ""))
    return entry


def settle(page: Entry, files: list[Entry]) -> Entry:
    """A page that links its report, once the linked files have been fetched: `linked` when one
    at least was stored (the others' failures said in `error`), else `needs_attachment` with why."""
    failed = [f"{f.source}: {f.error}" for f in files if f.status != STORED]
    if len(failed) < len(files):
        page.status = LINKED
        page.error = f"{len(failed)} of the {len(files)} linked files could not be fetched: " + "; ".join(failed) \
            if failed else None
    else:
        page.status = NEEDS_ATTACHMENT
        page.error = "the report it links could not be fetched: " + "; ".join(failed)
    return page


def crawl(targets: list[Target], store: RawStore, settings: CrawlSettings | None = None,
          sites: Iterable[Target] = ()) -> list[Entry]:
    """Fetch every target, and the files a page that only links its report links; discover the
    reports of every column of `sites` (ingest/discover.py) and fetch them the same way. Every
    URL ends as a manifest entry (stored, linked, needs_attachment, listing, error), recorded as
    soon as it is fetched (a page right after its linked files), so a crawl killed midway keeps
    what it got; an entry saying what the manifest already says (a 304, an unchanged listing
    page) is not recorded again. Entries come back in the targets' order, then the linked files,
    page by page; then the columns' listing pages, their reports and the reports' linked files."""
    s = settings or CrawlSettings()
    pages: dict[int, Entry] = {}  # by the target's (then the report's) index
    linked: dict[int, list[Entry]] = {}
    listings: list[Entry] = []
    seen = {t.url for t in targets}
    n = len(targets)
    with Crawler(store, s) as c, ThreadPoolExecutor(max_workers=s.workers) as pool:
        futures: dict[Future, tuple[str, int]] = {pool.submit(c.fetch_with_links, t): ("url", i)
                                                  for i, t in enumerate(targets)}
        futures |= {pool.submit(c.discover, site): ("site", 0) for site in sites}
        try:
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for f in done:
                    kind, i = futures.pop(f)  # popped: a done future's result is not kept
                    if kind == "site":
                        found, reports = f.result()
                        for e in found:
                            listings.append(c.record(e))
                        for target, listed_on in reports:
                            if target.url not in seen:
                                seen.add(target.url)
                                futures[pool.submit(c.fetch_with_links, target, listed_on)] = ("url", n)
                                n += 1
                        continue
                    page, files = f.result()
                    for e in files:
                        c.record(e)
                    pages[i] = c.record(page)
                    if files:
                        linked[i] = files
        except BaseException:
            # Ctrl-C: the queued URLs are dropped and those waiting for their host's turn not
            # made; only requests in flight end. What was fetched is recorded: the next run goes on.
            c.gate.close()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    first = len(targets)
    return ([pages[i] for i in range(first)] + [e for i in sorted(linked) if i < first for e in linked[i]]
            + listings + [pages[i] for i in range(first, n)]
            + [e for i in sorted(linked) if i >= first for e in linked[i]])
