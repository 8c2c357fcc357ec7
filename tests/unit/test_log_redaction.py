"""No credential reaches a log line, whichever way it was sent."""

from __future__ import annotations

import logging

from uvicorn.logging import AccessFormatter

from assistant.api.log_redaction import CredentialFilter, install, redact_credentials

KEY = "gva_3x4mpleKey-with_URLsafe0123456789abcdef"


def test_keys_bearer_tokens_and_query_credentials_are_redacted():
    for line in (
        f"GET /v1/hotline/live?token={KEY}&sample_rate=16000",
        f"Authorization: Bearer {KEY}",
        f"问题里贴了密钥 {KEY}",
        "GET /x?api_key=s3cret&y=1",
        "bearer abc.def",
    ):
        redacted = redact_credentials(line)
        assert KEY not in redacted and "s3cret" not in redacted and "abc.def" not in redacted, line
    assert redact_credentials("GET /v1/search?top_k=5 200") == "GET /v1/search?top_k=5 200"


def test_the_filter_keeps_uvicorn_access_records_formattable():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/v1/hotline/live?token={KEY}", "1.1", 200),
        None,
    )
    assert CredentialFilter().filter(record)
    line = AccessFormatter(fmt="%(client_addr)s %(request_line)s %(status_code)s", use_colors=False).format(
        record
    )
    assert KEY not in line and "/v1/hotline/live?token=" in line and "200" in line


def test_install_adds_the_filter_once():
    logger = logging.getLogger("uvicorn.access")
    install()
    install()
    assert sum(isinstance(f, CredentialFilter) for f in logger.filters) == 1
