"""Constants and small helpers shared by the emulator tests."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from airflow_provider_uipath.emulator import EmulatorServer

PAT = "emulator-pat"
FOLDER_ID = 1
FOLDER_KEY = "2b3c4d5e-0000-4000-8000-000000000001"
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
HTTP_TIMEOUT_SECONDS = 20.0

AddTrigger = Callable[..., str]
"""The ``add_trigger`` fixture: adds a trigger with a job script, returns its invoke URL."""


def odata_url(emulator: EmulatorServer, resource: str) -> str:
    """Return the URL of an OData resource of the emulated tenant."""
    return f"{emulator.tenant_url}/orchestrator_/odata/{resource}"


def folder_headers() -> dict[str, str]:
    """Return the folder header of the default folder."""
    return {"X-UIPATH-OrganizationUnitId": str(FOLDER_ID)}


def fetch_token(emulator: EmulatorServer, scope: str = "") -> str:
    """Get an OAuth access token for the default client."""
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    if scope:
        form["scope"] = scope
    response = httpx.post(
        f"{emulator.base_url}/identity_/connect/token", data=form, timeout=HTTP_TIMEOUT_SECONDS
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    """Return an Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}
