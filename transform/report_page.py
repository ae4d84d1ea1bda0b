"""`xxgk report`: one self-contained HTML page with charts, for people who would rather look.

Requests and outcomes by year, refusal reasons, regions compared, data quality. Charts are
plotly figures; plotly.js is inlined once, so the page opens offline from a single file.
"""
from __future__ import annotations

import html
from pathlib import Path

import plotly.graph_objects as go

from xxgk.transform.warehouse import query_connection

OUTCOMES = [("granted", "予以公开"), ("partly_granted", "部分公开"), ("refused_not_disclosable", "不予公开"),
            ("refused_unavailable", "无法提供"), ("refused_not_processed", "不予处理"), ("other_outcome", "其他处理")]


def _by_year(con) -> go.Figure:
    df = con.execute("""SELECT report_year, sum(received) AS received, """
                     + ", ".join(f"sum({c}) AS {c}" for c, _ in OUTCOMES)
                     + " FROM agency_year GROUP BY report_year ORDER BY report_year").df()
    fig = go.Figure()
    for col, label in OUTCOMES:
        fig.add_bar(x=df["report_year"].astype(str), y=df[col], name=label)
    fig.add_scatter(x=df["report_year"].astype(str), y=df["received"], name="收到申请（新收+上年结转）",
                    mode="lines+markers")
    fig.update_layout(barmode="stack", title="依申请公开：收到与办理结果（按年度）", xaxis_title="报告年度",
                      yaxis_title="件", xaxis={"type": "category"})
    return fig


def _refusals(con) -> go.Figure:
    df = con.execute("""SELECT d.row_label AS reason, sum(c.value) AS n
                        FROM cells_labeled c JOIN dictionary d ON d.template = c.template AND d.key = c.key
                        WHERE c."table" = 'applications' AND c.col = 'total'
                          AND (c.row LIKE 'denied%' OR c.row LIKE 'unavailable%' OR c.row LIKE 'rejected%')
                        GROUP BY reason HAVING sum(c.value) > 0 ORDER BY n""").df()
    fig = go.Figure(go.Bar(x=df["n"], y=df["reason"], orientation="h"))
    fig.update_layout(title="不予公开、无法提供、不予处理的理由（全部报告合计）", xaxis_title="件",
                      height=max(320, 28 * len(df) + 120), margin={"l": 320})
    return fig


def _regions(con) -> go.Figure:
    df = con.execute("""SELECT coalesce(province, '（地区未知）') AS province, report_year,
                               sum(received) AS received, sum(granted) / nullif(sum(processed), 0) AS rate,
                               count(*) AS reports
                        FROM agency_year GROUP BY ALL ORDER BY province, report_year""").df()
    fig = go.Figure()
    for province, part in df.groupby("province", sort=True):
        fig.add_bar(x=part["report_year"].astype(str), y=part["received"], name=province,
                    customdata=part[["rate", "reports"]],
                    hovertemplate="%{y} 件, 予以公开率 %{customdata[0]:.1%}, %{customdata[1]} 份报告")
    fig.update_layout(barmode="group", title="各省收到的申请（按年度）", xaxis_title="报告年度", yaxis_title="件",
                      xaxis={"categoryorder": "category ascending"})
    return fig


def _quality(con) -> go.Figure:
    status = con.execute("SELECT status, documents FROM quality_status ORDER BY status").df()
    checks = con.execute("SELECT kind, sum(reports_failing) AS n FROM quality_checks GROUP BY kind ORDER BY n").df()
    fig = go.Figure()
    fig.add_bar(x=checks["n"], y=checks["kind"], orientation="h", name="未通过的检查（份）")
    fig.update_layout(title="数据质量：未通过的检查类别　|　" + "　".join(
        f"{s}: {n}" for s, n in zip(status["status"], status["documents"], strict=True)), xaxis_title="未通过的次数",
        height=max(300, 28 * len(checks) + 120), margin={"l": 160})
    return fig


def _table(con) -> str:
    df = con.execute("""SELECT agency AS 机关, report_year AS 年度, coalesce(province, '') AS 省,
                               received AS 收到, processed AS 办理, granted AS 予以公开, status AS 状态
                        FROM agency_year ORDER BY report_year, received DESC NULLS LAST""").df()
    head = "".join(f"<th>{html.escape(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(v) -> str:
    if v is None or v != v:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def write_report(db: Path, out: Path) -> Path:
    con = query_connection(db)  # the analysts' sandbox: the page only reads
    try:
        figures = [_by_year(con), _regions(con), _refusals(con), _quality(con)]
        table = _table(con)
        row = con.execute("SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM failures)").fetchone()
        assert row is not None  # an aggregate without GROUP BY returns one row
        n_reports, n_failed = row
    finally:
        con.close()
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0), default_width="100%")
             for i, f in enumerate(figures)]
    page = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>政府信息公开工作年度报告：统计</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px auto;max-width:1100px}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 8px}}
.chart{{margin:24px 0}}</style></head><body>
<h1>政府信息公开工作年度报告：统计</h1>
<p>{n_reports} 份报告已提取，{n_failed} 份未能提取。数据来自 xxgk 数据库的视图（report_headline, agency_year,
region_year, quality_*）。</p>
{''.join(f'<div class="chart">{p}</div>' for p in parts)}
<h2>各报告</h2>{table}
</body></html>"""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out
