"""Credentials never reach a log: a filter that rewrites API keys, bearer tokens and
``token=``/``key=`` query parameters in every record of the loggers it is installed on.

Keys no longer travel in URLs (``assistant.api.callers``); this is the second line, for an old
client still sending ``?token=``, a proxy's header echoed in an error, or a key pasted into a
question. ``install`` puts it on uvicorn's loggers (the access log writes every URL); it adds a
filter and configures no handler.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[已隐去]"
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer\s+)[^\s\"',;]+"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)([?&;\s](?:token|access_token|api_key|apikey|key)=)[^&\s\"']+"), rf"\1{REDACTED}"),
    (re.compile(r"\bgva_[A-Za-z0-9_-]+"), f"gva_{REDACTED}"),
)
LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error")


def redact_credentials(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redacted(value: object) -> object:
    return redact_credentials(value) if isinstance(value, str) else value


class CredentialFilter(logging.Filter):
    """Redacts credentials in a record's message and in each of its arguments, keeping the
    arguments' places (uvicorn's access formatter unpacks them); it never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {name: _redacted(arg) for name, arg in record.args.items()}
        return True


def install(names: tuple[str, ...] = LOGGERS) -> None:
    """Add the filter to each named logger once (records propagated from child loggers are not
    filtered by a parent, hence every logger that writes one)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, CredentialFilter) for existing in logger.filters):
            logger.addFilter(CredentialFilter())
