"""The API trigger protocol without I/O: the requests to send and what each answer means.

The sync hook (on a worker) and the async hook (in the triggerer) both drive these functions, so the
two paths cannot read Orchestrator's answers differently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathInvokeError,
    UiPathJobFailedError,
    UiPathOutputTooLargeError,
    UiPathProtocolError,
    UiPathRequestError,
    quote_body,
)
from airflow_provider_uipath.urls import resolve_location

#: The body key that picks the call mode of one call.
CALL_MODE_KEY = "$callMode"
#: The HTTP verbs an API trigger can be configured with.
TRIGGER_METHODS = frozenset({"GET", "POST", "PUT", "DELETE"})
#: Default limit of a job's output pushed to XCom, in bytes.
DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024
#: Redirects in a row between different URLs before the chain is called a loop.
MAX_REDIRECT_CHAIN = 10
#: Keys that mark an answer as a UiPath job error rather than a server failure.
JOB_ERROR_KEYS = frozenset({"Code", "Title", "Detail"})


def build_invoke_request(
    url: str,
    method: str,
    arguments: dict[str, Any] | None,
    call_mode: CallMode | None,
) -> httpx.Request:
    """Build the call that starts a job, without its Authorization header.

    POST, PUT and DELETE send the arguments as a JSON object (``{}`` when there are none); GET sends
    them in the query string, values that are not strings JSON-encoded.

    :param url: the trigger's full URL.
    :param method: the trigger's configured verb.
    :param arguments: the job's input arguments.
    :param call_mode: the call mode to ask for, or ``None`` for the trigger's default.

    >>> build_invoke_request("https://h/t/f/s", "GET", {"n": 3, "name": "x"}, CallMode.LONG_POLLING).url
    URL('https://h/t/f/s?n=3&name=x&%24callMode=LongPolling')
    """
    verb = check_method(method)
    payload = dict(arguments or {})
    if call_mode is not None:
        payload[CALL_MODE_KEY] = call_mode.value
    headers = {"Accept": "application/json"}
    if verb == "GET":
        return httpx.Request(verb, url, params=_query_parameters(payload), headers=headers)
    return httpx.Request(verb, url, json=payload, headers=headers)


def check_method(method: str) -> str:
    """Return the verb in upper case, or fail when an API trigger cannot use it.

    :param method: ``"post"``, ``"GET"``...
    :raises UiPathConfigError: for any other verb.
    """
    verb = str(method).strip().upper()
    if verb not in TRIGGER_METHODS:
        raise UiPathConfigError(
            f"Unsupported method {method!r}: API triggers use one of {', '.join(sorted(TRIGGER_METHODS))}."
        )
    return verb


def check_arguments(arguments: Any) -> dict[str, Any]:
    """Check that input arguments are a JSON object that can be sent.

    :param arguments: the operator's ``arguments``.
    :raises UiPathConfigError: when they are not a dict, or hold values JSON cannot encode.
    """
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise UiPathConfigError(
            f"The arguments must be a dict of input argument names to values, not {type(arguments).__name__}."
        )
    if CALL_MODE_KEY in arguments:
        raise UiPathConfigError(
            f"Do not put {CALL_MODE_KEY!r} in the arguments: use the call_mode parameter."
        )
    try:
        json.dumps(arguments, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise UiPathConfigError(f"The arguments cannot be sent as JSON: {error}.") from None
    return arguments


def _query_parameters(payload: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in payload.items()}


class InvokeOutcome(str, Enum):
    """How Orchestrator answered the call that starts a job."""

    ACCEPTED = "accepted"
    """202: the job runs; poll the status URL (AsyncRequestReply)."""
    STILL_RUNNING = "still_running"
    """A redirect: the job outlived the LongPolling wait; follow the status URL."""
    COMPLETED = "completed"
    """The answer carries the job's output (LongPolling finished inside the wait)."""
    STARTED = "started"
    """200 with nothing to follow (FireAndForget)."""


@dataclass(frozen=True)
class InvokeResult:
    """The outcome of the call that starts a job.

    :param outcome: what the answer means.
    :param status_url: the URL to follow, for ACCEPTED and STILL_RUNNING.
    :param output: the job's output, for COMPLETED.
    :param mode: the call mode the answer shows the job runs in.
    """

    outcome: InvokeOutcome
    mode: CallMode
    status_url: str | None = None
    output: Any = None


def read_invoke_response(
    response: httpx.Response, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES
) -> InvokeResult:
    """Interpret Orchestrator's answer to the call that starts a job.

    The status code decides, whatever call mode was asked for, so a trigger's default mode works
    too: 202 means AsyncRequestReply, a redirect means LongPolling still running, a 2xx with a
    body means LongPolling finished, and an empty 2xx means FireAndForget.

    :param response: the answer.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathInvokeError: when Orchestrator refused the call.
    :raises UiPathJobFailedError: when a LongPolling job ended without success inside the wait.
    """
    url = str(response.request.url)
    if response.status_code == httpx.codes.ACCEPTED:
        status_url = resolve_location(url, response.headers.get("Location"))
        return InvokeResult(InvokeOutcome.ACCEPTED, CallMode.ASYNC_REQUEST_REPLY, status_url=status_url)
    if is_redirect(response):
        status_url = resolve_location(url, response.headers.get("Location"))
        return InvokeResult(InvokeOutcome.STILL_RUNNING, CallMode.LONG_POLLING, status_url=status_url)
    if response.is_success:
        if not response.content.strip():
            return InvokeResult(InvokeOutcome.STARTED, CallMode.FIRE_AND_FORGET)
        output = read_output(response, max_output_bytes)
        return InvokeResult(InvokeOutcome.COMPLETED, CallMode.LONG_POLLING, output=output)
    job_error = read_job_error(response)
    if job_error is not None:
        raise UiPathJobFailedError(url, job_error, response.status_code)
    raise UiPathInvokeError(
        action="invoke the API trigger",
        method=response.request.method,
        url=url,
        status_code=response.status_code,
        server_message=server_message(response),
        hint=_INVOKE_HINTS.get(response.status_code, _invoke_hint_for(response.status_code)),
    )


_INVOKE_HINTS = {
    400: "Orchestrator refused the request: check the arguments against the process's input arguments.",
    403: "The token may not start jobs in the trigger's folder: it needs the Jobs.Create and Jobs.View "
    "permissions there.",
    404: "No API trigger answers this verb at this URL: check the folder key, the slug, that the trigger "
    "is enabled, and that method= matches the trigger's configured verb.",
    405: "The trigger exists but is configured for another verb: set method= to the trigger's verb.",
    429: "Orchestrator is rate limiting this tenant; no job was started by this call.",
}


def _invoke_hint_for(status_code: int) -> str:
    if status_code >= 500:
        return (
            "The job may have been started anyway (UiPath documents intermittent 502 answers on API "
            "triggers), so the call is not repeated automatically: check the trigger's jobs in "
            "Orchestrator before running the task again."
        )
    return ""


def is_redirect(response: httpx.Response) -> bool:
    """Whether an answer is a redirect to follow: any 3xx with a Location, 304 aside.

    The docs say 303 while UiPath's samples test for 302: both, and 301/307/308, are accepted.

    :param response: the answer.
    """
    return 300 <= response.status_code < 400 and response.status_code != httpx.codes.NOT_MODIFIED


def read_output(response: httpx.Response, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES) -> Any:
    """Parse a job's output arguments.

    :param response: the answer carrying the output.
    :param max_output_bytes: the largest output accepted.
    :raises UiPathOutputTooLargeError: when the output is larger.
    :raises UiPathProtocolError: when the output is not JSON.
    """
    body = response.content
    if len(body) > max_output_bytes:
        raise UiPathOutputTooLargeError(len(body), max_output_bytes)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        content_type = response.headers.get("Content-Type", "no content type")
        raise UiPathProtocolError(
            f"The job's output at {response.request.url} is not JSON ({content_type}): "
            f"{quote_body(response.text)}"
        ) from None


def read_job_error(response: httpx.Response) -> dict[str, Any] | None:
    """Return the UiPath job error an error answer carries, or ``None`` for any other failure.

    A job error has at least one of ``Code``, ``Title`` and ``Detail``. An answer without them (an
    HTML 502 from a proxy, Orchestrator's generic ``{"message", "errorCode"}``) is a server failure,
    which may be retried.

    :param response: an answer with an error status.
    """
    if response.is_success or is_redirect(response):
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and JOB_ERROR_KEYS & body.keys():
        return body
    return None


def server_message(response: httpx.Response) -> str:
    """The error text Orchestrator put in an answer: its ``message``, or the raw body.

    :param response: an answer with an error status.
    """
    try:
        body = response.json()
    except ValueError:
        return quote_body(response.text)
    if isinstance(body, dict) and body.get("message"):
        code = body.get("errorCode")
        suffix = f" (errorCode {code})" if code not in (None, 0, "") else ""
        return f"{body['message']}{suffix}"
    return quote_body(response.text)


@dataclass(frozen=True)
class NextRequest:
    """The next status or output request of a job being followed.

    :param url: the URL to GET.
    :param job_running: whether the last answer said the job still runs, so the request waits for
        the poll interval (a finished job's output is fetched at once).
    """

    url: str
    job_running: bool


@dataclass(frozen=True)
class JobOutput:
    """The output arguments of a job that succeeded.

    :param value: the parsed output (a dict, usually), or ``None`` when the answer was empty.
    """

    value: Any


class JobFollower:
    """Reads the answers met while following a job from its status URL to its output.

    - AsyncRequestReply: the status URL answers 200 while the job runs, then redirects to the output
      URL, whose answer is the output or the job's error.
    - LongPolling: each call blocks while the job runs, then redirects (usually to the same status
      URL); the first answer that is not a redirect is the output or the job's error.

    :param status_url: the status URL.
    :param mode: the call mode the job runs in.
    :param max_output_bytes: the largest output accepted.
    """

    def __init__(
        self,
        status_url: str,
        mode: CallMode,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
    ) -> None:
        self.status_url = status_url
        self.mode = mode
        self.max_output_bytes = max_output_bytes
        self._chain: list[str] = []

    def first_request(self) -> NextRequest:
        """The first request: the status URL, at once."""
        return NextRequest(self.status_url, job_running=False)

    def read(self, response: httpx.Response) -> NextRequest | JobOutput:
        """Decide what an answer means.

        :param response: the answer to the last request.
        :raises UiPathJobFailedError: when the job ended without success.
        :raises UiPathRequestError: when the answer is an HTTP error that is not a job error.
        :raises UiPathProtocolError: for answers outside the protocol.
        """
        url = str(response.request.url)
        if is_redirect(response):
            return self._follow_redirect(response)
        if response.is_success and self._is_running_answer(url):
            self._chain.clear()
            return NextRequest(url, job_running=True)
        if response.is_success:
            return JobOutput(read_output(response, self.max_output_bytes))
        job_error = read_job_error(response)
        if job_error is not None:
            raise UiPathJobFailedError(self.status_url, job_error, response.status_code)
        raise UiPathRequestError(
            action="follow the UiPath job",
            method=response.request.method,
            url=url,
            status_code=response.status_code,
            server_message=server_message(response),
            hint=_FOLLOW_HINTS.get(response.status_code, ""),
        )

    def _is_running_answer(self, url: str) -> bool:
        """AsyncRequestReply's status URL answers 2xx while the job runs; an output URL never does."""
        return self.mode is CallMode.ASYNC_REQUEST_REPLY and not self._chain and url == self.status_url

    def _follow_redirect(self, response: httpx.Response) -> NextRequest:
        location = resolve_location(response.request.url, response.headers.get("Location"))
        if self.mode is CallMode.LONG_POLLING and location == str(response.request.url):
            self._chain.clear()
            return NextRequest(location, job_running=True)
        self._chain.append(location)
        if len(self._chain) > MAX_REDIRECT_CHAIN:
            raise UiPathProtocolError(
                f"Orchestrator redirected more than {MAX_REDIRECT_CHAIN} times in a row while following "
                f"the job at {self.status_url}, last to {location}: giving up on a redirect loop."
            )
        return NextRequest(location, job_running=False)


_FOLLOW_HINTS = {
    401: "The status URL refused the request without a token: the provider only sends its token to the "
    "connection's own origin.",
    404: "The status or output URL is unknown to Orchestrator: it may have expired, or belong to "
    "another tenant.",
}
