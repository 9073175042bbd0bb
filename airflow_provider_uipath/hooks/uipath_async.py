"""The asynchronous hook: following jobs from Airflow's triggerer.

Everything here runs on the triggerer's event loop, shared by all deferred tasks: the connection is
read through the async path, clients are shared, and nothing blocks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import httpx
from airflow.providers.common.compat.connection import get_async_connection, get_async_extra_dejson
from airflow.sdk import BaseHook

from airflow_provider_uipath.auth import TOKEN_CACHE, build_token_request, read_token_response
from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.clients import shared_async_client
from airflow_provider_uipath.connection import UiPathConnectionConfig
from airflow_provider_uipath.exceptions import UiPathJobTimeoutError, UiPathUnreachableError
from airflow_provider_uipath.hooks.connection_form import UI_FIELD_BEHAVIOUR
from airflow_provider_uipath.jobs import (
    JobLocator,
    build_job_lookup,
    build_job_request,
    build_stop_request,
    build_trigger_lookup,
    check_jobs_api_answer,
    jobs_matching_arguments,
    read_job_outcome,
    read_trigger_id,
    the_running_job,
)
from airflow_provider_uipath.masking import amask
from airflow_provider_uipath.polling import seconds_left, seconds_until_next_poll
from airflow_provider_uipath.protocol import DEFAULT_MAX_OUTPUT_BYTES, JobFollower, JobOutput
from airflow_provider_uipath.retries import RetryableResponse, async_retrying
from airflow_provider_uipath.sending import (
    authorize,
    check_authorized,
    final_failure,
    raise_for_retryable,
    transport_failure,
)

RequestFactory = Callable[[], httpx.Request]

FOLLOW_ACTION = "follow the UiPath job"


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
        self._client: httpx.AsyncClient | None = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and explain the connection form's fields."""
        return UI_FIELD_BEHAVIOUR

    async def aget_config(self) -> UiPathConnectionConfig:
        """Read and check the connection once, through Airflow's async connection path."""
        if self._config is None:
            connection = await get_async_connection(self.uipath_conn_id, hook=self)
            extra = await get_async_extra_dejson(connection)
            config = UiPathConnectionConfig.from_connection(connection, extra)
            for secret in config.secrets:
                await amask(secret)
            self._config = config
        return self._config

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
            return cached.value if cached is not None else await self._arequest_token()

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
        config = await self.aget_config()
        follower = JobFollower(status_url, mode, max_output_bytes)
        step = follower.first_request()
        last_request_started = time.monotonic()
        timeout = config.long_poll_timeout if mode is CallMode.LONG_POLLING else None
        async with shared_async_client(config) as self._client:
            while True:
                if step.job_running:
                    await self._asleep_before_next_poll(
                        last_request_started, poll_interval, deadline, status_url
                    )
                last_request_started = time.monotonic()
                response = await self._asend_with_retries(partial(_get, step.url), FOLLOW_ACTION, timeout)
                outcome = follower.read(response)
                if isinstance(outcome, JobOutput):
                    return outcome.value
                step = outcome

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
        config = await self.aget_config()
        request = partial(build_job_request, config.tenant_url, folder_key, job_id)
        async with shared_async_client(config) as self._client:
            while True:
                last_request_started = time.monotonic()
                response = await self._asend_with_retries(request, FOLLOW_ACTION)
                outcome = read_job_outcome(response, max_output_bytes)
                if outcome is not None:
                    return outcome.value
                await self._asleep_before_next_poll(
                    last_request_started, poll_interval, deadline, str(request().url)
                )

    async def afind_started_jobs(self, locator: JobLocator) -> list[dict[str, Any]]:
        """List the jobs the trigger started since the call, with the call's input arguments.

        :param locator: what identifies the call.
        :raises UiPathRequestError: when the Jobs API refuses, naming the scope to add.
        """
        tenant_url = (await self.aget_config()).tenant_url
        action = "look up the API trigger"
        response = await self._asend_with_retries(partial(build_trigger_lookup, tenant_url, locator), action)
        check_jobs_api_answer(response, action)
        trigger_id = read_trigger_id(response, locator)
        if trigger_id is None:
            return []
        action = "look up the trigger's jobs"
        lookup = partial(build_job_lookup, tenant_url, locator, trigger_id)
        response = await self._asend_with_retries(lookup, action)
        check_jobs_api_answer(response, action)
        return jobs_matching_arguments(response, locator)

    async def astop_started_job(self, locator: JobLocator) -> dict[str, Any] | None:
        """Stop the job a call started, when it can be told apart and is still running.

        :param locator: what identifies the call.
        :returns: the job stopped, or ``None`` when none could be identified.
        """
        job = the_running_job(await self.afind_started_jobs(locator))
        if job is None:
            self.log.warning(
                "Cannot stop the UiPath job: no single running job of %s matches.", locator.trigger_url
            )
            return None
        action = "stop the UiPath job"
        stop = partial(build_stop_request, (await self.aget_config()).tenant_url, locator, int(job["Id"]))
        check_jobs_api_answer(await self._asend_with_retries(stop, action), action)
        self.log.info("Asked Orchestrator to stop job %s.", job.get("Id"))
        return job

    async def _arequest_token(self) -> str:
        config = await self.aget_config()
        credentials = config.client_credentials
        assert credentials is not None
        response = await self._asend_with_retries(
            lambda: build_token_request(credentials), "get an OAuth token", authorized=False
        )
        token = read_token_response(response, credentials)
        await amask(token.value)
        TOKEN_CACHE.store(credentials.cache_key, token)
        self.log.info(
            "Got a new OAuth token for client %s from %s.", credentials.client_id, credentials.token_url
        )
        return token.value

    async def _asleep_before_next_poll(
        self, last_request_started: float, poll_interval: float, deadline: float | None, status_url: str
    ) -> None:
        delay = seconds_until_next_poll(last_request_started, poll_interval)
        left = seconds_left(deadline)
        if left is not None and left <= delay:
            raise UiPathJobTimeoutError(
                f"The UiPath job at {status_url} was still running at the task's deadline."
            )
        await asyncio.sleep(delay)

    async def _asend_with_retries(
        self,
        build: RequestFactory,
        action: str,
        timeout: httpx.Timeout | None = None,
        authorized: bool = True,
    ) -> httpx.Response:
        """Send a request that is safe to repeat, retrying passing failures."""
        config = await self.aget_config()
        retrying = async_retrying(config.retry)
        try:
            async for attempt in retrying:
                with attempt:
                    if authorized:
                        response = await self._asend_authorized(build, action, timeout)
                    else:
                        response = await self._asend(build(), action, timeout)
                    raise_for_retryable(response)
        except (RetryableResponse, UiPathUnreachableError) as error:
            raise final_failure(error, action, retrying.statistics.get("attempt_number", 1)) from error
        return response

    async def _asend_authorized(
        self, build: RequestFactory, action: str, timeout: httpx.Timeout | None
    ) -> httpx.Response:
        """Send with the bearer token; on a 401, get a new OAuth token once and send again."""
        config = await self.aget_config()
        token = await self.aget_token()
        response = await self._asend(authorize(build(), token, config), action, timeout)
        credentials = config.client_credentials
        if response.status_code == httpx.codes.UNAUTHORIZED and credentials is not None:
            self.log.info("Orchestrator refused the OAuth token (HTTP 401); getting a new one.")
            TOKEN_CACHE.discard(credentials.cache_key, token)
            token = await self.aget_token()
            response = await self._asend(authorize(build(), token, config), action, timeout)
        check_authorized(response, action, config)
        return response

    async def _asend(
        self, request: httpx.Request, action: str, timeout: httpx.Timeout | None
    ) -> httpx.Response:
        if self._client is None:
            config = await self.aget_config()
            async with shared_async_client(config) as client:
                return await self._asend_with(client, request, action, timeout)
        return await self._asend_with(self._client, request, action, timeout)

    @staticmethod
    async def _asend_with(
        client: httpx.AsyncClient, request: httpx.Request, action: str, timeout: httpx.Timeout | None
    ) -> httpx.Response:
        if timeout is not None:
            request.extensions["timeout"] = timeout.as_dict()
        try:
            response = await client.send(request)
            await response.aread()
        except httpx.TransportError as error:
            raise transport_failure(error, request, action) from error
        return response


def _get(url: str) -> httpx.Request:
    return httpx.Request("GET", url, headers={"Accept": "application/json"})
