"""The application database: one SQLAlchemy engine and session factory for every table.

SQLite under ``data_dir`` by default; any SQLAlchemy URL (PostgreSQL in larger deployments) by
``GOVASSIST_DATABASE__URL``. Each feature declares its tables on ``Base`` in its own module
(conversations, audit log, tickets, enterprise profiles ...); ``Database.create_tables`` creates
whatever is missing. Knowledge-base content lives in Qdrant, not here. A SQLite file (and its
WAL files, which SQLite creates with the file's mode) is readable by its owner only.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from assistant.errors import BackendUnavailable

logger = logging.getLogger(__name__)


_SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}  # a commit waits for fsync, or (WAL) only checkpoints do


class Base(DeclarativeBase):
    """Declarative base of every table of gov-assistant."""


def _configure_sqlite(engine: Engine, synchronous: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={_SYNCHRONOUS[synchronous]}")
        cursor.close()


def _create_private_file(path: Path) -> None:
    """The SQLite file, created (or tightened) to mode 0600 before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)


class Database:
    def __init__(
        self,
        url: str,
        echo: bool = False,
        sqlite_synchronous: str = "normal",
        sqlite_busy_timeout_s: float = 30.0,
    ) -> None:
        sqlite = url.startswith("sqlite")
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            _create_private_file(Path(url.removeprefix("sqlite:///")))
        # A SQLite file needs no liveness ping per checkout (a server connection can go stale; a
        # file cannot); its writers from several processes wait for each other up to the timeout.
        options = {"connect_args": {"timeout": sqlite_busy_timeout_s}} if sqlite else {"pool_pre_ping": True}
        self.engine = create_engine(url, echo=echo, **options)
        if self.engine.dialect.name == "sqlite":
            _configure_sqlite(self.engine, sqlite_synchronous)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_tables(self) -> None:
        """Create the missing tables, and add columns that newer versions declare (each with a server default)."""
        try:
            Base.metadata.create_all(self.engine)
            self._add_missing_columns()
        except OperationalError as exc:
            raise BackendUnavailable(
                f"Cannot reach the database ({exc.orig}). Check GOVASSIST_DATABASE__URL."
            ) from exc

    def _add_missing_columns(self) -> None:
        inspector = inspect(self.engine)
        with self.engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                present = {column["name"] for column in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present or column.server_default is None:
                        continue
                    kind = column.type.compile(dialect=self.engine.dialect)
                    default = column.server_default.arg  # type: ignore[attr-defined]
                    connection.execute(
                        text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind} DEFAULT '{default}'")
                    )
                    logger.info("Added column %s.%s", table.name, column.name)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()
