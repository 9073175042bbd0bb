"""The events a :class:`~airflow_provider_uipath.triggers.job.UiPathJobTrigger` sends back to its task.

Events are small JSON dicts, safe to receive twice: they describe the job's outcome and carry no
instruction. :func:`result_of_event` turns one into the task's return value or its exception.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from airflow_provider_uipath.exceptions import (
    UiPathError,
    UiPathJobFailedError,
    UiPathJobTimeoutError,
)


class EventStatus(str, Enum):
    """How a wait ended."""

    SUCCESS = "success"
    """The job succeeded; ``output`` holds its output arguments."""
    FAILED = "failed"
    """The job ended faulted or stopped; ``error`` holds UiPath's error."""
    TIMEOUT = "timeout"
    """The deadline passed while the job was running."""
    ERROR = "error"
    """The wait itself failed (network, protocol, refused request); ``message`` says why."""


def success_event(status_url: str, output: Any) -> dict[str, Any]:
    """The event of a job that succeeded.

    :param status_url: the status URL followed.
    :param output: the job's output arguments.
    """
    return {"status": EventStatus.SUCCESS.value, "status_url": status_url, "output": output}


def failure_event(status_url: str, error: Exception) -> dict[str, Any]:
    """The event of a wait that ended with an error.

    :param status_url: the status URL followed.
    :param error: what went wrong.
    """
    event: dict[str, Any] = {"status_url": status_url, "message": str(error)}
    if isinstance(error, UiPathJobFailedError):
        event.update(status=EventStatus.FAILED.value, error=error.error, http_status=error.http_status)
    elif isinstance(error, UiPathJobTimeoutError):
        event.update(status=EventStatus.TIMEOUT.value)
    else:
        event.update(status=EventStatus.ERROR.value, error_type=type(error).__name__)
    return event


def result_of_event(event: dict[str, Any] | None) -> Any:
    """Return the job's output, or raise the error the event describes.

    :param event: the trigger's event.
    :raises UiPathJobFailedError: for a job that failed, with UiPath's error text.
    :raises UiPathJobTimeoutError: for a deadline that passed.
    :raises UiPathError: for any other failure, or an event that is not understood.
    """
    if not isinstance(event, dict) or "status" not in event:
        raise UiPathError(f"The UiPath trigger sent an event this provider does not understand: {event!r}.")
    status = event["status"]
    if status == EventStatus.SUCCESS.value:
        return event.get("output")
    status_url = str(event.get("status_url", ""))
    if status == EventStatus.FAILED.value:
        raise UiPathJobFailedError(status_url, event.get("error") or {}, event.get("http_status"))
    if status == EventStatus.TIMEOUT.value:
        raise UiPathJobTimeoutError(event.get("message") or f"The UiPath job at {status_url} timed out.")
    raise UiPathError(event.get("message") or f"Waiting for the UiPath job at {status_url} failed.")
