"""Where xxgk keeps its state: from the environment, never from where the code is installed.

    XXGK_HOME     the folder the pipeline works in (default: the current directory)
    XXGK_DATA     the data folder, raw/ and processed/ (default: XXGK_HOME/data)
    PREFECT_HOME  Prefect's own state, embedded server included (default: XXGK_HOME/.prefect)
    XXGK_HOME/xxgk.toml   optional: the data package's title, licence, contributors, repository
                          (`package()`), each overridden by an XXGK_PACKAGE_* variable

Relative paths are taken from the current directory, as a shell user expects.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
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


# The data package's metadata (`xxgk snapshot`): an optional `[package]` table in
# XXGK_HOME/xxgk.toml, each value overridden by the environment.
#
#     [package]
#     title = "..."
#     license = "CC-BY-4.0"        # an SPDX identifier; `licence` is read too
#     repository = "https://github.com/owner/xxgk"
#     contributors = [{title = "Wang Fang", email = "wang@example.org", role = "author"}]
#
#     XXGK_PACKAGE_TITLE, XXGK_PACKAGE_LICENSE (or XXGK_PACKAGE_LICENCE), XXGK_PACKAGE_REPOSITORY,
#     XXGK_PACKAGE_CONTRIBUTORS="Wang Fang <wang@example.org>; Li Lei"   (each one an author)
DEFAULT_TITLE = "China's government information disclosure annual reports (政府信息公开工作年度报告): tables"
# CC BY 4.0: reuse for any purpose, on condition of attribution, which is what makes the data
# citable; the reports it is read from are official documents of state organs. The publisher
# sets their own (CC0-1.0 to waive even attribution).
DEFAULT_LICENSE = "CC-BY-4.0"
DEFAULT_CONTRIBUTOR = "xxgk contributors"
ROLES = ("author", "publisher", "maintainer", "wrangler", "contributor")


class ConfigError(ValueError):
    """xxgk.toml or an XXGK_PACKAGE_* variable that cannot be used; the message names it."""


@dataclass(frozen=True)
class Contributor:
    title: str
    email: str | None = None
    role: str = "author"


@dataclass(frozen=True)
class Package:
    title: str = DEFAULT_TITLE
    license: str = DEFAULT_LICENSE
    contributors: tuple[Contributor, ...] = (Contributor(DEFAULT_CONTRIBUTOR),)
    repository: str | None = None


def config_file() -> Path:
    return home() / "xxgk.toml"


def package() -> Package:
    """The data package's title, licence, contributors and repository: defaults, then
    XXGK_HOME/xxgk.toml's [package], then the environment."""
    table = _package_table(config_file())
    env = os.environ
    where = f"{config_file()} [package]"
    title = env.get("XXGK_PACKAGE_TITLE") or _text(table, "title", where) or DEFAULT_TITLE
    license_ = (env.get("XXGK_PACKAGE_LICENSE") or env.get("XXGK_PACKAGE_LICENCE")
                or _text(table, "license", where) or _text(table, "licence", where) or DEFAULT_LICENSE)
    if not re.fullmatch(r"[-A-Za-z0-9.+]+", license_):
        raise ConfigError(f"licence {license_!r}: give an SPDX identifier such as CC-BY-4.0 or CC0-1.0")
    repository = env.get("XXGK_PACKAGE_REPOSITORY") or _text(table, "repository", where)
    if repository and not re.match(r"https?://", repository):
        raise ConfigError(f"repository {repository!r}: give the URL of the code (https://...)")
    if env.get("XXGK_PACKAGE_CONTRIBUTORS"):
        contributors = _contributors_from_env(env["XXGK_PACKAGE_CONTRIBUTORS"])
    else:
        contributors = _contributors(table.get("contributors"), where)
    return Package(title, license_, contributors or (Contributor(DEFAULT_CONTRIBUTOR),), repository)


def _package_table(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from None
    table = doc.get("package", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `package` must be a table ([package])")
    return table


def _text(table: dict, key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    return value.strip() if value else None


def _contributors(items, where: str) -> tuple[Contributor, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise ConfigError(f"{where}: contributors must be a list of {{title, email, role}} tables")
    out = []
    for i, item in enumerate(items):
        here = f"{where}: contributors[{i}]"
        if not isinstance(item, dict) or set(item) - {"title", "email", "role"}:
            raise ConfigError(f"{here} must be a table with title and optionally email and role")
        title = _text(item, "title", here)
        if not title:
            raise ConfigError(f"{here} needs a title (the person's or organisation's name)")
        role = _text(item, "role", here) or "author"
        if role not in ROLES:
            raise ConfigError(f"{here}: role {role!r} is not one of {', '.join(ROLES)}")
        out.append(Contributor(title, _text(item, "email", here), role))
    return tuple(out)


def _contributors_from_env(value: str) -> tuple[Contributor, ...]:
    out = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        m = re.fullmatch(r"(?P<title>[^<>]+?)\s*(?:<(?P<email>[^<>\s]+)>)?", part)
        if not m:
            raise ConfigError(f"XXGK_PACKAGE_CONTRIBUTORS: {part!r} is not `Name` or `Name <email>`")
        out.append(Contributor(m["title"], m["email"]))
    return tuple(out)
