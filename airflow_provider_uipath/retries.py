"""Which failures are retried, and how long to wait between attempts.

Only requests that are safe to repeat are retried: status and output GETs, token requests and Jobs
API reads. The call that starts a job never goes through here.
"""

from __future__ import annotations

import email.utils
import logging
import random
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


def seconds_before_retry(policy: RetryPolicy, failure: BaseException | None, attempt: int) -> float:
    """How long to wait after a failed attempt: the server's ``Retry-After`` (capped), or a backoff.

    The backoff doubles from ``policy.backoff`` up to ``policy.max_backoff``, plus up to one
    ``policy.backoff`` of jitter, so it is never zero and retries of many waits do not line up.

    :param policy: the connection's retry policy.
    :param failure: what the attempt raised.
    :param attempt: the number of the attempt that failed, from 1.
    """
    if isinstance(failure, RetryableResponse) and failure.retry_after is not None:
        return min(failure.retry_after, policy.max_retry_after)
    backoff = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
    return float(backoff + random.uniform(0, policy.backoff))


class WaitRetryAfterOrBackoff(tenacity.wait.wait_base):
    """tenacity's wait for :func:`seconds_before_retry`.

    :param policy: the connection's retry policy.
    :param attempts_before: attempts made before the tenacity loop began.
    """

    def __init__(self, policy: RetryPolicy, attempts_before: int = 0) -> None:
        self.policy = policy
        self.attempts_before = attempts_before

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        return seconds_before_retry(self.policy, error, retry_state.attempt_number + self.attempts_before)


def log_retry(failure: BaseException | None, attempt: int, seconds: float) -> None:
    """Say that a request failed and will be tried again.

    :param failure: what the attempt raised.
    :param attempt: the number of the attempt that failed.
    :param seconds: the wait before the next one.
    """
    log.warning("Request failed (%s); attempt %d, retrying in %.1f s.", failure, attempt, seconds)


class _LogRetry:
    def __init__(self, attempts_before: int) -> None:
        self.attempts_before = attempts_before

    def __call__(self, retry_state: tenacity.RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        sleep = retry_state.next_action.sleep if retry_state.next_action else 0.0
        log_retry(error, retry_state.attempt_number + self.attempts_before, sleep)


def retry_arguments(policy: RetryPolicy, attempts_before: int = 0) -> dict[str, Any]:
    """The tenacity settings shared by the sync and async retry loops.

    :param policy: the connection's retry policy.
    :param attempts_before: attempts already made before the loop (the first one is made
        without tenacity, which costs nothing when it succeeds).
    """
    return {
        "stop": tenacity.stop_after_attempt(max(1, policy.attempts - attempts_before)),
        "wait": WaitRetryAfterOrBackoff(policy, attempts_before),
        "retry": tenacity.retry_if_exception(_is_retryable_error),
        "before_sleep": _LogRetry(attempts_before),
        "reraise": True,
    }


def sync_retrying(policy: RetryPolicy, attempts_before: int = 0) -> tenacity.Retrying:
    """A tenacity loop for the worker.

    :param policy: the connection's retry policy.
    :param attempts_before: attempts already made before the loop.
    """
    return tenacity.Retrying(**retry_arguments(policy, attempts_before))


def async_retrying(policy: RetryPolicy, attempts_before: int = 0) -> tenacity.AsyncRetrying:
    """A tenacity loop for the triggerer; it sleeps with ``asyncio.sleep``.

    :param policy: the connection's retry policy.
    :param attempts_before: attempts already made before the loop.
    """
    return tenacity.AsyncRetrying(**retry_arguments(policy, attempts_before))
