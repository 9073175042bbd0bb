"""The OData Jobs API: folder headers, scopes, filters, single reads, stops, and the rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer, JobSnapshot, JobState

from .helpers import FOLDER_KEY, AddTrigger, bearer, fetch_token, folder_headers, odata_url

STOP_JOBS = "Jobs/UiPath.Server.Configuration.OData.StopJobs"
UNKNOWN_KEY = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def three_jobs(emulator: EmulatorServer, client: httpx.Client) -> list[JobSnapshot]:
    """A Successful, a Faulted and a Running job, created in this order."""
    for slug in ("invoice-sync", "broken-process", "endless-process"):
        client.post(emulator.invoke_url(slug), json={"slug": slug})
    emulator.advance_clock(10)
    return emulator.jobs()


def list_jobs(client: httpx.Client, emulator: EmulatorServer, **params: str) -> httpx.Response:
    return client.get(odata_url(emulator, "Jobs"), params=params, headers=folder_headers())


def stop_jobs(client: httpx.Client, emulator: EmulatorServer, body: dict[str, Any]) -> httpx.Response:
    return client.post(odata_url(emulator, STOP_JOBS), json=body, headers=folder_headers())


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-UIPATH-OrganizationUnitId": "1"}, id="organization-unit-id"),
        pytest.param({"X-UIPATH-FolderKey": FOLDER_KEY.upper()}, id="folder-key"),
        pytest.param({"X-UIPATH-FolderPath": "Shared"}, id="folder-path"),
    ],
)
def test_any_folder_header_selects_the_folder(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot], headers: dict[str, str]
) -> None:
    response = client.get(odata_url(emulator, "Jobs"), headers=headers)

    assert response.status_code == 200
    assert [row["Id"] for row in response.json()["value"]] == [job.id for job in three_jobs]


@pytest.mark.parametrize(
    ("headers", "error_code"),
    [
        pytest.param({}, 1101, id="missing"),
        pytest.param({"X-UIPATH-OrganizationUnitId": "42"}, 1100, id="unknown-id"),
        pytest.param({"X-UIPATH-FolderPath": "Finance"}, 1100, id="unknown-path"),
    ],
)
def test_missing_or_unknown_folder_answers_400(
    emulator: EmulatorServer, client: httpx.Client, headers: dict[str, str], error_code: int
) -> None:
    response = client.get(odata_url(emulator, "Jobs"), headers=headers)

    assert response.status_code == 400
    assert response.json()["errorCode"] == error_code


def test_jobs_api_needs_a_bearer_token(emulator: EmulatorServer, anonymous_client: httpx.Client) -> None:
    response = anonymous_client.get(odata_url(emulator, "Jobs"), headers=folder_headers())

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "resource", "scope", "missing"),
    [
        pytest.param("GET", "Jobs", "OR.Execution", "OR.Jobs.Read (or OR.Jobs)", id="read"),
        pytest.param("POST", STOP_JOBS, "OR.Execution", "OR.Jobs.Write (or OR.Jobs)", id="write"),
    ],
)
def test_token_without_jobs_scope_answers_403_naming_the_scope(
    emulator: EmulatorServer,
    anonymous_client: httpx.Client,
    method: str,
    resource: str,
    scope: str,
    missing: str,
) -> None:
    token = fetch_token(emulator, scope=scope)
    headers = {**bearer(token), **folder_headers()}

    response = anonymous_client.request(method, odata_url(emulator, resource), json={}, headers=headers)

    assert response.status_code == 403
    assert f"lacks the scope {missing}" in response.json()["message"]


def test_token_with_the_broad_jobs_scope_may_read(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    token = fetch_token(emulator, scope="OR.Jobs")

    response = anonymous_client.get(
        odata_url(emulator, "Jobs"), headers={**bearer(token), **folder_headers()}
    )

    assert response.status_code == 200


FilterOf = Callable[[list[JobSnapshot]], str]


@pytest.mark.parametrize(
    ("filter_of", "expected_indexes"),
    [
        pytest.param(lambda jobs: f"Id eq {jobs[1].id}", [1], id="id"),
        pytest.param(lambda jobs: f"Key eq '{jobs[2].key}'", [2], id="key"),
        pytest.param(lambda jobs: f"Key in ('{jobs[0].key}', '{jobs[2].key.upper()}')", [0, 2], id="key-in"),
        pytest.param(lambda jobs: "State eq 'Faulted'", [1], id="state"),
        pytest.param(lambda jobs: "State eq 'Running'", [2], id="state-running"),
        pytest.param(lambda jobs: "SourceType eq 'HttpTrigger'", [0, 1, 2], id="source-type"),
        pytest.param(lambda jobs: f"CreationTime ge {jobs[0].creation_time}", [0, 1, 2], id="creation-ge"),
        pytest.param(lambda jobs: f"CreationTime gt {jobs[2].creation_time}", [], id="creation-gt"),
        pytest.param(
            lambda jobs: f"SourceType eq 'HttpTrigger' and State eq 'Successful' and Id eq {jobs[0].id}",
            [0],
            id="and",
        ),
    ],
)
def test_filter_selects_jobs(
    emulator: EmulatorServer,
    client: httpx.Client,
    three_jobs: list[JobSnapshot],
    filter_of: FilterOf,
    expected_indexes: list[int],
) -> None:
    response = list_jobs(client, emulator, **{"$filter": filter_of(three_jobs)})

    assert response.status_code == 200
    assert [row["Id"] for row in response.json()["value"]] == [three_jobs[i].id for i in expected_indexes]


def test_filter_by_starting_trigger_id(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    trigger = emulator.state.trigger_by_slug("broken-process")
    assert trigger is not None

    response = list_jobs(client, emulator, **{"$filter": f"StartingTriggerId eq '{trigger.id}'"})

    assert [row["Id"] for row in response.json()["value"]] == [three_jobs[1].id]


def test_top_orderby_and_count_page_the_jobs(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    response = list_jobs(client, emulator, **{"$top": "2", "$orderby": "CreationTime desc", "$count": "true"})

    body = response.json()
    assert body["@odata.count"] == 3
    assert body["@odata.context"].endswith("/acme/DefaultTenant/orchestrator_/odata/$metadata#Jobs")
    assert [row["Id"] for row in body["value"]] == [three_jobs[2].id, three_jobs[1].id]


def test_select_keeps_only_the_named_fields(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    response = list_jobs(client, emulator, **{"$select": "Id,State", "$orderby": "Id asc"})

    assert response.json()["value"] == [
        {"Id": three_jobs[0].id, "State": "Successful"},
        {"Id": three_jobs[1].id, "State": "Faulted"},
        {"Id": three_jobs[2].id, "State": "Running"},
    ]
    assert "@odata.count" not in response.json()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"$filter": "Robot/Name eq 'x'"}, "field 'Robot/Name' is not supported", id="field"),
        pytest.param(
            {"$filter": "State eq 'A' or State eq 'B'"}, "is not supported by the emulator", id="or"
        ),
        pytest.param({"$orderby": "Key desc"}, "The $orderby 'Key desc' is not supported", id="orderby"),
        pytest.param({"$top": "many"}, "The $top option must be a whole number", id="top"),
        pytest.param({"$count": "yes"}, "The $count option must be true or false", id="count"),
    ],
)
def test_unsupported_query_answers_400_with_error_code_1000(
    emulator: EmulatorServer, client: httpx.Client, params: dict[str, str], message: str
) -> None:
    response = list_jobs(client, emulator, **params)

    assert response.status_code == 400
    assert response.json()["errorCode"] == 1000
    assert message in response.json()["message"]


def test_job_dto_of_a_successful_job(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    response = client.get(odata_url(emulator, f"Jobs({three_jobs[0].id})"), headers=folder_headers())

    dto = response.json()
    assert dto["@odata.context"].endswith("$metadata#Jobs/$entity")
    assert (dto["State"], dto["Info"], dto["OutputArguments"]) == (
        "Successful",
        "Job completed",
        '{"invoices_processed": 42}',
    )
    assert str(dto["EndTime"]).endswith("Z")
    assert (dto["OrganizationUnitId"], dto["FolderKey"]) == (1, FOLDER_KEY)


def test_job_dto_of_a_faulted_job_carries_the_job_error(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    response = client.get(odata_url(emulator, f"Jobs({three_jobs[1].id})"), headers=folder_headers())

    dto = response.json()
    assert dto["State"] == "Faulted"
    assert dto["JobError"]["Title"] == "Invoice file missing"
    assert dto["Info"] == "Execution error : System.IO.FileNotFoundException: C:\\in\\invoices.xlsx"
    assert dto["OutputArguments"] is None


@pytest.mark.parametrize("quote", ["", "'"])
def test_get_by_key_reads_one_job(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot], quote: str
) -> None:
    key = three_jobs[2].key
    resource = f"Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier={quote}{key}{quote})"

    response = client.get(odata_url(emulator, resource), headers=folder_headers())

    assert (response.status_code, response.json()["Id"], response.json()["State"]) == (
        200,
        three_jobs[2].id,
        "Running",
    )


@pytest.mark.parametrize(
    "resource",
    [
        pytest.param("Jobs(99)", id="by-id"),
        pytest.param(
            f"Jobs/UiPath.Server.Configuration.OData.GetByKey(identifier={UNKNOWN_KEY})",
            id="by-key",
        ),
    ],
)
def test_unknown_job_answers_404_with_error_code_1002(
    emulator: EmulatorServer, client: httpx.Client, resource: str
) -> None:
    response = client.get(odata_url(emulator, resource), headers=folder_headers())

    assert response.status_code == 404
    assert response.json()["errorCode"] == 1002


@pytest.mark.parametrize(
    ("pending_seconds", "strategy", "state_at_once", "state_after_soft_stop"),
    [
        pytest.param(60.0, "SoftStop", JobState.STOPPED, JobState.STOPPED, id="pending"),
        pytest.param(0.0, "SoftStop", JobState.STOPPING, JobState.STOPPED, id="running-soft-stop"),
        pytest.param(0.0, "Kill", JobState.STOPPED, JobState.STOPPED, id="running-kill"),
    ],
)
def test_stop_jobs_changes_the_state_by_strategy(
    emulator: EmulatorServer,
    client: httpx.Client,
    add_trigger: AddTrigger,
    pending_seconds: float,
    strategy: str,
    state_at_once: JobState,
    state_after_soft_stop: JobState,
) -> None:
    client.post(add_trigger("stoppable", outcome="Hang", pending_seconds=pending_seconds), json={})
    emulator.configure(soft_stop_seconds=30)
    [job] = emulator.jobs()

    response = stop_jobs(client, emulator, {"jobIds": [job.id], "strategy": strategy})
    state_at_once_seen = emulator.jobs()[0].state
    emulator.advance_clock(31)

    assert (response.status_code, response.content) == (200, b"")
    assert state_at_once_seen is state_at_once
    assert emulator.jobs()[0].state is state_after_soft_stop


def test_stop_jobs_leaves_ended_jobs_alone(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    response = stop_jobs(client, emulator, {"jobIds": [job.id for job in three_jobs], "strategy": "Kill"})

    assert response.status_code == 200
    assert [job.state for job in emulator.jobs()] == [JobState.SUCCESSFUL, JobState.FAULTED, JobState.STOPPED]


def test_stop_jobs_status_follows_the_knob(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    emulator.configure(stop_jobs_status=204)

    response = stop_jobs(client, emulator, {"jobIds": [three_jobs[2].id], "strategy": "Kill"})

    assert response.status_code == 204


@pytest.mark.parametrize(
    ("body", "expected_status", "error_code", "message"),
    [
        pytest.param({"jobIds": [99], "strategy": "Kill"}, 404, 1002, "does not exist", id="unknown-id"),
        pytest.param(
            {"jobIds": "all", "strategy": "Kill"}, 400, 1000, "jobIds must be a non-empty list", id="ids"
        ),
        pytest.param(
            {"jobIds": [1], "strategy": "Pause"}, 400, 1000, "strategy 'Pause' is not valid", id="strategy"
        ),
    ],
)
def test_bad_stop_jobs_request_is_refused_and_stops_nothing(
    emulator: EmulatorServer,
    client: httpx.Client,
    three_jobs: list[JobSnapshot],
    body: dict[str, Any],
    expected_status: int,
    error_code: int,
    message: str,
) -> None:
    body = (
        {**body, "jobIds": [three_jobs[2].id, *body["jobIds"]]} if isinstance(body["jobIds"], list) else body
    )

    response = stop_jobs(client, emulator, body)

    assert response.status_code == expected_status
    assert response.json()["errorCode"] == error_code
    assert message in response.json()["message"]
    assert emulator.jobs()[2].state is JobState.RUNNING


def test_stop_job_action_stops_one_job(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    resource = f"Jobs({three_jobs[2].id})/UiPath.Server.Configuration.OData.StopJob"

    response = client.post(odata_url(emulator, resource), json={"strategy": "Kill"}, headers=folder_headers())

    assert response.status_code == 200
    assert emulator.jobs()[2].state is JobState.STOPPED


def test_jobs_collection_is_rate_limited_with_retry_after(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(jobs_rate_limit_per_minute=2, retry_after_seconds=7)

    statuses = [list_jobs(client, emulator).status_code for _ in range(2)]
    limited = list_jobs(client, emulator)

    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "7"
    assert "retry after 7 seconds" in limited.json()["message"]


def test_rate_limit_window_slides_on_the_emulator_clock(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(jobs_rate_limit_per_minute=1)
    list_jobs(client, emulator)
    emulator.advance_clock(61)

    assert list_jobs(client, emulator).status_code == 200


def test_single_job_reads_are_not_rate_limited(
    emulator: EmulatorServer, client: httpx.Client, three_jobs: list[JobSnapshot]
) -> None:
    emulator.configure(jobs_rate_limit_per_minute=1)
    list_jobs(client, emulator)

    statuses = [
        client.get(odata_url(emulator, f"Jobs({three_jobs[0].id})"), headers=folder_headers()).status_code
        for _ in range(3)
    ]

    assert statuses == [200, 200, 200]
    assert list_jobs(client, emulator).status_code == 429
