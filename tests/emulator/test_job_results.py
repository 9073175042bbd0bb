"""Status and output URLs: polling an async job, the LongPolling hold, and the final result."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from airflow_provider_uipath.emulator import EmulatorServer, JobState, StopStrategy

from .helpers import HTTP_TIMEOUT_SECONDS, AddTrigger

HOLD_SECONDS = 0.2


def start_async_job(client: httpx.Client, url: str) -> str:
    """Call an async trigger and return its status URL."""
    response = client.post(url, json={})
    assert response.status_code == 202
    return response.headers["location"]


def test_status_is_200_while_running_then_redirects_to_the_output(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    status_url = start_async_job(client, emulator.invoke_url("invoice-sync"))

    running = client.get(status_url)
    emulator.advance_clock(10)
    ended = client.get(status_url)
    output = client.get(ended.headers["location"])

    assert (running.status_code, running.json()) == (200, {})
    assert ended.status_code == 303
    assert ended.headers["location"] == status_url.replace("/status/", "/output/")
    assert (output.status_code, output.json()) == (200, {"invoices_processed": 42})


@pytest.mark.parametrize(
    ("faulted_output_status", "expected_status"),
    [
        pytest.param(None, 500, id="default-500"),
        pytest.param(200, 200, id="knob-200"),
        pytest.param(422, 422, id="knob-422"),
    ],
)
def test_faulted_job_output_is_its_error_with_the_knob_status(
    emulator: EmulatorServer, client: httpx.Client, faulted_output_status: int | None, expected_status: int
) -> None:
    if faulted_output_status is not None:
        emulator.configure(faulted_output_status=faulted_output_status)
    status_url = start_async_job(client, emulator.invoke_url("broken-process"))
    emulator.advance_clock(10)

    output = client.get(client.get(status_url).headers["location"])

    assert output.status_code == expected_status
    assert output.json() == {
        "Code": "Robot.Exception",
        "Title": "Invoice file missing",
        "Detail": "System.IO.FileNotFoundException: C:\\in\\invoices.xlsx",
        "Category": "User",
        "Status": 0,
    }


def test_stopped_job_output_says_job_stopped(emulator: EmulatorServer, client: httpx.Client) -> None:
    status_url = start_async_job(client, emulator.invoke_url("endless-process"))
    [job] = emulator.state.jobs()
    emulator.state.stop_job(job, StopStrategy.KILL)

    ended = client.get(status_url)
    output = client.get(ended.headers["location"])

    assert ended.status_code == 303
    assert output.status_code == 500
    assert output.json()["Title"] == "Job stopped"
    assert "strategy Kill" in output.json()["Detail"]


def test_output_of_a_running_job_is_not_available(emulator: EmulatorServer, client: httpx.Client) -> None:
    status_url = start_async_job(client, emulator.invoke_url("endless-process"))
    emulator.advance_clock(1)

    response = client.get(status_url.replace("/status/", "/output/"))

    assert response.status_code == 404
    assert response.json()["errorCode"] == 1002
    assert "is Running" in response.json()["message"]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda url: url.rsplit("/", 1)[0] + "/unknown-id", id="unknown-id"),
        pytest.param(lambda url: url.replace("/invoice-sync/", "/monthly-report/"), id="other-slug"),
    ],
)
def test_unknown_status_url_answers_404(
    emulator: EmulatorServer, client: httpx.Client, mangle: Callable[[str], str]
) -> None:
    status_url = start_async_job(client, emulator.invoke_url("invoice-sync"))

    response = client.get(mangle(status_url))

    assert response.status_code == 404
    assert response.json()["errorCode"] == 1002


def test_long_polling_call_is_held_then_redirected_to_the_status_url(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(long_poll_wait_seconds=HOLD_SECONDS)

    first = client.post(emulator.invoke_url("endless-process"), json={"$callMode": "LongPolling"})
    again = client.get(first.headers["location"])

    [job] = emulator.jobs()
    assert first.status_code == 303
    assert first.headers["location"].endswith(f"/endless-process/status/{job.result_id}")
    assert again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert job.state is JobState.RUNNING


@pytest.mark.parametrize(
    ("terminal_response", "expected_status", "expect_location"),
    [
        pytest.param("result", 200, False, id="result"),
        pytest.param("redirect", 303, True, id="redirect"),
    ],
)
def test_long_polling_status_of_an_ended_job_follows_the_knob(
    emulator: EmulatorServer,
    client: httpx.Client,
    add_trigger: AddTrigger,
    terminal_response: str,
    expected_status: int,
    expect_location: bool,
) -> None:
    url = add_trigger("slow-report", calling_mode="LongPolling", duration_seconds=60, output={"pages": 12})
    emulator.configure(long_poll_wait_seconds=0, long_poll_terminal_response=terminal_response)
    status_url = client.post(url, json={}).headers["location"]
    emulator.advance_clock(61)

    response = client.get(status_url)

    assert response.status_code == expected_status
    if expect_location:
        assert response.headers["location"] == status_url.replace("/status/", "/output/")
        assert client.get(response.headers["location"]).json() == {"pages": 12}
    else:
        assert response.json() == {"pages": 12}


def test_held_long_polling_call_wakes_up_when_its_job_is_stopped(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    url = emulator.invoke_url("endless-process")
    with ThreadPoolExecutor(max_workers=1) as pool:
        held_call = pool.submit(client.post, url, json={"$callMode": "LongPolling"})
        emulator.wait_for_held_requests(1)
        [job] = emulator.state.jobs()
        emulator.state.stop_job(job, StopStrategy.KILL)
        response = held_call.result(timeout=HTTP_TIMEOUT_SECONDS)

    assert response.status_code == 500
    assert response.json()["Title"] == "Job stopped"


def test_held_long_polling_status_wakes_up_when_the_clock_passes_the_job_end(
    emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger
) -> None:
    url = add_trigger("ten-minutes", calling_mode="LongPolling", duration_seconds=600, output={"done": True})
    emulator.configure(long_poll_wait_seconds=0)
    status_url = client.post(url, json={}).headers["location"]
    emulator.configure(long_poll_wait_seconds=3600)
    with ThreadPoolExecutor(max_workers=1) as pool:
        held_call = pool.submit(client.get, status_url)
        emulator.wait_for_held_requests(1)
        emulator.advance_clock(601)
        response = held_call.result(timeout=HTTP_TIMEOUT_SECONDS)

    assert (response.status_code, response.json()) == (200, {"done": True})


def test_long_polling_job_past_the_maximum_duration_is_stopped_with_an_error(
    emulator: EmulatorServer, client: httpx.Client
) -> None:
    emulator.configure(long_poll_max_job_seconds=HOLD_SECONDS, long_poll_wait_seconds=30)

    response = client.post(emulator.invoke_url("endless-process"), json={"$callMode": "LongPolling"})

    assert response.status_code == 500
    assert "allowed for LongPolling calls" in response.json()["Detail"]
    assert [job.state for job in emulator.jobs()] == [JobState.STOPPED]


@pytest.mark.parametrize(
    ("embeds_job_key", "expect_key_in_url"),
    [
        pytest.param(False, False, id="opaque"),
        pytest.param(True, True, id="job-key"),
    ],
)
def test_status_url_reveals_the_job_key_only_with_the_knob(
    emulator: EmulatorServer, client: httpx.Client, embeds_job_key: bool, expect_key_in_url: bool
) -> None:
    emulator.configure(status_url_embeds_job_key=embeds_job_key)

    status_url = start_async_job(client, emulator.invoke_url("invoice-sync"))

    [job] = emulator.jobs()
    assert (job.key in status_url) is expect_key_in_url
    assert status_url.endswith(f"/status/{job.result_id}")
