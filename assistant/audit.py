"""The audit log: who asked or changed what, when, and which sources were used; tamper-evident.

Stored in the application database; personal data is masked before it is written. Rows are
append-only and chained (等保 2.0, 网络安全法 art. 21): each carries a sequence number and the
SHA-256 of its canonical content together with the previous row's hash, so an edited row breaks
its own hash and a deleted one leaves a gap. One head row (``audit_chain``) holds the last
sequence and hash; appends lock it (``SELECT ... FOR UPDATE`` on PostgreSQL; a process lock and
``BEGIN IMMEDIATE`` on SQLite), so concurrent threads and processes keep the chain linear. Purging
old rows (``purge_before``) writes a checkpoint signed with an HMAC key (kept by
``assistant.retention``), from which ``verify`` starts. Exported by the admin API and ``govassist audit export``; retention lives in
``assistant.retention``.

What it does not do: an attacker who can write the database and rewrites every row after the one
they change, head included, is caught only against an earlier ``verify`` head hash kept elsewhere.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Integer, String, Text, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.errors import BadInput
from assistant.privacy import mask_personal_data

GENESIS = "0" * 64
_APPEND_LOCK = threading.Lock()  # one writer per process; the database lock orders processes


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=lambda: datetime.now(UTC), index=True
    )
    actor: Mapped[str] = mapped_column(String(100))  # key name, "public:<client>" or "cli:<user>"
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(50), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # masked
    sources: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of doc ids
    request_id: Mapped[str] = mapped_column(String(32), default="")
    # The chain; rows written before it existed get 0 and "" until the chain is started.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    hash: Mapped[str] = mapped_column(String(64), default="", server_default="")


class AuditChainRow(Base):
    """The head of the chain: one row (id 1), locked by every append."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    """Where the chain resumes after a purge: the last purged row's sequence and hash, signed."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    seq: Mapped[int] = mapped_column(Integer, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    purged: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(64))


# Built once: an append runs these three statements with new parameters each time.
_HEAD = select(AuditChainRow.seq, AuditChainRow.hash).where(AuditChainRow.id == 1)
_APPEND_ROW = insert(AuditEventRow)
_ADVANCE_HEAD = update(AuditChainRow).where(AuditChainRow.id == 1)


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    role: str
    action: str
    detail: str = ""
    sources: tuple[str, ...] = ()
    request_id: str = ""

    @classmethod
    def from_command_line(cls, action: str, detail: str = "", sources: tuple[str, ...] = ()) -> AuditEvent:
        """An action taken on this machine's command line, by the operating-system user."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no login name and no passwd entry (some containers)
            user = str(os.getuid())
        return cls(f"cli:{user}", "admin", action, detail, sources)


@dataclass(frozen=True)
class AuditVerification:
    """The result of ``AuditLog.verify``: ``problem`` (zh-CN) names the first broken or missing row."""

    ok: bool
    rows: int  # rows whose hash and link were checked
    head_seq: int
    head_hash: str
    checkpoint_seq: int = 0  # the chain is verified from here (0: from its first row)
    problem: str = ""
    row_id: int | None = None
    seq: int | None = None


def row_hash(
    seq: int,
    at: datetime,
    actor: str,
    role: str,
    action: str,
    detail: str,
    sources: str,
    request_id: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the row's canonical content and the previous row's hash."""
    moment = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)  # SQLite returns naive UTC
    content = [
        seq,
        moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        actor,
        role,
        action,
        detail,
        sources,
        request_id,
        prev_hash,
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _stored_hash(row: Any) -> str:
    return row_hash(
        row.seq,
        row.at,
        row.actor,
        row.role,
        row.action,
        row.detail,
        row.sources,
        row.request_id,
        row.prev_hash,
    )


def _signature(key: bytes, seq: int, hash_: str) -> str:
    return hmac.new(key, f"audit-checkpoint:{seq}:{hash_}".encode(), hashlib.sha256).hexdigest()


class AuditLog:
    def __init__(self, database: Database, on_write: Callable[[float], None] | None = None) -> None:
        """``on_write`` receives the seconds each ``record`` took (the load bench measures with it)."""
        self._database = database
        self._on_write = on_write

    # --- writing ---------------------------------------------------------------------------------

    def record(self, event: AuditEvent) -> None:
        started = time.perf_counter()
        values = {
            "actor": event.actor[:100],
            "role": event.role,
            "action": event.action,
            "detail": mask_personal_data(event.detail)[:2000],
            "sources": json.dumps(list(event.sources), ensure_ascii=False),
            "request_id": event.request_id,
        }
        self._append(values)
        if self._on_write is not None:
            self._on_write(time.perf_counter() - started)

    def _append(self, values: dict[str, Any]) -> None:
        for attempt in range(2):
            try:
                with _APPEND_LOCK, self._database.engine.connect() as connection:
                    seq, previous = self._lock_head(connection)
                    at = datetime.now(UTC)  # taken under the lock: sequence order is time order
                    digest = row_hash(seq + 1, at, prev_hash=previous, **values)
                    connection.execute(
                        _APPEND_ROW,
                        {"at": at, "seq": seq + 1, "prev_hash": previous, "hash": digest, **values},
                    )
                    connection.execute(_ADVANCE_HEAD, {"seq": seq + 1, "hash": digest})
                    connection.commit()
                    return
            except IntegrityError:  # two processes made the head row at once: the loser retries
                if attempt:
                    raise

    def _lock_head(self, connection: Connection) -> tuple[int, str]:
        """Lock the head row for this transaction and return it, starting the chain if needed."""
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock now, not at the first insert
        head = connection.execute(_HEAD.with_for_update()).first()
        if head is not None:
            return head.seq, head.hash
        return self._start_chain(connection)

    @staticmethod
    def _start_chain(connection: Connection) -> tuple[int, str]:
        """Chain the rows written before the chain existed (in id order; masked again first, as
        earlier versions missed full-width and zero-width disguised numbers) and create the head."""
        seq, previous = 0, GENESIS
        for row in connection.execute(
            select(AuditEventRow).where(AuditEventRow.seq == 0).order_by(AuditEventRow.id)
        ):
            seq, detail = seq + 1, mask_personal_data(row.detail)
            digest = row_hash(
                seq, row.at, row.actor, row.role, row.action, detail, row.sources, row.request_id, previous
            )
            connection.execute(
                update(AuditEventRow)
                .where(AuditEventRow.id == row.id)
                .values(seq=seq, detail=detail, prev_hash=previous, hash=digest)
            )
            previous = digest
        connection.execute(insert(AuditChainRow).values(id=1, seq=seq, hash=previous))
        return seq, previous

    def start(self) -> None:
        """Create the chain's head (sealing rows from before the chain) if it does not exist yet."""
        with _APPEND_LOCK, self._database.engine.connect() as connection:
            self._lock_head(connection)
            connection.commit()

    # --- reading ---------------------------------------------------------------------------------

    def export(self, since: datetime | None = None, limit: int = 10000) -> Iterator[dict[str, object]]:
        query = select(AuditEventRow).order_by(AuditEventRow.id).limit(limit)
        if since is not None:
            query = query.where(AuditEventRow.at >= since)
        with self._database.session() as session:
            rows = list(session.scalars(query))
        for row in rows:
            yield {
                "id": row.id,
                "seq": row.seq,
                "at": row.at.isoformat(),
                "actor": row.actor,
                "role": row.role,
                "action": row.action,
                "detail": row.detail,
                "sources": json.loads(row.sources),
                "request_id": row.request_id,
                "hash": row.hash,
            }

    def verify(self, key: bytes) -> AuditVerification:
        """Check the chain from the latest checkpoint (its signature first) to the head: every
        sequence number present, every link and every hash right. Stops at the first problem."""
        with self._database.engine.connect() as connection:
            head = connection.execute(_HEAD).first()
            head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
            result = _Walk(head_seq, head_hash)
            checkpoint = connection.execute(
                select(AuditCheckpointRow).order_by(AuditCheckpointRow.seq.desc()).limit(1)
            ).first()
            if checkpoint is not None:
                if not hmac.compare_digest(
                    checkpoint.signature, _signature(key, checkpoint.seq, checkpoint.hash)
                ):
                    return result.fail(
                        f"清理检查点（序号 {checkpoint.seq}）的签名无效：检查点被改动，或密钥不是写入它的密钥",
                        None,
                        checkpoint.seq,
                    )
                result.resume(checkpoint.seq, checkpoint.hash)
            unchained = connection.execute(
                select(AuditEventRow.id).where(AuditEventRow.seq == 0).limit(1)
            ).scalar()
            if unchained is not None:
                return result.fail(
                    f"id {unchained} 的记录不在链上（没有序号）：记录是绕过审计模块写入的", unchained, 0
                )
            rows = connection.execution_options(yield_per=2000).execute(
                select(AuditEventRow)
                .where(AuditEventRow.seq > result.expected - 1)
                .order_by(AuditEventRow.seq)
            )
            for row in rows:
                if not result.check(row):
                    return result.verification()
            return result.finish()

    # --- purging ---------------------------------------------------------------------------------

    def count_before(self, cutoff: datetime) -> int:
        with self._database.session() as session:
            return (
                session.scalar(
                    select(func.count()).select_from(AuditEventRow).where(AuditEventRow.at < cutoff)
                )
                or 0
            )

    def purge_before(self, cutoff: datetime, key: bytes) -> int:
        """Delete the rows older than ``cutoff``, after verifying the chain, and write a signed
        checkpoint at the last deleted row so ``verify`` still covers the rows kept."""
        verification = self.verify(key)
        if not verification.ok:
            raise BadInput(f"审计日志校验未通过，未清理：{verification.problem}")
        with _APPEND_LOCK, self._database.engine.connect() as connection:
            self._lock_head(connection)
            last = connection.execute(
                select(AuditEventRow.seq, AuditEventRow.hash)
                .where(AuditEventRow.at < cutoff)
                .order_by(AuditEventRow.seq.desc())
                .limit(1)
            ).first()
            if last is None:
                connection.rollback()
                return 0
            purged = connection.execute(delete(AuditEventRow).where(AuditEventRow.seq <= last.seq)).rowcount
            connection.execute(
                insert(AuditCheckpointRow).values(
                    seq=last.seq,
                    hash=last.hash,
                    purged=purged,
                    signature=_signature(key, last.seq, last.hash),
                )
            )
            connection.commit()
        return purged


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


class _Walk:
    """The state of one verification walk along the chain."""

    def __init__(self, head_seq: int, head_hash: str) -> None:
        self.head_seq, self.head_hash = head_seq, head_hash
        self.expected, self.previous, self.checkpoint, self.rows = 1, GENESIS, 0, 0
        self._problem: tuple[str, int | None, int | None] | None = None

    def resume(self, seq: int, hash_: str) -> None:
        self.expected, self.previous, self.checkpoint = seq + 1, hash_, seq

    def check(self, row: Any) -> bool:
        if row.seq != self.expected:
            self.fail(
                f"缺少序号 {_span(self.expected, row.seq - 1)} 的记录（在 id {row.id}、序号 {row.seq} 之前）：记录被删除",
                row.id,
                self.expected,
            )
        elif row.prev_hash != self.previous:
            self.fail(f"id {row.id}（序号 {row.seq}）记录的前一哈希与上一条不符：链被改动", row.id, row.seq)
        elif _stored_hash(row) != row.hash:
            self.fail(f"id {row.id}（序号 {row.seq}）记录的内容与其哈希不符：记录被修改", row.id, row.seq)
        else:
            self.expected, self.previous, self.rows = row.seq + 1, row.hash, self.rows + 1
            return True
        return False

    def fail(self, problem: str, row_id: int | None, seq: int | None) -> AuditVerification:
        self._problem = (problem, row_id, seq)
        return self.verification()

    def finish(self) -> AuditVerification:
        last = self.expected - 1
        if last < self.head_seq:
            return self.fail(
                f"链尾缺少序号 {_span(last + 1, self.head_seq)} 的记录（链头记到序号 {self.head_seq}）：记录被删除",
                None,
                last + 1,
            )
        if last > self.head_seq or self.previous != self.head_hash:
            return self.fail(
                f"链头（序号 {self.head_seq}）与最后一条记录（序号 {last}）不符：链头被改动", None, last
            )
        return self.verification()

    def verification(self) -> AuditVerification:
        problem, row_id, seq = self._problem or ("", None, None)
        return AuditVerification(
            not problem, self.rows, self.head_seq, self.head_hash, self.checkpoint, problem, row_id, seq
        )
