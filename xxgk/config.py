"""Where xxgk keeps its state: from the environment, never from where the code is installed.

    XXGK_HOME     the folder the pipeline works in (default: the current directory)
    XXGK_DATA     the data folder, raw/ and processed/ (default: XXGK_HOME/data)
    PREFECT_HOME  Prefect's own state, embedded server included (default: XXGK_HOME/.prefect)

Relative paths are taken from the current directory, as a shell user expects.
"""
from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("XXGK_HOME") or ".")


def data_dir() -> Path:
    return Path(os.environ.get("XXGK_DATA") or home() / "data")


def data_paths(data: str | Path) -> tuple[Path, Path]:
    """The raw store and the processed folder under a data folder."""
    data = Path(data)
    return data / "raw", data / "processed"


def prefect_defaults() -> None:
    """Prefect with no setup: its embedded server with its state under XXGK_HOME, no
    telemetry, and time for the first start's database migrations. Must run before prefect
    is imported; whatever the environment already sets wins (e.g. PREFECT_API_URL)."""
    os.environ.setdefault("PREFECT_HOME", str((home() / ".prefect").absolute()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
