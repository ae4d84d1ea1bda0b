"""Imported by every flow module before prefect: Prefect's defaults (see `xxgk.config`)."""
from xxgk.config import data_paths, prefect_defaults

prefect_defaults()

__all__ = ["data_paths"]
