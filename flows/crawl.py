"""Crawl report pages from a list of URLs, and/or the reports of the columns of a sites list,
and the report files a page links, into the raw store."""
from __future__ import annotations

from collections import Counter

from prefect import flow, task

from xxgk.flows import crashes, processes, settings
from xxgk.ingest.crawl import CrawlSettings, crawl, read_sites, read_targets
from xxgk.ingest.raw_store import RawStore


@task(name="fetch-all")
def fetch_all(url_list: str | None, raw: str, crawl_settings: CrawlSettings, sites: str | None = None) -> dict:
    """How many entries ended in each status (the list's URLs, the columns' listing pages and
    reports, the files their pages link), and how many were found unchanged (`not_modified`:
    HTTP 304, nothing downloaded)."""
    entries = crawl(read_targets(url_list) if url_list else [], RawStore(raw), crawl_settings,
                    read_sites(sites) if sites else [])
    counts = dict(Counter(e.status for e in entries))
    unchanged = sum(e.http_status == 304 for e in entries)
    return {**counts, "not_modified": unchanged} if unchanged else counts


@flow(name="xxgk-crawl")
def crawl_flow(url_list: str | None = None, data: str = "data", delay: float | None = None,
               timeout: float | None = None, retries: int | None = None, backoff: float | None = None,
               sites: str | None = None) -> dict:
    """`url_list`: report URLs; `sites`: column URLs whose reports are discovered. The settings
    come from xxgk.toml's [crawl] and XXGK_CRAWL_* (xxgk.config.crawl); the arguments given
    here override them."""
    raw, _ = settings.data_paths(data)
    s = CrawlSettings.configured(timeout=timeout, retries=retries, backoff=backoff, delay=delay)
    with crashes.sole_writer(data):
        return fetch_all(url_list, str(raw), s, sites)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(prog="python -m xxgk.flows.crawl", description=__doc__)
    p.add_argument("url_list", nargs="?")
    p.add_argument("data", nargs="?", default="data")
    p.add_argument("--sites")
    a = p.parse_args()
    processes.main(a.data, lambda: crawl_flow(a.url_list, a.data, sites=a.sites))
