"""Who may read and who may manage which documents: sensitivity levels (分级) and departments.

Every document has a level: 公开 (public), 内部 (internal: agents and staff) or 敏感 (restricted:
its owner department's staff only), and an owner department (empty: the installation's own).
An ``Access`` value says what one caller may read; it is built from the caller (``for_caller``)
and passed with every search, so the searcher and the answer chain stay one instance per process.
The index applies it inside the query (``retrieval.index.FilterSpec``), never to results after
retrieval; records that quote documents (conversation turns, follow-up items) are shown through
``readable_documents``. Managing (upload, delete, reclassify) is ``may_manage``: a department's admin manages
its own department's documents; an admin without a department manages every document.

This module decides nothing about roles themselves (``api.security``) nor how a backend filters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from assistant.errors import BadInput
from assistant.retrieval.manifest import Manifest

Sensitivity = Literal["公开", "内部", "敏感"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("公开", "内部", "敏感")
PUBLIC_LEVEL: Sensitivity = "公开"
RESTRICTED_LEVEL: Sensitivity = "敏感"


def check_sensitivity(value: str, origin: str = "") -> Sensitivity:
    """``value`` as a level, or ``BadInput`` listing the accepted ones."""
    level = value.strip()
    if level not in SENSITIVITIES:
        prefix = f"{origin}：" if origin else ""
        raise BadInput(f"{prefix}密级“{value}”无效，可选：{'、'.join(SENSITIVITIES)}")
    return level


@dataclass(frozen=True)
class Access:
    """What a caller may read: documents of ``levels`` (from any department), and also the 敏感
    documents owned by one of ``departments``. ``levels`` holding 敏感 means every department's."""

    levels: tuple[Sensitivity, ...] = (PUBLIC_LEVEL,)
    departments: tuple[str, ...] = ()

    @classmethod
    def public(cls) -> Access:
        return cls()

    @classmethod
    def everything(cls) -> Access:
        """This machine's operator (command line, benches): every document."""
        return cls(SENSITIVITIES)

    @classmethod
    def for_caller(cls, role: str, department: str = "") -> Access:
        """The public reads 公开; agents and admins also 内部 and their department's 敏感; an admin
        without a department (the installation-wide admin) reads everything."""
        if role == "public":
            return cls.public()
        if role == "admin" and not department:
            return cls.everything()
        return cls(("公开", "内部"), (department,) if department else ())

    def can_read(self, sensitivity: str, owner_department: str) -> bool:
        """The same rule as the index filter, for listings of the manifest (the admin document list)."""
        level = sensitivity or PUBLIC_LEVEL  # documents indexed before levels existed were public
        return level in self.levels or (level == RESTRICTED_LEVEL and owner_department in self.departments)


def may_manage(department: str, owner_department: str) -> bool:
    """Whether an admin of ``department`` may upload, delete or reclassify a document owned by
    ``owner_department`` ("" for either: the installation-wide admin, an unowned document)."""
    return not department or department == owner_department


def readable_documents(access: Access, manifest: Manifest) -> Callable[[str], bool]:
    """Whether ``access`` may read a document named by any id it has had. A document no longer in
    the knowledge base has no level to check: only a caller who reads everything gets it."""

    def readable(doc_id: str) -> bool:
        entry = manifest.documents.get(manifest.resolve(doc_id))
        if entry is None:
            return RESTRICTED_LEVEL in access.levels
        return access.can_read(entry.sensitivity, entry.owner_department)

    return readable
