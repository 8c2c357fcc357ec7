"""The hotline copilot over HTTP and WebSocket, with the real Whisper model on a real clip:
transcribe a recording, stream a live call, get knowledge-base suggestions, confirm tickets."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.api.app import create_app
from assistant.api.security import create_api_key
from assistant.config import Settings
from assistant.errors import ConfigurationError
from assistant.speech.audio import decode_audio
from assistant.speech.telephone import to_pcm16, wav_bytes
from assistant.wiring import Services
from ingest.pipeline import ingest_paths
from tests.conftest import DEMO_KB

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    settings = Settings(
        _env_file=None, data_dir=tmp_path_factory.mktemp("hotline"), llm={"backend": "extractive"}
    )
    app = create_app(settings)
    services = app.state.services
    ingest_paths([DEMO_KB], services.knowledge_base, settings.ingest)
    key = create_api_key(services.database, "agent", "坐席王")
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {key}"}, key


@pytest.fixture
def clip(shared_data) -> np.ndarray:
    path = shared_data / "asr_zh" / "real" / "funasr_asr_example.wav"
    return decode_audio(path, max_seconds=60, max_bytes=10**8).channels[0]


def test_recording_is_transcribed_with_speakers_and_suggestions(env, clip):
    client, headers, _ = env
    stereo = [clip, np.zeros_like(clip)]  # the caller on the left channel, a silent agent
    files = {"file": ("call.wav", wav_bytes(stereo, 16000), "audio/wav")}
    reply = client.post("/v1/hotline/transcribe", files=files, headers=headers).json()
    assert "识别模型" in reply["text"]
    assert {segment["speaker"] for segment in reply["segments"]} == {"来电人"}
    assert {"knowledge", "reply", "reply_status", "citations"} <= set(reply["assist"])


def test_bad_recordings_get_a_clear_error(env):
    client, headers, _ = env
    response = client.post(
        "/v1/hotline/transcribe", files={"file": ("x.wav", b"RIFF0000garbage", "audio/wav")}, headers=headers
    )
    assert response.status_code == 400 and response.json()["error"]["message"]
    assert (
        client.post("/v1/hotline/transcribe", files={"file": ("x.wav", b"", "audio/wav")}).status_code == 401
    )


def test_live_call_streams_partial_and_final_segments(env, clip):
    client, _, key = env
    pcm = to_pcm16(clip).tobytes()
    finals = []
    with client.websocket_connect(
        "/v1/hotline/live?sample_rate=16000", subprotocols=["govassist", f"bearer.{key}"]
    ) as socket:
        for start in range(0, len(pcm), 6400):  # 0.2 s chunks
            socket.send_bytes(pcm[start : start + 6400])
        socket.send_text("end")
        while (event := socket.receive_json())["type"] != "done":
            assert event["type"] in ("partial", "final", "revision")
            if event["type"] == "final":
                finals.append(event["text"])
    assert "识别模型" in "".join(finals)


def test_live_call_sends_the_revision_of_lines_closed_at_short_pauses(env, shared_data):
    """A speaker going on after short pauses: the finals, then one revision naming the lines it replaces."""
    client, _, key = env
    path = shared_data / "asr_zh" / "noref" / "funasr_cs_1.wav"
    audio = decode_audio(path, max_seconds=60, max_bytes=10**8).channels[0]
    pcm = to_pcm16(np.concatenate([audio, np.zeros(32000, np.float32)])).tobytes()
    events = []
    with client.websocket_connect(
        "/v1/hotline/live?sample_rate=16000", subprotocols=["govassist", f"bearer.{key}"]
    ) as socket:
        for start in range(0, len(pcm), 6400):
            socket.send_bytes(pcm[start : start + 6400])
        socket.send_text("end")
        while (event := socket.receive_json())["type"] != "done":
            events.append(event)
    finals = [event["utterance"] for event in events if event["type"] == "final" and event["text"]]
    revisions = [event for event in events if event["type"] == "revision"]
    assert len(finals) >= 3 and len(revisions) == 1
    assert (
        revisions[0]["utterance"] in finals
        and revisions[0]["utterance"] < revisions[0]["through"] == finals[-1]
    )
    assert events.index(revisions[0]) > max(i for i, event in enumerate(events) if event["type"] == "final")
    assert revisions[0]["text"] and revisions[0]["end"] > revisions[0]["start"]
    assert all("through" not in event for event in events if event["type"] != "revision")


def test_live_call_needs_an_agent_key(env):
    client, _, _ = env
    wrong = ["govassist", "bearer.gva_wrong"]
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/v1/hotline/live", subprotocols=wrong) as socket,
    ):
        socket.receive_json()
    assert closed.value.code == 4401


def test_suggestions_find_the_knowledge_and_a_grounded_reply(env):
    client, headers, _ = env
    reply = client.post(
        "/v1/hotline/assist",
        json={"transcript": "你好，我想问一下办理居住证需要提交哪些材料？"},
        headers=headers,
    ).json()
    assert any("居住证" in item["title"] for item in reply["knowledge"])
    assert reply["reply_status"] == "answered" and reply["citations"]
    nothing = client.post(
        "/v1/hotline/assist", json={"transcript": "火星基地的通行证怎么申请"}, headers=headers
    ).json()
    assert nothing["reply_status"] != "answered" and "没有" in nothing["reply"]


LONG_CALL = (
    "喂，你好，是12345吗？我姓李，今年刚从外地调到示例市来上班，住在高新区那边，租的房子。单位的人事跟我说要办个"
    "居住证，孩子上学也要用。我想问一下办理居住证需要带哪些材料，在哪里办，要多长时间？我电话是13912345678。"
)


@pytest.mark.parametrize(
    "transcript",
    [
        "喂，你好，我住在示例市东城区幸福路88号锦绣花园，旁边工地每天晚上十二点还在打桩，吵得老人孩子都睡不着，希望你们赶紧管一管。",
        "你好，我们小区门口的路灯坏了一整排，晚上走路特别黑，麻烦派人修一下。",
        "你好，我们楼道里燃气味特别大，好像是漏气了，家里还有老人。",
    ],
)
def test_a_call_the_knowledge_base_does_not_cover_gets_no_unrelated_suggestions(env, transcript):
    client, headers, _ = env
    reply = client.post("/v1/hotline/assist", json={"transcript": transcript}, headers=headers).json()
    assert reply["knowledge"] == [] and reply["reply_status"] != "answered"
    assert reply["draft"]["department"]  # the ticket is still drafted


def test_a_long_rambling_call_still_gets_the_suggestions_it_needs(env):
    client, headers, _ = env
    titles = [
        k["title"]
        for k in client.post("/v1/hotline/assist", json={"transcript": LONG_CALL}, headers=headers).json()[
            "knowledge"
        ]
    ]
    assert titles and all("居住" in title for title in titles)


def test_confirmed_tickets_keep_corrections_and_export_masked(env):
    client, headers, _ = env
    draft = {"request": "噪音扰民", "department": "示例市生态环境局", "callback_number": "13812345678"}
    confirmed = {**draft, "department": "东城区城市管理局", "caller_name": "李女士"}
    body = {
        "draft": draft,
        "fields": confirmed,
        "transcript": "我是李女士，电话13812345678，楼下工地夜里施工太吵",
    }
    reply = client.post("/v1/hotline/tickets", json=body, headers=headers)
    assert reply.status_code == 201
    assert reply.json()["corrections"]["department"] == ["示例市生态环境局", "东城区城市管理局"]
    tickets = client.get("/v1/hotline/tickets", headers=headers).json()["tickets"]
    assert (
        tickets[-1]["callback_number"] == "138****5678" and tickets[-1]["caller_name"] == "李**"
    )  # listings mask
    assert "13812345678" not in tickets[-1]["transcript"]  # the stored transcript is masked
    exported = client.get("/v1/hotline/tickets", params={"format": "csv"}, headers=headers).text
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0][:5] == ["工单编号", "创建时间", "坐席", "来电人", "联系电话"] and rows[-1][3:5] == [
        "李**",
        "138****5678",
    ]
    assert client.get("/v1/hotline/tickets").status_code == 401
    empty = client.post("/v1/hotline/tickets", json={"fields": {"caller_name": "张"}}, headers=headers)
    assert empty.status_code == 400 and "事项" in empty.json()["error"]["message"]


def _admin_audit(client) -> list[dict]:
    admin = create_api_key(client.app.state.services.database, "admin", "审计员")
    lines = client.get("/v1/admin/audit", headers={"Authorization": f"Bearer {admin}"}).text.splitlines()
    return [json.loads(line) for line in lines]


def test_only_the_confirming_agent_sees_the_caller_unmasked_and_every_reveal_is_audited(env):
    client, headers, _ = env
    fields = {
        "caller_name": "赵先生",
        "callback_number": "13912345678",
        "address": "示例市东城区解放路18号",
        "request": "路灯不亮",
    }
    ticket = client.post("/v1/hotline/tickets", json={"fields": fields}, headers=headers).json()["id"]
    caller = client.get(f"/v1/hotline/tickets/{ticket}/caller", headers=headers)
    assert caller.status_code == 200 and caller.json() == {
        key: fields[key] for key in ("caller_name", "callback_number", "address")
    }
    other = create_api_key(client.app.state.services.database, "agent", "坐席李")
    refused = client.get(f"/v1/hotline/tickets/{ticket}/caller", headers={"Authorization": f"Bearer {other}"})
    assert refused.status_code == 403 and "13912345678" not in refused.text
    assert client.get("/v1/hotline/tickets/999999/caller", headers=headers).status_code == 404
    events = _admin_audit(client)
    reveals = [
        (e["actor"], e["action"])
        for e in events
        if e["action"].startswith("ticket.reveal") and f"工单 {ticket}" in e["detail"]
    ]
    assert reveals == [("坐席王", "ticket.reveal"), ("坐席李", "ticket.reveal_refused")]
    assert not any("13912345678" in e["detail"] or "赵先生" in e["detail"] for e in events)


def test_ticket_values_other_than_the_caller_fields_are_stored_masked(env):
    client, headers, _ = env
    services = client.app.state.services
    draft = {"request": "退还押金，身份证１１０１０５１９４９１２３１００２Ｘ"}
    fields = {
        "request": "退还押金到卡6222\u200b021234567890128，身份证11010519491231002X",
        "callback_number": "13712345678",
    }
    ticket = client.post(
        "/v1/hotline/tickets", json={"draft": draft, "fields": fields}, headers=headers
    ).json()["id"]
    with services.database.engine.connect() as connection:
        stored = connection.exec_driver_sql(
            f"SELECT fields, draft, corrections FROM tickets WHERE id = {ticket}"
        ).one()
    text = "".join(stored)
    assert not any(number in text for number in ("6222021234567890128", "11010519491231002X", "19491231"))
    assert (
        "13712345678" in stored[0] and "13712345678" not in stored[2]
    )  # the caller field itself, for the call back only


def test_anonymised_ticket_exports_give_one_caller_one_pseudonym_and_are_audited(env):
    client, headers, _ = env
    for request in ("噪音扰民", "又来投诉噪音"):
        fields = {"caller_name": "周女士", "callback_number": "13612345678", "request": request}
        transcript = "我是周女士，电话13612345678，家住示例市东城区和平路9号"
        client.post("/v1/hotline/tickets", json={"fields": fields, "transcript": transcript}, headers=headers)
    tickets = client.get("/v1/hotline/tickets", params={"anonymise": "true"}, headers=headers).json()[
        "tickets"
    ]
    repeat = [t for t in tickets if "噪音" in t["request"] and t["caller_name"].startswith("来电人")][-2:]
    assert len(repeat) == 2 and repeat[0]["caller_name"] == repeat[1]["caller_name"]
    assert repeat[0]["callback_number"] == repeat[1]["callback_number"] and repeat[0][
        "callback_number"
    ].startswith("电话")
    exported = str(tickets)
    assert (
        "周女士" not in exported
        and "13612345678" not in exported
        and "5678" not in exported
        and "和平路" not in exported
    )
    again = client.get("/v1/hotline/tickets", params={"anonymise": "true"}, headers=headers).json()["tickets"]
    assert again[-1]["caller_name"] != repeat[1]["caller_name"]  # a new export, new pseudonyms
    assert [e["detail"] for e in _admin_audit(client) if e["action"] == "tickets.export"][-1].endswith("条")


def test_suggestions_come_with_a_ticket_draft_from_the_call(env):
    client, headers, _ = env
    call = "您好，我是王女士，电话13812345678，我家住在东城区解放路18号，楼下工地晚上十一点还在施工，希望你们尽快处理。"
    reply = client.post("/v1/hotline/assist", json={"transcript": call}, headers=headers).json()
    draft = reply["draft"]
    assert draft["caller_name"] == "王女士" and draft["callback_number"] == "13812345678"
    assert draft["department"] == "示例市城市管理综合执法局" and draft["request_type"] == "投诉求助"
    assert reply["triage"]["fields"] and reply["triage"]["predictions"]["department"]["reason"]
    shown = {f["name"]: f for f in reply["draft_fields"]}
    assert shown["callback_number"]["label"] == "联系电话"
    assert shown["callback_number"]["evidence"] == "原文：…我是王女士，电话「13812345678」，我家住在东城区…"
    assert (
        shown["department"]["evidence"].startswith("置信度 ") and "依据：" in shown["department"]["evidence"]
    )
    assert reply["triage"]["departments"][0]["department"] == draft["department"]
    assert "职责：" + reply["triage"]["departments"][0]["duty"] in shown["department"]["evidence"]
    assert shown["event_time"]["value"] and shown["event_time"]["evidence"].startswith("原文：")
    assert shown["caller_name"]["evidence"].startswith(
        "原文：您好，我是「王女士」"
    )  # no ellipsis at the start


def test_the_panel_is_offered_the_categories_of_the_taxonomy(env):
    client, headers, _ = env
    categories = client.get("/v1/hotline/taxonomy", headers=headers).json()["categories"]
    assert "城市管理/噪声扰民" in categories and categories == sorted(categories)
    assert client.get("/v1/hotline/taxonomy").status_code == 401


def test_a_deployment_points_at_its_own_taxonomy(tmp_path, shared_data):
    real = shared_data / "tipdm2020_smart_gov" / "taxonomy.jsonl"
    services = Services(Settings(_env_file=None, data_dir=tmp_path, hotline={"taxonomy": real}))
    labels = services.call_triage.taxonomy.labels()
    assert "城乡建设/安全生产" in labels and "城乡建设/安全生产/安全隐患" in labels
    missing = Services(
        Settings(_env_file=None, data_dir=tmp_path, hotline={"taxonomy": tmp_path / "none.jsonl"})
    )
    with pytest.raises(ConfigurationError, match="GOVASSIST_HOTLINE__TAXONOMY"):
        missing.call_triage.taxonomy  # noqa: B018  (the property reads the file)
