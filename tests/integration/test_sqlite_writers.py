"""SQLite shared by several writers (`serve --workers N`): a write that finds the file locked by
another connection's transaction waits for it, up to ``database.sqlite_busy_timeout_s``, instead of
failing at once, and both rows are kept."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from assistant.audit import AuditEvent, AuditEventRow, AuditLog
from assistant.config import Settings
from assistant.wiring import build_database

pytestmark = pytest.mark.integration


def _hold_write_lock(settings: Settings, seconds: float, held: threading.Event) -> threading.Thread:
    """Another writer: a transaction that holds SQLite's write lock for ``seconds``."""

    def hold() -> None:
        database = build_database(settings)
        with database.engine.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            held.set()
            time.sleep(seconds)
            connection.exec_driver_sql("COMMIT")
        database.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def _event() -> AuditEvent:
    return AuditEvent("测试", "admin", "test.write", "等待写锁", (), "req")


def test_a_write_waits_for_another_writers_lock_and_keeps_its_row(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, database={"sqlite_busy_timeout_s": 10})
    database = build_database(settings)
    held = threading.Event()
    holder = _hold_write_lock(settings, 1.0, held)
    held.wait(10)
    started = time.perf_counter()
    AuditLog(database).record(_event())
    waited = time.perf_counter() - started
    holder.join()
    with database.session() as session:
        rows = session.scalar(select(func.count()).select_from(AuditEventRow))
    database.close()
    assert waited >= 0.5 and rows == 1


def test_past_the_busy_timeout_the_write_fails_rather_than_hangs(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path, database={"sqlite_busy_timeout_s": 0.2})
    database = build_database(settings)
    held = threading.Event()
    holder = _hold_write_lock(settings, 1.5, held)
    held.wait(10)
    with pytest.raises(OperationalError, match="locked"):
        AuditLog(database).record(_event())
    holder.join()
    database.close()
