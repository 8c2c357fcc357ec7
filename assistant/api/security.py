"""API keys and roles: who may call what.

Roles, each including the ones before it: ``public`` (no key: chat, search, feedback; rate
limited per client), ``agent`` (hotline endpoints), ``admin`` (documents, audit log, keys). A key
also belongs to a department ("" for the whole installation), which decides the documents its
holder reads and manages (``assistant.access``).
Keys are random 256-bit tokens shown once at creation; only their SHA-256 is stored (a token
of that strength needs no slow hash). Wrong or missing credentials get 401/403 and nothing else.
Every key change (create, revoke) is audited here, whoever makes it: ``by`` is the key holder
acting through the API, or nobody for this machine's command line.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Boolean, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.access import Access
from assistant.audit import AuditEvent, AuditLog
from assistant.database import Base, Database
from assistant.errors import BadInput

Role = Literal["public", "agent", "admin"]
ROLES: tuple[Role, ...] = ("public", "agent", "admin")
_KEY_PREFIX = "gva_"


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(100), default="", server_default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a named key holder (of a department; "" for the whole installation), or an
    anonymous public client."""

    role: Role
    name: str
    key_id: int | None = None
    department: str = ""

    @property
    def access(self) -> Access:
        """What the caller may read (``assistant.access``)."""
        return Access.for_caller(self.role, self.department)

    def allows(self, needed: Role) -> bool:
        return ROLES.index(self.role) >= ROLES.index(needed)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _audit_key_change(database: Database, by: Principal | None, action: str, detail: str) -> None:
    event = (
        AuditEvent(by.name, by.role, action, detail) if by else AuditEvent.from_command_line(action, detail)
    )
    AuditLog(database).record(event)


def _holder(name: str, role: str, department: str) -> str:
    return f"{name}（{role}，{department or '全系统'}）"


def create_api_key(
    database: Database, role: Role, name: str, department: str = "", *, by: Principal | None = None
) -> str:
    """Store a new key of a department ("": the whole installation) and return it; it cannot be shown again."""
    if role not in ("agent", "admin"):
        raise BadInput(f"角色应为 agent 或 admin，而不是 {role!r}")
    if not name.strip():
        raise BadInput("请为密钥填写使用人或用途名称")
    key = _KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKeyRow(name=name.strip(), role=role, department=department.strip(), key_hash=_hash(key))
    with database.session() as session:
        session.add(row)
        session.flush()
        key_id = row.id
    _audit_key_change(
        database, by, "keys.create", f"密钥 {key_id}：{_holder(row.name, role, row.department)}"
    )
    return key


def authenticate(database: Database, key: str) -> Principal | None:
    if not key.startswith(_KEY_PREFIX):
        return None
    with database.session() as session:
        row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == _hash(key))).first()
    if row is None or row.revoked:
        return None
    return Principal(role=row.role, name=row.name, key_id=row.id, department=row.department or "")  # type: ignore[arg-type]


def list_keys(database: Database) -> list[ApiKeyRow]:
    with database.session() as session:
        return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))


def revoke_key(database: Database, key_id: int, *, by: Principal | None = None) -> bool:
    with database.session() as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            return False
        row.revoked = True
        holder = _holder(row.name, row.role, row.department)
    _audit_key_change(database, by, "keys.revoke", f"密钥 {key_id}：{holder}")
    return True
