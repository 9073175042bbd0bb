"""The record of every request the emulator answered, and the middleware that keeps it.

The middleware gives each request an id (sent back as ``X-Request-Id`` and used as the ``traceId`` of
error bodies), classifies its route, and records it once the exchange is over, so a held
LongPolling request shows up when it is answered. Requests to the admin API (``/_emulator/``) are
not recorded, so inspecting the log does not change it.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from airflow_provider_uipath.emulator.clock import format_timestamp
from airflow_provider_uipath.emulator.route_classes import RouteClass, classify_route

REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_SCOPE_KEY = "uipath_emulator.request_id"
ROUTE_CLASS_SCOPE_KEY = "uipath_emulator.route_class"
FAULT_SCOPE_KEY = "uipath_emulator.fault"
STATUS_NOT_SENT = 0


@dataclass(frozen=True)
class RequestRecord:
    """One request, as the emulator saw it.

    :param request_id: the ``X-Request-Id`` sent back.
    :param method: the HTTP method.
    :param path: the path, without the query string.
    :param query: the raw query string.
    :param host: the ``Host`` header.
    :param has_authorization: whether an ``Authorization`` header was sent.
    :param status_code: the response status (0 when no response started).
    :param route_class: the route class, e.g. ``invoke``.
    :param timestamp: when the request arrived, on the emulator's clock.
    :param fault: the kind of fault injected into this request, if any.
    """

    request_id: str
    method: str
    path: str
    query: str
    host: str
    has_authorization: bool
    status_code: int
    route_class: RouteClass
    timestamp: str
    fault: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this record."""
        return {**asdict(self), "route_class": self.route_class.value}


class RequestLog:
    """The records, in arrival order."""

    def __init__(self) -> None:
        self._records: list[RequestRecord] = []
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        """Add a record.

        :param record: the request just answered.
        """
        with self._lock:
            self._records.append(record)

    def records(self) -> list[RequestRecord]:
        """Return a copy of every record."""
        with self._lock:
            return list(self._records)

    def counts_by_route_class(self) -> dict[str, int]:
        """Return how many requests each route class received."""
        with self._lock:
            counts = Counter(record.route_class.value for record in self._records)
        return dict(counts)

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._records.clear()


class RequestObserver(Protocol):
    """What the middleware needs from the emulator's state."""

    @property
    def tenant_path(self) -> tuple[str, str]:
        """The organization and tenant names."""
        ...

    def now(self) -> float:
        """The time on the emulator's clock."""
        ...

    def record_request(self, record: RequestRecord) -> None:
        """Keep a record."""
        ...


class RequestLogMiddleware:
    """Give every request an id and a route class, add ``X-Request-Id``, record the request.

    :param app: the application to wrap.
    :param observer: where to record requests.
    """

    def __init__(self, app: ASGIApp, observer: RequestObserver) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        route_class = classify_route(scope["path"], *self.observer.tenant_path)
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        scope[ROUTE_CLASS_SCOPE_KEY] = route_class
        arrived_at = self.observer.now()
        sent_status = STATUS_NOT_SENT

        async def send_with_request_id(message: Message) -> None:
            nonlocal sent_status
            if message["type"] == "http.response.start":
                sent_status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            if route_class is not RouteClass.ADMIN:
                self.observer.record_request(_record_of(scope, sent_status, arrived_at))


def request_id_of(scope: MutableMapping[str, Any]) -> str:
    """Return the id the middleware gave the request (a fresh one outside the middleware).

    :param scope: the ASGI scope of the request.
    """
    return str(scope.setdefault(REQUEST_ID_SCOPE_KEY, str(uuid.uuid4())))


def _record_of(scope: Scope, status_code: int, arrived_at: float) -> RequestRecord:
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
    return RequestRecord(
        request_id=scope[REQUEST_ID_SCOPE_KEY],
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        host=headers.get("host", ""),
        has_authorization="authorization" in headers,
        status_code=status_code,
        route_class=scope[ROUTE_CLASS_SCOPE_KEY],
        timestamp=format_timestamp(arrived_at),
        fault=scope.get(FAULT_SCOPE_KEY),
    )
