"""Where xxgk keeps its state: from the environment, never from where the code is installed.

    XXGK_HOME     the folder the pipeline works in (default: the current directory)
    XXGK_DATA     the data folder, raw/ and processed/ (default: XXGK_HOME/data)
    PREFECT_HOME  Prefect's own state, embedded server included (default: XXGK_HOME/.prefect)
    XXGK_HOME/xxgk.toml   optional: the data package's title, licence, contributors, repository
                          (`package()`), each overridden by an XXGK_PACKAGE_* variable; the
                          crawler's settings (`crawl()`, [crawl]), each overridden by XXGK_CRAWL_*

Relative paths are taken from the current directory, as a shell user expects.
"""
from __future__ import annotations

import math
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
    is imported; whatever the environment already sets wins (e.g. PREFECT_API_URL).

    Logging: INFO to the API, so every flow run has its log in Prefect's UI (each step's
    counts, each batch's), WARNING on the console, which is the command line's (its progress
    and summary)."""
    os.environ.setdefault("PREFECT_HOME", str((home() / ".prefect").absolute()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # the client's usage data too (and, on a terminal, its notice about it over the progress bars)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "600")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")


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
    return _table(path, "package")


def _table(path: Path, name: str) -> dict:
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: {e}") from None
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `{name}` must be a table ([{name}])")
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


# The crawler's settings: an optional `[crawl]` table in XXGK_HOME/xxgk.toml, each key
# overridden by XXGK_CRAWL_<KEY> (XXGK_CRAWL_DELAY=2, XXGK_CRAWL_ALLOW_HOSTS="a.gov.cn,b.gov.cn",
# XXGK_CRAWL_ALLOW_PRIVATE=1). The defaults, and what each key does, are those of
# xxgk.ingest.crawl.CrawlSettings (and the README's table).
#
#     [crawl]
#     contact = "data-team@example.org"   # in the User-Agent: whom a site's webmaster can write to
#     delay = 2.0                         # seconds between two requests to one host
CRAWL_KEYS: dict[str, type] = {
    "contact": str, "user_agent": str,
    "delay": float, "per_host": int, "workers": int, "max_crawl_delay": float,
    "timeout": float, "deadline": float, "retries": int, "backoff": float, "max_backoff": float,
    "max_retry_after": float, "max_host_failures": int,
    "max_bytes": int, "max_redirects": int,
    "max_pages": int, "max_depth": int, "max_reports": int, "first_year": int,
    "allow_private": bool, "allow_hosts": tuple,
}
_AT_LEAST_ONE = {"per_host", "workers", "max_pages", "deadline", "timeout", "max_bytes"}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def crawl() -> dict[str, object]:
    """The crawl settings set in XXGK_HOME/xxgk.toml's [crawl] or by XXGK_CRAWL_* variables
    (the environment wins), checked and typed; keys left unset are absent (the crawler's
    defaults apply). An unknown key or variable, or a value of the wrong kind, raises
    ConfigError naming it."""
    path = config_file()
    table = _table(path, "crawl")
    out: dict[str, object] = {}
    for key, value in table.items():
        if key not in CRAWL_KEYS:
            raise ConfigError(f"{path} [crawl]: unknown key {key!r} (known: {', '.join(CRAWL_KEYS)})")
        out[key] = _crawl_value(key, value, f"{path} [crawl] {key}")
    for name, value in os.environ.items():
        if not name.startswith("XXGK_CRAWL_"):
            continue
        key = name.removeprefix("XXGK_CRAWL_").lower()
        if key not in CRAWL_KEYS:
            raise ConfigError(f"{name}: not a crawl setting (known: "
                              f"{', '.join('XXGK_CRAWL_' + k.upper() for k in CRAWL_KEYS)})")
        out[key] = _crawl_value(key, _from_env(key, value, name), name)
    return out


def _from_env(key: str, value: str, where: str) -> object:
    kind = CRAWL_KEYS[key]
    value = value.strip()
    if kind is bool:
        if value.lower() not in _TRUE + _FALSE:
            raise ConfigError(f"{where}: give 1 or 0 (true/false), not {value!r}")
        return value.lower() in _TRUE
    if kind is tuple:
        return [v.strip() for v in value.split(",") if v.strip()]
    if kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            raise ConfigError(f"{where}: {value!r} is not {'a whole number' if kind is int else 'a number'}") from None
    return value


def _crawl_value(key: str, value: object, where: str) -> object:
    kind = CRAWL_KEYS[key]
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false, not {value!r}")
        return value
    if kind is tuple:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            raise ConfigError(f"{where}: must be a list of host names (\"host\" or \"host:port\"), not {value!r}")
        return tuple(v.strip() for v in items)
    if kind is str:
        if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n"):
            raise ConfigError(f"{where}: must be a non-empty one-line string, not {value!r}")
        return value.strip()
    if isinstance(value, bool) or not isinstance(value, int | float) or (kind is int and not isinstance(value, int)):
        raise ConfigError(f"{where}: must be {'a whole number' if kind is int else 'a number'}, not {value!r}")
    if not math.isfinite(value) or value < (1 if key in _AT_LEAST_ONE else 0):
        raise ConfigError(f"{where}: must be {'at least 1' if key in _AT_LEAST_ONE else '0 or more'}, not {value!r}")
    return kind(value)
