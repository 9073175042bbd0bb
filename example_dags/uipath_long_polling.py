"""LongPolling: the call blocks while the robot works; the redirect loop is followed in the triggerer."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator

# The emulator's folder by default; set UIPATH_FOLDER_KEY to a folder of your tenant.
FOLDER_KEY = os.environ.get("UIPATH_FOLDER_KEY", "2b3c4d5e-0000-4000-8000-000000000001")
#: Seconds between two status requests; short, as the emulator's jobs are short.
POLL_INTERVAL = float(os.environ.get("UIPATH_POLL_INTERVAL", "1"))

with DAG(
    dag_id="uipath_long_polling",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["uipath", "example"],
):
    UiPathApiTriggerOperator(
        task_id="build_monthly_report",
        invoke_url=f"{FOLDER_KEY}/monthly-report",
        arguments={"in_Month": "{{ ds }}"},
        call_mode=CallMode.LONG_POLLING,
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=14 * 60,
    )
