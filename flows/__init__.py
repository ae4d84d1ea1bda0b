"""Prefect flows: ingest or crawl → extract → publish. They orchestrate, batch and record;
the work is done by the plain functions of `xxgk.ingest`, `xxgk.extract` and `xxgk.transform`.

Every flow module imports `xxgk.flows.settings` before prefect: it points Prefect at a home
under XXGK_HOME and turns off telemetry unless the environment says otherwise.
"""
