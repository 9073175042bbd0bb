"""What the sync and async hooks share around sending a request.

Authorization is added here and only here, so the bearer token never leaves the connection's own
origin; transport failures and final HTTP errors are translated here into the provider's errors.
"""

from __future__ import annotations

import httpx

from airflow_provider_uipath import __version__
from airflow_provider_uipath.connection import UiPathConnectionConfig
from airflow_provider_uipath.exceptions import UiPathAuthError, UiPathRequestError, UiPathUnreachableError
from airflow_provider_uipath.protocol import server_message
from airflow_provider_uipath.retries import RetryableResponse, is_retryable_response
from airflow_provider_uipath.urls import same_origin

#: How the provider introduces itself to Orchestrator.
USER_AGENT = f"airflow-provider-uipath/{__version__}"
#: Orchestrator's header naming the folder a Jobs API request is about.
FOLDER_KEY_HEADER = "X-UIPATH-FolderKey"


def authorize(request: httpx.Request, token: str, config: UiPathConnectionConfig) -> httpx.Request:
    """Add the bearer token, when the request goes to the connection's own origin.

    A status or output URL on another origin is requested without it, whatever it asks.

    :param request: the request to send.
    :param token: the bearer token.
    :param config: the connection.
    """
    if same_origin(request.url, config.tenant_url):
        request.headers["Authorization"] = f"Bearer {token}"
    else:
        request.headers.pop("Authorization", None)
    return request


def check_authorized(
    response: httpx.Response,
    action: str,
    config: UiPathConnectionConfig,
    raise_for_status: bool = False,
) -> None:
    """Fail clearly on a 401 (and, if asked, on any other error status).

    :param response: the answer.
    :param action: what the request was for.
    :param config: the connection.
    :param raise_for_status: whether any error status raises.
    :raises UiPathAuthError: on a 401.
    :raises UiPathRequestError: on another error status, when asked.
    """
    url = response.request.url
    if response.status_code == httpx.codes.UNAUTHORIZED:
        raise UiPathAuthError(_unauthorized_message(response, action, config))
    if raise_for_status and not response.is_success:
        raise UiPathRequestError(
            action, response.request.method, str(url), response.status_code, server_message(response)
        )


def _unauthorized_message(response: httpx.Response, action: str, config: UiPathConnectionConfig) -> str:
    url = response.request.url
    prefix = (
        f"Could not {action}: {response.request.method} {url} answered HTTP 401 ({server_message(response)})."
    )
    if not same_origin(url, config.tenant_url):
        return (
            f"{prefix} The URL is on another origin than the connection's {config.tenant_url}, so no "
            "token was sent to it. Ask your Orchestrator admin to clear the tenant setting that requires "
            "the auth header on redirects, or point the connection at that origin."
        )
    if config.client_credentials is None:
        return (
            f"{prefix} The Personal Access Token of connection {config.conn_id!r} was refused: "
            "it may have expired or been revoked."
        )
    return f"{prefix} A freshly issued OAuth token was refused too: check the external application's scopes."


def raise_for_retryable(response: httpx.Response) -> None:
    """Raise :class:`RetryableResponse` for an answer worth another attempt.

    :param response: the answer.
    """
    if is_retryable_response(response):
        raise RetryableResponse(response)


def final_failure(error: RetryableResponse | UiPathUnreachableError, action: str, attempts: int) -> Exception:
    """The error to raise once a repeatable request has used all its attempts.

    :param error: the last failure.
    :param action: what the request was for.
    :param attempts: how many times the request was sent.
    """
    if isinstance(error, UiPathUnreachableError):
        return UiPathUnreachableError(action, error.method, error.url, error.reason, attempts)
    response = error.response
    return UiPathRequestError(
        action,
        response.request.method,
        str(response.request.url),
        response.status_code,
        server_message(response),
        hint=f"Gave up after {attempts} attempts.",
    )


def transport_failure(
    error: httpx.TransportError, request: httpx.Request, action: str
) -> UiPathUnreachableError:
    """Translate a network failure into the provider's error.

    :param error: httpx's error.
    :param request: the request that failed.
    :param action: what the request was for.
    """
    reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return UiPathUnreachableError(action, request.method, str(request.url), reason, attempts=1)


def was_never_sent(error: UiPathUnreachableError) -> bool:
    """Whether a failed request certainly never reached the server (no connection was made).

    :param error: the translated failure.
    """
    return error.reason.startswith(("ConnectError", "ConnectTimeout"))
