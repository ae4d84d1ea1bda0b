"""Publish every extraction batch as one parquet release and rebuild the DuckDB views; and
what became of every input of a release (`outcome_counts`, `inputs`), as `xxgk run` prints it
and as the run's Prefect artifact shows it."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from prefect import flow, get_run_logger

from xxgk.flows import crashes, processes, settings
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
    with crashes.sole_writer(data):
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

# Every input of the release with its outcome, one row each: a report (ok or warning, with the
# checks it did not pass) or a failure (its stage, kind and reason). `attention` sorts failures,
# then warnings, then the rest.
_INPUTS = """
    SELECT * FROM (
        SELECT r.source, r.status AS outcome, r.agency, r.report_year AS year,
               CASE WHEN r.status = 'warning' THEN coalesce((SELECT list(c.name ORDER BY c.name) FROM checks c
                                                            WHERE c.sha256 = r.sha256 AND NOT c.ok), []) END
               AS warnings, NULL AS stage, NULL AS kind, NULL AS reason, 0 AS part
        FROM reports r
        UNION ALL
        SELECT source, 'failed', NULL, NULL, NULL, stage, kind, reason, 1 FROM failures)
    WHERE $outcome IS NULL OR outcome = $outcome
    ORDER BY CASE WHEN $attention THEN CASE outcome WHEN 'failed' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END END,
             source, part
    LIMIT $limit"""


def outcome_counts(db: Path) -> dict:
    """The release behind `db` and how many of its inputs became a report (ok, or with
    warnings) or failed (read through the analysts' sandbox, so it answers while another
    program holds the file)."""
    from xxgk.transform.warehouse import query_connection

    with query_connection(db) as con:
        by_status = dict(con.execute("SELECT status, count(*) FROM reports GROUP BY status").fetchall())
        (failed,) = con.execute("SELECT count(*) FROM failures").fetchone() or (0,)
    ok, warning = by_status.get("ok", 0), by_status.get("warning", 0)
    current = db.parent / "current"
    return {"release": current.resolve().name if current.exists() else None,
            "counts": {"inputs": ok + warning + failed, "extracted": ok + warning, "ok": ok, "warning": warning,
                       "failed": failed}}


def inputs(db: Path, outcome: str | None = None, limit: int | None = None, attention: bool = False) -> Iterator[dict]:
    """What became of each input of the release behind `db`, sorted by source (`attention`:
    failures first, then warnings), read a thousand at a time, so that a release of any size
    is listed in the same memory: per input its `outcome`, ok or warning (a report: `agency`,
    `year`; a warning's `warnings`, the checks it did not pass) or failed (`stage`, `kind`,
    `reason`)."""
    from xxgk.transform.warehouse import query_connection

    with query_connection(db) as con:
        cur = con.execute(_INPUTS, {"outcome": outcome, "attention": attention, "limit": limit})
        while rows := cur.fetchmany(1000):
            for source, status, agency, year, warnings, stage, kind, reason, _ in rows:
                if status == "failed":
                    yield {"source": source, "outcome": status, "stage": stage, "kind": kind, "reason": reason}
                elif status == "warning":
                    yield {"source": source, "outcome": status, "agency": agency, "year": year, "warnings": warnings}
                else:
                    yield {"source": source, "outcome": status, "agency": agency, "year": year}


# Prefect's server refuses to publish an event over ~1.5 MB, and an artifact is one: at 10,000
# inputs the whole table was 2.1 MB (and two warnings on the console). The rows needing a look
# come first; the whole list is in the release (`sources`, `failures`) and `xxgk run --json`.
MAX_ARTIFACT_ROWS = 2000


def outcomes_artifact(summary: dict, extracted_now: int, db: Path) -> None:
    """The run's artifact in Prefect (its flow run's Artifacts tab, and the Artifacts page under
    the key `xxgk-run`): a table of the inputs and what became of each (failures and warnings
    first, at most MAX_ARTIFACT_ROWS), under a line of counts."""
    from prefect.artifacts import create_table_artifact

    c = summary["counts"]
    shown = "" if c["inputs"] <= MAX_ARTIFACT_ROWS else (
        f" · the table shows {MAX_ARTIFACT_ROWS} of them, failures and warnings first (all: `xxgk run --json`, "
        "or the release's `sources` and `failures`)")
    description = (f"**{c['inputs']} inputs**: {c['ok']} extracted, {c['warning']} extracted with warnings, "
                   f"{c['failed']} failed · {extracted_now} extracted by this run · release "
                   f"`{summary['release']}` · database `{db.absolute()}`{shown}")
    table = [{"source": i["source"], "outcome": OUTCOME_WORDS[i["outcome"]], "agency": i.get("agency") or "",
              "year": i.get("year") or "",
              "detail": "; ".join(i.get("warnings", [])) if i["outcome"] != "failed"
              else f"{i['stage']}: {i['reason']}"} for i in inputs(db, limit=MAX_ARTIFACT_ROWS, attention=True)]
    create_table_artifact(table=table, key="xxgk-run", description=description)


if __name__ == "__main__":
    import sys

    data = sys.argv[1] if len(sys.argv) > 1 else "data"
    processes.main(data, lambda: publish_flow(data))
