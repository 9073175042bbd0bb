"""Fault injection: each kind, route matching, counts, and the admin API that queues faults."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer, Fault, FaultError, FaultKind, RouteClass

from .helpers import CLIENT_ID, CLIENT_SECRET, folder_headers, odata_url

TOKEN_FORM = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def call_route(emulator: EmulatorServer, client: httpx.Client, route: str) -> httpx.Response:
    """Send one request of a route class; status and output URLs belong to a fresh async job."""
    if route == "token":
        return client.post(f"{emulator.base_url}/identity_/connect/token", data=TOKEN_FORM)
    if route == "invoke":
        return client.post(emulator.invoke_url("invoice-sync"), json={})
    if route == "jobs":
        return client.get(odata_url(emulator, "Jobs"), headers=folder_headers())
    job = next(job for job in emulator.jobs() if job.trigger_slug == "invoice-sync")
    return client.get(f"{emulator.invoke_url('invoice-sync')}/{route}/{job.result_id}")


@pytest.mark.parametrize(
    ("route", "status_code", "retry_after"),
    [
        pytest.param("token", 429, 3, id="token-429"),
        pytest.param("invoke", 503, 5, id="invoke-503"),
        pytest.param("status", 500, None, id="status-500"),
        pytest.param("output", 502, None, id="output-502"),
        pytest.param("jobs", 429, 60, id="jobs-429"),
    ],
)
def test_status_fault_answers_once_then_the_route_works(
    emulator: EmulatorServer, client: httpx.Client, route: str, status_code: int, retry_after: int | None
) -> None:
    if route in ("status", "output"):
        call_route(emulator, client, "invoke")
        emulator.advance_clock(10)
    emulator.add_fault("status", route, status_code=status_code, retry_after=retry_after)

    faulted = call_route(emulator, client, route)
    normal = call_route(emulator, client, route)

    assert faulted.status_code == status_code
    assert faulted.headers.get("retry-after") == (None if retry_after is None else str(retry_after))
    assert faulted.json()["traceId"] == faulted.headers["x-request-id"]
    assert normal.status_code < 400


def test_status_fault_with_count_hits_consecutive_requests(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.add_fault("status", "invoke", status_code=503, count=2)

    statuses = [call_route(emulator, client, "invoke").status_code for _ in range(3)]

    assert statuses == [503, 503, 202]
    assert len(emulator.jobs()) == 1


@pytest.mark.parametrize(
    ("body", "expected_text", "expected_type"),
    [
        pytest.param({"message": "busy"}, '{"message": "busy"}', "application/json", id="json"),
        pytest.param("upstream timeout", "upstream timeout", "text/plain", id="text"),
    ],
)
def test_status_fault_can_carry_its_own_body(
    emulator: EmulatorServer, client: httpx.Client, body: Any, expected_text: str, expected_type: str
) -> None:
    emulator.add_fault("status", "invoke", status_code=500, body=body)

    response = call_route(emulator, client, "invoke")

    assert (response.status_code, response.text) == (500, expected_text)
    assert response.headers["content-type"] == expected_type


@pytest.mark.parametrize(
    ("kind", "expected_jobs"),
    [
        pytest.param("bad_gateway", 0, id="before-create"),
        pytest.param("bad_gateway_after_create", 1, id="after-create"),
    ],
)
def test_bad_gateway_answers_a_cloudflare_page(
    emulator: EmulatorServer, client: httpx.Client, kind: str, expected_jobs: int
) -> None:
    emulator.add_fault(kind, "invoke")

    response = call_route(emulator, client, "invoke")

    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<center>cloudflare</center>" in response.text
    assert len(emulator.jobs()) == expected_jobs
    assert emulator.stats().jobs_created == expected_jobs


@pytest.mark.parametrize(
    ("kind", "expected_jobs"),
    [
        pytest.param("drop", 0, id="before-create"),
        pytest.param("drop_after_create", 1, id="after-create"),
    ],
)
def test_drop_breaks_the_connection_mid_response(
    emulator: EmulatorServer, client: httpx.Client, kind: str, expected_jobs: int
) -> None:
    emulator.add_fault(kind, "invoke")

    # The client sees the break as a premature close or as a reset, depending on which comes first.
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)) as broken:
        call_route(emulator, client, "invoke")
    assert "peer closed connection without sending complete" in str(broken.value) or "reset" in str(
        broken.value
    )

    assert len(emulator.jobs()) == expected_jobs
    assert call_route(emulator, client, "invoke").status_code == 202


def test_delay_answers_normally_after_the_wait(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.add_fault("delay", "invoke", seconds=0.05)

    response = call_route(emulator, client, "invoke")

    assert response.status_code == 202
    assert [(record.fault, record.status_code) for record in emulator.requests()] == [("delay", 202)]


def test_fault_only_hits_its_route_class(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.add_fault("status", "token", status_code=500)

    invoke = call_route(emulator, client, "invoke")
    token = call_route(emulator, client, "token")

    assert (invoke.status_code, token.status_code) == (202, 500)


def test_any_route_fault_hits_the_next_request(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.add_fault("status", status_code=503)

    first = call_route(emulator, client, "jobs")
    second = call_route(emulator, client, "jobs")

    assert (first.status_code, second.status_code) == (503, 200)


def test_faults_apply_in_the_order_they_were_queued(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.add_fault("status", "invoke", status_code=500)
    emulator.add_fault("status", "invoke", status_code=503)

    statuses = [call_route(emulator, client, "invoke").status_code for _ in range(3)]

    assert statuses == [500, 503, 202]


def test_faulted_requests_are_recorded_with_their_fault(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.add_fault("bad_gateway_after_create", "invoke")

    call_route(emulator, client, "invoke")

    [record] = emulator.requests()
    assert (record.route_class, record.status_code, record.fault) == (
        RouteClass.INVOKE,
        502,
        "bad_gateway_after_create",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"kind": "status"}, r"status fault needs status_code", id="no-status"),
        pytest.param({"kind": "status", "status_code": 99}, r"between 100 and 599; got 99", id="bad-status"),
        pytest.param(
            {"kind": "drop_after_create", "route": "status"}, r"needs route 'invoke'", id="after-create"
        ),
        pytest.param({"kind": "delay"}, r"delay fault needs seconds", id="no-seconds"),
        pytest.param({"kind": "drop", "count": 0}, r"count must be a whole number of at least 1", id="count"),
        pytest.param({"kind": "explode"}, r"kind must be one of status, bad_gateway", id="kind"),
        pytest.param({"kind": "drop", "route": "admin"}, r"cannot target the admin API", id="admin"),
        pytest.param(
            {"kind": "drop", "route": "everything"}, r"route must be one of token, invoke", id="route"
        ),
    ],
)
def test_unusable_fault_is_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultError, match=message):
        Fault.from_dict(fields)


def test_admin_api_queues_lists_and_clears_faults(emulator: EmulatorServer, client: httpx.Client) -> None:
    admin = f"{emulator.base_url}/_emulator/faults"

    created = client.post(admin, json={"kind": "status", "route": "invoke", "status_code": 503, "count": 2})
    listed = client.get(admin).json()
    client.delete(admin)

    assert created.status_code == 201
    assert [(fault["kind"], fault["route"], fault["count"]) for fault in listed] == [("status", "invoke", 2)]
    assert emulator.state.faults.pending() == []
    assert call_route(emulator, client, "invoke").status_code == 202


def test_admin_api_refuses_an_unusable_fault(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.post(f"{emulator.base_url}/_emulator/faults", json={"kind": "delay"})

    assert response.status_code == 400
    assert "delay fault needs seconds" in response.json()["message"]


def test_pending_faults_report_their_remaining_count(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.add_fault(FaultKind.STATUS, RouteClass.INVOKE, status_code=500, count=3)

    call_route(emulator, client, "invoke")

    assert [fault.count for fault in emulator.state.faults.pending()] == [2]
