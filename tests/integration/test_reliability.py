"""Faults, retries and bad answers: the task's outcome and the emulator's job count, case by case."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_uipath.call_modes import CallMode
from airflow_provider_uipath.emulator.server import EmulatorServer
from airflow_provider_uipath.exceptions import (
    UiPathInvokeError,
    UiPathOutputTooLargeError,
    UiPathProtocolError,
    UiPathRequestError,
    UiPathUncertainStartError,
)
from airflow_provider_uipath.hooks.uipath import UiPathHook
from airflow_provider_uipath.job_handle import TASK_STATE_KEY, JobHandle
from airflow_provider_uipath.jobs import JobLocator
from airflow_provider_uipath.operators.api_trigger import UiPathApiTriggerOperator
from airflow_provider_uipath.sensors.job import UiPathJobSensor
from tests.conftest import CLIENT_ID, CLIENT_SECRET, AddTrigger, SetConnection
from tests.integration.task_runner import RecordingTaskInstance, TaskDeferred, run_task

OUTPUT = {"invoices_processed": 42}
DEFERRABLE = pytest.mark.parametrize("deferrable", [True, False], ids=["deferrable", "on-worker"])


def operator(invoke_url: str, **kwargs: Any) -> UiPathApiTriggerOperator:
    kwargs.setdefault("poll_interval", 0.05)
    kwargs.setdefault("reconcile_grace_period", 0.5)
    return UiPathApiTriggerOperator(task_id="run_robot", invoke_url=invoke_url, **kwargs)


def jobs_created(emulator: EmulatorServer) -> int:
    return emulator.stats().jobs_created


def requests_to(emulator: EmulatorServer, route: str) -> int:
    return sum(1 for record in emulator.requests() if record.route_class.value == route)


class TaskStateStore:
    """Airflow 3.3's task state store as a task sees it: kept across tries of one task instance."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


def run_try(task: UiPathApiTriggerOperator, store: TaskStateStore) -> Any:
    """One try of a task whose context has a task state store."""
    context: Any = {"ti": RecordingTaskInstance(), "task_state_store": store}
    return task.execute(context)


# Exactly one job per task


@DEFERRABLE
@pytest.mark.parametrize("fault", ["bad_gateway_after_create", "drop_after_create"])
def test_job_created_behind_a_failed_call_is_adopted_not_duplicated(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, fault: str, deferrable: bool
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.5, output=OUTPUT)
    emulator.add_fault(fault, "invoke")
    run = run_task(operator(invoke_url, arguments={"in_Batch": 1}, deferrable=deferrable))
    assert run.result == OUTPUT
    assert run.xcoms["job_id"] == emulator.jobs()[0].id
    assert jobs_created(emulator) == 1
    assert requests_to(emulator, "invoke") == 1


def test_no_job_behind_a_failed_call_fails_without_calling_again(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot")
    emulator.add_fault("bad_gateway", "invoke")
    with pytest.raises(UiPathUncertainStartError, match=r"No job of this trigger .* appeared within 0.5 s"):
        run_task(operator(invoke_url, arguments={"in_Batch": 2}))
    assert jobs_created(emulator) == 0
    assert requests_to(emulator, "invoke") == 1


def test_opt_in_reinvoke_calls_again_once_when_no_job_appeared(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.2, output=OUTPUT)
    emulator.add_fault("bad_gateway", "invoke")
    run = run_task(operator(invoke_url, arguments={"in_Batch": 3}, uncertain_start="adopt_or_reinvoke"))
    assert run.result == OUTPUT
    assert jobs_created(emulator) == 1
    assert requests_to(emulator, "invoke") == 2


def test_reinvoke_happens_at_most_once(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot")
    emulator.add_fault("bad_gateway", "invoke", count=5)
    with pytest.raises(UiPathUncertainStartError):
        run_task(operator(invoke_url, arguments={"in_Batch": 4}, uncertain_start="adopt_or_reinvoke"))
    assert requests_to(emulator, "invoke") == 2


def test_several_candidate_jobs_fail_and_are_listed(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", outcome="Hang")
    run_task(operator(invoke_url, arguments={"in_Batch": 5}, wait_for_completion=False))
    emulator.add_fault("bad_gateway_after_create", "invoke")
    with pytest.raises(
        UiPathUncertainStartError, match=r"2 jobs of that trigger .*: Id \d+ \(Key .*Id \d+ \(Key"
    ):
        run_task(operator(invoke_url, arguments={"in_Batch": 5}))
    assert jobs_created(emulator) == 2


def test_fail_policy_fails_at_once_without_the_jobs_api(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot")
    emulator.add_fault("bad_gateway_after_create", "invoke")
    with pytest.raises(UiPathInvokeError, match=r"HTTP 502"):
        run_task(operator(invoke_url, uncertain_start="fail"))
    assert requests_to(emulator, "jobs") == 0


def test_missing_jobs_scope_is_named(
    emulator: EmulatorServer, set_connection: SetConnection, add_trigger: AddTrigger
) -> None:
    set_connection(
        host=emulator.tenant_url,
        login=CLIENT_ID,
        password=CLIENT_SECRET,
        extra={"token_url": f"{emulator.base_url}/identity_/connect/token", "scope": "OR.Execution"},
    )
    invoke_url = add_trigger("robot")
    emulator.add_fault("bad_gateway_after_create", "invoke")
    with pytest.raises(
        UiPathRequestError, match=r"HTTP 403.*give the external application .* OR.Jobs and OR.Execution"
    ):
        run_task(operator(invoke_url))
    assert jobs_created(emulator) == 1


def test_refusals_before_a_job_exists_are_not_reconciled(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.add_fault("status", "invoke", status_code=429, retry_after=1)
    with pytest.raises(UiPathInvokeError, match=r"HTTP 429.*no job was started by this call"):
        run_task(operator(add_trigger("robot")))
    assert requests_to(emulator, "jobs") == 0
    assert requests_to(emulator, "invoke") == 1


# Task retries (Airflow >= 3.3's task state store)


def test_retry_after_the_worker_died_reattaches_to_the_running_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.5, output=OUTPUT)
    store = TaskStateStore()
    with pytest.raises(
        TaskDeferred
    ):  # the first try defers, then its worker dies before the triggerer resumes it
        run_try(operator(invoke_url, arguments={"in_Batch": 6}, deferrable=True), store)
    assert JobHandle.from_dict(store.values[TASK_STATE_KEY]).status_url
    assert run_try(operator(invoke_url, arguments={"in_Batch": 6}), store) == OUTPUT
    assert jobs_created(emulator) == 1
    assert TASK_STATE_KEY not in store.values


def test_retry_after_a_death_between_call_and_answer_finds_the_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.5, output=OUTPUT)
    store = TaskStateStore()
    first = operator(invoke_url, arguments={"in_Batch": 7})
    first.hook.invoke_trigger(invoke_url, {"in_Batch": 7})  # the call went out; the answer was lost
    trigger_url = f"{emulator.tenant_url}/orchestrator_/t/{invoke_url}"
    store.set(
        TASK_STATE_KEY,
        JobHandle(JobLocator(trigger_url, emulator.jobs()[0].creation_time, {"in_Batch": 7})).to_dict(),
    )
    assert run_try(operator(invoke_url, arguments={"in_Batch": 7}), store) == OUTPUT
    assert jobs_created(emulator) == 1


def test_retry_after_the_job_failed_starts_a_new_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0, outcome="Faulted", error={"Title": "Boom"})
    store = TaskStateStore()
    with pytest.raises(TaskDeferred):
        run_try(operator(invoke_url, deferrable=True), store)
    add_trigger("robot", duration_seconds=0, output=OUTPUT)
    assert run_try(operator(invoke_url), store) == OUTPUT
    assert jobs_created(emulator) == 2


def test_retry_after_the_job_succeeded_returns_its_output_without_a_new_job(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0, output=OUTPUT)
    store = TaskStateStore()
    with pytest.raises(TaskDeferred):
        run_try(operator(invoke_url, deferrable=True), store)
    assert run_try(operator(invoke_url, deferrable=True), store) == OUTPUT
    assert jobs_created(emulator) == 1


# Faults survived without failing the task


@DEFERRABLE
@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(
            {"kind": "status", "route": "status", "status_code": 503, "count": 2}, id="5xx-on-polls"
        ),
        pytest.param({"kind": "bad_gateway", "route": "status", "count": 2}, id="html-502-on-polls"),
        pytest.param({"kind": "drop", "route": "status"}, id="reset-on-poll"),
        pytest.param(
            {"kind": "status", "route": "status", "status_code": 429, "retry_after": 1, "count": 2},
            id="429-burst",
        ),
        pytest.param(
            {"kind": "status", "route": "output", "status_code": 500, "body": "oops"}, id="5xx-on-output"
        ),
    ],
)
def test_passing_faults_on_polls_are_survived(
    pat_connection: str,
    add_trigger: AddTrigger,
    emulator: EmulatorServer,
    fault: dict[str, Any],
    deferrable: bool,
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0.3, output=OUTPUT)
    emulator.add_fault(**fault)
    assert run_task(operator(invoke_url, deferrable=deferrable)).result == OUTPUT
    assert jobs_created(emulator) == 1


@DEFERRABLE
def test_token_expiring_mid_wait_is_renewed(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer, deferrable: bool
) -> None:
    token_lifetime = emulator.state.knobs.token_ttl_seconds
    invoke_url = add_trigger("robot", duration_seconds=token_lifetime + 0.5, output=OUTPUT)
    xcoms = run_task(operator(invoke_url, wait_for_completion=False)).xcoms
    emulator.advance_clock(token_lifetime + 0.1)  # the token dies on the server; the job runs on
    sensor = UiPathJobSensor(
        task_id="wait", status_url=xcoms["status_url"], deferrable=deferrable, poll_interval=0.05
    )
    if deferrable:
        assert run_task(sensor).result == OUTPUT
    else:
        with UiPathHook() as hook:
            assert hook.get_job_output(xcoms["status_url"], CallMode.ASYNC_REQUEST_REPLY, 0.05) == OUTPUT
    assert emulator.stats().token_requests == 2


def test_short_token_endpoint_outage_is_survived(
    oauth_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.add_fault("status", "token", status_code=503, count=2)
    assert run_task(operator(add_trigger("robot", duration_seconds=0, output=OUTPUT))).result == OUTPUT
    assert emulator.stats().token_requests == 3


@DEFERRABLE
def test_slow_server_read_timeouts_are_retried(
    emulator: EmulatorServer, set_connection: SetConnection, add_trigger: AddTrigger, deferrable: bool
) -> None:
    set_connection(
        host=emulator.tenant_url,
        password="emulator-pat",
        extra={"timeout": 0.5, "max_attempts": 3, "retry_backoff": 0.01},
    )
    invoke_url = add_trigger("robot", duration_seconds=0.2, output=OUTPUT)
    emulator.add_fault("delay", "status", seconds=1.5)
    assert run_task(operator(invoke_url, deferrable=deferrable)).result == OUTPUT


# Bad answers: clear errors, never hangs


@DEFERRABLE
@pytest.mark.parametrize(
    ("fault", "error", "message"),
    [
        pytest.param(
            {"route": "status", "status_code": 418, "body": "teapot"},
            UiPathRequestError,
            r"HTTP 418 with: teapot",
            id="odd-status",
        ),
        pytest.param(
            {"route": "output", "status_code": 200, "body": "<html>x</html>"},
            UiPathProtocolError,
            r"is not JSON",
            id="html-output",
        ),
        pytest.param(
            {"route": "output", "status_code": 200, "body": '{"a": '},
            UiPathProtocolError,
            r"is not JSON",
            id="broken-json",
        ),
        pytest.param(
            {"route": "status", "status_code": 503, "count": 10},
            UiPathRequestError,
            r"Gave up after 3 attempts",
            id="5xx-budget",
        ),
    ],
)
def test_bad_answers_fail_with_a_clear_message(
    pat_connection: str,
    add_trigger: AddTrigger,
    fault: dict[str, Any],
    error: type[Exception],
    message: str,
    emulator: EmulatorServer,
    deferrable: bool,
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0)
    emulator.add_fault("status", **fault)
    with pytest.raises(Exception, match=message) as raised:
        run_task(operator(invoke_url, deferrable=deferrable))
    if not deferrable:
        assert isinstance(raised.value, error)


def test_accepted_without_location_is_a_clear_error(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.add_fault("status", "invoke", status_code=202)
    with pytest.raises(UiPathProtocolError, match=r"no Location header, so there is no status URL"):
        run_task(operator(add_trigger("robot")))


@DEFERRABLE
def test_output_over_the_limit_names_size_and_limit(
    pat_connection: str, add_trigger: AddTrigger, deferrable: bool
) -> None:
    invoke_url = add_trigger("robot", duration_seconds=0, output={"blob": "x" * 2000})
    with pytest.raises(
        Exception, match=r"output is 2\d\d\d bytes, more than the limit of 1000 bytes"
    ) as raised:
        run_task(operator(invoke_url, deferrable=deferrable, max_output_bytes=1000))
    if not deferrable:
        assert isinstance(raised.value, UiPathOutputTooLargeError)


def test_long_polling_job_over_the_fifteen_minute_limit_fails_clearly(
    pat_connection: str, add_trigger: AddTrigger, emulator: EmulatorServer
) -> None:
    emulator.configure(long_poll_max_job_seconds=0.5)
    invoke_url = add_trigger("robot", outcome="Hang")
    with pytest.raises(Exception, match=r"did not succeed"):
        run_task(operator(invoke_url, call_mode=CallMode.LONG_POLLING, deferrable=True))
