"""Publish every extraction batch as one parquet release and rebuild the DuckDB views."""
from __future__ import annotations

from pathlib import Path

from prefect import flow

from xxgk.flows import processes, settings
from xxgk.ingest.raw_store import LINKED, REMOVED, STORED, RawStore
from xxgk.transform import store as work
from xxgk.transform.datasets import fetch_failure
from xxgk.transform.regions import read_overrides


@flow(name="xxgk-publish")
def publish_flow(data: str = "data", places: str | None = None) -> dict:
    """`places`: a CSV (match,province,city,county,division_code,level) whose rows, matched by
    source URL prefix or agency name, override where an agency is inferred to sit; by default
    DATA/places.csv when it exists."""
    raw, processed = settings.data_paths(data)
    store = RawStore(raw)
    overrides = read_overrides(places or Path(data) / "places.csv")
    with processes.sole_writer(data):
        latest = store.latest()
        failures = [fetch_failure(e) for e in latest.values() if e.status not in (STORED, LINKED, REMOVED)]
        current = {sha: e.source for sha, e in store.documents().items()}
        release = work.publish(processed, failures, overrides, current=current, sources=list(latest.values()))
    return {"release": release.name}


if __name__ == "__main__":
    import sys

    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    processes.main(data, lambda: publish_flow(data))
