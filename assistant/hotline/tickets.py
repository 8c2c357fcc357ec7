"""Tickets (工单): the draft the copilot proposes, the version the agent confirms, and the
agent's corrections, kept as training data for the classifiers.

Stored transcripts are masked (numbers always; addresses and names when the deployment's
``PrivacySettings`` ask for it); the confirmed fields (caller name, callback number, address)
are stored as the agent confirmed them and are served only to the agent and admin roles.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.config import PrivacySettings
from assistant.database import Base, Database
from assistant.errors import BadInput
from assistant.hotline.extraction import names_and_addresses
from assistant.privacy import PersonalDataSpan, mask_personal_data

TICKET_FIELDS = ("caller_name", "callback_number", "address", "event_time", "service_item", "request",
                 "request_type", "category", "department", "urgency", "summary")
FIELD_LABELS = {
    "caller_name": "来电人", "callback_number": "联系电话", "address": "地址", "event_time": "事发时间",
    "service_item": "事项", "request": "诉求", "request_type": "诉求类型", "category": "分类",
    "department": "承办单位", "urgency": "紧急程度", "summary": "通话摘要",
}


@dataclass
class TicketFields:
    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> TicketFields:
        unknown = set(values) - set(TICKET_FIELDS)
        if unknown:
            raise BadInput(f"未知的工单字段：{'、'.join(sorted(unknown))}；可用字段：{'、'.join(TICKET_FIELDS)}")
        return cls({key: str(values.get(key) or "").strip() for key in TICKET_FIELDS})


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    agent: Mapped[str] = mapped_column(String(100))
    fields: Mapped[str] = mapped_column(Text)  # JSON: the confirmed fields
    draft: Mapped[str] = mapped_column(Text)  # JSON: what the copilot proposed
    corrections: Mapped[str] = mapped_column(Text)  # JSON: {field: [proposed, confirmed]}
    transcript: Mapped[str] = mapped_column(Text, default="")  # masked


@dataclass(frozen=True)
class ConfirmedTicket:
    id: int
    corrections: dict[str, list[str]]


class TicketStore:
    def __init__(self, database: Database, privacy: PrivacySettings | None = None) -> None:
        self._database = database
        self._privacy = privacy or PrivacySettings()

    def _mask(self, transcript: str, confirmed: TicketFields) -> str:
        """Numbers always; names and addresses when configured: those the patterns find and every
        mention of the ones the agent confirmed (which the patterns may have missed)."""
        names, addresses = self._privacy.mask_names, self._privacy.mask_addresses
        spans = names_and_addresses(transcript, names, addresses)
        for kind, key, on in (("name", "caller_name", names), ("address", "address", addresses)):
            value = confirmed.values.get(key, "")
            if on and len(value) >= 2:
                spans += [PersonalDataSpan(kind, m.start(), m.end(), value) for m in re.finditer(re.escape(value), transcript)]
        return mask_personal_data(transcript, spans)

    def confirm(self, agent: str, draft: TicketFields, confirmed: TicketFields, transcript: str) -> ConfirmedTicket:
        if not confirmed.values.get("request") and not confirmed.values.get("service_item"):
            raise BadInput("工单至少需要填写“事项”或“诉求”")
        corrections = {
            key: [draft.values.get(key, ""), value]
            for key, value in confirmed.values.items()
            if draft.values.get(key, "") != value
        }
        row = TicketRow(
            agent=agent,
            fields=json.dumps(confirmed.values, ensure_ascii=False),
            draft=json.dumps(draft.values, ensure_ascii=False),
            corrections=json.dumps(corrections, ensure_ascii=False),
            transcript=self._mask(transcript, confirmed),
        )
        with self._database.session() as session:
            session.add(row)
            session.flush()
            ticket_id = row.id
        return ConfirmedTicket(ticket_id, corrections)

    def all(self) -> list[dict[str, Any]]:
        with self._database.session() as session:
            rows = list(session.scalars(select(TicketRow).order_by(TicketRow.id)))
        return [
            {"id": r.id, "created_at": r.created_at.isoformat(timespec="seconds"), "agent": r.agent,
             **json.loads(r.fields), "corrections": json.loads(r.corrections), "transcript": r.transcript}
            for r in rows
        ]

    def export_csv(self) -> str:
        out = io.StringIO()
        columns = ["id", "created_at", "agent", *TICKET_FIELDS]
        writer = csv.writer(out)
        writer.writerow(["工单编号", "创建时间", "坐席", *(FIELD_LABELS[f] for f in TICKET_FIELDS)])
        for ticket in self.all():
            writer.writerow([ticket.get(column, "") for column in columns])
        return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly

