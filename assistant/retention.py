"""Retention: delete what is older than the deployment keeps each kind of record (``RetentionSettings``).

One ``purge`` for the command line (``govassist purge [--dry-run]``) and the service's scheduled
run: conversation turns, conversations left without turns and feedback after
``conversation_days``; ticket transcripts blanked after ``transcript_days``; tickets after
``ticket_days`` when set; audit rows after ``audit_days`` through ``AuditLog.purge_before``, which
verifies the chain and leaves a signed checkpoint. The purge itself is audited. Call recordings
are never stored, so there is nothing of them to purge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assistant.answering.conversations import ConversationRow, TurnRow
from assistant.api.routes.chat import FeedbackRow
from assistant.audit import AuditEvent, AuditLog, checkpoint_key
from assistant.config import Settings
from assistant.database import Database
from assistant.hotline.tickets import TicketRow

LABELS = {"conversation_turns": "对话轮次", "conversations": "会话", "feedback": "反馈", "transcripts": "通话转写",
          "tickets": "工单", "audit_events": "审计日志"}


@dataclass(frozen=True)
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)  # LABELS key → rows (to be) purged

    def summary(self) -> str:
        return "，".join(f"{LABELS[kind]} {count} 条" for kind, count in self.counts.items())


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _count(session: Session, statement: Any) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def _record_statements(settings: Settings, now: datetime) -> dict[str, tuple[Any, Any]]:
    """Per kind of record: the rows past retention (a query) and what purging them does."""
    retention = settings.retention
    conversations = _cutoff(now, retention.conversation_days)
    transcripts = _cutoff(now, retention.transcript_days)
    empty = ~select(TurnRow.id).where(TurnRow.conversation_id == ConversationRow.id).exists()
    statements = {
        "conversation_turns": (select(TurnRow.id).where(TurnRow.created_at < conversations),
                               delete(TurnRow).where(TurnRow.created_at < conversations)),
        "conversations": (select(ConversationRow.id).where(ConversationRow.created_at < conversations, empty),
                          delete(ConversationRow).where(ConversationRow.created_at < conversations, empty)),
        "feedback": (select(FeedbackRow.id).where(FeedbackRow.at < conversations),
                     delete(FeedbackRow).where(FeedbackRow.at < conversations)),
        "transcripts": (select(TicketRow.id).where(TicketRow.created_at < transcripts, TicketRow.transcript != ""),
                        update(TicketRow).where(TicketRow.created_at < transcripts, TicketRow.transcript != "").values(transcript="")),
    }
    if retention.ticket_days is not None:
        tickets = _cutoff(now, retention.ticket_days)
        statements["tickets"] = (select(TicketRow.id).where(TicketRow.created_at < tickets),
                                 delete(TicketRow).where(TicketRow.created_at < tickets))
    return statements


def audit_checkpoint_key(settings: Settings) -> bytes:
    configured = settings.audit.checkpoint_key
    return checkpoint_key(settings.data_dir, configured.get_secret_value() if configured else "")


def purge(database: Database, settings: Settings, dry_run: bool = False, now: datetime | None = None,
          actor: str = "system:retention") -> PurgeReport:
    """Purge (or, with ``dry_run``, count) everything past its retention; ``actor`` is who asked."""
    now = now or datetime.now(UTC)
    statements = _record_statements(settings, now)
    audit, audit_cutoff = AuditLog(database), _cutoff(now, settings.retention.audit_days)
    if dry_run:
        with database.session() as session:
            counts = {kind: _count(session, query) for kind, (query, _) in statements.items()}
        return PurgeReport(True, counts | {"audit_events": audit.count_before(audit_cutoff)})
    # The audit log first: a chain that fails verification stops the whole purge before anything is deleted.
    purged_audit = audit.purge_before(audit_cutoff, audit_checkpoint_key(settings))
    with database.session() as session:  # the turns go first, so the conversations they leave empty go too
        connection = session.connection()
        counts = {kind: connection.execute(action).rowcount for kind, (_, action) in statements.items()}
    report = PurgeReport(False, counts | {"audit_events": purged_audit})
    audit.record(AuditEvent(actor, "admin", "retention.purge", report.summary()))
    return report
