"""`xxgk report`: one self-contained HTML page with charts, for people who would rather look.

Every figure is drawn from one report per agency and year (the view `agency_year` and the
views over it), per administrative level (`level_year`, sql/60_report.sql): a city
government's own report is never summed with its districts'. Every chart and table says how
many reports stand behind a figure and how many were left out (a table cut off, missing or
misread is not summed). Years run continuously on the x axis and a year without reports is a
gap, never a line drawn across it. Checks carry Chinese names, their code in the hover.

The figures travel in the page as data: one JSON block (`<script id="xxgk-data">`) holds each
section's rows and each chart's plotly traces, and a few lines of script draw the charts from
it, so what is drawn is what the block says (tests compare it with the views). plotly.js is
inlined once: the page opens offline from a single file.
"""
from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import orjson
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from xxgk.schema.checks import CHECK_KINDS, check_name
from xxgk.transform.warehouse import Sandbox, query_connection

# Administrative levels (reports.level), in the order they are shown. Figures are never
# summed across them.
LEVELS: dict[str | None, str] = {
    "province": "省级政府", "province_department": "省级部门",
    "city": "市级政府", "city_department": "市级部门",
    "county": "县级政府", "county_department": "县级部门",
    "township": "乡镇（街道）", "township_department": "乡镇部门",
    None: "层级不明",
}
LEVEL_COLORS = ["#1f77b4", "#17becf", "#d62728", "#ff7f0e", "#2ca02c", "#8c564b", "#9467bd", "#e377c2",
                "#bcbd22", "#7f7f7f"]  # in level_order: saturated, legible on white; 层级不明 grey
OUTCOMES = [("granted", "予以公开", "#2ca02c"), ("partly_granted", "部分公开", "#98df8a"),
            ("refused_not_disclosable", "不予公开", "#d62728"), ("refused_unavailable", "无法提供", "#ff7f0e"),
            ("refused_not_processed", "不予处理", "#9467bd"), ("other_outcome", "其他处理", "#7f7f7f")]
APPLICANTS = [("natural_person", "自然人"), ("commercial", "商业企业"), ("research", "科研机构"),
              ("social_welfare", "社会公益组织"), ("legal_service", "法律服务机构"), ("other_org", "其他组织")]
# Checks (`checks.kind`, `checks.rule`) in Chinese; the code stays in the hover and the table.
STATUSES = {"ok": "通过全部检查", "warning": "有警告（检查未通过或含推算值）", "failed": "未能提取"}
SHORT_STATUSES = {"ok": "通过", "warning": "有警告", "failed": "未能提取"}
TABLE_STATUSES = {"read": "读全", "incomplete": "不完整", "cut": "截断", "missing": "未找到"}
MIN_PROCESSED = 20      # the granted-rate histogram: agencies that processed at least this many
BINS = 20               # … in bins of 5 %
TREND_AGENCIES = 6      # the agencies with the most years
LONG_TABLE = 40         # rows beyond which a table folds (<details>)
FONT = '"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif'
FIGURE_ROWS = """level, report_year, reports, reports_all_checks_passed, reports_left_out, applications_left_out,
    appeals_left_out, received, processed, granted, granted_rate, partly_granted, refused_not_disclosable,
    refused_unavailable, refused_not_processed, other_outcome, carried_forward, reviews, reviews_corrected,
    reviews_decided, review_correction_rate, lawsuits, lawsuits_corrected, lawsuits_decided,
    lawsuit_correction_rate"""

Row = dict[str, Any]


def level_name(level: str | None) -> str:
    return LEVELS.get(level, str(level))


def level_order(level: str | None) -> tuple[int, str]:
    """The known levels in their order, then codes this page does not know, then 层级不明."""
    if level is None:
        return len(LEVELS), ""
    return (list(LEVELS).index(level), "") if level in LEVELS else (len(LEVELS) - 1, level)


@dataclass
class Section:
    key: str
    title: str
    note: str = ""                                   # html
    charts: list[go.Figure] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)    # the figures, as data in the page
    table: str = ""                                  # html
    extra: dict[str, Any] = field(default_factory=dict)  # more data for the page's JSON


def _rows(con: Sandbox, sql: str) -> list[Row]:
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _num(v) -> float:
    return 0.0 if v is None else float(v)


def _fmt_int(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.1f}"


def _fmt_rate(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1%}"


def _table(columns: Sequence[tuple[str, str, Callable[[Any], str]]], rows: Sequence[Row], caption: str = "") -> str:
    """An html table of `rows`: (key, header, format) per column; folded when long."""
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in columns)
    tds = [("<td class=\"n\">" if f in NUMERIC else "<td>", k, f) for k, _, f in columns]  # numbers align right
    body = "".join("<tr>" + "".join(f"{td}{html.escape(f(r.get(k)))}</td>" for td, k, f in tds) + "</tr>"
                   for r in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if len(rows) > LONG_TABLE:
        return f"<details><summary>{html.escape(caption or '表格')}（{len(rows)} 行）</summary>{table}</details>"
    return (f"<p class=\"caption\">{html.escape(caption)}</p>" if caption else "") + table


def _text(v) -> str:
    return "" if v is None else str(v)


def _year(v) -> str:
    return "不明" if v is None else str(v)


def _fmt_plain(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


NUMERIC = (_fmt_int, _fmt_rate, _fmt_plain)


def _year_axis(years: list[int]) -> dict:
    """Every year of the range, labelled, whether it has reports or not."""
    if not years:
        return {"title": {"text": "报告年度"}}
    return {"title": {"text": "报告年度"}, "tickmode": "array", "tickvals": years,
            "ticktext": [str(y) for y in years], "range": [years[0] - 0.5, years[-1] + 0.5]}


def _layout(fig: go.Figure, title: str, height: int, **kw) -> go.Figure:
    margin = {"t": 100, "l": 70, "r": 30, "b": 60} | kw.pop("margin", {})
    below = 80 / max(height - margin["t"] - margin["b"], 100)  # the legend 80 px under the plot, whatever its height
    legend = {"orientation": "h", "y": -below, "yanchor": "top", "traceorder": "normal"} | kw.pop("legend", {})
    fig.update_layout(title={"text": title, "font": {"size": 16}}, height=height, font={"family": FONT, "size": 12},
                      template="plotly_white", hoverlabel={"font": {"family": FONT}}, margin=margin, legend=legend,
                      **kw)
    return fig


def _by_level_year(rows: list[Row]) -> dict[str | None, dict[int, Row]]:
    out: dict[str | None, dict[int, Row]] = {}
    for r in rows:
        if r["report_year"] is not None:
            out.setdefault(r["level"], {})[r["report_year"]] = r
    return dict(sorted(out.items(), key=lambda kv: level_order(kv[0])))


def _level_color(level: str | None) -> str:
    return LEVEL_COLORS[level_order(level)[0] % len(LEVEL_COLORS)]


# ── the sections ─────────────────────────────────────────────────────────────────────────


def _requests(level_rows: list[Row], years: list[int]) -> Section:
    """Received and outcomes per level and year: a panel per level, its own y scale."""
    by = _by_level_year(level_rows)
    levels = list(by)
    n_reports = sum(r["reports"] for r in level_rows)
    n_left = sum(r["applications_left_out"] for r in level_rows)
    cols = 2 if len(levels) > 1 else 1
    nrows = max(1, math.ceil(len(levels) / cols))
    titles = []
    for lv in levels:
        reports = sum(r["reports"] for r in by[lv].values())
        left = sum(r["applications_left_out"] for r in by[lv].values())
        titles.append(f"{level_name(lv)}：{reports} 份报告" + (f"（{left} 份未计入）" if left else ""))
    height = 140 + 300 * nrows
    fig = make_subplots(rows=nrows, cols=cols, subplot_titles=titles or None, horizontal_spacing=0.08,
                        vertical_spacing=min(0.3, 90 / (height - 150)))
    for i, lv in enumerate(levels):
        row, col = i // cols + 1, i % cols + 1
        cells = [by[lv].get(y) for y in years]
        custom = [[level_name(lv), c["reports"] if c else 0, c["applications_left_out"] if c else 0] for c in cells]
        for key, label, color in OUTCOMES:
            fig.add_bar(x=years, y=[c[key] if c else None for c in cells], name=label, marker_color=color,
                        legendgroup=key, showlegend=i == 0, customdata=custom, row=row, col=col,
                        hovertemplate=f"{label} %{{y:,}} 件<br>%{{customdata[0]}} %{{x}} 年："
                                      "%{customdata[1]} 份报告，申请表未读全未计入 %{customdata[2]} 份<extra></extra>")
        fig.add_scatter(x=years, y=[c["received"] if c else None for c in cells], name="收到申请（新收+上年结转）",
                        mode="lines+markers", line={"color": "black"}, connectgaps=False, legendgroup="received",
                        showlegend=i == 0, customdata=custom, row=row, col=col,
                        hovertemplate="收到 %{y:,} 件<br>%{customdata[0]} %{x} 年：%{customdata[1]} 份报告，"
                                      "申请表未读全未计入 %{customdata[2]} 份<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(**{k: v for k, v in _year_axis(years).items() if k != "title"})
    fig.update_yaxes(title_text="件")
    title = (f"依申请公开：收到与办理结果（按行政层级、年度）<br><sup>{n_reports} 份报告（每个机关每年一份）；"
             f"申请表被截断或未读全 {n_left} 份，其数字未计入；各层级分列，从不相加</sup>")
    _layout(fig, title, height)
    columns = [("level_name", "层级", _text), ("report_year", "年度", _year), ("reports", "报告", _fmt_int),
               ("applications_left_out", "申请表未计入", _fmt_int), ("received", "收到", _fmt_int),
               ("processed", "办理", _fmt_int), ("granted", "予以公开", _fmt_int),
               ("granted_rate", "予以公开率", _fmt_rate)]
    columns += [(k, label, _fmt_int) for k, label, _ in OUTCOMES[1:]]
    columns.append(("carried_forward", "结转下年度", _fmt_int))
    return Section("requests", "依申请公开：收到与办理结果", charts=[fig], rows=level_rows,
                   table=_table(columns, level_rows, "按行政层级、年度"),
                   note="每个层级一幅小图，纵轴各自独立。市级政府只是市政府本级的报告，不含所辖区县；"
                        "区县政府的报告计入县级政府。收到 = 本年新收 + 上年结转。")


def _provinces(rows: list[Row], years: list[int]) -> Section:
    """Received per province, one level at a time (a menu picks the level)."""
    groups: dict[str | None, dict[str, dict[int, Row]]] = {}
    for r in rows:
        if r["report_year"] is not None:
            groups.setdefault(r["level"], {}).setdefault(r["province"] or "（省份不明）", {})[r["report_year"]] = r
    levels = sorted(groups, key=level_order)
    first = max(levels, key=lambda lv: (sum(len(p) for p in groups[lv].values()), -level_order(lv)[0]), default=None)
    fig = go.Figure()
    owner: list[str | None] = []
    for lv in levels:
        for province, by_year in sorted(groups[lv].items()):
            cells = [by_year.get(y) for y in years]
            fig.add_scatter(x=years, y=[c["received"] if c else None for c in cells], name=province,
                            mode="lines+markers", connectgaps=False, visible=lv == first,
                            customdata=[[level_name(lv), c["reports"] if c else 0,
                                         c["applications_left_out"] if c else 0,
                                         c["granted_rate"] if c else None] for c in cells],
                            hovertemplate=f"{province} · %{{customdata[0]}} %{{x}} 年<br>收到 %{{y:,}} 件，"
                                          "予以公开率 %{customdata[3]:.1%}<br>%{customdata[1]} 份报告，"
                                          "申请表未读全未计入 %{customdata[2]} 份<extra></extra>")
            owner.append(lv)

    def title(lv: str | None) -> str:
        reports = sum(r["reports"] for p in groups[lv].values() for r in p.values())
        left = sum(r["applications_left_out"] for p in groups[lv].values() for r in p.values())
        return (f"各省收到的申请（按行政层级、年度）：{level_name(lv)}<br><sup>{reports} 份报告，申请表未读全 {left} 份"
                "未计入；同一层级各机关之和，不同层级不相加（上方菜单选层级）</sup>")

    buttons = [{"label": level_name(lv), "method": "update",
                "args": [{"visible": [o == lv for o in owner]}, {"title.text": title(lv)}]} for lv in levels]
    fig.update_layout(updatemenus=[{"buttons": buttons, "x": 1.0, "xanchor": "right", "y": 1.18, "yanchor": "top",
                                    "active": levels.index(first) if first in levels else 0}],
                      xaxis=_year_axis(years), yaxis={"title": {"text": "收到申请（件）"}})
    _layout(fig, title(first) if levels else "各省收到的申请（按行政层级、年度）", 480)
    out = sorted(rows, key=lambda r: (r["province"] is None, r["province"] or "", level_order(r["level"]),
                                      r["report_year"] is None, r["report_year"] or 0))
    for r in out:
        r["level_name"] = level_name(r["level"])
        r["province_name"] = r["province"] or "（省份不明）"
    columns = [("province_name", "省", _text), ("level_name", "层级", _text), ("report_year", "年度", _year),
               ("reports", "报告", _fmt_int), ("applications_left_out", "申请表未计入", _fmt_int),
               ("received", "收到", _fmt_int), ("processed", "办理", _fmt_int), ("granted", "予以公开", _fmt_int),
               ("granted_rate", "予以公开率", _fmt_rate)]
    return Section("provinces", "各省收到的申请（按行政层级）", charts=[fig], rows=out,
                   table=_table(columns, out, "按省、行政层级、年度"),
                   note="同一省内同一层级的机关相加（例如一省所有县级政府），市政府与其所辖区县分属不同层级。")


def _refusals(con: Sandbox) -> Section:
    """Refusal reasons per level (all years): one report per agency and year."""
    labels = {r["row"]: r for r in _rows(con, """
        SELECT row, arg_max(row_label, template) AS label, arg_max(number, template) AS number
        FROM dictionary WHERE "table" = 'applications' AND col = 'total' GROUP BY row""")}
    rows = _rows(con, r"""
        SELECT a.level, t.row, sum(t.total) AS n
        FROM agency_year a JOIN applications t USING (sha256)
        WHERE a.applications_table = 'read'
          AND (t.row LIKE 'denied\_%' ESCAPE '\' OR t.row LIKE 'unavailable\_%' ESCAPE '\'
               OR t.row LIKE 'rejected\_%' ESCAPE '\')
        GROUP BY ALL""")
    per_level = {r["level"]: r for r in _rows(con, """
        SELECT level, count(*) AS reports, count(*) FILTER (applications_table IS DISTINCT FROM 'read')
               AS applications_left_out
        FROM agency_year GROUP BY level""")}
    for r in rows:
        r["label"] = labels.get(r["row"], {}).get("label") or r["row"]
    totals: dict[str | None, float] = {}
    for r in rows:
        totals[r["level"]] = totals.get(r["level"], 0.0) + _num(r["n"])
    levels = sorted(per_level, key=level_order)
    reasons = sorted({r["row"] for r in rows}, key=lambda k: (_number_key(labels.get(k, {}).get("number")), k))
    cell = {(r["level"], r["row"]): r["n"] for r in rows}
    xs = [f"{level_name(lv)}<br>{per_level[lv]['reports']} 份报告"
          + (f"<br>{per_level[lv]['applications_left_out']} 份未计入" if per_level[lv]["applications_left_out"] else "")
          for lv in levels]
    ys = [labels.get(k, {}).get("label") or k for k in reasons]
    z = [[(_num(cell.get((lv, k))) / totals[lv]) if totals.get(lv) else None for lv in levels] for k in reasons]
    text = [[_fmt_int(cell.get((lv, k))) for lv in levels] for k in reasons]
    custom = [[[per_level[lv]["applications_left_out"], _fmt_int(totals.get(lv))] for lv in levels] for _ in reasons]
    fig = go.Figure(go.Heatmap(x=xs, y=ys, z=z, text=text, texttemplate="%{text}", colorscale="Blues", zmin=0,
                               customdata=custom,
                               colorbar={"title": {"text": "占该层级<br>理由合计"}, "tickformat": ".0%"},
                               hovertemplate="%{y}<br>%{x}<br>%{text} 件，占该层级理由合计（%{customdata[1]} 件）"
                                             "的 %{z:.1%}<br>申请表未读全未计入 %{customdata[0]} 份<extra></extra>"))
    n_reports = sum(p["reports"] for p in per_level.values())
    n_left = sum(p["applications_left_out"] for p in per_level.values())
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top")
    _layout(fig, f"不予公开、无法提供、不予处理的理由（按行政层级，所有年度）<br><sup>{n_reports} 份报告"
                 f"（每个机关每年一份）；申请表未读全 {n_left} 份未计入；"
                 "格中为件数，颜色为占该层级理由合计的比例</sup>",
            max(360, 30 * len(ys) + 200), margin={"t": 140, "l": 20, "r": 30, "b": 30})
    out = [{"level": r["level"], "level_name": level_name(r["level"]), "row": r["row"], "label": r["label"],
            "n": r["n"]} for r in sorted(rows, key=lambda r: (level_order(r["level"]), reasons.index(r["row"])))]
    summary = [{"level": lv, "level_name": level_name(lv), "reports": per_level[lv]["reports"],
                "applications_left_out": per_level[lv]["applications_left_out"], "refusals": totals.get(lv)}
               for lv in levels]
    columns = [("level_name", "层级", _text), ("reports", "报告", _fmt_int),
               ("applications_left_out", "申请表未计入", _fmt_int), ("refusals", "理由合计（件）", _fmt_int)]
    return Section("refusals", "不予公开、无法提供、不予处理的理由", charts=[fig], rows=out,
                   table=_table(columns, summary, "各层级的报告数与理由合计"),
                   note="“不予公开”“无法提供”“不予处理”各项理由的件数，按层级分列（所有年度合计）。")


def _number_key(number: str | None) -> tuple[int, ...]:
    parts = (number or "").split(".")
    cn = "一二三四五六七八九十"
    return tuple(cn.index(p) + 1 if p in cn else int(p) if p.isdigit() else 99 for p in parts)


def _granted_rates(con: Sandbox) -> Section:
    """How granted rates spread across agencies: one report per agency and year, processed ≥ MIN_PROCESSED."""
    reports = _rows(con, """SELECT agency, agency_key, report_year, level, processed, granted, granted_rate,
                                   applications_table FROM agency_year""")
    included, below, unread, impossible = [], 0, 0, 0
    for r in reports:
        if r["applications_table"] != "read" or r["processed"] is None or r["granted"] is None:
            unread += 1
        elif r["processed"] < MIN_PROCESSED:
            below += 1
        elif not 0 <= r["granted"] <= r["processed"]:
            impossible += 1
        else:
            included.append(r)
    for r in included:
        r["bin"] = min(int(r["granted"] * BINS // r["processed"]), BINS - 1)
    step = 100 // BINS
    bins = [f"{i * step}–{(i + 1) * step}%" for i in range(BINS)]
    fig = go.Figure()
    levels = sorted({r["level"] for r in included}, key=level_order)
    for lv in levels:
        counts = [0] * BINS
        for r in included:
            if r["level"] == lv:
                counts[r["bin"]] += 1
        fig.add_bar(x=bins, y=counts, name=level_name(lv), marker_color=_level_color(lv),
                    hovertemplate=f"{level_name(lv)}，予以公开率 %{{x}}：%{{y}} 份报告<extra></extra>")
    title = (f"予以公开率的分布（予以公开 / 办理总数）<br><sup>{len(included)} 份报告（每个机关每年一份，"
             f"办理 ≥ {MIN_PROCESSED} 件）；未计入：办理不足 {MIN_PROCESSED} 件 {below} 份，申请表未读全 {unread} 份"
             + (f"，予以公开多于办理 {impossible} 份" if impossible else "") + "</sup>")
    fig.update_layout(barmode="stack", xaxis={"title": {"text": "予以公开率"}, "type": "category"},
                      yaxis={"title": {"text": "报告（机关·年度）数"}, "dtick": 1 if len(included) < 20 else None})
    _layout(fig, title, 460)
    summary = []
    for lv in sorted({r["level"] for r in reports}, key=level_order):
        mine = [r for r in reports if r["level"] == lv]
        rates = [r["granted"] / r["processed"] for r in included if r["level"] == lv]
        summary.append({"level": lv, "level_name": level_name(lv), "reports": len(mine), "included": len(rates),
                        "median": median(rates) if rates else None,
                        "below_min": sum(1 for r in mine if r["applications_table"] == "read"
                                         and r["processed"] is not None and r["granted"] is not None
                                         and r["processed"] < MIN_PROCESSED),
                        "applications_left_out": sum(1 for r in mine if r["applications_table"] != "read"
                                                     or r["processed"] is None or r["granted"] is None)})
    columns = [("level_name", "层级", _text), ("reports", "报告", _fmt_int), ("included", "计入", _fmt_int),
               ("median", "中位数", _fmt_rate), ("below_min", f"办理不足 {MIN_PROCESSED} 件", _fmt_int),
               ("applications_left_out", "申请表未读全", _fmt_int)]
    rows = [{k: r[k] for k in ("agency", "agency_key", "report_year", "level", "processed", "granted", "bin")}
            for r in sorted(included, key=lambda r: (r["bin"], r["agency_key"] or "", r["report_year"] or 0))]
    return Section("granted_rates", "予以公开率的分布", charts=[fig], rows=rows,
                   table=_table(columns, summary, "各层级计入的报告"),
                   note=f"每个机关每年一份报告、办理至少 {MIN_PROCESSED} 件的，按其予以公开率（予以公开 ÷ （七）总计）"
                        "落入 5% 宽的区间；颜色为层级。区间含下限不含上限，100% 计入最后一格。")


def _applicants(con: Sandbox) -> Section:
    """Who asks: new requests by applicant type, per level (all years)."""
    sums = ", ".join(f"sum(w.{c}) AS {c}" for c, _ in APPLICANTS)
    rows = _rows(con, f"""
        SELECT a.level, count(*) AS reports,
               count(*) FILTER (a.applications_table IS DISTINCT FROM 'read') AS applications_left_out, {sums},
               sum(w.total) AS total
        FROM agency_year a
        LEFT JOIN applications w ON w.sha256 = a.sha256 AND w.row = 'new_received' AND a.applications_table = 'read'
        GROUP BY a.level""")
    rows.sort(key=lambda r: level_order(r["level"]))
    for r in rows:
        r["level_name"] = level_name(r["level"])
    rows = [r for r in rows if r["reports"]]
    ys = [f"{r['level_name']}（{r['reports']} 份报告）" for r in rows]
    fig = go.Figure()
    for col, label in APPLICANTS:
        shares = []
        for r in rows:
            whole = sum(_num(r[c]) for c, _ in APPLICANTS)
            shares.append(_num(r[col]) / whole if whole else None)
        fig.add_bar(y=ys, x=shares, name=label, orientation="h", customdata=[[r[col], r["applications_left_out"]]
                                                                            for r in rows],
                    text=[f"{s:.0%}" if s and s >= 0.04 else "" for s in shares], textposition="inside",
                    hovertemplate=f"%{{y}}<br>{label}：%{{customdata[0]:,}} 件（%{{x:.1%}}）<br>"
                                  "申请表未读全未计入 %{customdata[1]} 份<extra></extra>")
    n_reports = sum(r["reports"] for r in rows)
    n_left = sum(r["applications_left_out"] for r in rows)
    fig.update_layout(barmode="stack", xaxis={"tickformat": ".0%", "range": [0, 1], "title": {"text": "占新收申请"}},
                      yaxis={"autorange": "reversed", "automargin": True})
    _layout(fig, f"新收申请的申请人类型（按行政层级，所有年度）<br><sup>{n_reports} 份报告（每个机关每年一份）；"
                 f"申请表未读全 {n_left} 份未计入</sup>", max(300, 48 * len(rows) + 200))
    columns = [("level_name", "层级", _text), ("reports", "报告", _fmt_int),
               ("applications_left_out", "申请表未计入", _fmt_int)]
    columns += [(c, label, _fmt_int) for c, label in APPLICANTS] + [("total", "总计", _fmt_int)]
    return Section("applicants", "申请人类型", charts=[fig], rows=rows, table=_table(columns, rows, "新收申请（件）"),
                   note="本年新收申请按申请人分列：自然人，法人或其他组织（商业企业、科研机构、社会公益组织、"
                        "法律服务机构、其他）。")


def _corrections(level_rows: list[Row], years: list[int]) -> Section:
    """Review and litigation correction rates per level and year."""
    by = _by_level_year(level_rows)
    fig = make_subplots(rows=1, cols=2, subplot_titles=["行政复议：结果纠正 / 已审结", "行政诉讼：结果纠正 / 已审结"],
                        horizontal_spacing=0.1)
    for i, (key, corrected, decided) in enumerate([("review_correction_rate", "reviews_corrected", "reviews_decided"),
                                                  ("lawsuit_correction_rate", "lawsuits_corrected",
                                                   "lawsuits_decided")]):
        for lv, cells_by_year in by.items():
            cells = [cells_by_year.get(y) for y in years]
            fig.add_scatter(x=years, y=[c[key] if c else None for c in cells], name=level_name(lv),
                            mode="lines+markers", connectgaps=False, legendgroup=str(lv), showlegend=i == 0,
                            line={"color": _level_color(lv)}, row=1, col=i + 1,
                            customdata=[[c[corrected] if c else None, c[decided] if c else None,
                                         c["reports"] if c else 0, c["appeals_left_out"] if c else 0] for c in cells],
                            hovertemplate=f"{level_name(lv)} %{{x}} 年：纠正率 %{{y:.1%}}<br>纠正 %{{customdata[0]:,}}"
                                          " / 已审结 %{customdata[1]:,} 件<br>%{customdata[2]} 份报告，复议诉讼表未读全"
                                          "未计入 %{customdata[3]} 份<extra></extra>")
    fig.update_xaxes(**{k: v for k, v in _year_axis(years).items() if k != "title"})
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    n_reports = sum(r["reports"] for r in level_rows)
    n_left = sum(r["appeals_left_out"] for r in level_rows)
    _layout(fig, f"行政复议、行政诉讼的纠正率（按行政层级、年度）<br><sup>{n_reports} 份报告（每个机关每年一份）；"
                 f"复议诉讼表未读全 {n_left} 份未计入；已审结 = 结果维持 + 结果纠正 + 其他结果</sup>", 460)
    columns = [("level_name", "层级", _text), ("report_year", "年度", _year), ("reports", "报告", _fmt_int),
               ("appeals_left_out", "复议诉讼表未计入", _fmt_int), ("reviews", "行政复议", _fmt_int),
               ("reviews_decided", "复议已审结", _fmt_int), ("reviews_corrected", "复议纠正", _fmt_int),
               ("review_correction_rate", "复议纠正率", _fmt_rate), ("lawsuits", "行政诉讼", _fmt_int),
               ("lawsuits_decided", "诉讼已审结", _fmt_int), ("lawsuits_corrected", "诉讼纠正", _fmt_int),
               ("lawsuit_correction_rate", "诉讼纠正率", _fmt_rate)]
    return Section("corrections", "行政复议、行政诉讼的纠正率", charts=[fig], rows=level_rows,
                   table=_table(columns, level_rows, "按行政层级、年度"),
                   note="纠正率 = 结果纠正 ÷ 已审结（复议：本机关被申请复议的案件；诉讼：未经复议直接起诉与复议后起诉"
                        "合计）。已审结件数少时比例波动大，请看悬停中的件数。")


def _trend(con: Sandbox, years: list[int]) -> Section:
    """The agencies with the most years: received and granted rate, year by year."""
    rows = _rows(con, f"""
        WITH n AS (SELECT agency_key, count(*) AS years, max(received) AS most
                   FROM agency_year WHERE agency_key IS NOT NULL AND report_year IS NOT NULL GROUP BY agency_key),
             top AS (SELECT agency_key,
                            row_number() OVER (ORDER BY years DESC, most DESC NULLS LAST, agency_key) AS rank
                     FROM n WHERE years >= 2 ORDER BY rank LIMIT {TREND_AGENCIES})
        SELECT agency_key, agency, report_year, level, received, processed, granted, granted_rate,
               applications_table, status
        FROM agency_year JOIN top USING (agency_key) WHERE report_year IS NOT NULL
        ORDER BY rank, report_year""")
    agencies: dict[str, dict[int, Row]] = {}
    for r in rows:
        r["level_name"] = level_name(r["level"])
        agencies.setdefault(r["agency_key"], {})[r["report_year"]] = r
    order = list(agencies)  # most years first
    fig = make_subplots(rows=1, cols=2, subplot_titles=["收到申请（件）", "予以公开率"], horizontal_spacing=0.1)
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]
    for n, key in enumerate(order):
        by_year = agencies[key]
        name = by_year[max(by_year)]["agency"]  # as its latest report writes it
        cells = [by_year.get(y) for y in years]
        custom = [[c["agency"], TABLE_STATUSES.get(c["applications_table"], c["applications_table"])] if c else
                  [None, None] for c in cells]
        for i, (col, fmt) in enumerate([("received", ":,"), ("granted_rate", ":.1%")]):
            fig.add_scatter(x=years, y=[c[col] if c else None for c in cells], name=f"{name}（{len(by_year)} 年）",
                            mode="lines+markers", connectgaps=False, legendgroup=key, showlegend=i == 0,
                            line={"color": palette[n % len(palette)]}, customdata=custom, row=1, col=i + 1,
                            hovertemplate=f"%{{customdata[0]}} %{{x}} 年：%{{y{fmt}}}<br>一份报告，申请表"
                                          "%{customdata[1]}<extra></extra>")
    fig.update_xaxes(**{k: v for k, v in _year_axis(years).items() if k != "title"})
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(tickformat=".0%", row=1, col=2)
    _layout(fig, f"机关的逐年变化：报告年度最多的 {len(order)} 个机关（至少两个年度）<br><sup>每点为该机关该年度的"
                 "一份报告；没有报告的年度留空，不连线；申请表未读全的年度无数值</sup>", 500)
    columns = [("agency", "机关", _text), ("level_name", "层级", _text), ("report_year", "年度", _year),
               ("received", "收到", _fmt_int), ("processed", "办理", _fmt_int), ("granted", "予以公开", _fmt_int),
               ("granted_rate", "予以公开率", _fmt_rate),
               ("applications_table", "申请表", lambda v: TABLE_STATUSES.get(v, _text(v)))]
    ordered = [agencies[k][y] for k in order for y in sorted(agencies[k])]
    return Section("trend", "机关的逐年变化", charts=[fig], rows=ordered,
                   table=_table(columns, ordered, "各机关各年度"),
                   note="同一机关跨年度以其所在地与层级识别（如“洪泽区人民政府”与“淮安市洪泽区人民政府”为同一机关）。")


def _quality(con: Sandbox) -> Section:
    """Which checks fail, in Chinese, over the reports behind the figures."""
    rows = _rows(con, """SELECT c.kind, c.rule, count(DISTINCT c.sha256) AS reports
                         FROM checks c JOIN agency_year a USING (sha256) WHERE NOT c.ok
                         GROUP BY ALL ORDER BY reports DESC, c.kind, c.rule""")
    row = _rows(con, "SELECT count(*) AS n FROM agency_year")[0]
    total = row["n"]
    for r in rows:
        r["name"] = check_name(r["rule"], r["kind"])
        r["kind_name"] = CHECK_KINDS.get(r["kind"], r["kind"])
        r["code"] = f"{r['kind']} / {r['rule']}"
    shown = list(reversed(rows))  # the most failing at the top
    fig = go.Figure(go.Bar(x=[r["reports"] for r in shown], y=[r["name"] for r in shown], orientation="h",
                           marker_color="#d62728", customdata=[[r["code"], r["kind_name"]] for r in shown],
                           hovertemplate=f"%{{y}}<br>%{{x}} 份报告未通过（共 {total} 份）<br>类别：%{{customdata[1]}}"
                                         "<br>代码：%{customdata[0]}<extra></extra>"))
    fig.update_layout(xaxis={"title": {"text": "未通过的报告（份）"}, "dtick": 1 if rows and rows[0]["reports"] < 10
                             else None}, yaxis={"automargin": True})
    _layout(fig, f"数据质量：未通过的检查<br><sup>{total} 份报告（每个机关每年一份）中，未通过各项检查的报告数；"
                 "悬停可见检查代码</sup>", max(300, 30 * len(rows) + 180))
    status = _rows(con, """SELECT s.status, s.documents, coalesce(a.n, 0) AS agency_years
                           FROM quality_status s
                           LEFT JOIN (SELECT status, count(*) AS n FROM agency_year GROUP BY status) a USING (status)
                           ORDER BY s.status = 'failed', s.status""")
    for s in status:
        s["status_name"] = STATUSES.get(s["status"], s["status"])
    table = _table([("status_name", "状态", _text), ("documents", "全部文件", _fmt_int),
                    ("agency_years", "每个机关每年一份", _fmt_int)], status, "报告的状态")
    table += _table([("name", "检查", _text), ("kind_name", "类别", _text), ("code", "代码", _text),
                     ("reports", "未通过的报告", _fmt_int)], rows, "各项检查")
    return Section("quality", "数据质量", charts=[fig], rows=rows, table=table, extra={"status": status},
                   note="表内勾稽关系：报告自身的数字应相加一致（如各类申请人之和等于总计，"
                        "新收 + 上年结转 = 办理总数 + 结转下年度）。推算值：由勾稽关系推出、而非读出的数字。"
                        "表格结构：行或数值不在表式规定的位置。")


def _reports_table(con: Sandbox) -> str:
    rows = _rows(con, """SELECT agency, report_year, coalesce(province, '') AS province, received, processed, granted,
                                level, status, applications_table, appeals_table
                         FROM agency_year ORDER BY report_year, received DESC NULLS LAST, agency""")
    for r in rows:
        r["level_name"] = level_name(r["level"])
    columns = [("agency", "机关", _text), ("report_year", "年度", _year), ("province", "省", _text),
               ("received", "收到", _fmt_plain), ("processed", "办理", _fmt_plain), ("granted", "予以公开", _fmt_plain),
               ("level_name", "层级", _text), ("status", "状态", lambda v: SHORT_STATUSES.get(v, _text(v))),
               ("applications_table", "申请表", lambda v: TABLE_STATUSES.get(v, _text(v))),
               ("appeals_table", "复议诉讼表", lambda v: TABLE_STATUSES.get(v, _text(v)))]
    return _table(columns, rows, "每个机关每年一份报告")


def _summary(con: Sandbox) -> Row:
    return _rows(con, """
        SELECT (SELECT count(*) FROM reports) + (SELECT count(*) FROM failures) AS documents,
               (SELECT count(*) FROM reports) AS extracted,
               (SELECT count(*) FROM failures) AS failed,
               (SELECT count(*) FROM agency_year) AS agency_years,
               (SELECT count(*) FROM reports WHERE agency_key IS NOT NULL)
                 - (SELECT count(*) FROM agency_year WHERE agency_key IS NOT NULL) AS duplicates,
               (SELECT count(*) FROM reports WHERE agency_key IS NULL) AS agency_unknown,
               (SELECT count(*) FROM agency_year WHERE agency_key IS NULL) AS agency_unknown_kept,
               (SELECT count(*) FROM agency_year WHERE report_year IS NULL) AS year_unknown,
               (SELECT min(report_year) FROM agency_year) AS first_year,
               (SELECT max(report_year) FROM agency_year) AS last_year""")[0]


# ── the page ─────────────────────────────────────────────────────────────────────────────


def build(con: Sandbox) -> tuple[Row, list[int], list[Section], str]:
    """The page's figures: the summary, the continuous year range, the sections, the report list."""
    summary = _summary(con)
    first, last = summary["first_year"], summary["last_year"]
    years = list(range(first, last + 1)) if first is not None else []
    with_reports = {r["report_year"] for r in _rows(con, "SELECT DISTINCT report_year FROM agency_year")}
    summary["years_without_reports"] = [y for y in years if y not in with_reports]
    level_rows = _rows(con, f"SELECT {FIGURE_ROWS} FROM level_year")
    level_rows.sort(key=lambda r: (level_order(r["level"]), r["report_year"] is None, r["report_year"] or 0))
    for r in level_rows:
        r["level_name"] = level_name(r["level"])
    province_rows = _rows(con, """
        SELECT province, level, report_year, count(*) AS reports,
               count(*) FILTER (applications_table IS DISTINCT FROM 'read') AS applications_left_out,
               sum(received) AS received, sum(processed) AS processed, sum(granted) AS granted,
               sum(granted) / nullif(sum(processed), 0) AS granted_rate
        FROM agency_year GROUP BY province, level, report_year""")
    sections = [_requests(level_rows, years), _provinces(province_rows, years), _refusals(con),
                _granted_rates(con), _applicants(con), _corrections(level_rows, years), _trend(con, years),
                _quality(con)]
    return summary, years, sections, _reports_table(con)


def _json(obj) -> str:
    """JSON for a <script> block: `<` escaped, so no text in it can close the block."""
    return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode().replace(
        "<", "\\u003c")


def _intro(s: Row) -> str:
    years = f"{s['first_year']}–{s['last_year']} 年" if s["first_year"] is not None else "无年度"
    parts = [f"文件 {s['documents']} 份：{s['extracted']} 份已提取，{s['failed']} 份未能提取。",
             f"图表所用：<b>{s['agency_years']} 份报告</b>，每个机关每年一份（{years}）"]
    if s["duplicates"]:
        parts.append(f"；同一机关同一年度的另外 {s['duplicates']} 份报告（重复收到的）不计")
    if s["agency_unknown"]:
        parts.append(f"；机关名称未能识别的报告 {s['agency_unknown']} 份，每年度只计其中一份"
                     f"（共 {s['agency_unknown_kept']} 份）")
    parts.append("。")
    if s["year_unknown"]:
        parts.append(f"年度不明的 {s['year_unknown']} 份不在按年度的图中。")
    if s["years_without_reports"]:
        parts.append("、".join(map(str, s["years_without_reports"])) + " 年没有报告，图中留空。")
    return "".join(parts)


NOTES = """<ul class="notes">
<li>每个机关每年只计一份报告（视图 agency_year）；同一报告重复收到只计一次。</li>
<li>按行政层级分列：省级、市级、县级、乡镇的政府及其部门各自成组，从不相加。市级政府的数字只是市政府本级的报告，
不含其所辖区县的报告。</li>
<li>表格被截断、缺失或未读全的报告，其数字不计入合计；每幅图、每张表都注明背后的报告数和未计入的报告数。</li>
<li>横轴为连续年度；某年没有报告时留空，线条不跨过空缺的年度。</li>
</ul>"""


def render(summary: Row, years: list[int], sections: list[Section], reports_table: str) -> str:
    charts: dict[str, dict] = {}
    blocks = []
    for s in sections:
        ids = []
        for i, fig in enumerate(s.charts):
            cid = f"chart-{s.key}-{i}"
            charts[cid] = fig.to_plotly_json()
            ids.append(cid)
        divs = "".join(f'<div class="chart" id="{cid}"></div>' for cid in ids)
        note = f'<p class="note">{html.escape(s.note)}</p>' if s.note else ""
        blocks.append(f'<section id="{s.key}"><h2>{html.escape(s.title)}</h2>{note}{divs}{s.table}</section>')
    data = {"summary": summary, "years": years, "levels": {str(k): v for k, v in LEVELS.items()},
            "sections": {s.key: {"title": s.title, "rows": s.rows, **s.extra,
                                 "charts": [f"chart-{s.key}-{i}" for i in range(len(s.charts))]}
                         for s in sections},
            "charts": charts}
    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>政府信息公开工作年度报告：统计</title>
<style>body{{font-family:{FONT};margin:24px auto;max-width:1100px;padding:0 12px;color:#222}}
table{{border-collapse:collapse;font-size:13px;margin:8px 0}}td,th{{border:1px solid #ccc;padding:3px 8px}}
td.n{{text-align:right}}th{{background:#f3f3f3}}
.chart{{margin:12px 0}}.note,.caption,.notes{{color:#555;font-size:14px}}section{{margin:36px 0}}
summary{{cursor:pointer;color:#555}}</style>
<script type="text/javascript">{get_plotlyjs()}</script></head><body>
<h1>政府信息公开工作年度报告：统计</h1>
<p>{_intro(summary)}</p>{NOTES}
<p class="note">数据来自 xxgk 数据库的视图（agency_year、level_year、region_year、checks、quality_*）；
本页图表的数字以 JSON 附在页内（id="xxgk-data"）。</p>
{''.join(blocks)}
<section id="reports"><h2>各报告</h2>{reports_table}</section>
<script type="application/json" id="xxgk-data">{_json(data)}</script>
<script type="text/javascript">
const page = JSON.parse(document.getElementById("xxgk-data").textContent);
for (const [id, fig] of Object.entries(page.charts)) {{
  Plotly.newPlot(id, fig.data, fig.layout, {{responsive: true, displaylogo: false}});
}}
</script>
</body></html>"""


def write_report(db: Path, out: Path) -> Path:
    con = query_connection(db)  # the analysts' sandbox: the page only reads
    try:
        page = render(*build(con))
    finally:
        con.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
