"""Imported by every flow module before prefect: Prefect's defaults (`xxgk.config.prefect_defaults`:
its state under XXGK_HOME, INFO logs to the UI, WARNING on the console, no telemetry)."""
from xxgk.config import data_paths, prefect_defaults

prefect_defaults()

__all__ = ["data_paths"]
