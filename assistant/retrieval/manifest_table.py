"""``ManifestTable``: the manifest as one row of the shared database, for several machines.

With a Qdrant server (``qdrant.url``) several machines share one index; a manifest file in each
machine's data dir would let each see only what was ingested through it. The row holds the
manifest's JSON and a version number that every save increments: ``version()`` is one indexed
read, so every process's answer cache sees a change made by any machine at its next question.
A save is a compare-and-swap on the version the saved manifest was read at: two machines changing the
knowledge base at the same moment cannot silently drop each other's documents; the second is
refused (``Conflict``) and its run can be repeated (its chunks not yet in the manifest are the
leftovers the write protocol already cleans up).

A deployment that used a manifest file with its Qdrant server keeps it: the first read of an
empty table takes the file's content.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Integer, String, Text, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, Database
from assistant.errors import Conflict
from assistant.retrieval.manifest import CONFLICT, UNREAD, Manifest


class ManifestRow(Base):
    __tablename__ = "kb_manifests"

    collection: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)


class ManifestTable:
    """The manifest of one collection in ``database`` (``legacy_file``: a manifest file to start from)."""

    def __init__(self, database: Database, collection: str, legacy_file: Path | None = None) -> None:
        self._database = database
        self._collection = collection
        self._legacy_file = legacy_file
        self._lock = threading.Lock()
        self._cached: Manifest | None = None
        self._cached_version: int | None = None

    def version(self) -> int | None:
        with self._database.session() as session:
            return session.scalar(
                select(ManifestRow.version).where(ManifestRow.collection == self._collection)
            )

    def load(self) -> Manifest:
        with self._lock:
            version = self.version()
            if version is None and self._legacy_file is not None and self._legacy_file.is_file():
                self._insert(Manifest.from_json(self._legacy_file.read_text(encoding="utf-8")))
                version = self.version()
            if self._cached is None or version != self._cached_version:
                self._cached = self._read() if version is not None else Manifest()
                self._cached.revision = self._cached_version = version
            return self._cached

    def _read(self) -> Manifest:
        with self._database.session() as session:
            body = session.scalar(select(ManifestRow.body).where(ManifestRow.collection == self._collection))
        return Manifest.from_json(body) if body is not None else Manifest()

    def _insert(self, manifest: Manifest) -> bool:
        """The first manifest of the collection; False when another process inserted one first."""
        try:
            with self._database.session() as session:
                session.execute(
                    insert(ManifestRow).values(
                        collection=self._collection, version=1, body=manifest.to_json()
                    )
                )
        except IntegrityError:
            return False
        return True

    def save(self, manifest: Manifest) -> None:
        """Replace the manifest, if it is still the version ``manifest`` was read at."""
        with self._lock:
            expected = self.version() if manifest.revision == UNREAD else manifest.revision
            if expected is None:
                saved = self._insert(manifest)
            else:
                with self._database.session() as session:
                    changed = session.execute(
                        update(ManifestRow)
                        .where(ManifestRow.collection == self._collection, ManifestRow.version == expected)
                        .values(version=ManifestRow.version + 1, body=manifest.to_json())
                    )
                    saved = changed.rowcount == 1  # type: ignore[attr-defined]
            if not saved:
                raise Conflict(CONFLICT)
            self._cached = manifest
            manifest.revision = self._cached_version = self.version()
