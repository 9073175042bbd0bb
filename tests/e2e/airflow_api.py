"""The few calls of Airflow's REST API (v2) the end-to-end test makes, as a user or a script would."""

from __future__ import annotations

from typing import Any

import httpx

#: Seconds one REST call may take; SQLite under four busy components can be slow.
REQUEST_TIMEOUT = httpx.Timeout(30.0)
HEALTHY = "healthy"
#: The components ``/api/v2/monitor/health`` reports on.
MONITORED_COMPONENTS = ("metadatabase", "scheduler", "triggerer", "dag_processor")


class AirflowApi:
    """A client of the api-server, authenticated through the simple auth manager.

    With ``[core] simple_auth_manager_all_admins`` on, ``GET /auth/token`` hands out an admin token
    without credentials; the token is fetched on first use.

    :param base_url: the api-server's origin, e.g. ``http://127.0.0.1:28080``.
    """

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT)

    def close(self) -> None:
        """Close the connections."""
        self.client.close()

    def unhealthy_components(self) -> list[str] | None:
        """The components not reported healthy, or ``None`` while the api-server does not answer."""
        try:
            response = self.client.get("/api/v2/monitor/health")
        except httpx.TransportError:
            return None
        if response.status_code != httpx.codes.OK:
            return None
        health = response.json()
        return [name for name in MONITORED_COMPONENTS if health.get(name, {}).get("status") != HEALTHY]

    def import_errors(self) -> list[dict[str, Any]]:
        """The DAG files that failed to import."""
        return list(self._get("/api/v2/importErrors")["import_errors"])

    def dag_is_known(self, dag_id: str) -> bool:
        """Whether the DAG was parsed and stored.

        :param dag_id: the DAG.
        """
        self._authenticate()
        return self.client.get(f"/api/v2/dags/{dag_id}").status_code == httpx.codes.OK

    def unpause(self, dag_id: str) -> None:
        """Unpause a DAG.

        :param dag_id: the DAG.
        """
        self._send("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})

    def trigger_run(self, dag_id: str) -> str:
        """Start a manual run of a DAG now, and return its run id.

        :param dag_id: the DAG.
        """
        run = self._send("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": None})
        return str(run["dag_run_id"])

    def run_state(self, dag_id: str, run_id: str) -> str:
        """The state of a DAG run.

        :param dag_id: the DAG.
        :param run_id: the run.
        """
        return str(self._get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")["state"])

    def task_instances(self, dag_id: str, run_id: str) -> dict[str, dict[str, Any]]:
        """The task instances of a run, by task id.

        :param dag_id: the DAG.
        :param run_id: the run.
        """
        body = self._get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
        return {instance["task_id"]: instance for instance in body["task_instances"]}

    def mark_task(self, dag_id: str, run_id: str, task_id: str, state: str) -> None:
        """Set a task instance's state, as a user does from the UI ("Mark as failed").

        :param dag_id: the DAG.
        :param run_id: the run.
        :param task_id: the task.
        :param state: ``failed``, ``success`` or ``skipped``.
        """
        self._send(
            "PATCH", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}", {"new_state": state}
        )

    def return_value(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """A task's ``return_value`` XCom.

        :param dag_id: the DAG.
        :param run_id: the run.
        :param task_id: the task.
        """
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value"
        return self._get(path)["value"]

    def task_events(self, dag_id: str, run_id: str, task_id: str) -> list[dict[str, Any]]:
        """The audit log entries of a task instance (``event`` and ``when``), oldest first.

        :param dag_id: the DAG.
        :param run_id: the run.
        :param task_id: the task.
        """
        query = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "order_by": "when", "limit": 100}
        return list(self._get("/api/v2/eventLogs", query)["event_logs"])

    def _get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        self._authenticate()
        response = self.client.get(path, params=query)
        _raise_for_status(response)
        return response.json()

    def _send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        self._authenticate()
        response = self.client.request(method, path, json=body)
        _raise_for_status(response)
        return response.json()

    def _authenticate(self) -> None:
        if "Authorization" in self.client.headers:
            return
        response = self.client.get("/auth/token")
        _raise_for_status(response)
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"


def _raise_for_status(response: httpx.Response) -> None:
    if response.is_success:
        return
    raise AssertionError(
        f"{response.request.method} {response.request.url} answered {response.status_code}: {response.text}"
    )
