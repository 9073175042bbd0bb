"""One-shot faults, queued by tests and consumed by the requests they match.

A fault targets a route class and applies to the next ``count`` matching requests, after which it is
gone. Faults are matched in the order they were added.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Any

from airflow_provider_uipath.emulator.route_classes import RouteClass
from airflow_provider_uipath.emulator.vocabulary import EnumT, parse_enum

DEFAULT_FAULT_COUNT = 1


class FaultKind(str, Enum):
    """What a fault does to the request it matches."""

    STATUS = "status"
    BAD_GATEWAY = "bad_gateway"
    BAD_GATEWAY_AFTER_CREATE = "bad_gateway_after_create"
    DROP = "drop"
    DROP_AFTER_CREATE = "drop_after_create"
    DELAY = "delay"

    @property
    def handles_request_first(self) -> bool:
        """Whether the request is handled normally (creating its job) before the fault hits."""
        return self in (FaultKind.BAD_GATEWAY_AFTER_CREATE, FaultKind.DROP_AFTER_CREATE)


class FaultError(ValueError):
    """A fault description that cannot be used."""


@dataclass(frozen=True)
class Fault:
    """A fault to inject.

    :param kind: ``status`` (answer ``status_code``), ``bad_gateway`` (Cloudflare-like 502, nothing
        created), ``bad_gateway_after_create`` (the job is created, then the 502), ``drop`` (the
        connection breaks in the middle of the response), ``drop_after_create`` (the job is created,
        then the drop) or ``delay`` (wait ``seconds``, then answer normally).
    :param route: the route class it matches; the ``*_after_create`` kinds need ``invoke``.
    :param status_code: the status of a ``status`` fault.
    :param body: the body of a ``status`` fault: a JSON value, or a string sent as text; by default an
        Orchestrator error object.
    :param retry_after: a ``Retry-After`` value (seconds) for a ``status`` fault.
    :param seconds: the wait of a ``delay`` fault.
    :param count: how many consecutive matching requests it applies to.
    """

    kind: FaultKind
    route: RouteClass = RouteClass.ANY
    status_code: int | None = None
    body: Any = None
    retry_after: int | None = None
    seconds: float | None = None
    count: int = DEFAULT_FAULT_COUNT

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _fault_enum(FaultKind, self.kind, "A fault's kind"))
        object.__setattr__(self, "route", _fault_enum(RouteClass, self.route, "A fault's route"))
        self._check_consistency()

    @classmethod
    def from_dict(cls, data: object) -> Fault:
        """Build a fault from its JSON object (the body of ``POST /_emulator/faults``).

        :param data: a mapping whose keys are the field names of this class.
        :raises FaultError: when a key is unknown or a value is not usable.
        """
        if not isinstance(data, dict):
            raise FaultError(f"Expected a JSON object for a fault; got {type(data).__name__}.")
        allowed = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(data) - allowed)
        if unknown or "kind" not in data:
            raise FaultError(f"A fault needs 'kind' and only the keys {sorted(allowed)}; got {sorted(data)}.")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of this fault."""
        return {**dataclasses.asdict(self), "kind": self.kind.value, "route": self.route.value}

    def matches(self, route: RouteClass) -> bool:
        """Whether this fault applies to a request of the route class ``route``.

        :param route: the route class of the request.
        """
        if route is RouteClass.ADMIN:
            return False
        return self.route is RouteClass.ANY or self.route is route

    def _check_consistency(self) -> None:
        if self.route is RouteClass.ADMIN:
            raise FaultError("Faults cannot target the admin API.")
        if self.kind is FaultKind.STATUS and not _is_status(self.status_code):
            raise FaultError(
                f"A status fault needs status_code between 100 and 599; got {self.status_code!r}."
            )
        if self.kind.handles_request_first and self.route is not RouteClass.INVOKE:
            raise FaultError(f"A {self.kind.value} fault needs route 'invoke'; got {self.route.value!r}.")
        if self.kind is FaultKind.DELAY and (self.seconds is None or self.seconds < 0):
            raise FaultError(f"A delay fault needs seconds >= 0; got {self.seconds!r}.")
        if not isinstance(self.count, int) or self.count < 1:
            raise FaultError(f"A fault's count must be a whole number of at least 1; got {self.count!r}.")


class FaultQueue:
    """The pending faults, safe to use from the server thread and from tests."""

    def __init__(self) -> None:
        self._pending: list[tuple[Fault, int]] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue a fault behind the ones already pending.

        :param fault: the fault to queue.
        """
        with self._lock:
            self._pending.append((fault, fault.count))

    def take(self, route: RouteClass) -> Fault | None:
        """Use up one application of the first pending fault that matches ``route``.

        :param route: the route class of the request being handled.
        :returns: the fault to apply, or ``None`` when none matches.
        """
        with self._lock:
            for index, (fault, remaining) in enumerate(self._pending):
                if not fault.matches(route):
                    continue
                if remaining > 1:
                    self._pending[index] = (fault, remaining - 1)
                else:
                    del self._pending[index]
                return fault
        return None

    def pending(self) -> list[Fault]:
        """Return the pending faults, each with its remaining count."""
        with self._lock:
            return [dataclasses.replace(fault, count=remaining) for fault, remaining in self._pending]

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._pending.clear()


def _fault_enum(enum_type: type[EnumT], value: object, what: str) -> EnumT:
    try:
        return parse_enum(enum_type, value, what)
    except ValueError as error:
        raise FaultError(str(error)) from None


def _is_status(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599
