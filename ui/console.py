"""The staff console (Gradio): ask with a retrieval inspector, documents, evaluation.

A client of the HTTP API with an admin key, never an importer of models or stores: what staff
see here is exactly what the service does. Tabs: 问答调试 (answer, every retrieved chunk with its
scores, the answerability judgement with its features and threshold, the filters, the evidence and
the prompt), 文档管理 (upload at a sensitivity level → ingestion report; browse with each document's level and
owner department; change levels),
通话试听 (a recorded call through the hotline copilot), 热点发现 (recent tickets grouped by problem,
place and time: size, trend, example calls), 政策匹配 (an item's extracted conditions,
reviewed and saved; the enterprises it applies to), 好差评 (``ui.ratings``: rating trends, overdue
follow-ups, their handling and the CSV export), 评测 (run the demo question set: table and chart).
Everything staff read is Chinese: the API's identifiers (policy, faq, hit@5 …) are shown by their labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import httpx
import pandas as pd

from ui import ratings

LEVELS = ["公开", "内部", "敏感"]
DEFAULT_LEVEL = "按默认密级"
DOCUMENT_COLUMNS = [
    "doc_id",
    "title",
    "kind",
    "sensitivity",
    "department",
    "manageable",
    "chunks",
    "source",
    "ingested_at",
]
DOCUMENT_LABELS = ["文档 ID", "标题", "类型", "密级", "所属部门", "可管理", "分段", "来源", "导入时间"]
HIT_COLUMNS = [
    "rank",
    "title",
    "kind",
    "heading_path",
    "sparse",
    "bigram",
    "dense",
    "fused",
    "rerank",
    "text",
    "flags",
]
HIT_LABELS = [
    "排名",
    "标题",
    "类型",
    "章节",
    "BM25(词)",
    "BM25(字)",
    "向量",
    "融合",
    "重排",
    "片段",
    "安全标记（不用于回答）",
]
JUDGE_COLUMNS = [
    "title",
    "heading_path",
    "probability",
    "vetoed",
    "coverage",
    "clause",
    "missing",
    "absent",
    "absent_noun",
    "aspect",
    "dense",
    "label",
]
KIND_LABELS = {
    "policy": "政策文件",
    "guide": "办事指南",
    "faq": "常见问题",
    "no_answer": "无依据问题",
    "out_of_scope": "超出服务范围",
}
KIND_CHOICES = [(KIND_LABELS[kind], kind) for kind in ("policy", "guide", "faq")]
MODE_LABELS = {"faq": "官方问答原文", "generated": "大模型生成", "extractive": "原文摘录", "refusal": "拒答"}
METRIC_LABELS = {
    "kind": "问题类型",
    "questions": "问题数",
    "hit@5": "前5命中率",
    "answered": "作答率",
    "keywords": "要点齐全率",
    "refused": "拒答率",
    "p50_ms": "用时中位数(毫秒)",
}
KNOWLEDGE_LABELS = {
    "title": "标题",
    "kind": "类型",
    "document_number": "文号",
    "score": "得分",
    "text": "内容",
}
CONDITION_LABELS = {"kind": "条件类型", "operator": "比较方式", "value": "取值", "sentence": "原文依据"}
ENTERPRISE_LABELS = {
    "enterprise_id": "企业编号",
    "name": "企业名称",
    "region": "所在区域",
    "decision_text": "判断结果",
    "to_confirm": "待核实",
}
FILTER_LABELS = {
    "kinds": "类型",
    "regions": "地区",
    "categories": "类别",
    "valid_on": "有效日期",
    "include_expired": "包括已失效",
    "include_flagged": "包括安全标记片段",
}
ROLE_LABELS = {"system": "系统提示", "user": "用户消息", "assistant": "模型回复"}
TIMING_LABELS = {
    "cached": "缓存命中",
    "judge": "检索与可答性判断",
    "first_token": "首字",
    "answer": "完成回答",
}
JUDGE_LABELS = [
    "标题",
    "章节",
    "可答概率",
    "否决",
    "问题覆盖",
    "末句覆盖",
    "缺失要点",
    "检索皆无",
    "检索皆无(名词)",
    "要素命中",
    "向量相似",
    "标题相似",
]


class ApiClient:
    def __init__(self, base_url: str, key: str, timeout_s: float = 120.0) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {key}"}, timeout=timeout_s
        )

    def city(self, fallback: str) -> str:
        """The city the service is configured for (``GET /v1/deployment``); ``fallback`` (this
        machine's setting) while the service cannot be reached, e.g. when it starts after the console."""
        try:
            return str(self._client.get("/v1/deployment").raise_for_status().json()["city"])
        except (httpx.HTTPError, ValueError, KeyError):
            return fallback

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._request(method, path, **kwargs).json()

    def text(self, method: str, path: str, **kwargs: Any) -> str:
        return self._request(method, path, **kwargs).text

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise gr.Error(f"无法连接服务：{exc}") from exc
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError):
                message = response.text[:200]
            raise gr.Error(f"服务返回错误（{response.status_code}）：{message}")
        return response


def _kind_labels(kinds: pd.Series) -> pd.Series:
    return kinds.map(lambda kind: KIND_LABELS.get(kind, kind))


def _filters_text(filters: dict[str, Any]) -> str:
    """The search filters in words: 类型：政策文件；包括已失效：否 …"""

    def value(item: Any) -> str:
        if isinstance(item, bool):
            return "是" if item else "否"
        if isinstance(item, list):
            return "、".join(KIND_LABELS.get(str(v), str(v)) for v in item) or "全部"
        return str(item)

    return "；".join(f"{FILTER_LABELS.get(name, name)}：{value(item)}" for name, item in filters.items())


def _timings_text(timings_ms: dict[str, float]) -> str:
    """Milliseconds from the question to each step: 检索与可答性判断 52 毫秒，完成回答 60 毫秒."""
    return "，".join(f"{TIMING_LABELS.get(step, step)} {ms:,.0f} 毫秒" for step, ms in timings_ms.items())


def _answer_markdown(answer: dict[str, Any]) -> str:
    status = {
        "answered": "已回答",
        "no_evidence": "无依据，已建议转人工",
        "out_of_scope": "超出服务范围",
        "withheld": "涉及个人信息或钱款，已暂不作答",
    }[answer["status"]]
    mode = MODE_LABELS.get(answer["mode"], answer["mode"])
    lines = [answer["text"], "", f"**{status}** · 方式：{mode} · 用时：{_timings_text(answer['timings_ms'])}"]
    for citation in answer["citations"]:
        number = f" {citation['document_number']}" if citation["document_number"] else ""
        lines.append(
            f"- [{citation['number']}] {citation['title']}{number} {' > '.join(citation['heading_path'])}"
        )
    return "\n".join(lines)


def _judgement(answerability: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Each candidate's answerability features and probability, and how the decision is made."""
    frame = pd.DataFrame(answerability["candidates"] or [], columns=JUDGE_COLUMNS)
    frame["heading_path"] = frame["heading_path"].map(
        lambda path: " > ".join(path) if isinstance(path, list) else ""
    )
    frame.columns = JUDGE_LABELS
    model = answerability["model"]
    labels = dict(zip(JUDGE_COLUMNS, JUDGE_LABELS, strict=True)) | {"faq": "官方问答", "rank": "检索名次"}
    weights = "，".join(
        f"{labels.get(name, name)} {weight:.2f}" for name, weight in model["importances"].items()
    )
    concepts = "、".join(f"{c['surface']}（{c['weight']}）" for c in answerability["concepts"]) or "无"
    summary = (
        f"可答阈值：{answerability['threshold']}（最高概率达到阈值才作答）\n特征重要度（{model['trees']} 棵决策树）：{weights}\n"
        f"拟合数据：{model['fitted_on']}\n问题要点（权重）：{concepts}"
    )
    return frame, summary


def inspect(
    api: ApiClient, question: str, kinds: list[str], include_expired: bool
) -> tuple[str, pd.DataFrame, pd.DataFrame, str, str, str]:
    if not question.strip():
        raise gr.Error("请输入问题")
    result = api.call(
        "POST",
        "/v1/admin/inspect",
        json={"question": question, "kinds": kinds, "include_expired": include_expired},
    )
    hits = pd.DataFrame(result["hits"] or [], columns=HIT_COLUMNS)
    hits["heading_path"] = hits["heading_path"].map(
        lambda path: " > ".join(path) if isinstance(path, list) else ""
    )
    hits["text"] = hits["text"].map(lambda text: text[:120])
    hits["kind"] = _kind_labels(hits["kind"])
    hits["flags"] = hits["flags"].map(lambda flags: "；".join(flags) if isinstance(flags, list) else "")
    hits = hits.round(3)
    hits.columns = HIT_LABELS
    corrected = f"（纠正错别字后：{result['corrected_question']}）" if result["corrected_question"] else ""
    details = f"改写后的问题：{result['standalone_question']}{corrected}\n过滤条件：{_filters_text(result['filters'])}\n被核对删除的句子：{result['removed_sentences']}\n"
    details += "\n".join(f"[{e['number']}] {e['text']}" for e in result["evidence"])
    prompt = (
        "\n\n".join(f"【{ROLE_LABELS.get(m['role'], m['role'])}】\n{m['content']}" for m in result["prompt"])
        or "（未调用大模型：官方问答原文、摘录或拒答）"
    )
    candidates, judgement = _judgement(result["answerability"])
    return _answer_markdown(result["answer"]), hits, candidates, judgement, details, prompt


def upload(api: ApiClient, files: list[str] | None, sensitivity: str = DEFAULT_LEVEL) -> pd.DataFrame:
    if not files:
        raise gr.Error("请选择文件")
    handles = [("files", (Path(path).name, Path(path).read_bytes())) for path in files]
    form = {"sensitivity": sensitivity} if sensitivity != DEFAULT_LEVEL else {}
    report = api.call("POST", "/v1/admin/documents", files=handles, data=form)
    frame = pd.DataFrame(report["files"])
    frame["flagged"] = frame["flagged"].map("\n".join)
    return frame.rename(
        columns={
            "file": "文件",
            "status": "结果",
            "documents": "文档数",
            "chunks": "新分段",
            "reason": "原因",
            "flagged": "安全提示（这些段落不会用于回答）",
        }
    )


def browse(api: ApiClient, kind: str) -> pd.DataFrame:
    params = {"kind": kind} if kind != "all" else {}
    documents = api.call("GET", "/v1/admin/documents", params=params)["documents"]
    frame = pd.DataFrame(documents, columns=DOCUMENT_COLUMNS)
    frame["kind"] = _kind_labels(frame["kind"])
    return frame.rename(columns=dict(zip(DOCUMENT_COLUMNS, DOCUMENT_LABELS, strict=True)))


def classify(api: ApiClient, doc_ids: str, sensitivity: str) -> str:
    """Set the level of the documents whose ids are listed (one per line, or comma separated)."""
    ids = [
        part.strip() for part in doc_ids.replace(",", "\n").replace("，", "\n").splitlines() if part.strip()
    ]
    if not ids:
        raise gr.Error("请填写文档 ID（见文档列表）")
    if sensitivity not in LEVELS:
        raise gr.Error("请选择密级")
    result = api.call(
        "POST", "/v1/admin/documents/classify", json={"doc_ids": ids, "sensitivity": sensitivity}
    )
    missing = f"；不存在：{'、'.join(result['missing'])}" if result["missing"] else ""
    return f"已将 {len(result['changed'])} 篇文档设为{sensitivity}{missing}"


def evaluate(api: ApiClient) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = api.call("POST", "/v1/admin/evaluate")["rows"]
    table = pd.DataFrame(rows).round(3)
    table["kind"] = _kind_labels(table["kind"])
    table = table.rename(columns=METRIC_LABELS)
    metrics = [METRIC_LABELS[name] for name in ("hit@5", "answered", "keywords", "refused")]
    chart = table.melt(
        id_vars=[METRIC_LABELS["kind"]], value_vars=metrics, var_name="指标", value_name="数值"
    ).dropna()
    chart["类别"] = (
        chart[METRIC_LABELS["kind"]] + " · " + chart["指标"]
    )  # one bar per kind and metric, side by side
    return table, chart


def run_call(api: ApiClient, recording: str | None) -> tuple[str, str, pd.DataFrame, pd.DataFrame]:
    """A recorded call through the agent panel's path: transcript by speaker, reply, suggestions,
    and the ticket draft with the evidence for each field."""
    if not recording:
        raise gr.Error("请选择通话录音")
    path = Path(recording)
    result = api.call("POST", "/v1/hotline/transcribe", files=[("file", (path.name, path.read_bytes()))])
    lines = [
        f"[{s['start']:.1f}s] {s['speaker'] or ''}{'：' if s['speaker'] else ''}{s['text']}"
        for s in result["segments"]
    ]
    transcript = f"时长 {result['duration']:.1f} 秒\n" + "\n".join(lines)
    assist = result["assist"]
    knowledge = pd.DataFrame(assist["knowledge"], columns=list(KNOWLEDGE_LABELS)).round(3)
    knowledge["kind"] = _kind_labels(knowledge["kind"])
    knowledge = knowledge.rename(columns=KNOWLEDGE_LABELS)
    draft = pd.DataFrame(
        [(f["label"], f["value"], f["evidence"]) for f in assist["draft_fields"] if f["value"]],
        columns=["字段", "内容", "依据"],
    )
    return transcript, assist["reply"], knowledge, draft


def hot_issues(api: ApiClient, hours: float, min_size: float) -> tuple[pd.DataFrame, str]:
    """The recent hot issues: one row per group, and the example calls of each."""
    result = api.call(
        "GET", "/v1/hotline/hot-issues", params={"hours": int(hours), "min_size": int(min_size)}
    )
    rows = [
        (
            i["place"],
            i["problem"] or "（未细分）",
            i["category"],
            i["size"],
            i["trend"],
            " ".join(map(str, i["hourly"])),
            i["first_at"][11:16],
            i["last_at"][11:16],
        )
        for i in result["issues"]
    ]
    table = pd.DataFrame(
        rows, columns=["地点", "问题", "分类", "工单数", "趋势", "每小时来电", "首次", "最近"]
    )
    examples = "\n\n".join(
        f"{i['place']} · {i['problem'] or i['category']}（{i['category']}，{i['size']} 条）\n"
        f"  为何同组：{i['why']}\n"
        f"  来电人说法：{'、'.join(i['named_as'])}\n"
        + "\n".join(f"  工单 {e['ticket_id']}：{e['text']}" for e in i["examples"])
        for i in result["issues"]
    )
    return table, examples or f"最近 {int(hours)} 小时没有 {int(min_size)} 条以上的同类工单"


def policy_items(api: ApiClient) -> gr.Dropdown:
    items = api.call("GET", "/v1/policy-matching/items")["items"]
    return gr.Dropdown(choices=[(f"{i['title']}（{i['item_id']}）", i["item_id"]) for i in items], value=None)


def policy_item(api: ApiClient, item_id: str | None, as_of: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """An item's conditions (editable) and the enterprises it applies to, with what to confirm."""
    if not item_id:
        raise gr.Error("请选择政策事项")
    item = api.call("GET", f"/v1/policy-matching/items/{item_id}")
    conditions = pd.DataFrame(item["conditions"], columns=list(CONDITION_LABELS))
    conditions["value"] = conditions["value"].map(
        lambda v: "、".join(map(str, v)) if isinstance(v, list) else v
    )
    params = {"as_of": as_of} if as_of.strip() else {}
    found = api.call("GET", f"/v1/policy-matching/items/{item_id}/enterprises", params=params)
    enterprises = pd.DataFrame(found["enterprises"], columns=list(ENTERPRISE_LABELS)).rename(
        columns=ENTERPRISE_LABELS
    )
    summary = f"适用企业 {found['total']} 家，其中条件全部符合 {found['met']} 家；推送名单可在 /v1/policy-matching/items/{item_id}/push-list.csv 下载"
    return conditions.rename(columns=CONDITION_LABELS), enterprises, summary


def review_item(api: ApiClient, item_id: str | None, conditions: pd.DataFrame) -> str:
    """Staff corrections to the extracted conditions; they are kept over later re-extraction."""
    if not item_id:
        raise gr.Error("请选择政策事项")
    rows = []
    columns = {label: name for name, label in CONDITION_LABELS.items()}
    for row in conditions.rename(columns=columns).fillna("").to_dict("records"):
        value: object = row["value"]
        if isinstance(value, str) and "、" in value:
            value = value.split("、")
        rows.append(
            {"kind": row["kind"], "operator": row["operator"], "value": value, "sentence": row["sentence"]}
        )
    item = api.call("PUT", f"/v1/policy-matching/items/{item_id}/conditions", json={"conditions": rows})
    return f"已保存 {len(item['conditions'])} 个条件（人工审核，重新抽取时保留）"


def build(api: ApiClient, city: str) -> gr.Blocks:
    """The console for the deployment of ``city`` (``deployment.city``)."""
    console = gr.Blocks(title=f"{city}政务助手 · 工作人员控制台")
    with console:
        gr.Markdown(f"## {city}政务助手 · 工作人员控制台")
        with gr.Tab("问答调试"):
            question = gr.Textbox(label="问题", placeholder="如：办理居住证需要哪些材料？")
            with gr.Row():
                kinds = gr.CheckboxGroup(KIND_CHOICES, label="只检索这些类型（不选为全部）")
                expired = gr.Checkbox(label="包括已失效政策")
            ask = gr.Button("提问并查看检索过程", variant="primary")
            answer = gr.Markdown(label="回答")
            hits = gr.Dataframe(label="检索到的片段与各路得分", wrap=True)
            candidates = gr.Dataframe(label="可答性判断：每个候选片段的特征与可答概率", wrap=True)
            judgement = gr.Textbox(label="可答性判断的阈值、权重与问题要点", lines=4)
            details = gr.Textbox(label="改写、过滤与证据句", lines=6)
            prompt = gr.Textbox(label="发给大模型的提示词", lines=8)
            ask.click(
                lambda q, k, e: inspect(api, q, k, e),
                [question, kinds, expired],
                [answer, hits, candidates, judgement, details, prompt],
            )
        with gr.Tab("文档管理"):
            files = gr.File(
                label="上传文档（PDF、DOCX、HTML、Markdown、TXT、CSV/XLSX 问答表、JSONL）",
                file_count="multiple",
                type="filepath",
            )
            level = gr.Radio(
                [DEFAULT_LEVEL, *LEVELS],
                value=DEFAULT_LEVEL,
                label="密级（公开：市民可见；内部：坐席与工作人员；敏感：仅本部门）",
            )
            report = gr.Dataframe(label="导入结果")
            gr.Button("导入", variant="primary").click(
                lambda f, s: upload(api, f, s), [files, level], [report]
            )
            kind = gr.Dropdown([("全部", "all"), *KIND_CHOICES], value="all", label="类型")
            documents = gr.Dataframe(label="知识库文档")
            gr.Button("刷新列表").click(lambda k: browse(api, k), [kind], [documents])
            with gr.Row():
                targets = gr.Textbox(label="要更改密级的文档 ID（每行一个）", lines=2)
                new_level = gr.Radio(LEVELS, label="新密级")
            changed = gr.Markdown()
            gr.Button("更改密级").click(lambda d, s: classify(api, d, s), [targets, new_level], [changed])
        with gr.Tab("通话试听"):
            recording = gr.Audio(
                label="通话录音（双声道录音会区分来电人与坐席）", type="filepath", sources=["upload"]
            )
            transcribe = gr.Button("转写并分析", variant="primary")
            transcript = gr.Textbox(label="通话转写", lines=8)
            reply = gr.Textbox(label="建议答复（依据知识库，带来源）", lines=4)
            knowledge = gr.Dataframe(label="推荐的政策与问答", wrap=True)
            draft = gr.Dataframe(label="工单草稿（每项的依据）", wrap=True)
            transcribe.click(lambda r: run_call(api, r), [recording], [transcript, reply, knowledge, draft])
        with gr.Tab("热点发现"):
            with gr.Row():
                hours = gr.Number(24, label="最近多少小时", precision=0, minimum=1)
                min_size = gr.Number(3, label="至少多少条工单", precision=0, minimum=2)
            find = gr.Button("查找热点", variant="primary")
            issues = gr.Dataframe(
                label="同一地点、同一问题、时间相近的工单组（每小时来电：最早到最近）", wrap=True
            )
            examples = gr.Textbox(label="各组为何同组与来电示例（已脱敏）", lines=10)
            find.click(lambda h, m: hot_issues(api, h, m), [hours, min_size], [issues, examples])
        with gr.Tab("政策匹配"):
            with gr.Row():
                item = gr.Dropdown(label="政策事项", choices=[])
                as_of = gr.Textbox(label="按日期判断（YYYY-MM-DD，留空为今天）")
            with gr.Row():
                gr.Button("刷新事项列表").click(lambda: policy_items(api), None, [item])
                show = gr.Button("查看条件与适用企业", variant="primary")
            conditions = gr.Dataframe(label="抽取的条件（可直接修改后保存）", interactive=True, wrap=True)
            save = gr.Button("保存审核后的条件")
            saved = gr.Markdown()
            summary = gr.Markdown()
            enterprises = gr.Dataframe(label="适用企业（政策找企业）", wrap=True)
            show.click(lambda i, d: policy_item(api, i, d), [item, as_of], [conditions, enterprises, summary])
            save.click(lambda i, c: review_item(api, i, c), [item, conditions], [saved])
        with gr.Tab("好差评"):
            ratings.build_tab(api)
        with gr.Tab("评测"):
            run = gr.Button("运行示例问题集", variant="primary")
            table = gr.Dataframe(label="指标")
            chart = gr.BarPlot(
                x="类别",
                y="数值",
                color="指标",
                label="各类问题的指标",
                y_lim=[0, 1],
                x_label_angle=-30,
                sort=None,
            )
            run.click(lambda: evaluate(api), None, [table, chart])
    return console
