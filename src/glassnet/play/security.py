"""The guard in front of every playground request (HTTP and WebSocket).

A page on ``127.0.0.1`` that trains networks is reachable by every web site the user opens
(cross-site requests, DNS rebinding), so each request must pass, in this order:

1. **Host** is one of the names this server answers to (``127.0.0.1:PORT``,
   ``localhost:PORT``, ``[::1]:PORT``, or the address given with ``--host``): a rebound
   attacker's name is refused (400).
2. **Origin**, when sent, is this server's own origin; ``null`` and foreign origins are refused
   (403). State changes (POST) and WebSockets must carry it: browsers always send it there.
3. **Token**: the run's random token, in the ``X-Glassnet-Token`` header or the ``token`` query
   parameter, compared in constant time; missing or wrong is refused (401).
4. **POST** bodies must be ``application/json`` (415 otherwise: a form post from another site
   is a "simple request" that needs no preflight) and at most the route's size limit (413),
   counted on the bytes received, whatever Content-Length claims.

WebSockets that fail a check are closed before they are accepted (the client sees HTTP 403).
Every HTTP response gets headers that keep the page to itself: a strict Content Security
Policy (no inline script, no other origin), no framing, no sniffing, no referrer.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

__all__ = ["Guard", "allowed_hosts"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
     b"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host header values this server answers to."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("127.0.0.1", "localhost", "::1"):
        names.add(f"[{host}]" if ":" in host else host)
    return {f"{name}:{port}" for name in names}


class Guard:
    """ASGI middleware: Host, Origin, token, JSON-only POST and size limits (see module)."""

    def __init__(self, app: ASGIApp, *, token: str, hosts: set[str], max_body: int = 64 * 1024,
                 limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.token = token.encode("ascii")
        self.hosts = {h.lower() for h in hosts}
        self.origins = {f"http://{h}" for h in self.hosts}
        self.max_body = max_body
        self.limits = dict(limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, list[bytes]] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.lower(), []).append(value)
        refusal = self._check(scope, headers)
        if refusal is None and kind == "http" and scope["method"] == "POST":
            refusal = self._check_post(headers)
            if refusal is None:
                body, too_big = await self._read_body(receive, self._limit(scope["path"]))
                if too_big:
                    refusal = (413, "request body too large")
                else:
                    receive = _replay(body)
        if refusal is not None:
            await _refuse(scope, receive, send, *refusal)
            return
        if kind == "http":
            await self.app(scope, receive, _with_headers(send))
        else:
            await self.app(scope, receive, send)

    def _limit(self, path: str) -> int:
        return self.limits.get(path, self.max_body)

    def _check(self, scope: Scope, headers: dict[bytes, list[bytes]]) -> tuple[int, str] | None:
        host = headers.get(b"host", [])
        if len(host) != 1 or host[0].decode("latin-1").lower() not in self.hosts:
            return 400, "unknown Host"
        origin = headers.get(b"origin", [])
        if len(origin) > 1:
            return 403, "more than one Origin"
        if origin:
            if origin[0].decode("latin-1").lower() not in self.origins:
                return 403, "foreign Origin"
        elif scope["type"] == "websocket" or scope.get("method") not in ("GET", "HEAD"):
            return 403, "missing Origin"
        sent = headers.get(b"x-glassnet-token", [])
        if not sent:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            sent = [v.encode("latin-1") for v in query.get("token", [])]
        if len(sent) != 1 or not hmac.compare_digest(sent[0], self.token):
            return 401, "missing or wrong token"
        return None

    def _check_post(self, headers: dict[bytes, list[bytes]]) -> tuple[int, str] | None:
        ctype = b";".join(headers.get(b"content-type", [])).decode("latin-1")
        if ctype.split(";")[0].strip().lower() != "application/json":
            return 415, "state changes take JSON only (Content-Type: application/json)"
        length = headers.get(b"content-length", [])
        if length:
            try:
                declared = int(length[0])
            except ValueError:
                return 400, "bad Content-Length"
            if declared > max([self.max_body, *self.limits.values()]):
                return 413, "request body too large"
        return None

    @staticmethod
    async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return b"", True
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks), False


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}
    return receive


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
        await send(message)
    return wrapped


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # the client's "websocket.connect", answered with a close (HTTP 403)
        await send({"type": "websocket.close", "code": 1008, "reason": reason})
        return
    body = ('{"error":"' + reason + '"}').encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
