"""The error hierarchy shared by every part of gov-assistant.

Backends translate library errors at their edge (``raise BackendUnavailable(...) from exc``);
the CLI turns an ``AssistantError`` into one clear line and a non-zero exit, the API into one
JSON error shape. Messages are written for the person who must act on them: they name the
setting to change or the accepted values.
"""


class AssistantError(Exception):
    """Base class for every error this project raises on purpose."""


class ConfigurationError(AssistantError):
    """A setting is missing or wrong (for example a model path that does not exist)."""


class BackendUnavailable(AssistantError):
    """An outside system (vector store, model server, database) cannot be reached or loaded."""


class BadInput(AssistantError):
    """The caller gave something we cannot use: an unreadable file, an empty upload, a bad value."""


class NotFound(AssistantError):
    """The thing asked for does not exist (a document id, a session)."""


class IndexMismatch(AssistantError):
    """The knowledge base was built with a different embedder than the one configured."""


class Conflict(AssistantError):
    """Another process changed the same thing at the same moment; the change was not made (retry)."""
