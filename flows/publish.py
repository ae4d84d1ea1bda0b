"""Publish every extraction batch as one parquet release and rebuild the DuckDB views; and
what became of every input of a release (`outcomes`), as `xxgk run` prints it and as the
run's Prefect artifact shows it."""
from __future__ import annotations

import json
from pathlib import Path

from prefect import flow, get_run_logger

from xxgk.flows import processes, settings
from xxgk.ingest.raw_store import LINKED, LISTING, REMOVED, STORED, RawStore
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
        before = (processed / "current").resolve().name if (processed / "current").exists() else None
        latest = store.latest()
        failures = [fetch_failure(e) for e in latest.values() if e.status not in (STORED, LINKED, LISTING, REMOVED)]
        current = {sha: e.source for sha, e in store.documents().items()}
        release = work.publish(processed, failures, overrides, current=current, sources=list(latest.values()))
    kept = release.name == before
    rows = json.loads((release / "manifest.json").read_text(encoding="utf-8"))["rows"]
    get_run_logger().info("%s release %s: %d reports, %d failures, %d sources",
                          "nothing new: kept" if kept else "published", release.name,
                          rows.get("reports", 0), rows.get("failures", 0), rows.get("sources", 0))
    return {"release": release.name, "kept": kept}


OUTCOME_WORDS = {"ok": "extracted", "warning": "extracted with warnings", "failed": "failed"}


def outcomes(db: Path) -> dict:
    """What became of every input of the release behind `db` (read through the analysts'
    sandbox, so it answers while another program holds the file): counts, and per input its
    `outcome`: ok (a report, every check passed), warning (a report, with the checks it did not
    pass) or failed (with the stage, kind and reason), sorted by source."""
    from xxgk.transform.warehouse import query_connection

    con = query_connection(db)
    try:
        reports = con.execute("SELECT source, status, agency, report_year FROM reports").fetchall()
        warned = dict(con.execute("""SELECT r.source, list(c.name ORDER BY c.name)
                                     FROM reports r JOIN checks c USING (sha256)
                                     WHERE r.status = 'warning' AND NOT c.ok GROUP BY r.source""").fetchall())
        failed = con.execute("SELECT source, stage, kind, reason FROM failures").fetchall()
    finally:
        con.close()
    inputs: list[dict] = []
    for source, status, agency, year in reports:
        item = {"source": source, "outcome": status, "agency": agency, "year": year}
        if status == "warning":
            item["warnings"] = warned.get(source, [])
        inputs.append(item)
    inputs += [{"source": source, "outcome": "failed", "stage": stage, "kind": kind, "reason": reason}
               for source, stage, kind, reason in failed]
    inputs.sort(key=lambda i: i["source"])
    counts = {o: sum(i["outcome"] == o for i in inputs) for o in OUTCOME_WORDS}
    current = db.parent / "current"
    return {"release": current.resolve().name if current.exists() else None,
            "counts": {"inputs": len(inputs), "extracted": counts["ok"] + counts["warning"], **counts},
            "inputs": inputs}


# Prefect's server refuses to publish an event over ~1.5 MB, and an artifact is one: at 10,000
# inputs the whole table was 2.1 MB (and two warnings on the console). The rows needing a look
# come first; the whole list is in the release (`sources`, `failures`) and `xxgk run --json`.
MAX_ARTIFACT_ROWS = 2000
_ATTENTION = {"failed": 0, "warning": 1, "ok": 2}


def outcomes_artifact(summary: dict, extracted_now: int, db: Path) -> None:
    """The run's artifact in Prefect (its flow run's Artifacts tab, and the Artifacts page under
    the key `xxgk-run`): a table of the inputs and what became of each (failures and warnings
    first, at most MAX_ARTIFACT_ROWS), under a line of counts."""
    from prefect.artifacts import create_table_artifact

    c = summary["counts"]
    inputs = sorted(summary["inputs"], key=lambda i: _ATTENTION[i["outcome"]])[:MAX_ARTIFACT_ROWS]
    shown = "" if len(inputs) == c["inputs"] else (
        f" · the table shows {len(inputs)} of them, failures and warnings first (all: `xxgk run --json`, "
        "or the release's `sources` and `failures`)")
    description = (f"**{c['inputs']} inputs**: {c['ok']} extracted, {c['warning']} extracted with warnings, "
                   f"{c['failed']} failed · {extracted_now} extracted by this run · release "
                   f"`{summary['release']}` · database `{db.absolute()}`{shown}")
    table = [{"source": i["source"], "outcome": OUTCOME_WORDS[i["outcome"]], "agency": i.get("agency") or "",
              "year": i.get("year") or "",
              "detail": "; ".join(i.get("warnings", [])) if i["outcome"] != "failed"
              else f"{i['stage']}: {i['reason']}"} for i in inputs]
    create_table_artifact(table=table, key="xxgk-run", description=description)


if __name__ == "__main__":
    import sys

    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    processes.main(data, lambda: publish_flow(data))
