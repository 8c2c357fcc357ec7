"""The access contract, on every index implementation and every database: a public caller never
receives a chunk, a title, a citation or a suggestion from a 内部 or 敏感 document, whatever it
asks (the document's exact title, a sentence quoted from it, its topic); an agent reads 内部
documents and the 敏感 documents of its own department, and not another department's.

Everything runs through the HTTP API as a caller would reach it: search, chat (whole and
streamed), the suggestions, the hotline copilot and the retrieval inspector. Whatever a response
holds is checked as text, so a leak through any field (a title in metadata, a doc id, a quoted
sentence) fails the test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.database import Base
from assistant.hotline.tickets import TicketFields
from assistant.wiring import build_database
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration

INTERNAL = {
    "file": "居住证窗口内部口径.md",
    "meta": {"sensitivity": "内部", "owner_department": "示例市公安局"},
    "title": "示例市居住证申领窗口内部办理口径",
    "topic": ["居住证材料不全窗口怎么处理？", "住院了不能到场怎么办居住证？"],
    "sentences": [
        "申请人缺少居住登记证明的，窗口先行收件并出具补正告知单，申请人在十个工作日内补交即可，不得要求申请人重新排队。",
        "申请人因住院无法到场的，可由社区网格员代为提交申请，窗口在系统中备注代办字样并登记代办人联系方式。",
        "遇系统故障时，窗口人员拨打内部值班电话0000-7731报修，该号码不对外公布。",
    ],
}
RESTRICTED = {
    "file": "稳岗返还审核要点.md",
    "meta": {"sensitivity": "敏感", "owner_department": "示例市人社局"},
    "title": "示例市稳岗返还资金拨付审核要点（征求意见稿）",
    "topic": ["稳岗返还资金多久拨付？", "稳岗返还会不会被暂缓拨付？"],
    "sentences": [
        "参保人数在五十人以下的企业申请稳岗返还的，经办科室在拨付前复核其社保缴费记录，复核通过后三个工作日内拨付资金。",
        "同一法定代表人名下多家企业同时申请稳岗返还的，列入重点核查名单，暂缓拨付并报科室负责人审批。",
        "本要点尚在征求意见，经办人员不得对外解释或引用。",
    ],
}
CLASSIFIED = (INTERNAL, RESTRICTED)


def _write(folder: Path, document: dict) -> Path:
    path = folder / document["file"]
    body = "\n\n".join(
        f"## {'一二三'[n]}、\n\n{sentence}" for n, sentence in enumerate(document["sentences"])
    )
    path.write_text(f"# {document['title']}\n\n{body}\n", encoding="utf-8")
    (folder / f"{document['file']}.meta.json").write_text(
        json.dumps(document["meta"], ensure_ascii=False), encoding="utf-8"
    )
    return path


def _questions(document: dict) -> list[str]:
    """What an outsider would try: the exact title, each sentence quoted, and plain questions on the topic."""
    return [
        document["title"],
        *document["sentences"],
        *[f"“{s[:30]}”是什么意思" for s in document["sentences"]],
        *document["topic"],
    ]


def _markers(document: dict) -> list[str]:
    """Text that only this document holds: its title, file name, doc id, and a stretch of every sentence."""
    return [
        document["title"],
        document["file"],
        document["doc_id"],
        *[s[4:24] for s in document["sentences"]],
    ]


@pytest.fixture(
    scope="module",
    params=["edge/sqlite", "edge/postgresql", "qdrant-client/sqlite", "qdrant-client/postgresql"],
)
def deployment(request, tmp_path_factory):
    index, database = request.param.split("/")
    data_dir = tmp_path_factory.mktemp("access")
    options: dict = {"llm": {"backend": "extractive"}, "api": {"public_rate_per_minute": 100000}}
    if index == "qdrant-client":
        options["qdrant"] = {"url": ":memory:"}
    if database == "postgresql":
        url = os.environ.get("GOVASSIST_TEST_POSTGRES_URL")
        if not url:
            pytest.skip("GOVASSIST_TEST_POSTGRES_URL is not set (run the tests through `make test`)")
        options["database"] = {"url": url}
    settings = Settings(_env_file=None, data_dir=data_dir / "data", **options)
    if database == "postgresql":
        clean = build_database(settings)
        Base.metadata.drop_all(clean.engine)  # a clean schema for every deployment
        clean.close()
    app = create_app(settings)
    services = app.state.services
    classified = data_dir / "classified"
    classified.mkdir()
    paths = [_write(classified, document) for document in CLASSIFIED]
    report = ingest_paths([DEMO_KB / "guides", *paths], services.knowledge_base, settings.ingest)
    assert not report.failed
    titles = {entry.title: doc_id for doc_id, entry in services.knowledge_base.manifest().documents.items()}
    for document in CLASSIFIED:
        document["doc_id"] = titles[document["title"]]  # this deployment's id (whatever the id scheme)
    keys = {
        "agent_police": create_api_key(services.database, "agent", "坐席甲", "示例市公安局"),
        "agent_labour": create_api_key(services.database, "agent", "坐席乙", "示例市人社局"),
        "admin_police": create_api_key(services.database, "admin", "管理员甲", "示例市公安局"),
        "admin_labour": create_api_key(services.database, "admin", "管理员乙", "示例市人社局"),
        "admin": create_api_key(services.database, "admin", "管理员"),
    }
    with TestClient(app) as client:
        yield client, {name: {"Authorization": f"Bearer {key}"} for name, key in keys.items()}


def _seen(client: TestClient, question: str, headers: dict[str, str] | None = None) -> str:
    """Everything the caller receives for one question from every reading route open to it, less
    the echo of its own question (the search's ``query``/``terms``, the copilot's ticket draft)."""
    headers = headers or {}
    search = client.post(
        "/v1/search", json={"query": question, "top_k": 20, "include_expired": True}, headers=headers
    )
    chat = client.post("/v1/chat", json={"question": question}, headers=headers)
    stream = client.post("/v1/chat", json={"question": question, "stream": True}, headers=headers)
    for reply in (search, chat, stream):
        assert reply.status_code == 200, reply.text
    seen = [search.json()["hits"], chat.json(), stream.text]
    if headers:
        assist = client.post("/v1/hotline/assist", json={"transcript": question}, headers=headers).json()
        seen.append({key: assist[key] for key in ("knowledge", "reply", "citations")})
    return json.dumps(seen, ensure_ascii=False)


def _leaked(seen: str, document: dict) -> list[str]:
    return [marker for marker in _markers(document) if marker in seen]


@pytest.mark.parametrize("document", CLASSIFIED, ids=["内部", "敏感"])
def test_a_public_caller_never_receives_anything_of_a_classified_document(deployment, document):
    client, _ = deployment
    for question in _questions(document):
        seen = _seen(client, question)
        assert not _leaked(seen, document), f"{question!r} leaked {_leaked(seen, document)}"
    suggestions = json.dumps(client.get("/v1/suggestions").json(), ensure_ascii=False)
    assert not _leaked(suggestions, document)


def test_the_public_still_gets_public_documents(deployment):
    client, _ = deployment
    reply = client.post("/v1/chat", json={"question": "办理居住证需要哪些材料？"}).json()
    assert reply["status"] == "answered" and reply["citations"]


def _cited(client: TestClient, question: str, headers: dict[str, str]) -> tuple[set[str], set[str]]:
    """The titles an agent's search hits and chat citations come from."""
    hits = client.post("/v1/search", json={"query": question, "top_k": 10}, headers=headers).json()["hits"]
    chat = client.post("/v1/chat", json={"question": question}, headers=headers).json()
    return {hit["title"] for hit in hits}, {citation["title"] for citation in chat["citations"]}


def test_an_agent_reads_internal_documents_whatever_its_department(deployment):
    client, keys = deployment
    for agent in ("agent_police", "agent_labour"):
        found, cited = _cited(client, INTERNAL["title"], keys[agent])
        assert INTERNAL["title"] in found and INTERNAL["title"] in cited, agent


def test_a_restricted_document_reaches_its_own_department_only(deployment):
    client, keys = deployment
    found, cited = _cited(client, RESTRICTED["title"], keys["agent_labour"])
    assert RESTRICTED["title"] in found and RESTRICTED["title"] in cited
    assist = client.post(
        "/v1/hotline/assist", json={"transcript": "稳岗返还资金多久拨付？"}, headers=keys["agent_labour"]
    ).json()
    levels = {item["title"]: item["sensitivity"] for item in assist["knowledge"]}
    assert levels[RESTRICTED["title"]] == "敏感"  # marked, so the agent does not read it out
    for outsider in ("agent_police", "admin_police"):
        for question in _questions(RESTRICTED):
            seen = _seen(client, question, keys[outsider])
            assert not _leaked(seen, RESTRICTED), (
                f"{outsider} {question!r} leaked {_leaked(seen, RESTRICTED)}"
            )


def test_the_inspector_and_the_document_list_keep_to_the_admins_access(deployment):
    client, keys = deployment
    for question in _questions(RESTRICTED):
        inspected = client.post(
            "/v1/admin/inspect", json={"question": question}, headers=keys["admin_police"]
        ).json()
        inspected["answer"].pop("question")  # the question as asked
        shown = [inspected[key] for key in ("answer", "hits", "evidence")] + [
            inspected["answerability"]["candidates"]
        ]
        assert not _leaked(json.dumps(shown, ensure_ascii=False), RESTRICTED), question
    listed = client.get("/v1/admin/documents", headers=keys["admin_police"]).json()["documents"]
    levels = {document["title"]: (document["sensitivity"], document["manageable"]) for document in listed}
    assert RESTRICTED["title"] not in levels
    assert levels[INTERNAL["title"]] == ("内部", True)  # its own department's document
    assert {level for level, _ in levels.values()} == {"公开", "内部"}


def test_exports_keep_to_the_department_of_the_caller(deployment):
    """An answer quoting a department's 敏感 document is stored with the conversation: another
    department's admin does not export it; tickets are exported by their handling department."""
    client, keys = deployment
    assert (
        client.post("/v1/chat", json={"question": "办理居住证需要哪些材料？"}).json()["status"] == "answered"
    )
    reply = client.post(
        "/v1/chat", json={"question": RESTRICTED["title"]}, headers=keys["agent_labour"]
    ).json()
    assert RESTRICTED["doc_id"] in [citation["doc_id"] for citation in reply["citations"]]

    quoted = reply["answer"][:20]  # (outsiders' own questions quoting the document are theirs to see)

    def answers_citing(who: str) -> list[str]:
        response = client.get("/v1/admin/conversations", headers=keys[who])
        assert response.status_code == 200, response.text
        turns = response.json()["turns"]
        assert any(turn["status"] == "answered" for turn in turns)  # public turns stay
        return [
            turn["answer"]
            for turn in turns
            if RESTRICTED["doc_id"] in turn["citations"] or quoted in turn["answer"]
        ]

    for who in ("admin_labour", "admin"):
        assert answers_citing(who), who
    assert answers_citing("admin_police") == []

    rating = {"answer_id": reply["answer_id"], "session_id": reply["session_id"], "level": "不满意"}
    rated = client.post("/v1/ratings", json=rating, headers=keys["agent_labour"]).json()

    def follow_ups(who: str) -> set[int]:
        listed = client.get("/v1/admin/follow-ups", headers=keys[who])
        assert listed.status_code == 200, listed.text
        return {item["id"] for item in listed.json()["items"]}

    assert rated["follow_up_id"] in follow_ups("admin_labour") & follow_ups("admin")
    assert rated["follow_up_id"] not in follow_ups("admin_police")

    audit = client.get("/v1/admin/audit", headers=keys["admin_police"])
    assert audit.status_code == 403 and "全局管理员" in audit.text  # it names every department's documents
    assert client.get("/v1/admin/audit", headers=keys["admin"]).status_code == 200

    store = client.app.state.services.ticket_store
    for department, request in (("示例市公安局", "补办身份证"), ("示例市人社局", "社保卡挂失")):
        store.confirm(
            "坐席甲",
            TicketFields.from_mapping({}),
            TicketFields.from_mapping({"department": department, "request": request}),
            "",
        )
    police_tickets = client.get("/v1/hotline/tickets", headers=keys["agent_police"]).json()["tickets"]
    assert {ticket["department"] for ticket in police_tickets} == {"示例市公安局"}
    everyone = client.get("/v1/hotline/tickets", headers=keys["admin"]).json()["tickets"]
    assert {"示例市公安局", "示例市人社局"} <= {ticket["department"] for ticket in everyone}


def test_no_caller_receives_a_point_it_may_not_read_from_a_large_mixed_collection():
    """The bench's synthetic collection (every level, five owners) on both implementations."""
    from eval_sets import access as bench

    rows = bench.run(points=3000, client_points=300, queries=10, dimension=32)["rows"]
    assert {row["index"] for row in rows} == {"edge", "qdrant-client"} and len(rows) == 6
    assert all(row["leaked"] == 0 for row in rows)
    public = [row for row in rows if row["caller"] == "公众"]
    assert all(0 < row["readable"] < row["points"] for row in public)
