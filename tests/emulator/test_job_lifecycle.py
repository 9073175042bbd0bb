"""A job's state as a function of its script, stops, and the clock (a unit, isolated on purpose)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_uipath.emulator import (
    CallMode,
    JobOutcome,
    JobScript,
    JobState,
    StopStrategy,
    TriggerSpec,
)
from airflow_provider_uipath.emulator.config import FolderSpec
from airflow_provider_uipath.emulator.jobs import STOPPED_ERROR_TITLE, Job

CREATED_AT = 1_000.0
FOLDER = FolderSpec(id=1, key="2b3c4d5e-0000-4000-8000-000000000001", fully_qualified_name="Shared")


def make_job(call_mode: CallMode = CallMode.ASYNC_REQUEST_REPLY, **script: Any) -> Job:
    trigger = TriggerSpec(slug="unit", job=JobScript(**script))
    return Job(
        id=1,
        key="0f0f0f0f-0000-4000-8000-000000000000",
        result_id="opaque",
        trigger=trigger,
        folder=FOLDER,
        call_mode=call_mode,
        input_arguments={"customer": "ACME"},
        created_at=CREATED_AT,
    )


@pytest.mark.parametrize(
    ("outcome", "seconds_after_creation", "expected"),
    [
        pytest.param(JobOutcome.SUCCESSFUL, 0.5, JobState.PENDING, id="pending"),
        pytest.param(JobOutcome.SUCCESSFUL, 1.5, JobState.RUNNING, id="running"),
        pytest.param(JobOutcome.SUCCESSFUL, 3.0, JobState.SUCCESSFUL, id="successful"),
        pytest.param(JobOutcome.FAULTED, 3.0, JobState.FAULTED, id="faulted"),
        pytest.param(JobOutcome.STOPPED, 3.0, JobState.STOPPED, id="stopped"),
        pytest.param(JobOutcome.HANG, 1e9, JobState.RUNNING, id="hang"),
    ],
)
def test_state_follows_the_script_timeline(
    outcome: JobOutcome, seconds_after_creation: float, expected: JobState
) -> None:
    job = make_job(pending_seconds=1.0, duration_seconds=2.0, outcome=outcome)

    assert job.state_at(CREATED_AT + seconds_after_creation) is expected


@pytest.mark.parametrize(
    ("stop_after", "strategy", "state_right_after", "state_later"),
    [
        pytest.param(0.5, StopStrategy.SOFT_STOP, JobState.STOPPED, JobState.STOPPED, id="pending-soft"),
        pytest.param(1.5, StopStrategy.SOFT_STOP, JobState.STOPPING, JobState.STOPPED, id="running-soft"),
        pytest.param(1.5, StopStrategy.KILL, JobState.STOPPED, JobState.STOPPED, id="running-kill"),
        pytest.param(5.0, StopStrategy.KILL, JobState.SUCCESSFUL, JobState.SUCCESSFUL, id="ended-untouched"),
    ],
)
def test_stop_depends_on_state_and_strategy(
    stop_after: float, strategy: StopStrategy, state_right_after: JobState, state_later: JobState
) -> None:
    job = make_job(pending_seconds=1.0, duration_seconds=2.0)
    stop_time = CREATED_AT + stop_after

    job.request_stop(stop_time, strategy, soft_stop_seconds=0.5)

    assert job.state_at(stop_time) is state_right_after
    assert job.state_at(stop_time + 0.5) is state_later


def test_kill_during_a_soft_stop_ends_the_job_at_once() -> None:
    job = make_job(pending_seconds=0.0, outcome=JobOutcome.HANG)
    job.request_stop(CREATED_AT + 1, StopStrategy.SOFT_STOP, soft_stop_seconds=60)

    job.request_stop(CREATED_AT + 2, StopStrategy.KILL, soft_stop_seconds=60)

    assert job.state_at(CREATED_AT + 2) is JobState.STOPPED


def test_long_polling_limit_stops_a_job_that_runs_too_long() -> None:
    job = make_job(CallMode.LONG_POLLING, pending_seconds=0.0, outcome=JobOutcome.HANG)

    job.limit_long_polling(max_job_seconds=900)

    assert job.state_at(CREATED_AT + 899) is JobState.RUNNING
    error = job.error_info()
    assert job.state_at(CREATED_AT + 900) is JobState.STOPPED
    assert error is not None
    assert "longer than the 900 seconds allowed for LongPolling" in error["Detail"]


def test_long_polling_limit_leaves_a_short_job_alone() -> None:
    job = make_job(CallMode.LONG_POLLING, pending_seconds=0.0, duration_seconds=10)

    job.limit_long_polling(max_job_seconds=900)

    assert job.stop is None
    assert job.state_at(CREATED_AT + 10) is JobState.SUCCESSFUL


@pytest.mark.parametrize(
    ("script", "expected_title"),
    [
        pytest.param({"outcome": JobOutcome.FAULTED}, "Job faulted", id="default-fault"),
        pytest.param(
            {"outcome": JobOutcome.FAULTED, "error": {"Title": "Boom"}}, "Boom", id="scripted-fault"
        ),
        pytest.param({"outcome": JobOutcome.STOPPED}, STOPPED_ERROR_TITLE, id="scripted-stop"),
    ],
)
def test_error_info_of_jobs_that_did_not_succeed(script: dict[str, Any], expected_title: str) -> None:
    error = make_job(**script).error_info()

    assert error is not None
    assert error["Title"] == expected_title


def test_successful_job_has_no_error_and_may_echo_its_inputs() -> None:
    job = make_job(output={"total": 3}, echo_inputs=True)

    assert job.error_info() is None
    assert job.output_arguments() == {"total": 3, "echo": {"customer": "ACME"}}
