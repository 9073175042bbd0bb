"""The sensor and the trigger against the emulator, and the trigger's contract with Airflow."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_uipath.call_modes import CallMode, JobState
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.events import result_of_event
from airflow_provider_uipath.exceptions import (
    UiPathConfigError,
    UiPathError,
    UiPathJobFailedError,
    UiPathJobTimeoutError,
)
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator
from airflow_provider_uipath.sensors.job import UiPathJobSensor
from airflow_provider_uipath.triggers.job import UiPathJobTrigger
from tests.conftest import AddTrigger
from tests.integration.task_runner import TaskDeferred, first_event, rebuild, run_task

OUTPUT = {"invoices_processed": 42}


def start_job(invoke_url: str, **kwargs: Any) -> dict[str, Any]:
    task = UiPathApiTriggerOperator(
        task_id="start", invoke_url=invoke_url, wait_for_completion=False, **kwargs
    )
    return run_task(task).xcoms


def test_operator_defers_with_the_trigger_and_resume_method(
    pat_connection: str, add_trigger: AddTrigger
) -> None:
    task = UiPathApiTriggerOperator(
        task_id="t",
        invoke_url=add_trigger("robot"),
        arguments={"a": 1},
        deferrable=True,
        timeout=60,
        poll_interval=3,
    )
    with pytest.raises(TaskDeferred) as deferred:
        task.execute({"ti": _NullTaskInstance()})  # type: ignore[arg-type]
    assert isinstance(deferred.value.trigger, UiPathJobTrigger)
    assert deferred.value.method_name == "execute_complete"
    assert deferred.value.timeout is None
    trigger = deferred.value.trigger
    assert trigger.poll_interval == 3
    assert trigger.deadline is not None
    assert trigger.job_locator is not None
    assert trigger.job_locator["arguments"] == {"a": 1}


def test_trigger_serialization_round_trips_with_primitives_only() -> None:
    trigger = UiPathJobTrigger(
        status_url="https://h.example/acme/t/orchestrator_/t/fk/s/status/1",
        uipath_conn_id="uipath_prod",
        call_mode="LongPolling",
        deadline=1_900_000_000.5,
        poll_interval=7.0,
        max_output_bytes=1000,
        job_locator={
            "trigger_url": "https://h.example/x",
            "invoked_after": "2026-12-03T10:00:00Z",
            "arguments": {},
        },
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_uipath.triggers.job.UiPathJobTrigger"
    assert all(isinstance(value, (str, int, float, dict, type(None))) for value in kwargs.values())
    assert rebuild(trigger).serialize() == (classpath, kwargs)


@pytest.mark.parametrize(
    ("event", "error", "message"),
    [
        pytest.param(
            {
                "status": "failed",
                "status_url": "u",
                "error": {"Title": "Boom", "Code": "X"},
                "http_status": 500,
            },
            UiPathJobFailedError,
            r"did not succeed: Boom \[code X\]",
            id="failed",
        ),
        pytest.param(
            {"status": "timeout", "status_url": "u", "message": "still running at the task's deadline"},
            UiPathJobTimeoutError,
            r"still running at the task's deadline",
            id="timeout",
        ),
        pytest.param(
            {"status": "error", "message": "network down"}, UiPathError, r"network down", id="error"
        ),
        pytest.param({"unexpected": True}, UiPathError, r"does not understand", id="garbage"),
        pytest.param(None, UiPathError, r"does not understand", id="none"),
    ],
)
def test_every_failing_event_raises_its_error(event: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        result_of_event(event)


def test_success_event_returns_the_output() -> None:
    assert result_of_event({"status": "success", "status_url": "u", "output": OUTPUT}) == OUTPUT


@pytest.mark.parametrize("mode", [CallMode.ASYNC_REQUEST_REPLY, CallMode.LONG_POLLING], ids=str)
def test_deferrable_sensor_returns_the_output_of_a_job_started_elsewhere(
    any_connection: str, add_trigger: AddTrigger, mode: CallMode
) -> None:
    xcoms = start_job(add_trigger("robot", duration_seconds=0.6, output=OUTPUT), call_mode=mode)
    sensor = UiPathJobSensor(
        task_id="wait",
        status_url=xcoms["status_url"],
        call_mode=xcoms["call_mode"],
        deferrable=True,
        poll_interval=0.05,
    )
    run = run_task(sensor)
    assert run.trigger is not None
    assert run.result == OUTPUT


def test_poking_sensor_reports_running_then_done(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    xcoms = start_job(add_trigger("robot", duration_seconds=5, output=OUTPUT))
    sensor = UiPathJobSensor(task_id="wait", status_url=xcoms["status_url"], poll_interval=1)
    context: Any = {}
    assert sensor.poke(context).is_done is False
    emulator.advance_clock(10)
    done = sensor.poke(context)
    assert done.is_done is True
    assert done.xcom_value == OUTPUT


def test_poking_sensor_fails_with_the_job_error(pat_connection: str, add_trigger: AddTrigger) -> None:
    error = {"Title": "Robot crashed", "Code": "Robot.Crash"}
    xcoms = start_job(add_trigger("robot", duration_seconds=0, outcome="Faulted", error=error))
    sensor = UiPathJobSensor(task_id="wait", status_url=xcoms["status_url"], poll_interval=1)
    with pytest.raises(UiPathJobFailedError, match=r"Robot crashed \[code Robot.Crash\]"):
        sensor.poke({})  # type: ignore[arg-type]


def test_sensor_refuses_fire_and_forget() -> None:
    sensor = UiPathJobSensor(task_id="wait", status_url="https://h.example/s", call_mode="FireAndForget")
    with pytest.raises(UiPathConfigError, match="FireAndForget job has no status URL"):
        sensor.poke({})  # type: ignore[arg-type]


async def test_trigger_on_kill_stops_the_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("endless", outcome="Hang")
    xcoms = await asyncio.to_thread(start_job, invoke_url, arguments={"in_Batch": 3})
    [job] = emulator.jobs()
    locator = JobLocator(
        f"{emulator.tenant_url}/orchestrator_/t/{invoke_url}", job.creation_time, {"in_Batch": 3}
    )
    trigger = UiPathJobTrigger(
        status_url=xcoms["status_url"], poll_interval=0.05, job_locator=locator.to_dict()
    )
    waiting = asyncio.create_task(first_event(trigger))
    await trigger.on_kill()
    [job] = emulator.jobs()
    assert job.state in (JobState.STOPPING, JobState.STOPPED)
    emulator.advance_clock(1)  # past the SoftStop
    event = await waiting
    assert event["status"] == "failed"
    assert "Job stopped" in event["message"]


async def test_trigger_on_kill_leaves_other_jobs_alone(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("endless", outcome="Hang")
    await asyncio.to_thread(start_job, invoke_url, arguments={"in_Batch": 1})
    await asyncio.to_thread(start_job, invoke_url, arguments={"in_Batch": 1})
    jobs = emulator.jobs()
    locator = JobLocator(
        f"{emulator.tenant_url}/orchestrator_/t/{invoke_url}", jobs[0].creation_time, {"in_Batch": 1}
    )
    trigger = UiPathJobTrigger(status_url="unused", job_locator=locator.to_dict())
    await trigger.on_kill()
    assert [job.state for job in emulator.jobs()] == [JobState.RUNNING, JobState.RUNNING]


def test_polling_never_spins_when_the_server_answers_at_once(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.configure(long_poll_wait_seconds=0)
    invoke_url = add_trigger("robot", duration_seconds=1, output=OUTPUT)
    run = run_task(
        UiPathApiTriggerOperator(
            task_id="t", invoke_url=invoke_url, call_mode="LongPolling", deferrable=True, poll_interval=0.25
        )
    )
    assert run.result == OUTPUT
    status_requests = [r for r in emulator.requests() if r.route_class.value == "status"]
    assert 2 <= len(status_requests) <= 10  # one per poll interval, not one per event-loop turn


class _NullTaskInstance:
    def xcom_push(self, key: str, value: Any) -> None:
        pass
