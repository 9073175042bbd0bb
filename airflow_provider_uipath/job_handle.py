"""What identifies the job a task waits on, and remembering it across task tries.

From Airflow 3.3 on, the handle is kept in the task state store: written before the call that
starts the job, completed as soon as Orchestrator answers, read by the next try after a worker died,
so the retry reattaches to the running job instead of starting a second one. On Airflow 3.1 and 3.2
there is no task state store, and a retry starts a new job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from airflow_provider_uipath.jobs import JobLocator

log = logging.getLogger(__name__)

#: The task state store key holding the handle. Renaming it strands handles of running tasks.
TASK_STATE_KEY = "uipath_job"


@dataclass(frozen=True)
class JobHandle:
    """The job a task started: how to follow it, and how to find it again.

    :param locator: what identifies the call that started it.
    :param status_url: the status URL Orchestrator gave, if any.
    :param call_mode: the call mode the job runs in, with a status URL.
    :param job_id: the job's id, when it was found through the Jobs API instead.
    """

    locator: JobLocator
    status_url: str | None = None
    call_mode: str | None = None
    job_id: int | None = None

    @property
    def answered(self) -> bool:
        """Whether Orchestrator's answer (a status URL or a job id) is known."""
        return self.status_url is not None or self.job_id is not None

    def to_dict(self) -> dict[str, Any]:
        """The handle as JSON primitives."""
        return {
            "locator": self.locator.to_dict(),
            "status_url": self.status_url,
            "call_mode": self.call_mode,
            "job_id": self.job_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobHandle:
        """Rebuild a handle from :meth:`to_dict`.

        :param data: the primitives.
        """
        job_id = data.get("job_id")
        return cls(
            locator=JobLocator.from_dict(data["locator"]),
            status_url=data.get("status_url"),
            call_mode=data.get("call_mode"),
            job_id=int(job_id) if job_id is not None else None,
        )


class JobHandleStore:
    """The task state store of a task instance, or nothing on Airflow versions without one.

    :param context: the task's context.
    """

    def __init__(self, context: Any) -> None:
        self._store = context.get("task_state_store") if hasattr(context, "get") else None

    @property
    def available(self) -> bool:
        """Whether handles survive to the next try."""
        return self._store is not None

    def remember(self, handle: JobHandle) -> None:
        """Keep the handle for the next try.

        :param handle: the job's handle.
        """
        if self._store is not None:
            self._store.set(TASK_STATE_KEY, handle.to_dict())

    def recall(self) -> JobHandle | None:
        """The handle a previous try kept, if any."""
        if self._store is None:
            return None
        data = self._store.get(TASK_STATE_KEY)
        if not isinstance(data, dict):
            return None
        try:
            return JobHandle.from_dict(data)
        except (KeyError, TypeError, ValueError):
            log.warning("Ignoring an unreadable UiPath job handle left by a previous try: %r", data)
            return None

    def forget(self) -> None:
        """Drop the handle once the job has ended."""
        if self._store is not None:
            self._store.delete(TASK_STATE_KEY)
