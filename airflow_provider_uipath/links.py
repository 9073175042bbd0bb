"""The operator extra link to the job in UiPath Orchestrator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey

#: The XCom key holding the Orchestrator page of the job.
JOB_URL_XCOM_KEY = "job_url"


class UiPathJobLink(BaseOperatorLink):
    """A link to the UiPath job in Orchestrator, read from XCom, so rendering it needs no connection.

    Orchestrator's status URL does not reveal the job's id, so the link opens the jobs page of the
    tenant unless the job could be identified through the Jobs API.
    """

    name = "UiPath Orchestrator job"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        """Return the URL pushed by the task, or an empty string before it pushed one.

        :param operator: the task's operator.
        :param ti_key: the task instance.
        """
        from airflow.sdk.execution_time.xcom import XCom

        url = XCom.get_value(key=JOB_URL_XCOM_KEY, ti_key=ti_key)
        return str(url) if url else ""
