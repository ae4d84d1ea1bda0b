"""Prefect flows: ingest or crawl → extract → publish. They orchestrate, batch and record;
the work is done by the plain functions of `ingest`, `extract` and `transform`.

Import `flows.settings` first (the flow modules do): it points Prefect at a local home and
turns off telemetry unless the environment says otherwise.
"""
