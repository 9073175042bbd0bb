"""The OAuth2 token endpoint: client credentials, OAuth-style errors, expiry on the emulator's clock."""

from __future__ import annotations

import re

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer

from .helpers import CLIENT_ID, CLIENT_SECRET, bearer, fetch_token

GOOD_FORM = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/identity_/connect/token", id="cloud"),
        pytest.param("/identity/connect/token", id="on-premises"),
    ],
)
def test_client_credentials_grant_issues_a_bearer_token(
    emulator: EmulatorServer, anonymous_client: httpx.Client, path: str
) -> None:
    response = anonymous_client.post(f"{emulator.base_url}{path}", data={**GOOD_FORM, "scope": "OR.Jobs"})

    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 3600, "OR.Jobs")
    assert "refresh_token" not in body
    assert len(body["access_token"]) > 20


def test_without_scope_the_token_gets_every_scope_of_the_app(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    response = anonymous_client.post(f"{emulator.base_url}/identity_/connect/token", data=GOOD_FORM)

    assert response.json()["scope"] == "OR.Execution OR.Folders.Read OR.Jobs"


def test_token_lifetime_follows_the_knob(emulator: EmulatorServer, anonymous_client: httpx.Client) -> None:
    emulator.configure(token_ttl_seconds=120)

    response = anonymous_client.post(f"{emulator.base_url}/identity_/connect/token", data=GOOD_FORM)

    assert response.json()["expires_in"] == 120


@pytest.mark.parametrize(
    ("form", "content", "error", "description"),
    [
        pytest.param(
            None,
            '{"grant_type": "client_credentials"}',
            "invalid_request",
            r"application/x-www-form",
            id="json",
        ),
        pytest.param(
            {**GOOD_FORM, "client_secret": "wrong"},
            None,
            "invalid_client",
            r"wrong client secret",
            id="secret",
        ),
        pytest.param(
            {**GOOD_FORM, "client_id": "stranger"}, None, "invalid_client", r"'stranger'", id="client"
        ),
        pytest.param(
            {**GOOD_FORM, "grant_type": "password"}, None, "unsupported_grant_type", r"'password'", id="grant"
        ),
        pytest.param({"client_id": CLIENT_ID}, None, "invalid_request", r"no grant_type", id="no-grant"),
        pytest.param(
            {**GOOD_FORM, "scope": "OR.Jobs OR.Users"}, None, "invalid_scope", r"OR\.Users", id="scope"
        ),
    ],
)
def test_token_errors_use_the_oauth_error_object(
    emulator: EmulatorServer,
    anonymous_client: httpx.Client,
    form: dict[str, str] | None,
    content: str | None,
    error: str,
    description: str,
) -> None:
    headers = {"Content-Type": "application/json"} if content is not None else None
    url = f"{emulator.base_url}/identity_/connect/token"

    response = anonymous_client.post(url, data=form, content=content, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert re.search(description, response.json()["error_description"])


def test_issued_token_authorizes_a_trigger_call(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    token = fetch_token(emulator)

    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={}, headers=bearer(token))

    assert response.status_code == 202


def test_token_expires_on_the_emulator_clock(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    emulator.configure(token_ttl_seconds=60)
    token = fetch_token(emulator)
    emulator.advance_clock(61)

    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={}, headers=bearer(token))

    assert response.status_code == 401
    assert emulator.jobs() == []


def test_token_requests_are_counted(emulator: EmulatorServer) -> None:
    fetch_token(emulator)
    fetch_token(emulator)

    stats = emulator.stats()

    assert (stats.token_requests, stats.tokens_issued) == (2, 2)
