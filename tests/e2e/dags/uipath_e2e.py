"""The end-to-end DAGs: deferrable UiPath tasks run by a real scheduler, worker and triggerer.

``uipath_e2e`` starts four jobs at once, in both waiting call modes and with different arguments;
every job ends on its own, so the run succeeds. ``uipath_e2e_kill`` starts one job that never ends:
the test marks its deferred task failed, which must stop the job (Airflow 3.3 and later).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG

from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator

#: The folder configured in ``tests/e2e/emulator_config.json``.
FOLDER_KEY = "2b3c4d5e-0000-4000-8000-000000000001"
#: Seconds between two status requests: short, so a finished job is seen soon.
POLL_INTERVAL = 1.0
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

with DAG(
    dag_id="uipath_e2e",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    tags=["uipath", "e2e"],
):
    UiPathApiTriggerOperator(
        task_id="sync_invoices",
        invoke_url=f"{FOLDER_KEY}/e2e-invoice-sync",
        arguments={"in_Month": "2026-11", "in_RunId": "{{ run_id }}"},
        call_mode="AsyncRequestReply",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=600,
    )
    UiPathApiTriggerOperator(
        task_id="look_up_customer",
        invoke_url=f"{FOLDER_KEY}/e2e-lookup-customer",
        method="GET",
        arguments={"in_CustomerId": 1001},
        call_mode="AsyncRequestReply",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )
    UiPathApiTriggerOperator(
        task_id="build_monthly_report",
        invoke_url=f"{FOLDER_KEY}/e2e-monthly-report",
        arguments={"in_Month": "2026-11", "in_Format": "pdf"},
        call_mode="LongPolling",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=600,
    )
    UiPathApiTriggerOperator(
        task_id="archive_documents",
        invoke_url=f"{FOLDER_KEY}/e2e-archive-documents",
        arguments={"in_Folders": ["invoices", "reports"], "in_KeepDays": 30},
        call_mode="LongPolling",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )

with DAG(
    dag_id="uipath_e2e_kill",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    tags=["uipath", "e2e"],
):
    UiPathApiTriggerOperator(
        task_id="run_endless_process",
        invoke_url=f"{FOLDER_KEY}/e2e-endless-process",
        arguments={"in_Reason": "marked failed by the end-to-end test"},
        call_mode="AsyncRequestReply",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    )
