"""The nightly job: ingest a folder and/or crawl a URL list, extract what is new, publish.

    python -m xxgk.flows.run [--folder DIR] [--urls FILE] [--data DIR]     (or: xxgk run)
"""
from __future__ import annotations

from pathlib import Path

from prefect import flow

from xxgk.flows import processes
from xxgk.flows.crawl import crawl_flow
from xxgk.flows.extract import extract_flow, task_runner
from xxgk.flows.ingest import ingest_flow
from xxgk.flows.publish import publish_flow


@flow(name="xxgk-run")
def run_flow(folder: str | None = None, urls: str | None = None, data: str = "data",
             runner: str | None = None, crawl_delay: float = 1.0) -> dict:
    with processes.sole_writer(data):
        out = {}
        if folder:
            out["ingest"] = ingest_flow(folder, data)
        if urls:
            out["crawl"] = crawl_flow(urls, data, delay=crawl_delay)
        out["extract"] = extract_flow.with_options(task_runner=task_runner(runner))(str(Path(data).absolute()))
        out["publish"] = publish_flow(data)
    return out


def main(argv=None):
    import argparse

    p = argparse.ArgumentParser(prog="python -m xxgk.flows.run", description=__doc__)
    p.add_argument("--folder")
    p.add_argument("--urls")
    p.add_argument("--data", default="data")
    p.add_argument("--runner", choices=["process", "thread", "dask"], default=None)
    a = p.parse_args(argv)
    processes.main(a.data, lambda: run_flow(a.folder, a.urls, a.data, a.runner))


if __name__ == "__main__":
    main()
