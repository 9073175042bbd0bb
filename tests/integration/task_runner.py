"""Run an operator's task the way Airflow does, without a scheduler: the HTTP stays real.

A deferred task's trigger runs in this event loop, and the task resumes with its event, as
``dag.test()`` does; the task instance only records XComs. The example DAGs run through real
Airflow in ``tests/dags``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger

from airflow_provider_uipath.triggers.job import UiPathJobTrigger

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import TaskDeferred


@dataclass
class RecordingTaskInstance:
    """The part of a task instance an operator uses: XCom pushes, recorded."""

    xcoms: dict[str, Any] = field(default_factory=dict)

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


@dataclass
class TaskRun:
    """What a task run returned, pushed and whether it deferred."""

    result: Any
    xcoms: dict[str, Any]
    trigger: BaseTrigger | None


def run_task(operator: BaseOperator) -> TaskRun:
    """Execute an operator; if it defers, rebuild its trigger from its serialized form, run it, resume.

    :param operator: the operator.
    """
    ti = RecordingTaskInstance()
    context: Any = {"ti": ti}
    try:
        return TaskRun(operator.execute(context), ti.xcoms, None)
    except TaskDeferred as deferred:
        trigger = rebuild(deferred.trigger)
        event = asyncio.run(first_event(trigger))
        resume = getattr(operator, deferred.method_name)
        return TaskRun(resume(context, event, **(deferred.kwargs or {})), ti.xcoms, trigger)


def rebuild(trigger: BaseTrigger) -> UiPathJobTrigger:
    """Rebuild a trigger from what it serialized, as the triggerer does."""
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_uipath.triggers.job.UiPathJobTrigger"
    return UiPathJobTrigger(**kwargs)


async def first_event(trigger: BaseTrigger) -> dict[str, Any]:
    """The first event a trigger yields."""
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("The trigger ended without an event.")
