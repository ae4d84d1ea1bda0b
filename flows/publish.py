"""Publish every extraction batch as one parquet release and rebuild the DuckDB views."""
from __future__ import annotations

from flows import settings
from prefect import flow

from ingest.raw_store import STORED, RawStore
from transform import store as work
from transform.datasets import fetch_failure


@flow(name="xxgk-publish")
def publish_flow(data: str = "data") -> dict:
    raw, processed = settings.data_paths(data)
    failures = [fetch_failure(e) for e in RawStore(raw).latest().values() if e.status != STORED]
    release = work.publish(processed, failures)
    return {"release": release.name}


if __name__ == "__main__":
    print(publish_flow())
