"""Who is calling, decided from the headers alone, before any body is read: the client's address
and the principal behind the credential.

The address is the connection's peer. ``X-Forwarded-For`` is believed only when that peer is one of
``api.trusted_proxies``; the client is then the right-most address of the header that is not itself
a trusted proxy (each proxy appends the address it saw, so what a client writes on the left is
never taken). With no trusted proxies the header is ignored, so a rate-limited client cannot
become a new one by sending a new address.

The credential is an API key, as ``Authorization: Bearer <key>``. Browsers cannot set headers on a
WebSocket, so the live-call socket may instead offer the subprotocols ``govassist`` and
``bearer.<key>``; the server answers with ``govassist``. A key never travels in a URL, which
access logs write.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import Scope

from assistant.api.security import Principal, authenticate
from assistant.wiring import Services

WEBSOCKET_PROTOCOL = "govassist"
_BEARER_PROTOCOL = "bearer."
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The reverse proxies whose ``X-Forwarded-For`` is believed."""

    def __init__(self, networks: Sequence[Network]) -> None:
        self._networks = tuple(networks)

    def _trusted(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self._networks)

    def client_address(self, scope: Scope, headers: Headers) -> str:
        peer = scope["client"][0] if scope.get("client") else "unknown"
        forwarded = headers.get("x-forwarded-for", "")
        if not forwarded or not self._trusted(peer):
            return peer
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        return next((hop for hop in reversed(hops) if not self._trusted(hop)), hops[0] if hops else peer)


def presented_key(scope: Scope, headers: Headers) -> str | None:
    """The API key a request presents; ``None`` when it presents none, ``""`` when it is malformed."""
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, key = authorization.partition(" ")
        return key.strip() if scheme.lower() == "bearer" else ""
    if scope["type"] == "websocket":
        offered = (p.strip() for p in headers.get("sec-websocket-protocol", "").split(","))
        return next(
            (p.removeprefix(_BEARER_PROTOCOL) for p in offered if p.startswith(_BEARER_PROTOCOL)), None
        )
    return None


async def identify(services: Services, key: str | None, client: str) -> Principal | None:
    """The caller: the anonymous public (no key), a key holder, or ``None`` for a key that is not valid."""
    if key is None:
        return Principal(role="public", name=f"public:{client}")
    return await run_in_threadpool(authenticate, services.database, key)
