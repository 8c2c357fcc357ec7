"""The console's 好差评 tab: rating trends and overdue follow-ups as charts, the follow-up items with
the rated conversation and its sources, assigning an owner, recording the resolution, and the CSV
export for the 好差评 platform. A client of the admin API (``/v1/admin/follow-ups``,
``/v1/admin/ratings/...``) like the rest of the console."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
import pandas as pd

if TYPE_CHECKING:
    from ui.console import ApiClient

ITEM_LABELS = {
    "id": "编号",
    "status_label": "状态",
    "level": "评价等级",
    "tags": "评价标签",
    "comment": "评价内容",
    "channel": "渠道",
    "opened_at": "开启时间",
    "due_on": "整改期限",
    "overdue_days": "超期天数",
    "owner": "责任人",
    "resolution": "整改情况",
}


def _items_table(items: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [
        {
            **item,
            "level": item["rating"]["level"],
            "tags": "、".join(item["rating"]["tags"]),
            "comment": item["rating"]["comment"],
            "channel": item["rating"]["channel"],
        }
        for item in items
    ]
    return pd.DataFrame(rows, columns=list(ITEM_LABELS)).rename(columns=ITEM_LABELS)


def overview(api: ApiClient) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str, gr.Dropdown]:
    """Trends (ratings per day and level), overdue items (days past the deadline, by owner), the
    items, a summary line and the choice of item to handle."""
    trends = pd.DataFrame(
        api.call("GET", "/v1/admin/ratings/trends")["rows"], columns=["day", "level", "count"]
    )
    trends = trends.rename(columns={"day": "日期", "level": "评价等级", "count": "评价数"})
    trends["日期"] = trends["日期"].str[
        5:
    ]  # 12-02: short labels, in Chinese order (a time axis would name days in English)
    listing = api.call("GET", "/v1/admin/follow-ups")
    items = listing["items"]
    overdue = pd.DataFrame(
        [
            {
                "事项": f"#{i['id']}",  # short: many bars side by side
                "超期天数": i["overdue_days"],
                "责任人": i["owner"],
            }
            for i in items
            if i["overdue"]
        ],
        columns=["事项", "超期天数", "责任人"],
    )
    open_items = sum(item["status"] == "open" for item in items)
    summary = f"整改事项 {listing['total']} 件，其中待整改 {open_items} 件、已超期 {listing['overdue']} 件"
    choices = [
        (f"#{i['id']} {i['rating']['level']}（{i['status_label']}，期限 {i['due_on']}）", i["id"])
        for i in items
    ]
    return trends, overdue, _items_table(items), summary, gr.Dropdown(choices=choices, value=None)


def item_detail(api: ApiClient, item_id: int | None) -> str:
    """One item: the rating and the conversation it rates, each answer with its sources."""
    if item_id is None:
        raise gr.Error("请选择整改事项")
    [item] = [i for i in api.call("GET", "/v1/admin/follow-ups")["items"] if i["id"] == item_id]
    rating = item["rating"]
    lines = [
        f"**#{item['id']} {rating['level']}**（{rating['channel']}，{rating['rated_at']}）标签：{'、'.join(rating['tags']) or '无'}",
        f"评价内容：{rating['comment'] or '无'}",
        f"责任人：{item['owner']} · 期限：{item['due_on']} · 状态：{item['status_label']}",
        "",
    ]
    for number, turn in enumerate(item["conversation"], start=1):
        sources = "、".join(f"{s['title']}（{s['doc_id']}）" for s in turn["sources"]) or "无"
        lines += [
            f"**问{number}**：{turn['question']}",
            f"**答{number}**：{turn['answer']}",
            f"依据文档：{sources}",
            "",
        ]
    if item["resolution"]:
        lines.append(f"**整改情况**（{item['resolved_by']}，{item['resolved_at']}）：{item['resolution']}")
    return "\n\n".join(lines)


def update(api: ApiClient, item_id: int | None, owner: str, resolution: str) -> str:
    if item_id is None:
        raise gr.Error("请选择整改事项")
    body = {
        key: value.strip() for key, value in (("owner", owner), ("resolution", resolution)) if value.strip()
    }
    if not body:
        raise gr.Error("请填写责任人或整改情况")
    item = api.call("PATCH", f"/v1/admin/follow-ups/{item_id}", json=body)
    return f"已保存：#{item['id']} 责任人 {item['owner']}，状态 {item['status_label']}"


def export_csv(api: ApiClient) -> str:
    """The CSV for the 好差评 platform, as a file to download."""
    text = api.text("GET", "/v1/admin/ratings/export.csv")
    path = Path(tempfile.mkdtemp(prefix="govassist-ratings-")) / "好差评.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def build_tab(api: ApiClient) -> None:
    refresh = gr.Button("刷新", variant="primary")
    summary = gr.Markdown()
    with gr.Row():
        trends = gr.LinePlot(
            x="日期",
            y="评价数",
            color="评价等级",
            label="评价趋势（每天各等级的评价数）",
            sort=None,
            x_label_angle=-45,
        )
        overdue = gr.BarPlot(
            x="事项",
            y="超期天数",
            color="责任人",
            label="已超期的整改事项（超过期限的天数）",
            sort="-y",
            x_label_angle=-45,
        )
    items = gr.Dataframe(label="整改事项（不满意、非常不满意的评价）", wrap=True)
    with gr.Row():
        item = gr.Dropdown(label="整改事项", choices=[])
        owner = gr.Textbox(label="责任人（改派时填写）")
    detail = gr.Markdown()
    resolution = gr.Textbox(label="整改情况（填写后即办结）", lines=3)
    save = gr.Button("保存")
    saved = gr.Markdown()
    download = gr.File(label="导出好差评数据（CSV）")
    refresh.click(lambda: overview(api), None, [trends, overdue, items, summary, item])
    item.change(lambda i: item_detail(api, i) if i is not None else "", [item], [detail])
    save.click(lambda i, o, r: update(api, i, o, r), [item, owner, resolution], [saved])
    gr.Button("导出 CSV").click(lambda: export_csv(api), None, [download])
