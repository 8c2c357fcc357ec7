"""The audit log: who asked or changed what, when, and which sources were used.

Stored in the application database; personal data is masked before it is written. Exported by
the admin API and ``govassist audit export``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.privacy import mask_personal_data


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC), index=True)
    actor: Mapped[str] = mapped_column(String(100))  # key name, or "public:<client>"
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(50), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")  # masked
    sources: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of doc ids
    request_id: Mapped[str] = mapped_column(String(32), default="")


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    role: str
    action: str
    detail: str = ""
    sources: tuple[str, ...] = ()
    request_id: str = ""


class AuditLog:
    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, event: AuditEvent) -> None:
        with self._database.session() as session:
            session.add(
                AuditEventRow(
                    actor=event.actor[:100],
                    role=event.role,
                    action=event.action,
                    detail=mask_personal_data(event.detail)[:2000],
                    sources=json.dumps(list(event.sources), ensure_ascii=False),
                    request_id=event.request_id,
                )
            )

    def export(self, since: datetime | None = None, limit: int = 10000) -> Iterator[dict[str, object]]:
        query = select(AuditEventRow).order_by(AuditEventRow.id).limit(limit)
        if since is not None:
            query = query.where(AuditEventRow.at >= since)
        with self._database.session() as session:
            rows = list(session.scalars(query))
        for row in rows:
            yield {
                "id": row.id, "at": row.at.isoformat(), "actor": row.actor, "role": row.role, "action": row.action,
                "detail": row.detail, "sources": json.loads(row.sources), "request_id": row.request_id,
            }
