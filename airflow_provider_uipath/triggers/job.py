"""The trigger that waits for a UiPath job in Airflow's triggerer.

The classpath ``airflow_provider_uipath.triggers.job.UiPathJobTrigger`` is stored with every
deferred task: it must not move.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.events import failure_event, success_event
from airflow_provider_uipath.exceptions import UiPathConfigError, UiPathError
from airflow_provider_uipath.hooks.uipath_async import UiPathAsyncHook
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.polling import DEFAULT_POLL_INTERVAL
from airflow_provider_uipath.protocol import DEFAULT_MAX_OUTPUT_BYTES

CLASSPATH = "airflow_provider_uipath.triggers.job.UiPathJobTrigger"


class UiPathJobTrigger(BaseTrigger):
    """Follow a UiPath job until it ends, then send one event.

    The job is followed from its status URL or, for a job adopted after an uncertain start, by id
    through the Jobs API. The arguments are primitives only and the deadline is absolute, so a
    triggerer restart neither loses nor extends the wait. Polling has no side effects: a trigger
    that runs twice during a triggerer failover sends the same event twice.

    :param status_url: the status URL Orchestrator gave for the job, or ``None`` with ``job_id``.
    :param uipath_conn_id: the ``uipath`` connection id.
    :param call_mode: the call mode the job runs in (``AsyncRequestReply`` or ``LongPolling``).
    :param deadline: the Unix time by which the job must end, or ``None``.
    :param poll_interval: seconds between two status requests of a running job.
    :param max_output_bytes: the largest output sent back to the task.
    :param job_locator: what identifies the job the call started (see
        :class:`~airflow_provider_uipath.jobs.JobLocator`), so it can be stopped; ``None`` when the
        job was started elsewhere.
    :param job_id: the job's id, to follow it through the Jobs API (needs ``job_locator``).
    """

    def __init__(
        self,
        status_url: str | None = None,
        uipath_conn_id: str = UiPathAsyncHook.default_conn_name,
        call_mode: str = CallMode.ASYNC_REQUEST_REPLY.value,
        deadline: float | None = None,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        job_locator: dict[str, Any] | None = None,
        job_id: int | None = None,
    ) -> None:
        super().__init__()
        if status_url is None and (job_id is None or job_locator is None):
            raise UiPathConfigError("UiPathJobTrigger needs a status_url, or a job_id with its job_locator.")
        self.status_url = status_url
        self.uipath_conn_id = uipath_conn_id
        self.call_mode = str(CallMode(call_mode).value)
        self.deadline = deadline
        self.poll_interval = poll_interval
        self.max_output_bytes = max_output_bytes
        self.job_locator = job_locator
        self.job_id = job_id

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
                "job_id": self.job_id,
            },
        )

    @property
    def followed(self) -> str:
        """What is followed, for messages: the status URL, or the job id."""
        return self.status_url or f"job {self.job_id}"

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Wait for the job, then yield its outcome as one event."""
        try:
            output = await self._output_of_job(UiPathAsyncHook(self.uipath_conn_id))
        except UiPathError as error:
            self.log.info("The UiPath job at %s did not succeed: %s", self.followed, error)
            yield TriggerEvent(failure_event(self.followed, error))
            return
        self.log.info("The UiPath job at %s succeeded.", self.followed)
        yield TriggerEvent(success_event(self.followed, output))

    def _output_of_job(self, hook: UiPathAsyncHook) -> Awaitable[Any]:
        """What to await for the job's output: from its status URL, or by id through the Jobs API.

        A plain function, not a coroutine: one frame less held by each of thousands of waits.
        """
        if self.status_url is not None:
            return hook.aget_job_output(
                self.status_url,
                CallMode(self.call_mode),
                poll_interval=self.poll_interval,
                deadline=self.deadline,
                max_output_bytes=self.max_output_bytes,
            )
        assert self.job_id is not None
        assert self.job_locator is not None
        return hook.aget_job_output_by_id(
            JobLocator.from_dict(self.job_locator).folder_key,
            self.job_id,
            poll_interval=self.poll_interval,
            deadline=self.deadline,
            max_output_bytes=self.max_output_bytes,
        )

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
