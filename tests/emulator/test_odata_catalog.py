"""The OData lookups of triggers and folders."""

from __future__ import annotations

import json

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer

from .helpers import FOLDER_KEY, bearer, fetch_token, folder_headers, odata_url


def test_http_triggers_lists_the_folder_triggers(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.get(odata_url(emulator, "HttpTriggers"), headers=folder_headers())

    slugs = [row["Slug"] for row in response.json()["value"]]
    assert slugs == [
        "invoice-sync",
        "monthly-report",
        "notify-team",
        "lookup-customer",
        "broken-process",
        "endless-process",
    ]


def test_http_trigger_row_describes_the_trigger(emulator: EmulatorServer, client: httpx.Client) -> None:
    params = {"$filter": "Slug eq 'lookup-customer'"}

    response = client.get(odata_url(emulator, "HttpTriggers"), params=params, headers=folder_headers())

    [row] = response.json()["value"]
    trigger = emulator.state.trigger_by_slug("lookup-customer")
    assert trigger is not None
    assert row["Id"] == trigger.id
    assert (row["Name"], row["Method"], row["CallingMode"], row["Enabled"]) == (
        "Lookup customer",
        "Get",
        "AsyncRequestReply",
        True,
    )
    assert (row["ReleaseKey"], json.loads(row["InputArguments"])) == (trigger.release_key, {})
    assert row["ExternalReference"] == f"GET lookup-customer {FOLDER_KEY.upper()}"


def test_http_triggers_need_a_folder_header(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.get(odata_url(emulator, "HttpTriggers"))

    assert (response.status_code, response.json()["errorCode"]) == (400, 1101)


def test_http_triggers_need_the_execution_scope(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    token = fetch_token(emulator, scope="OR.Jobs")

    response = anonymous_client.get(
        odata_url(emulator, "HttpTriggers"), headers={**bearer(token), **folder_headers()}
    )

    assert response.status_code == 403
    assert "OR.Execution.Read (or OR.Execution)" in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "expected_ids"),
    [
        pytest.param({}, [1], id="all"),
        pytest.param({"$filter": "FullyQualifiedName eq 'Shared'"}, [1], id="by-path"),
        pytest.param({"$filter": "FullyQualifiedName eq 'Finance'"}, [], id="no-match"),
    ],
)
def test_folders_can_be_looked_up(
    emulator: EmulatorServer, client: httpx.Client, params: dict[str, str], expected_ids: list[int]
) -> None:
    response = client.get(odata_url(emulator, "Folders"), params=params)

    assert [row["Id"] for row in response.json()["value"]] == expected_ids


@pytest.mark.parametrize(
    ("folder_id", "expected_status"),
    [
        pytest.param(1, 200, id="known"),
        pytest.param(2, 404, id="unknown"),
    ],
)
def test_folder_by_id(
    emulator: EmulatorServer, client: httpx.Client, folder_id: int, expected_status: int
) -> None:
    response = client.get(odata_url(emulator, f"Folders({folder_id})"))

    assert response.status_code == expected_status
    if expected_status == 200:
        assert response.json() == {
            "Id": 1,
            "Key": FOLDER_KEY,
            "DisplayName": "Shared",
            "FullyQualifiedName": "Shared",
        }
