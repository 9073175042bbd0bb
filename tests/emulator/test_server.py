"""EmulatorServer: addresses, lifecycle, and standalone use without Airflow."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorConfig, EmulatorServer
from airflow_provider_uipath.emulator.server import bind_loopback_socket

from .helpers import FOLDER_KEY, HTTP_TIMEOUT_SECONDS, PAT, bearer


def test_addresses_are_built_from_the_chosen_port(emulator: EmulatorServer) -> None:
    assert emulator.port > 0
    assert emulator.base_url == f"http://127.0.0.1:{emulator.port}"
    assert emulator.tenant_url == f"http://127.0.0.1:{emulator.port}/acme/DefaultTenant"
    assert (
        emulator.invoke_url("invoice-sync")
        == f"{emulator.tenant_url}/orchestrator_/t/{FOLDER_KEY}/invoice-sync"
    )


def test_invoke_url_of_an_unknown_slug_is_refused(emulator: EmulatorServer) -> None:
    with pytest.raises(KeyError, match="No trigger has the slug 'missing'"):
        emulator.invoke_url("missing")


def test_port_is_unknown_before_start() -> None:
    with pytest.raises(RuntimeError, match="has not started"):
        EmulatorServer().port  # noqa: B018


def test_server_serves_its_own_config_and_stops_on_exit() -> None:
    config = EmulatorConfig.from_dict(
        {**EmulatorConfig.default().to_dict(), "org": "globex", "tenant": "Prod"}
    )

    with EmulatorServer(config) as server:
        url = server.invoke_url("notify-team")
        served = httpx.post(url, json={}, headers=bearer(PAT), timeout=HTTP_TIMEOUT_SECONDS)

    assert url.startswith(f"http://127.0.0.1:{server.port}/globex/Prod/orchestrator_/t/")
    assert served.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.post(url, json={}, headers=bearer(PAT), timeout=HTTP_TIMEOUT_SECONDS)


def test_two_servers_run_side_by_side_with_separate_state() -> None:
    with EmulatorServer() as first, EmulatorServer() as second:
        httpx.post(
            first.invoke_url("notify-team"), json={}, headers=bearer(PAT), timeout=HTTP_TIMEOUT_SECONDS
        )

        assert first.port != second.port
        assert (len(first.jobs()), len(second.jobs())) == (1, 0)


def test_stop_releases_held_long_polling_requests() -> None:
    with EmulatorServer() as server:
        server.configure(long_poll_wait_seconds=3600)
        client = httpx.Client(headers=bearer(PAT), timeout=HTTP_TIMEOUT_SECONDS)
        with client, ThreadPoolExecutor(max_workers=1) as pool:
            held = pool.submit(
                client.post, server.invoke_url("endless-process"), json={"$callMode": "LongPolling"}
            )
            server.wait_for_held_requests(1)
            server.stop()
            response = held.result(timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 303


def test_emulator_runs_without_importing_airflow() -> None:
    probe = (
        "import sys, airflow_provider_uipath.emulator as e; e.EmulatorServer; print('airflow' in sys.modules)"
    )

    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert completed.stdout.strip() == "False"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1"])
def test_listening_socket_refuses_non_loopback_addresses(host: str) -> None:
    with pytest.raises(ValueError, match="only listens on loopback addresses"):
        bind_loopback_socket(host, 0)
