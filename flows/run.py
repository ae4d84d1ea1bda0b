"""The nightly job: ingest a folder and/or crawl a URL list, extract what is new, publish.

    python -m xxgk.flows.run [--folder DIR] [--urls FILE] [--sites FILE] [--data DIR]     (or: xxgk run)
"""
from __future__ import annotations

import logging
from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from xxgk.flows import crashes, processes, progress, settings
from xxgk.flows.crawl import crawl_flow
from xxgk.flows.extract import extract_flow, task_runner
from xxgk.flows.ingest import ingest_flow
from xxgk.flows.publish import outcome_counts, outcomes_artifact, publish_flow
from xxgk.ingest.raw_store import RawStore


@flow(name="xxgk-run")
def run_flow(folder: str | None = None, urls: str | None = None, data: str = "data",
             runner: str | None = None, crawl_delay: float | None = None, sites: str | None = None) -> dict:
    """Each step logs its counts (the run's log in Prefect); the run leaves an artifact, `xxgk-run`,
    saying what became of every input; `summary` in the result holds the counts (every input:
    `publish.inputs`)."""
    logger = get_run_logger()
    raw, processed = settings.data_paths(data)
    manifest = RawStore(raw).manifest_path
    with crashes.sole_writer(data):
        out: dict = {}
        if folder:
            with progress.step("ingest") as shown:
                shown.follow(progress.manifest_lines(manifest))
                out["ingest"] = ingest_flow(folder, data)
                shown.done(f"{out['ingest']['new_or_changed']} files new or changed, "
                           f"{out['ingest']['unreadable']} unreadable")
        if urls or sites:  # crawl_delay None: xxgk.toml [crawl] / XXGK_CRAWL_DELAY
            with progress.step("fetch", _listed(urls) if urls and not sites else None) as shown:
                shown.follow(progress.manifest_lines(manifest))
                out["crawl"] = crawl_flow(urls, data, delay=crawl_delay, sites=sites)
                shown.done(_statuses(out["crawl"]))
            logger.info("crawled %s: %s", " and ".join(filter(None, (urls, sites))), _statuses(out["crawl"]))
        out["extract"] = extract_flow.with_options(task_runner=task_runner(runner))(str(Path(data).absolute()))
        with progress.step("publish") as shown:
            out["publish"] = publish_flow(data)
            shown.done(f"nothing new: release {out['publish']['release']} kept" if out["publish"]["kept"]
                       else f"release {out['publish']['release']}")
        db = processed / "xxgk.duckdb"
        out["flow_run"] = flow_run.name
        try:
            out["summary"] = outcome_counts(db)
        except Exception as e:  # noqa: BLE001  (published: what is said of it must not fail the run)
            logger.warning("could not read what became of every input from %s: %r", db, e)
            return out
        crashes.best_effort(partial(outcomes_artifact, out["summary"], out["extract"]["extracted"], db))
        c = out["summary"]["counts"]
        logger.info("%d inputs: %d extracted (%d with warnings), %d failed; %d extracted by this run",
                    c["inputs"], c["extracted"], c["warning"], c["failed"], out["extract"]["extracted"])
    return out


def _listed(urls: str) -> int | None:
    """How many URLs the list gives (the fetch's total, before the files their pages link)."""
    from xxgk.ingest.crawl import read_targets

    said = logging.getLogger("xxgk.ingest.targets")  # what is wrong with the list: the crawl says it, once
    quiet, said.disabled = said.disabled, True
    try:
        return len(read_targets(urls))
    except Exception:  # noqa: BLE001
        return None
    finally:
        said.disabled = quiet


def _statuses(counts: dict) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing fetched"


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(prog="python -m xxgk.flows.run", description=__doc__)
    p.add_argument("--folder")
    p.add_argument("--urls")
    p.add_argument("--sites")
    p.add_argument("--data", default="data")
    p.add_argument("--runner", choices=["process", "thread", "dask"], default=None)
    a = p.parse_args(argv)
    if not (a.folder or a.urls or a.sites):
        p.error("nothing to read: give --folder DIR, --urls FILE and/or --sites FILE")
    processes.main(a.data, lambda: run_flow(a.folder, a.urls, a.data, a.runner, sites=a.sites))


if __name__ == "__main__":
    main()
