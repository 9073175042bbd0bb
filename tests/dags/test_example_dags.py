"""The example DAGs through real Airflow (``dag.test()``, triggers run in line) against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import pytest

from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.testing import DagRunOutcome, load_dags, run_dag
from tests.conftest import EXAMPLE_DAGS

REPORT_OUTPUT = {"report_url": "https://example.invalid/report.pdf"}
INVOICE_OUTPUT = {"invoices_processed": 42}
RunExample = Callable[[str], DagRunOutcome]


@pytest.fixture(scope="module")
def migrated_airflow() -> None:
    """The session's Airflow home, with its SQLite metadata database migrated."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)


@pytest.fixture
def run_example(migrated_airflow: None, oauth_connection: str, monkeypatch: pytest.MonkeyPatch) -> RunExample:
    """Run an example DAG by id, with OAuth against the emulator and a short poll interval."""
    monkeypatch.setenv("UIPATH_POLL_INTERVAL", "0.1")
    dags = load_dags(EXAMPLE_DAGS)

    def run(dag_id: str) -> DagRunOutcome:
        return run_dag(dags[dag_id])

    return run


def uipath_jobs(emulator: EmulatorServer) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in emulator.jobs():
        counts[job.trigger_slug] = counts.get(job.trigger_slug, 0) + 1
    return counts


def test_async_request_reply_dag(run_example: RunExample, emulator: EmulatorServer) -> None:
    outcome = run_example("uipath_async_request_reply")
    assert outcome.state == "success"
    sync = outcome.task("sync_invoices")
    assert sync.deferred
    assert sync.xcoms["return_value"] == INVOICE_OUTPUT
    assert sync.xcoms["status_url"].startswith(emulator.tenant_url)
    assert sync.xcoms["job_url"] == f"{emulator.tenant_url}/orchestrator_/jobs"
    assert [outcome.task("look_up_customers", index).xcoms["return_value"] for index in (0, 1)] == [
        {"echo": {"in_CustomerId": 1001}},
        {"echo": {"in_CustomerId": 1002}},
    ]
    assert outcome.task("look_up_customers", 0).deferred
    assert outcome.task("report").xcoms["return_value"] == "42 invoices for 2 customers"
    assert uipath_jobs(emulator) == {"invoice-sync": 1, "lookup-customer": 2}


def test_long_polling_dag_defers_when_the_job_outlives_the_wait(
    run_example: RunExample, emulator: EmulatorServer
) -> None:
    outcome = run_example("uipath_long_polling")
    task = outcome.task("build_monthly_report")
    assert (outcome.state, task.state, task.deferred) == ("success", "success", True)
    assert task.xcoms["return_value"] == REPORT_OUTPUT
    assert task.xcoms["call_mode"] == "LongPolling"
    assert uipath_jobs(emulator) == {"monthly-report": 1}


def test_fire_and_forget_dag_never_defers(run_example: RunExample, emulator: EmulatorServer) -> None:
    outcome = run_example("uipath_fire_and_forget")
    task = outcome.task("notify_team")
    assert (outcome.state, task.state, task.deferred) == ("success", "success", False)
    assert task.xcoms.get("return_value") is None
    assert uipath_jobs(emulator) == {"notify-team": 1}


def test_operator_then_sensor_dag(run_example: RunExample, emulator: EmulatorServer) -> None:
    outcome = run_example("uipath_operator_then_sensor")
    assert outcome.state == "success"
    start = outcome.task("start_invoice_sync")
    assert not start.deferred
    assert start.xcoms["call_mode"] == "AsyncRequestReply"
    wait = outcome.task("wait_for_invoice_sync")
    assert wait.deferred
    assert wait.xcoms["return_value"] == INVOICE_OUTPUT
    assert uipath_jobs(emulator) == {"invoice-sync": 1}


def test_example_dags_parse_without_errors() -> None:
    assert set(load_dags(EXAMPLE_DAGS)) == {
        "uipath_async_request_reply",
        "uipath_fire_and_forget",
        "uipath_long_polling",
        "uipath_operator_then_sensor",
    }
    assert os.environ["AIRFLOW__CORE__DAGS_FOLDER"] == str(EXAMPLE_DAGS)
