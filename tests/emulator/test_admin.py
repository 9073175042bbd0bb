"""The admin API under /_emulator/: inspection, reset, knobs, clock, and triggers at runtime."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer, JobState, create_app

ADMIN = "/_emulator"


def admin_url(emulator: EmulatorServer, path: str) -> str:
    return f"{emulator.base_url}{ADMIN}/{path}"


def test_jobs_lists_every_job_with_its_state_and_arguments(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    client.post(emulator.invoke_url("invoice-sync"), json={"month": "2026-02"})
    emulator.advance_clock(10)

    [job] = client.get(admin_url(emulator, "jobs")).json()

    assert (job["TriggerSlug"], job["State"], job["CallMode"]) == (
        "invoice-sync",
        "Successful",
        "AsyncRequestReply",
    )
    assert (job["InputArguments"], job["OutputArguments"]) == (
        {"month": "2026-02"},
        {"invoices_processed": 42},
    )
    assert job["CreationTime"].endswith("Z")


def test_requests_record_what_the_client_sent(
    emulator: EmulatorServer, client: httpx.Client, anonymous_client: httpx.Client
) -> None:
    client.post(emulator.invoke_url("invoice-sync"), json={})
    anonymous_client.get(
        emulator.invoke_url("lookup-customer"), params={"q": "1"}, headers={"Host": "localhost:1"}
    )

    records = client.get(admin_url(emulator, "requests")).json()

    assert [(record["method"], record["route_class"], record["status_code"]) for record in records] == [
        ("POST", "invoke", 202),
        ("GET", "invoke", 401),
    ]
    assert [record["has_authorization"] for record in records] == [True, False]
    assert (records[1]["query"], records[1]["host"]) == ("q=1", "localhost:1")


def test_admin_requests_are_not_recorded(emulator: EmulatorServer, client: httpx.Client) -> None:
    client.get(admin_url(emulator, "stats"))
    client.get(admin_url(emulator, "jobs"))

    assert client.get(admin_url(emulator, "requests")).json() == []


def test_stats_count_jobs_tokens_and_routes(emulator: EmulatorServer, client: httpx.Client) -> None:
    client.post(emulator.invoke_url("notify-team"), json={})
    client.post(emulator.invoke_url("notify-team"), json={})
    client.post(f"{emulator.base_url}/identity_/connect/token", data={"grant_type": "client_credentials"})

    stats = client.get(admin_url(emulator, "stats")).json()

    assert stats == {
        "jobs_created": 2,
        "token_requests": 1,
        "tokens_issued": 0,
        "requests_by_route_class": {"invoke": 2, "token": 1},
    }


def test_reset_returns_to_the_configuration(emulator: EmulatorServer, client: httpx.Client) -> None:
    client.post(emulator.invoke_url("invoice-sync"), json={})
    emulator.configure(redirect_status=302)
    emulator.add_fault("drop")
    emulator.advance_clock(100)

    response = client.post(admin_url(emulator, "reset"))

    assert response.status_code == 204
    assert (emulator.jobs(), emulator.requests(), emulator.state.faults.pending()) == ([], [], [])
    assert emulator.state.knobs.redirect_status == 303
    assert emulator.state.clock.offset == 0


def test_config_sets_knobs_and_reports_them(emulator: EmulatorServer, client: httpx.Client) -> None:
    response = client.post(
        admin_url(emulator, "config"), json={"redirect_status": 307, "location_style": "path"}
    )

    config = client.get(admin_url(emulator, "config")).json()
    assert (response.json()["redirect_status"], response.json()["location_style"]) == (307, "path")
    assert config["knobs"]["redirect_status"] == 307
    assert config["org"] == "acme"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"redirect_status": 418}, "redirect_status must be one of", id="bad-value"),
        pytest.param({"warp_speed": True}, "Unknown keys ['warp_speed'] in the knobs", id="unknown"),
    ],
)
def test_config_refuses_unusable_knobs(
    emulator: EmulatorServer, client: httpx.Client, body: dict[str, Any], message: str
) -> None:
    response = client.post(admin_url(emulator, "config"), json=body)

    assert response.status_code == 400
    assert message in response.json()["message"]
    assert emulator.state.knobs.redirect_status == 303


def test_clock_advance_finishes_jobs(emulator: EmulatorServer, client: httpx.Client) -> None:
    client.post(emulator.invoke_url("invoice-sync"), json={})

    response = client.post(admin_url(emulator, "clock/advance"), json={"seconds": 5})

    assert response.json()["offset_seconds"] == 5
    assert [job.state for job in emulator.jobs()] == [JobState.SUCCESSFUL]


@pytest.mark.parametrize("seconds", [-1, "soon", None])
def test_clock_only_moves_forward_by_a_number(
    emulator: EmulatorServer, client: httpx.Client, seconds: Any
) -> None:
    response = client.post(admin_url(emulator, "clock/advance"), json={"seconds": seconds})

    assert response.status_code == 400
    assert emulator.state.clock.offset == 0


def test_triggers_can_be_added_at_runtime_with_any_script(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    trigger = {
        "slug": "made-up",
        "method": "PUT",
        "calling_mode": "LongPolling",
        "job": {"pending_seconds": 0, "duration_seconds": 0, "outcome": "Successful", "output": {"ok": 1}},
    }

    created = client.post(admin_url(emulator, "triggers"), json=trigger)
    response = client.put(emulator.invoke_url("made-up"), json={})

    assert created.status_code == 201
    assert (response.status_code, response.json()) == (200, {"ok": 1})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param({"slug": "x", "folder_id": 5}, "folder 5, which is not configured", id="folder"),
        pytest.param({"slug": "x", "job": {"outcome": "Maybe"}}, "outcome must be one of", id="outcome"),
        pytest.param([1, 2], "must be a JSON object", id="not-object"),
    ],
)
def test_triggers_refuses_an_unusable_trigger(
    emulator: EmulatorServer, client: httpx.Client, body: Any, message: str
) -> None:
    response = client.post(admin_url(emulator, "triggers"), json=body)

    assert response.status_code == 400
    assert message in response.json()["message"]


def test_replacing_a_trigger_changes_what_its_jobs_do(emulator: EmulatorServer, client: httpx.Client) -> None:
    client.post(
        admin_url(emulator, "triggers"),
        json={
            "slug": "invoice-sync",
            "job": {"pending_seconds": 0, "duration_seconds": 1, "outcome": "Faulted"},
        },
    )
    client.post(emulator.invoke_url("invoice-sync"), json={})
    emulator.advance_clock(5)

    assert [job.state for job in emulator.jobs()] == [JobState.FAULTED]


@pytest.mark.parametrize(
    ("client_address", "expected_status"),
    [
        pytest.param("203.0.113.5", 403, id="remote"),
        pytest.param("::1", 200, id="loopback-v6"),
    ],
)
async def test_admin_api_only_answers_loopback_clients(client_address: str, expected_status: int) -> None:
    # In process on purpose: a real socket on loopback cannot present a remote client address.
    transport = httpx.ASGITransport(app=create_app(), client=(client_address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as http_client:
        response = await http_client.get(f"{ADMIN}/stats")

    assert response.status_code == expected_status
