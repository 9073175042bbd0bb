"""Bearer authentication and scope checks shared by the Orchestrator endpoints."""

from __future__ import annotations

from starlette.requests import Request

from airflow_provider_uipath.emulator.credentials import Credential, broader_scope
from airflow_provider_uipath.emulator.errors import NOT_AUTHENTICATED_MESSAGE, OrchestratorError
from airflow_provider_uipath.emulator.state import EmulatorState

BEARER_PREFIX = "bearer "
UNAUTHENTICATED_HEADERS = {"WWW-Authenticate": "Bearer"}


def bearer_token_of(request: Request) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or ``None``.

    :param request: the request.
    """
    header = request.headers.get("authorization", "")
    if not header.lower().startswith(BEARER_PREFIX):
        return None
    return header[len(BEARER_PREFIX) :].strip() or None


def authenticate(request: Request, state: EmulatorState) -> Credential:
    """Return the credential of the request's bearer token.

    :param request: the request.
    :param state: the emulator state that knows the tokens.
    :raises OrchestratorError: 401 when the token is missing, unknown or expired.
    """
    token = bearer_token_of(request)
    credential = None if token is None else state.credentials.lookup(token, state.now())
    if credential is None:
        raise OrchestratorError(401, NOT_AUTHENTICATED_MESSAGE, headers=UNAUTHENTICATED_HEADERS)
    return credential


def require_scope(credential: Credential, scope: str, action: str) -> None:
    """Refuse a request whose token lacks ``scope`` (or the broader scope it narrows).

    :param credential: the request's credential.
    :param scope: the scope needed, e.g. ``OR.Jobs.Read``.
    :param action: what the request does, for the message, e.g. ``GET /odata/Jobs``.
    :raises OrchestratorError: 403 naming the missing scope.
    """
    if credential.grants(scope):
        return
    alternatives = scope if broader_scope(scope) == scope else f"{scope} (or {broader_scope(scope)})"
    raise OrchestratorError(
        403,
        f"The access token of {credential.owner} lacks the scope {alternatives} needed for {action}.",
    )
