"""The checks' names for people: every check kind and rule the extractor emits, in Chinese.

The terminal summary (`xxgk extract`) and the report page (`xxgk report`) both name failed
checks from here; `tests/test_summary.py` holds every rule and kind of the extractor to it.
A rule's name says what failed.
"""
from __future__ import annotations

CHECK_KINDS = {
    "identity": "表内勾稽关系", "inferred": "推算值", "layout": "表格结构", "unit": "计量单位",
    "metadata": "报告信息", "doubtful": "识别存疑", "unreadable": "无法读取", "internal": "程序错误",
}

CHECK_RULES = {
    "row_sum": "行合计不符",                 # applicant columns do not add up to 总计
    "outcomes_sum": "办理结果合计不符",       # outcomes do not add up to （七）总计
    "balance": "收结平衡不符",               # new + carried over ≠ processed + carried forward
    "appeal_sum": "复议诉讼合计不符",
    "short_row": "行内数值缺漏",
    "rows": "缺少表格行",
    "stray": "未归入任何行的数值",
    "label": "行名与位置不符",
    "row": "行数值不全",
    "columns": "表头列序与标准表不符",      # columns printed in another order: the table is left null
    "conflict": "同一行多处取值",
    "other_split": "其他处理无法拆分",
    "table": "未找到表格",
    "section": "未找到章节",
    "cut": "表格被截断",
    "whole_count": "计数非整数",
    "unit": "金额单位不明",
    "template": "未识别报告模板",
    "report_year": "报告年度系推断",
    "template_year": "模板与年度不符",
    "inferred": "推算值",
    "doubtful": "文字识别置信度低",          # an OCR'd value too uncertain to keep: left null
    "reports": "一个文件含多份报告",
    "copies": "同一报告重复刊载",            # the same report printed twice in a file: read once
    "repeated": "合并单元格数值重复",        # a merged cell's value printed in each column it spans: read once
    "readable": "无法读取",
    "pictures": "网页图片未识别",            # a page's pictures (its tables?) left unread: no Tesseract
    "internal": "程序错误",
}


def check_name(rule: str | None, kind: str | None = None) -> str:
    """A failed check's name for people: its rule's, else its kind's, else the code itself."""
    return CHECK_RULES.get(rule or "") or CHECK_KINDS.get(kind or "") or rule or kind or ""
