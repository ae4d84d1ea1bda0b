"""Defaults that make Prefect run here with no setup: its embedded server, a home inside the
project, no telemetry, and enough time for the first start's database migrations.

Set any of these in the environment to override (e.g. PREFECT_API_URL to use a real server).
"""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def data_paths(data: str | Path) -> tuple[Path, Path]:
    """The raw store and the processed folder under a data folder."""
    data = Path(data)
    return data / "raw", data / "processed"
