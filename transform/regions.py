"""Who published a report and where it sits: normalised agency, province/city/county, the
6-digit division code (GB/T 2260) of the most specific of them, and the agency's level.

Places come from `cpca_new` (a maintained fork of cpca with current division codes) run on
the agency name as written. A place is recorded only when the name determines it: a county
name shared by several cities (朝阳区: Beijing and Changchun) with no city or province
beside it is left unknown, never guessed. An override CSV (source URL prefix or agency name →
place and level) beats inference, for crawls where the site says more than the text. A name that
says nothing of its place (区政务服务办) takes the place the text writes right before it, else
the region the sites list gives for the column the report was found under.
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import regex

_PREFIX = regex.compile(r"^(?:信息来源|发布机构|来源单位|来源|发文机关|单位)\s*[:：]\s*")
_BRACKETED = regex.compile(r"[（(][^）)]*[）)]$")
_TOWNSHIP = regex.compile(r"(镇|乡|街道|街道办事处)(人民政府|办事处)?$")
_GOVERNMENT = regex.compile(r"人民政府$")
_GOV_OFFICE = regex.compile(r"人民政府(办公室|办公厅)$")
# a department named only by its level: 区政务服务办, 市科学技术委员会, 县发展和改革局
_BARE_LEVEL = {"省": "province", "自治区": "province", "市": "city", "州": "city", "盟": "city",
               "区": "county", "县": "county", "旗": "county"}


_RANKS = {"province": 0, "city": 1, "county": 2, "township": 3}


@dataclass(frozen=True)
class Place:
    agency_normalized: str | None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    division_code: str | None = None
    level: str | None = None
    place_source: str | None = None   # name | text | list | override; None when nothing was determined
    # the same agency across years: its place and level, and for a department its own name
    # (上海市科委 and 上海市人民政府办公厅 are both departments of 310000)
    agency_key: str | None = None


def normalize_agency(name: str | None) -> str | None:
    if not name:
        return None
    name = regex.sub(r"\s+", "", name)
    name = _PREFIX.sub("", name)
    name = name.replace("(", "（").replace(")", "）")
    name = _BRACKETED.sub("", name)  # 洪泽区人民政府（…办公室编制）: the note is not the name
    return name or None


@lru_cache(maxsize=1)
def _county_names() -> Counter:
    from cpca_new import ad_2_addr_dict

    return Counter(a.name for a in ad_2_addr_dict.values() if a.rank == 2)


@lru_cache(maxsize=100_000)
def _locate(name: str) -> tuple[str | None, str | None, str | None, str | None, str]:
    import cpca_new

    rec = cpca_new.transform([name], pos_sensitive=True).iloc[0]

    def val(k):
        v = rec[k]
        return v if isinstance(v, str) and v else None

    province, city, county, code = val("省"), val("市"), val("区"), val("adcode")
    rest = val("地址") or ""
    if county and _county_names()[county] > 1 and rec["市_pos"] < 0 and rec["省_pos"] < 0:
        return None, None, None, None, name  # a county name several cities have: not determined
    if city in ("市辖区", "县") or city == province:
        city = None  # municipalities: the county sits right under the province
    return province, city, county, code[:6] if code else None, rest


def level_of(name: str, province, city, county) -> str | None:
    """province / city / county / township, or `<that>_department` for its departments."""
    if _TOWNSHIP.search(name):
        return "township"
    own = "county" if county else "city" if city else "province" if province else None
    if own is None:
        if _GOVERNMENT.search(name):
            # 沐阳县人民政府 (an OCR'd name no gazetteer knows) is still a county's government;
            # 某市 could be a prefecture or a county-level city, so 市 decides nothing
            m = regex.search(r"(县|区|旗|自治县|省|自治区)人民政府$", name)
            return {"县": "county", "区": "county", "旗": "county", "自治县": "county",
                    "省": "province", "自治区": "province"}.get(m.group(1)) if m else None
        bare = next((lvl for prefix, lvl in _BARE_LEVEL.items() if name.startswith(prefix)), None)
        return f"{bare}_department" if bare else None
    if _GOVERNMENT.search(name):
        return own
    if _GOV_OFFICE.search(name) or not _GOVERNMENT.search(name):
        return f"{own}_department"
    return own


def place_of(agency: str | None, source: str | None = None, overrides: list[dict] | None = None,
             hint: str | None = None, region: str | None = None) -> Place:
    """`hint`: a place the report's text writes right before the agency's name (see
    extract.metadata.place_hint), used only when the name itself says nothing; `region`: the
    sites list's region for the report's column, used only when neither says anything."""
    name = normalize_agency(agency)
    for o in overrides or []:
        m = o.get("match") or ""
        if m and ((source and source.startswith(m)) or m == name):
            code, level = o.get("division_code") or None, o.get("level") or None
            return Place(name, o.get("province") or None, o.get("city") or None, o.get("county") or None,
                         code, level, "override", _key(name or "", code, level, name or "", source))
    if not name:
        return Place(None)
    province, city, county, code, rest = _locate(name)
    source_kind = "name" if province else None
    for said, kind in ((hint, "text"), (region, "list")):
        if province is None and said:
            province, city, county, code, _ = _locate(said)
            source_kind = kind if province else None
    # a place said beside the name does not make the agency its government (区政务服务办 in 洪泽区)
    level = level_of(name, province, city, county) if source_kind == "name" else level_of(name, None, None, None)
    source_kind = source_kind or ("name" if level else None)
    # a place said beside the name that is coarser than the name's level (区政务服务办 in a
    # city's column: which district's?) places the agency, but does not tell it from its peers
    keyed = None if source_kind in ("text", "list") and _finer(level, city, county) else code
    return Place(name, province, city, county, code, level, source_kind, _key(name, keyed, level, rest, source))


def _finer(level: str | None, city: str | None, county: str | None) -> bool:
    """Whether an agency of this level sits below the most specific division found."""
    found = 2 if county else 1 if city else 0
    return level is not None and _RANKS.get(level.removesuffix("_department"), 0) > found


def _key(name: str, code: str | None, level: str | None, rest: str, source: str | None = None) -> str:
    if code and level and not level.endswith("_department"):
        return f"{code}/{level}"
    if code and level:
        return f"{code}/{level}/{rest or name}"
    if code:  # placed, its level unknown (财政局 in a county's column): its division and own name
        return f"{code}/{rest or name}"
    # unplaced: a name like 区政务服务办 is many agencies', so it is one agency only where its
    # reports come from one site (or folder): its report of a year twice there is one report
    return f"{name}@{_origin(source)}" if source else name


def _origin(source: str) -> str:
    """The host of a URL, or the folder of a file."""
    parts = urlsplit(source)
    if parts.scheme in ("http", "https"):
        return parts.hostname or ""  # (lowercased, its port dropped)
    return str(PurePath(source).parent)


def read_overrides(path: str | Path | None) -> list[dict]:
    """CSV with columns match,province,city,county,division_code,level (match: a source URL
    prefix or an agency name as normalised)."""
    if not path or not Path(path).exists():
        return []
    with open(path, encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("match")]


def place_columns(agency: str | None, source: str | None, overrides: list[dict] | None,
                  hint: str | None = None, region: str | None = None) -> dict:
    # (vars, not asdict: its deep copy took half a publication's places)
    return dict(vars(place_of(agency, source, overrides, hint, region)))
