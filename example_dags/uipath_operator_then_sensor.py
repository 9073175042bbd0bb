"""Start a job without waiting, do other work, then wait for it with a deferrable sensor."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator
from airflow_provider_uipath.sensors.job import UiPathJobSensor

# The emulator's folder by default; set UIPATH_FOLDER_KEY to a folder of your tenant.
FOLDER_KEY = os.environ.get("UIPATH_FOLDER_KEY", "2b3c4d5e-0000-4000-8000-000000000001")
#: Seconds between two status requests; short, as the emulator's jobs are short.
POLL_INTERVAL = float(os.environ.get("UIPATH_POLL_INTERVAL", "1"))

with DAG(
    dag_id="uipath_operator_then_sensor",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["uipath", "example"],
):
    start = UiPathApiTriggerOperator(
        task_id="start_invoice_sync",
        invoke_url=f"{FOLDER_KEY}/invoice-sync",
        arguments={"in_Month": "{{ ds }}"},
        call_mode="AsyncRequestReply",
        wait_for_completion=False,
    )

    @task
    def meanwhile() -> str:
        return "other work done while the robot runs"

    wait = UiPathJobSensor(
        task_id="wait_for_invoice_sync",
        status_url="{{ ti.xcom_pull(task_ids='start_invoice_sync', key='status_url') }}",
        call_mode="{{ ti.xcom_pull(task_ids='start_invoice_sync', key='call_mode') }}",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=600,
    )

    start >> meanwhile() >> wait
