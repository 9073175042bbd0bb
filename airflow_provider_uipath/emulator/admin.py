"""The emulator's own admin API under ``/_emulator/``: inspect, reset, configure, inject faults.

No token is needed, but only loopback clients are served. Bodies and answers are JSON.

- ``GET /_emulator/jobs``: every job, with state, trigger slug, inputs and outputs
- ``GET /_emulator/requests``: every request answered (admin requests excepted)
- ``GET /_emulator/stats``: jobs created, token requests, requests per route class
- ``POST /_emulator/reset``: back to the configuration
- ``GET`` / ``POST /_emulator/config``: read the configuration / change knobs ``{"knob": value}``
- ``GET`` / ``POST`` / ``DELETE /_emulator/faults``: list, queue (one fault object), clear faults
- ``GET /_emulator/clock``, ``POST /_emulator/clock/advance`` ``{"seconds": x}``
- ``POST /_emulator/triggers``: add or replace a trigger (a trigger object, as in the config file)
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.clock import format_timestamp
from airflow_provider_uipath.emulator.config import TriggerSpec
from airflow_provider_uipath.emulator.errors import ERROR_CODE_INVALID_REQUEST, OrchestratorError
from airflow_provider_uipath.emulator.faults import Fault
from airflow_provider_uipath.emulator.job_views import JobSnapshot
from airflow_provider_uipath.emulator.json_bodies import read_json_object
from airflow_provider_uipath.emulator.state import EmulatorState

ADMIN_ROOT = "/_emulator"

ResultT = TypeVar("ResultT")
Endpoint = Callable[[Request], Awaitable[Response]]


class AdminEndpoints:
    """The admin API.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the routes, at the root of the host."""
        endpoints = [
            ("/jobs", self.list_jobs, "GET"),
            ("/requests", self.list_requests, "GET"),
            ("/stats", self.stats, "GET"),
            ("/reset", self.reset, "POST"),
            ("/config", self.read_config, "GET"),
            ("/config", self.set_knobs, "POST"),
            ("/faults", self.list_faults, "GET"),
            ("/faults", self.add_fault, "POST"),
            ("/faults", self.clear_faults, "DELETE"),
            ("/clock", self.read_clock, "GET"),
            ("/clock/advance", self.advance_clock, "POST"),
            ("/triggers", self.put_trigger, "POST"),
        ]
        return [
            Route(f"{ADMIN_ROOT}{path}", _for_loopback_clients_only(endpoint), methods=[method])
            for path, endpoint, method in endpoints
        ]

    async def list_jobs(self, request: Request) -> Response:
        """List every job.

        :param request: the request.
        """
        now = self.state.now()
        return JSONResponse([JobSnapshot.of(job, now).to_dict() for job in self.state.jobs()])

    async def list_requests(self, request: Request) -> Response:
        """List every recorded request.

        :param request: the request.
        """
        return JSONResponse([record.to_dict() for record in self.state.request_log.records()])

    async def stats(self, request: Request) -> Response:
        """Answer the counters.

        :param request: the request.
        """
        return JSONResponse(self.state.stats().to_dict())

    async def reset(self, request: Request) -> Response:
        """Return to the configuration.

        :param request: the request.
        """
        self.state.reset()
        return Response(status_code=204)

    async def read_config(self, request: Request) -> Response:
        """Answer the configuration in force: knobs and triggers as changed at runtime.

        :param request: the request.
        """
        config = self.state.config.to_dict()
        config["knobs"] = self.state.knobs.to_dict()
        config["triggers"] = [trigger.to_dict() for trigger in self.state.triggers()]
        return JSONResponse(config)

    async def set_knobs(self, request: Request) -> Response:
        """Change knobs; the body maps knob names to values.

        :param request: the request.
        """
        changes = await read_json_object(request)
        knobs = _applied(lambda: self.state.configure(**changes))
        return JSONResponse(knobs.to_dict())

    async def list_faults(self, request: Request) -> Response:
        """List the pending faults.

        :param request: the request.
        """
        return JSONResponse([fault.to_dict() for fault in self.state.faults.pending()])

    async def add_fault(self, request: Request) -> Response:
        """Queue a fault; the body is one fault object.

        :param request: the request.
        """
        data = await read_json_object(request)
        fault = _applied(lambda: Fault.from_dict(data))
        self.state.faults.add(fault)
        return JSONResponse(fault.to_dict(), status_code=201)

    async def clear_faults(self, request: Request) -> Response:
        """Drop every pending fault.

        :param request: the request.
        """
        self.state.faults.clear()
        return Response(status_code=204)

    async def read_clock(self, request: Request) -> Response:
        """Answer the emulator's time.

        :param request: the request.
        """
        return JSONResponse(self._clock_body())

    async def advance_clock(self, request: Request) -> Response:
        """Fast-forward the clock by ``{"seconds": x}``.

        :param request: the request.
        """
        seconds = (await read_json_object(request)).get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise OrchestratorError(
                400,
                f"Advance the clock by a number of seconds >= 0; got {seconds!r}.",
                error_code=ERROR_CODE_INVALID_REQUEST,
            )
        self.state.advance_clock(float(seconds))
        return JSONResponse(self._clock_body())

    async def put_trigger(self, request: Request) -> Response:
        """Add or replace a trigger; the body is a trigger object as in the configuration file.

        :param request: the request.
        """
        data = await read_json_object(request)
        trigger = _applied(lambda: self.state.put_trigger(TriggerSpec.from_dict(data)))
        return JSONResponse(trigger.to_dict(), status_code=201)

    def _clock_body(self) -> dict[str, Any]:
        return {"now": format_timestamp(self.state.now()), "offset_seconds": self.state.clock.offset}


def _for_loopback_clients_only(endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        host = request.client.host if request.client else ""
        if not _is_loopback(host):
            raise OrchestratorError(
                403, f"The admin API only answers loopback clients, not {host or 'unknown'}."
            )
        return await endpoint(request)

    return guarded


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _applied(action: Callable[[], ResultT]) -> ResultT:
    try:
        return action()
    except (ValueError, TypeError) as error:
        raise OrchestratorError(400, str(error), error_code=ERROR_CODE_INVALID_REQUEST) from None
