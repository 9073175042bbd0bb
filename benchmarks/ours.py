"""Our side: ``UiPathJobTrigger`` following jobs from their status URLs, with an OAuth connection.

OAuth (client credentials) is used so the benchmark counts the token requests that all the waits of
the process share.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.triggers.base import BaseTrigger

from airflow_provider_uipath.auth import TOKEN_CACHE
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from benchmarks.emulator_jobs import CLIENT_ID, CLIENT_SECRET
from benchmarks.plan import Scenario

CONN_ID = "bench_uipath"
SUCCESS_STATUS = "success"


class OurSide:
    """How our trigger waits for a job."""

    conn_id = CONN_ID

    def connection_env(self, tenant_url: str, base_url: str) -> dict[str, str]:
        """The ``AIRFLOW_CONN_...`` variable of the ``uipath`` OAuth connection to the emulator.

        :param tenant_url: the emulator's tenant URL.
        :param base_url: the emulator's origin.
        """
        connection = {
            "conn_type": "uipath",
            "host": tenant_url,
            "login": CLIENT_ID,
            "password": CLIENT_SECRET,
            "extra": json.dumps({"token_url": f"{base_url}/identity_/connect/token"}),
        }
        return {f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection)}

    def build_wait(self, status_url: str, scenario: Scenario) -> BaseTrigger:
        """Build the trigger that waits for one job.

        :param status_url: the job's status URL.
        :param scenario: the scenario.
        """
        return UiPathJobTrigger(
            status_url=status_url,
            uipath_conn_id=CONN_ID,
            call_mode=scenario.side.call_mode,
            poll_interval=scenario.poll_interval,
        )

    def succeeded(self, payload: Any) -> bool:
        """Whether an event says the job succeeded.

        :param payload: the event's payload.
        """
        return isinstance(payload, dict) and payload.get("status") == SUCCESS_STATUS

    def forget_shared_state(self) -> None:
        """Drop the process-wide token, so the measured waits fetch their own."""
        TOKEN_CACHE.clear()
