"""robots.txt, honoured (RFC 9309), read with a maintained parser (protego, Scrapy's).

Each site's robots.txt (scheme, host and port) is fetched once per crawl, before its first URL,
through the crawl's client (address policy, size limit, redirects, retries) and kept for the run:

- 2xx: its rules for our product token (`xxgk`, the User-Agent's first word) or `*` decide;
  a Crawl-delay longer than the crawl's delay spaces that host's requests (up to
  `max_crawl_delay`);
- 4xx (none there, or forbidden): no rules, everything allowed (RFC 9309 2.3.1.3);
- 5xx, 429, or no answer at all (after the retries): the site is treated as disallowing
  everything for this run (RFC 9309 2.3.1.4), each of its URLs recorded with that reason.

A URL is asked of its own site's robots.txt, and so is every redirect hop (ingest/fetch.py).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from protego import Protego

MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB


@dataclass(frozen=True)
class Rules:
    url: str                       # the robots.txt
    parser: Protego | None = None  # None: no rules (4xx)
    error: str | None = None       # it could not be had: everything disallowed
    refused: str | None = None     # the crawl may not connect to the site at all: why, as it is

    def why_not(self, url: str, agent: str) -> str | None:
        if self.refused:
            return self.refused
        if self.error:
            return f"not requested: {self.url} could not be fetched ({self.error}), so the site is " \
                   "treated as disallowing everything (RFC 9309)"
        if self.parser is not None and not self.parser.can_fetch(url, agent):
            return f"disallowed by {self.url}"
        return None


def robots_url(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}/robots.txt"


def product_token(user_agent: str) -> str:
    """The name robots.txt groups are matched against: `xxgk` of `xxgk/0.1 (+mailto:…)`."""
    return (user_agent.split("/", 1)[0].split() or ["*"])[0]


@dataclass(frozen=True)
class Answer:
    """What fetching a robots.txt gave."""
    status: int | None            # None: no HTTP answer
    body: bytes | None = None
    error: str | None = None
    refused: bool = False         # the address policy refused the site: no URL of it can be fetched


class Robots:
    """Each site's rules, fetched once, on first use, by `fetch(robots_url) -> Answer`."""

    def __init__(self, user_agent: str, fetch: Callable[[str], Answer],
                 on_rules: Callable[[str, Rules], None] | None = None):
        self.agent = product_token(user_agent)
        self.fetch = fetch
        self.on_rules = on_rules  # told each site's rules as they arrive (its Crawl-delay)
        self.lock = threading.Lock()
        self.sites: dict[str, Rules] = {}
        self.fetching: dict[str, threading.Lock] = {}

    def why_not(self, url: str) -> str | None:
        """Why robots.txt forbids this URL, or None."""
        return self.rules(url).why_not(url, self.agent)

    def rules(self, url: str) -> Rules:
        where = robots_url(url)
        with self.lock:
            if where in self.sites:
                return self.sites[where]
            mine = self.fetching.setdefault(where, threading.Lock())
        with mine:  # one fetch per site; the others wait for it
            with self.lock:
                if where in self.sites:
                    return self.sites[where]
            rules = self._read(where)
            with self.lock:
                self.sites[where] = rules
        if self.on_rules:
            self.on_rules(urlsplit(url).netloc, rules)
        return rules

    def _read(self, where: str) -> Rules:
        answer = self.fetch(where)
        status = answer.status
        if answer.refused:
            return Rules(where, refused=answer.error)
        if status is None or status == 429 or status >= 500:
            return Rules(where, error=answer.error or f"HTTP {status}")
        if status >= 400:
            return Rules(where)
        text = (answer.body or b"")[:MAX_BYTES].decode("utf-8", "replace")
        return Rules(where, Protego.parse(text))

    def crawl_delay(self, rules: Rules) -> float | None:
        if rules.parser is None:
            return None
        delay = rules.parser.crawl_delay(self.agent)
        return float(delay) if delay else None
