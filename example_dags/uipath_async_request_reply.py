"""AsyncRequestReply: start a job, wait for it in the triggerer, use its output downstream."""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, task

from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator

# The emulator's folder by default; set UIPATH_FOLDER_KEY to a folder of your tenant.
FOLDER_KEY = os.environ.get("UIPATH_FOLDER_KEY", "2b3c4d5e-0000-4000-8000-000000000001")
#: Seconds between two status requests; short, as the emulator's jobs are short.
POLL_INTERVAL = float(os.environ.get("UIPATH_POLL_INTERVAL", "1"))

with DAG(
    dag_id="uipath_async_request_reply",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["uipath", "example"],
):
    sync_invoices = UiPathApiTriggerOperator(
        task_id="sync_invoices",
        invoke_url=f"{FOLDER_KEY}/invoice-sync",
        arguments={"in_Month": "{{ ds }}", "in_DryRun": False},
        call_mode="AsyncRequestReply",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
        timeout=600,
    )

    look_up_customers = UiPathApiTriggerOperator.partial(
        task_id="look_up_customers",
        invoke_url=f"{FOLDER_KEY}/lookup-customer",
        method="GET",
        call_mode="AsyncRequestReply",
        deferrable=True,
        poll_interval=POLL_INTERVAL,
    ).expand(arguments=[{"in_CustomerId": 1001}, {"in_CustomerId": 1002}])

    @task
    def report(invoices: dict[str, Any], customers: list[dict[str, Any]]) -> str:
        return f"{invoices['invoices_processed']} invoices for {len(customers)} customers"

    report(sync_invoices.output, look_up_customers.output)
