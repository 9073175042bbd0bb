"""The trigger that waits for a UiPath job in Airflow's triggerer.

The classpath ``airflow_provider_uipath.triggers.job.UiPathJobTrigger`` is stored with every
deferred task: it must not move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.events import failure_event, success_event
from airflow_provider_uipath.exceptions import UiPathError
from airflow_provider_uipath.hooks.uipath_async import UiPathAsyncHook
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.polling import DEFAULT_POLL_INTERVAL
from airflow_provider_uipath.protocol import DEFAULT_MAX_OUTPUT_BYTES

CLASSPATH = "airflow_provider_uipath.triggers.job.UiPathJobTrigger"


class UiPathJobTrigger(BaseTrigger):
    """Follow a UiPath job from its status URL until it ends, then send one event.

    Its arguments are primitives only, and its deadline is absolute, so a triggerer restart
    neither loses nor extends the wait. Polling has no side effects: a trigger that runs twice
    during a triggerer failover sends the same event twice.

    :param status_url: the status URL Orchestrator gave for the job.
    :param uipath_conn_id: the ``uipath`` connection id.
    :param call_mode: the call mode the job runs in (``AsyncRequestReply`` or ``LongPolling``).
    :param deadline: the Unix time by which the job must end, or ``None``.
    :param poll_interval: seconds between two status requests of a running job.
    :param max_output_bytes: the largest output sent back to the task.
    :param job_locator: what identifies the job the call started (see
        :class:`~airflow_provider_uipath.jobs.JobLocator`), so it can be stopped; ``None`` when the
        job was started elsewhere.
    """

    def __init__(
        self,
        status_url: str,
        uipath_conn_id: str = UiPathAsyncHook.default_conn_name,
        call_mode: str = CallMode.ASYNC_REQUEST_REPLY.value,
        deadline: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        job_locator: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.status_url = status_url
        self.uipath_conn_id = uipath_conn_id
        self.call_mode = str(CallMode(call_mode).value)
        self.deadline = deadline
        self.poll_interval = poll_interval
        self.max_output_bytes = max_output_bytes
        self.job_locator = job_locator

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Return the classpath and the primitive arguments to rebuild this trigger."""
        return (
            CLASSPATH,
            {
                "status_url": self.status_url,
                "uipath_conn_id": self.uipath_conn_id,
                "call_mode": self.call_mode,
                "deadline": self.deadline,
                "poll_interval": self.poll_interval,
                "max_output_bytes": self.max_output_bytes,
                "job_locator": self.job_locator,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait for the job, then yield its outcome as one event."""
        hook = UiPathAsyncHook(self.uipath_conn_id)
        try:
            output = await hook.aget_job_output(
                self.status_url,
                CallMode(self.call_mode),
                poll_interval=self.poll_interval,
                deadline=self.deadline,
                max_output_bytes=self.max_output_bytes,
            )
        except UiPathError as error:
            self.log.info("The UiPath job at %s did not succeed: %s", self.status_url, error)
            yield TriggerEvent(failure_event(self.status_url, error))
            return
        self.log.info("The UiPath job at %s succeeded.", self.status_url)
        yield TriggerEvent(success_event(self.status_url, output))

    async def on_kill(self) -> None:
        """Stop the UiPath job when a user marks the deferred task failed or succeeded, or clears it.

        Airflow calls this from version 3.3 on; on 3.1 and 3.2 the job keeps running (see README).
        """
        if not self.job_locator:
            self.log.warning("The job was started elsewhere and cannot be identified; it is not stopped.")
            return
        hook = UiPathAsyncHook(self.uipath_conn_id)
        try:
            await hook.astop_started_job(JobLocator.from_dict(self.job_locator))
        except UiPathError as error:
            self.log.warning("Could not stop the UiPath job: %s", error)
