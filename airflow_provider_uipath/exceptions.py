"""The provider's exception tree.

Every error raised by this provider is a :class:`UiPathError`, itself an Airflow exception, so a
task fails with the message below and ``except UiPathError`` catches them all::

    UiPathError
    ├── UiPathConfigError         the connection or an operator argument is wrong (no job started)
    ├── UiPathAuthError           no token could be obtained, or Orchestrator refused it
    ├── UiPathRequestError        Orchestrator answered with an HTTP error
    │   └── UiPathInvokeError     ... to the call that starts a job
    ├── UiPathUnreachableError    the network failed, after the retries allowed
    ├── UiPathProtocolError       Orchestrator's answer does not follow the API trigger protocol
    │   └── UiPathOutputTooLargeError
    ├── UiPathUncertainStartError the call that starts a job failed, and the job could not be settled
    ├── UiPathJobFailedError      the job ended faulted or stopped
    └── UiPathJobTimeoutError     the job did not finish before the task's deadline

Messages are built from structured fields, never from a request's headers, so no token or secret
can reach a message.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk.exceptions import AirflowException

#: How much of a server's answer an error message quotes.
QUOTED_BODY_LIMIT = 500


def quote_body(text: str, limit: int = QUOTED_BODY_LIMIT) -> str:
    """Shorten a response body for an error message, on one line.

    :param text: the body as text.
    :param limit: the largest number of characters kept.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters in all)"


class UiPathError(AirflowException):
    """Base class of every error raised by the UiPath provider."""


class UiPathConfigError(UiPathError):
    """A connection field or an operator argument is invalid; nothing was sent to Orchestrator."""


class UiPathAuthError(UiPathError):
    """No usable bearer token: the token endpoint refused, or Orchestrator kept answering 401."""


class UiPathRequestError(UiPathError):
    """Orchestrator answered a request with an HTTP error.

    :param action: what the request was for, e.g. ``"invoke the API trigger"``.
    :param method: the HTTP method.
    :param url: the URL requested.
    :param status_code: the HTTP status of the answer.
    :param server_message: the error text Orchestrator sent, or the raw body.
    :param hint: what the user can do about it, if known.
    """

    def __init__(
        self,
        action: str,
        method: str,
        url: str,
        status_code: int,
        server_message: str,
        hint: str = "",
    ) -> None:
        self.action = action
        self.method = method
        self.url = url
        self.http_status = status_code
        self.server_message = server_message
        self.hint = hint
        message = f"Could not {action}: {method} {url} answered HTTP {status_code}"
        if server_message:
            message += f" with: {server_message}"
        message += "."
        if hint:
            message += f" {hint}"
        super().__init__(message)


class UiPathInvokeError(UiPathRequestError):
    """Orchestrator refused the call to the API trigger, so no job was started by it."""


class UiPathUnreachableError(UiPathError):
    """A request failed at the network level after every retry allowed.

    :param action: what the request was for.
    :param method: the HTTP method.
    :param url: the URL requested.
    :param reason: the transport error, as text.
    :param attempts: how many times the request was sent.
    :param hint: what the user can do about it, if known.
    """

    def __init__(
        self, action: str, method: str, url: str, reason: str, attempts: int, hint: str = ""
    ) -> None:
        self.action = action
        self.method = method
        self.url = url
        self.reason = reason
        self.attempts = attempts
        tries = "once" if attempts == 1 else f"{attempts} times"
        message = f"Could not {action}: {method} {url} failed ({reason}); tried {tries}."
        super().__init__(f"{message} {hint}" if hint else message)


class UiPathProtocolError(UiPathError):
    """Orchestrator's answer does not follow the API trigger protocol."""


class UiPathOutputTooLargeError(UiPathProtocolError):
    """The job's output is larger than the limit set for XCom.

    :param size: the size of the output, in bytes.
    :param limit: the largest size allowed, in bytes.
    """

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"The job's output is {size} bytes, more than the limit of {limit} bytes for XCom. "
            "Raise max_output_bytes on the operator or sensor, or have the process store large "
            "results elsewhere and return a reference to them."
        )


class UiPathUncertainStartError(UiPathError):
    """The call that starts a job failed after reaching Orchestrator, and no single job could be adopted."""


class UiPathJobFailedError(UiPathError):
    """The UiPath job ended without success.

    :param status_url: the status URL the job was followed through.
    :param error: the job's error as Orchestrator returned it (``Code``, ``Title``, ``Detail``...),
        or ``{"raw": text}`` when the answer was not JSON.
    :param status_code: the HTTP status of the answer that carried the error.
    """

    def __init__(self, status_url: str, error: dict[str, Any], status_code: int | None = None) -> None:
        self.status_url = status_url
        self.error = error
        self.http_status = status_code
        super().__init__(
            f"The UiPath job did not succeed: {describe_job_error(error)} (job followed at {status_url})."
        )


class UiPathJobTimeoutError(UiPathError):
    """The job was still running when the task's deadline passed."""


def describe_job_error(error: dict[str, Any]) -> str:
    """Turn a job error envelope into one readable sentence.

    :param error: ``{"Code", "Title", "Detail", ...}`` as UiPath sends it, or ``{"raw": text}``.

    >>> describe_job_error({"Title": "File missing", "Detail": "C:/in.xlsx", "Code": "Robot.IO"})
    'File missing: C:/in.xlsx [code Robot.IO]'
    """
    if "raw" in error and len(error) == 1:
        return quote_body(str(error["raw"])) or "no error text was given"
    parts = [str(error[key]) for key in ("Title", "Detail") if error.get(key)]
    if not parts and error.get("message"):
        parts.append(str(error["message"]))
    text = ": ".join(parts) or quote_body(str(error))
    code = error.get("Code") or error.get("errorCode")
    if code not in (None, "", 0):
        text += f" [code {code}]"
    return text
