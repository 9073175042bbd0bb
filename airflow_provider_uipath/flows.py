"""Multi-request conversations with Orchestrator, written once for the sync and the async hook.

A flow is a generator: it yields what to do next, a :class:`Send` (one request, retried by the hook
when it is safe to repeat) or a :class:`Sleep`, receives the answer of each ``Send``, and returns its
result. The sync hook drives flows with ``time.sleep`` and ``httpx.Client``, the async hook with
``asyncio.sleep`` and a shared ``httpx.AsyncClient``: the protocol logic cannot drift between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import httpx

from airflow_provider_uipath.auth import build_token_request
from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.connection import ClientCredentials
from airflow_provider_uipath.exceptions import UiPathJobTimeoutError
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
from airflow_provider_uipath.polling import seconds_left, seconds_until_next_poll
from airflow_provider_uipath.protocol import JobFollower, JobOutput
from airflow_provider_uipath.reconcile import adoptable_job
from airflow_provider_uipath.urls import parse_url

RequestFactory = Callable[[], httpx.Request]
T = TypeVar("T")

FOLLOW_ACTION = "follow the UiPath job"


@dataclass(frozen=True)
class Send:
    """Send one request that is safe to repeat, and hand its answer back to the flow.

    :param build: builds the request (again for each attempt).
    :param action: what the request is for, in error messages.
    :param long_poll: whether Orchestrator may hold it (LongPolling), so it needs the long timeout.
    :param authorized: whether it carries the bearer token.
    """

    build: RequestFactory
    action: str
    long_poll: bool = False
    authorized: bool = True


@dataclass(frozen=True)
class Sleep:
    """Wait before the next step.

    :param seconds: how long.
    """

    seconds: float


Step = Send | Sleep
Flow = Generator[Step, httpx.Response | None, T]


#: The headers of a GET that asks for JSON, built once: httpx copies them into each request.
_ACCEPT_JSON = httpx.Headers({"Accept": "application/json"})


def get(url: str | httpx.URL) -> httpx.Request:
    """A GET that asks for JSON.

    :param url: the URL.
    """
    return httpx.Request("GET", url, headers=_ACCEPT_JSON)


def request_token(credentials: ClientCredentials) -> Flow[httpx.Response]:
    """Ask the identity server for a token; the answer is read by the caller.

    :param credentials: the external application.
    """
    response = yield Send(partial(build_token_request, credentials), "get an OAuth token", authorized=False)
    assert response is not None
    return response


def list_one_folder(tenant_url: str) -> Flow[httpx.Response]:
    """One cheap authenticated request, to test a connection: the first folder.

    :param tenant_url: the connection's tenant URL.
    """
    url = f"{tenant_url}/orchestrator_/odata/Folders?$top=1&$select=Id"
    response = yield Send(partial(get, url), "list the folders")
    assert response is not None
    return response


def follow_job(
    status_url: str, mode: CallMode, poll_interval: float, deadline: float | None, max_output_bytes: int
) -> Flow[Any]:
    """Follow a job from its status URL until it ends; return its output.

    Status requests start about ``poll_interval`` apart while the job runs; a LongPolling request
    that Orchestrator held longer is followed at once.

    :param status_url: the status URL.
    :param mode: the call mode the job runs in.
    :param poll_interval: seconds between two status requests.
    :param deadline: the Unix time by which the job must end, if any.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathJobFailedError: when the job ends without success.
    :raises UiPathJobTimeoutError: when the deadline passes first.
    """
    follower = JobFollower(status_url, mode, max_output_bytes)
    step = follower.first_request()
    last_request_started = time.monotonic()
    target_text, send = "", Send(partial(get, ""), FOLLOW_ACTION)
    while True:
        if step.job_running:
            yield _pause_before_next_poll(last_request_started, poll_interval, deadline, status_url)
        last_request_started = time.monotonic()
        if step.url != target_text:  # parsed once per URL, not once per poll
            target_text = step.url
            send = Send(partial(get, parse_url(step.url)), FOLLOW_ACTION, mode is CallMode.LONG_POLLING)
        response = yield send
        assert response is not None
        outcome = follower.read(response)
        # An answer held through the pause would outlive a garbage collection or two, and thousands
        # of them promoted to the oldest generation make Python walk the whole heap more often.
        del response
        if isinstance(outcome, JobOutput):
            return outcome.value
        step = outcome


def poll_job(status_url: str, mode: CallMode, max_output_bytes: int) -> Flow[JobOutput | None]:
    """Ask once whether a job has ended: its output when it has, ``None`` while it runs.

    :param status_url: the status URL.
    :param mode: the call mode the job runs in.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathJobFailedError: when the job ended without success.
    """
    follower = JobFollower(status_url, mode, max_output_bytes)
    step = follower.first_request()
    while True:
        response = yield Send(partial(get, step.url), FOLLOW_ACTION, long_poll=mode is CallMode.LONG_POLLING)
        assert response is not None
        outcome = follower.read(response)
        if isinstance(outcome, JobOutput):
            return outcome
        if outcome.job_running:
            return None
        step = outcome


def poll_job_by_id(
    tenant_url: str, folder_key: str, job_id: int, max_output_bytes: int
) -> Flow[JobOutput | None]:
    """Ask the Jobs API once whether a job has ended: its output when it has, ``None`` while it runs.

    :param tenant_url: the connection's tenant URL.
    :param folder_key: the key of the job's folder.
    :param job_id: the job's numeric id.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathJobFailedError: when the job ended without success.
    """
    response = yield Send(partial(build_job_request, tenant_url, folder_key, job_id), FOLLOW_ACTION)
    assert response is not None
    return read_job_outcome(response, max_output_bytes)


def follow_job_by_id(
    tenant_url: str,
    folder_key: str,
    job_id: int,
    poll_interval: float,
    deadline: float | None,
    max_output_bytes: int,
) -> Flow[Any]:
    """Follow a job through the Jobs API until it ends; return its output.

    For a job adopted after an uncertain start, which has no status URL.

    :param tenant_url: the connection's tenant URL.
    :param folder_key: the key of the job's folder.
    :param job_id: the job's numeric id.
    :param poll_interval: seconds between two requests while the job runs.
    :param deadline: the Unix time by which the job must end, if any.
    :param max_output_bytes: the largest output accepted.
    """
    while True:
        last_request_started = time.monotonic()
        outcome = yield from poll_job_by_id(tenant_url, folder_key, job_id, max_output_bytes)
        if outcome is not None:
            return outcome.value
        yield _pause_before_next_poll(last_request_started, poll_interval, deadline, f"job {job_id}")


def find_started_jobs(tenant_url: str, locator: JobLocator) -> Flow[list[dict[str, Any]]]:
    """List the jobs the trigger started since the call, with the call's input arguments.

    :param tenant_url: the connection's tenant URL.
    :param locator: what identifies the call.
    :raises UiPathRequestError: when the Jobs API refuses, naming the scope to add.
    """
    action = "look up the API trigger"
    response = yield Send(partial(build_trigger_lookup, tenant_url, locator), action)
    assert response is not None
    check_jobs_api_answer(response, action)
    trigger_id = read_trigger_id(response, locator)
    if trigger_id is None:
        return []
    action = "look up the trigger's jobs"
    response = yield Send(partial(build_job_lookup, tenant_url, locator, trigger_id), action)
    assert response is not None
    check_jobs_api_answer(response, action)
    return jobs_matching_arguments(response, locator)


def find_job_after_uncertain_start(
    tenant_url: str, locator: JobLocator, grace_seconds: float, lookup_interval: float
) -> Flow[dict[str, Any] | None]:
    """Look for the job a failed call may have started, for up to ``grace_seconds``.

    :param tenant_url: the connection's tenant URL.
    :param locator: what identifies the call.
    :param grace_seconds: how long to keep looking while no job appears.
    :param lookup_interval: seconds between two lookups.
    :returns: the one matching job, or ``None`` when none appeared.
    :raises UiPathUncertainStartError: when several jobs match.
    """
    give_up_at = time.monotonic() + grace_seconds
    while True:
        job = adoptable_job((yield from find_started_jobs(tenant_url, locator)), locator.trigger_url)
        left = give_up_at - time.monotonic()
        if job is not None or left <= 0:
            return job
        yield Sleep(min(lookup_interval, left))


def stop_started_job(tenant_url: str, locator: JobLocator) -> Flow[dict[str, Any] | None]:
    """Stop the job a call started, when it can be told apart and is still running.

    :param tenant_url: the connection's tenant URL.
    :param locator: what identifies the call.
    :returns: the job stopped, or ``None`` when none could be identified.
    """
    job = the_running_job((yield from find_started_jobs(tenant_url, locator)))
    if job is None:
        return None
    action = "stop the UiPath job"
    response = yield Send(partial(build_stop_request, tenant_url, locator, int(job["Id"])), action)
    assert response is not None
    check_jobs_api_answer(response, action)
    return job


def _pause_before_next_poll(
    last_request_started: float, poll_interval: float, deadline: float | None, followed: str
) -> Sleep:
    delay = seconds_until_next_poll(last_request_started, poll_interval)
    left = seconds_left(deadline)
    if left is not None and left <= delay:
        raise UiPathJobTimeoutError(f"The UiPath job at {followed} was still running at the task's deadline.")
    return Sleep(delay)
