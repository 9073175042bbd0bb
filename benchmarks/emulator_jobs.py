"""The emulator side of a run: its configuration, its admin API, and the jobs the waits follow.

Jobs are started through the real API trigger endpoint (``POST .../orchestrator_/t/{folderKey}/{slug}``
with ``$callMode``). LongPolling calls are held by the emulator, so the hold is set to zero while the
jobs are started (each call then answers at once with the redirect to its status URL) and restored
before the waits begin.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from airflow_provider_uipath.emulator.clock import parse_timestamp
from airflow_provider_uipath.emulator.config import EmulatorConfig
from airflow_provider_uipath.testing import EmulatorProcess, emulator_process
from benchmarks.plan import Scenario, write_json

FOLDER_KEY = "2b3c4d5e-0000-4000-8000-000000000001"
PAT = "emulator-pat"
CLIENT_ID = "emulator-client"
CLIENT_SECRET = "emulator-secret"
#: The trigger of the warm-up job, whose short run is still long enough to be followed in every call mode.
WARM_UP_JOB_SLUG = "bench-warm-up"
WARM_UP_JOB_SECONDS = 0.5
#: Calls in flight while the jobs are started.
JOB_START_CONCURRENCY = 32
ADMIN_TIMEOUT_SECONDS = 60.0


def job_slug(seconds: int) -> str:
    """The slug of the bench trigger whose jobs run this long.

    :param seconds: the job's duration.
    """
    return f"bench-{seconds}s"


def _bench_trigger(slug: str, seconds: float) -> dict[str, Any]:
    return {
        "slug": slug,
        "method": "POST",
        "calling_mode": "AsyncRequestReply",
        "job": {"pending_seconds": 0, "duration_seconds": seconds, "outcome": "Successful", "output": {}},
    }


def write_emulator_config(path: Path, scenario: Scenario) -> Path:
    """Write the emulator configuration of a scenario: one trigger per job duration.

    :param path: the file to write.
    :param scenario: the scenario.
    """
    config = EmulatorConfig.default().to_dict()
    config["triggers"] = [
        _bench_trigger(WARM_UP_JOB_SLUG, WARM_UP_JOB_SECONDS),
        *(_bench_trigger(job_slug(seconds), seconds) for seconds in scenario.job_seconds),
    ]
    config["knobs"] = {
        **config["knobs"],
        "token_ttl_seconds": scenario.token_lifetime_seconds,
        "long_poll_wait_seconds": scenario.long_poll_hold_seconds,
    }
    write_json(path, config)
    return path


@contextlib.contextmanager
def running_emulator(scenario: Scenario, work_dir: Path) -> Iterator[EmulatorProcess]:
    """Run the emulator in its own process for one scenario; stop it after.

    :param scenario: the scenario.
    :param work_dir: where to write its configuration.
    """
    config_file = write_emulator_config(work_dir / f"emulator-{scenario.name}.json", scenario)
    with emulator_process(config_file) as emulator:
        yield emulator


@dataclass(frozen=True)
class EmulatorAdmin:
    """The emulator's admin API, called between measurements (never while waits run).

    :param base_url: the emulator's origin, e.g. ``http://127.0.0.1:8765``.
    """

    base_url: str

    def _get(self, path: str) -> Any:
        response = httpx.get(f"{self.base_url}{path}", timeout=ADMIN_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()

    def configure(self, **knobs: object) -> None:
        """Set knobs.

        :param knobs: knob names and values.
        """
        response = httpx.post(f"{self.base_url}/_emulator/config", json=knobs, timeout=ADMIN_TIMEOUT_SECONDS)
        response.raise_for_status()

    def request_counts(self) -> dict[str, int]:
        """Requests answered so far: per route class, ``bench`` for the bench route, ``token``."""
        stats = self._get("/_emulator/stats")
        counts = dict(stats["requests_by_route_class"])
        counts["bench"] = int(self._get("/_emulator/bench/stats")["total"])
        return counts

    def job_end_times(self, scenario: Scenario) -> dict[str, float]:
        """When each job ended (or will end), by the result id of its status URL, in Unix seconds.

        :param scenario: the scenario, for the job durations by trigger.
        """
        seconds_by_slug: dict[str, float] = {job_slug(seconds): seconds for seconds in scenario.job_seconds}
        seconds_by_slug[WARM_UP_JOB_SLUG] = WARM_UP_JOB_SECONDS
        return {
            job["ResultId"]: parse_timestamp(job["CreationTime"]) + seconds_by_slug[job["TriggerSlug"]]
            for job in self._get("/_emulator/jobs")
        }


def result_id_of(status_url: str) -> str:
    """The last segment of a status URL, which identifies its job.

    :param status_url: the status URL.
    """
    return status_url.rstrip("/").rsplit("/", 1)[-1]


def invoke_url(tenant_url: str, slug: str) -> str:
    """The URL of a bench trigger.

    :param tenant_url: the emulator's tenant URL.
    :param slug: the trigger's slug.
    """
    return f"{tenant_url}/orchestrator_/t/{FOLDER_KEY}/{slug}"


async def _start_jobs(tenant_url: str, slugs: list[str], call_mode: str) -> list[str]:
    limits = httpx.Limits(max_connections=JOB_START_CONCURRENCY)
    headers = {"Authorization": f"Bearer {PAT}"}
    gate = asyncio.Semaphore(JOB_START_CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=ADMIN_TIMEOUT_SECONDS) as client:

        async def start(slug: str) -> str:
            async with gate:
                response = await client.post(invoke_url(tenant_url, slug), json={"$callMode": call_mode})
            if response.status_code not in (httpx.codes.ACCEPTED, httpx.codes.SEE_OTHER):
                raise RuntimeError(f"Starting a {slug} job answered {response.status_code}: {response.text}")
            return str(httpx.URL(tenant_url).join(response.headers["Location"]))

        return list(await asyncio.gather(*(start(slug) for slug in slugs)))


def start_jobs(emulator: EmulatorAdmin, tenant_url: str, scenario: Scenario) -> list[str]:
    """Start one job per wait, their durations spread over the scenario's range; return the status URLs.

    :param emulator: the emulator's admin API.
    :param tenant_url: the emulator's tenant URL.
    :param scenario: the scenario.
    """
    durations = scenario.job_seconds
    slugs = [job_slug(durations[index % len(durations)]) for index in range(scenario.waits)]
    return _start_jobs_without_hold(emulator, tenant_url, slugs, scenario)


def start_warm_up_job(emulator: EmulatorAdmin, tenant_url: str, scenario: Scenario) -> str:
    """Start the short job of the warm-up wait; return its status URL.

    :param emulator: the emulator's admin API.
    :param tenant_url: the emulator's tenant URL.
    :param scenario: the scenario.
    """
    [status_url] = _start_jobs_without_hold(emulator, tenant_url, [WARM_UP_JOB_SLUG], scenario)
    return status_url


def _start_jobs_without_hold(
    emulator: EmulatorAdmin, tenant_url: str, slugs: list[str], scenario: Scenario
) -> list[str]:
    emulator.configure(long_poll_wait_seconds=0)
    try:
        return asyncio.run(_start_jobs(tenant_url, slugs, scenario.side.call_mode))
    finally:
        emulator.configure(long_poll_wait_seconds=scenario.long_poll_hold_seconds)
