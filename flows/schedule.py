"""The nightly deployment of `run_flow`: served by this process (`xxgk serve`), or deployed to
a Prefect server and work pool with `prefect deploy` (see prefect.yaml and the README)."""
from __future__ import annotations

from xxgk.flows import settings  # noqa: F401  (Prefect defaults before prefect is imported)
from xxgk.flows.run import run_flow

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"


def nightly(cron: str = NIGHTLY_CRON, folder: str | None = "data/raw/samples", urls: str | None = None,
            data: str = "data", sites: str | None = None):
    from prefect.schedules import Cron
    from prefect.types.entrypoint import EntrypointType

    # By module path, not file path: a file path puts flows/ first on the runner's sys.path,
    # and an installed xxgk has no checkout to point at. The name is prefect.yaml's too: either
    # route, the README's `prefect deployment run xxgk-run/xxgk-nightly` triggers it.
    return run_flow.to_deployment(
        name="xxgk-nightly", schedule=Cron(cron, timezone=TIMEZONE),
        entrypoint_type=EntrypointType.MODULE_PATH,
        parameters={"folder": folder, "urls": urls, "sites": sites, "data": data},
        description="Ingest and crawl new reports, extract what is new, publish parquet and DuckDB.",
    )


def set_working_directory(directory: str = "") -> dict[str, str]:
    """prefect.yaml's pull step: a deployed run works in XXGK_HOME.

    Prefect fills `{{ $XXGK_HOME }}` in at `prefect deploy` or else, at run time, from the
    worker's environment. Set in neither, it is empty and Prefect's own step would leave the run in
    the worker's temporary folder, deleted after the run with the release written into it."""
    from prefect.deployments.steps import set_working_directory as prefect_set_working_directory

    if not directory.strip():
        raise ValueError("XXGK_HOME is not set: deploy with `XXGK_HOME=/path prefect deploy` or start "
                         "the worker with `XXGK_HOME=/path prefect worker start`")
    return prefect_set_working_directory(directory)


def serve(**kwargs):
    from prefect import serve as prefect_serve

    prefect_serve(nightly(**kwargs))
