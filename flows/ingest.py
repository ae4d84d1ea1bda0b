"""Ingest a folder of report files into the raw store."""
from __future__ import annotations

from prefect import flow, get_run_logger

from xxgk.flows import crashes, processes, settings
from xxgk.ingest.folder import ingest_folder
from xxgk.ingest.raw_store import RawStore


@flow(name="xxgk-ingest")
def ingest_flow(folder: str = "data/raw/samples", data: str = "data") -> dict:
    raw, _ = settings.data_paths(data)
    with crashes.sole_writer(data):
        entries = ingest_folder(folder, RawStore(raw))
    out = {"new_or_changed": sum(e.status == "stored" for e in entries),
           "unreadable": sum(e.status == "error" for e in entries)}
    get_run_logger().info("ingested %s: %d files new or changed, %d unreadable, %d recorded as removed", folder,
                          out["new_or_changed"], out["unreadable"], sum(e.status == "removed" for e in entries))
    return out


if __name__ == "__main__":
    import sys

    folder = sys.argv[1] if len(sys.argv) > 1 else "data/raw/samples"
    data = sys.argv[2] if len(sys.argv) > 2 else "data"
    processes.main(data, lambda: ingest_flow(folder, data))
