"""The middleware that applies queued faults to the requests they match.

A fault is taken from the queue before the request is handled. ``status`` and ``bad_gateway``
answer instead of the endpoint; ``delay`` waits, then lets the endpoint answer; the
``*_after_create`` kinds let the endpoint run (so the job is created) and throw its answer away;
``drop`` kinds start a response that announces a body, send part of it, then break the connection.

Because the ``*_after_create`` kinds let the endpoint answer in full first, on a LongPolling call
the 502 or the drop comes after the hold, as a proxy that gives up on a long request would do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_uipath.emulator.errors import ERROR_CODE_GENERIC
from airflow_provider_uipath.emulator.faults import Fault, FaultKind, FaultQueue
from airflow_provider_uipath.emulator.request_log import FAULT_SCOPE_KEY, ROUTE_CLASS_SCOPE_KEY, request_id_of
from airflow_provider_uipath.emulator.route_classes import RouteClass

BAD_GATEWAY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    "</body>\r\n</html>\r\n"
)
DROPPED_BODY_PREFIX = b'{"message": "this response is cut short by an injected fault'
DROPPED_BODY_ANNOUNCED_LENGTH = 4096


class InjectedConnectionDrop(Exception):
    """Raised after a partial response so that the server closes the connection."""


class InjectedDropLogFilter(logging.Filter):
    """Keep the server's error log free of the tracebacks that injected drops cause on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Drop records caused by :class:`InjectedConnectionDrop`.

        :param record: a log record of the server.
        """
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, InjectedConnectionDrop)


class FaultInjectionMiddleware:
    """Apply the first queued fault that matches each request.

    :param app: the application to wrap.
    :param faults: the queue of faults.
    """

    def __init__(self, app: ASGIApp, faults: FaultQueue) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fault = self.faults.take(scope.get(ROUTE_CLASS_SCOPE_KEY, RouteClass.OTHER))
        if fault is None:
            await self.app(scope, receive, send)
            return
        scope[FAULT_SCOPE_KEY] = fault.kind.value
        await self._apply(fault, scope, receive, send)

    async def _apply(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if fault.kind is FaultKind.DELAY:
            await asyncio.sleep(fault.seconds or 0.0)
            await self.app(scope, receive, send)
            return
        if fault.kind.handles_request_first:
            await self.app(scope, receive, _discard)
        if fault.kind in (FaultKind.DROP, FaultKind.DROP_AFTER_CREATE):
            await _break_connection(send)
        elif fault.kind in (FaultKind.BAD_GATEWAY, FaultKind.BAD_GATEWAY_AFTER_CREATE):
            await _send_response(send, 502, BAD_GATEWAY_PAGE.encode(), _bad_gateway_headers())
        else:
            await _send_status_fault(fault, scope, send)


async def _discard(message: Message) -> None:
    """Swallow the response of a request whose answer a fault replaces."""


async def _break_connection(send: Send) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(DROPPED_BODY_ANNOUNCED_LENGTH).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": DROPPED_BODY_PREFIX, "more_body": True})
    raise InjectedConnectionDrop("A drop fault cut the response short.")


async def _send_status_fault(fault: Fault, scope: Scope, send: Send) -> None:
    status_code = fault.status_code or 500
    headers = [] if fault.retry_after is None else [(b"retry-after", str(fault.retry_after).encode())]
    if isinstance(fault.body, str):
        await _send_response(
            send, status_code, fault.body.encode(), [(b"content-type", b"text/plain"), *headers]
        )
        return
    body = fault.body
    if body is None:
        body = {
            "message": f"An injected fault answers HTTP {status_code}.",
            "errorCode": ERROR_CODE_GENERIC,
            "traceId": request_id_of(scope),
        }
    await _send_response(
        send, status_code, json.dumps(body).encode(), [(b"content-type", b"application/json"), *headers]
    )


async def _send_response(
    send: Send, status_code: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _bad_gateway_headers() -> list[tuple[bytes, bytes]]:
    ray_id = f"{secrets.token_hex(8)}-EMU"
    return [(b"content-type", b"text/html"), (b"server", b"cloudflare"), (b"cf-ray", ray_id.encode())]
