"""Which failures are retried, and how long to wait between attempts.

Only requests that are safe to repeat are retried: status and output GETs, token requests and Jobs
API reads. The call that starts a job never goes through here.
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import Any

import httpx
import tenacity

from airflow_provider_uipath.connection import RetryPolicy
from airflow_provider_uipath.exceptions import UiPathUnreachableError
from airflow_provider_uipath.protocol import read_job_error

log = logging.getLogger(__name__)

#: Answers worth another try: timeouts, rate limits and server or proxy failures.
RETRYABLE_STATUS_CODES = frozenset({408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


class RetryableResponse(Exception):
    """An answer that is worth another attempt; carries it to the retry policy.

    :param response: the answer.
    """

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code} from {response.request.url}")
        self.response = response
        self.retry_after = retry_after_seconds(response)


def is_retryable_response(response: httpx.Response) -> bool:
    """Whether an answer is a passing failure rather than Orchestrator's final word.

    A 5xx that carries a UiPath job error is the job's outcome, not a server failure.

    :param response: the answer.
    """
    if response.status_code not in RETRYABLE_STATUS_CODES:
        return False
    return read_job_error(response) is None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Read ``Retry-After``, given in seconds or as an HTTP date.

    :param response: the answer.
    """
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _is_retryable_error(error: BaseException) -> bool:
    return isinstance(error, (RetryableResponse, UiPathUnreachableError))


class WaitRetryAfterOrBackoff(tenacity.wait.wait_base):
    """Wait as long as the server's ``Retry-After`` asks, else a jittered exponential backoff.

    :param policy: the connection's retry policy.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.backoff = tenacity.wait_exponential_jitter(
            initial=policy.backoff,
            max=policy.max_backoff,
            jitter=policy.backoff,
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, RetryableResponse) and error.retry_after is not None:
            return min(error.retry_after, self.policy.max_retry_after)
        return float(self.backoff(retry_state))


def _log_retry(retry_state: tenacity.RetryCallState) -> None:
    error = retry_state.outcome.exception() if retry_state.outcome else None
    sleep = retry_state.next_action.sleep if retry_state.next_action else 0.0
    log.warning(
        "Request failed (%s); attempt %d, retrying in %.1f s.", error, retry_state.attempt_number, sleep
    )


def retry_arguments(policy: RetryPolicy) -> dict[str, Any]:
    """The tenacity settings shared by the sync and async retry loops.

    :param policy: the connection's retry policy.
    """
    return {
        "stop": tenacity.stop_after_attempt(policy.attempts),
        "wait": WaitRetryAfterOrBackoff(policy),
        "retry": tenacity.retry_if_exception(_is_retryable_error),
        "before_sleep": _log_retry,
        "reraise": True,
    }


def sync_retrying(policy: RetryPolicy) -> tenacity.Retrying:
    """A tenacity loop for the worker.

    :param policy: the connection's retry policy.
    """
    return tenacity.Retrying(**retry_arguments(policy))


def async_retrying(policy: RetryPolicy) -> tenacity.AsyncRetrying:
    """A tenacity loop for the triggerer; it sleeps with ``asyncio.sleep``.

    :param policy: the connection's retry policy.
    """
    return tenacity.AsyncRetrying(**retry_arguments(policy))
