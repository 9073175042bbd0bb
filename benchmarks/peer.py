"""The peer: apache-airflow-providers-http's ``HttpSensorTrigger``, what a user would otherwise pick.

It fires on the first answer that is not a 404, so it polls the emulator's bench route
(``GET /_emulator/bench/jobs/{result_id}``: 404 while the job runs). A user would put the bearer token
in the ``http`` connection's extra, which the hook sends as headers; the same PAT is used here.
Each poll opens a new ``aiohttp.ClientSession``, as the trigger does.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from airflow.providers.http.triggers.http import HttpSensorTrigger
from airflow.triggers.base import BaseTrigger

from benchmarks.emulator_jobs import PAT, result_id_of
from benchmarks.plan import Scenario

CONN_ID = "bench_http"
BENCH_ENDPOINT = "_emulator/bench/jobs/{result_id}"


class PeerSide:
    """How ``HttpSensorTrigger`` waits for a job."""

    conn_id = CONN_ID

    def connection_env(self, tenant_url: str, base_url: str) -> dict[str, str]:
        """The ``AIRFLOW_CONN_...`` variable of the ``http`` connection to the emulator.

        :param tenant_url: the emulator's tenant URL (unused: the bench route is at the root).
        :param base_url: the emulator's origin.
        """
        origin = httpx.URL(base_url)
        connection = {
            "conn_type": "http",
            "host": origin.host,
            "port": origin.port,
            "schema": origin.scheme,
            "extra": json.dumps({"Authorization": f"Bearer {PAT}"}),
        }
        return {f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection)}

    def build_wait(self, status_url: str, scenario: Scenario) -> BaseTrigger:
        """Build the trigger that waits for one job.

        :param status_url: the job's status URL; its last segment names the job on the bench route.
        :param scenario: the scenario.
        """
        return HttpSensorTrigger(
            endpoint=BENCH_ENDPOINT.format(result_id=result_id_of(status_url)),
            http_conn_id=CONN_ID,
            method="GET",
            poke_interval=scenario.poll_interval,
        )

    def succeeded(self, payload: Any) -> bool:
        """Whether an event says the job ended (the trigger sends ``True``).

        :param payload: the event's payload.
        """
        return payload is True

    def forget_shared_state(self) -> None:
        """Nothing is shared between the peer's waits."""
