"""Who is calling, from the headers alone: the client address behind trusted proxies only, and
the key from the Authorization header or a WebSocket subprotocol, never the URL."""

from __future__ import annotations

import ipaddress

import pytest
from fastapi import HTTPException
from starlette.datastructures import Headers

from assistant.api.callers import TrustedProxies, presented_key
from assistant.api.uploads import safe_filename


def _scope(peer: str, kind: str = "http") -> dict:
    return {"type": kind, "client": (peer, 50000)}


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    headers = Headers({"x-forwarded-for": "198.51.100.9"})
    assert TrustedProxies([]).client_address(_scope("127.0.0.1"), headers) == "127.0.0.1"
    proxies = TrustedProxies([ipaddress.ip_network("10.0.0.0/8")])
    assert proxies.client_address(_scope("203.0.113.5"), headers) == "203.0.113.5"
    assert proxies.client_address(_scope("10.1.2.3"), headers) == "198.51.100.9"


def test_behind_a_proxy_the_client_cannot_choose_its_address():
    proxies = TrustedProxies([ipaddress.ip_network("10.0.0.0/8")])
    spoofed = Headers({"x-forwarded-for": "1.2.3.4, 198.51.100.9, 10.0.0.2"})  # client wrote 1.2.3.4 itself
    assert proxies.client_address(_scope("10.0.0.1"), spoofed) == "198.51.100.9"


def test_the_key_comes_from_the_header_or_a_websocket_subprotocol():
    assert presented_key(_scope("1.1.1.1"), Headers({"authorization": "Bearer gva_k"})) == "gva_k"
    assert presented_key(_scope("1.1.1.1"), Headers({"authorization": "Basic Zm9v"})) == ""
    assert presented_key(_scope("1.1.1.1"), Headers({})) is None
    offered = Headers({"sec-websocket-protocol": "govassist, bearer.gva_k"})
    assert presented_key(_scope("1.1.1.1", "websocket"), offered) == "gva_k"
    assert presented_key(_scope("1.1.1.1"), offered) is None  # only a WebSocket carries it there


@pytest.mark.parametrize("raw", ["", ".", "..", "a/..", "C:\\..", "名" * 86, "a\x00b.txt", "a\nb.txt"])
def test_unsafe_upload_names_are_refused_with_a_clear_400(raw):
    with pytest.raises(HTTPException) as refused:
        safe_filename(raw)
    assert refused.value.status_code == 400 and "文件名" in str(refused.value.detail)


def test_an_upload_name_is_its_last_component():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\张三\\申请表.docx") == "申请表.docx"
    assert safe_filename("名" * 85) == "名" * 85  # 255 bytes
