"""Redirect variants the documentation leaves open: status code, Location shape, host, and auth."""

from __future__ import annotations

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer

from .helpers import bearer, fetch_token


def finished_status_url(emulator: EmulatorServer, client: httpx.Client) -> str:
    """Start an async job, fast-forward past its end, and return its status URL (absolute)."""
    status_url = client.post(emulator.invoke_url("invoice-sync"), json={}).headers["location"]
    emulator.advance_clock(10)
    return str(httpx.URL(emulator.invoke_url("invoice-sync")).join(status_url))


@pytest.mark.parametrize("redirect_status", [302, 303, 307])
def test_redirect_status_follows_the_knob(
    emulator: EmulatorServer, client: httpx.Client, redirect_status: int
) -> None:
    emulator.configure(redirect_status=redirect_status)
    status_url = finished_status_url(emulator, client)

    response = client.get(status_url)

    assert response.status_code == redirect_status
    assert response.headers["location"] == status_url.replace("/status/", "/output/")


def test_long_polling_redirect_uses_the_knob_status_too(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(redirect_status=302, long_poll_wait_seconds=0)

    response = client.post(emulator.invoke_url("monthly-report"), json={})

    assert response.status_code == 302


@pytest.mark.parametrize(
    ("location_style", "expected_prefix"),
    [
        pytest.param("absolute", "http://127.0.0.1:", id="absolute"),
        pytest.param("path", "/acme/DefaultTenant/orchestrator_/t/", id="path"),
        pytest.param("relative", "invoice-sync/status/", id="relative"),
    ],
)
def test_location_style_follows_the_knob_and_resolves_to_the_status_url(
    emulator: EmulatorServer, client: httpx.Client, location_style: str, expected_prefix: str
) -> None:
    emulator.configure(location_style=location_style)
    invoke_url = emulator.invoke_url("invoice-sync")

    location = client.post(invoke_url, json={}).headers["location"]

    [job] = emulator.jobs()
    assert location.startswith(expected_prefix)
    assert httpx.URL(invoke_url).join(location) == httpx.URL(f"{invoke_url}/status/{job.result_id}")


@pytest.mark.parametrize("location_style", ["absolute", "path", "relative"])
def test_output_location_resolves_against_the_status_url(
    emulator: EmulatorServer, client: httpx.Client, location_style: str
) -> None:
    emulator.configure(location_style=location_style)
    status_url = finished_status_url(emulator, client)

    location = client.get(status_url).headers["location"]
    output = client.get(httpx.URL(status_url).join(location))

    assert (output.status_code, output.json()) == (200, {"invoices_processed": 42})


def test_relative_location_of_a_long_polling_loop_points_to_itself(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(location_style="relative", long_poll_wait_seconds=0)
    invoke_url = emulator.invoke_url("endless-process")
    status_url = httpx.URL(invoke_url).join(
        client.post(invoke_url, json={"$callMode": "LongPolling"}).headers["location"]
    )

    location = client.get(status_url).headers["location"]

    assert "/" not in location
    assert httpx.URL(status_url).join(location) == status_url


def test_status_url_host_sends_the_client_to_another_origin(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(status_url_host="localhost")

    location = httpx.URL(client.post(emulator.invoke_url("invoice-sync"), json={}).headers["location"])

    assert (location.scheme, location.host, location.port) == ("http", "localhost", emulator.port)
    assert location.path.startswith("/acme/DefaultTenant/orchestrator_/t/")


@pytest.mark.parametrize(
    ("redirects_require_auth", "expected_status"),
    [
        pytest.param(True, 401, id="required"),
        pytest.param(False, 200, id="not-required"),
    ],
)
def test_status_url_auth_follows_the_tenant_setting(
    emulator: EmulatorServer,
    client: httpx.Client,
    anonymous_client: httpx.Client,
    redirects_require_auth: bool,
    expected_status: int,
) -> None:
    emulator.configure(redirects_require_auth=redirects_require_auth)
    status_url = client.post(emulator.invoke_url("invoice-sync"), json={}).headers["location"]

    response = anonymous_client.get(status_url)

    assert response.status_code == expected_status


def test_output_url_needs_no_token_when_redirects_do_not_require_auth(
    emulator: EmulatorServer, client: httpx.Client, anonymous_client: httpx.Client
) -> None:
    emulator.configure(redirects_require_auth=False)
    status_url = finished_status_url(emulator, client)

    output = anonymous_client.get(anonymous_client.get(status_url).headers["location"])

    assert (output.status_code, output.json()) == (200, {"invoices_processed": 42})
    assert [record.has_authorization for record in emulator.requests()] == [True, False, False]


def test_trigger_call_still_needs_a_token_when_redirects_do_not(
    emulator: EmulatorServer, anonymous_client: httpx.Client
) -> None:
    emulator.configure(redirects_require_auth=False)

    response = anonymous_client.post(emulator.invoke_url("invoice-sync"), json={})

    assert response.status_code == 401


def test_expired_token_is_refused_on_the_status_url(emulator: EmulatorServer, client: httpx.Client) -> None:
    emulator.configure(token_ttl_seconds=30)
    token = fetch_token(emulator)
    status_url = client.post(emulator.invoke_url("invoice-sync"), json={}).headers["location"]
    emulator.advance_clock(31)

    response = client.get(status_url, headers=bearer(token))

    assert response.status_code == 401
