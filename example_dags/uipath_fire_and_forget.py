"""FireAndForget: start a job and move on; nothing is awaited and nothing is deferred."""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import DAG

from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator

# The emulator's folder by default; set UIPATH_FOLDER_KEY to a folder of your tenant.
FOLDER_KEY = os.environ.get("UIPATH_FOLDER_KEY", "2b3c4d5e-0000-4000-8000-000000000001")

with DAG(
    dag_id="uipath_fire_and_forget",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["uipath", "example"],
):
    UiPathApiTriggerOperator(
        task_id="notify_team",
        invoke_url=f"{FOLDER_KEY}/notify-team",
        arguments={"in_Message": "Nightly load finished for {{ ds }}"},
        call_mode="FireAndForget",
        deferrable=True,
    )
