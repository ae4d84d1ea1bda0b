"""Prefect flows: ingest or crawl → extract → publish. They orchestrate, batch and record;
the work is done by the plain functions of `xxgk.ingest`, `xxgk.extract` and `xxgk.transform`.

This package imports `xxgk.flows.settings` before any of its modules can import prefect (a
package's __init__ runs first, so the order of a module's imports does not matter): it points
Prefect at a home under XXGK_HOME and turns off telemetry unless the environment says otherwise.
"""
from xxgk.flows import settings  # noqa: F401  (Prefect's defaults before prefect is imported)

