"""The benchmark's job-end route: 404 while a job runs, 200 once it has ended, counted."""

from __future__ import annotations

import httpx

from airflow_provider_uipath.emulator import EmulatorServer

from .helpers import AddTrigger


def bench_url(emulator: EmulatorServer, status_url: str) -> str:
    """Return the bench route of the job behind a status URL."""
    return f"{emulator.base_url}/_emulator/bench/jobs/{status_url.rsplit('/', 1)[-1]}"


def test_answers_404_while_the_job_runs_then_200_with_its_state(
    emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger
) -> None:
    status_url = client.post(add_trigger("bench-short", duration_seconds=5), json={}).headers["location"]

    running = client.get(bench_url(emulator, status_url))
    emulator.advance_clock(10)
    ended = client.get(bench_url(emulator, status_url))

    assert (running.status_code, running.json()) == (404, {"state": "Running"})
    assert (ended.status_code, ended.json()) == (200, {"state": "Successful"})


def bench_stats(emulator: EmulatorServer, client: httpx.Client) -> dict[str, int]:
    """Return the bench route's counters."""
    return dict(client.get(f"{emulator.base_url}/_emulator/bench/stats").json())


def test_counts_each_answer(emulator: EmulatorServer, client: httpx.Client, add_trigger: AddTrigger) -> None:
    status_url = client.post(add_trigger("bench-count", duration_seconds=5), json={}).headers["location"]
    before = bench_stats(emulator, client)
    client.get(bench_url(emulator, status_url))
    client.get(bench_url(emulator, status_url))
    emulator.advance_clock(10)
    client.get(bench_url(emulator, status_url))
    unknown = client.get(f"{emulator.base_url}/_emulator/bench/jobs/no-such-job")

    after = bench_stats(emulator, client)

    assert unknown.status_code == 410
    assert {name: after[name] - before[name] for name in after} == {
        "running": 2,
        "ended": 1,
        "unknown": 1,
        "total": 4,
    }


def test_needs_a_bearer_token(
    emulator: EmulatorServer, client: httpx.Client, anonymous_client: httpx.Client, add_trigger: AddTrigger
) -> None:
    status_url = client.post(add_trigger("bench-auth"), json={}).headers["location"]

    refused = anonymous_client.get(bench_url(emulator, status_url))

    assert refused.status_code == 401
