"""The OAuth2 token endpoint: ``POST /identity_/connect/token`` (cloud) and ``/identity/connect/token``.

Only the client credentials grant is served, from a form-encoded body. Errors use the OAuth2 object
``{"error", "error_description"}`` with status 400. Tokens are opaque random strings that expire
after knob ``token_ttl_seconds`` on the emulator's clock; no refresh token is issued.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from airflow_provider_uipath.emulator.config import OAuthApp
from airflow_provider_uipath.emulator.errors import OAuthError
from airflow_provider_uipath.emulator.route_classes import TOKEN_PATHS
from airflow_provider_uipath.emulator.state import EmulatorState

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
CLIENT_CREDENTIALS_GRANT = "client_credentials"
TOKEN_TYPE = "Bearer"


class TokenEndpoint:
    """The token endpoint.

    :param state: the emulator state.
    """

    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        """Return the routes, at the root of the host."""
        return [Route(path, self.issue_token, methods=["POST"]) for path in TOKEN_PATHS]

    async def issue_token(self, request: Request) -> Response:
        """Issue an access token for the client credentials grant.

        :param request: the token request.
        """
        form = await _read_form(request)
        if form.get("grant_type") != CLIENT_CREDENTIALS_GRANT:
            raise _grant_error(form.get("grant_type"))
        app = self._authenticated_app(form.get("client_id"), form.get("client_secret"))
        scopes = _granted_scopes(app, form.get("scope", ""))

        ttl_seconds = self.state.knobs.token_ttl_seconds
        token = self.state.credentials.issue(app, scopes, self.state.now(), ttl_seconds)
        return JSONResponse(
            {
                "access_token": token,
                "expires_in": int(ttl_seconds),
                "token_type": TOKEN_TYPE,
                "scope": " ".join(sorted(scopes)),
            },
            headers={"Cache-Control": "no-store"},
        )

    def _authenticated_app(self, client_id: str | None, client_secret: str | None) -> OAuthApp:
        app = None if client_id is None else self.state.oauth_app(client_id)
        if app is None or app.client_secret != client_secret:
            raise OAuthError("invalid_client", f"Unknown client {client_id!r} or wrong client secret.")
        return app


async def _read_form(request: Request) -> dict[str, str]:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != FORM_CONTENT_TYPE:
        raise OAuthError(
            "invalid_request",
            f"The token request must be sent as {FORM_CONTENT_TYPE}; "
            f"got {content_type or 'no content type'!r}.",
        )
    body = (await request.body()).decode("utf-8", errors="replace")
    return {name: values[-1] for name, values in parse_qs(body, keep_blank_values=True).items()}


def _grant_error(grant_type: str | None) -> OAuthError:
    if grant_type is None:
        return OAuthError("invalid_request", "The token request has no grant_type.")
    return OAuthError(
        "unsupported_grant_type",
        f"The grant type {grant_type!r} is not supported; use {CLIENT_CREDENTIALS_GRANT}.",
    )


def _granted_scopes(app: OAuthApp, requested: str) -> frozenset[str]:
    wanted = frozenset(requested.split())
    if not wanted:
        return frozenset(app.scopes)
    refused = sorted(wanted - set(app.scopes))
    if refused:
        raise OAuthError(
            "invalid_scope",
            f"The client {app.client_id} may not request {' '.join(refused)}; "
            f"its scopes are {' '.join(app.scopes) or 'none'}.",
        )
    return wanted
