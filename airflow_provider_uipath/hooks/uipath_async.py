"""The asynchronous hook: following jobs from Airflow's triggerer.

Everything here runs on the triggerer's event loop, shared by all deferred tasks: the connection is
read through the async path, the HTTP client is shared by every trigger of the process, and nothing
blocks. The conversations themselves are the :mod:`~airflow_provider_uipath.flows` the sync hook
runs too.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import httpx
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.sdk import BaseHook

from airflow_provider_uipath import flows
from airflow_provider_uipath.auth import TOKEN_CACHE, read_token_response
from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.clients import shared_async_transport
from airflow_provider_uipath.config_cache import CONNECTION_CACHE
from airflow_provider_uipath.connection import UiPathConnectionConfig
from airflow_provider_uipath.exceptions import UiPathUnreachableError
from airflow_provider_uipath.flows import Flow, Send, Sleep
from airflow_provider_uipath.hooks.connection_form import UI_FIELD_BEHAVIOUR
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.masking import amask
from airflow_provider_uipath.protocol import DEFAULT_MAX_OUTPUT_BYTES
from airflow_provider_uipath.retries import RetryableResponse, async_retrying, log_retry, seconds_before_retry
from airflow_provider_uipath.sending import (
    authorize,
    check_authorized,
    final_failure,
    raise_for_retryable,
    transport_failure,
)
from airflow_provider_uipath.ticks import sleep_until_tick

T = TypeVar("T")


class UiPathAsyncHook(BaseHook):
    """Talk to UiPath Orchestrator through a ``uipath`` connection, from an event loop.

    :param uipath_conn_id: the connection id.
    """

    conn_name_attr = "uipath_conn_id"
    default_conn_name = "uipath_default"
    conn_type = "uipath"
    hook_name = "UiPath Orchestrator (async)"

    def __init__(self, uipath_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.uipath_conn_id = uipath_conn_id
        self._config: UiPathConnectionConfig | None = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and explain the connection form's fields."""
        return UI_FIELD_BEHAVIOUR

    async def aget_config(self) -> UiPathConnectionConfig:
        """Read and check the connection through Airflow's async path, or reuse one just read."""
        if self._config is None:
            self._config = CONNECTION_CACHE.get(self.uipath_conn_id) or await self._aread_connection()
        return self._config

    async def _aread_connection(self) -> UiPathConnectionConfig:
        connection = await get_async_connection(self.uipath_conn_id, hook=self)
        extra = await get_async_extra_dejson(connection)
        config = UiPathConnectionConfig.from_connection(connection, extra)
        for secret in config.secrets:
            await amask(secret)
        CONNECTION_CACHE.store(config)
        return config

    async def aget_token(self) -> str:
        """Return a bearer token: the PAT, or a cached or new OAuth token (one request per refresh)."""
        config = await self.aget_config()
        credentials = config.client_credentials
        if credentials is None:
            return str(config.personal_access_token)
        cached = TOKEN_CACHE.fresh(credentials.cache_key)
        if cached is not None:
            return cached.value
        async with TOKEN_CACHE.loop_lock(credentials.cache_key):
            cached = TOKEN_CACHE.fresh(credentials.cache_key)
            if cached is not None:
                return cached.value
            token = read_token_response(await self._adrive(flows.request_token(credentials)), credentials)
            await amask(token.value)
            TOKEN_CACHE.store(credentials.cache_key, token)
            self.log.info(
                "Got a new OAuth token for client %s from %s.", credentials.client_id, credentials.token_url
            )
            return token.value

    async def aget_job_output(
        self,
        status_url: str,
        mode: CallMode,
        poll_interval: float,
        deadline: float | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    ) -> Any:
        """Follow a job from its status URL until it ends, and return its output.

        :param status_url: the status URL Orchestrator gave.
        :param mode: the call mode the job runs in.
        :param poll_interval: seconds between two status requests of a running job.
        :param deadline: the Unix time by which the job must end, if any.
        :param max_output_bytes: the largest output accepted.
        :raises UiPathJobFailedError: when the job ends without success.
        :raises UiPathJobTimeoutError: when the deadline passes first.
        """
        flow = flows.follow_job(status_url, mode, poll_interval, deadline, max_output_bytes)
        return await self._adrive(flow, long_poll=mode is CallMode.LONG_POLLING)

    async def aget_job_output_by_id(
        self,
        folder_key: str,
        job_id: int,
        poll_interval: float,
        deadline: float | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    ) -> Any:
        """Follow a job through the Jobs API until it ends, and return its output.

        :param folder_key: the key of the job's folder.
        :param job_id: the job's numeric id.
        :param poll_interval: seconds between two requests while the job runs.
        :param deadline: the Unix time by which the job must end, if any.
        :param max_output_bytes: the largest output accepted.
        """
        tenant_url = (await self.aget_config()).tenant_url
        return await self._adrive(
            flows.follow_job_by_id(tenant_url, folder_key, job_id, poll_interval, deadline, max_output_bytes)
        )

    async def afind_started_jobs(self, locator: JobLocator) -> list[dict[str, Any]]:
        """List the jobs the trigger started since the call, with the call's input arguments.

        :param locator: what identifies the call.
        :raises UiPathRequestError: when the Jobs API refuses, naming the scope to add.
        """
        tenant_url = (await self.aget_config()).tenant_url
        return await self._adrive(flows.find_started_jobs(tenant_url, locator))

    async def astop_started_job(self, locator: JobLocator) -> dict[str, Any] | None:
        """Stop the job a call started, when it can be told apart and is still running.

        :param locator: what identifies the call.
        :returns: the job stopped, or ``None`` when none could be identified.
        """
        tenant_url = (await self.aget_config()).tenant_url
        job = await self._adrive(flows.stop_started_job(tenant_url, locator))
        if job is None:
            self.log.warning(
                "Cannot stop the UiPath job: no single running job of %s matches.", locator.trigger_url
            )
            return None
        self.log.info("Asked Orchestrator to stop job %s.", job.get("Id"))
        return job

    async def _adrive(self, flow: Flow[T], long_poll: bool = False) -> T:
        """Run a flow on the shared transport: send its requests with retries, sleep its pauses.

        Pauses end on the triggerer's shared poll tick, one timer for all the waits of a tick (see
        :mod:`~airflow_provider_uipath.ticks`).

        :param flow: the conversation.
        :param long_poll: whether Orchestrator may hold its requests (LongPolling).
        """
        config = await self.aget_config()
        async with shared_async_transport(config, long_poll) as transport:
            answer: httpx.Response | None = None
            while True:
                try:
                    step = flow.send(answer)
                except StopIteration as finished:
                    return finished.value  # type: ignore[no-any-return]
                if isinstance(step, Sleep):
                    answer = None  # not held through the pause (see flows.follow_job)
                    await sleep_until_tick(step.seconds)
                else:
                    answer = await self._asend_with_retries(
                        transport, config, step, config.timeout_extensions[step.long_poll]
                    )

    async def _asend_with_retries(
        self,
        transport: httpx.AsyncBaseTransport,
        config: UiPathConnectionConfig,
        step: Send,
        timeout: dict[str, float | None],
    ) -> httpx.Response:
        """Send a request that is safe to repeat: once, then with retries if it failed in passing.

        The first attempt skips tenacity, which costs nothing when it succeeds.
        """
        try:
            return await self._asend_once(transport, config, step, timeout)
        except (RetryableResponse, UiPathUnreachableError) as failure:
            if config.retry.attempts == 1:
                raise final_failure(failure, step.action, attempts=1) from failure
            pause = seconds_before_retry(config.retry, failure, attempt=1)
            log_retry(failure, 1, pause)
        await asyncio.sleep(pause)
        retrying = async_retrying(config.retry, attempts_before=1)
        try:
            return await retrying(self._asend_once, transport, config, step, timeout)
        except (RetryableResponse, UiPathUnreachableError) as error:
            raise final_failure(error, step.action, 1 + retrying.statistics["attempt_number"]) from error

    async def _asend_once(
        self,
        transport: httpx.AsyncBaseTransport,
        config: UiPathConnectionConfig,
        step: Send,
        timeout: dict[str, float | None],
    ) -> httpx.Response:
        """Send once, with the bearer token if the step asks for it; on a 401, get a new OAuth token
        once and send again. Raise :class:`RetryableResponse` for an answer worth another attempt.
        """
        if not step.authorized:
            response = await _asend(transport, step.build(), step.action, timeout)
        else:
            token = _token_at_hand(config) or await self.aget_token()
            response = await _asend(transport, authorize(step.build(), token, config), step.action, timeout)
            if response.status_code == httpx.codes.UNAUTHORIZED and config.client_credentials is not None:
                response = await self._asend_with_new_token(transport, config, step, timeout, token)
            check_authorized(response, step.action, config)
        raise_for_retryable(response)
        return response

    async def _asend_with_new_token(
        self,
        transport: httpx.AsyncBaseTransport,
        config: UiPathConnectionConfig,
        step: Send,
        timeout: dict[str, float | None],
        refused_token: str,
    ) -> httpx.Response:
        """Drop the OAuth token Orchestrator refused, get a new one and send the request again."""
        assert config.client_credentials is not None
        self.log.info("Orchestrator refused the OAuth token (HTTP 401); getting a new one.")
        TOKEN_CACHE.discard(config.client_credentials.cache_key, refused_token)
        token = await self.aget_token()
        return await _asend(transport, authorize(step.build(), token, config), step.action, timeout)


def _token_at_hand(config: UiPathConnectionConfig) -> str | None:
    """The PAT, or a fresh cached OAuth token: what most requests send, found without awaiting."""
    if config.client_credentials is None:
        return str(config.personal_access_token)
    cached = TOKEN_CACHE.fresh(config.client_credentials.cache_key)
    return None if cached is None else cached.value


async def _asend(
    transport: httpx.AsyncBaseTransport,
    request: httpx.Request,
    action: str,
    timeout: dict[str, float | None],
) -> httpx.Response:
    """Send straight through the transport.

    Redirects are followed by the flows and there are no cookies, so httpx's client machinery (its
    auth and redirect generators, its cookie jar) would only add CPU to every poll.
    """
    request.extensions["timeout"] = timeout
    try:
        response = await transport.handle_async_request(request)
        await response.aread()
    except httpx.TransportError as error:
        raise transport_failure(error, request, action) from error
    return response
