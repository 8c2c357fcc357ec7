"""The tamper-evident audit log and retention, for real, on SQLite and on PostgreSQL: rows edited
or deleted behind the application's back are named by ``audit verify``; concurrent threads and
processes keep one linear chain; a purge leaves a signed checkpoint the chain is verified from."""

from __future__ import annotations

import json
import multiprocessing
import stat
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from assistant.answering.conversations import ConversationRow, ConversationStore, Turn, TurnRow
from assistant.api.security import Principal, authenticate, create_api_key, revoke_key
from assistant.audit import AuditCheckpointRow, AuditEvent, AuditEventRow, AuditLog
from assistant.cli import app as cli_app
from assistant.config import get_settings
from assistant.database import Database
from assistant.errors import BadInput
from assistant.hotline.tickets import TicketFields, TicketRow, TicketStore
from assistant.ratings import FollowUpRow, RatingInput, RatingRow, RatingStore
from assistant.retention import audit_checkpoint_key, purge
from assistant.wiring import build_database, get_services
from tests.integration import test_database as on_both_databases

pytestmark = pytest.mark.integration
settings = on_both_databases.settings  # the same fixtures: SQLite, and PostgreSQL when it is available
database = on_both_databases.database
KEY = b"test-checkpoint-key"


def _write(database: Database, count: int, actor: str = "坐席甲") -> None:
    log = AuditLog(database)
    for number in range(count):
        log.record(AuditEvent(actor, "agent", "search", f"查询 {number}"))


def _sql(database: Database, statement: str) -> None:
    with database.engine.begin() as connection:
        connection.exec_driver_sql(statement)


def test_an_intact_chain_verifies_with_its_row_count(database):
    _write(database, 5)
    result = AuditLog(database).verify(KEY)
    assert result.ok and result.rows == 5 and result.head_seq == 5 and not result.problem


def test_an_edited_row_is_named(database):
    _write(database, 5)
    _sql(database, "UPDATE audit_events SET detail = '查询 改过' WHERE seq = 3")
    result = AuditLog(database).verify(KEY)
    assert not result.ok and result.seq == 3 and result.rows == 2 and "被修改" in result.problem


def test_a_rewritten_link_is_named(database):
    _write(database, 4)
    _sql(database, f"UPDATE audit_events SET prev_hash = '{'1' * 64}' WHERE seq = 2")
    result = AuditLog(database).verify(KEY)
    assert not result.ok and result.seq == 2 and "前一哈希" in result.problem


@pytest.mark.parametrize(("deleted", "named"), [("seq = 2", 2), ("seq IN (2, 3)", 2), ("seq = 5", 5)])
def test_a_deleted_row_is_detected_in_the_middle_and_at_the_end(database, deleted, named):
    _write(database, 5)
    _sql(database, f"DELETE FROM audit_events WHERE {deleted}")
    result = AuditLog(database).verify(KEY)
    assert not result.ok and result.seq == named and "被删除" in result.problem


def test_rows_written_around_the_audit_module_are_named(database):
    _write(database, 2)
    _sql(
        database,
        "INSERT INTO audit_events (at, actor, role, action, detail, sources, request_id, seq, prev_hash, hash) "
        "VALUES (CURRENT_TIMESTAMP, 'x', 'admin', 'forged', '', '[]', '', 0, '', '')",
    )
    result = AuditLog(database).verify(KEY)
    assert not result.ok and "不在链上" in result.problem


def test_rows_from_before_the_chain_are_sealed_at_the_upgrade(settings):
    legacy = Database(settings.database_url())  # the audit table as earlier versions made it
    key = "SERIAL" if legacy.engine.dialect.name == "postgresql" else "INTEGER"
    _sql(
        legacy,
        f"CREATE TABLE audit_events (id {key} PRIMARY KEY, at TIMESTAMP WITH TIME ZONE, actor VARCHAR(100), "
        "role VARCHAR(16), action VARCHAR(50), detail TEXT, sources TEXT, request_id VARCHAR(32))",
    )
    for number in range(3):
        _sql(
            legacy,
            "INSERT INTO audit_events (at, actor, role, action, detail, sources, request_id) "
            f"VALUES (CURRENT_TIMESTAMP, '旧', 'admin', 'old', '{number} 电话１３８１２３４５６７８', '[]', '')",
        )
    legacy.close()
    database = build_database(settings)  # adds the chain's columns and seals the old rows
    _write(database, 2)
    result = AuditLog(database).verify(KEY)
    details = [str(event["detail"]) for event in AuditLog(database).export()][:3]
    database.close()
    assert result.ok and result.rows == 5 and result.head_seq == 5
    assert all("138****5678" in detail for detail in details)  # masked again as they were sealed


def test_concurrent_threads_keep_one_linear_chain(database):
    threads = [threading.Thread(target=_write, args=(database, 15, f"坐席{n}")) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.session() as session:
        seqs = list(session.scalars(select(AuditEventRow.seq).order_by(AuditEventRow.seq)))
    assert seqs == list(range(1, 91)) and AuditLog(database).verify(KEY).ok


def test_key_changes_name_who_made_them(database):
    admin = Principal(role="admin", name="管理员甲", key_id=None)
    principal = authenticate(database, create_api_key(database, "agent", "坐席丙", "示例市人社局", by=admin))
    assert principal.department == "示例市人社局"
    assert revoke_key(database, principal.key_id, by=admin)
    events = [(e["actor"], e["action"], e["detail"]) for e in AuditLog(database).export()]
    holder = f"密钥 {principal.key_id}：坐席丙（agent，示例市人社局）"
    assert events == [("管理员甲", "keys.create", holder), ("管理员甲", "keys.revoke", holder)]


def _write_from_another_process(url: str) -> None:
    database = Database(url)
    _write(database, 20, "另一进程")
    database.close()


def test_concurrent_processes_keep_one_linear_chain(settings, database):
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no engine shared across a fork
    processes = [
        context.Process(target=_write_from_another_process, args=(settings.database_url(),)) for _ in range(3)
    ]
    for process in processes:
        process.start()
    _write(database, 20)
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    result = AuditLog(database).verify(KEY)
    assert result.ok and result.rows == 80


def test_purging_old_rows_leaves_a_signed_checkpoint_the_chain_is_verified_from(settings, database):
    _write(database, 4)
    later = datetime.now(UTC) + timedelta(days=settings.retention.audit_days + 1)
    log = AuditLog(database)
    assert log.purge_before(later, KEY) == 4
    _write(database, 2)
    result = log.verify(KEY)
    assert result.ok and result.rows == 2 and result.checkpoint_seq == 4 and result.head_seq == 6
    assert not log.verify(b"another key").ok  # the checkpoint's signature is checked
    _sql(database, "UPDATE audit_checkpoints SET seq = 3")
    assert "签名无效" in log.verify(KEY).problem


def test_a_purge_refuses_to_cover_up_a_broken_chain(database):
    _write(database, 3)
    _sql(database, "DELETE FROM audit_events WHERE seq = 2")
    with pytest.raises(BadInput, match="校验未通过"):
        AuditLog(database).purge_before(datetime.now(UTC) + timedelta(days=1), KEY)
    with database.session() as session:
        assert session.scalars(select(AuditCheckpointRow)).first() is None


def _age(database: Database, table, column, days: int) -> None:  # type: ignore[no-untyped-def]
    with database.engine.begin() as connection:
        connection.execute(update(table).values({column: datetime.now(UTC) - timedelta(days=days)}))


def test_retention_purges_each_kind_after_its_days_and_dry_run_only_counts(settings, database):
    conversations = ConversationStore(database)
    old_session, new_session = conversations.ensure(None), conversations.ensure(None)
    for _ in range(2):  # two answers, each rated
        conversations.append(old_session, Turn("老问题", "老问题", "回答", "answered"), [])
    ratings = RatingStore(database, settings.ratings)
    ratings.record(RatingInput("a", old_session, "满意", comment="旧评价"))
    ratings.record(RatingInput("b", old_session, "不满意", comment="旧差评"))  # has a follow-up: kept with it
    TicketStore(database).confirm(
        "坐席甲", TicketFields.from_mapping({}), TicketFields.from_mapping({"request": "噪音"}), "旧的通话"
    )
    for table, column in (
        (TurnRow, "created_at"),
        (ConversationRow, "created_at"),
        (RatingRow, "at"),
        (TicketRow, "created_at"),
    ):
        _age(database, table, column, 100)
    conversations.append(
        new_session, Turn("新问题", "新问题", "回答", "answered"), []
    )  # its conversation is old too, its turn is new

    dry = purge(database, settings, dry_run=True)
    assert dry.counts == {
        "conversation_turns": 2,
        "conversations": 1,
        "follow_ups": 0,
        "ratings": 1,
        "transcripts": 1,
        "audit_events": 0,
    }
    report = purge(database, settings)
    assert report.counts == {
        "conversation_turns": 2,
        "conversations": 1,
        "follow_ups": 0,
        "ratings": 1,
        "transcripts": 1,
        "audit_events": 0,
    }
    assert [turn["question"] for turn in conversations.turns()] == ["新问题"]
    assert [row["comment"] for row in ratings.export_rows()] == ["旧差评"] and len(ratings.follow_ups()) == 1
    [ticket] = TicketStore(database).all()
    assert ticket["transcript"] == "" and ticket["request"] == "噪音"  # the ticket is kept (no ticket_days)
    [event] = [e for e in AuditLog(database).export() if e["action"] == "retention.purge"]
    assert (
        "对话轮次 2 条" in str(event["detail"])
        and AuditLog(database).verify(audit_checkpoint_key(settings)).ok
    )
    assert (
        stat.S_IMODE((settings.data_dir / "audit.key").stat().st_mode) == 0o600
    )  # the checkpoint key, owner only
    [follow_up] = ratings.follow_ups()
    ratings.update_follow_up(follow_up["id"], "坐席甲", resolution="已电话回访")
    _age(database, FollowUpRow, "resolved_at", settings.retention.follow_up_days - 1)
    assert (
        purge(database, settings, dry_run=True).counts["follow_ups"] == 0
    )  # resolved, not yet past its days
    _age(database, FollowUpRow, "resolved_at", settings.retention.follow_up_days + 1)
    dry = purge(database, settings, dry_run=True)
    assert dry.counts["follow_ups"] == 1 and dry.counts["ratings"] == 1  # the item and its rating go together
    assert purge(database, settings).counts == dry.counts
    assert ratings.follow_ups() == [] and ratings.export_rows() == []


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("GOVASSIST_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("GOVASSIST_DATABASE__URL", settings.database_url())
    get_settings.cache_clear()
    get_services.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(cli_app, [str(arg) for arg in args])
    get_services().close()
    get_settings.cache_clear()
    get_services.cache_clear()


def test_the_audit_verify_command_names_an_edited_or_deleted_row(cli):
    assert cli("keys", "create", "--role", "agent", "--name", "坐席乙").exit_code == 0
    assert cli("keys", "revoke", "1").exit_code == 0
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "校验通过" in result.output and "共 2 条" in result.output
    database = get_services().database
    actions = [event["action"] for event in AuditLog(database).export()]
    assert actions == ["keys.create", "keys.revoke"]
    _sql(database, "UPDATE audit_events SET detail = '密钥 1：别人（admin）' WHERE seq = 1")
    result = cli("audit", "verify")
    assert result.exit_code == 2 and "id 1（序号 1）" in result.output and "被修改" in result.output
    _sql(database, "DELETE FROM audit_events WHERE seq = 1")
    result = cli("audit", "verify")
    assert result.exit_code == 2 and "缺少序号 1 的记录" in result.output


def test_the_purge_command_counts_on_a_dry_run_and_audits_a_purge(cli):
    result = cli("purge", "--dry-run")
    assert result.exit_code == 0 and "试运行" in result.output and "审计日志" in result.output
    assert [event["action"] for event in AuditLog(get_services().database).export()] == []
    assert cli("purge").exit_code == 0
    [event] = AuditLog(get_services().database).export()
    assert event["action"] == "retention.purge" and str(event["actor"]).startswith("cli:")


def test_command_line_exports_are_audited_and_anonymised_on_request(cli, tmp_path):
    database = get_services().database
    store = TicketStore(database)
    for request in ("噪音扰民", "噪音又来了"):
        fields = {"caller_name": "钱先生", "callback_number": "13512345678", "request": request}
        store.confirm(
            "坐席甲",
            TicketFields.from_mapping({}),
            TicketFields.from_mapping(fields),
            "我是钱先生，电话13512345678",
        )
    ConversationStore(database).append(
        ConversationStore(database).ensure("会话一"),
        Turn("我叫孙丽，低保怎么申请", "低保怎么申请", "回答", "answered"),
        [],
    )
    output = tmp_path / "tickets.csv"
    assert cli("export", "tickets", "--anonymise", "--format", "csv", "--output", output).exit_code == 0
    text = output.read_text(encoding="utf-8")
    assert (
        "钱先生" not in text and "13512345678" not in text and text.count("来电人") >= 3
    )  # header + two rows
    result = cli("export", "conversations", "--anonymise")
    [turn] = [json.loads(line) for line in result.output.splitlines()]
    assert (
        turn["session_id"].startswith("会话")
        and turn["session_id"] != "会话一"
        and "孙丽" not in turn["question"]
    )
    assert cli("export", "tickets", "--format", "xml").exit_code == 1
    exported = [
        (e["action"], e["actor"]) for e in AuditLog(database).export() if str(e["action"]).endswith(".export")
    ]
    assert [action for action, _ in exported] == ["tickets.export", "conversations.export"]
    assert all(str(actor).startswith("cli:") for _, actor in exported)


def test_command_line_document_changes_are_audited(cli, tmp_path):
    notice = tmp_path / "通知.txt"
    notice.write_text("示例市图书馆春节期间闭馆七天，正月初八起恢复开放。", encoding="utf-8")
    assert cli("ingest", notice).exit_code == 0
    [doc_id] = get_services().knowledge_base.manifest().documents
    assert cli("kb", "delete", doc_id).exit_code == 0
    events = [
        e for e in AuditLog(get_services().database).export() if str(e["action"]).startswith("documents.")
    ]
    assert [e["action"] for e in events] == ["documents.ingest", "documents.delete"]
    assert "新增 1" in str(events[0]["detail"]) and events[1]["sources"] == [doc_id]
