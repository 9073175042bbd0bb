"""The synchronous hook: tokens, invoking API triggers and following jobs from a worker."""

from __future__ import annotations

import time
from functools import cached_property
from typing import Any, TypeVar

import httpx
from airflow.sdk import BaseHook

from airflow_provider_uipath import flows
from airflow_provider_uipath.auth import TOKEN_CACHE, read_token_response
from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.connection import DEFAULT_POOL_SIZE, UiPathConnectionConfig
from airflow_provider_uipath.exceptions import UiPathError, UiPathUnreachableError
from airflow_provider_uipath.flows import Flow, RequestFactory, Send, Sleep
from airflow_provider_uipath.hooks.connection_form import UI_FIELD_BEHAVIOUR, connection_form_widgets
from airflow_provider_uipath.jobs import JobLocator, job_page_url
from airflow_provider_uipath.masking import mask
from airflow_provider_uipath.protocol import (
    DEFAULT_MAX_OUTPUT_BYTES,
    InvokeResult,
    JobOutput,
    build_invoke_request,
    read_invoke_response,
)
from airflow_provider_uipath.reconcile import DEFAULT_RECONCILE_GRACE_SECONDS, RECONCILE_LOOKUP_INTERVAL
from airflow_provider_uipath.retries import RetryableResponse, log_retry, seconds_before_retry, sync_retrying
from airflow_provider_uipath.sending import (
    USER_AGENT,
    authorize,
    check_authorized,
    final_failure,
    raise_for_retryable,
    transport_failure,
    was_never_sent,
)
from airflow_provider_uipath.urls import resolve_invoke_url

T = TypeVar("T")

INVOKE_ACTION = "invoke the API trigger"


class UiPathHook(BaseHook):
    """Talk to UiPath Orchestrator through a ``uipath`` connection, from a worker.

    :param uipath_conn_id: the connection id.
    """

    conn_name_attr = "uipath_conn_id"
    default_conn_name = "uipath_default"
    conn_type = "uipath"
    hook_name = "UiPath Orchestrator"

    def __init__(self, uipath_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.uipath_conn_id = uipath_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """Relabel and explain the connection form's fields."""
        return UI_FIELD_BEHAVIOUR

    @classmethod
    def get_connection_form_widgets(cls) -> dict[str, Any]:
        """Extra fields of the connection form, stored in ``extra``."""
        return connection_form_widgets()

    @cached_property
    def config(self) -> UiPathConnectionConfig:
        """The connection, read and checked once."""
        connection = self.get_connection(self.uipath_conn_id)
        config = UiPathConnectionConfig.from_connection(connection, connection.extra_dejson)
        for secret in config.secrets:
            mask(secret)
        return config

    @cached_property
    def client(self) -> httpx.Client:
        """The HTTP client of this hook; redirects are followed by the hook itself."""
        return httpx.Client(
            timeout=self.config.timeout,
            verify=self.config.verify,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=DEFAULT_POOL_SIZE),
            headers={"User-Agent": USER_AGENT},
        )

    def get_conn(self) -> httpx.Client:
        """Return the HTTP client."""
        return self.client

    def close(self) -> None:
        """Close the HTTP client and its connections."""
        client = self.__dict__.pop("client", None)
        if client is not None:
            client.close()

    def __enter__(self) -> UiPathHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get_token(self) -> str:
        """Return a bearer token: the PAT, or a cached or new OAuth token."""
        credentials = self.config.client_credentials
        if credentials is None:
            return str(self.config.personal_access_token)
        cached = TOKEN_CACHE.fresh(credentials.cache_key)
        if cached is not None:
            return cached.value
        with TOKEN_CACHE.thread_lock(credentials.cache_key):
            cached = TOKEN_CACHE.fresh(credentials.cache_key)
            if cached is not None:
                return cached.value
            token = read_token_response(self._drive(flows.request_token(credentials)), credentials)
            mask(token.value)
            TOKEN_CACHE.store(credentials.cache_key, token)
            self.log.info(
                "Got a new OAuth token for client %s from %s.", credentials.client_id, credentials.token_url
            )
            return token.value

    def invoke_trigger(
        self,
        invoke_url: str,
        arguments: dict[str, Any] | None = None,
        method: str = "POST",
        call_mode: CallMode | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    ) -> InvokeResult:
        """Call an API trigger once, which starts one job.

        The call is never repeated on a failure, since the job may have started anyway. A 401 is
        the one exception: Orchestrator refuses it before creating a job, so the call is sent again
        once with a new OAuth token.

        :param invoke_url: ``{folderKey}/{slug}``, or the trigger's full URL.
        :param arguments: the job's input arguments.
        :param method: the trigger's verb.
        :param call_mode: the call mode to ask for, or ``None`` for the trigger's default.
        :param max_output_bytes: the largest output accepted, when the answer carries it.
        """
        url = resolve_invoke_url(self.config.tenant_url, invoke_url)
        timeout = None if call_mode is CallMode.FIRE_AND_FORGET else self.config.long_poll_timeout
        try:
            response = self._send_authorized(
                lambda: build_invoke_request(url, method, arguments, call_mode), INVOKE_ACTION, timeout
            )
        except UiPathUnreachableError as error:
            raise _unreachable_invoke(error) from error
        return read_invoke_response(response, max_output_bytes)

    def get_job_output(
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
        return self._drive(flows.follow_job(status_url, mode, poll_interval, deadline, max_output_bytes))

    def poll_job(
        self, status_url: str, mode: CallMode, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    ) -> JobOutput | None:
        """Ask once whether a job has ended: its output when it has, ``None`` while it runs.

        Used by the sensor's poke; a LongPolling status URL holds the request while the job runs.

        :param status_url: the status URL Orchestrator gave.
        :param mode: the call mode the job runs in.
        :param max_output_bytes: the largest output accepted.
        :raises UiPathJobFailedError: when the job ended without success.
        """
        return self._drive(flows.poll_job(status_url, mode, max_output_bytes))

    def get_job_output_by_id(
        self,
        folder_key: str,
        job_id: int,
        poll_interval: float,
        deadline: float | None = None,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    ) -> Any:
        """Follow a job through the Jobs API until it ends, and return its output.

        Used for a job adopted after an uncertain start, which has no status URL.

        :param folder_key: the key of the job's folder.
        :param job_id: the job's numeric id.
        :param poll_interval: seconds between two requests while the job runs.
        :param deadline: the Unix time by which the job must end, if any.
        :param max_output_bytes: the largest output accepted.
        """
        tenant_url = self.config.tenant_url
        return self._drive(
            flows.follow_job_by_id(tenant_url, folder_key, job_id, poll_interval, deadline, max_output_bytes)
        )

    def poll_job_by_id(
        self, folder_key: str, job_id: int, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
    ) -> JobOutput | None:
        """Ask the Jobs API once whether a job has ended: its output when it has, ``None`` while it runs.

        :param folder_key: the key of the job's folder.
        :param job_id: the job's numeric id.
        :param max_output_bytes: the largest output accepted.
        :raises UiPathJobFailedError: when the job ended without success.
        """
        return self._drive(flows.poll_job_by_id(self.config.tenant_url, folder_key, job_id, max_output_bytes))

    def find_started_jobs(self, locator: JobLocator) -> list[dict[str, Any]]:
        """List the jobs the trigger started since the call, with the call's input arguments.

        :param locator: what identifies the call.
        :raises UiPathRequestError: when the Jobs API refuses, naming the scope to add.
        """
        return self._drive(flows.find_started_jobs(self.config.tenant_url, locator))

    def find_job_after_uncertain_start(
        self,
        locator: JobLocator,
        grace_seconds: float = DEFAULT_RECONCILE_GRACE_SECONDS,
        lookup_interval: float = RECONCILE_LOOKUP_INTERVAL,
    ) -> dict[str, Any] | None:
        """Look for the job a failed call may have started, for up to ``grace_seconds``.

        :param locator: what identifies the call.
        :param grace_seconds: how long to keep looking while no job appears.
        :param lookup_interval: seconds between two lookups.
        :returns: the one matching job, or ``None`` when none appeared.
        :raises UiPathUncertainStartError: when several jobs match.
        """
        tenant_url = self.config.tenant_url
        return self._drive(
            flows.find_job_after_uncertain_start(tenant_url, locator, grace_seconds, lookup_interval)
        )

    def stop_started_job(self, locator: JobLocator) -> dict[str, Any] | None:
        """Stop the job a call started, when it can be told apart and is still running.

        :param locator: what identifies the call.
        :returns: the job stopped, or ``None`` when none could be identified.
        """
        job = self._drive(flows.stop_started_job(self.config.tenant_url, locator))
        if job is None:
            self.log.warning(
                "Cannot stop the UiPath job: no single running job of %s matches.", locator.trigger_url
            )
            return None
        self.log.info(
            "Asked Orchestrator to stop job %s (%s).",
            job.get("Id"),
            job_page_url(self.config.tenant_url, job),
        )
        return job

    def test_connection(self) -> tuple[bool, str]:
        """Fetch a token (OAuth) and make one cheap authenticated call; say why when it fails."""
        try:
            self.get_token()
            response = self._drive(flows.list_one_folder(self.config.tenant_url))
            check_authorized(response, "list the folders", self.config, raise_for_status=True)
        except UiPathError as error:
            return False, str(error)
        return True, f"Connected to {self.config.tenant_url}."

    def _drive(self, flow: Flow[T]) -> T:
        """Run a flow: send its requests with retries, sleep its pauses, return its result."""
        answer: httpx.Response | None = None
        while True:
            try:
                step = flow.send(answer)
            except StopIteration as finished:
                return finished.value  # type: ignore[no-any-return]
            answer = self._perform(step)

    def _perform(self, step: Send | Sleep) -> httpx.Response | None:
        if isinstance(step, Sleep):
            self.log.debug("Next request in %.1f s.", step.seconds)
            time.sleep(step.seconds)
            return None
        timeout = self.config.long_poll_timeout if step.long_poll else None
        return self._send_with_retries(step.build, step.action, timeout, step.authorized)

    def _send_with_retries(
        self, build: RequestFactory, action: str, timeout: httpx.Timeout | None, authorized: bool
    ) -> httpx.Response:
        """Send a request that is safe to repeat: once, then with retries if it failed in passing.

        The first attempt skips tenacity, which costs nothing when it succeeds.
        """
        policy = self.config.retry
        try:
            return self._send_checked(build, action, timeout, authorized)
        except (RetryableResponse, UiPathUnreachableError) as failure:
            if policy.attempts == 1:
                raise final_failure(failure, action, attempts=1) from failure
            pause = seconds_before_retry(policy, failure, attempt=1)
            log_retry(failure, 1, pause)
        time.sleep(pause)
        retrying = sync_retrying(policy, attempts_before=1)
        try:
            return retrying(self._send_checked, build, action, timeout, authorized)
        except (RetryableResponse, UiPathUnreachableError) as error:
            raise final_failure(error, action, 1 + retrying.statistics["attempt_number"]) from error

    def _send_checked(
        self, build: RequestFactory, action: str, timeout: httpx.Timeout | None, authorized: bool
    ) -> httpx.Response:
        """Send once; raise :class:`RetryableResponse` for an answer worth another attempt."""
        if authorized:
            response = self._send_authorized(build, action, timeout)
        else:
            response = self._send(build(), action, timeout)
        raise_for_retryable(response)
        return response

    def _send_authorized(
        self, build: RequestFactory, action: str, timeout: httpx.Timeout | None
    ) -> httpx.Response:
        """Send with the bearer token; on a 401, get a new OAuth token once and send again."""
        token = self.get_token()
        response = self._send(authorize(build(), token, self.config), action, timeout)
        credentials = self.config.client_credentials
        if response.status_code == httpx.codes.UNAUTHORIZED and credentials is not None:
            self.log.info("Orchestrator refused the OAuth token (HTTP 401); getting a new one.")
            TOKEN_CACHE.discard(credentials.cache_key, token)
            token = self.get_token()
            response = self._send(authorize(build(), token, self.config), action, timeout)
        check_authorized(response, action, self.config)
        return response

    def _send(self, request: httpx.Request, action: str, timeout: httpx.Timeout | None) -> httpx.Response:
        if timeout is not None:
            request.extensions["timeout"] = timeout.as_dict()
        try:
            response = self.client.send(request)
            response.read()
        except httpx.TransportError as error:
            raise transport_failure(error, request, action) from error
        return response


def _unreachable_invoke(error: UiPathUnreachableError) -> UiPathUnreachableError:
    if was_never_sent(error):
        hint = "No connection was made, so no job was started: the task can be retried safely."
    else:
        hint = (
            "The call may have started a job before the connection failed, so it is not repeated "
            "automatically: check the trigger's jobs in Orchestrator before running the task again."
        )
    return UiPathUnreachableError(error.action, error.method, error.url, error.reason, error.attempts, hint)
