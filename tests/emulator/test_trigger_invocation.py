"""Calling API triggers: call modes, inputs, and the checks made before a job is created."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from airflow_provider_uipath.emulator import CallMode, EmulatorServer, JobState

from .helpers import FOLDER_KEY, AddTrigger, bearer, fetch_token, folder_headers, odata_url


def test_async_call_answers_202_with_the_status_url(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.post(emulator.invoke_url("invoice-sync"), json={"month": "2026-01"})

    assert response.status_code == 202
    assert response.content == b""
    [job] = emulator.jobs()
    assert response.headers["location"] == f"{emulator.invoke_url('invoice-sync')}/status/{job.result_id}"
    assert (job.call_mode, job.input_arguments) == (CallMode.ASYNC_REQUEST_REPLY, {"month": "2026-01"})


def test_fire_and_forget_call_answers_200_without_location(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    response = client.post(emulator.invoke_url("notify-team"), json={})

    assert response.status_code == 200
    assert response.content == b""
    assert "location" not in response.headers
    assert [job.trigger_slug for job in emulator.jobs()] == ["notify-team"]


def test_long_polling_call_answers_the_result_when_the_job_ends_in_the_window(
    emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger
) -> None:
    url = add_trigger("quick-report", calling_mode="LongPolling", duration_seconds=0.05, output={"rows": 5})

    response = client.post(url, json={})

    assert (response.status_code, response.json()) == (200, {"rows": 5})
    assert [job.state for job in emulator.jobs()] == [JobState.SUCCESSFUL]


@pytest.mark.parametrize(
    ("call_mode", "expected_status"),
    [
        pytest.param("AsyncRequestReply", 202, id="async"),
        pytest.param("FireAndForget", 200, id="fire-and-forget"),
        pytest.param("LongPolling", 303, id="long-polling"),
    ],
)
def test_call_mode_in_the_body_overrides_the_trigger_default(
    emulator: EmulatorServer, client: httpx.Client, call_mode: str, expected_status: int
) -> None:
    emulator.configure(long_poll_wait_seconds=0)

    response = client.post(emulator.invoke_url("endless-process"), json={"$callMode": call_mode, "n": 1})

    assert response.status_code == expected_status
    [job] = emulator.jobs()
    assert (job.call_mode.value, job.input_arguments) == (call_mode, {"n": 1})


def test_get_trigger_reads_inputs_and_call_mode_from_the_query_string(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    params = {"customer": "ACME", "limit": "3", "tags": '["a","b"]', "$callMode": "FireAndForget"}

    response = client.get(emulator.invoke_url("lookup-customer"), params=params)

    assert response.status_code == 200
    [job] = emulator.jobs()
    assert job.call_mode is CallMode.FIRE_AND_FORGET
    assert job.input_arguments == {"customer": "ACME", "limit": 3, "tags": ["a", "b"]}


def test_get_trigger_output_echoes_the_query_inputs(emulator: EmulatorServer, client: httpx.Client) -> None:
    status = client.get(emulator.invoke_url("lookup-customer"), params={"customer": "ACME"})
    emulator.advance_clock(5)

    output = client.get(client.get(status.headers["location"]).headers["location"])

    assert output.json() == {"echo": {"customer": "ACME"}}


def test_call_inputs_overlay_the_trigger_defaults(
    emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger
) -> None:
    url = add_trigger("with-defaults", input_arguments={"region": "EU", "dry_run": True})

    client.post(url, json={"dry_run": False})

    assert emulator.jobs()[0].input_arguments == {"region": "EU", "dry_run": False}


def test_created_job_is_recorded_as_orchestrator_would(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    client.post(emulator.invoke_url("invoice-sync"), json={"month": "2026-01"})
    [job] = emulator.jobs()
    trigger = emulator.state.trigger_by_slug("invoice-sync")
    assert trigger is not None

    dto = client.get(odata_url(emulator, f"Jobs({job.id})"), headers=folder_headers()).json()

    assert dto["Key"] == job.key
    assert (dto["SourceType"], dto["Source"], dto["StartingTriggerId"]) == (
        "HttpTrigger",
        "Invoice sync",
        trigger.id,
    )
    assert json.loads(dto["InputArguments"]) == {"month": "2026-01"}
    assert dto["CreationTime"].endswith("Z")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": "Bearer not-a-token"}, id="unknown-token"),
        pytest.param({"Authorization": "Basic ZW11bGF0b3I6cGF0"}, id="not-bearer"),
    ],
)
def test_call_without_valid_bearer_is_refused_and_creates_no_job(
    emulator: EmulatorServer, anonymous_client: httpx.Client, headers: dict[str, str]
) -> None:
    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={}, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "message": "You are not authenticated!",
        "errorCode": 0,
        "traceId": response.headers["x-request-id"],
    }
    assert emulator.jobs() == []


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"/orchestrator_/t/{FOLDER_KEY}/no-such-trigger", id="unknown-slug"),
        pytest.param(
            "/orchestrator_/t/00000000-0000-4000-8000-00000000dead/invoice-sync", id="unknown-folder"
        ),
        pytest.param(f"/orchestrator_/t/{FOLDER_KEY.upper()}/missing", id="unknown-slug-upper-key"),
    ],
)
def test_unknown_trigger_answers_404_with_error_code_1623(
    emulator: EmulatorServer, client: httpx.Client, path: str
) -> None:
    response = client.post(f"{emulator.tenant_url}{path}", json={})

    assert response.status_code == 404
    assert response.json()["errorCode"] == 1623
    assert response.json()["message"].startswith("HTTP trigger not found")


def test_folder_key_matches_in_any_letter_case(emulator: EmulatorServer, client: httpx.Client) -> None:
    url = emulator.invoke_url("invoice-sync").replace(FOLDER_KEY, FOLDER_KEY.upper())

    assert client.post(url, json={}).status_code == 202


@pytest.mark.parametrize(
    ("wrong_verb_status", "expected_status", "expected_allow"),
    [
        pytest.param(404, 404, None, id="like-unknown"),
        pytest.param(405, 405, "POST", id="method-not-allowed"),
    ],
)
def test_wrong_verb_follows_the_knob(
    emulator: EmulatorServer,
    client: httpx.Client,
    wrong_verb_status: int,
    expected_status: int,
    expected_allow: str | None,
) -> None:
    emulator.configure(wrong_verb_status=wrong_verb_status)

    response = client.put(emulator.invoke_url("invoice-sync"), json={})

    assert response.status_code == expected_status
    assert response.headers.get("allow") == expected_allow
    assert emulator.jobs() == []


@pytest.mark.parametrize("disabled_trigger_status", [404, 409])
def test_disabled_trigger_follows_the_knob(
    emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger, disabled_trigger_status: int
) -> None:
    url = add_trigger("switched-off", enabled=False)
    emulator.configure(disabled_trigger_status=disabled_trigger_status)

    response = client.post(url, json={})

    assert response.status_code == disabled_trigger_status
    assert response.json()["errorCode"] == 1623
    assert emulator.jobs() == []


@pytest.mark.parametrize(
    ("empty_body_strict", "expected_status", "expected_jobs"),
    [
        pytest.param(False, 202, 1, id="lenient"),
        pytest.param(True, 400, 0, id="strict"),
    ],
)
def test_empty_body_follows_the_knob(
    emulator: EmulatorServer,
    client: httpx.Client,
    empty_body_strict: bool,
    expected_status: int,
    expected_jobs: int,
) -> None:
    emulator.configure(empty_body_strict=empty_body_strict)

    response = client.post(emulator.invoke_url("invoice-sync"))

    assert response.status_code == expected_status
    assert len(emulator.jobs()) == expected_jobs
    if empty_body_strict:
        assert response.json()["errorCode"] == 4804


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "is not valid JSON", id="not-json"),
        pytest.param("[1, 2]", "must be a JSON object of input arguments; got a list", id="array"),
        pytest.param(
            '{"$callMode": "Sync"}', "The call mode 'Sync' is not supported; use one of", id="call-mode"
        ),
        pytest.param('{"$callMode": 3}', "The call mode 3 is not supported", id="call-mode-number"),
    ],
)
def test_unreadable_call_answers_400_with_error_code_1000(
    emulator: EmulatorServer, client: httpx.Client, content: str, message: str
) -> None:
    headers = {"Content-Type": "application/json"}

    response = client.post(emulator.invoke_url("invoice-sync"), content=content, headers=headers)

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1000
    assert message in response.json()["message"]
    assert emulator.jobs() == []


@pytest.mark.parametrize(
    ("token_scope", "expected_status"),
    [
        pytest.param("OR.Execution", 403, id="lacking"),
        pytest.param("OR.Jobs", 202, id="granted"),
    ],
)
def test_invoke_scope_is_checked_only_when_the_knob_names_one(
    emulator: EmulatorServer, anonymous_client: httpx.Client, token_scope: str, expected_status: int
) -> None:
    emulator.configure(invoke_required_scope="OR.Jobs.Write")
    token = fetch_token(emulator, scope=token_scope)

    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={}, headers=bearer(token))

    assert response.status_code == expected_status
    if expected_status == 403:
        assert response.json()["message"] == "You are not authorized!"


def test_any_valid_token_may_invoke_by_default(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    token = fetch_token(emulator, scope="OR.Folders.Read")

    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={}, headers=bearer(token))

    assert response.status_code == 202


@pytest.mark.parametrize("method", ["POST", "GET", "PUT", "DELETE"])
def test_every_response_carries_a_request_id(
    emulator: EmulatorServer, client: httpx.Client, method: str
) -> None:
    response = client.request(
        method, emulator.invoke_url("invoice-sync"), json={} if method != "GET" else None
    )

    assert len(response.headers["x-request-id"]) == 36


def test_unknown_path_answers_an_orchestrator_error(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.get(f"{emulator.base_url}/nowhere")

    body: dict[str, Any] = response.json()
    assert response.status_code == 404
    assert body["traceId"] == response.headers["x-request-id"]
    assert body["message"] == "No endpoint answers GET /nowhere (HTTP 404)."
