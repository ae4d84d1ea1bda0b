"""Crawl report pages from a list of URLs, and the report files a page links, into the raw store."""
from __future__ import annotations

from collections import Counter

from prefect import flow, task

from xxgk.flows import processes, settings
from xxgk.ingest.crawl import CrawlSettings, crawl, read_targets
from xxgk.ingest.raw_store import RawStore


@task(name="fetch-all")
def fetch_all(url_list: str, raw: str, crawl_settings: CrawlSettings) -> dict:
    """How many entries ended in each status: the list's URLs and the files their pages link."""
    entries = crawl(read_targets(url_list), RawStore(raw), crawl_settings)
    return dict(Counter(e.status for e in entries))


@flow(name="xxgk-crawl")
def crawl_flow(url_list: str, data: str = "data", delay: float = 1.0, timeout: float = 20.0,
               retries: int = 3, backoff: float = 1.0) -> dict:
    raw, _ = settings.data_paths(data)
    s = CrawlSettings(timeout=timeout, retries=retries, backoff=backoff, delay=delay)
    with processes.sole_writer(data):
        return fetch_all(url_list, str(raw), s)


if __name__ == "__main__":
    import sys

    data = sys.argv[2] if len(sys.argv) > 2 else "data"
    processes.main(data, lambda: crawl_flow(sys.argv[1], data))
