"""Ingest a folder of report files into the raw store."""
from __future__ import annotations

from prefect import flow

from xxgk.flows import settings
from xxgk.ingest.folder import ingest_folder
from xxgk.ingest.raw_store import RawStore


@flow(name="xxgk-ingest")
def ingest_flow(folder: str = "data/raw/samples", data: str = "data") -> dict:
    raw, _ = settings.data_paths(data)
    entries = ingest_folder(folder, RawStore(raw))
    return {"new_or_changed": sum(e.status == "stored" for e in entries),
            "unreadable": sum(e.status == "error" for e in entries)}


if __name__ == "__main__":
    import sys

    print(ingest_flow(*sys.argv[1:2]))
