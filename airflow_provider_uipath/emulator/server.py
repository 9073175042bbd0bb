"""Run the emulator on loopback: in a background thread for tests, or in the foreground for the CLI.

Example::

    with EmulatorServer() as emulator:
        emulator.configure(redirect_status=302)
        headers = {"Authorization": "Bearer emulator-pat"}
        httpx.post(emulator.invoke_url("invoice-sync"), json={}, headers=headers)
        assert len(emulator.jobs()) == 1
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn

from airflow_provider_uipath.emulator.app import create_app
from airflow_provider_uipath.emulator.config import EmulatorConfig, TriggerSpec
from airflow_provider_uipath.emulator.fault_injection import InjectedDropLogFilter
from airflow_provider_uipath.emulator.faults import DEFAULT_FAULT_COUNT, Fault, FaultKind
from airflow_provider_uipath.emulator.job_views import JobSnapshot
from airflow_provider_uipath.emulator.knobs import Knobs
from airflow_provider_uipath.emulator.request_log import RequestRecord
from airflow_provider_uipath.emulator.route_classes import RouteClass
from airflow_provider_uipath.emulator.state import EmulatorState, EmulatorStats
from airflow_provider_uipath.emulator.vocabulary import parse_enum

LOOPBACK_HOST = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0
GRACEFUL_SHUTDOWN_SECONDS = 1
DEFAULT_LOG_LEVEL = "warning"
HELD_REQUEST_TIMEOUT_SECONDS = 10.0

_INJECTED_DROP_LOG_FILTER = InjectedDropLogFilter()


class _ReadyReportingServer(uvicorn.Server):
    """A uvicorn server that calls ``on_ready`` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self._on_ready()


def bind_loopback_socket(host: str = LOOPBACK_HOST, port: int = 0) -> socket.socket:
    """Open a listening socket on a loopback address; port 0 picks a free port.

    :param host: the loopback address to bind, e.g. ``127.0.0.1`` or ``::1``.
    :param port: the port, or 0.
    :raises ValueError: when ``host`` is not a loopback address.
    """
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"The emulator only listens on loopback addresses; got {host!r}.")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(socket.SOMAXCONN)
    return listener


def build_uvicorn_server(
    state: EmulatorState,
    on_ready: Callable[[], None],
    log_level: str = DEFAULT_LOG_LEVEL,
) -> uvicorn.Server:
    """Return a uvicorn server for the emulator that reports when it is ready.

    :param state: the state to serve.
    :param on_ready: called once the server accepts connections.
    :param log_level: uvicorn's log level.
    """
    logging.getLogger("uvicorn.error").addFilter(_INJECTED_DROP_LOG_FILTER)
    config = uvicorn.Config(
        create_app(state=state),
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return _ReadyReportingServer(config, on_ready)


class EmulatorServer:
    """The emulator on ``127.0.0.1``, served by uvicorn in a background thread.

    Use it as a context manager: entering returns once the server accepts connections, leaving stops
    it (a stopped server cannot be started again). Tests reach the state directly through
    :attr:`state` and the helpers below.

    :param config: the configuration; the shipped default when ``None``.
    :param port: the port; 0 picks a free one.
    """

    def __init__(self, config: EmulatorConfig | None = None, port: int = 0) -> None:
        self.state = EmulatorState(config or EmulatorConfig.default())
        self._requested_port = port
        self._port: int | None = None
        self._ready = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._startup_error: BaseException | None = None

    @property
    def config(self) -> EmulatorConfig:
        """The configuration the server started from."""
        return self.state.config

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("The emulator has not started; use it as a context manager or call start().")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{LOOPBACK_HOST}:{self.port}"

    @property
    def tenant_url(self) -> str:
        """``http://127.0.0.1:PORT/{org}/{tenant}``."""
        return f"{self.base_url}/{self.config.org}/{self.config.tenant}"

    def invoke_url(self, slug: str) -> str:
        """Return the full URL of a trigger: ``{tenant_url}/orchestrator_/t/{folderKey}/{slug}``.

        :param slug: the trigger slug.
        :raises KeyError: when no trigger has this slug.
        """
        trigger = self.state.trigger_by_slug(slug)
        folder = None if trigger is None else self.state.folder_by_id(trigger.folder_id)
        if trigger is None or folder is None:
            raise KeyError(f"No trigger has the slug {slug!r}; add it with add_trigger() first.")
        return f"{self.tenant_url}/orchestrator_/t/{folder.key}/{slug}"

    def start(self) -> EmulatorServer:
        """Start serving and return once connections are accepted.

        :raises RuntimeError: when the server does not start in time.
        """
        listener = bind_loopback_socket(LOOPBACK_HOST, self._requested_port)
        self._port = listener.getsockname()[1]
        self._server = build_uvicorn_server(self.state, self._ready.set)
        self._thread = threading.Thread(
            target=self._serve,
            args=(self._server, listener),
            name=f"uipath-emulator-{self._port}",
            daemon=True,
        )
        self._thread.start()
        self._wait_until_ready()
        return self

    def stop(self) -> None:
        """Release held requests, stop the server and wait for its thread."""
        if self._server is None or self._thread is None:
            return
        self.state.changes.close()
        self._server.should_exit = True
        self._thread.join(SHUTDOWN_TIMEOUT_SECONDS)
        self._server = None
        self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def configure(self, **knobs: Any) -> Knobs:
        """Change knobs at runtime and return the knobs in force.

        :param knobs: knob names and values, e.g. ``redirect_status=302``.
        """
        return self.state.configure(**knobs)

    def add_fault(
        self,
        kind: FaultKind | str,
        route: RouteClass | str = RouteClass.ANY,
        *,
        status_code: int | None = None,
        body: Any = None,
        retry_after: int | None = None,
        seconds: float | None = None,
        count: int = DEFAULT_FAULT_COUNT,
    ) -> Fault:
        """Queue a fault and return it.

        :param kind: ``status``, ``bad_gateway``, ``bad_gateway_after_create``, ``drop``,
            ``drop_after_create`` or ``delay``.
        :param route: ``token``, ``invoke``, ``status``, ``output``, ``jobs`` or ``any``.
        :param status_code: the status of a ``status`` fault.
        :param body: the body of a ``status`` fault (JSON value, or text).
        :param retry_after: a ``Retry-After`` for a ``status`` fault.
        :param seconds: the wait of a ``delay`` fault.
        :param count: how many consecutive matching requests it applies to.
        """
        fault = Fault(
            kind=parse_enum(FaultKind, kind, "A fault's kind"),
            route=parse_enum(RouteClass, route, "A fault's route"),
            status_code=status_code,
            body=body,
            retry_after=retry_after,
            seconds=seconds,
            count=count,
        )
        self.state.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        self.state.faults.clear()

    def add_trigger(self, trigger: TriggerSpec) -> TriggerSpec:
        """Add a trigger, or replace the one with the same slug.

        :param trigger: the trigger.
        """
        return self.state.put_trigger(trigger)

    def advance_clock(self, seconds: float) -> None:
        """Fast-forward the emulator's clock (job lifecycles, token expiry, rate-limit window).

        :param seconds: how far.
        """
        self.state.advance_clock(seconds)

    def wait_for_held_requests(
        self, count: int = 1, timeout_seconds: float = HELD_REQUEST_TIMEOUT_SECONDS
    ) -> None:
        """Block until ``count`` LongPolling requests are being held, e.g. before stopping their job.

        :param count: how many held requests to wait for.
        :param timeout_seconds: the longest to block.
        :raises TimeoutError: when fewer requests are held after the timeout.
        """
        if not self.state.changes.wait_for_waiters(count, timeout_seconds):
            held = self.state.changes.waiter_count
            raise TimeoutError(
                f"{held} LongPolling requests were held after {timeout_seconds} s; expected {count}."
            )

    def jobs(self) -> list[JobSnapshot]:
        """Return a snapshot of every job created, oldest first."""
        now = self.state.now()
        return [JobSnapshot.of(job, now) for job in self.state.jobs()]

    def requests(self) -> list[RequestRecord]:
        """Return every request recorded, oldest first (admin requests are not recorded)."""
        return self.state.request_log.records()

    def stats(self) -> EmulatorStats:
        """Return the counters."""
        return self.state.stats()

    def reset(self) -> None:
        """Return to the configuration: no jobs, requests, faults, issued tokens or clock offset."""
        self.state.reset()

    def _serve(self, server: uvicorn.Server, listener: socket.socket) -> None:
        try:
            server.run(sockets=[listener])
        except BaseException as error:
            self._startup_error = error
        finally:
            listener.close()
            self._ready.set()

    def _wait_until_ready(self) -> None:
        self._ready.wait(STARTUP_TIMEOUT_SECONDS)
        if self._server is not None and self._server.started:
            return
        self.stop()
        raise RuntimeError(f"The emulator did not start on port {self._port}: {self._startup_error!r}.")
