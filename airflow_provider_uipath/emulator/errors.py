"""Errors raised by endpoint handlers and the responses they become.

Handlers raise :class:`OrchestratorError` or :class:`OAuthError`; the app's exception handlers turn
them into Orchestrator's error object ``{"message", "errorCode", "traceId"}`` or the OAuth2 one
``{"error", "error_description"}``. The trace id is the request's ``X-Request-Id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from airflow_provider_uipath.emulator.request_log import request_id_of

ERROR_CODE_GENERIC = 0
ERROR_CODE_INVALID_REQUEST = 1000
ERROR_CODE_ITEM_NOT_FOUND = 1002
ERROR_CODE_FOLDER_NOT_FOUND = 1100
ERROR_CODE_FOLDER_REQUIRED = 1101
ERROR_CODE_TRIGGER_NOT_FOUND = 1623
ERROR_CODE_EMPTY_BODY = 4804

NOT_AUTHENTICATED_MESSAGE = "You are not authenticated!"
NOT_AUTHORIZED_MESSAGE = "You are not authorized!"


class OrchestratorError(Exception):
    """An error answered with Orchestrator's error object.

    :param status_code: the HTTP status.
    :param message: the ``message`` field, a full sentence.
    :param error_code: the ``errorCode`` field.
    :param headers: extra response headers, e.g. ``Retry-After``.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_code: int = ERROR_CODE_GENERIC,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.error_code = error_code
        self.headers = dict(headers or {})


class OAuthError(Exception):
    """An error of the token endpoint, answered with the OAuth2 error object.

    :param error: the OAuth2 ``error`` code, e.g. ``invalid_client``.
    :param description: the ``error_description``, a full sentence.
    :param status_code: the HTTP status.
    """

    def __init__(self, error: str, description: str, status_code: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status_code = status_code


def orchestrator_error_body(request: Request, message: str, error_code: int) -> dict[str, Any]:
    """Return Orchestrator's error object for the current request.

    :param request: the request being answered; its id becomes the ``traceId``.
    :param message: the ``message`` field.
    :param error_code: the ``errorCode`` field.
    """
    return {"message": message, "errorCode": error_code, "traceId": request_id_of(request.scope)}


async def answer_orchestrator_error(request: Request, exc: Exception) -> Response:
    """Turn an :class:`OrchestratorError` into its response (an exception handler of the app).

    :param request: the request being answered.
    :param exc: the error raised by the handler.
    """
    if not isinstance(exc, OrchestratorError):
        raise exc
    body = orchestrator_error_body(request, exc.message, exc.error_code)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


async def answer_oauth_error(request: Request, exc: Exception) -> Response:
    """Turn an :class:`OAuthError` into its response (an exception handler of the app).

    :param request: the request being answered.
    :param exc: the error raised by the handler.
    """
    if not isinstance(exc, OAuthError):
        raise exc
    body = {"error": exc.error, "error_description": exc.description}
    return JSONResponse(body, status_code=exc.status_code, headers={"Cache-Control": "no-store"})


async def answer_routing_error(request: Request, exc: Exception) -> Response:
    """Answer Starlette's own 404 and 405 with Orchestrator's error object.

    :param request: the request being answered.
    :param exc: Starlette's :class:`HTTPException`.
    """
    if not isinstance(exc, HTTPException):
        raise exc
    message = f"No endpoint answers {request.method} {request.url.path} (HTTP {exc.status_code})."
    body = orchestrator_error_body(request, message, ERROR_CODE_GENERIC)
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
