"""Retention: delete what is older than the deployment keeps each kind of record (``RetentionSettings``).

One ``purge`` for the command line (``govassist purge [--dry-run]``) and the service's scheduled
run: conversation turns, conversations left without turns and ratings (好差评) after
``conversation_days`` (a rating with a follow-up item is kept with it, as tickets are); follow-up
items ``follow_up_days`` after they were resolved (open ones are work, never purged), and their
rating with them; ticket transcripts blanked after ``transcript_days``; tickets after
``ticket_days`` when set; audit rows after ``audit_days`` through ``AuditLog.purge_before``, which
verifies the chain and leaves a checkpoint signed with the configured key or one made once in
``<data_dir>/audit.key`` (mode 0600). The purge itself is audited. Call recordings
are never stored, so there is nothing of them to purge.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update

from assistant.answering.conversations import ConversationRow, TurnRow
from assistant.audit import AuditEvent, AuditLog
from assistant.config import Settings
from assistant.database import Database
from assistant.hotline.tickets import TicketRow
from assistant.ratings import FollowUpRow, RatingRow

KEY_FILE = "audit.key"  # in the data dir, when no checkpoint key is configured
LABELS = {
    "conversation_turns": "对话轮次",
    "conversations": "会话",
    "follow_ups": "差评整改",
    "ratings": "评价",
    "transcripts": "通话转写",
    "tickets": "工单",
    "audit_events": "审计日志",
}


@dataclass(frozen=True)
class PurgeReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)  # LABELS key → rows (to be) purged

    def summary(self) -> str:
        return "，".join(f"{LABELS[kind]} {count} 条" for kind, count in self.counts.items())


def _cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def _rules(settings: Settings, now: datetime) -> dict[str, tuple[Any, Any, dict[str, str] | None]]:
    """Per kind of record: its table, the condition of the rows past retention, and None (they are
    deleted) or the values that clear them."""
    retention = settings.retention
    conversations = _cutoff(now, retention.conversation_days)
    transcripts = _cutoff(now, retention.transcript_days)
    follow_ups_done = and_(
        FollowUpRow.status == "resolved",
        FollowUpRow.resolved_at < _cutoff(now, retention.follow_up_days),
    )
    followed_up = select(FollowUpRow.id).where(
        FollowUpRow.rating_id == RatingRow.id, ~follow_ups_done
    )  # kept with its follow-up
    recent_turn = select(TurnRow.id).where(
        TurnRow.conversation_id == ConversationRow.id, TurnRow.created_at >= conversations
    )
    rules: dict[str, tuple[Any, Any, dict[str, str] | None]] = {
        "conversation_turns": (TurnRow, TurnRow.created_at < conversations, None),
        "conversations": (
            ConversationRow,
            and_(ConversationRow.created_at < conversations, ~recent_turn.exists()),
            None,
        ),
        "follow_ups": (FollowUpRow, follow_ups_done, None),  # before their ratings
        "ratings": (RatingRow, and_(RatingRow.at < conversations, ~followed_up.exists()), None),
        "transcripts": (
            TicketRow,
            and_(TicketRow.created_at < transcripts, TicketRow.transcript != ""),
            {"transcript": ""},
        ),
    }
    if retention.ticket_days is not None:
        rules["tickets"] = (TicketRow, TicketRow.created_at < _cutoff(now, retention.ticket_days), None)
    return rules


def audit_checkpoint_key(settings: Settings) -> bytes:
    """The HMAC key of purge checkpoints: the configured one, else ``<data_dir>/audit.key``, made
    on first use (readable by its owner only; written whole before it appears, so a process racing
    this one never reads half a key)."""
    if settings.audit.checkpoint_key is not None:
        return settings.audit.checkpoint_key.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = path.with_name(f"{KEY_FILE}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:  # another process made it first: theirs is the key
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def purge(
    database: Database,
    settings: Settings,
    dry_run: bool = False,
    now: datetime | None = None,
    actor: str = "system:retention",
) -> PurgeReport:
    """Purge (or, with ``dry_run``, count) everything past its retention; ``actor`` is who asked."""
    now = now or datetime.now(UTC)
    rules = _rules(settings, now)
    audit, audit_cutoff = AuditLog(database), _cutoff(now, settings.retention.audit_days)
    if dry_run:
        with database.session() as session:
            counts = {
                kind: session.scalar(select(func.count()).select_from(table).where(condition)) or 0
                for kind, (table, condition, _) in rules.items()
            }
        return PurgeReport(True, counts | {"audit_events": audit.count_before(audit_cutoff)})
    # The audit log first: a chain that fails verification stops the whole purge before anything is deleted.
    purged_audit = audit.purge_before(audit_cutoff, audit_checkpoint_key(settings))
    with database.session() as session:
        connection = session.connection()
        counts = {
            kind: connection.execute(
                delete(table).where(condition)
                if clears is None
                else update(table).where(condition).values(clears)
            ).rowcount
            for kind, (table, condition, clears) in rules.items()
        }
    report = PurgeReport(False, counts | {"audit_events": purged_audit})
    audit.record(AuditEvent(actor, "admin", "retention.purge", report.summary()))
    return report
